#!/bin/sh
# ssh-run.sh: SSH as the primary remote connection, against a real
# OpenSSH server on loopback, and disposable schroot sessions, against a
# real schroot of type directory (data/ssh/lib.sh starts and removes
# both): deploy to: ssh, boot method: ssh and a test shell (results, the
# overlay gone from the device afterwards, checked over ssh); the same
# inside a chroot's session (the test ran there, what it wrote went with
# the session, the session is ended); the faults: sshd not listening yet
# (the boot retries), a key the server does not take, sshd killed in the
# middle of the test, a chroot schroot does not know; the device rules
# of a primary remote device; and no log or output file holds the
# private key, its path or a secret.
NAME=ssh-run
. "$(cd "$(dirname "$0")" && pwd)/data/ssh/lib.sh"

tap "sshd on 127.0.0.1:$PORT takes the test's key" sshd_start
RES() { printf "$RESULTS" "$JOBID"; }

# ---- deploy to ssh, boot ssh, a test shell ---------------------------------
device "$W/dev.yaml"
job "$W/basic.yaml" "" \
	'lava-test-case always-pass --shell true' \
	'lava-test-case always-fail --shell false' \
	'lava-test-case over-ssh --shell test -n "$SSH_CONNECTION"' \
	'lava-test-case secret-there --shell grep -q TETHER_SECRET= ../../../secrets' \
	'lava-test-case measured --result pass --measurement 4.5 --units s'
cp "$W/basic.yaml" "$W/basic-cmd.yaml"
printf '%s\n' '- command:' '    name: show-secret' >>"$W/basic-cmd.yaml"
run basic "$W/dev.yaml" "$W/basic-cmd.yaml"
tap "basic: job passes, exit 0" test "$(cat "$W/basic.rc")" = 0
tap "basic: the test cases' results" expect_results basic \
	'0_smoke|always-pass|pass' '0_smoke|always-fail|fail' '0_smoke|over-ssh|pass' \
	'0_smoke|secret-there|pass' '0_smoke|measured|pass' 'lava|job|pass' \
	'lava|scp-deploy|pass' 'lava|0_smoke|pass'
tap "basic: LAVA's actions and levels" sh -c "
	grep -q 'start: 1 scp-overlay' '$W/basic/log.yaml' &&
	grep -q 'start: 1.1 lava-overlay' '$W/basic/log.yaml' &&
	grep -q 'start: 1.2 prepare-scp-overlay' '$W/basic/log.yaml' &&
	grep -q 'start: 2 login-ssh' '$W/basic/log.yaml' &&
	grep -q 'start: 2.1 scp-deploy' '$W/basic/log.yaml' &&
	grep -q 'start: 2.7 scp-overlay-unpack' '$W/basic/log.yaml' &&
	grep -q '\"uuid\": \"${JOBID}_1.1.4.1\"' '$W/basic/results.yaml'"
tap "basic: ssh with keep-alive and a connect timeout, the device's options first" \
	logged basic "Connecting to device root@127.0.0.1 using 'ssh -o Compression=yes -o PasswordAuthentication=no -o LogLevel=FATAL .*-o ServerAliveInterval=5 -o ServerAliveCountMax=3 -o ConnectTimeout=10 .*-p $PORT'"
tap "basic: closed by its ssh tag" logged basic 'Disconnecting from ssh: Finalise'
tap "basic: a secret in the job log is written [MASKED]" sh -c "
	grep -q '\"msg\": \"Calling: .echo the secret is \[MASKED\]' '$W/basic/log.yaml' &&
	grep -q '\"lvl\": \"debug\", \"msg\": \"the secret is \[MASKED\]\"' '$W/basic/log.yaml'"
tap "basic: the overlay directory is gone from the device (over ssh)" \
	on_device test ! -e "$(RES)"
tap "basic: nothing else left in /tmp by the job" \
	sh -c "! ls -d /tmp/tether-$NAME-$$-lava-* 2>/dev/null"

# ---- the boot retries while sshd is not listening yet ----------------------
sshd_stop
run_late() {
	run_bg late "$W/dev.yaml" "$W/basic.yaml"
	# sshd once the boot was refused twice
	wait_for 30 grep -qF 'trying again in 1 s (attempt 2)' "$W/late/log.yaml" 2>/dev/null
	sshd_start
	wait $RUN_PID
}
run_late
tap "sshd late: the job passes" test "$(cat "$W/late.rc")" = 0
tap "sshd late: the boot tried again while the host refused" \
	logged late 'refused the connection, trying again in 1 s \(attempt 2\)'
