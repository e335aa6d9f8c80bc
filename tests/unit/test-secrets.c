/* test-secrets.c: the job's secrets as every output hides them:
 * "[MASKED]" in text (overlapping and repeated occurrences, the list's
 * order not mattering), stars of the same length, the tail a split secret
 * could begin, the masked stream the person's view goes through, and the
 * list taken from a job. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "secrets.h"
#include "util.h"
#include "yaml.h"

/* STR masked by S, as a new string (STR itself when nothing occurs). */
static char *
masked(const struct secrets *s, const char *str)
{
	size_t len = strlen(str);
	char *m = secrets_mask(s, str, &len);
	if (m == NULL)
		return xstrdup(str);
	assert_int_equal(strlen(m), len);
	return m;
}

static void
assert_masked(const struct secrets *s, const char *str, const char *want)
{
	char *got = masked(s, str);
	assert_string_equal(got, want);
	free(got);
}

static void
test_add(void **state)
{
	(void)state;
	struct secrets s = {0};
	secrets_add(&s, "s3cr3t");
	secrets_add(&s, "");       /* ignored, as lava-run does */
	secrets_add(&s, NULL);     /* the same */
	secrets_add(&s, "s3cr3t"); /* once is enough */
	secrets_add(&s, "other");
	assert_int_equal(s.n, 2);
	assert_string_equal(s.v[0], "s3cr3t");
	assert_string_equal(s.v[1], "other");
	secrets_free(&s);
	assert_int_equal(s.n, 0);
	assert_null(s.v);
}

static void
test_mask(void **state)
{
	(void)state;
	struct secrets s = {0};
	size_t len = 5;
	/* No list, an empty one, nothing found: NULL, nothing to free. */
	assert_null(secrets_mask(NULL, "hello", &len));
	assert_null(secrets_mask(&s, "hello", &len));
	secrets_add(&s, "s3cr3t");
	assert_null(secrets_mask(&s, "hello", &len));
	assert_int_equal(len, 5);
	assert_null(secrets_mask(&s, "", &(size_t){0}));

	assert_masked(&s, "s3cr3t", "[MASKED]");
	assert_masked(&s, "token s3cr3t and s3cr3ts3cr3t.",
	              "token [MASKED] and [MASKED][MASKED].");
	/* A prefix of a secret is no secret. */
	assert_masked(&s, "s3cr3 s3cr", "s3cr3 s3cr");
	/* Bytes as they are: NUL, quotes, newlines. */
	const char bin[] = "a\0s3cr3t\n\"";
	size_t bl = sizeof bin - 1;
	char *m = secrets_mask(&s, bin, &bl);
	assert_non_null(m);
	assert_int_equal(bl, 12);
	assert_memory_equal(m, "a\0[MASKED]\n\"", 12);
	free(m);
	secrets_free(&s);
}

static void
test_overlap(void **state)
{
	(void)state;
	/* Secrets that overlap, or hold one another, leave none of their
	 * bytes, whatever the order of the list. */
	const char *lists[2][2] = {{"abcd", "cdef"}, {"cdef", "abcd"}};
	for (int i = 0; i < 2; i++) {
		struct secrets s = {0};
		secrets_add(&s, lists[i][0]);
		secrets_add(&s, lists[i][1]);
		assert_masked(&s, "xabcdefx", "x[MASKED]x");
		assert_masked(&s, "abcdcdef", "[MASKED][MASKED]");
		secrets_free(&s);
	}
	struct secrets s = {0};
	secrets_add(&s, "pass");
	secrets_add(&s, "password");
	assert_masked(&s, "my password: pass", "my [MASKED]: [MASKED]");
	secrets_free(&s);
	/* One that repeats within itself. */
	secrets_add(&s, "aa");
	assert_masked(&s, "baaab", "b[MASKED]b");
	secrets_free(&s);
	/* A short one masks wherever it occurs, the mask's own letters
	 * too: masking twice would not give the same text. */
	secrets_add(&s, "E");
	assert_masked(&s, "PE", "P[MASKED]");
	secrets_free(&s);
}

