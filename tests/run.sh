#!/bin/sh
# Runs every unit test binary given as argument and every tests/e2e/*.sh,
# all speaking TAP ("ok N - what", "not ok N - what", and for a test that
# could not run "ok N - what # SKIP why"; cmocka writes "not ok N # SKIP
# name"), and closes with one "N passed, N failed, N skipped" line.
# In CI (CI=true), where scripts/deps.sh installed what every test needs,
# a skip is a failure, shown as "not ok N - what # not skipped in CI: why",
# unless it says "not installable by scripts/deps.sh" (lava-run:
# tests/e2e/data/tap.sh's skip_not_installable).  Exit status 1 if
# anything failed.
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
trap 'rm -f "$log" "$log.all"' EXIT
: >"$log.all"
status=0

# tally <LOG: prints LOG with, in CI, its skips turned into failures, and
# appends one letter per TAP line to $log.all: P passed, F failed, S
# skipped.  Exit status 1 when a line failed.
tally() {
	awk -v ci="${CI:-}" -v all="$log.all" '
	/^(not )?ok/ {
		if (match($0, /#[ \t]*[Ss][Kk][Ii][Pp]/)) {
			if (ci != "true" || $0 ~ /# SKIP not installable by scripts\/deps\.sh:/) {
				print "S" >>all
				print
				next
			}
			why = substr($0, RSTART + RLENGTH)
			sub(/^[ \t:]*/, "", why)
			line = substr($0, 1, RSTART - 1)
			sub(/^(not )?ok/, "not ok", line)
			$0 = line "# not skipped in CI: " why
		}
		if ($0 ~ /^not ok/) {
			print "F" >>all
			bad = 1
		} else {
			print "P" >>all
		}
	}
	{ print }
	END { exit bad }'
}

for t in "$@" "$TOP"/tests/e2e/*.sh; do
	[ -e "$t" ] || continue
	echo "# $(basename "$t")"
	if [ "${t%.sh}" != "$t" ]; then
		sh "$t" >"$log" 2>&1
	else
		"$t" >"$log" 2>&1
	fi
	rc=$?
	if ! tally <"$log"; then
		status=1
	elif [ $rc -ne 0 ]; then
		# A crash or a failed harness counts as a failure of its own.
		echo "not ok - $(basename "$t") exited with status $rc"
		echo F >>"$log.all"
	fi
	[ $rc -ne 0 ] && status=1
done
pass=$(grep -c P "$log.all")
fail=$(grep -c F "$log.all")
skip=$(grep -c S "$log.all")
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ] || status=1
exit $status
