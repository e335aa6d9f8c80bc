#!/bin/sh
# overlay-run.sh: an overlay built by src/overlay.c (through
# build/tests/test-overlay build ...) unpacked as transfer_overlay does
# (tar -C / -xzf) and its lava-test-runner run under dash and under
# busybox sh (only busybox's applets on PATH): the LAVA signals it prints
# for inline definitions with params, install steps, lava-test-case
# steps, and an install that fails.
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
B=${B:-build}
BUILD="$TOP/$B/tests/test-overlay"
n=0
tmp=$(mktemp -d /tmp/overlay-run.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
tmp_mode=$(stat -c %a /tmp)

ok() { n=$((n + 1)); echo "ok $n - $1"; }
nok() { n=$((n + 1)); echo "not ok $n - $1"; }
check() { # WHAT EXPECTED-FILE GOT-FILE
	if cmp -s "$2" "$3"; then
		ok "$1"
	else
		nok "$1"
		diff -u "$2" "$3" | sed 's/^/# /'
	fi
}

if [ ! -x "$BUILD" ]; then
	nok "no $BUILD (make check builds it)"
	exit 1
fi

cat >"$tmp/job.yaml" <<'EOF'
actions:
- deploy: {to: overlay}
- test:
    definitions:
    - from: inline
      name: smoke
      path: inline/smoke.yaml
      parameters: {WHO: job}
      repository:
        metadata: {format: Lava-Test Test Definition 1.0, name: smoke}
        params: {WHO: def, N: 2}
        install:
          steps: [touch installed]
        run:
          steps:
          - lava-test-case always-pass --shell true
          - lava-test-case always-fail --shell false
          - lava-test-case who-$WHO --result pass
          - lava-test-case n-$N --result skip
          - lava-test-set start s1
          - lava-test-case measured --result pass --measurement 42.5 --units ms
          - lava-test-set stop
          - echo "done with smoke"
    - from: inline
      name: broken
      path: broken.yaml
      repository:
        metadata: {format: Lava-Test Test Definition 1.0, name: broken}
        install: {steps: ['false']}
        run: {steps: [lava-test-case never --result pass]}
EOF

cat >"$tmp/want" <<'EOF'
<LAVA_SIGNAL_STARTRUN 0_smoke 1_1.4.1>
<LAVA_SIGNAL_STARTTC always-pass>
<LAVA_SIGNAL_ENDTC always-pass>
<LAVA_SIGNAL_TESTCASE TEST_CASE_ID=always-pass RESULT=pass>
<LAVA_SIGNAL_STARTTC always-fail>
<LAVA_SIGNAL_ENDTC always-fail>
<LAVA_SIGNAL_TESTCASE TEST_CASE_ID=always-fail RESULT=fail>
<LAVA_SIGNAL_TESTCASE TEST_CASE_ID=who-job RESULT=pass>
<LAVA_SIGNAL_TESTCASE TEST_CASE_ID=n-2 RESULT=skip>
<LAVA_SIGNAL_TESTSET START s1>
<LAVA_SIGNAL_TESTCASE TEST_CASE_ID=measured RESULT=pass UNITS=ms MEASUREMENT=42.5>
<LAVA_SIGNAL_TESTSET STOP>
<LAVA_SIGNAL_ENDRUN 0_smoke 1_1.4.1>
<LAVA_TEST_RUNNER INSTALL_FAIL>
<LAVA_TEST_RUNNER EXIT>
EOF

# busybox sh with only busybox's applets on PATH.
bb=$(command -v busybox)
if [ -n "$bb" ]; then
	mkdir -p "$tmp/bb"
	for a in $("$bb" --list); do ln -s "$bb" "$tmp/bb/$a"; done
fi

for shell in dash busybox; do
	if [ "$shell" = dash ]; then
		sh_path=$(command -v dash)
		path="$PATH"
	else
		sh_path="$tmp/bb/sh"
		path="$tmp/bb"
	fi
	if [ ! -x "$sh_path" ]; then
		n=$((n + 1))
		echo "ok $n - $shell: the overlay runs # SKIP no $shell (scripts/deps.sh)"
		continue
	fi
	w="$tmp/$shell"
	R="$w/lava-1" # the results dir, as the device sees it
	mkdir -p "$w"
	if "$BUILD" build "$tmp/job.yaml" "$R" "$sh_path" "$w/overlay.tgz" \
		2>"$w/build.err"; then
		ok "$shell: overlay built"
	else
		nok "$shell: overlay built"
		sed 's/^/# /' "$w/build.err"
		continue
	fi
	tar -C / -xzf "$w/overlay.tgz"
	# No entries for the directories above the results dir.
	[ "$(stat -c %a /tmp)" = "$tmp_mode" ] &&
		ok "$shell: unpacking at / leaves /tmp alone" ||
		nok "$shell: unpacking at / leaves /tmp alone"
	if [ -x "$R/bin/lava-test-runner" ] &&
		[ "$(head -n 1 "$R/bin/lava-test-case")" = "#!$sh_path" ]; then
		ok "$shell: helpers unpacked with #!$sh_path"
	else
		nok "$shell: helpers unpacked with #!$sh_path"
	fi
	(
		cd "$w" && PATH="$path" SHELL="$sh_path" \
			"$R/bin/lava-test-runner" "$R/0" >"$w/out" 2>"$w/err"
	)
	rc=$?
	[ $rc -eq 0 ] && ok "$shell: runner exits 0" ||
		nok "$shell: runner exits 0 (got $rc)"
	grep '<LAVA_' "$w/out" >"$w/signals"
	check "$shell: the signals of the runner" "$tmp/want" "$w/signals"
	grep -qx 'done with smoke' "$w/out" && ok "$shell: plain steps run" ||
		nok "$shell: plain steps run"
	[ -e "$R/0/tests/0_smoke/installed" ] &&
		ok "$shell: install.sh ran in the test's directory" ||
		nok "$shell: install.sh ran in the test's directory"
	m=$(cat "$R"/0/results/0_smoke-*/results/measured/measurement 2>/dev/null)
	[ "$m" = 42.5 ] && ok "$shell: results stored on the device" ||
		nok "$shell: results stored on the device (got '$m')"
	[ ! -e "$R/0/lava-test-runner.conf" ] &&
		ok "$shell: the runner's list renamed" ||
		nok "$shell: the runner's list renamed"
done
[ $n -gt 0 ] || nok "no shell to run the overlay"
