/* test-match.c: the prompt matcher finds what pexpect would, the earliest
 * match of the stream, however the stream is cut into reads, in bounded
 * memory; Python `re` syntax is translated or refused as Python would. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "match.h"

struct result {
	int rc; /* 1 match, 0 none, -1 error */
	size_t index;
	uint64_t start, end;
};

static struct matcher *
compile(const char *const *pats, size_t n)
{
	char err[512];
	struct matcher *m = matcher_new(pats, n, err, sizeof err);
	if (m == NULL)
		fail_msg("%s", err);
	return m;
}

/* Feeds TEXT cut at the CUTS (ascending offsets), then idles if asked. */
static struct result
run_cuts(struct matcher *m, const char *text, size_t len, const size_t *cuts,
         size_t ncuts, int idle)
{
	struct result r = {0};
	struct match mt;
	size_t at = 0;
	matcher_reset(m, 0);
	for (size_t k = 0; k <= ncuts && r.rc == 0; k++) {
		size_t to = k < ncuts ? cuts[k] : len;
		r.rc = matcher_feed(m, text + at, to - at, &mt);
		assert_true(matcher_retained(m) <= MATCH_WINDOW);
		at = to;
	}
	if (r.rc == 0 && idle)
		r.rc = matcher_idle(m, &mt);
	if (r.rc == 1) {
		r.index = mt.index;
		r.start = mt.start;
		r.end = mt.end;
	}
	return r;
}

static struct result
run1(struct matcher *m, const char *text, size_t len, int idle)
{
	return run_cuts(m, text, len, NULL, 0, idle);
}

/* One pattern over TEXT in one read, then idle: start or -1. */
static long
find(const char *pat, const char *text, size_t *end)
{
	const char *pats[] = {pat};
	struct matcher *m = compile(pats, 1);
	struct result r = run1(m, text, strlen(text), 1);
	matcher_free(m);
	assert_int_not_equal(r.rc, -1);
	if (end)
		*end = r.rc == 1 ? r.end : 0;
	return r.rc == 1 ? (long)r.start : -1;
}

static void
expect_same(struct result a, struct result b, const char *what)
{
	if (a.rc != b.rc || a.index != b.index || a.start != b.start ||
	    a.end != b.end)
		fail_msg("%s: rc %d/%d index %zu/%zu start %llu/%llu end "
		         "%llu/%llu",
		         what, a.rc, b.rc, a.index, b.index,
		         (unsigned long long)a.start,
		         (unsigned long long)b.start, (unsigned long long)a.end,
		         (unsigned long long)b.end);
}

/* Every split into two reads, and one byte per read, give the one-read
 * answer. */
static void
check_splits(const char *const *pats, size_t n, const char *text, size_t len,
             int idle, struct result want)
{
	struct matcher *m = compile(pats, n);
	expect_same(run1(m, text, len, idle), want, "one read");
	for (size_t cut = 0; cut <= len; cut++) {
		char what[64];
		snprintf(what, sizeof what, "split at %zu", cut);
		expect_same(run_cuts(m, text, len, &cut, 1, idle), want, what);
	}
	size_t *cuts = malloc(len * sizeof *cuts);
	for (size_t k = 0; k < len; k++)
		cuts[k] = k;
	expect_same(run_cuts(m, text, len, cuts, len, idle), want, "bytewise");
	free(cuts);
	matcher_free(m);
}

static struct result
R(size_t index, uint64_t start, uint64_t end) {
	struct result r = {1, index, start, end};
	return r;
}

static void
test_straddle(void **state)
{
	(void)state;
	const char *pats[] = {"root@debian:~#", "login:"};
	const char *t = "[    1.234] systemd: started\r\nroot@debian:~# ";
	check_splits(pats, 2, t, strlen(t), 0, R(0, 30, 44));
	/* Patterns with classes, groups and quantifiers. */
	const char *p2[] = {"root@(.*):~#", "<LAVA_SIGNAL_RETRUNCODE (\\d+)>"};
	const char *t2 = "echo\r\nfoo <LAVA_SIGNAL_RETRUNCODE 17>\r\n";
	check_splits(p2, 2, t2, strlen(t2), 0, R(1, 10, 37));
}

