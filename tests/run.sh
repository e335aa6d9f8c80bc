#!/bin/sh
# Runs every unit test binary given as argument and every tests/e2e/*.sh,
# all speaking TAP ("ok N - what" / "not ok N - what"), and closes with one
# "N passed, N failed" line.  Exit status 1 if anything failed.
B=${B:-build}
TOP=$(cd "$(dirname "$0")/.." && pwd)
export TOP
export TETHER="$TOP/$B/tether"
export TETHER_SIM="$TOP/$B/tether-sim"
export SHARED="${SHARED:-$TOP/../shared}"
export CMOCKA_MESSAGE_OUTPUT=TAP
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
for t in "$@" "$TOP"/tests/e2e/*.sh; do
	[ -e "$t" ] || continue
	echo "# $(basename "$t")"
	if [ "${t%.sh}" != "$t" ]; then
		sh "$t" >"$log" 2>&1
	else
		"$t" >"$log" 2>&1
	fi
	rc=$?
	cat "$log"
	if [ $rc -ne 0 ] && ! grep -q '^not ok' "$log"; then
		# A crash or a failed harness counts as a failure of its own.
		echo "not ok - $(basename "$t") exited with status $rc"
		echo "not ok - $(basename "$t") exited with status $rc" >>"$log.all"
	fi
	grep -E '^(not )?ok' "$log" >>"$log.all"
	[ $rc -ne 0 ] && status=1
done
pass=$(grep -c '^ok' "$log.all" 2>/dev/null)
fail=$(grep -c '^not ok' "$log.all" 2>/dev/null)
rm -f "$log.all"
echo "${pass:-0} passed, ${fail:-0} failed"
[ "${fail:-0}" -eq 0 ] || status=1
exit $status