static void
test_star(void **state)
{
	(void)state;
	struct secrets s = {0};
	secrets_add(&s, "s3cr3t");
	secrets_add(&s, "aa");
	char buf[] = "x s3cr3t y aaa s3cr3";
	secrets_star(&s, buf, strlen(buf));
	assert_string_equal(buf, "x ****** y *** s3cr3");
	secrets_star(NULL, buf, strlen(buf));
	secrets_add(&s, "abcd");
	secrets_add(&s, "cdef");
	char two[] = "xabcdefx";
	secrets_star(&s, two, strlen(two));
	assert_string_equal(two, "x******x");
	secrets_star(&s, buf, 0);
	/* The tail that could begin one: "s3cr3", then nothing. */
	assert_int_equal(secrets_tail(&s, buf, strlen(buf)), 15);
	assert_int_equal(secrets_tail(&s, "x a", 3), 2);
	assert_int_equal(secrets_tail(&s, "x s3cr3t", 8), 8);
	assert_int_equal(secrets_tail(&s, "", 0), 0);
	assert_int_equal(secrets_tail(NULL, "s3", 2), 2);
	secrets_free(&s);
}

/* What CHUNKS (NULL-ended), each written and flushed, come out as. */
static char *
streamed(const struct secrets *s, const char *const *chunks)
{
	char *text;
	size_t len;
	FILE *mem = open_memstream(&text, &len);
	assert_non_null(mem);
	FILE *f = secrets_stream(s, mem);
	assert_non_null(f);
	for (size_t i = 0; chunks[i]; i++) {
		fputs(chunks[i], f);
		fflush(f);
	}
	fclose(f);
	fclose(mem);
	return text;
}

static void
test_stream(void **state)
{
	(void)state;
	struct secrets s = {0};
	/* Read at each write: added after the stream was made. */
	const char *c1[] = {
	    "  3    lava-test-retry [common] FAILED: ", "boom s3cr3t\n", NULL};
	char *got = streamed(&s, c1);
	assert_string_equal(got, "  3    lava-test-retry [common] FAILED: "
	                         "boom s3cr3t\n");
	free(got);
	secrets_add(&s, "s3cr3t");
	got = streamed(&s, c1);
	assert_string_equal(got, "  3    lava-test-retry [common] FAILED: "
	                         "boom [MASKED]\n");
	free(got);
	/* Cut by a flush, a secret is still caught; a tail that is no
	 * secret after all comes out as it was. */
	const char *c2[] = {"a s3", "cr3t b s3c", "r\n", "end s3cr", NULL};
	got = streamed(&s, c2);
	assert_string_equal(got, "a [MASKED] b s3cr\nend s3cr");
	free(got);
	/* Two secrets, one ending in the other's start, cut between. */
	secrets_add(&s, "abcd");
	secrets_add(&s, "cdXY");
	const char *c3[] = {"1 abcd", "XY 2\n", NULL};
	got = streamed(&s, c3);
	assert_string_equal(got, "1 [MASKED] 2\n");
	free(got);
	const char *c4[] = {"1 abcd", " 2\n", NULL};
	got = streamed(&s, c4);
	assert_string_equal(got, "1 [MASKED] 2\n");
	free(got);
	secrets_free(&s);
}

static void
test_from_job(void **state)
{
	(void)state;
	const char *job = "job_name: x\n"
	                  "secrets:\n"
	                  "  TOKEN: not-for-logs-81723\n"
	                  "  PIN: 1234\n"
	                  "  EMPTY: ''\n"
	                  "  NONE: null\n"
	                  "  YES: true\n"
	                  "  AB: ab\n"
	                  "  LIST: [x]\n"
	                  "actions: []\n";
	struct yerror err;
	struct ydoc *doc = ydoc_parse(job, strlen(job), &err);
	assert_non_null(doc);
	struct secrets s = {0};
	struct buf warn;
	buf_init(&warn);
	secrets_add_job(&s, ydoc_root(doc), &warn);
	assert_int_equal(s.n, 3);
	assert_string_equal(s.v[0], "not-for-logs-81723");
	assert_string_equal(s.v[1], "1234");
	assert_string_equal(s.v[2], "ab");
	/* The short one is named, never shown. */
	assert_non_null(warn.data);
	assert_string_equal(warn.data,
	                    "secrets.AB is 2 characters long: every "
	                    "occurrence of it in every output is written "
	                    "[MASKED]\n");
	/* Again: nothing new (a second reading of the job adds nothing). */
	secrets_add_job(&s, ydoc_root(doc), NULL);
	assert_int_equal(s.n, 3);
	buf_free(&warn);
	secrets_free(&s);
	/* A job without secrets, or none at all. */
	secrets_add_job(&s, NULL, NULL);
	assert_int_equal(s.n, 0);
	ydoc_free(doc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_add),     cmocka_unit_test(test_mask),
	    cmocka_unit_test(test_overlap), cmocka_unit_test(test_star),
	    cmocka_unit_test(test_stream),  cmocka_unit_test(test_from_job),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
