/* test-results.c: the exact bytes of every kind of result record, as
 * lava-run 2023.01 wrote them in the oracle's samples (each expected map
 * below is a line of ../shared/oracle/samples/, checked against the file
 * when it is there), results.yaml, result.yaml and the table. */
#include <math.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#define TMPDIR_PREFIX "/tmp/test-results."
#include "tmpdir.h"
#include "results.h"
#include "util.h"

/* Fails unless EXPECTED is in the oracle sample NAME (when present). */
static void
assert_in_sample(const char *name, const char *expected)
{
	const char *shared = getenv("SHARED");
	char *path = xasprintf("%s/oracle/samples/%s",
	                       shared ? shared : "../shared", name);
	size_t len;
	char *text = file_read(path, &len);
	free(path);
	if (text == NULL)
		return; /* no oracle here: the strings below still hold */
	if (strstr(text, expected) == NULL)
		fail_msg("not in %s: %s", name, expected);
	free(text);
}

/* MAP (freed) in the log's flow form must be WANT, which the sample
 * SAMPLE (unless NULL) holds as the msg of a results record. */
static void
assert_flow(struct rval *map, const char *want, const char *sample)
{
	struct buf b;
	buf_init(&b);
	rval_flow(&b, map);
	assert_string_equal(b.data, want);
	if (sample) {
		char *rec =
		    xasprintf("\"lvl\": \"results\", \"msg\": %s}\n", want);
		assert_in_sample(sample, rec);
		free(rec);
	}
	buf_free(&b);
	rval_free(map);
}

static void
test_validate(void **state)
{
	(void)state;
	assert_flow(result_plain("lava", "validate", "pass"),
	            "{\"case\": \"validate\", \"definition\": \"lava\", "
	            "\"result\": \"pass\"}",
	            "sim-basic.job.log");
}

static void
test_action(void **state)
{
	(void)state;
	struct rval *extra = rval_map();
	rval_put(extra, "uuid", rval_str("1_1.4.1"));
	rval_put(extra, "name", rval_str("smoke-inline"));
	rval_put(extra, "path", rval_str("inline/smoke-inline.yaml"));
	rval_put(extra, "from", rval_str("inline"));
	assert_flow(
	    result_action("test-overlay", "common", "1.4.2", 0.001, true,
	                  extra),
	    "{\"case\": \"test-overlay\", \"definition\": \"lava\", "
	    "\"duration\": \"0.00\", \"extra\": {\"from\": \"inline\", "
	    "\"name\": \"smoke-inline\", \"path\": "
	    "\"inline/smoke-inline.yaml\", \"uuid\": \"1_1.4.1\"}, "
	    "\"level\": \"1.4.2\", \"namespace\": \"common\", \"result\": "
	    "\"pass\"}",
	    "sim-basic.job.log");

	/* A failure, and an extra holding an empty list. */
	extra = rval_map();
	rval_put(extra, "fail", rval_str("Connection closed"));
	assert_flow(result_action("auto-login-action", NULL, "2.2", 0.0149,
	                          false, extra),
	            "{\"case\": \"auto-login-action\", \"definition\": "
	            "\"lava\", \"duration\": \"0.01\", \"extra\": {\"fail\": "
	            "\"Connection closed\"}, \"level\": \"2.2\", "
	            "\"namespace\": \"common\", \"result\": \"fail\"}",
	            "fail-fast.job.log");
	extra = rval_map();
	rval_put(extra, "extra", rval_list());
	assert_flow(result_action("kernel-messages", "isolation", "3.2.1",
	                          0.004, true, extra),
	            "{\"case\": \"kernel-messages\", \"definition\": \"lava\", "
	            "\"duration\": \"0.00\", \"extra\": {\"extra\": []}, "
	            "\"level\": \"3.2.1\", \"namespace\": \"isolation\", "
	            "\"result\": \"pass\"}",
	            "sim-2uart.job.log");

	/* An int in extra is tagged. */
	extra = rval_map();
	rval_put(extra, "label", rval_str("kernel"));
	rval_put(extra, "size", rval_int(8247232));
	struct buf b;
	buf_init(&b);
	rval_flow(&b, extra);
	assert_string_equal(b.data,
	                    "{\"label\": \"kernel\", \"size\": ! \"8247232\"}");
	assert_in_sample("qemu-tmpfs.job.log", "\"size\": ! \"8247232\"}");
	buf_free(&b);
	rval_free(extra);
}

