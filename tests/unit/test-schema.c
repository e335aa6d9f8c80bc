/* test-schema.c: the schema engine behaves as voluptuous does where LAVA's
 * schemas rely on it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "schema.h"
#include "yaml.h"

struct run {
	struct ydoc *doc;
	struct diags diags;
	int errors;
};

/* Validates TEXT against S; the caller checks and frees the run. */
static void
run(struct run *r, const struct schema *s, const char *text, bool strict)
{
	struct yerror err;
	struct schema_ctx ctx;
	r->doc = ydoc_parse(text, strlen(text), &err);
	if (r->doc == NULL)
		fail_msg("%s: %s", text, err.msg);
	diags_init(&r->diags);
	schema_ctx_init(&ctx, &r->diags, ERR_JOB, strict);
	r->errors = schema_validate(&ctx, s, ydoc_root(r->doc));
	schema_ctx_free(&ctx);
	assert_int_equal((size_t)r->errors, r->diags.n);
}

static void
run_free(struct run *r)
{
	diags_free(&r->diags);
	ydoc_free(r->doc);
}

/* Asserts that TEXT gives exactly one error, at PATH, saying MSG. */
static void
expect_one(const struct schema *s, const char *text, bool strict,
	   const char *path, const char *msg)
{
	struct run r;
	run(&r, s, text, strict);
	if (r.errors != 1)
		fail_msg("'%s': %d errors, want 1 (first: %s)", text, r.errors,
			 r.errors ? r.diags.v[0].msg : "-");
	assert_string_equal(r.diags.v[0].path, path);
	assert_string_equal(r.diags.v[0].msg, msg);
	run_free(&r);
}

static void
expect_ok(const struct schema *s, const char *text, bool strict)
{
	struct run r;
	run(&r, s, text, strict);
	if (r.errors != 0)
		fail_msg("'%s': %s: %s", text, r.diags.v[0].path,
			 r.diags.v[0].msg);
	run_free(&r);
}

static const struct schema_key base_keys[] = {
	OPT("name", S_STR),
	REQ("kind", S_STR),
	{0},
};

static const struct schema *const overriding =
	MAP(base_keys, KEYS(OPT("kind", EQ("board")), OPT("count", S_INT)));

static void
test_strict_and_extra_keys(void **state)
{
	(void)state;
	expect_ok(overriding, "{kind: board, colour: red}", false);
	expect_one(overriding, "{kind: board, colour: red}", true, "colour",
		   "extra keys not allowed");
	/* Extra keys are allowed in nested maps too when not strict. */
	const struct schema *nested = MAP(KEYS(OPT("inner", overriding)));
	expect_ok(nested, "{inner: {kind: board, x: 1}}", false);
	expect_one(nested, "{inner: {kind: board, x: 1}}", true, "inner.x",
		   "extra keys not allowed");
	/* ...unless the map says otherwise, as LAVA's context does. */
	const struct schema *closed = MAP_CLOSED(KEYS(OPT("a", S_INT)));
	expect_one(closed, "{b: 1}", false, "b", "extra keys not allowed");
}

static void
test_key_override_and_required(void **state)
{
	(void)state;
	/* The later key set gives the value schema; the first gives
	 * whether the key is required ({**a, **b} keeps a's key). */
	expect_one(overriding, "{kind: cloud}", true, "kind",
		   "expected 'board'");
	expect_one(overriding, "{name: x}", true, "kind",
		   "required key not provided");
	/* int accepts a bool, as Python's isinstance(True, int). */
	expect_ok(overriding, "{kind: board, count: yes}", true);
	expect_one(overriding, "{kind: board, count: '3'}", true, "count",
		   "expected an integer, got str");
}

static void
test_range(void **state)
{
	(void)state;
	const struct schema *r = MAP(KEYS(OPT("n", RANGE_MIN(1))));
	expect_ok(r, "{n: 1}", true);
	expect_ok(r, "{n: 2.5}", true);
	expect_ok(r, "{n: true}", true); /* True >= 1 in Python */
	expect_one(r, "{n: 0}", true, "n", "value must be at least 1");
	expect_one(r, "{n: false}", true, "n", "value must be at least 1");
	expect_one(r, "{n: .nan}", true, "n", "expected a number, got nan");
	expect_one(r, "{n: 'ten'}", true, "n",
		   "expected a number of at least 1, got str");
	expect_one(r, "{n: 2024-01-01}", true, "n",
		   "expected a number of at least 1, got datetime");
}

