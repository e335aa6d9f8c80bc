#!/bin/sh
# tether device check: every corpus device loads (rendered YAML and
# dictionary alike) except the two LAVA itself cannot use, and each device
# rule reports its class, key path and message at the right place.
C="$SHARED/corpus/lava"
D="$TOP/tests/e2e/data/devices"
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
n=0

# Both mps2plus dictionaries say in their comments that they cannot work.
expected_error() {
	case $1 in
	mps2plus-02) echo "123:14: ConfigurationError: commands.connect: Unable to connect to shell - missing connections block (this device type sets must_use_connection)" ;;
	mps2plus-03) echo "128:15: ConfigurationError: commands.connections.uart0.tags[1]: unknown tag 'minicom' (known: primary, secondary, telnet, ssh, shell)" ;;
	esac
}

for f in "$C"/rendered/*.yaml; do
	name=$(basename "$f" .yaml)
	n=$((n + 1))
	"$TETHER" device check "$f" >"$W/out" 2>&1
	rc=$?
	want=$(expected_error "$name")
	if [ -n "$want" ]; then
		want="$f:$want"
		[ $rc -eq 1 ] && [ "$(cat "$W/out")" = "$want" ]
	else
		[ $rc -eq 0 ] && [ "$(cat "$W/out")" = "$f: ok" ]
	fi
	if [ $? -eq 0 ]; then
		echo "ok $n - check rendered $name${want:+ (expected error)}"
	else
		echo "not ok $n - check rendered $name (status $rc)"
		sed 's/^/# /' "$W/out"
	fi
done

# Dictionaries: rendered, then checked; rendered lines for the errors.
for f in "$C"/devices/*.jinja2; do
	name=$(basename "$f" .jinja2)
	n=$((n + 1))
	"$TETHER" device check -t "$C/device-types" "$f" >"$W/out" 2>&1
	rc=$?
	want=$(expected_error "$name")
	if [ -n "$want" ]; then
		[ $rc -eq 1 ] && [ "$(cat "$W/out")" = "$f (rendered):$want" ]
	else
		[ $rc -eq 0 ] && [ "$(cat "$W/out")" = "$f: ok" ]
	fi
	if [ $? -eq 0 ]; then
		echo "ok $n - check dictionary $name${want:+ (expected error)}"
	else
		echo "not ok $n - check dictionary $name (status $rc)"
		sed 's/^/# /' "$W/out"
	fi
done

# rule NAME STATUS EXPECTED-OUTPUT: one device of our own per rule.
rule() {
	name=$1
	status=$2
	want=$3
	n=$((n + 1))
	"$TETHER" device check -t "$C/device-types" "$D/$name" >"$W/out" 2>&1
	rc=$?
	if [ $rc -eq "$status" ] && [ "$(cat "$W/out")" = "$want" ]; then
		echo "ok $n - rule $name"
	else
		echo "not ok $n - rule $name (status $rc)"
		printf '%s\n' "$want" | sed 's/^/# want: /'
		sed 's/^/# got:  /' "$W/out"
	fi
}

rule good.yaml 0 "$D/good.yaml: ok"
rule no-primary.yaml 1 "$D/no-primary.yaml:10:9: ConfigurationError: commands.connections: no connection is tagged primary (Unable to identify primary connection command)"
rule two-primaries.yaml 1 "$D/two-primaries.yaml:18:13: ConfigurationError: commands.connections.uart1.tags: connections 'uart0' and 'uart1' are both tagged primary; exactly one may be"
rule unknown-tag.yaml 1 "$D/unknown-tag.yaml:14:15: ConfigurationError: commands.connections.uart0.tags[1]: unknown tag 'minicom' (known: primary, secondary, telnet, ssh, shell)"
rule mixed.yaml 1 "$D/mixed.yaml:11:9: ConfigurationError: commands.connections: commands.connect and commands.connections may not be mixed (LAVA would silently use connect)"
rule mixed-dict.jinja2 1 "$D/mixed-dict.jinja2:3:1: ConfigurationError: connection_list: connection_command (line 2) and connection_list (line 3) may not be mixed in a device dictionary; LAVA would silently use connection_command"
rule list-dict.jinja2 1 "$D/list-dict.jinja2 (rendered):134:13: ConfigurationError: commands.connections.uart1.tags: connections 'uart0' and 'uart1' are both tagged primary; exactly one may be"
rule broken.yaml 1 "$D/broken.yaml:4:13: ConfigurationError: character_delays.boot: expected int (milliseconds), got str
$D/broken.yaml:19:17: ConfigurationError: commands.hard_reset: expected a string or a list of strings, got dict
$D/broken.yaml:28:5: ConfigurationError: actions.boot.connections: required key not provided
$D/broken.yaml:33:7: ConfigurationError: timeouts.actions.auto-login-action: a timeout has exactly one of days, hours, minutes or seconds
$D/broken.yaml:37:16: ConfigurationError: timeouts.connections.lava-test-shell.seconds: expected an integer of at least 1, got 0"

# Not YAML, not a mapping, no file.
printf 'a: [1\n' >"$W/bad.yaml"
n=$((n + 1))
"$TETHER" device check "$W/bad.yaml" >"$W/out" 2>&1
rc=$?
if [ $rc -eq 1 ] && grep -q "^$W/bad.yaml:[0-9]*:[0-9]*: ConfigurationError: " "$W/out"; then
	echo "ok $n - YAML syntax error"
else
	echo "not ok $n - YAML syntax error (status $rc)"
	sed 's/^/# /' "$W/out"
fi
printf -- '- a\n' >"$W/list.yaml"
rule_out=$("$TETHER" device check "$W/list.yaml" 2>&1)
rc=$?
n=$((n + 1))
if [ $rc -eq 1 ] && [ "$rule_out" = "$W/list.yaml:1:1: ConfigurationError: a device configuration is a mapping, not list" ]; then
	echo "ok $n - not a mapping"
else
	echo "not ok $n - not a mapping (status $rc): $rule_out"
fi
n=$((n + 1))
"$TETHER" device check "$W/none.yaml" >"$W/out" 2>&1
if [ $? -eq 2 ]; then echo "ok $n - missing file: status 2"; else echo "not ok $n - missing file"; fi
n=$((n + 1))
T="$TOP/tests/e2e/data/templates"
out=$("$TETHER" device check "$T/unknown-tag.jinja2" 2>&1)
rc=$?
if [ $rc -eq 1 ] && [ "$out" = "$T/unknown-tag.jinja2:2: error: unknown tag 'frobnicate'" ]; then
	echo "ok $n - a dictionary that does not render"
else
	echo "not ok $n - a dictionary that does not render (status $rc): $out"
fi
n=$((n + 1))
"$TETHER" device check "$W/none.jinja2" >"$W/out" 2>&1
if [ $? -eq 2 ]; then echo "ok $n - missing dictionary: status 2"; else echo "not ok $n - missing dictionary"; fi
echo "1..$n"
