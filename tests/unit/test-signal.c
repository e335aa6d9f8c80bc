/* test-signal.c: every LAVA test shell signal read as LAVA reads it and
 * checked as LAVA checks it, the same events however the stream is cut,
 * and signals recovered from kernel messages and `\r` that cut into them.
 *
 * With --dump [CHUNK], reads a stream on standard input and prints its
 * events one a line (signal_event_format), feeding CHUNK bytes at a time:
 * tests/e2e/test-shell-scripts.sh checks the device-side scripts with it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "signal.h"
#include "util.h"

/* Every event of TEXT fed in chunks of CHUNK bytes (0: whole), one line
 * each, with the stream offsets when OFFSETS. */
static char *
events_chunked(struct signal_parser *p, const char *text, size_t len,
               size_t chunk, int offsets)
{
	struct buf out;
	struct signal_event ev;
	buf_init(&out);
	buf_adds(&out, "");
	size_t at = 0;
	while (at < len) {
		size_t n = chunk == 0 || len - at < chunk ? len - at : chunk;
		size_t used;
		while (n > 0) {
			int r = signal_parser_feed(p, text + at, n, &used, &ev);
			assert_true(used <= n);
			at += used;
			n -= used;
			if (r == 1) {
				signal_event_format(&ev, &out);
				if (offsets)
					buf_printf(&out, " @%llu-%llu",
					           (unsigned long long)ev.start,
					           (unsigned long long)ev.end);
				buf_addc(&out, '\n');
			} else {
				assert_int_equal(n, 0);
			}
		}
	}
	if (signal_parser_finish(p, &ev)) {
		signal_event_format(&ev, &out);
		buf_addc(&out, '\n');
	}
	return buf_steal(&out);
}

static char *
events(const char *text)
{
	struct signal_parser *p = signal_parser_new();
	char *s = events_chunked(p, text, strlen(text), 0, 0);
	signal_parser_free(p);
	return s;
}

static void
expect(const char *text, const char *want)
{
	char *got = events(text);
	if (strcmp(got, want) != 0)
		fail_msg("input:\n%s\ngot:\n%s\nwant:\n%s", text, got, want);
	free(got);
}

/* Same events cut at every offset in two, and a byte at a time. */
static void
expect_any_cut(const char *text, size_t len)
{
	struct signal_parser *p = signal_parser_new();
	char *whole = events_chunked(p, text, len, 0, 1);
	signal_parser_free(p);
	for (size_t cut = 0; cut <= len; cut++) {
		struct signal_parser *q = signal_parser_new();
		struct signal_event ev;
		struct buf b;
		size_t at = 0, used;
		size_t bounds[2] = {cut, len}; /* [0, cut), [cut, len) */
		buf_init(&b);
		buf_adds(&b, "");
		for (int k = 0; k < 2; k++) {
			while (at < bounds[k]) {
				int r = signal_parser_feed(
				    q, text + at, bounds[k] - at, &used, &ev);
				at += used;
				if (r) {
					signal_event_format(&ev, &b);
					buf_printf(&b, " @%llu-%llu\n",
					           (unsigned long long)ev.start,
					           (unsigned long long)ev.end);
				}
			}
		}
		if (signal_parser_finish(q, &ev)) {
			signal_event_format(&ev, &b);
			buf_addc(&b, '\n');
		}
		if (strcmp(b.data, whole) != 0)
			fail_msg("cut at %zu:\n%s\nwhole:\n%s", cut, b.data,
			         whole);
		buf_free(&b);
		signal_parser_free(q);
	}
	p = signal_parser_new();
	char *bytes = events_chunked(p, text, len, 1, 1);
	assert_string_equal(bytes, whole);
	free(bytes);
	signal_parser_free(p);
	free(whole);
}

