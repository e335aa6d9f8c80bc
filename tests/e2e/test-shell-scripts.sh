#!/bin/sh
# test-shell-scripts.sh: the device-side helpers (share/lava-test-shell/)
# run under dash, and under busybox sh with nothing but busybox's applets
# on PATH, in a directory laid out like the overlay (lava-1/bin, a stage
# with lava-test-runner.conf and tests/<idx>_<name>/run.sh as the
# dispatcher writes it).  What they print is checked byte for byte, then
# read by the C signal parser (build/tests/test-signal --dump), whole and
# in small reads: the scripts and the parser must agree.
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
B=${B:-build}
SCRIPTS="$TOP/share/lava-test-shell"
PARSER="$TOP/$B/tests/test-signal"
n=0
failed=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ok() { n=$((n + 1)); echo "ok $n - $1"; }
nok() {
	n=$((n + 1))
	failed=1
	echo "not ok $n - $1"
}
# check WHAT EXPECTED-FILE GOT-FILE
check() {
	if cmp -s "$2" "$3"; then
		ok "$1"
	else
		nok "$1"
		diff -u "$2" "$3" | sed 's/^/# /'
	fi
}

if [ ! -x "$PARSER" ]; then
	nok "no $PARSER (make check builds it)"
	exit 1
fi

# A test definition directory as the dispatcher writes it: run.sh with the
# STARTRUN/ENDRUN markers (to the kernel log with lava-signal: kmsg).
make_test() { # dir idx_name uuid kmsg steps...
	d=$1 name=$2 uuid=$3 kmsg=$4
	shift 4
	mkdir -p "$d"
	echo "$uuid" >"$d/uuid"
	if [ "$kmsg" = kmsg ]; then
		start="echo \"<0><LAVA_SIGNAL_STARTRUN \$TESTRUN_ID \$UUID>\" >>\"\$TETHER_KMSG\""
		end="echo \"<0><LAVA_SIGNAL_ENDRUN \$TESTRUN_ID \$UUID>\" >>\"\$TETHER_KMSG\""
	else
		start="echo \"<LAVA_SIGNAL_STARTRUN \$TESTRUN_ID \$UUID>\""
		end="echo \"<LAVA_SIGNAL_ENDRUN \$TESTRUN_ID \$UUID>\""
	fi
	{
		[ "$kmsg" = kmsg ] && echo "# USE_KMSG"
		echo "set -e"
		echo "set -x"
		echo "export TESTRUN_ID=$name"
		echo "cd $d"
		echo 'UUID=`cat uuid`'
		echo "set +x"
		echo "$start"
		echo "set -x"
		for step in "$@"; do echo "$step"; done
		echo "set +x"
		echo "$end"
	} >"$d/run.sh"
}

# Lays out an overlay in $1 for shell $2 (the helpers' #! line).
make_overlay() {
	o=$1
	mkdir -p "$o/bin" "$o/0/tests"
	for f in "$SCRIPTS"/lava-*; do
		# As the overlay builder does: the job's shell on the first line.
		{
			echo "#!$2"
			sed '1{/^#!/d;}' "$f"
		} >"$o/bin/${f##*/}"
		chmod 755 "$o/bin/${f##*/}"
	done
	t="$o/0/tests"
	printf 'line one\nline <two>\n' >"$o/output.txt"
	make_test "$t/0_smoke" 0_smoke 1_1.1 plain \
		'lava-test-case pass-case --result pass' \
		'lava-test-case meas --result pass --measurement 1.5 --units s' \
		"lava-test-case shell-echo --shell 'echo \"in shell\"'" \
		'lava-test-case shell-args --shell test 1 -eq 1' \
		'lava-test-case shell-fail --shell false' \
		"lava-test-case out --result fail --output $o/output.txt" \
		'lava-test-set start s1' \
		'lava-test-case in-set --result skip' \
		'lava-test-set stop' \
		'lava-test-reference ref --result pass --reference "http://example.com/r?a=1"' \
		'lava-test-feedback --namespace other' \
		'lava-test-event "hello world"' \
		'echo "noise <b>"'
	make_test "$t/1_kmsg" 1_kmsg 1_1.2 kmsg \
		'lava-test-case k1 --result pass' \
		'lava-test-set start k'
	make_test "$t/2_raise" 2_raise 1_1.3 plain \
		'lava-test-raise disk is full' \
		'echo never'
	make_test "$t/3_install-fails" 3_install-fails 1_1.4 plain \
		'echo never'
	echo 'exit 3' >"$t/3_install-fails/install.sh"
	for d in 0_smoke 1_kmsg 2_raise 3_install-fails; do
		echo "$t/$d"
	done >"$o/0/lava-test-runner.conf"
}

