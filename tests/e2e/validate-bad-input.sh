#!/bin/sh
# tether validate on inputs that are not jobs at all: each gives one clear
# line and exit 1 (bad document) or 2 (cannot read), never a crash.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0

check() { # name, want_rc, want (a grep -E pattern for the output), file...
	name=$1 want_rc=$2 pattern=$3
	shift 3
	out=$("$TETHER" validate "$@" 2>&1)
	rc=$?
	n=$((n + 1))
	lines=$(printf '%s\n' "$out" | wc -l)
	if [ "$rc" = "$want_rc" ] && [ "$lines" -eq 1 ] &&
		printf '%s\n' "$out" | grep -Eq "$pattern"; then
		echo "ok $n - $name"
	else
		echo "not ok $n - $name (exit $rc, want $want_rc)"
		printf '%s\n' "$out" | head -5 | sed 's/^/# /'
	fi
}

: >"$tmp/empty.yaml"
check "empty file" 1 "^$tmp/empty.yaml: JobError: the file holds no job definition$" "$tmp/empty.yaml"

printf 'job_name: [unclosed\ntimeouts: {job: {minutes: 1}}\n' >"$tmp/broken.yaml"
check "not YAML" 1 "^$tmp/broken.yaml:2:9: JobError: invalid YAML: did not find expected .,. or .]. while parsing a flow sequence$" "$tmp/broken.yaml"

printf -- '- job_name: a\n- job_name: b\n' >"$tmp/list.yaml"
check "a list, not a map" 1 "^$tmp/list.yaml:1:1: JobError: a job definition is a mapping, not a list$" "$tmp/list.yaml"

printf 'job_name: "caf\351"\n' >"$tmp/latin1.yaml"
check "invalid UTF-8" 1 "^$tmp/latin1.yaml: JobError: invalid YAML: .*not valid UTF-8" "$tmp/latin1.yaml"

python3 -c 'import sys; sys.stdout.write("[" * 100000 + "]" * 100000)' >"$tmp/deep.yaml"
check "100,000 nested sequences" 1 "^$tmp/deep.yaml:1:1001: JobError: invalid YAML: document nested more than 1000 levels deep$" "$tmp/deep.yaml"

check "missing file" 2 "^$tmp/nope.yaml: cannot read: No such file or directory$" "$tmp/nope.yaml"
check "a directory" 2 "^$tmp: cannot read: Is a directory$" "$tmp"

# 20 MB: a valid job whose metadata holds 400,000 entries.
{
	printf 'job_name: big\ndevice_type: qemu\nvisibility: public\n'
	printf 'timeouts:\n  job: {minutes: 5}\nactions: []\nmetadata:\n'
	awk 'BEGIN { for (i = 0; i < 400000; i++) printf "  key%07d: value-%036d\n", i, i }'
} >"$tmp/big.yaml"
size=$(wc -c <"$tmp/big.yaml")
check "20 MB job ($size bytes)" 0 "^$tmp/big.yaml: ok$" "$tmp/big.yaml"
# The same with an error at its end is found and placed.
printf 'priority: 101\n' >>"$tmp/big.yaml"
check "20 MB job with an error on its last line" 1 "^$tmp/big.yaml:400008:11: JobError: priority: expected one of: 'high', 'medium', 'low', a number from 0 to 100$" "$tmp/big.yaml"

for args in "" "--bogus x.yaml" "--device"; do
	# shellcheck disable=SC2086
	out=$("$TETHER" validate $args 2>&1)
	rc=$?
	n=$((n + 1))
	if [ $rc = 2 ] && printf '%s\n' "$out" | grep -q '^usage: tether validate'; then
		echo "ok $n - usage error: 'validate $args'"
	else
		echo "not ok $n - usage error: 'validate $args' exit $rc"
	fi
done