static void
test_every_signal(void **state)
{
	(void)state;
	expect("<LAVA_SIGNAL_STARTRUN 0_smoke 1234_1.1.3.1>\n",
	       "STARTRUN id=0_smoke uuid=1234_1.1.3.1\n");
	expect("<LAVA_SIGNAL_ENDRUN 0_smoke 1234_1.1.3.1>\n",
	       "ENDRUN id=0_smoke uuid=1234_1.1.3.1\n");
	expect("<LAVA_SIGNAL_STARTTC linux-ls>\n", "STARTTC id=linux-ls\n");
	expect("<LAVA_SIGNAL_ENDTC linux-ls>\n", "ENDTC id=linux-ls\n");
	expect("<LAVA_SIGNAL_TESTCASE TEST_CASE_ID=linux-ls RESULT=pass>\n",
	       "TESTCASE id=linux-ls result=pass\n");
	expect("<LAVA_SIGNAL_TESTCASE TEST_CASE_ID=bw RESULT=pass UNITS=MB/s "
	       "MEASUREMENT=12.5>\n",
	       "TESTCASE id=bw result=pass measurement=12.5 value=12.5 "
	       "units=MB/s\n");
	expect("<LAVA_SIGNAL_TESTSET START network>\n",
	       "TESTSET_START id=network\n");
	expect("<LAVA_SIGNAL_TESTSET STOP>\n", "TESTSET_STOP\n");
	expect("<LAVA_SIGNAL_TESTREFERENCE ref pass http://x/y?a=b>\n",
	       "TESTREFERENCE id=ref result=pass reference=http://x/y?a=b\n");
	expect("<LAVA_SIGNAL_TESTRAISE disk   full  now>\n",
	       "TESTRAISE message=disk full now\n");
	expect("<LAVA_SIGNAL_TESTFEEDBACK guest>\n", "TESTFEEDBACK id=guest\n");
	expect("<LAVA_SIGNAL_TESTEVENT FINISHED job 3>\n",
	       "TESTEVENT message=FINISHED job 3\n");
	expect("<LAVA_SIGNAL_RETRUNCODE 0>\n", "RETRUNCODE rc=0\n");
	expect("<LAVA_SIGNAL_RETRUNCODE 127>\n", "RETRUNCODE rc=127\n");
	expect("<LAVA_TEST_RUNNER EXIT>\n", "RUNNER_EXIT\n");
	expect("<LAVA_TEST_RUNNER INSTALL_FAIL>\n", "RUNNER_INSTALL_FAIL\n");
	expect("<LAVA_SIGNAL_LAVA_SYNC a b>\n",
	       "OTHER name=LAVA_SYNC params=a b\n");
	expect("<LAVA_MULTI_NODE> <LAVA_SEND msg k=v>\n",
	       "OTHER name=MULTI_NODE params=\n"
	       "OTHER name=SEND params=msg k=v\n");
	/* Anywhere in a line, as a kmsg signal arrives. */
	expect("[   12.345678] <LAVA_SIGNAL_STARTRUN 1_x 9_1>\r\n",
	       "STARTRUN id=1_x uuid=9_1\n");
	/* Text around and between signals is not a signal. */
	expect("a < b <LA <LAVA <LAVA_SIGNAL_TESTEVENT a>x<b>\n",
	       "TESTEVENT message=a\n");
}

static void
test_offsets(void **state)
{
	(void)state;
	struct signal_parser *p = signal_parser_new();
	const char *s = "ab<LAVA_TEST_RUNNER EXIT>cd<LAVA_SIGNAL_ENDTC x>";
	char *got = events_chunked(p, s, strlen(s), 0, 1);
	assert_string_equal(got, "RUNNER_EXIT @2-25\nENDTC id=x @27-48\n");
	free(got);
	signal_parser_free(p);
}