static void
test_earliest(void **state)
{
	(void)state;
	/* The later pattern matches first in time, but starts later. */
	const char *p1[] = {"abcdef", "cd"};
	check_splits(p1, 2, "xxabcdefyy", 10, 0, R(0, 2, 8));
	const char *p2[] = {"cd", "abcdef"};
	check_splits(p2, 2, "xxabcdefyy", 10, 0, R(1, 2, 8));
	/* The earlier candidate fails: the later one is reported. */
	check_splits(p1, 2, "xxabcdXyy", 9, 0, R(1, 4, 6));
	/* Ties go to the first in the list. */
	const char *p3[] = {"abc", "ab"};
	check_splits(p3, 2, "..abc..", 7, 0, R(0, 2, 5));
	const char *p4[] = {"ab", "abc"};
	check_splits(p4, 2, "..abc..", 7, 0, R(0, 2, 4));
	/* LAVA's kernel messages: the KASAN start, not the generic BUG:,
	 * whatever the reads. */
	const char *k[] = {"BUG: KCSAN:", "BUG: KASAN:", "BUG: KFENCE:",
	                   "Oops(?: -|:)", "(kernel BUG at|BUG:)"};
	const char *kt = "[ 3.1] BUG: KASAN: use-after-free in foo\n";
	check_splits(k, 5, kt, strlen(kt), 0, R(1, 7, 18));
	const char *kt2 = "[ 3.1] BUG: unable to handle page fault\n";
	check_splits(k, 5, kt2, strlen(kt2), 0, R(4, 7, 11));
}

static void
test_eager_end(void **state)
{
	(void)state;
	const char *p1[] = {"login:\\s*"};
	struct matcher *m = compile(p1, 1);
	/* The match could grow: the next byte or the device going quiet
	 * decides. */
	struct match mt;
	struct result r = run1(m, "foo\nlogin: ", 11, 0);
	assert_int_equal(r.rc, 0);
	assert_true(matcher_pending(m));
	assert_int_equal(matcher_idle(m, &mt), 1);
	assert_int_equal(mt.start, 4);
	assert_int_equal(mt.end, 11);
	r = run1(m, "foo\nlogin: x", 12, 0);
	expect_same(r, R(0, 4, 11), "login then a byte");
	matcher_free(m);
	/* An empty match at the end of the data may still grow. */
	const char *p3[] = {"(?<=x).*"};
	m = compile(p3, 1);
	assert_int_equal(matcher_feed(m, "ax", 2, &mt), 0);
	assert_int_equal(matcher_feed(m, "\xe2", 1, &mt), 0);
	assert_int_equal(matcher_feed(m, "\x86\x92z", 3, &mt), 0);
	assert_int_equal(matcher_idle(m, &mt), 1);
	assert_int_equal(mt.start, 2);
	assert_int_equal(mt.end, 6);
	matcher_free(m);
	/* LAVA jobs use root@(.*):~#: found as soon as it is there. */
	const char *p2[] = {"root@(.*):~#"};
	m = compile(p2, 1);
	r = run1(m, "root@hikey:~# ", 14, 0);
	expect_same(r, R(0, 0, 13), "greedy prompt");
	matcher_free(m);
}

