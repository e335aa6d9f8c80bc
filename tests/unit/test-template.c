/* test-template.c: the Jinja2 subset against what Jinja2 itself renders.
 * Every expected string in the table was produced by Python's Jinja2
 * (SandboxedEnvironment, trim_blocks=True, autoescape=False: LAVA's
 * settings) from the template beside it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "template.h"

struct render_case {
	const char *src;
	const char *want;
};

static const struct render_case cases[] = {
    /* longer than any fixed buffer (found by the fuzzer) */
    {"{{ "
     "0."
     "1000000000000000000000000000000000000000000000000000000000000000000000000"
     "0000000000000000000000000000000000000000000000000000000000000000000000000"
     "000001 }}",
     "0.1"},
    {"{{ 1 + 2 }}|{{ 'a' ~ 1 ~ none }}|{{ [1] + [2, 'x'] }}",
     "3|a1None|[1, 2, 'x']"},
    {"{{ 1.5 }} {{ 1e20 }} {{ 0.1 + 0.2 }} {{ 3.0 }} {{ 1e-5 }} {{ "
     "123456789012345678.0 }} {{ -2.5 }}",
     "1.5 1e+20 0.30000000000000004 3.0 1e-05 1.2345678901234568e+17 -2.5"},
    {"{{ \"it's\" }} {{ [\"it's\", 'say \"hi\"', 'both \\' \"', "
     "'a\\nb\\\\c\\t'] }}",
     "it's [\"it's\", 'say \"hi\"', 'both \\' \"', 'a\\nb\\\\c\\t']"},
    {"{{ {'a': [1, (2,)], 'b': {'c': None}, 1: True} }}",
     "{'a': [1, (2,)], 'b': {'c': None}, 1: True}"},
    {"{{ x }}|{{ x | default('d') }}|{{ none | default('d') }}|{{ '' | "
     "default('d', true) }}",
     "|d|None|d"},
    {"{{ 'k' in x }}|{{ 'b' in 'abc' }}|{{ 2 in [1, 2] }}|{{ 'a' in {'a': 1} "
     "}}|{{ 3 not in [1] }}",
     "False|True|True|True|True"},
    {"{{ x is defined }}{{ x is undefined }}{{ none is none }}{{ 'a' is string "
     "}}{{ 1 is string }}{{ x is iterable }}{{ 1 is iterable }}{{ true is "
     "sameas true }}{{ 1 is sameas true }}",
     "FalseTrueTrueTrueFalseTrueFalseTrueFalse"},
    {"{{ ['a', 'b'] | join(', ') }}|{{ [1, 2] | join }}|{{ 'abc' | join('-') "
     "}}|{{ {'x': 1, 'y': 2} | join(' ') }}",
     "a, b|12|a-b-c|x y"},
    {"{{ 'a.b.c' | replace('.', '::') }}|{{ 'aaa' | replace('a', 'b', 2) }}|{{ "
     "'ab' | replace('', '-') }}",
     "a::b::c|bba|-a-b-"},
    {"{{ 'a\nb\n\nc' | indent }}|{{ 'a\nb' | indent(2, true) }}|{{ 'a\n\nb\n' "
     "| indent(width=3, blank=true) }}|{{ 'x' | indent('> ', first=True) }}",
     "a\n    b\n\n    c|  a\n  b|a\n   \n   b\n   |> x"},
    {"{{ 7 | string + 'x' }}|{{ 'AbC' | lower }}{{ 'AbC' | upper }}|{{ '12' | "
     "int + 1 }}{{ '1.9' | int }}{{ 'zz' | int }}{{ 'zz' | int(5) }}{{ 2.7 | "
     "int }}{{ ' 4 ' | int }}{{ '1_000' | int }}",
     "7x|abcABC|13105241000"},
    {"{% if a %}A{% elif b %}B{% else %}C{% endif %}|{% if not a and not b or "
     "c %}D{% endif %}",
     "C|D"},
    {"{% set l = [3, 1] %}{% for i in l %}{{ loop.index }}:{{ i }}{% if not "
     "loop.last %},{% endif %}{% endfor %}",
     "1:3,2:1"},
    {"{% for k, v in {'a': 1, 'b': [2]}.items() %}{{ k }}={{ v }};{% endfor %}",
     "a=1;b=[2];"},
    {"{% for i in [] %}x{% else %}empty{% endfor %}|{% for i in [1, 2, 3] if i "
     "> 1 %}{{ i }}{% endfor %}",
     "empty|23"},
    {"{% for i in [1, 2] %}{% set x = (x | default(0)) + i %}{{ x }}{% endfor "
     "%}|{{ x }}",
     "12|"},
    {"a\n{% if true %}\nb\n{% endif %}\nc\n  {%- if true -%}\n  d\n  {% endif "
     "%}\n{# comment #}\ne\n{{- ' f ' -}}\n g\n",
     "a\nb\ncd\n  e f g"},
    {"{% filter indent(width=4) %}\nx: 1\ny: 2\n{% endfilter %}|{% filter "
     "upper %}abc{% endfilter %}",
     "x: 1\n    y: 2\n|ABC"},
    {"{% set s = (\n'line1\n line2'\n) -%}\n[{{ s }}]", "[line1\n line2]"},
    {"{{ {'a': 1}.get('a') }}{{ {'a': 1}.get('b') }}{{ {'a': 1}.get('b', 2) "
     "}}{{ {'a': {'b': 'c'}}['a']['b'] }}{{ {'a': {'b': 'c'}}.a.b }}{{ [1, "
     "2][1] }}{{ [1, 2][-1] }}",
     "1None2cc22"},
    {"{{ 1 == 1.0 }}{{ 1 == true }}{{ 'a' != 'b' }}{{ 2 < 3 }}{{ 'b' > 'a' "
     "}}{{ [1, 2] == [1, 2] }}{{ [1, 2] < [1, 3] }}",
     "TrueTrueTrueTrueTrueTrueTrue"},
    {"{{ 'a' 'b' }}|{{ 'x\\.y\\s' }}|{{ \"\\u00e9\\x41\" }}|{{ '\\101' }}",
     "ab|x\\.y\\s|\303\251A|A"},
    {"{{ 'yes' if 1 else 'no' }}|{{ 'yes' if 0 }}|{{ 'a' if x is defined else "
     "'b' }}",
     "yes||b"},
    {"{{ 10 // 3 }} {{ -7 // 2 }} {{ 7 % 3 }} {{ -7 % 3 }} {{ 7 / 2 }} {{ 2 * "
     "3 }} {{ 1 - 4 }} {{ -(1) }}",
     "3 -4 1 2 3.5 6 -3 -1"},
    {"{{ 'abc' | length }}{{ [1, 2] | count }}{{ 'abc' | first }}{{ [1, 2] | "
     "last }}{{ 'ab' | list }}{{ ' x ' | trim }}{{ 'ab' | capitalize }}",
     "32a2['a', 'b']xAb"},
    {"{{ 'a b' | shlex_quote }}|{{ 'ab' | shlex_quote }}|{{ '' | shlex_quote "
     "}}|{{ \"it's\" | shlex_quote }}",
     "'a b'|ab|''|'it'\"'\"'s'"},
    {"{{ 'amd64' | qemu_guest_fs_interface(none) }}|{{ 'arm64' | "
     "qemu_guest_fs_interface('') }}|{{ 'arm64' | "
     "qemu_guest_fs_interface('scsi') }}",
     "ide|virtio|scsi"},
    {"{{ 1 is number }}{{ 1.0 is float }}{{ {} is mapping }}{{ 4 is even }}{{ "
     "3 is odd }}{{ 6 is divisibleby 3 }}{{ 2 is in [1, 2] }}",
     "TrueTrueTrueTrueTrueTrueTrue"},
    {"{{ range(1, 7, 2) | join(',') }}", "1,3,5"},
    {"{% set d = {'b': 1, 'a': 2} %}{{ d }}{{ d.keys() | list }}{{ d.values() "
     "| list }}",
     "{'b': 1, 'a': 2}['b', 'a'][1, 2]"},
    {"{{ (1, 2) }}{{ () }}{{ ('a',) }}{{ [] }}{{ {} }}", "(1, 2)()('a',)[]{}"},
    {"{{ 'x' ~ 2 ~ 2.5 ~ true ~ [1] }}", "x22.5True[1]"},
    {"{{ 'abc'[1] }}{{ 'abc'.upper() }}{{ 'abc'.startswith('ab') }}",
     "bABCTrue"},
    {"{% set x %}a{{ 1 }}b{% endset %}[{{ x }}]{% set y | upper %}q{% endset "
     "%}{{ y }}",
     "[a1b]Q"},
    {"{{ '\\x01\\x7f' }}|{{ ['\\x01\\x7f\\r'] }}",
     "\001\177|['\\x01\\x7f\\r']"},
    {"{{ 1.0e16 }} {{ 1.5e16 }} {{ 9999999999999998.0 }} {{ 0.0001 }} {{ "
     "0.00001 }} {{ 100.0 }} {{ 1e100 }}",
     "1e+16 1.5e+16 9999999999999998.0 0.0001 1e-05 100.0 1e+100"},
};

