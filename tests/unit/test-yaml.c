/* test-yaml.c: the YAML tree types scalars as PyYAML's safe_load does.
 * Every row of the tables was checked against PyYAML 6 (Debian 12). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "yaml.h"

struct typing_case {
	const char *text; /* the value of "k: TEXT" */
	enum ynode_kind kind;
	long long i;      /* YN_INT, YN_BOOL */
	double f;         /* YN_FLOAT */
};

static const struct typing_case typing[] = {
	/* booleans: YAML 1.1 words, three cases each */
	{"yes", YN_BOOL, 1, 0},
	{"Yes", YN_BOOL, 1, 0},
	{"YES", YN_BOOL, 1, 0},
	{"yEs", YN_STR, 0, 0},
	{"no", YN_BOOL, 0, 0},
	{"on", YN_BOOL, 1, 0},
	{"Off", YN_BOOL, 0, 0},
	{"true", YN_BOOL, 1, 0},
	{"TRUE", YN_BOOL, 1, 0},
	{"False", YN_BOOL, 0, 0},
	{"y", YN_STR, 0, 0},
	{"n", YN_STR, 0, 0},
	/* integers */
	{"0", YN_INT, 0, 0},
	{"00", YN_INT, 0, 0},
	{"017", YN_INT, 15, 0},
	{"0_7", YN_INT, 7, 0},
	{"08", YN_STR, 0, 0},
	{"0o17", YN_STR, 0, 0}, /* YAML 1.2 octal: a string to PyYAML */
	{"0x1F", YN_INT, 31, 0},
	{"0x", YN_STR, 0, 0},
	{"0b101", YN_INT, 5, 0},
	{"0b", YN_STR, 0, 0},
	{"1_000", YN_INT, 1000, 0},
	{"9_9", YN_INT, 99, 0},
	{"+12", YN_INT, 12, 0},
	{"-0", YN_INT, 0, 0},
	{"-42", YN_INT, -42, 0},
	{"1:30", YN_INT, 90, 0},
	{"190:20:30", YN_INT, 685230, 0},
	{"9223372036854775807", YN_INT, 9223372036854775807LL, 0},
	/* floats */
	{"1.5", YN_FLOAT, 0, 1.5},
	{"1.", YN_FLOAT, 0, 1.0},
	{".5", YN_FLOAT, 0, 0.5},
	{"+.5", YN_STR, 0, 0},
	{"1e5", YN_STR, 0, 0}, /* the exponent needs a sign and a dot */
	{"1.0e+5", YN_FLOAT, 0, 100000.0},
	{"1_0.2_5", YN_FLOAT, 0, 10.25},
	{"1:30.5", YN_FLOAT, 0, 90.5},
	{".inf", YN_FLOAT, 0, INFINITY},
	{"-.Inf", YN_FLOAT, 0, -INFINITY},
	{".", YN_STR, 0, 0},
	/* null */
	{"~", YN_NULL, 0, 0},
	{"null", YN_NULL, 0, 0},
	{"Null", YN_NULL, 0, 0},
	{"NULL", YN_NULL, 0, 0},
	{"nULL", YN_STR, 0, 0},
	{"", YN_NULL, 0, 0},
	/* timestamps: a type of their own, not str */
	{"2024-01-02", YN_TIMESTAMP, 0, 0},
	{"2024-1-2 10:20:30", YN_TIMESTAMP, 0, 0},
	{"2024-01-02T10:20:30.5Z", YN_TIMESTAMP, 0, 0},
	{"2024-01-02 10:20:30 +01:00", YN_TIMESTAMP, 0, 0},
	{"2024-01-02 1:2:3", YN_STR, 0, 0},
	{"2024-1-2", YN_STR, 0, 0},
	/* quoting and explicit tags */
	{"'yes'", YN_STR, 0, 0},
	{"\"12\"", YN_STR, 0, 0},
	{"!!str 12", YN_STR, 0, 0},
	{"!!int \"0x10\"", YN_INT, 16, 0},
	{"!!float 1", YN_FLOAT, 0, 1.0},
	{"!!bool \"YeS\"", YN_BOOL, 1, 0},
	{"! 12", YN_STR, 0, 0},
	{"!!binary aGVsbG8=", YN_BINARY, 0, 0},
	{"\"<<\"", YN_STR, 0, 0},
	{"plain words", YN_STR, 0, 0},
};

static struct ydoc *
parse(const char *text, struct yerror *err)
{
	return ydoc_parse(text, strlen(text), err);
}