static void
test_dollar(void **state)
{
	(void)state;
	const char *p[] = {"foo$"};
	struct matcher *m = compile(p, 1);
	struct match mt;
	/* At the end of a read: not yet. */
	assert_int_equal(matcher_feed(m, "xfoo", 4, &mt), 0);
	assert_true(matcher_pending(m));
	/* The line went on. */
	assert_int_equal(matcher_feed(m, "bar\n", 4, &mt), 0);
	assert_int_equal(matcher_idle(m, &mt), 0);
	/* Quiet after it: pexpect's match. */
	assert_int_equal(matcher_feed(m, "foo", 3, &mt), 0);
	assert_int_equal(matcher_idle(m, &mt), 1);
	assert_int_equal(mt.start, 8);
	assert_int_equal(mt.end, 11);
	matcher_free(m);
	/* Before the final newline, as Python's $. */
	assert_int_equal(find("foo$", "foo\n", NULL), 0);
	assert_int_equal(find("foo\\Z", "foo\n", NULL), -1);
	assert_int_equal(find("foo\\Z", "foo", NULL), 0);
	/* (?m)$ before a newline in the stream needs no idle. */
	const char *pm[] = {"(?m)^login:$"};
	const char *t = "xx\nlogin:\nyy";
	check_splits(pm, 1, t, strlen(t), 0, R(0, 3, 9));
}

static void
test_burst(void **state)
{
	(void)state;
	const size_t len = 1 << 20;
	char *big = malloc(len);
	const char *line = "[  12.345678] usb 1-1: new high-speed USB device "
	                   "number 2 using ehci-platform\r\n";
	size_t ll = strlen(line);
	for (size_t i = 0; i < len; i++)
		big[i] = line[i % ll];
	const char *prompt = "root@debian:~# ";
	size_t pl = strlen(prompt);
	const char *pats[] = {"Kernel panic - not syncing",
	                      "login:", "root@debian:~#", "\\(initramfs\\)",
	                      "Login incorrect"};
	struct matcher *m = compile(pats, 5);
	size_t offs[] = {0,     1,     16383, 16384,   16385,
	                 65535, 65536, 65537, len / 2, len - pl};
	/* The slice and window edges, and offsets spread over the burst. */
	for (size_t k = 0; k < 10 + 100; k++) {
		size_t off = k < 10 ? offs[k] : (k * 104729) % (len - pl);
		char *c = malloc(len);
		memcpy(c, big, len);
		memcpy(c + off, prompt, pl);
		struct result r = run1(m, c, len, 0);
		char what[64];
		snprintf(what, sizeof what, "prompt at %zu", off);
		expect_same(r, R(2, off, off + pl - 1), what);
		free(c);
	}
	matcher_free(m);
	free(big);
}

static void
test_cr_lines(void **state)
{
	(void)state;
	const char *t = "Loading\r 10%\r 55%\r100%\rlogin: ";
	/* ^ under (?m) is after \n only, as in Python. */
	assert_int_equal(find("(?m)^login:", t, NULL), -1);
	assert_int_equal(find("(?m)^login:", "x\nlogin:", NULL), 2);
	assert_int_equal(find("login:", t, NULL), 23);
	assert_int_equal(find("100%\\r", t, NULL), 18);
	size_t end;
	assert_int_equal(find("\\d+%\\r(.)", t, &end), 9);
	const char *p[] = {"100%\rlogin: "};
	check_splits(p, 1, t, strlen(t), 0, R(0, 18, 30));
}

static void
test_bytes(void **state)
{
	(void)state;
	/* NULs are ordinary bytes. */
	const char t1[] = "\0\0boot\0ok\0login:";
	const char *p1[] = {"ok\\x00login", "login:"};
	check_splits(p1, 2, t1, sizeof t1 - 1, 0, R(0, 7, 15));
	/* Bytes that are not UTF-8 match . and [^...] (pexpect sees
	 * U+FFFD), and do not hide a prompt after them. */
	const char t2[] = "\xff\xfe\xe2\x82root\xc0#x\xf0\x9f";
	const char *p2[] = {"root.#", "t[^a]#"};
	check_splits(p2, 2, t2, sizeof t2 - 1, 0, R(0, 4, 10));
	assert_int_equal(find(".\\W", "\xff\xfe", NULL), 0);
	/* A character cut across reads. */
	const char t3[] = "boot \xce\xbb> \xe2\x86\x92 ok";
	const char *p3[] = {"\xce\xbb> \xe2\x86\x92"};
	check_splits(p3, 1, t3, sizeof t3 - 1, 0, R(0, 5, 12));
	const char *p4[] = {"\\u03bb> \\u2192 \\w"};
	check_splits(p4, 1, t3, sizeof t3 - 1, 0, R(0, 5, 14));
	/* An unfinished character at the end is not a match yet. */
	const char *p5[] = {"a."};
	struct matcher *m = compile(p5, 1);
	struct match mt;
	assert_int_equal(matcher_feed(m, "a\xce", 2, &mt), 0);
	assert_int_equal(matcher_feed(m, "\xbb", 1, &mt), 1);
	assert_int_equal(mt.end, 3);
	matcher_free(m);
}

