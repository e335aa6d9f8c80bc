#!/bin/sh
# tether validate on hand-written jobs, one rule each (tests/e2e/validate/).
# A case is a job whose leading comments say how to run it:
#   # args: --strict --device board.device.yaml    (optional)
#   # exit: 1
# and whose trailing comments are the whole expected standard output:
#   # out: case.yaml:12:9: JobError: actions[0].boot.timeout: message
# (trailing, so that they do not move the lines the errors point at).
dir="$TOP/tests/e2e/validate"
cd "$dir" || exit 1
n=0
for job in *.yaml; do
	case $job in *.device.yaml) continue ;; esac
	args=$(sed -n 's/^# args: //p' "$job" | sed "s|\$SHARED|$SHARED|g")
	want_rc=$(sed -n 's/^# exit: //p' "$job")
	want=$(sed -n 's/^# out: //p' "$job")
	# shellcheck disable=SC2086
	got=$("$TETHER" validate $args "$job" 2>&1)
	rc=$?
	n=$((n + 1))
	if [ "$rc" = "$want_rc" ] && [ "$got" = "$want" ]; then
		echo "ok $n - $job"
	else
		echo "not ok $n - $job"
		echo "# exit $rc, want $want_rc"
		echo "$got" | sed 's/^/# got:  /'
		echo "$want" | sed 's/^/# want: /'
	fi
done
