#!/bin/sh
# kernel-messages.sh: every console capture of LAVA's corpus
# (kernel-messages/: warnings, oopses, BUGs, KASAN, KFENCE, panics, a
# login error) replayed by a board before its login prompt, through a
# whole job: deploy, boot with auto_login, a test.  What LAVA does with
# each is in data/kmsg/expected.tsv: the job's outcome (a panic fails the
# boot as LAVA's JobError, a login error is LAVA's "Login incorrect",
# anything else passes) and the kinds the kernel-messages result lists.
# Then messages of our own: one whose end never comes (the connection
# timeout ends the wait, LAVA's JobError, no record), a panic whose end
# never comes, a reset (U-Boot SPL), one longer than the 1 MiB kept.
# Under ASan (make check SANITIZE=1) this is also the memory check of the
# boot's kernel-message path.
NAME=kernel-messages
. "$(cd "$(dirname "$0")" && pwd)/data/run/lib.sh"
DATA="$TOP/tests/e2e/data/kmsg"
BOARD="$DATA/board.sh"
CAPS="$SHARED/corpus/lava/kernel-messages"
[ -d "$CAPS" ] || { echo "not ok 1 - no corpus at $CAPS"; exit 1; }

# job CASE CAPTURE [quiet]: the job of CASE on a board replaying CAPTURE.
job() {
	H=${TAG}$(echo "$1" | tr -cd 'a-z0-9')
	CONNECT="sh $BOARD $2 $H${3:+ $3}" device "$W/$1.dev" "$H"
	{
		header "$1"
		boot "$H"
		echo "- test:"
		echo "    definitions:"
		inline smoke 'lava-test-case shell-works --shell true'
	} >"$W/$1.job"
	run "$1" "$W/$1.dev" "$W/$1.job"
}

# kinds WHAT CASE KINDS [MAXLEN]: one TAP line from kinds.py.
kinds() {
	tap "$1" python3 "$DATA/kinds.py" "$W/$2" "$3" $4
}

grep -v '^#' "$DATA/expected.tsv" >"$W/expected"
for cap in "$CAPS"/*.txt; do
	c=$(basename "$cap" .txt)
	want=$(awk -F '\t' -v c="$c" '$1 == c { print $2 "\t" $3 }' "$W/expected")
	if [ -z "$want" ]; then
		n=$((n + 1))
		echo "not ok $n - $c: not in expected.tsv"
		failed=1
		continue
	fi
	outcome=$(echo "$want" | cut -f1)
	k=$(echo "$want" | cut -f2)
	job "$c" "$cap"
	case $outcome in
	panic)
		check "$c: the panic fails the boot (JobError naming it)" "$c" \
			'rc|1' 'job|fail|Job|Kernel panic - not syncing' \
			'row|lava|kernel-messages|fail' 'norow|0_smoke|shell-works' ;;
	login)
		check "$c: the login error fails the login (JobError Login incorrect)" "$c" \
			'rc|1' 'job|fail|Job|^Login incorrect$' 'norow|0_smoke|shell-works' ;;
	*)
		if [ "$k" = - ]; then
			check "$c: no kernel message recorded, the job passes" "$c" \
				'rc|0' 'job|pass' 'row|lava|kernel-messages|pass' \
				'nolog|^Kernel warnings or errors detected' \
				'key|lava|login-action|extra|No kernel warnings' \
				'row|0_smoke|shell-works|pass'
		else
			check "$c: kernel messages recorded, the job passes" "$c" \
				'rc|0' 'job|pass' 'row|lava|kernel-messages|pass' \
				'log|^Kernel warnings or errors detected\.$' \
				"key|lava|login-action|extra|'kind'" \
				'row|0_smoke|shell-works|pass'
		fi ;;
	esac
	kinds "$c: the kinds LAVA records ($k)" "$c" "$k"
	tap "$c: no board left" no_boards "$H"
done

# Messages whose end never comes: the wait for it ends at the connection
# timeout with LAVA's JobError (a panic's names the panic), and nothing
# is recorded (LAVA raises before its record).
TIMEOUTS="{job: {seconds: 60}, action: {seconds: 30}, connection: {seconds: 3}}"
printf '[    1.000000] ------------[ cut here ]------------\n[    1.000001] WARNING: CPU: 0 PID: 1 at init.c:1\n[    1.000002] Modules linked in:\n' >"$W/unended.txt"
printf '[    2.000000] Kernel panic - not syncing: VFS: Unable to mount root fs\n[    2.000001] CPU: 0 PID: 1 Comm: swapper\n' >"$W/unended-panic.txt"
for c in unended unended-panic; do
	t0=$(date +%s)
	job "$c" "$W/$c.txt" quiet
	t1=$(date +%s)
	if [ "$c" = unended ]; then
		err='^wait for prompt timed out'
	else
		err='^Kernel panic - not syncing$'
	fi
	check "$c: the end never comes: JobError at the connection timeout" "$c" \
		'rc|1' "job|fail|Job|$err" 'norow|lava|kernel-messages' \
		'norow|0_smoke|shell-works'
	tap "$c: ended by the connection timeout (3 s), took $((t1 - t0)) s" \
		test $((t1 - t0)) -lt 15
	tap "$c: no board left" no_boards "$H"
done
TIMEOUTS=

# A reset during boot (U-Boot SPL): fatal, LAVA's DUT_has_reset.
printf '[    3.000000] reboot: Restarting system\n\nU-Boot SPL 2023.04 (Apr 01 2023 - 00:00:00 +0000)\nTrying to boot from MMC1\n' >"$W/reset.txt"
job reset "$W/reset.txt"
check "reset: U-Boot SPL fails the boot (JobError naming it)" reset \
	'rc|1' 'job|fail|Job|^U-Boot SPL 2023\.04 \(Apr 01 2023' \
	'row|lava|kernel-messages|fail' 'norow|0_smoke|shell-works'
kinds "reset: the kind LAVA records (DUT_has_reset)" reset DUT_has_reset
tap "reset: no board left" no_boards "$H"

# A message longer than the 1 MiB kept: recorded cut there, its kind
# still told by a word that came after.
python3 - "$W/long.txt" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write("[    4.000000] ------------[ cut here ]------------\n")
    for i in range(20000):
        f.write("[    4.%06d] x0: %s\n" % (i, "0123456789abcdef" * 4))
    f.write("[    5.000000] WARNING: CPU: 1 PID: 1 at late.c:1\n")
    f.write("[    5.000001] ---[ end trace 0000000000000000 ]---\n")
PY
job long "$W/long.txt"
check "long: a message past 1 MiB is recorded, the job passes" long \
	'rc|0' 'job|pass' 'row|lava|kernel-messages|pass' \
	'row|0_smoke|shell-works|pass'
kinds "long: kept to 1 MiB, its kind from the words after" long warning 1048576
tap "long: no board left" no_boards "$H"
exit $failed