static void
test_python_syntax(void **state)
{
	(void)state;
	size_t e;
	assert_int_equal(find("a{,3}b", "xaaab", &e), 1);
	assert_int_equal(find("x{,}y", "xxy", NULL), 0);
	assert_int_equal(find("a{}", "a{}", NULL), 0);
	assert_int_equal(find("a{x}", "a{x}", NULL), 0);
	assert_int_equal(find("(?P<n>ab)-(?P=n)", "ab-ac ab-ab", NULL), 6);
	assert_int_equal(find("(a)(b)\\2\\1", "abba", NULL), 0);
	assert_int_equal(find("(?P<x>a)?(?(x)b|c)", "c", NULL), 0);
	assert_int_equal(find("(a)?(?(1)b|c)", "ab", NULL), 0);
	assert_int_equal(find("\\Ax", "xx", &e), 0);
	assert_int_equal(find("\\Ax", "yx", NULL), -1);
	/* Unicode classes, as str patterns. */
	assert_int_equal(find("\\d+", "x\xd9\xa3\xd9\xa4", &e), 1);
	assert_int_equal(e, 5);
	assert_int_equal(find("\\w+", "\xc3\xa9t\xc3\xa9", &e), 0);
	assert_int_equal(e, 5);
	assert_int_equal(find("a\\sb",
	                      "a\x1c"
	                      "b",
	                      NULL),
	                 0);
	assert_int_equal(find("a[\\s]b",
	                      "a\x1f"
	                      "b",
	                      NULL),
	                 0);
	assert_int_equal(find("a\\Sb",
	                      "a\x1c"
	                      "b",
	                      NULL),
	                 -1);
	assert_int_equal(find("a[\\S]b",
	                      "a\x1c"
	                      "b",
	                      NULL),
	                 -1);
	assert_int_equal(find("a\\sb",
	                      "a\xe1\xa0\x8e"
	                      "b",
	                      NULL),
	                 -1);
	/* ASCII flag, global and scoped. */
	assert_int_equal(find("(?a)\\w", "\xc3\xa9x", NULL), 2);
	assert_int_equal(find("(?a:\\w)\\w", "\xc3\xa9\xc3\xa9x\xc3\xa9", NULL),
	                 4);
	assert_int_equal(find("(?a)\\bx", "\xc3\xa9x", NULL), 2);
	assert_int_equal(find("\\bx", "\xc3\xa9x", NULL), -1);
	/* Escapes Python reads its own way. */
	assert_int_equal(find("\\v", "a\x0b", NULL), 1);
	assert_int_equal(find("\\v", "a\n", NULL), -1);
	assert_int_equal(find("\\x41\\101\\0", "zAA", NULL), -1);
	assert_int_equal(find("\\x41\\101", "zAA", NULL), 1);
	assert_int_equal(find("[\\b]", "a\bb", NULL), 1);
	assert_int_equal(find("\\u00e9", "\xc3\xa9", NULL), 0);
	assert_int_equal(find("\\U0001F600", "\xf0\x9f\x98\x80", NULL), 0);
	assert_int_equal(find("\\#\\:", "#:", NULL), 0);
	/* [[:alpha:]] is a class of [ : a l p h, then ]. */
	assert_int_equal(find("[[:alpha:]]", "x:]", NULL), 1);
	assert_int_equal(find("[]a]", "]", NULL), 0);
	/* Flags, verbose, comments, atomic, possessive. */
	assert_int_equal(find("(?i)LOGIN:", "login:", NULL), 0);
	assert_int_equal(find("(?i:L)ogin", "login Login", NULL), 0);
	assert_int_equal(find("(?x) l o g # comment (\n in", "login", NULL), 0);
	assert_int_equal(find("(?x)a\\ b [ ]c", "a b c", NULL), 0);
	assert_int_equal(find("lo(?#(comment)gin", "login", NULL), 0);
	assert_int_equal(find("(?>a+)b", "aab", NULL), 0);
	assert_int_equal(find("a++a", "aaa", NULL), -1);
	assert_int_equal(find("(?s:.)", "\n", NULL), 0);
	assert_int_equal(find("(?-s:.)", "\nx", NULL), 1);
	assert_int_equal(find("(?<=ab)c", "abc", NULL), 2);
	/* The translation itself. */
	char *out;
	char err[128];
	size_t off;
	assert_int_equal(
	    match_translate("a{,3}\\Z(?P=n)", &out, err, sizeof err, &off), 0);
	assert_string_equal(out, "a{0,3}(?:(?-m:$)(?!\\n))(?P=n)");
	free(out);
}

