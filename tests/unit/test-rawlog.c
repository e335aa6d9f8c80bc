/* test-rawlog.c: the raw connection log keeps every byte as read and
 * where each chunk began, except the job's secrets: each occurrence is
 * starred, byte for byte, however the reads cut it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "rawlog.h"
#include "util.h"

static char dir[] = "/tmp/test-rawlog.XXXXXX";

static char *
slurp(const char *name)
{
	char *path = xasprintf("%s/%s", dir, name);
	size_t len;
	char *s = file_read(path, &len);
	assert_non_null(s);
	free(path);
	return s;
}

/* Writes CHUNKS (NULL-ended) with MASKS and returns what the log holds. */
static char *
logged(const char *const *chunks, char **masks, size_t nmasks)
{
	struct rawlog log;
	assert_int_equal(rawlog_open(&log, dir, "c"), 0);
	struct secrets s = {.v = masks, .n = nmasks};
	rawlog_set_secrets(&log, &s);
	for (size_t i = 0; chunks[i]; i++)
		rawlog_write(&log, 1000000000ULL * (i + 1), chunks[i],
		             strlen(chunks[i]));
	rawlog_close(&log);
	return slurp("c.log");
}

static void
test_no_masks_byte_exact(void **state)
{
	(void)state;
	const char *chunks[] = {"abc\r\n", "\x01\xff", "def", NULL};
	char *got = logged(chunks, NULL, 0);
	assert_string_equal(got, "abc\r\n\x01\xff" "def");
	free(got);
	char *times = slurp("c.times");
	assert_string_equal(times, "0 1.000000000\n5 2.000000000\n"
	                           "7 3.000000000\n");
	free(times);
}

static void
test_secret_split_across_reads(void **state)
{
	(void)state;
	char *masks[] = {"s3cret", "hunter2"};
	const char *chunks[] = {"abc s3c", "ret def hunt", "er2 end", NULL};
	char *got = logged(chunks, masks, 2);
	assert_string_equal(got, "abc ****** def ******* end");
	free(got);
}

static void
test_prefix_that_is_no_secret(void **state)
{
	(void)state;
	char *masks[] = {"s3cret"};
	/* "s3c" waits for the next read, then goes out as it was; a prefix
	 * left at the end goes out at the close. */
	const char *chunks[] = {"x s3c", "x y s3", NULL};
	char *got = logged(chunks, masks, 1);
	assert_string_equal(got, "x s3cx y s3");
	free(got);
	/* Offsets stay those of the bytes; held bytes keep the time they
	 * arrived and take the next read's bytes along. */
	char *times = slurp("c.times");
	assert_string_equal(times, "0 1.000000000\n2 1.000000000\n"
	                           "9 2.000000000\n");
	free(times);
}

static void
test_secret_in_one_read_and_repeated(void **state)
{
	(void)state;
	char *masks[] = {"pw"};
	const char *chunks[] = {"pwpw-pw", NULL};
	char *got = logged(chunks, masks, 1);
	assert_string_equal(got, "****-**");
	free(got);
}

/* The job log's list itself, as job.c hands it: read at each write, so
 * a secret added later (a key's path) is starred from then on; secrets
 * that overlap leave none of their bytes. */
static void
test_secrets_list(void **state)
{
	(void)state;
	struct secrets s = {0};
	struct rawlog log;
	assert_int_equal(rawlog_open(&log, dir, "c"), 0);
	rawlog_set_secrets(&log, &s);
	rawlog_write(&log, 1, "abcd ", 5);
	secrets_add(&s, "abcd");
	secrets_add(&s, "cdef");
	for (int i = 0; i < 20; i++) /* the array moves as it grows */
		secrets_add(&s, (char[]){'#', (char)('A' + i), '#', 0});
	rawlog_write(&log, 2, "xabcdefx #C", 11);
	rawlog_write(&log, 3, "# ab", 4);
	rawlog_write(&log, 4, "cd", 2);
	rawlog_close(&log);
	char *got = slurp("c.log");
	assert_string_equal(got, "abcd x******x *** ****");
	free(got);
	secrets_free(&s);
}

/* Links planted under the raw logs' names are replaced, their targets
 * untouched. */
static void
test_planted_link(void **state)
{
	(void)state;
	char *victim = xasprintf("%s/victim", dir);
	FILE *f = fopen(victim, "w");
	assert_non_null(f);
	fputs("untouched\n", f);
	fclose(f);
	char *l1 = xasprintf("%s/p.log", dir),
	     *l2 = xasprintf("%s/p.times", dir);
	assert_int_equal(symlink(victim, l1), 0);
	assert_int_equal(symlink(victim, l2), 0);
	struct rawlog log;
	assert_int_equal(rawlog_open(&log, dir, "p"), 0);
	rawlog_write(&log, 1, "data", 4);
	rawlog_close(&log);
	char *got = slurp("victim");
	assert_string_equal(got, "untouched\n");
	free(got);
	got = slurp("p.log");
	assert_string_equal(got, "data");
	free(got);
	free(victim);
	free(l1);
	free(l2);
}

int
main(void)
{
	assert_non_null(mkdtemp(dir));
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_no_masks_byte_exact),
	    cmocka_unit_test(test_secret_split_across_reads),
	    cmocka_unit_test(test_prefix_that_is_no_secret),
	    cmocka_unit_test(test_secret_in_one_read_and_repeated),
	    cmocka_unit_test(test_secrets_list),
	    cmocka_unit_test(test_planted_link),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	char *cmd = xasprintf("rm -rf '%s'", dir);
	if (system(cmd) != 0)
		rc = 1;
	free(cmd);
	return rc;
}
