/* test-timeout.c: the six-level timeout precedence, connection timeouts,
 * deadlines and timeout messages, as LAVA's Pipeline.add_action and
 * Timeout order and word them (spec §1.3). */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "timeout.h"
#include "util.h"

#define S 1000000000ULL

/* The documents of one case: job timeouts, device timeouts, block. */
struct fixture {
	struct ydoc *job, *device, *block;
	struct timeout_ctx ctx;
	struct diags d;
};

static struct ydoc *
parse(const char *text)
{
	struct yerror err;
	struct ydoc *doc = ydoc_parse(text, strlen(text), &err);
	if (doc == NULL)
		fail_msg("%d:%d: %s", err.line, err.col, err.msg);
	return doc;
}

/* BLOCK is an action block's parameters (timeout:, timeouts:). */
static void
setup(struct fixture *f, const char *job, const char *device, const char *block)
{
	memset(f, 0, sizeof *f);
	f->job = parse(job ? job : "{}");
	f->device = parse(device ? device : "{}");
	f->block = parse(block ? block : "{}");
	f->ctx.job = ydoc_root(f->job);
	f->ctx.device = ydoc_root(f->device);
	f->ctx.block_timeout = ymap_get(ydoc_root(f->block), "timeout");
	f->ctx.block_timeouts = ymap_get(ydoc_root(f->block), "timeouts");
	f->ctx.name = "auto-login-action";
	diags_init(&f->d);
}

static void
teardown(struct fixture *f)
{
	diags_free(&f->d);
	ydoc_free(f->job);
	ydoc_free(f->device);
	ydoc_free(f->block);
}

static struct timeout_set
resolve(struct fixture *f)
{
	struct timeout_set t;
	assert_int_equal(timeout_resolve(&f->ctx, &t, &f->d), 0);
	assert_int_equal(f->d.n, 0);
	return t;
}

static const char *all_job =
    "{action: {seconds: 11}, actions: {auto-login-action: {seconds: 55}},"
    " connection: {seconds: 7},"
    " connections: {auto-login-action: {seconds: 9}}}";
static const char *all_device =
    "{actions: {auto-login-action: {seconds: 22}},"
    " connections: {auto-login-action: {seconds: 8}}}";

static void
test_default(void **state)
{
	(void)state;
	struct fixture f;
	setup(&f, NULL, NULL, NULL);
	struct timeout_set t = resolve(&f);
	assert_int_equal(t.duration, 30);
	assert_int_equal(t.connection, 30);
	assert_false(t.skip);
	/* An action with its own default keeps it when nothing overrides. */
	f.ctx.default_duration = 600;
	assert_int_equal(resolve(&f).duration, 600);
	teardown(&f);
}

static void
test_level1_job_action(void **state)
{
	(void)state;
	struct fixture f;
	setup(&f, "{action: {minutes: 2}}", NULL, NULL);
	f.ctx.default_duration = 600;
	assert_int_equal(resolve(&f).duration, 120);
	teardown(&f);
}

static void
test_level2_device_named(void **state)
{
	(void)state;
	struct fixture f;
	setup(&f, "{action: {minutes: 2}}", all_device, NULL);
	assert_int_equal(resolve(&f).duration, 22);
	/* Another action's name does not apply. */
	f.ctx.name = "login-action";
	assert_int_equal(resolve(&f).duration, 120);
	teardown(&f);
}

static void
test_level3_block(void **state)
{
	(void)state;
	struct fixture f;
	setup(&f, "{action: {minutes: 2}}", all_device,
	      "{timeout: {minutes: 4}}");
	assert_int_equal(resolve(&f).duration, 240);
	/* It applies to every action of the block, whatever its name. */
	f.ctx.name = "login-action";
	assert_int_equal(resolve(&f).duration, 240);
	teardown(&f);
}