static void
test_case(void **state)
{
	(void)state;
	struct rval *m = result_case("0_qemu-inline", "bogomips", "pass", true,
	                             5192.29, "bogomips");
	rval_put(m, "starttc", rval_int(603));
	rval_put(m, "endtc", rval_int(603));
	assert_flow(m,
	            "{\"case\": \"bogomips\", \"definition\": "
	            "\"0_qemu-inline\", \"endtc\": ! \"603\", \"measurement\": "
	            "! \"5192.29\", \"result\": \"pass\", \"starttc\": ! "
	            "\"603\", \"units\": \"bogomips\"}",
	            "qemu-tmpfs.job.log");
	m = result_case("0_uart1-inline", "fail-on-uart1", "fail", false, 0,
	                NULL);
	rval_put(m, "starttc", rval_int(271));
	rval_put(m, "endtc", rval_int(272));
	assert_flow(m,
	            "{\"case\": \"fail-on-uart1\", \"definition\": "
	            "\"0_uart1-inline\", \"endtc\": ! \"272\", \"result\": "
	            "\"fail\", \"starttc\": ! \"271\"}",
	            "sim-2uart.job.log");
	/* A test set, and a case without markers. */
	m = result_case("0_smoke", "a", "skip", false, 0, NULL);
	rval_put(m, "set", rval_str("group-1"));
	struct buf b;
	buf_init(&b);
	rval_flow(&b, m);
	assert_string_equal(b.data,
	                    "{\"case\": \"a\", \"definition\": \"0_smoke\", "
	                    "\"result\": \"skip\", \"set\": \"group-1\"}");
	buf_free(&b);
	rval_free(m);
}

/* The ENDRUN record: the test definition itself as "repository". */
static void
test_endrun(void **state)
{
	(void)state;
	static const char def[] =
	    "metadata:\n"
	    "  format: Lava-Test Test Definition 1.0\n"
	    "  name: qemu-inline\n"
	    "  description: \"inline smoke tests inside the QEMU guest\"\n"
	    "run:\n"
	    "  steps:\n"
	    "    - lava-test-case kernel-version --shell uname -r\n"
	    "    - lava-test-case proc-mounted --shell test -e "
	    "/proc/cpuinfo\n"
	    "    - lava-test-case always-fail --shell false\n"
	    "    - \"lava-test-case bogomips --result pass --measurement "
	    "$(awk '/bogomips/{print $3; exit}' /proc/cpuinfo) --units "
	    "bogomips\"\n";
	struct yerror err;
	struct ydoc *doc = ydoc_parse(def, strlen(def), &err);
	assert_non_null(doc);
	struct rval *m = result_plain("lava", "0_qemu-inline", "pass");
	rval_put(m, "uuid", rval_str("126_1.1.3.1"));
	rval_put(m, "repository", rval_node(ydoc_root(doc)));
	rval_put(m, "path", rval_str("inline/qemu-inline.yaml"));
	rval_put(m, "duration", rval_str("0.10"));
	rval_put(m, "revision", rval_str("unspecified"));
	rval_put(m, "namespace", rval_str("common"));
	ydoc_free(doc);
	assert_flow(
	    m,
	    "{\"case\": \"0_qemu-inline\", \"definition\": \"lava\", "
	    "\"duration\": \"0.10\", \"namespace\": \"common\", \"path\": "
	    "\"inline/qemu-inline.yaml\", \"repository\": {\"metadata\": "
	    "{\"description\": \"inline smoke tests inside the QEMU "
	    "guest\", \"format\": \"Lava-Test Test Definition 1.0\", "
	    "\"name\": \"qemu-inline\"}, \"run\": {\"steps\": "
	    "[\"lava-test-case kernel-version --shell uname -r\", "
	    "\"lava-test-case proc-mounted --shell test -e /proc/cpuinfo\", "
	    "\"lava-test-case always-fail --shell false\", \"lava-test-case "
	    "bogomips --result pass --measurement $(awk "
	    "'/bogomips/{print $3; exit}' /proc/cpuinfo) --units "
	    "bogomips\"]}}, \"result\": \"pass\", \"revision\": "
	    "\"unspecified\", \"uuid\": \"126_1.1.3.1\"}",
	    "qemu-tmpfs.job.log");
}