/* Renders SRC as template "t"; returns the output or NULL with *ERR. */
static char *
render(struct tmpl_env *env, const char *src, struct tmpl_error *err)
{
	tmpl_env_add_string(env, "t", src, strlen(src));
	struct buf out;
	buf_init(&out);
	if (tmpl_render(env, "t", &out, err) < 0) {
		buf_free(&out);
		return NULL;
	}
	return buf_steal(&out);
}

static void
test_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct tmpl_env *env = tmpl_env_new();
		struct tmpl_error err;
		char *got = render(env, cases[i].src, &err);
		if (got == NULL)
			fail_msg("case %zu: %s:%d: %s", i, err.file, err.line,
			         err.msg);
		if (strcmp(got, cases[i].want) != 0)
			fail_msg("case %zu: %s\nwant [%s]\ngot  [%s]", i,
			         cases[i].src, cases[i].want, got);
		free(got);
		tmpl_env_free(env);
	}
}

/* Inheritance: child sets run first, parents see them, blocks resolve to
 * the most derived override, super() climbs one level. */
static void
test_inheritance(void **state)
{
	(void)state;
	struct tmpl_env *env = tmpl_env_new();
	const char *base = "{% set v = v | default('base') %}"
	                   "[{% block a %}A{% endblock %}]"
	                   "{% block b %}B{{ v }}{% endblock %}"
	                   "{{ self.a() }}";
	const char *mid = "{% extends 'base' %}{% set m = 'mid' %}"
	                  "{% block a %}a{{ super() }}{% endblock %}";
	const char *leaf = "{% extends 'mid' %}{% set v = 'leaf' %}"
	                   "ignored{% block b %}<{{ super() }}|{{ m }}>"
	                   "{% set local = 1 %}{% endblock %}{{ local }}";
	tmpl_env_add_string(env, "base", base, strlen(base));
	tmpl_env_add_string(env, "mid", mid, strlen(mid));
	struct tmpl_error err;
	char *got = render(env, leaf, &err);
	assert_non_null(got);
	assert_string_equal(got, "[aA]<Bleaf|mid>aA");
	free(got);
	tmpl_env_free(env);
}