static void
test_level4_retry_division(void **state)
{
	(void)state;
	struct fixture f;
	setup(&f, "{action: {minutes: 2}}", all_device,
	      "{timeout: {minutes: 4}}");
	/* A parent that does not retry divides nothing. */
	f.ctx.parent_duration = 301;
	f.ctx.parent_max_retries = 1;
	assert_int_equal(resolve(&f).duration, 240);
	/* Integer division: 301 // 3 = 100. */
	f.ctx.parent_max_retries = 3;
	assert_int_equal(resolve(&f).duration, 100);
	f.ctx.parent_max_retries = 2;
	assert_int_equal(resolve(&f).duration, 150);
	/* A quotient of 0 is a zero timeout: the 30 s default, not 0. */
	f.ctx.parent_duration = 1;
	assert_int_equal(resolve(&f).duration, 30);
	teardown(&f);
}

static void
test_level5_job_named(void **state)
{
	(void)state;
	struct fixture f;
	setup(&f, all_job, all_device, "{timeout: {minutes: 4}}");
	f.ctx.parent_duration = 300;
	f.ctx.parent_max_retries = 2;
	assert_int_equal(resolve(&f).duration, 55);
	teardown(&f);
}

static void
test_level6_block_named(void **state)
{
	(void)state;
	struct fixture f;
	setup(&f, all_job, all_device,
	      "{timeout: {minutes: 4},"
	      " timeouts: {auto-login-action: {seconds: 66},"
	      "            login-action: {seconds: 3}}}");
	f.ctx.parent_duration = 300;
	f.ctx.parent_max_retries = 2;
	assert_int_equal(resolve(&f).duration, 66);
	teardown(&f);
	/* An empty or unrelated timeouts: leaves level 5. */
	setup(&f, all_job, NULL, "{timeouts: {}}");
	assert_int_equal(resolve(&f).duration, 55);
	teardown(&f);
	setup(&f, all_job, NULL, "{timeouts: {login-action: {seconds: 3}}}");
	assert_int_equal(resolve(&f).duration, 55);
	teardown(&f);
}

static void
test_connection(void **state)
{
	(void)state;
	struct fixture f;
	setup(&f, "{connection: {seconds: 7}}", NULL, NULL);
	assert_int_equal(resolve(&f).connection, 7);
	teardown(&f);
	setup(&f, "{connection: {seconds: 7}}", all_device, NULL);
	assert_int_equal(resolve(&f).connection, 8);
	teardown(&f);
	setup(&f, all_job, all_device, NULL);
	assert_int_equal(resolve(&f).connection, 9);
	/* The block's timeouts never touch the connection timeout. */
	teardown(&f);
	setup(&f, NULL, NULL,
	      "{timeout: {seconds: 5},"
	      " timeouts: {auto-login-action: {seconds: 6}}}");
	assert_int_equal(resolve(&f).connection, 30);
	teardown(&f);
}

static void
test_zero_is_default(void **state)
{
	(void)state;
	struct fixture f;
	setup(&f, "{action: {minutes: 3}, connection: {seconds: 0}}", NULL,
	      "{timeout: {seconds: 0}}");
	struct timeout_set t = resolve(&f);
	assert_int_equal(t.duration, 30);
	assert_int_equal(t.connection, 30);
	teardown(&f);
	/* Units add up (non-strict schema), and null overrides nothing. */
	setup(&f, "{action: {minutes: 1, seconds: 5}}", NULL,
	      "{timeout: null}");
	assert_int_equal(resolve(&f).duration, 65);
	teardown(&f);
}

static void
test_skip(void **state)
{
	(void)state;
	struct fixture f;
	setup(&f, NULL, NULL, "{timeout: {minutes: 1, skip: true}}");
	struct timeout_set t = resolve(&f);
	assert_true(t.skip);
	assert_int_equal(t.duration, 60);
	teardown(&f);
	setup(&f, NULL, NULL, "{timeout: {minutes: 1, skip: false}}");
	assert_false(resolve(&f).skip);
	teardown(&f);
	/* skip is read from timeout: only, never from timeouts:. */
	setup(&f, NULL, NULL,
	      "{timeouts: {auto-login-action: {minutes: 1, skip: true}}}");
	assert_false(resolve(&f).skip);
	teardown(&f);

	assert_int_equal(timeout_fate(false, true), TIMEOUT_TEST_ERROR);
	assert_int_equal(timeout_fate(false, false), TIMEOUT_TEST_ERROR);
	assert_int_equal(timeout_fate(true, true), TIMEOUT_SKIP);
	assert_int_equal(timeout_fate(true, false), TIMEOUT_PASS_UP);
}