static void
test_scalar_typing(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof typing / sizeof typing[0]; i++) {
		const struct typing_case *c = &typing[i];
		char *doc_text;
		struct yerror err;
		if (asprintf(&doc_text, "k: %s\n", c->text) < 0)
			fail();
		struct ydoc *doc = parse(doc_text, &err);
		if (doc == NULL)
			fail_msg("'%s': %s", c->text, err.msg);
		struct ynode *v = ymap_get(ydoc_root(doc), "k");
		assert_non_null(v);
		if (v->kind != c->kind)
			fail_msg("'%s': kind %s, want kind %d", c->text,
				 ynode_type_name(v), (int)c->kind);
		if (c->kind == YN_INT)
			assert_int_equal(v->v.i, c->i);
		if (c->kind == YN_BOOL)
			assert_int_equal(v->v.b, c->i);
		if (c->kind == YN_FLOAT)
			assert_true(v->v.f == c->f);
		ydoc_free(doc);
		free(doc_text);
	}
}

static void
test_nan_and_big_int(void **state)
{
	(void)state;
	struct yerror err;
	struct ydoc *doc =
		parse("a: .NaN\nb: 12345678901234567890\nc: -0x8000000000000000\n",
		      &err);
	assert_non_null(doc);
	struct ynode *r = ydoc_root(doc);
	assert_int_equal(ymap_get(r, "a")->kind, YN_FLOAT);
	assert_true(isnan(ymap_get(r, "a")->v.f));
	assert_int_equal(ymap_get(r, "b")->kind, YN_INT);
	assert_true(ymap_get(r, "b")->big);
	assert_string_equal(ymap_get(r, "b")->str, "12345678901234567890");
	assert_false(ymap_get(r, "c")->big);
	assert_true(ymap_get(r, "c")->v.i == INT64_MIN);
	ydoc_free(doc);
}

static void
test_positions(void **state)
{
	(void)state;
	struct yerror err;
	struct ydoc *doc = parse("job_name: x\nactions:\n  - boot:\n      "
				 "method: qemu\n",
				 &err);
	assert_non_null(doc);
	struct ynode *r = ydoc_root(doc);
	assert_int_equal(r->line, 1);
	struct ynode *actions = ymap_get(r, "actions");
	assert_int_equal(actions->kind, YN_SEQ);
	assert_int_equal(actions->line, 3);
	assert_int_equal(actions->col, 3);
	struct ynode *m = ymap_get(ymap_get(actions->items[0], "boot"),
				   "method");
	assert_int_equal(m->line, 4);
	assert_int_equal(m->col, 15);
	assert_int_equal(ymap_key(r, "actions")->line, 2);
	ydoc_free(doc);
}

static void
test_duplicate_keys_last_wins(void **state)
{
	(void)state;
	struct yerror err;
	struct ydoc *doc = parse("a: 1\nb: 0\na: 2\n", &err);
	struct ynode *r = ydoc_root(doc);
	assert_int_equal(r->n, 2);
	assert_string_equal(r->keys[0]->str, "a"); /* first position */
	assert_int_equal(ymap_get(r, "a")->v.i, 2); /* last value */
	ydoc_free(doc);

	/* Lists and maps equal only themselves (they are unhashable); an
	 * empty string equals an empty string. */
	doc = parse("a: [1]\nb: [1]\nc: ''\nd: \"\"\n", &err);
	r = ydoc_root(doc);
	assert_false(ynode_key_equal(ymap_get(r, "a"), ymap_get(r, "b")));
	assert_true(ynode_key_equal(ymap_get(r, "a"), ymap_get(r, "a")));
	assert_true(ynode_key_equal(ymap_get(r, "c"), ymap_get(r, "d")));
	ydoc_free(doc);

	/* Python: 1 == 1.0 == True, one key */
	doc = parse("1: a\n1.0: b\ntrue: c\n", &err);
	r = ydoc_root(doc);
	assert_int_equal(r->n, 1);
	assert_int_equal(r->keys[0]->kind, YN_INT);
	assert_string_equal(r->vals[0]->str, "c");
	ydoc_free(doc);
}

static void
test_large_map_duplicates(void **state)
{
	(void)state;
	/* Past the size where the builder switches to a hash index. */
	char text[20000];
	size_t len = 0;
	for (int round = 0; round < 2; round++)
		for (int i = 0; i < 500; i++)
			len += (size_t)snprintf(text + len, sizeof text - len,
						"k%d: %d\n", i, round);
	struct yerror err;
	struct ydoc *doc = ydoc_parse(text, len, &err);
	assert_non_null(doc);
	struct ynode *r = ydoc_root(doc);
	assert_int_equal(r->n, 500);
	assert_string_equal(r->keys[499]->str, "k499");
	assert_int_equal(ymap_get(r, "k250")->v.i, 1);
	ydoc_free(doc);
}

