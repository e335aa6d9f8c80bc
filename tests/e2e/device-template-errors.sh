#!/bin/sh
# Bad templates: "FILE:LINE: error: MESSAGE" on stderr, exit status 1,
# nothing on stdout, and never a crash.
D="$TOP/tests/e2e/data/templates"
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
n=0

# check NAME EXPECTED-STDERR-LINE [extra render arguments...]
check() {
	name=$1
	want=$2
	shift 2
	n=$((n + 1))
	"$TETHER" device render "$@" "$D/$name.jinja2" >"$W/out" 2>"$W/err"
	rc=$?
	if [ $rc -eq 1 ] && [ ! -s "$W/out" ] &&
		[ "$(cat "$W/err")" = "$want" ]; then
		echo "ok $n - $name: $(sed 's/.*error: //' "$W/err")"
	else
		echo "not ok $n - $name (status $rc)"
		echo "# want: $want"
		sed 's/^/# got:  /' "$W/err"
	fi
}

check unknown-tag "$D/unknown-tag.jinja2:2: error: unknown tag 'frobnicate'"
check unclosed-block "$D/unclosed-block.jinja2:4: error: unclosed 'for' block: end of template while looking for 'else' or 'endfor'"
check unclosed-comment "$D/unclosed-comment.jinja2:1: error: unclosed comment"
check missing-parent "$D/missing-parent.jinja2:1: error: template 'no-such-parent.jinja2' not found in search path $W:$D" -t "$W"
check unknown-filter "$D/unknown-filter.jinja2:2: error: no filter named 'frobnicate'"
check loop-a "$D/loop-b.jinja2:1: error: recursive extends: $D/loop-a.jinja2 -> loop-b.jinja2 -> loop-a.jinja2"
check include-self "$D/include-self.jinja2:2: error: recursive include: $D/include-self.jinja2 -> include-self.jinja2"
check block-self "$D/block-self.jinja2:3: error: blocks nested more than 100 deep (recursion through self.body()?)"
check bad-expression "$D/bad-expression.jinja2:1: error: unexpected end of print statement"

# A missing dictionary is an error too, not a crash.
n=$((n + 1))
"$TETHER" device render "$W/none.jinja2" >"$W/out" 2>"$W/err"
rc=$?
if [ $rc -eq 1 ] && grep -qF "$W/none.jinja2: error: No such file or directory" "$W/err"; then
	echo "ok $n - missing dictionary"
else
	echo "not ok $n - missing dictionary (status $rc)"
fi

# The good templates of the same folder: inheritance, super(), lists.
n=$((n + 1))
"$TETHER" device render "$D/child.jinja2" >"$W/out" 2>"$W/err"
printf "hostname: bbb\nbody: base\nextra: ['bbb', 1, None, True]\n" >"$W/want"
if cmp -s "$W/out" "$W/want"; then
	echo "ok $n - child extends plain, super(), repr of a list"
else
	echo "not ok $n - child extends plain"
	diff "$W/out" "$W/want" | sed 's/^/# /'
fi

# -D and --context values are template variables; a set shadows them.
n=$((n + 1))
printf 'context:\n  name: ctxboard\n  extra: [1, two]\n' >"$W/job.yaml"
printf '{%% extends "plain.jinja2" %%}\n{%% block body %%}\nextra: {{ extra }}\nport: {{ port }}\n{%% endblock %%}\n' >"$W/ctx.jinja2"
"$TETHER" device render -t "$D" --context "$W/job.yaml" -D port=22 "$W/ctx.jinja2" >"$W/out" 2>"$W/err"
printf "hostname: ctxboard\nextra: [1, 'two']\nport: 22\n" >"$W/want"
if cmp -s "$W/out" "$W/want"; then
	echo "ok $n - --context and -D variables"
else
	echo "not ok $n - --context and -D variables"
	cat "$W/err" | sed 's/^/# /'
	diff "$W/out" "$W/want" | sed 's/^/# /'
fi
echo "1..$n"