static void
test_job(void **state)
{
	(void)state;
	assert_flow(result_job(true, NULL, NULL),
	            "{\"case\": \"job\", \"definition\": \"lava\", "
	            "\"result\": \"pass\"}",
	            "sim-basic.job.log");
	assert_flow(result_job(false, "Connection closed",
	                       result_error_type(ERR_INFRASTRUCTURE)),
	            "{\"case\": \"job\", \"definition\": \"lava\", "
	            "\"error_msg\": \"Connection closed\", \"error_type\": "
	            "\"Infrastructure\", \"result\": \"fail\"}",
	            "fail-fast.job.log");
	assert_flow(result_job(false, NULL, NULL),
	            "{\"case\": \"job\", \"definition\": \"lava\", "
	            "\"error_msg\": \"Unknown error\", \"error_type\": "
	            "\"Unknown\", \"result\": \"fail\"}",
	            NULL);
	assert_string_equal(result_error_type(ERR_JOB), "Job");
	assert_string_equal(result_error_type(ERR_TEST), "Test");
	assert_string_equal(result_error_type(ERR_TIMEOUT), "LAVATimeout");
	assert_string_equal(result_error_type(ERR_CANCELED), "Canceled");
}

/* Non-strings and odd strings, as PyYAML's CSafeDumper writes them. */
static void
test_scalars(void **state)
{
	(void)state;
	static const struct {
		double f;
		const char *want;
	} floats[] = {
	    {1.0, "1.0"},
	    {1e20, "1.0e+20"},
	    {1e-5, "1.0e-05"},
	    {0.1 + 0.2, "0.30000000000000004"},
	    {1e16, "1.0e+16"},
	    {1234567890123456.0, "1234567890123456.0"},
	    {-0.0, "-0.0"},
	    {0.0001, "0.0001"},
	    {123456789012345678.0, "1.2345678901234568e+17"},
	    {2.5e-7, "2.5e-07"},
	    {100.0, "100.0"},
	    {NAN, ".nan"},
	    {-INFINITY, "-.inf"},
	};
	for (size_t i = 0; i < sizeof floats / sizeof floats[0]; i++) {
		struct rval *v = rval_float(floats[i].f);
		struct buf b;
		buf_init(&b);
		rval_flow(&b, v);
		char *want = xasprintf("! \"%s\"", floats[i].want);
		assert_string_equal(b.data, want);
		free(want);
		buf_free(&b);
		rval_free(v);
	}
	struct rval *l = rval_list();
	rval_add(l, rval_bool(true));
	rval_add(l, rval_null());
	rval_add(l, rval_int(-3));
	rval_add(l, rval_str("say \"hi\"\tnow\\"));
	rval_add(l, rval_map());
	struct buf b;
	buf_init(&b);
	rval_flow(&b, l);
	assert_string_equal(b.data, "[! \"true\", ! \"null\", ! \"-3\", "
	                            "\"say \\\"hi\\\"\\tnow\\\\\", {}]");
	buf_free(&b);
	rval_free(l);
}