tap "sshd late: the cases ran" expect_results late '0_smoke|always-pass|pass' 'lava|job|pass'

# ---- a key the server does not take -----------------------------------------
device "$W/wrong.yaml" "$K/wrong_ed25519"
run wrongkey "$W/wrong.yaml" "$W/basic.yaml"
tap "wrong key: InfrastructureError with ssh's reason" \
	job_error wrongkey Infrastructure 'ssh to root@127.0.0.1 port [0-9]+ failed: Permission denied'
tap "wrong key: exit status 1, no test run" sh -c "
	test \"\$(cat '$W/wrongkey.rc')\" = 1 && ! grep -q 'start: 3 lava-test-retry' '$W/wrongkey/log.yaml'"

# ---- sshd killed in the middle of the test ----------------------------------
job "$W/long.yaml" "" 'lava-test-case before --shell true' 'sleep 60' \
	'lava-test-case after --shell true'
run_kill() {
	run_bg killed "$W/dev.yaml" "$W/long.yaml"
	wait_for 10 grep -q 'before' "$W/killed/ssh.log" 2>/dev/null
	t0=$(date +%s.%N)
	sshd_stop
	wait $RUN_PID
	d=$(since_exception killed "$t0")
	python3 -c "import sys; sys.exit(0 if 0 <= float('${d:-99}') < 1 else 1)" ||
		echo "the error came ${d:-never} s after the kill" >"$W/killed.slow"
}
run_kill
tap "sshd killed: InfrastructureError, the connection dropped" \
	job_error killed Infrastructure "Connection closed: connection 'ssh'"
tap "sshd killed: noticed at once (the error within 1 s of the kill)" \
	sh -c "test ! -e '$W/killed.slow' || { cat '$W/killed.slow'; false; }"
tap "sshd killed: the case before it passed, the one after it never ran" sh -c "
	test \"\$(cat '$W/killed.rc')\" = 1 &&
	grep -q 'before' '$W/killed/results.yaml' && ! grep -q '\"after\"' '$W/killed/results.yaml'"
tap "sshd killed: the cleanup could not reach the device: a warning, not an error" \
	logged killed '"lvl": "warning", "msg": "Unable to clean the device'
rm -rf "$(RES)"
tap "sshd back" sshd_start

# ---- a cancel in the middle of the test ------------------------------------
run_cancel() {
	run_bg canceled "$W/dev.yaml" "$W/long.yaml"
	wait_for 10 grep -q 'before' "$W/canceled/ssh.log" 2>/dev/null
	kill -TERM "$(ps -o pid= --ppid "$RUN_PID" | tr -d ' ')"
	wait $RUN_PID
}
run_cancel
tap "canceled: the job says Canceled" job_error canceled Canceled 'The job was canceled'
tap "canceled: the overlay removed all the same" on_device test ! -e "$(RES)"

# ---- a peer that stops answering: keep-alive ---------------------------------
# The device's own options win (OpenSSH keeps the first): 1 s, 2 tries.
device "$W/hung.yaml" "" "['-o', 'LogLevel=FATAL', '-o', 'ServerAliveInterval=1', '-o', 'ServerAliveCountMax=2']"
run_hung() {
	run_bg hung "$W/hung.yaml" "$W/long.yaml"
	wait_for 10 grep -q 'before' "$W/hung/ssh.log" 2>/dev/null
	stopped=$(session_sshds)
	t0=$(date +%s.%N)
	# shellcheck disable=SC2086
	kill -STOP $stopped
	wait $RUN_PID
	# shellcheck disable=SC2086
	kill -KILL $stopped
	kill -CONT $stopped 2>/dev/null
	HUNG_AFTER=$(since_exception hung "$t0")
}
run_hung
tap "hung peer: InfrastructureError, the connection dropped" \
	job_error hung Infrastructure "Connection closed: connection 'ssh'"
tap "hung peer: seen by keep-alive within 5 s ($HUNG_AFTER s)" \
	python3 -c "import sys; sys.exit(0 if 1 < float('${HUNG_AFTER:-99}') < 5 else 1)"
tap "hung peer: keep-alive from the device's options, ours not added" sh -c "
	grep -q 'ServerAliveInterval=1 -o ServerAliveCountMax=2 -o UserKnownHostsFile' '$W/hung/log.yaml' &&
	! grep -q 'ServerAliveInterval=5' '$W/hung/log.yaml'"