static void
test_invalid(void **state)
{
	(void)state;
	struct fixture f;
	setup(&f, "{action: 5m, connections: {auto-login-action: [1, x]}}",
	      NULL, NULL);
	struct timeout_set t;
	assert_int_equal(timeout_resolve(&f.ctx, &t, &f.d), -1);
	assert_int_equal(f.d.n, 2);
	assert_int_equal(f.d.v[0].cls, ERR_JOB);
	assert_string_equal(f.d.v[0].msg, "Invalid timeout 5m");
	assert_string_equal(f.d.v[0].path, "timeouts.action");
	assert_string_equal(f.d.v[1].msg,
	                    "Invalid connection timeout [1, 'x']");
	assert_string_equal(f.d.v[1].path,
	                    "timeouts.connections.auto-login-action");
	teardown(&f);
}

static void
test_deadline(void **state)
{
	(void)state;
	uint64_t start = 1000 * S;
	/* No parent: its own. */
	assert_true(timeout_deadline(start, 30, 0) == start + 30 * S);
	/* The parent's deadline when it comes first, else its own. */
	assert_true(timeout_deadline(start, 30, start + 10 * S) ==
	            start + 10 * S);
	assert_true(timeout_deadline(start, 30, start + 90 * S) ==
	            start + 30 * S);
	/* A parent already past: nothing left, it times out at once. */
	uint64_t d = timeout_deadline(start, 30, start - 2 * S);
	assert_true(timeout_allowed(start, d) <= 0);
	/* Job cleanup: five minutes, or less when the job timeout is less. */
	assert_true(timeout_deadline(start, 3600,
	                             start + TIMEOUT_CLEANUP_SECONDS * S) ==
	            start + 300 * S);
	assert_true(
	    timeout_deadline(start, 60, start + TIMEOUT_CLEANUP_SECONDS * S) ==
	    start + 60 * S);
	/* Huge durations saturate rather than wrap. */
	assert_true(timeout_deadline(start, 86400LL * 999999999, 0) ==
	            UINT64_MAX);

	/* Whole seconds as Python's round(): halves to even. */
	assert_int_equal(timeout_allowed(start, start + 2500000000ULL), 2);
	assert_int_equal(timeout_allowed(start, start + 3500000000ULL), 4);
	assert_int_equal(timeout_allowed(start, start + 2500000001ULL), 3);
	assert_int_equal(timeout_allowed(start, start + 400000000ULL), 0);
	assert_int_equal(timeout_allowed(start, start - 3 * S), -3);
}

static void
test_hms(void **state)
{
	(void)state;
	char buf[32];
	assert_string_equal(timeout_hms(buf, sizeof buf, 300 * (int64_t)S),
	                    "00:05:00");
	assert_string_equal(timeout_hms(buf, sizeof buf, 3599600000000LL),
	                    "01:00:00");
	assert_string_equal(timeout_hms(buf, sizeof buf, 500000000LL),
	                    "00:00:00");
	assert_string_equal(timeout_hms(buf, sizeof buf, 360000 * (int64_t)S),
	                    "100:00:00");
}

static void
test_message(void **state)
{
	(void)state;
	uint64_t start = 50 * S;
	char *m = timeout_message("auto-login-action", start,
	                          start + 30 * S + 999999999);
	assert_string_equal(m, "auto-login-action timed out after 30 seconds");
	free(m);
	/* Cut short by its parent, still the child's name and time. */
	m = timeout_message("login-action", start, start + 4 * S);
	assert_string_equal(m, "login-action timed out after 4 seconds");
	free(m);
	m = timeout_message("job", start, start);
	assert_string_equal(m, "job timed out after 0 seconds");
	free(m);
}