static void
test_any_reports_deepest(void **state)
{
	(void)state;
	const struct schema *t =
		ANY(MAP(KEYS(REQ("days", RANGE_MIN(1)))),
		    MAP(KEYS(REQ("minutes", RANGE_MIN(1)))));
	expect_ok(t, "{minutes: 5}", true);
	expect_one(t, "{minutes: 0}", true, "minutes",
		   "value must be at least 1");
	/* Scalars that fit no alternative: say what would. */
	const struct schema *e = ANY(EQ("gz"), EQ("xz"), S_NONE);
	expect_ok(e, "~", true);
	expect_one(e, "bz3", true, "", "expected one of: 'gz', 'xz', null");
}

static void
test_wildcard_keys(void **state)
{
	(void)state;
	static const char *const names[] = {"arch", "cpu", NULL};
	const struct schema *in = MAP_CLOSED(KEYS(IN_KEY(names, S_STR)));
	expect_ok(in, "{arch: arm64}", false);
	expect_one(in, "{memory: 1}", false, "memory",
		   "extra keys not allowed");
	/* A literal key is tried before the wildcards, and does not fall
	 * back to them when its value is wrong. */
	const struct schema *overlays =
		MAP(KEYS(OPT("lava", S_BOOL), ANY_STR_KEY(S_DICT)));
	expect_ok(overlays, "{lava: true, mine: {a: 1}}", true);
	expect_one(overlays, "{lava: {a: 1}}", true, "lava",
		   "expected a boolean, got dict");
	const struct schema *deps =
		MAP(KEYS(OPT("deps", LIST(S_STR)),
			 MATCH_KEY("deps-.+", LIST(S_STR))));
	expect_ok(deps, "{deps: [a], deps-debian: [b]}", true);
	expect_one(deps, "{deps-: [b]}", true, "deps-",
		   "extra keys not allowed");
	const struct schema *any_key = MAP(KEYS(ANY_KEY(S_INT)));
	expect_ok(any_key, "{1: 2, b: 3}", true);
}

static void
test_exclusive_and_lists(void **state)
{
	(void)state;
	const struct schema *nfs = MAP(KEYS(EXCL("nfsrootfs", "nfs", S_STR),
					    EXCL("persistent_nfs", "nfs",
						 S_STR)));
	expect_ok(nfs, "{nfsrootfs: a}", true);
	expect_one(nfs, "{nfsrootfs: a, persistent_nfs: b}", true,
		   "persistent_nfs",
		   "'nfsrootfs' and 'persistent_nfs' may not be used together");
	const struct schema *l = LIST(S_INT, S_STR);
	expect_ok(l, "[1, a, 2]", true);
	expect_ok(l, "[]", true);
	expect_one(l, "[1, [2]]", true, "[1]",
		   "expected one of: an integer, a string");
	expect_one(l, "{a: 1}", true, "", "expected a list, got dict");
}

static void
test_match_length_msg(void **state)
{
	(void)state;
	const struct schema *name =
		MAP(KEYS(REQ("name", MATCH("^[-_a-zA-Z0-9.]+$")),
			 OPT("label", ALL(S_STR, LENGTH(1, 3))),
			 OPT("method", MSG("'method' should be 'qemu'",
					   EQ("qemu")))));
	expect_ok(name, "{name: smoke-1.0}", true);
	/* re.match anchors at the start only: trailing text fails here
	 * because of the explicit $. */
	expect_one(name, "{name: 'a b'}", true, "name",
		   "'a b' does not match the pattern ^[-_a-zA-Z0-9.]+$");
	expect_one(name, "{name: 12}", true, "name",
		   "expected a string, got int");
	expect_one(name, "{name: a, label: ''}", true, "label",
		   "must not be empty");
	expect_one(name, "{name: a, label: 'abcd'}", true, "label",
		   "length of value must be at most 3");
	/* Length counts characters, not bytes. */
	expect_ok(name, "{name: a, label: 'été'}", true);
	expect_one(name, "{name: a, method: kvm}", true, "method",
		   "'method' should be 'qemu'");
	/* Python's re.match: anchored at the start, not at the end. */
	assert_int_equal(py_re_match("ab", "abc", 3), 1);
	assert_int_equal(py_re_match("bc", "abc", 3), 0);
	assert_int_equal(py_re_match("(", "abc", 3), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strict_and_extra_keys),
		cmocka_unit_test(test_key_override_and_required),
		cmocka_unit_test(test_range),
		cmocka_unit_test(test_any_reports_deepest),
		cmocka_unit_test(test_wildcard_keys),
		cmocka_unit_test(test_exclusive_and_lists),
		cmocka_unit_test(test_match_length_msg),
	};
	return cmocka_run_group_tests_name("schema", tests, NULL, NULL);
}