/* Variables given to the environment are globals that a set shadows. */
static void
test_globals(void **state)
{
	(void)state;
	struct tmpl_env *env = tmpl_env_new();
	struct tval *l = tval_new_list(env);
	tval_list_append(env, l, tval_new_int(env, 1));
	tval_list_append(env, l, tval_new_str(env, "x", 1));
	tmpl_env_set_var(env, "l", l);
	tmpl_env_set_var(env, "s", tval_new_str(env, "ctx", 3));
	struct tmpl_error err;
	char *got =
	    render(env, "{{ l }}{{ s }}{% set s = 'set' %}{{ s }}", &err);
	assert_non_null(got);
	assert_string_equal(got, "[1, 'x']ctxset");
	free(got);
	tmpl_env_free(env);
}

struct error_case {
	const char *src;
	int line;
	const char *msg; /* a part of the message */
};

static const struct error_case errors[] = {
    {"a\n{% frob %}", 2, "unknown tag 'frob'"},
    {"{% if x %}\n", 1, "unclosed 'if' block"},
    {"{% for x in y %}{% endif %}", 1, "unexpected 'endif'"},
    {"\n{{ x | nosuch }}", 2, "no filter named 'nosuch'"},
    {"{{ x is nosuch }}", 1, "no test named 'nosuch'"},
    {"{{ x.y }}", 1, "'x' is undefined"},
    {"{{ 1 + 'a' }}", 1, "unsupported operand type(s) for +"},
    {"{{ x + 1 }}", 1, "'x' is undefined"},
    {"{{ 1 < 'a' }}", 1, "'<' not supported"},
    {"{{ 'a' in 1 }}", 1, "not iterable"},
    {"{{ 1 in 'a' }}", 1, "requires string as left operand"},
    {"{% for x in 1 %}{% endfor %}", 1, "'int' object is not iterable"},
    {"{{ 1 // 0 }}", 1, "division by zero"},
    {"{{ 'a' | replace('a') }}", 1, "missing required argument 'new'"},
    {"{{ 'a' | indent(foo=1) }}", 1, "unexpected keyword argument 'foo'"},
    {"{% extends 'nope' %}", 1, "template 'nope' not found"},
    {"{% include 't' %}", 1, "recursive include"},
    {"{% block a %}{{ self.a() }}{% endblock %}", 1, "blocks nested"},
    {"{{ super() }}", 1, "super() used outside a block"},
    {"{% block a %}{{ super() }}{% endblock %}", 1, "no parent block"},
    {"{% block a %}{% endblock %}{% block a %}{% endblock %}", 1,
     "defined twice"},
    {"{{ 'abc }}", 1, "unterminated string"},
    {"{{ (((1 }}", 1, "unexpected '}', expected ')'"},
    {"{{ 9223372036854775807 + 1 }}", 1, "integer overflow"},
    {"{{ {[1]: 2} }}", 1, "unhashable type: 'list'"},
    {"{{ 1 ) }}", 1, "unexpected ')'"},
    {"{% set %}", 1, "unexpected end of statement block"},
    {"{{ 123456789012345678901234567890 }}", 1, "integer too large"},
};