static void
test_class(void **state)
{
	(void)state;
	assert_int_equal(timeout_class("auto-login-action"), ERR_JOB);
	assert_int_equal(timeout_class("minimal-boot"), ERR_JOB);
	assert_int_equal(timeout_class("job"), ERR_JOB);
	assert_int_equal(timeout_class("connect-device"), ERR_INFRASTRUCTURE);
	assert_int_equal(timeout_class("ssh-connection"), ERR_INFRASTRUCTURE);
	assert_int_equal(timeout_class("power-off"), ERR_INFRASTRUCTURE);
	assert_int_equal(timeout_class("user-command"), ERR_INFRASTRUCTURE);
	assert_int_equal(timeout_class("lava-test-shell"), ERR_TIMEOUT);
	assert_int_equal(timeout_class("lava-test-interactive"), ERR_TIMEOUT);
	assert_int_equal(timeout_class("multinode-test"), ERR_TEST);
	assert_int_equal(timeout_class(""), ERR_JOB);
}

/* A grandchild under a child that does not retry gets the block's
 * timeout again, undivided: only the direct parent's retries count. */
static void
test_nesting(void **state)
{
	(void)state;
	struct fixture f;
	setup(&f, NULL, NULL, "{timeout: {minutes: 5}, failure_retry: 3}");
	/* The retrying action itself: its block's timeout. */
	struct timeout_set retry = resolve(&f);
	assert_int_equal(retry.duration, 300);
	/* Its child: a third each. */
	f.ctx.parent_duration = retry.duration;
	f.ctx.parent_max_retries = 3;
	struct timeout_set child = resolve(&f);
	assert_int_equal(child.duration, 100);
	/* The child's child: the block's five minutes, cut short at run
	 * time by its parent's deadline. */
	f.ctx.parent_duration = child.duration;
	f.ctx.parent_max_retries = 1;
	assert_int_equal(resolve(&f).duration, 300);
	uint64_t start = 10 * S;
	uint64_t d_child = timeout_deadline(start, child.duration, 0);
	assert_true(timeout_deadline(start, 300, d_child) == start + 100 * S);
	teardown(&f);
}

/* No maps at all, or nulls where maps go: the defaults. */
static void
test_missing_maps(void **state)
{
	(void)state;
	struct timeout_ctx c = {.name = "login-action"};
	struct timeout_set t;
	struct diags d;
	diags_init(&d);
	assert_int_equal(timeout_resolve(&c, &t, &d), 0);
	assert_int_equal(t.duration, 30);
	assert_int_equal(t.connection, 30);
	assert_false(t.skip);
	struct fixture f;
	setup(&f, "{action: null, actions: null, connections: null}",
	      "{actions: null}", "{timeout: null, timeouts: null}");
	f.ctx.name = "login-action";
	assert_int_equal(resolve(&f).duration, 30);
	teardown(&f);
	diags_free(&d);
}

/* The seconds of timeout map TEXT, or -1 when refused. */
static long long
parsed(const char *text)
{
	struct ydoc *doc = parse(text);
	long long s;
	int rc = timeout_parse(ydoc_root(doc), &s);
	ydoc_free(doc);
	return rc < 0 ? -1 : s;
}

/* Huge timeouts saturate at 292 years, however they are written: no
 * product or sum overflows (UBSan watches), no refusal either, and their
 * deadlines in nanoseconds fit. */