static void
test_bad_values(void **state)
{
	(void)state;
	expect("<LAVA_SIGNAL_TESTCASE TEST_CASE_ID=a RESULT=passed>",
	       "TESTCASE id=a result=passed error=TestError: Bad test result: "
	       "'passed'\n");
	/* The default fixups, and case-sensitive otherwise. */
	expect("<LAVA_SIGNAL_TESTCASE TEST_CASE_ID=a RESULT=PASS>",
	       "TESTCASE id=a result=pass\n");
	expect("<LAVA_SIGNAL_TESTCASE TEST_CASE_ID=a RESULT=Pass>",
	       "TESTCASE id=a result=Pass error=TestError: Bad test result: "
	       "'Pass'\n");
	expect("<LAVA_SIGNAL_TESTCASE TEST_CASE_ID=a RESULT=pass "
	       "MEASUREMENT=fast UNITS=s>",
	       "TESTCASE id=a result=pass error=TestError: Invalid "
	       "measurement 'fast'\n");
	/* Keys in their order: the first bad one is reported. */
	expect("<LAVA_SIGNAL_TESTCASE TEST_CASE_ID=a MEASUREMENT=x RESULT=y>",
	       "TESTCASE id=a result=y error=TestError: Invalid measurement "
	       "'x'\n");
	expect("<LAVA_SIGNAL_TESTCASE TEST_CASE_ID=a RESULT=y MEASUREMENT=x>",
	       "TESTCASE id=a result=y error=TestError: Bad test result: "
	       "'y'\n");
	expect("<LAVA_SIGNAL_TESTCASE RESULT=pass>",
	       "TESTCASE result=pass error=TestError: Test case results "
	       "without test_case_id: RESULT=pass\n");
	expect("<LAVA_SIGNAL_TESTCASE TEST_CASE_ID=a>",
	       "TESTCASE id=a error=TestError: Test case results without "
	       "result: TEST_CASE_ID=a\n");
	expect("<LAVA_SIGNAL_TESTCASE TEST_CASE_ID=a RESULT=pass junk>",
	       "TESTCASE error=JobError: Ignoring malformed parameter for "
	       "signal: \"junk\". \n");
	/* Keys are lower-cased, split at the first `=`, later wins. */
	expect("<LAVA_SIGNAL_TESTCASE test_case_id=a=b Result=fail "
	       "RESULT=skip>",
	       "TESTCASE id=a=b result=skip\n");
	/* Units count only with a measurement, as in LAVA. */
	expect("<LAVA_SIGNAL_TESTCASE TEST_CASE_ID=a RESULT=pass UNITS=s>",
	       "TESTCASE id=a result=pass\n");
	expect("<LAVA_SIGNAL_TESTCASE TEST_CASE_ID=a MEASUREMENT=1 RESULT=y>",
	       "TESTCASE id=a result=y measurement=1 value=1 error=TestError: "
	       "Bad test result: 'y'\n");
	expect("<LAVA_SIGNAL_STARTRUN 0_a>",
	       "STARTRUN error=fatal TestError: Invalid signal\n");
	expect("<LAVA_SIGNAL_ENDRUN  >",
	       "ENDRUN error=fatal TestError: Invalid signal\n");
	expect("<LAVA_SIGNAL_TESTSET START>",
	       "TESTSET_START error=fatal JobError: Test set declared without "
	       "a name\n");
	expect("<LAVA_SIGNAL_TESTSET BEGIN x>",
	       "INVALID error=TestError: TESTSET wants START NAME or STOP, not "
	       "'BEGIN x'\n");
	expect("<LAVA_SIGNAL_TESTREFERENCE a pass>",
	       "TESTREFERENCE error=fatal TestError: Invalid use of "
	       "TESTREFERENCE\n");
	expect("<LAVA_SIGNAL_TESTREFERENCE a pass u v>",
	       "TESTREFERENCE error=fatal TestError: Invalid use of "
	       "TESTREFERENCE\n");
	/* The echo of the dispatcher's own rc check is no return code. */
	expect("<LAVA_SIGNAL_RETRUNCODE $?>",
	       "RETRUNCODE error=JobError: Bad return code '$?'\n");
	expect("<LAVA_SIGNAL_STARTTC  >",
	       "STARTTC error=TestError: STARTTC without a test case\n");
	expect("<LAVA_SIGNAL_TESTFEEDBACK \t>",
	       "TESTFEEDBACK error=TestError: TESTFEEDBACK without a "
	       "namespace\n");
	/* LAVA's pattern needs a name, a space and a parameter. */
	expect("<LAVA_SIGNAL_TESTSET>",
	       "INVALID error=TestError: Malformed signal "
	       "<LAVA_SIGNAL_TESTSET>\n");
	expect("<LAVA_SIGNAL_ >",
	       "INVALID error=TestError: Malformed signal <LAVA_SIGNAL_ >\n");
}

