/* test-shlex.c: command lines split as Python's shlex.split splits them
 * (each row's expected words printed by Python 3.11's shlex), and a job's
 * shell syntax kept as plain words. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "shlex.h"

struct row {
	const char *in;
	size_t n;
	const char *want[4];
};

static const struct row rows[] = {
    {"qemu-system-x86_64 -nographic", 2, {"qemu-system-x86_64", "-nographic"}},
    {"-kernel {kernel} -append \"console=ttyS0,115200 root=/dev/ram0\"",
     4,
     {"-kernel", "{kernel}", "-append", "console=ttyS0,115200 root=/dev/ram0"}},
    {"a'b c'd", 1, {"ab cd"}},
    {"a\"b\\\"c\"d", 1, {"ab\"cd"}},
    {"x \"back\\slash\" y", 3, {"x", "back\\slash", "y"}},
    {"it\\'s", 1, {"it's"}},
    {"''", 1, {""}},
    {"a  \t b\n c", 3, {"a", "b", "c"}},
    {"\"$(touch /tmp/x)\" `id` ;touch${IFS}X;",
     3,
     {"$(touch /tmp/x)", "`id`", ";touch${IFS}X;"}},
    {"'single \\ kept'", 1, {"single \\ kept"}},
    {"\"a\\\\b\"", 1, {"a\\b"}},
    {"", 0, {NULL}},
    {"   ", 0, {NULL}},
    {"a\"\"b", 1, {"ab"}},
};

static void
test_rows(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		struct strv a = {0};
		char err[64];
		assert_int_equal(shlex_split(rows[i].in, &a, err, sizeof err),
		                 0);
		assert_int_equal(a.n, rows[i].n);
		for (size_t k = 0; k < a.n; k++)
			assert_string_equal(a.v[k], rows[i].want[k]);
		if (a.n)
			assert_null(a.v[a.n]);
		strv_free(&a);
	}
}

static void
test_errors(void **state)
{
	(void)state;
	static const char *const bad[][2] = {
	    {"\"open", "No closing quotation"},
	    {"'open", "No closing quotation"},
	    {"end\\", "No escaped character"},
	    {"-append \"console=ttyS0 -kernel x", "No closing quotation"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct strv a = {0};
		strv_add(&a, "kept");
		char err[64] = "";
		assert_int_equal(shlex_split(bad[i][0], &a, err, sizeof err),
		                 -1);
		assert_string_equal(err, bad[i][1]);
		/* What was there before stays, nothing half-split added. */
		assert_int_equal(a.n, 1);
		assert_string_equal(a.v[0], "kept");
		strv_free(&a);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rows),
	    cmocka_unit_test(test_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