static void
expect_bad(const char *pat, const char *msg, size_t pos)
{
	const char *pats[] = {"ok", pat};
	char err[512], want[512];
	struct matcher *m = matcher_new(pats, 2, err, sizeof err);
	if (m != NULL)
		fail_msg("'%s' compiled", pat);
	snprintf(want, sizeof want, "invalid prompt regex '%s': %s", pat, msg);
	if (strncmp(err, want, strlen(want)) != 0)
		fail_msg("'%s': got \"%s\", want \"%s...\"", pat, err, want);
	char at[64];
	snprintf(at, sizeof at, "at position %zu", pos);
	if (strstr(err, at) == NULL)
		fail_msg("'%s': got \"%s\", want %s", pat, err, at);
}

static void
test_bad_regex(void **state)
{
	(void)state;
	expect_bad("root@(debian", "missing ), unterminated subpattern", 5);
	expect_bad("a)", "unbalanced parenthesis", 1);
	expect_bad("[abc", "unterminated character set", 0);
	expect_bad("*a", "nothing to repeat", 0);
	expect_bad("a**", "multiple repeat", 2);
	expect_bad("x|+", "nothing to repeat", 2);
	expect_bad("^*", "nothing to repeat", 1);
	expect_bad("(*UTF)a", "nothing to repeat", 1);
	expect_bad("a\\q", "bad escape \\q", 1);
	expect_bad("\\e", "bad escape \\e", 0);
	expect_bad("\\p{L}", "bad escape \\p", 0);
	expect_bad("x\\z", "bad escape \\z", 1);
	expect_bad("[\\A]", "bad escape \\A", 1);
	expect_bad("\\x4", "incomplete escape \\x4", 0);
	expect_bad("a\\", "bad escape (end of pattern)", 1);
	expect_bad("(a)\\2", "invalid group reference 2", 4);
	expect_bad("(a\\1)", "cannot refer to an open group", 2);
	expect_bad("(?<n>x)", "unknown extension ?<n", 1);
	expect_bad("(?P>n)", "unknown extension ?P>", 1);
	expect_bad("(?R)", "unknown extension ?R", 1);
	expect_bad("a(?i)b",
	           "global flags not at the start of the "
	           "expression",
	           1);
	expect_bad("(?L)a",
	           "bad inline flags: cannot use 'L' flag with a "
	           "str pattern",
	           3);
	expect_bad("a{3,2}", "min repeat greater than max repeat", 2);
	expect_bad("\\777",
	           "octal escape value \\777 outside of range "
	           "0-0o377",
	           0);
	expect_bad("(?P<1a>x)", "bad character in group name '1a'", 4);
	/* Errors PCRE2 finds, mapped back onto the Python text. */
	expect_bad("ab[z-a]", "range out of order in character class", 5);
	expect_bad("(?P<n>a)(?P<n>b)",
	           "two named subpatterns have the same "
	           "name (PCRE2_DUPNAMES not set)",
	           14);
}