/* Python's float() decides what a measurement is. */
static void
test_measurements(void **state)
{
	(void)state;
	static const struct {
		const char *m;
		const char *value; /* NULL: invalid */
	} cases[] = {
	    {"1", "1"},        {"-1.5", "-1.5"}, {"+.5", "0.5"},
	    {"5.", "5"},       {"1e3", "1000"},  {"1E-2", "0.01"},
	    {"1_000", "1000"}, {"inf", "inf"},   {"-Infinity", "-inf"},
	    {"nan", "nan"},    {"NaN", "nan"},   {"", NULL},
	    {".", NULL},       {"1e", NULL},     {"0x10", NULL},
	    {"1__0", NULL},    {"_1", NULL},     {"1_", NULL},
	    {"1.5ms", NULL},   {"e5", NULL},     {"--1", NULL},
	    {"infinit", NULL},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *in = xasprintf("<LAVA_SIGNAL_TESTCASE TEST_CASE_ID=a "
		                     "RESULT=pass MEASUREMENT=%s>",
		                     cases[i].m);
		char *want;
		if (cases[i].value != NULL) {
			double v = strtod(cases[i].value, NULL);
			want = xasprintf("TESTCASE id=a result=pass "
			                 "measurement=%s value=%.17g\n",
			                 cases[i].m, v);
		} else {
			want = xasprintf("TESTCASE id=a result=pass "
			                 "error=TestError: Invalid measurement "
			                 "'%s'\n",
			                 cases[i].m);
		}
		expect(in, want);
		free(in);
		free(want);
	}
}

static void
test_fixup(void **state)
{
	(void)state;
	static const char *const fix[] = {"PASS", "pass",   "ok",
	                                  "pass", "FAILED", "fail"};
	const char *s = "<LAVA_SIGNAL_TESTCASE TEST_CASE_ID=a RESULT=ok>"
	                "<LAVA_SIGNAL_TESTCASE TEST_CASE_ID=b RESULT=SKIP>"
	                "<LAVA_SIGNAL_TESTCASE TEST_CASE_ID=c RESULT=ok>";
	struct signal_parser *p = signal_parser_new();
	struct signal_event ev;
	size_t used, at = 0, len = strlen(s);
	signal_parser_set_fixup(p, fix, 3);
	assert_int_equal(signal_parser_feed(p, s, len, &used, &ev), 1);
	assert_string_equal(ev.result, "pass");
	assert_null(ev.error);
	at += used;
	/* A definition's own dictionary replaces the default one. */
	assert_int_equal(signal_parser_feed(p, s + at, len - at, &used, &ev),
	                 1);
	assert_string_equal(ev.result, "SKIP");
	assert_non_null(ev.error);
	at += used;
	signal_parser_set_fixup(p, NULL, 0);
	assert_int_equal(signal_parser_feed(p, s + at, len - at, &used, &ev),
	                 1);
	assert_string_equal(ev.error, "Bad test result: 'ok'");
	signal_parser_free(p);
}

static const char *const all_signals =
    "+ set +x\r\n"
    "<LAVA_SIGNAL_STARTRUN 0_smoke 7_1.1>\r\n"
    "<LAVA_SIGNAL_TESTSET START s1>\r\n"
    "<LAVA_SIGNAL_STARTTC t1>\r\n"
    "output of t1 <tag> [x]\r\n"
    "<LAVA_SIGNAL_ENDTC t1>\r\n"
    "<LAVA_SIGNAL_TESTCASE TEST_CASE_ID=t1 RESULT=pass>\r\n"
    "<LAVA_SIGNAL_TESTCASE TEST_CASE_ID=t2 RESULT=fail "
    "UNITS=ms MEASUREMENT=3.25>\r\n"
    "<LAVA_SIGNAL_TESTSET STOP>\r\n"
    "<LAVA_SIGNAL_TESTREFERENCE r pass http://h/p>\r\n"
    "<LAVA_SIGNAL_TESTFEEDBACK other>\r\n"
    "<LAVA_SIGNAL_TESTEVENT something happened>\r\n"
    "<LAVA_SIGNAL_TESTCASE TEST_CASE_ID=t3 RESULT=bad>\r\n"
    "<LAVA_SIGNAL_TESTRAISE it broke>\r\n"
    "<LAVA_SIGNAL_ENDRUN 0_smoke 7_1.1>\r\n"
    "<LAVA_TEST_RUNNER INSTALL_FAIL>\r\n"
    "<LAVA_TEST_RUNNER EXIT>\r\n"
    "root@board:~# ";