cat >"$tmp/want.out" <<'EOF'
<LAVA_SIGNAL_STARTRUN 0_smoke 1_1.1>
<LAVA_SIGNAL_TESTCASE TEST_CASE_ID=pass-case RESULT=pass>
<LAVA_SIGNAL_TESTCASE TEST_CASE_ID=meas RESULT=pass UNITS=s MEASUREMENT=1.5>
<LAVA_SIGNAL_STARTTC shell-echo>
in shell
<LAVA_SIGNAL_ENDTC shell-echo>
<LAVA_SIGNAL_TESTCASE TEST_CASE_ID=shell-echo RESULT=pass>
<LAVA_SIGNAL_STARTTC shell-args>
<LAVA_SIGNAL_ENDTC shell-args>
<LAVA_SIGNAL_TESTCASE TEST_CASE_ID=shell-args RESULT=pass>
<LAVA_SIGNAL_STARTTC shell-fail>
<LAVA_SIGNAL_ENDTC shell-fail>
<LAVA_SIGNAL_TESTCASE TEST_CASE_ID=shell-fail RESULT=fail>
<LAVA_SIGNAL_STARTTC out>
line one
line <two>
<LAVA_SIGNAL_ENDTC out>
<LAVA_SIGNAL_TESTCASE TEST_CASE_ID=out RESULT=fail>
<LAVA_SIGNAL_TESTSET START s1>
<LAVA_SIGNAL_TESTCASE TEST_CASE_ID=in-set RESULT=skip>
<LAVA_SIGNAL_TESTSET STOP>
<LAVA_SIGNAL_TESTREFERENCE ref pass http://example.com/r?a=1>
<LAVA_SIGNAL_TESTFEEDBACK other>
<LAVA_SIGNAL_TESTEVENT hello world>
noise <b>
<LAVA_SIGNAL_ENDRUN 0_smoke 1_1.1>
<LAVA_SIGNAL_STARTRUN 2_raise 1_1.3>
<LAVA_SIGNAL_TESTRAISE disk is full>
<LAVA_TEST_RUNNER INSTALL_FAIL>
<LAVA_TEST_RUNNER EXIT>
EOF
cat >"$tmp/want.kmsg" <<'EOF'
<0><LAVA_SIGNAL_STARTRUN 1_kmsg 1_1.2>
<0><LAVA_SIGNAL_TESTCASE TEST_CASE_ID=k1 RESULT=pass>
<0><LAVA_SIGNAL_TESTSET START k>
<0><LAVA_SIGNAL_ENDRUN 1_kmsg 1_1.2>
EOF
cat >"$tmp/want.events" <<'EOF'
STARTRUN id=0_smoke uuid=1_1.1
TESTCASE id=pass-case result=pass
TESTCASE id=meas result=pass measurement=1.5 value=1.5 units=s
STARTTC id=shell-echo
ENDTC id=shell-echo
TESTCASE id=shell-echo result=pass
STARTTC id=shell-args
ENDTC id=shell-args
TESTCASE id=shell-args result=pass
STARTTC id=shell-fail
ENDTC id=shell-fail
TESTCASE id=shell-fail result=fail
STARTTC id=out
ENDTC id=out
TESTCASE id=out result=fail
TESTSET_START id=s1
TESTCASE id=in-set result=skip
TESTSET_STOP
TESTREFERENCE id=ref result=pass reference=http://example.com/r?a=1
TESTFEEDBACK id=other
TESTEVENT message=hello world
ENDRUN id=0_smoke uuid=1_1.1
STARTRUN id=2_raise uuid=1_1.3
TESTRAISE message=disk is full
RUNNER_INSTALL_FAIL
RUNNER_EXIT
EOF
cat >"$tmp/want.kevents" <<'EOF'
STARTRUN id=1_kmsg uuid=1_1.2
TESTCASE id=k1 result=pass
TESTSET_START id=k
ENDRUN id=1_kmsg uuid=1_1.2
EOF

# busybox sh with only busybox's applets on PATH.
bb=$(command -v busybox)
if [ -n "$bb" ]; then
	mkdir -p "$tmp/bb"
	for a in $("$bb" --list); do ln -s "$bb" "$tmp/bb/$a"; done
fi