static void
test_block(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b);
	struct rval *m = result_job(true, NULL, NULL);
	assert_int_equal(rval_block(&b, m), 0);
	assert_string_equal(b.data,
	                    "case: job\ndefinition: lava\nresult: pass\n");
	assert_in_sample("sim-basic.result.yaml", b.data);
	rval_free(m);

	/* Folded at 80 columns, as yaml.safe_dump does. */
	buf_reset(&b);
	m = result_job(false,
	               "No time left for remaining 2 retries. You should "
	               "either increase block timeout or decrease named "
	               "action timeout. 1 retries out of 3 failed for "
	               "minimal-boot",
	               "Job");
	assert_int_equal(rval_block(&b, m), 0);
	assert_string_equal(
	    b.data,
	    "case: job\ndefinition: lava\nerror_msg: No time left for "
	    "remaining 2 retries. You should either increase block\n  "
	    "timeout or decrease named action timeout. 1 retries out of 3 "
	    "failed for minimal-boot\nerror_type: Job\nresult: fail\n");
	rval_free(m);

	/* Quoted where plain would read back as something else. */
	static const struct {
		const char *msg, *want;
	} quoted[] = {
	    {"123", "'123'"},
	    {"true", "'true'"},
	    {"null", "'null'"},
	    {"~", "'~'"},
	    {"1.5", "'1.5'"},
	    {"0x1f", "'0x1f'"},
	    {"2024-01-02", "'2024-01-02'"},
	    {"", "''"},
	    {"<<", "'<<'"},
	    {"a: b", "'a: b'"},
	    {"x #y", "'x #y'"},
	    {"- x", "'- x'"},
	    {"it's", "it's"},
	    {"1e5", "1e5"},
	    {"\xc3\xa9", "\"\\xE9\""},
	};
	for (size_t i = 0; i < sizeof quoted / sizeof quoted[0]; i++) {
		buf_reset(&b);
		m = rval_map();
		rval_put(m, "error_msg", rval_str(quoted[i].msg));
		assert_int_equal(rval_block(&b, m), 0);
		char *want = xasprintf("error_msg: %s\n", quoted[i].want);
		assert_string_equal(b.data, want);
		free(want);
		rval_free(m);
	}

	/* Nested values. */
	buf_reset(&b);
	m = rval_map();
	rval_put(m, "f", rval_bool(true));
	rval_put(m, "e", rval_float(1.5));
	struct rval *d = rval_put(m, "d", rval_map());
	rval_put(d, "z", rval_int(1));
	rval_put(d, "y", rval_null());
	struct rval *c = rval_put(m, "c", rval_list());
	rval_add(c, rval_int(1));
	rval_add(c, rval_str("x"));
	rval_put(m, "b", rval_map());
	rval_put(m, "a", rval_list());
	assert_int_equal(rval_block(&b, m), 0);
	assert_string_equal(b.data, "a: []\nb: {}\nc:\n- 1\n- x\nd:\n  y: "
	                            "null\n  z: 1\ne: 1.5\nf: true\n");
	rval_free(m);
	buf_free(&b);
}

static char *
read_all(const char *dir, const char *name)
{
	char *path = xasprintf("%s/%s", dir, name);
	size_t len;
	char *text = file_read(path, &len);
	free(path);
	assert_non_null(text);
	return text;
}