static const char *const all_events =
    "STARTRUN id=0_smoke uuid=7_1.1\n"
    "TESTSET_START id=s1\n"
    "STARTTC id=t1\n"
    "ENDTC id=t1\n"
    "TESTCASE id=t1 result=pass\n"
    "TESTCASE id=t2 result=fail measurement=3.25 value=3.25 units=ms\n"
    "TESTSET_STOP\n"
    "TESTREFERENCE id=r result=pass reference=http://h/p\n"
    "TESTFEEDBACK id=other\n"
    "TESTEVENT message=something happened\n"
    "TESTCASE id=t3 result=bad error=TestError: Bad test result: 'bad'\n"
    "TESTRAISE message=it broke\n"
    "ENDRUN id=0_smoke uuid=7_1.1\n"
    "RUNNER_INSTALL_FAIL\n"
    "RUNNER_EXIT\n";

static void
test_every_cut(void **state)
{
	(void)state;
	expect(all_signals, all_events);
	expect_any_cut(all_signals, strlen(all_signals));
}

/* Kernel lines from real console captures, or one of our own. */
static char **
kernel_lines(size_t *n)
{
	const char *shared = getenv("SHARED");
	char *path = xasprintf("%s/corpus/lava/kernel-messages/kernel-1.txt",
	                       shared != NULL ? shared : "../shared");
	size_t len;
	char *text = file_read(path, &len);
	free(path);
	char **v = xcalloc(16, sizeof *v);
	*n = 0;
	if (text != NULL) {
		/* A few distinct ones: short, long, with `<`, `>`, `[`. */
		for (char *line = strtok(text, "\n"); line != NULL && *n < 12;
		     line = strtok(NULL, "\n")) {
			size_t l = strlen(line);
			if (l > 0 && line[l - 1] == '\r')
				line[--l] = '\0';
			if (line[0] != '[' || strchr(line, ']') == NULL)
				continue;
			if (strstr(line, "LAVA_") != NULL)
				continue;
			if (*n < 4 || strpbrk(line, "<>") != NULL ||
			    strchr(line + 1, '[') != NULL || l > 100)
				v[(*n)++] = xstrdup(line);
		}
		free(text);
	}
	if (*n == 0) { /* no corpus: lines of the same shapes */
		v[(*n)++] = xstrdup("[    1.234567] usb 1-1: new device");
		v[(*n)++] = xstrdup("[    1.300000] <x> [y] z>");
		v[(*n)++] = xstrdup("[12345.000001][  T17] caller id");
		v[(*n)++] = xstrdup("[    2.000000] ");
	}
	return v;
}

/* A kernel message cuts into each signal line at every offset (and one
 * into the `\r\n` after it): the same events, marked recovered. */