tap "hung peer: the overlay removed all the same (a fresh ssh)" on_device test ! -e "$(RES)"

# ---- inside a schroot session -----------------------------------------------
if command -v schroot >/dev/null && [ -x /bin/busybox ] &&
	/bin/busybox --help 2>&1 | head -1 | grep -q BusyBox; then
	schroot_setup "tether-ssh-$$"
	device "$W/dev.yaml"
	MARK=/tmp/tether-written-$$
	job "$W/chroot.yaml" "$SCHROOT_NAME" \
		'lava-test-case in-chroot --shell grep -q tether-ssh /etc/tether-chroot' \
		"echo written > $MARK" \
		"lava-test-case wrote --shell test -f $MARK" \
		'lava-test-case always-fail --shell false'
	run chroot "$W/dev.yaml" "$W/chroot.yaml"
	tap "chroot: job passes" test "$(cat "$W/chroot.rc")" = 0
	tap "chroot: the test ran inside the chroot" expect_results chroot \
		'0_smoke|in-chroot|pass' '0_smoke|wrote|pass' '0_smoke|always-fail|fail' 'lava|job|pass'
	tap "chroot: a fresh session begun, entered, ended" sh -c "
		grep -q \"Beginning a session of schroot '$SCHROOT_NAME'\" '$W/chroot/log.yaml' &&
		grep -q 'start: 2.8 schroot-login' '$W/chroot/log.yaml' &&
		grep -q 'ending schroot session' '$W/chroot/log.yaml'"
	tap "chroot: what the test wrote is neither on the host nor in the chroot's tree" \
		sh -c "test ! -e $MARK && test ! -e '$W/chroot$MARK'"
	tap "chroot: no session left" test -z "$(schroot_sessions)"
	tap "chroot: the overlay is gone from the host" on_device test ! -e "$(RES)"

	job "$W/nochroot.yaml" tether-no-such-chroot 'lava-test-case x --shell true'
	run nochroot "$W/dev.yaml" "$W/nochroot.yaml"
	tap "unknown chroot: InfrastructureError with schroot's message" \
		job_error nochroot Infrastructure "Unable to begin a session of schroot 'tether-no-such-chroot': .*Chroot not found"
	tap "unknown chroot: no session left, no overlay left" sh -c "
		test -z \"\$(schroot --list --all-sessions 2>/dev/null | grep tether-$JOBBASE)\" &&
		test ! -e '$(RES)'"
	job "$W/notoffered.yaml" not-a-device-chroot 'lava-test-case x --shell true'
	run notoffered "$W/dev.yaml" "$W/notoffered.yaml"
	tap "chroot the device does not offer: JobError naming the key" \
		job_error notoffered Job "not one of the device's chroots \(actions.deploy.methods.schroot\)"
else
	skip "chroot" "no schroot or no static busybox (scripts/deps.sh)"
fi

# ---- the device rules of a primary remote connection ------------------------
cat >"$W/badprimary.yaml" <<EOF
hostname: bad
devicetype: ssh
constants: {}
parameters: {}
commands:
  connect: telnet localhost 7000
  power_on: pdu on 1
  hard_reset: pdu reboot 1
actions:
  deploy:
    methods:
      ssh: {host: 127.0.0.1, port: $PORT}
      tftp:
  boot:
    connections:
      serial:
    methods:
      ssh:
timeouts:
  actions: {}
  connections: {}
EOF
"$TETHER" device check "$W/badprimary.yaml" >"$W/badprimary.out" 2>&1
tap "primary remote device: each rule a ConfigurationError naming its key" sh -c "
	grep -q 'ConfigurationError: actions.deploy.methods.tftp: .*only remote deploy methods' '$W/badprimary.out' &&
	grep -q 'ConfigurationError: commands.connect: .*no serial connection' '$W/badprimary.out' &&
	grep -q 'ConfigurationError: commands.power_on: When primary connection is used' '$W/badprimary.out' &&
	grep -q 'ConfigurationError: commands.hard_reset: When primary connection is used' '$W/badprimary.out' ||
	{ cat '$W/badprimary.out'; false; }"

# ---- no key, no key path, no secret in any log or output file -------------
tap "no private key, key path or secret in any log or output file" leaks

[ $failed = 0 ]