/* The log, results.yaml, result.yaml and the table of a short job. */
static void
test_files(void **state)
{
	(void)state;
	const char *dir = tmpdir;
	char *logpath = xasprintf("%s/log.yaml", dir);
	struct joblog log;
	assert_int_equal(joblog_open(&log, logpath), 0);
	struct results r;
	assert_int_equal(results_open(&r, dir, &log), 0);

	assert_int_equal(
	    results_add(&r, result_plain("lava", "validate", "pass")), 0);
	/* results.yaml has each record as soon as it is added. */
	char *text = read_all(dir, "results.yaml");
	assert_string_equal(text, "- {\"case\": \"validate\", \"definition\": "
	                          "\"lava\", \"result\": \"pass\"}\n");
	free(text);

	assert_int_equal(
	    results_add(&r, result_case("0_smoke", "bogomips", "pass", true,
	                                5192.29, "bogomips")),
	    0);
	assert_int_equal(results_add(&r, result_case("0_smoke", "always-fail",
	                                             "fail", false, 0, NULL)),
	                 0);
	assert_int_equal(
	    results_finish(&r, result_job(false, "Login timed out", "Job")), 0);

	text = read_all(dir, "results.yaml");
	assert_string_equal(
	    text,
	    "- {\"case\": \"validate\", \"definition\": \"lava\", "
	    "\"result\": \"pass\"}\n"
	    "- {\"case\": \"bogomips\", \"definition\": \"0_smoke\", "
	    "\"measurement\": ! \"5192.29\", \"result\": \"pass\", "
	    "\"units\": \"bogomips\"}\n"
	    "- {\"case\": \"always-fail\", \"definition\": \"0_smoke\", "
	    "\"result\": \"fail\"}\n"
	    "- {\"case\": \"job\", \"definition\": \"lava\", \"error_msg\": "
	    "\"Login timed out\", \"error_type\": \"Job\", \"result\": "
	    "\"fail\"}\n");
	free(text);
	text = read_all(dir, "result.yaml");
	assert_string_equal(text, "case: job\ndefinition: lava\nerror_msg: "
	                          "Login timed out\nerror_type: Job\nresult: "
	                          "fail\n");
	free(text);

	/* The log: the same maps, one "results" record each. */
	joblog_close(&log);
	text = read_all(dir, "log.yaml");
	const char *p = text;
	int lines = 0;
	for (; *p; lines++) {
		/* - {"dt": "2026-11-27T07:30:32.167704", "lvl": ... */
		assert_memory_equal(p, "- {\"dt\": \"", 10);
		assert_true(p[14] == '-' && p[20] == 'T' && p[29] == '.' &&
		            p[36] == '"');
		assert_memory_equal(p + 36,
		                    "\", \"lvl\": \"results\", \"msg\": {", 29);
		const char *nl = strchr(p, '\n');
		assert_non_null(nl);
		assert_memory_equal(nl - 2, "}}", 2);
		p = nl + 1;
	}
	assert_int_equal(lines, 4);
	assert_non_null(strstr(text, "\"lvl\": \"results\", \"msg\": "
	                             "{\"case\": \"job\", \"definition\": "
	                             "\"lava\", \"error_msg\": \"Login timed "
	                             "out\", \"error_type\": \"Job\", "
	                             "\"result\": \"fail\"}}\n"));
	free(text);

	char *out;
	size_t outlen;
	FILE *f = open_memstream(&out, &outlen);
	results_print_table(&r, f);
	fclose(f);
	assert_string_equal(
	    out, "definition  case         result  measurement\n"
	         "lava        validate     pass\n"
	         "0_smoke     bogomips     pass    5192.29 bogomips\n"
	         "0_smoke     always-fail  fail\n"
	         "lava        job          fail\n"
	         "2 pass, 2 fail\n");
	free(out);
	results_close(&r);

	free(logpath);
}

/* A record too long for LAVA's log is left out of the log only. */
static void
test_too_long(void **state)
{
	(void)state;
	const char *dir = tmpdir;
	char *logpath = xasprintf("%s/log.yaml", dir);
	struct joblog log;
	assert_int_equal(joblog_open(&log, logpath), 0);
	struct results r;
	assert_int_equal(results_open(&r, dir, &log), 0);
	char *big = xmalloc(100001);
	memset(big, 'x', 100000);
	big[100000] = '\0';
	struct rval *m = result_plain("0_smoke", "big", "pass");
	rval_put(m, "units", rval_str(big));
	assert_int_equal(results_add(&r, m), 0);
	joblog_close(&log);
	char *text = read_all(dir, "log.yaml");
	assert_non_null(strstr(text, "\"msg\": {\"skip\": \"line way too long "
	                             "...\"}}\n"));
	free(text);
	text = read_all(dir, "results.yaml");
	assert_true(strlen(text) > 100000);
	free(text);
	results_close(&r);
	free(big);
	free(logpath);
}