static void
test_kernel_cuts(void **state)
{
	(void)state;
	size_t nk;
	char **klines = kernel_lines(&nk);
	assert_true(nk >= 4);
	const char *lines[] = {
	    "<LAVA_SIGNAL_STARTRUN 0_smoke 7_1.1>",
	    "<LAVA_SIGNAL_TESTCASE TEST_CASE_ID=t2 RESULT=fail UNITS=ms "
	    "MEASUREMENT=3.25>",
	    "<LAVA_SIGNAL_TESTSET STOP>",
	    "<LAVA_TEST_RUNNER EXIT>",
	};
	for (size_t l = 0; l < sizeof lines / sizeof lines[0]; l++) {
		char *want = events(lines[l]);
		for (size_t at = 0; at < strlen(lines[l]); at++) {
			for (size_t k = 0; k < nk; k++) {
				/* One or two kernel lines in a row. */
				char *in = xasprintf(
				    "x %.*s%s\r\n%s%s%s\r\n", (int)at, lines[l],
				    klines[k], k % 2 ? klines[0] : "",
				    k % 2 ? "\r\n" : "", lines[l] + at);
				char *got = events(in);
				/* Drop the recovered flag to compare. */
				char *flag = strstr(got, " recovered=k");
				if (at > 0 && flag == NULL)
					fail_msg("not marked: %s", in);
				if (flag != NULL)
					memmove(flag, flag + 12,
					        strlen(flag + 12) + 1);
				if (strcmp(got, want) != 0)
					fail_msg("input:\n%s\ngot:\n%s\nwant:"
					         "\n%s",
					         in, got, want);
				if (at == 7 && k < 2)
					expect_any_cut(in, strlen(in));
				free(got);
				free(in);
			}
		}
		free(want);
	}
	for (size_t k = 0; k < nk; k++)
		free(klines[k]);
	free(klines);
}

/* A real console capture with signals among kernel messages: one event
 * a signal line, the same however it is cut into reads. */
static void
test_real_capture(void **state)
{
	(void)state;
	const char *shared = getenv("SHARED");
	char *path = xasprintf("%s/corpus/lava/kernel-messages/kernel-lkft.txt",
	                       shared != NULL ? shared : "../shared");
	size_t len;
	char *text = file_read(path, &len);
	free(path);
	if (text == NULL)
		skip();
	size_t lines = 0;
	for (const char *c = text; (c = strstr(c, "<LAVA_")) != NULL; c++)
		lines++;
	struct signal_parser *p = signal_parser_new();
	char *whole = events_chunked(p, text, len, 0, 1);
	signal_parser_free(p);
	size_t nev = 0, ntc = 0;
	for (const char *c = whole; (c = strchr(c, '\n')) != NULL; c++)
		nev++;
	for (const char *c = whole; (c = strstr(c, "TESTCASE ")) != NULL; c++)
		ntc++;
	assert_true(lines > 500);
	assert_int_equal(nev, lines);
	assert_true(ntc > 500);
	assert_null(strstr(whole, "INVALID"));
	static const size_t chunks[] = {1, 13, 4096};
	for (size_t k = 0; k < 3; k++) {
		p = signal_parser_new();
		char *cut = events_chunked(p, text, len, chunks[k], 1);
		assert_string_equal(cut, whole);
		free(cut);
		signal_parser_free(p);
	}
	free(whole);
	free(text);
}