static void
fill(char *c, size_t n, const char *line)
{
	size_t ll = strlen(line);
	for (size_t i = 0; i < n; i++)
		c[i] = line[i % ll];
}

static void
test_bounded(void **state)
{
	(void)state;
	const char *pats[] = {"Kernel panic - not syncing",
	                      "login:", "root@debian:~#", "\\(initramfs\\)",
	                      "Login incorrect"};
	struct matcher *m = compile(pats, 5);
	const size_t chunk = 65536;
	char *c = malloc(chunk);
	fill(c, chunk,
	     "[  12.345678] EXT4-fs (mmcblk0p2): mounted "
	     "filesystem with ordered data mode\r\n");
	struct match mt;
	size_t most = 0;
	for (size_t n = 0; n < (100u << 20) / chunk; n++) {
		assert_int_equal(matcher_feed(m, c, chunk, &mt), 0);
		if (matcher_retained(m) > most)
			most = matcher_retained(m);
	}
	assert_true(most <= MATCH_WINDOW);
	assert_int_equal(matcher_feed(m, "login:", 6, &mt), 1);
	assert_int_equal(mt.start, 100u << 20);
	matcher_free(m);

	/* A partial match that never ends (a prompt with .* and a stray
	 * root@) is held back to the window, and blocks the later login:
	 * until the device goes quiet. */
	const char *p2[] = {"root@(.*):~#", "login:"};
	m = compile(p2, 2);
	fill(c, chunk, "[  12.345678] root@ EXT4-fs (mmcblk0p2): mounted\r\n");
	most = 0;
	for (size_t n = 0; n < (4u << 20) / chunk; n++) {
		assert_int_equal(matcher_feed(m, c, chunk, &mt), 0);
		if (matcher_retained(m) > most)
			most = matcher_retained(m);
	}
	assert_true(most <= MATCH_WINDOW);
	assert_int_equal(matcher_feed(m, "login:", 6, &mt), 0);
	assert_true(matcher_pending(m));
	assert_int_equal(matcher_idle(m, &mt), 1);
	assert_int_equal(mt.index, 1);
	assert_int_equal(mt.start, 4u << 20);
	free(c);
	matcher_free(m);
}

static void
test_window(void **state)
{
	(void)state;
	const char *pats[] = {"BEGIN[^!]*END"};
	struct matcher *m = compile(pats, 1);
	size_t len = MATCH_WINDOW + 100;
	char *t = malloc(len);
	memset(t, 'x', len);
	memcpy(t, "BEGIN", 5);
	memcpy(t + len - 3, "END", 3);
	/* Longer than the window: not found, and nothing grows. */
	assert_int_equal(run1(m, t, len, 1).rc, 0);
	assert_true(matcher_retained(m) <= MATCH_WINDOW);
	/* Up to half of it: found, across many reads. */
	size_t at = len - (MATCH_WINDOW / 2 - 100);
	memcpy(t + at, "BEGIN", 5);
	size_t cuts[64];
	for (size_t k = 0; k < 64; k++)
		cuts[k] = (k + 1) * 1000;
	/* The match ends the data: the device going quiet settles it. */
	expect_same(run_cuts(m, t, len, cuts, 64, 1), R(0, at, len),
	            "long match");
	free(t);
	matcher_free(m);
}

