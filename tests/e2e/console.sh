#!/bin/sh
# tether console: a terminal on a device connection, logged.
dev="$TOP/tests/e2e/console/shell.device.yaml"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
result() { # ok? description
	n=$((n + 1))
	if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi
}

out=$(printf 'echo hi-$((6*7))\n' | timeout 20 "$TETHER" console --log-dir "$tmp" "$dev" 2>"$tmp/err")
rc=$?
[ $rc = 0 ] && [ "$out" = "hi-42" ]
result $? "what is typed reaches the device, its answer the terminal (exit $rc, '$out')"
[ "$(cat "$tmp/uart0.log")" = "hi-42" ] && [ -s "$tmp/uart0.times" ]
result $? "the session is logged byte for byte, with arrival times"

out=$(timeout 20 "$TETHER" console --log-dir "$tmp" --connection uart1 "$dev" </dev/null 2>&1)
rc=$?
[ $rc = 1 ] && printf '%s\n' "$out" | grep -q "^tether: InfrastructureError: Connection closed: connection 'uart1' (echo going; exit 4) dropped: the command exited with status 4$"
result $? "a connection that drops ends the session with an InfrastructureError (exit $rc)"
printf '%s\n' "$out" | grep -q '^going'
result $? "what the command printed before it died is shown"

out=$(timeout 20 "$TETHER" console --connection uart9 "$dev" </dev/null 2>&1)
rc=$?
[ $rc = 1 ] && printf '%s\n' "$out" | grep -q "connection 'uart9' has no connect command"
result $? "an unknown connection is an error naming it (exit $rc)"

timeout 20 "$TETHER" console "$tmp/nope.yaml" </dev/null >/dev/null 2>&1
result $([ $? = 2 ] && echo 0 || echo 1) "a missing device file is a usage error"