static void
test_kernel_cut_cases(void **state)
{
	(void)state;
	/* Inside `<LAVA_` itself. */
	expect("<LA[   3.000001] eth0: link up\r\nVA_TEST_RUNNER EXIT>\r\n",
	       "RUNNER_EXIT recovered=k\n");
	expect("<[   3.000001] eth0: link up\r\nLAVA_TEST_RUNNER EXIT>\r\n",
	       "RUNNER_EXIT recovered=k\n");
	/* A `<` that a kernel line follows, then no signal. */
	expect("a <[   3.000001] eth0: link up\r\nb>\r\n", "");
	/* Caller ids after the timestamp are part of the kernel line. */
	expect("<LAVA_SIGNAL_ENDTC [  123.456789][  T42] x: y\r\nabc>",
	       "ENDTC id=abc recovered=k\n");
	/* `[` that is no timestamp stays. */
	expect("<LAVA_SIGNAL_TESTEVENT [a] [ 1.x] [1] [.5] [1.]>",
	       "TESTEVENT message=[a] [ 1.x] [1] [.5] [1.]\n");
	/* A kernel line with a signal of its own (kmsg) cuts into one. */
	expect("<LAVA_SIGNAL_TESTCASE TEST_CA[   5.1] <LAVA_SIGNAL_ENDTC "
	       "a>\r\nSE_ID=b RESULT=pass>\r\n",
	       "INVALID error=TestError: Unfinished signal "
	       "'<LAVA_SIGNAL_TESTCASE TEST_CA': cut by a kernel message "
	       "with a signal recovered=k\n"
	       "ENDTC id=a\n");
	/* `<` inside a signal that starts no new one. */
	expect("<LAVA_SIGNAL_TESTEVENT a<b <L<LAVA <LAVA c>",
	       "TESTEVENT message=a<b <L<LAVA <LAVA c\n");
	/* A kernel line with `<`, `<<LAVA_`: its signal wins. */
	expect("<LAVA_SIGNAL_TESTEVENT x[   5.1] a<b <<LAVA_SIGNAL_ENDTC "
	       "a>\r\n",
	       "INVALID error=TestError: Unfinished signal "
	       "'<LAVA_SIGNAL_TESTEVENT x': cut by a kernel message "
	       "with a signal recovered=k\n"
	       "ENDTC id=a\n");
	/* Before `<LAVA_` is complete, no event for the fragment. */
	expect("<LA[   5.1] <LAVA_SIGNAL_ENDTC a>\r\n", "ENDTC id=a\n");
	expect("<LA[ 1x <LAVA_TEST_RUNNER EXIT>", "RUNNER_EXIT\n");
	/* Too long for a timestamp: ordinary text. */
	expect("<LAVA_SIGNAL_TESTEVENT [                                     "
	       "     1.5] y>",
	       "TESTEVENT message=[ 1.5] y\n");
	/* `\r` anywhere. */
	expect("<\rLAVA_SIGNAL_TESTCASE TEST_CASE_ID=a\r RES\r\rULT=pass\r>",
	       "TESTCASE id=a result=pass recovered=r\n");
	/* A line break inside reads as a space, as LAVA's split() does. */
	expect("<LAVA_SIGNAL_TESTEVENT two\r\nlines>",
	       "TESTEVENT message=two lines recovered=rn\n");
	/* The end of a signal lost: the next one still counts. */
	expect("<LAVA_SIGNAL_TESTCASE TEST_CASE_ID=a RES\r\n"
	       "<LAVA_SIGNAL_TESTCASE TEST_CASE_ID=b RESULT=pass>\r\n",
	       "INVALID error=TestError: Unfinished signal "
	       "'<LAVA_SIGNAL_TESTCASE TEST_CASE_ID=a RES ': a new signal "
	       "started recovered=rn\n"
	       "TESTCASE id=b result=pass\n");
	expect("<LAVA_SIGNAL_STARTTC a", "INVALID error=TestError: Unfinished "
	                                 "signal '<LAVA_SIGNAL_STARTTC a': "
	                                 "the stream ended\n");
}

/* `\r` at every offset of every line, twice. */
static void
test_cr_everywhere(void **state)
{
	(void)state;
	const char *line = "<LAVA_SIGNAL_TESTCASE TEST_CASE_ID=t RESULT=skip>";
	for (size_t a = 0; a < strlen(line); a++)
		for (size_t b = a; b < strlen(line); b += 7) {
			char *in = xasprintf("%.*s\r%.*s\r%s", (int)a, line,
			                     (int)(b - a), line + a, line + b);
			/* A `\r` before the `<` is not in the signal. */
			char *want = xasprintf("TESTCASE id=t result=skip%s\n",
			                       b > 0 ? " recovered=r" : "");
			expect(in, want);
			free(in);
			free(want);
		}
}