static void
test_huge(void **state)
{
	(void)state;
	const long long max = TIMEOUT_MAX_SECONDS;
	assert_int_equal(max, 9223372036LL);
	assert_int_equal(parsed("{days: 9223372036854775807}"), max);
	assert_int_equal(parsed("{days: 99999999999999999999999}"), max);
	assert_int_equal(parsed("{seconds: 9223372036854775807,"
	                        " minutes: 9223372036854775807,"
	                        " hours: 9223372036854775807}"),
	                 max);
	assert_int_equal(parsed("{days: -9223372036854775808}"), -max);
	assert_int_equal(parsed("{days: 1.0e+308, hours: 1.0e+308}"), max);
	assert_int_equal(parsed("{days: .inf}"), max);
	assert_int_equal(parsed("{days: -.inf}"), -max);
	assert_int_equal(parsed("{days: 999999999, seconds: 86399}"), max);
	/* Just under: exact. */
	assert_int_equal(parsed("{seconds: 9223372035}"), max - 1);
	assert_int_equal(parsed("{days: 106751, hours: 23}"),
	                 106751LL * 86400 + 23 * 3600);
	assert_int_equal(parsed("{days: -106751}"), -106751LL * 86400);
	/* Not a number: still refused. */
	assert_int_equal(parsed("{days: .nan}"), -1);
	assert_int_equal(parsed("{days: .inf, hours: -.inf}"), -1);
	assert_int_equal(parsed("{days: x}"), -1);

	/* Into nanoseconds and deadlines: saturated too. */
	assert_true(timeout_ns(0) == 0);
	assert_true(timeout_ns(-5) == 0);
	assert_true(timeout_ns(3) == 3 * S);
	/* The longest timeout in nanoseconds, and after a long uptime. */
	assert_true(timeout_ns(max) == (uint64_t)max * S);
	assert_true(timeout_ns(max) <= (uint64_t)INT64_MAX);
	assert_true(timeout_after(100ULL * 365 * 86400 * S, max) < UINT64_MAX);
	assert_true(timeout_ns(86400LL * 999999999) == UINT64_MAX);
	assert_true(timeout_ns(LLONG_MAX) == UINT64_MAX);
	assert_true(timeout_ns((long long)(UINT64_MAX / S)) ==
	            UINT64_MAX / S * S);
	assert_true(timeout_ns((long long)(UINT64_MAX / S) + 1) == UINT64_MAX);
	uint64_t now = 1000 * S;
	assert_true(timeout_after(now, 5) == now + 5 * S);
	assert_true(timeout_after(now, -5) == now);
	assert_true(timeout_after(now, LLONG_MAX) == UINT64_MAX);
	assert_true(timeout_after(UINT64_MAX - 1, 1) == UINT64_MAX);
	assert_true(timeout_deadline(now, max, 0) == now + (uint64_t)max * S);
	assert_true(timeout_deadline(now, LLONG_MAX, 0) == UINT64_MAX);
	assert_true(timeout_deadline(now, -max, 0) == 1);
	assert_true(timeout_deadline(now, LLONG_MIN, 0) == 1);
	assert_true(timeout_deadline(now, LLONG_MAX, now + S) == now + S);

	/* The precedence with them: a huge job default, a huge block
	 * timeout over it. */
	struct fixture f;
	setup(&f, "{action: {days: 9223372036854775807}}", NULL,
	      "{timeout: {hours: 9223372036854775807}}");
	struct timeout_set t = resolve(&f);
	assert_int_equal(t.duration, max);
	teardown(&f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_default),
	    cmocka_unit_test(test_level1_job_action),
	    cmocka_unit_test(test_level2_device_named),
	    cmocka_unit_test(test_level3_block),
	    cmocka_unit_test(test_level4_retry_division),
	    cmocka_unit_test(test_level5_job_named),
	    cmocka_unit_test(test_level6_block_named),
	    cmocka_unit_test(test_nesting),
	    cmocka_unit_test(test_missing_maps),
	    cmocka_unit_test(test_connection),
	    cmocka_unit_test(test_zero_is_default),
	    cmocka_unit_test(test_skip),
	    cmocka_unit_test(test_invalid),
	    cmocka_unit_test(test_deadline),
	    cmocka_unit_test(test_huge),
	    cmocka_unit_test(test_hms),
	    cmocka_unit_test(test_message),
	    cmocka_unit_test(test_class),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
