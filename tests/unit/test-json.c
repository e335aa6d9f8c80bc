/* test-json.c: the strict reader and the json.dumps-style writer (each
 * expected text as Python 3.11's json.dumps(json.loads(IN)) prints it,
 * but numbers, which keep the text they were read as). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "json.h"

static char *
roundtrip(const char *in)
{
	struct json *j;
	char err[96];
	if (json_parse(in, strlen(in), &j, err, sizeof err) < 0)
		return NULL;
	struct buf b;
	buf_init(&b);
	json_write(&b, j);
	json_free(j);
	return buf_steal(&b);
}

static void
test_roundtrip(void **state)
{
	(void)state;
	static const char *rows[][2] = {
	    {"{\"a\":1,\"b\":[true,false,null]}",
	     "{\"a\": 1, \"b\": [true, false, null]}"},
	    {" {\"response\" : \"ack\"} ", "{\"response\": \"ack\"}"},
	    {"\"caf\xc3\xa9 \\u00e9\"", "\"caf\\u00e9 \\u00e9\""},
	    {"\"\\ud83d\\ude00 \xf0\x9f\x98\x80\"",
	     "\"\\ud83d\\ude00 \\ud83d\\ude00\""},
	    {"\"tab\\t nl\\n \\/ \\\" \\\\ \\u0001 \\u007f\"",
	     "\"tab\\t nl\\n / \\\" \\\\ \\u0001 \\u007f\""},
	    {"{\"k\":1,\"j\":2,\"k\":3}", "{\"k\": 3, \"j\": 2}"},
	    {"[]", "[]"},
	    {"{}", "{}"},
	    {"-0.5e+10", "-0.5e+10"}, /* Python: -5000000000.0 */
	    {"\"a\\u0000b\"", "\"a\\u0000b\""},
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		char *out = roundtrip(rows[i][0]);
		assert_non_null(out);
		assert_string_equal(out, rows[i][1]);
		free(out);
	}
}

static void
test_refused(void **state)
{
	(void)state;
	static const char *bad[] = {
	    "",           "{",        "{\"a\":}",     "[1,]",
	    "{\"a\":1,}", "NaN",      "Infinity",     "01",
	    "1.",         "-",        "\"\\ud800\"",  "\"\\udc00\"",
	    "\"\\x\"",    "\"\xff\"", "\"\xc0\xaf\"", "\"\xed\xa0\x80\"",
	    "tru",        "{} x",     "'a'",          "\"a\nb\"",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct json *j = (struct json *)1;
		char err[96];
		assert_int_equal(
		    json_parse(bad[i], strlen(bad[i]), &j, err, sizeof err),
		    -1);
		assert_null(j);
		assert_true(err[0] != '\0');
	}
}

static void
test_limits(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b);
	for (int i = 0; i < JSON_MAX_DEPTH; i++)
		buf_addc(&b, '[');
	for (int i = 0; i < JSON_MAX_DEPTH; i++)
		buf_addc(&b, ']');
	struct json *j;
	char err[96];
	assert_int_equal(json_parse(b.data, b.len, &j, err, sizeof err), 0);
	json_free(j);
	buf_reset(&b);
	for (int i = 0; i <= JSON_MAX_DEPTH; i++)
		buf_addc(&b, '[');
	assert_int_equal(json_parse(b.data, b.len, &j, err, sizeof err), -1);
	assert_non_null(strstr(err, "deeply"));
	buf_reset(&b);
	buf_addc(&b, '{');
	for (int i = 0; i <= JSON_MAX_MEMBERS; i++)
		buf_printf(&b, "%s\"k%d\":0", i ? "," : "", i);
	buf_addc(&b, '}');
	assert_int_equal(json_parse(b.data, b.len, &j, err, sizeof err), -1);
	assert_non_null(strstr(err, "members"));
	buf_free(&b);
}

static void
test_access(void **state)
{
	(void)state;
	struct json *j;
	const char *in = "{\"s\":\"x\",\"e\":\"\",\"z\":0,\"f\":0.0,"
	                 "\"n\":2,\"o\":{},\"a\":[0]}";
	assert_int_equal(json_parse(in, strlen(in), &j, NULL, 0), 0);
	assert_string_equal(json_get(j, "s")->s, "x");
	assert_null(json_get(j, "missing"));
	assert_true(json_truthy(json_get(j, "s")));
	assert_false(json_truthy(json_get(j, "e")));
	assert_false(json_truthy(json_get(j, "z")));
	assert_false(json_truthy(json_get(j, "f")));
	assert_true(json_truthy(json_get(j, "n")));
	assert_false(json_truthy(json_get(j, "o")));
	assert_true(json_truthy(json_get(j, "a")));
	struct json *c = json_copy(j);
	json_set(c, "s", 1, json_new(JSON_NULL));
	json_set(c, "new", 3, json_new_string("v", 1));
	struct buf b;
	buf_init(&b);
	json_write(&b, c);
	assert_string_equal(b.data, "{\"s\": null, \"e\": \"\", \"z\": 0, "
	                            "\"f\": 0.0, \"n\": 2, \"o\": {}, "
	                            "\"a\": [0], \"new\": \"v\"}");
	assert_true(json_cost(c) > json_cost(json_get(c, "a")));
	buf_free(&b);
	json_free(c);
	json_free(j);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_roundtrip),
	    cmocka_unit_test(test_refused),
	    cmocka_unit_test(test_limits),
	    cmocka_unit_test(test_access),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