static void
test_bounds(void **state)
{
	(void)state;
	const char *kl = "[    1.000000] abc\r\n";
	/* A line that never ends, with and without an open signal. */
	struct signal_parser *p = signal_parser_new();
	struct signal_event ev;
	size_t used;
	char chunk[4096];
	memset(chunk, 'x', sizeof chunk);
	for (int i = 0; i < 1024; i++) {
		assert_int_equal(
		    signal_parser_feed(p, chunk, sizeof chunk, &used, &ev), 0);
		assert_int_equal(used, sizeof chunk);
	}
	const char *open = "<LAVA_SIGNAL_TESTEVENT ";
	assert_int_equal(signal_parser_feed(p, open, strlen(open), &used, &ev),
	                 0);
	size_t total = 0;
	int got = 0;
	while (total < 3 * SIGNAL_MAX && !got) {
		got = signal_parser_feed(p, chunk, sizeof chunk, &used, &ev);
		total += used;
	}
	assert_int_equal(got, 1);
	assert_int_equal(ev.type, SIGNAL_INVALID);
	assert_int_equal(strlen(ev.text), SIGNAL_MAX);
	assert_non_null(strstr(ev.error, "longer than"));
	/* The parser goes on afterwards. */
	const char *next = "x>\n<LAVA_TEST_RUNNER EXIT>";
	got = 0;
	size_t at = 0;
	while (!got && at < strlen(next)) {
		got = signal_parser_feed(p, next + at, strlen(next) - at, &used,
		                         &ev);
		at += used;
	}
	assert_int_equal(ev.type, SIGNAL_RUNNER_EXIT);
	/* The longest signal, `>` included, and one byte more. */
	for (size_t extra = 0; extra < 2; extra++) {
		struct buf b;
		buf_init(&b);
		buf_adds(&b, "<LAVA_SIGNAL_TESTEVENT ");
		while (b.len < SIGNAL_MAX - 1 + extra)
			buf_addc(&b, 'm');
		buf_addc(&b, '>');
		char *got = events(b.data);
		assert_int_equal(strncmp(got, extra ? "INVALID" : "TESTEVENT",
		                         extra ? 7 : 9),
		                 0);
		free(got);
		buf_free(&b);
	}
	/* A `<` followed by kernel lines only is given up silently. */
	assert_int_equal(signal_parser_feed(p, "<", 1, &used, &ev), 0);
	for (total = 0; total < 2 * SIGNAL_SPAN_MAX; total += strlen(kl))
		assert_int_equal(
		    signal_parser_feed(p, kl, strlen(kl), &used, &ev), 0);
	/* Kernel lines do not grow a signal, but its span is bounded. */
	assert_int_equal(signal_parser_feed(p, open, strlen(open), &used, &ev),
	                 0);
	got = 0;
	total = 0;
	while (!got && total < 2 * SIGNAL_SPAN_MAX) {
		got = signal_parser_feed(p, kl, strlen(kl), &used, &ev);
		total += used;
	}
	assert_int_equal(got, 1);
	assert_non_null(strstr(ev.error, "spread over"));
	assert_string_equal(ev.text, "<LAVA_SIGNAL_TESTEVENT ");
	signal_parser_free(p);
}

static void
test_names(void **state)
{
	(void)state;
	for (int t = SIGNAL_INVALID; t <= SIGNAL_RUNNER_INSTALL_FAIL; t++)
		assert_string_not_equal(signal_type_name(t), "?");
	assert_string_equal(signal_type_name(SIGNAL_RUNNER_INSTALL_FAIL + 1),
	                    "?");
}

static int
dump(size_t chunk)
{
	size_t cap = 1 << 16, len = 0;
	char *text = xmalloc(cap);
	ssize_t n;
	while ((n = read(0, text + len, cap - len)) > 0) {
		len += (size_t)n;
		if (len == cap)
			text = xrealloc(text, cap *= 2);
	}
	struct signal_parser *p = signal_parser_new();
	char *out = events_chunked(p, text, len, chunk, 0);
	fputs(out, stdout);
	free(out);
	free(text);
	signal_parser_free(p);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "--dump") == 0)
		return dump(argc >= 3 ? strtoul(argv[2], NULL, 10) : 0);
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_every_signal),
	    cmocka_unit_test(test_offsets),
	    cmocka_unit_test(test_bad_values),
	    cmocka_unit_test(test_measurements),
	    cmocka_unit_test(test_fixup),
	    cmocka_unit_test(test_every_cut),
	    cmocka_unit_test(test_kernel_cuts),
	    cmocka_unit_test(test_kernel_cut_cases),
	    cmocka_unit_test(test_real_capture),
	    cmocka_unit_test(test_cr_everywhere),
	    cmocka_unit_test(test_bounds),
	    cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