static void
test_anchors_aliases_merge(void **state)
{
	(void)state;
	struct yerror err;
	struct ydoc *doc =
		parse("x: &a {p: 1, q: 2}\ny: &b {q: 5, r: 6}\n"
		      "z: {<<: [*a, *b], r: 9}\n"
		      "w: *a\n"
		      "v: {<<: {a: 1}, a: 2, <<: {a: 3, b: 4}}\n"
		      "s: \"<<\"\n",
		      &err);
	if (doc == NULL)
		fail_msg("%s", err.msg);
	struct ynode *r = ydoc_root(doc);
	struct ynode *z = ymap_get(r, "z");
	/* PyYAML: {'q': 2, 'r': 9, 'p': 1} */
	assert_int_equal(z->n, 3);
	assert_string_equal(z->keys[0]->str, "q");
	assert_string_equal(z->keys[1]->str, "r");
	assert_string_equal(z->keys[2]->str, "p");
	assert_int_equal(ymap_get(z, "q")->v.i, 2);
	assert_int_equal(ymap_get(z, "r")->v.i, 9);
	assert_ptr_equal(ymap_get(r, "w"), ymap_get(r, "x"));
	struct ynode *v = ymap_get(r, "v");
	assert_int_equal(ymap_get(v, "a")->v.i, 2);
	assert_int_equal(ymap_get(v, "b")->v.i, 4);
	assert_true(ynode_is_str(ymap_get(r, "s"), "<<"));
	ydoc_free(doc);
}

struct error_case {
	const char *text;
	const char *msg; /* a part of the message */
	int line;
};

static const struct error_case errors[] = {
	{"a: &x 1\nb: &x 2\n", "found duplicate anchor 'x'", 2},
	{"a: *nope\n", "found undefined alias 'nope'", 1},
	{"a: !foo bar\n", "could not determine a constructor for the tag '!foo'",
	 1},
	{"--- 1\n--- 2\n", "expected a single document", 2},
	{"a: =\n", "tag:yaml.org,2002:value", 1},
	{"a: b: c\n", "mapping values are not allowed", 1},
	{"a: [1, 2\n", "", 2},
	{"<<: 3\n", "expected a mapping or list of mappings for merging", 1},
	{"? [1]\n: 2\n", "found unhashable key", 1},
	{"a: &x [*x]\n", "refers to a node that contains it", 1},
	{"a: \"\xff\"\n", "not valid UTF-8", 0},
	{"a: !!int abc\n", "invalid literal for int", 1},
};

static void
test_errors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof errors / sizeof errors[0]; i++) {
		struct yerror err;
		struct ydoc *doc = parse(errors[i].text, &err);
		if (doc != NULL)
			fail_msg("'%s' parsed", errors[i].text);
		if (strstr(err.msg, errors[i].msg) == NULL)
			fail_msg("'%s': message '%s', want '%s'",
				 errors[i].text, err.msg, errors[i].msg);
		assert_int_equal(err.line, errors[i].line);
	}
}

static void
test_empty_and_depth(void **state)
{
	(void)state;
	struct yerror err;
	struct ydoc *doc = parse("", &err);
	assert_non_null(doc);
	assert_null(ydoc_root(doc));
	ydoc_free(doc);
	doc = parse("# only a comment\n", &err);
	assert_non_null(doc);
	assert_null(ydoc_root(doc));
	ydoc_free(doc);

	size_t n = 100000;
	char *deep = malloc(2 * n + 1);
	memset(deep, '[', n);
	memset(deep + n, ']', n);
	deep[2 * n] = '\0';
	doc = parse(deep, &err);
	assert_null(doc);
	assert_non_null(strstr(err.msg, "nested more than"));
	free(deep);
}

static void
test_alias_expansion_bounded(void **state)
{
	(void)state;
	/* Each level refers to the one before ten times: 10^9 nodes. */
	char text[4096];
	size_t len = (size_t)snprintf(text, sizeof text, "a0: &a0 [x]\n");
	for (int i = 1; i <= 9; i++) {
		len += (size_t)snprintf(text + len, sizeof text - len,
					"a%d: &a%d [", i, i);
		for (int j = 0; j < 10; j++)
			len += (size_t)snprintf(text + len, sizeof text - len,
						"%s*a%d", j ? ", " : "", i - 1);
		len += (size_t)snprintf(text + len, sizeof text - len, "]\n");
	}
	struct yerror err;
	struct ydoc *doc = ydoc_parse(text, len, &err);
	assert_null(doc);
	assert_non_null(strstr(err.msg, "through aliases"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scalar_typing),
		cmocka_unit_test(test_nan_and_big_int),
		cmocka_unit_test(test_positions),
		cmocka_unit_test(test_duplicate_keys_last_wins),
		cmocka_unit_test(test_large_map_duplicates),
		cmocka_unit_test(test_anchors_aliases_merge),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_empty_and_depth),
		cmocka_unit_test(test_alias_expansion_bounded),
	};
	return cmocka_run_group_tests_name("yaml", tests, NULL, NULL);
}