/* Whether the file DIR/NAME holds NEEDLE. */
static bool
file_has(const char *dir, const char *name, const char *needle)
{
	char *text = read_all(dir, name);
	bool has = strstr(text, needle) != NULL;
	free(text);
	return has;
}

/* The job's secrets in a case's name, its units, a set, an extra value
 * and key, a measurement, the job's error: masked in results.yaml,
 * result.yaml, the log and the table, and nowhere left whole. */
static void
test_masked(void **state)
{
	(void)state;
	const char *dir = tmpdir;
	char *logpath = xasprintf("%s/log.yaml", dir);
	struct joblog log;
	assert_int_equal(joblog_open(&log, logpath), 0);
	joblog_mask_add(&log, "not-for-logs-81723");
	joblog_mask_add(&log, "81723");
	joblog_mask_add(&log, "q\"uo\\te");
	struct results r;
	assert_int_equal(results_open(&r, dir, &log), 0);
	assert_ptr_equal(r.secrets, &log.secrets);

	assert_int_equal(
	    results_add(&r, result_case("0_smoke", "not-for-logs-81723", "pass",
	                                false, 0, NULL)),
	    0);
	struct rval *m = result_case("0_smoke", "m", "pass", true, 81723.0,
	                             "u-not-for-logs-81723");
	rval_put(m, "set", rval_str("set-not-for-logs-81723"));
	assert_int_equal(results_add(&r, m), 0);
	struct rval *extra = rval_map();
	rval_put(extra, "fail", rval_str("said q\"uo\\te"));
	rval_put(extra, "not-for-logs-81723", rval_int(81723));
	struct rval *list = rval_put(extra, "list", rval_list());
	rval_add(list, rval_str("x not-for-logs-81723"));
	assert_int_equal(results_add(&r, result_action("lava-test-retry", NULL,
	                                               "3", 1.0, false, extra)),
	                 0);
	assert_int_equal(
	    results_finish(
	        &r, result_job(false, "raised not-for-logs-81723", "Test")),
	    0);
	joblog_close(&log);

	const char *files[] = {"results.yaml", "result.yaml", "log.yaml"};
	for (size_t i = 0; i < 3; i++) {
		assert_false(file_has(dir, files[i], "81723"));
		assert_false(file_has(dir, files[i], "uo"));
	}
	char *text = read_all(dir, "results.yaml");
	assert_string_equal(
	    text,
	    "- {\"case\": \"[MASKED]\", \"definition\": \"0_smoke\", "
	    "\"result\": \"pass\"}\n"
	    /* A number whose text holds one is that text masked. */
	    "- {\"case\": \"m\", \"definition\": \"0_smoke\", "
	    "\"measurement\": \"[MASKED].0\", \"result\": \"pass\", "
	    "\"set\": \"set-[MASKED]\", \"units\": \"u-[MASKED]\"}\n"
	    "- {\"case\": \"lava-test-retry\", \"definition\": \"lava\", "
	    "\"duration\": \"1.00\", \"extra\": {\"[MASKED]\": \"[MASKED]\", "
	    "\"fail\": \"said [MASKED]\", \"list\": [\"x [MASKED]\"]}, "
	    "\"level\": \"3\", \"namespace\": \"common\", \"result\": "
	    "\"fail\"}\n"
	    "- {\"case\": \"job\", \"definition\": \"lava\", \"error_msg\": "
	    "\"raised [MASKED]\", \"error_type\": \"Test\", \"result\": "
	    "\"fail\"}\n");
	free(text);
	text = read_all(dir, "result.yaml");
	assert_string_equal(text, "case: job\ndefinition: lava\nerror_msg: "
	                          "raised [MASKED]\nerror_type: Test\n"
	                          "result: fail\n");
	free(text);
	/* The log's records: masked once, not "[MASKED]" masked again. */
	assert_true(file_has(dir, "log.yaml",
	                     "\"msg\": {\"case\": \"job\", \"definition\": "
	                     "\"lava\", \"error_msg\": \"raised [MASKED]\""));

	char *out;
	size_t outlen;
	FILE *f = open_memstream(&out, &outlen);
	results_print_table(&r, f);
	fclose(f);
	assert_string_equal(out,
	                    "definition  case             result  measurement\n"
	                    "0_smoke     [MASKED]         pass\n"
	                    "0_smoke     m                pass    [MASKED].0 "
	                    "u-[MASKED]\n"
	                    "lava        lava-test-retry  fail\n"
	                    "lava        job              fail\n"
	                    "2 pass, 2 fail\n");
	free(out);
	results_close(&r);
	free(logpath);
}