static void
test_contract(void **state)
{
	(void)state;
	const char *pats[] = {"<RC (\\d+)>", "(?P<word>ok|fail)!"};
	struct matcher *m = compile(pats, 2);
	struct match mt;
	const char *s = "..<RC 42>..ok!..";
	assert_int_equal(matcher_feed(m, s, strlen(s), &mt), 1);
	assert_int_equal(mt.index, 0);
	assert_int_equal(mt.start, 2);
	assert_int_equal(mt.end, 9);
	const char *g;
	assert_int_equal(matcher_group(m, 1, &g), 2);
	assert_memory_equal(g, "42", 2);
	assert_int_equal(matcher_group(m, 0, &g), 7);
	assert_int_equal(matcher_group(m, 2, &g), 0);
	assert_null(g);
	/* Fed again without a reset: refused. */
	assert_int_equal(matcher_feed(m, "x", 1, &mt), -1);
	assert_non_null(strstr(matcher_error(m), "reset"));
	/* The caller resumes at the match end with the bytes after it. */
	matcher_reset(m, 9);
	assert_int_equal(matcher_feed(m, s + 9, strlen(s) - 9, &mt), 1);
	assert_int_equal(mt.index, 1);
	assert_int_equal(mt.start, 11);
	assert_int_equal(matcher_group_named(m, "word", &g), 2);
	assert_memory_equal(g, "ok", 2);
	/* A match held back by a longer candidate ends before the read
	 * that decides it; the bytes after it are still at or after
	 * matcher_keep() from before that read. */
	const char *p3[] = {"abcdefX", "bc"};
	struct matcher *m3 = compile(p3, 2);
	assert_int_equal(matcher_feed(m3, "abcde", 5, &mt), 0);
	uint64_t keep = matcher_keep(m3);
	assert_int_equal(matcher_feed(m3, "Y", 1, &mt), 1);
	assert_int_equal(mt.index, 1);
	assert_int_equal(mt.end, 3);
	assert_true(keep <= mt.end);
	matcher_free(m3);
	/* ^ matches at the offset of the reset only. */
	const char *p2[] = {"^ok"};
	struct matcher *m2 = compile(p2, 1);
	matcher_reset(m2, 1000);
	assert_int_equal(matcher_feed(m2, "ok", 2, &mt), 1);
	assert_int_equal(mt.start, 1000);
	matcher_reset(m2, 0);
	assert_int_equal(matcher_feed(m2, "x ok", 4, &mt), 0);
	assert_int_equal(matcher_idle(m2, &mt), 0);
	matcher_free(m2);
	matcher_free(m);
}

/* A job's prompt that backtracks catastrophically on what the device
 * prints: PCRE2's match limit ends the search with an error naming the
 * prompt, at once, rather than the job hanging. */
static void
test_backtracking(void **state)
{
	(void)state;
	static const char *const pats[] = {"(a|a)*c", "^(a|aa)+$",
	                                   "(\\w+\\s?)+$"};
	for (size_t k = 0; k < sizeof pats / sizeof pats[0]; k++) {
		char err[256], text[64];
		const char *p[] = {pats[k]};
		struct matcher *m = matcher_new(p, 1, err, sizeof err);
		assert_non_null(m);
		memset(text, 'a', 60);
		memcpy(text + 60, "!\n", 2);
		struct match mt;
		int rc = matcher_feed(m, text, 62, &mt);
		if (rc == 0)
			rc = matcher_idle(m, &mt);
		assert_int_equal(rc, -1);
		assert_non_null(strstr(matcher_error(m), "match limit"));
		assert_non_null(strstr(matcher_error(m), "prompt 0"));
		matcher_free(m);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_straddle),
	    cmocka_unit_test(test_earliest),
	    cmocka_unit_test(test_eager_end),
	    cmocka_unit_test(test_dollar),
	    cmocka_unit_test(test_burst),
	    cmocka_unit_test(test_cr_lines),
	    cmocka_unit_test(test_bytes),
	    cmocka_unit_test(test_python_syntax),
	    cmocka_unit_test(test_bad_regex),
	    cmocka_unit_test(test_bounded),
	    cmocka_unit_test(test_backtracking),
	    cmocka_unit_test(test_window),
	    cmocka_unit_test(test_contract),
	};
	if (getenv("MATCH_TEST"))
		cmocka_set_test_filter(getenv("MATCH_TEST"));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