static void
test_errors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof errors / sizeof errors[0]; i++) {
		struct tmpl_env *env = tmpl_env_new();
		struct tmpl_error err;
		char *got = render(env, errors[i].src, &err);
		if (got != NULL)
			fail_msg("case %zu: %s: no error, output [%s]", i,
			         errors[i].src, got);
		if (err.line != errors[i].line ||
		    strstr(err.msg, errors[i].msg) == NULL)
			fail_msg("case %zu: %s: got line %d: %s", i,
			         errors[i].src, err.line, err.msg);
		assert_string_equal(err.file, "t");
		tmpl_env_free(env);
	}
}

/* Limits end a runaway template with an error instead of a hang. */
static void
test_limits(void **state)
{
	(void)state;
	struct tmpl_env *env = tmpl_env_new();
	struct tmpl_limits lim;
	tmpl_env_get_limits(env, &lim);
	lim.max_output = 4096;
	lim.max_steps = 10000;
	lim.max_depth = 20;
	tmpl_env_set_limits(env, &lim);
	struct tmpl_error err;
	char *got = render(env,
	                   "{% set s = 'xxxxxxxxxxxxxxxx' %}{% for a in "
	                   "range(100) %}{% for b in range(100) %}{{ s }}"
	                   "{% endfor %}{% endfor %}",
	                   &err);
	assert_null(got);
	assert_non_null(strstr(err.msg, "output larger than 4096 bytes"));
	tmpl_env_free(env);

	env = tmpl_env_new();
	tmpl_env_set_limits(env, &lim);
	got = render(env,
	             "{% for a in range(1000) %}{% for b in range(1000) %}"
	             "{% endfor %}{% endfor %}",
	             &err);
	assert_null(got);
	assert_non_null(strstr(err.msg, "more than 10000 steps"));
	tmpl_env_free(env);

	env = tmpl_env_new();
	tmpl_env_set_limits(env, &lim);
	char deep[210];
	memset(deep, '(', 100);
	deep[100] = '1';
	memset(deep + 101, ')', 100);
	deep[201] = '\0';
	char src[300];
	snprintf(src, sizeof src, "{{ %s }}", deep);
	got = render(env, src, &err);
	assert_null(got);
	if (strstr(err.msg, "nested too deeply") == NULL)
		fail_msg("%s", err.msg);
	tmpl_env_free(env);
}

/* Long chains and elif ladders end in an error, not a stack overflow. */
static void
test_chains(void **state)
{
	(void)state;
	static const char *const pieces[][3] = {
		{"{{ x", " or x", " }}"},
		{"{{ x", "|lower", " }}"},
		{"{{ x", ".a", " }}"},
		{"{{ 1", " + 1", " }}"},
		{"{% if x %}", "{% elif x %}", "{% endif %}"},
	};
	for (size_t i = 0; i < sizeof pieces / sizeof pieces[0]; i++) {
		struct buf src;
		buf_init(&src);
		buf_adds(&src, pieces[i][0]);
		for (int k = 0; k < 100000; k++)
			buf_adds(&src, pieces[i][1]);
		buf_adds(&src, pieces[i][2]);
		struct tmpl_env *env = tmpl_env_new();
		struct tmpl_error err;
		char *got = render(env, src.data, &err);
		assert_null(got);
		if (strstr(err.msg, "nested too deeply") == NULL)
			fail_msg("case %zu: %s", i, err.msg);
		tmpl_env_free(env);
		buf_free(&src);
	}
}

int
main(void)
{
	const struct CMUnitTest template_tests[] = {
	    cmocka_unit_test(test_table),   cmocka_unit_test(test_inheritance),
	    cmocka_unit_test(test_globals), cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_limits),
	    cmocka_unit_test(test_chains),
	};
	return cmocka_run_group_tests(template_tests, NULL, NULL);
}