/* Links planted in the output directory under the names of its files
 * are replaced, never written through: their targets stay as they
 * were. */
static void
test_planted_links(void **state)
{
	(void)state;
	const char *dir = tmpdir;
	char *out = xasprintf("%s/out", dir);
	assert_int_equal(mkdir(out, 0755), 0);
	const char *names[] = {"log.yaml", "results.yaml", "result.yaml"};
	for (size_t i = 0; i < 3; i++) {
		char *victim = xasprintf("%s/victim%zu", dir, i);
		char *link = xasprintf("%s/%s", out, names[i]);
		FILE *f = fopen(victim, "w");
		assert_non_null(f);
		fputs("untouched\n", f);
		fclose(f);
		assert_int_equal(symlink(victim, link), 0);
		free(victim);
		free(link);
	}
	/* One planted where a temporary of result.yaml would go, too. */
	char *tmpname = xasprintf("%s/.result.yaml.%ld.0", out, (long)getpid());
	char *victim3 = xasprintf("%s/victim3", dir);
	assert_int_equal(symlink(victim3, tmpname), 0);

	char *logpath = xasprintf("%s/log.yaml", out);
	struct joblog log;
	assert_int_equal(joblog_open(&log, logpath), 0);
	struct results r;
	assert_int_equal(results_open(&r, out, &log), 0);
	assert_int_equal(
	    results_add(&r, result_plain("lava", "validate", "pass")), 0);
	assert_int_equal(results_finish(&r, result_job(true, NULL, NULL)), 0);
	results_close(&r);
	joblog_close(&log);

	for (size_t i = 0; i < 3; i++) {
		char *victim = xasprintf("victim%zu", i);
		char *text = read_all(dir, victim);
		assert_string_equal(text, "untouched\n");
		free(text);
		free(victim);
		/* The names are files of their own now. */
		char *path = xasprintf("%s/%s", out, names[i]);
		struct stat st;
		assert_int_equal(lstat(path, &st), 0);
		assert_true(S_ISREG(st.st_mode));
		free(path);
	}
	assert_true(file_has(out, "result.yaml", "result: pass"));
	assert_true(file_has(out, "results.yaml", "\"validate\""));
	assert_int_equal(access(victim3, F_OK), -1); /* never created */
	free(victim3);
	free(tmpname);
	free(logpath);
	free(out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_validate),
	    cmocka_unit_test(test_action),
	    cmocka_unit_test(test_case),
	    cmocka_unit_test(test_endrun),
	    cmocka_unit_test(test_job),
	    cmocka_unit_test(test_scalars),
	    cmocka_unit_test(test_block),
	    cmocka_unit_test_setup_teardown(test_files, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_too_long, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_masked, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_planted_links, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