for shell in dash busybox; do
	w="$tmp/$shell"
	if [ "$shell" = dash ]; then
		sh_path=$(command -v dash)
		path="$PATH"
	else
		sh_path="$tmp/bb/sh"
		path="$tmp/bb"
	fi
	if [ ! -x "$sh_path" ]; then
		nok "$shell: not installed"
		continue
	fi
	o="$w/lava-1"
	make_overlay "$o" "$sh_path"
	(
		cd "$w" && PATH="$path" SHELL="$sh_path" TETHER_KMSG="$w/kmsg" \
			"$o/bin/lava-test-runner" "$o/0" >"$w/out" 2>"$w/err"
	)
	echo "$?" >"$w/rc"
	check "$shell: runner output, byte for byte" "$tmp/want.out" "$w/out"
	check "$shell: kmsg records, byte for byte" "$tmp/want.kmsg" "$w/kmsg"
	for chunk in 0 1 7; do
		"$PARSER" --dump $chunk <"$w/out" >"$w/events.$chunk"
		check "$shell: parser reads the output (reads of $chunk)" \
			"$tmp/want.events" "$w/events.$chunk"
	done
	# With set -x traces and the shell's stderr on the same console.
	cat "$w/out" "$w/err" | "$PARSER" --dump 3 >"$w/events.err"
	check "$shell: traces on the console change nothing" \
		"$tmp/want.events" "$w/events.err"
	# kmsg records as the console prints them, a kernel message cutting
	# into a signal of the plain output.
	sed -e 's/^<0>\(.*\)$/[   12.345678] \1\r/' "$w/kmsg" >"$w/console"
	sed -e 's/TEST_CASE_ID=meas/TEST_CA[   13.000001] mmc0: timeout\r\nSE_ID=meas/' \
		"$w/out" >>"$w/console"
	"$PARSER" --dump 5 <"$w/console" | sed 's/ recovered=k$//' >"$w/events.console"
	cat "$tmp/want.kevents" "$tmp/want.events" >"$w/want.console"
	check "$shell: kmsg and a kernel message mid-signal" \
		"$w/want.console" "$w/events.console"

	r=$(ls -d "$o/0/results/0_smoke-"* 2>/dev/null | head -n 1)
	if [ -n "$r" ] && [ "$(cat "$r/results/meas/result" "$r/results/meas/measurement" "$r/results/meas/units")" = "pass
1.5
s" ] && [ "$(cat "$r/results/shell-fail/result")" = fail ] &&
		[ "$(cat "$r/return_code")" = 0 ]; then
		ok "$shell: results kept on the device"
	else
		nok "$shell: results kept on the device"
	fi
	r=$(ls -d "$o/0/results/3_install-fails-"* 2>/dev/null | head -n 1)
	r2=$(ls -d "$o/0/results/2_raise-"* 2>/dev/null | head -n 1)
	if [ -n "$r" ] && [ "$(cat "$r/install_return_code")" = 3 ] &&
		[ ! -e "$r/return_code" ] && [ "$(cat "$r2/return_code")" = 1 ]; then
		ok "$shell: install failure and raise recorded"
	else
		nok "$shell: install failure and raise recorded"
	fi
	if [ ! -e "$o/0/lava-test-runner.conf" ] &&
		ls "$o/0/lava-test-runner.conf-"* >/dev/null 2>&1; then
		ok "$shell: runner list renamed, not run twice"
	else
		nok "$shell: runner list renamed, not run twice"
	fi
	# A second run finds no list: an error, and still the EXIT marker.
	(cd "$w" && PATH="$path" "$o/bin/lava-test-runner" "$o/0" >"$w/out2" 2>"$w/err2")
	rc=$?
	if [ $rc -ne 0 ] && [ "$(cat "$w/out2")" = "<LAVA_TEST_RUNNER EXIT>" ] &&
		grep -q 'no .*lava-test-runner.conf' "$w/err2"; then
		ok "$shell: no runner list: error and EXIT"
	else
		nok "$shell: no runner list: error and EXIT (rc $rc)"
	fi

	# SIGTERM: the test in hand finishes, EXIT is printed once.
	mkdir -p "$w/term/0/tests/0_s"
	ln -s "$o/bin" "$w/term/bin"
	printf ": >'%s'\nsleep 1\necho after\n" "$w/term/started" >"$w/term/0/tests/0_s/run.sh"
	echo "$w/term/0/tests/0_s" >"$w/term/0/lava-test-runner.conf"
	PATH="$path" SHELL="$sh_path" "$w/term/bin/lava-test-runner" "$w/term/0" \
		>"$w/term/out" 2>&1 &
	pid=$!
	# SIGTERM once the test is running
	i=0
	while [ ! -e "$w/term/started" ] && [ $i -lt 200 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	kill -TERM $pid
	wait $pid
	rc=$?
	printf 'after\n<LAVA_TEST_RUNNER EXIT>\n' >"$w/term/want"
	if [ $rc -eq 143 ]; then
		check "$shell: SIGTERM: EXIT once, exit status 143" "$w/term/want" "$w/term/out"
	else
		nok "$shell: SIGTERM: exit status $rc"
	fi

	# Usage errors: exit 1, nothing on standard output.
	bad=""
	for args in "lava-test-case" "lava-test-case x" "lava-test-case x --result" \
		"lava-test-case x --units s" "lava-test-case x --bogus 1" \
		"lava-test-case x --shell" "lava-test-set" "lava-test-set start" \
		"lava-test-set begin x" "lava-test-reference x --result pass" \
		"lava-test-reference" "lava-test-raise" "lava-test-feedback" \
		"lava-test-feedback --name x" "lava-test-event" "lava-test-event a b" \
		"lava-background-process-start x" "lava-background-process-stop" \
		"lava-test-shell"; do
		# shellcheck disable=SC2086
		out=$(cd "$w" && PATH="$o/bin:$path" $args 2>/dev/null)
		rc=$?
		if [ $rc -ne 1 ] || [ -n "$out" ]; then
			bad="$bad [$args: rc $rc, '$out']"
		fi
	done
	if [ -z "$bad" ]; then
		ok "$shell: usage errors exit 1 and print no signal"
	else
		nok "$shell: usage errors:$bad"
	fi

	# Helpers on their own: no result dir needed; CHARACTER_DELAY.
	out=$(cd "$w" && PATH="$o/bin:$path" CHARACTER_DELAY=0.01 \
		lava-test-case solo --result unknown --measurement -2e3)
	if [ "$out" = "<LAVA_SIGNAL_TESTCASE TEST_CASE_ID=solo RESULT=unknown MEASUREMENT=-2e3>" ]; then
		ok "$shell: lava-test-case outside a run, with CHARACTER_DELAY"
	else
		nok "$shell: lava-test-case outside a run: '$out'"
	fi
	# kmsg that cannot be written: the signal still reaches the console.
	out=$(cd "$w" && PATH="$o/bin:$path" KMSG=true TETHER_KMSG=/nonexistent/kmsg \
		lava-test-event fallback)
	if [ "$out" = "<LAVA_SIGNAL_TESTEVENT fallback>" ]; then
		ok "$shell: kmsg not writable, console instead"
	else
		nok "$shell: kmsg not writable: '$out'"
	fi
	out=$(PATH="$o/bin:$path" TARGET_DEVICE_IP=10.0.0.2 lava-target-ip)
	out="$out $(PATH="$o/bin:$path" LAVA_STORAGE='\n\tUMS\t/dev/a\n\tSATA\t/dev/b\n\tUMS\t/dev/c\n' lava-target-storage UMS | tr '\n' ,)"
	PATH="$o/bin:$path" LAVA_STORAGE='\n\tUMS\t/dev/a\n' lava-target-storage NVME
	out="$out $?"
	if [ "$out" = "10.0.0.2 /dev/a,/dev/c, 1" ]; then
		ok "$shell: lava-target-ip, lava-target-storage"
	else
		nok "$shell: lava-target-ip, lava-target-storage: '$out'"
	fi

	# A background process runs again and again until stopped.
	(
		cd "$w" && export PATH="$o/bin:$path" LAVA_RESULT_DIR="$w/bg" &&
			lava-background-process-start ticker --cmd echo tick ">>$w/ticks" || exit
		# stopped once it has run twice
		i=0
		while [ "$(cat "$w/ticks" 2>/dev/null | wc -l)" -lt 2 ] && [ $i -lt 200 ]; do
			sleep 0.05
			i=$((i + 1))
		done
		lava-background-process-stop ticker
	)
	a=$(wc -l <"$w/ticks" 2>/dev/null)
	sleep 1.3
	b=$(wc -l <"$w/ticks" 2>/dev/null)
	if [ "${a:-0}" -ge 2 ] && [ "$a" = "$b" ] && [ ! -e "$w/bg/results/ticker/pid" ]; then
		ok "$shell: background process started, repeated, stopped"
	else
		nok "$shell: background process: ${a:-0} ticks, then $b"
	fi
done
exit $failed
