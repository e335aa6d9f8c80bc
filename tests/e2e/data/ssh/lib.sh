# lib.sh: what the ssh end-to-end tests share (sourced, POSIX sh): a real
# OpenSSH server on loopback (an unprivileged port, host key and client
# keys made here, run as PID 1 of its own pid namespace so that killing
# it ends every session: ../shared/docs/test-environment.md §1), a real
# schroot of type directory (a busybox root, union-type=overlay, a
# private profile: §2), devices and jobs for tether run, TAP helpers.
# Everything is started and removed again by the test itself, by pid.
#
# Needs root (sshd, schroot) and /usr/sbin/sshd, schroot, busybox-static
# (scripts/deps.sh); without them the test says so and skips.
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
TETHER=${TETHER:-$TOP/build/tether}
W=$(mktemp -d /tmp/tether-$NAME.XXXXXX)
chmod 755 "$W"
# A copy of the binary: others may relink build/ while the jobs run.
if cp "$TETHER" "$W/tether.bin" 2>/dev/null; then
	TETHER=$W/tether.bin
	TETHER_SHARE_DIR=${TETHER_SHARE_DIR:-$TOP/share/lava-test-shell}
	export TETHER_SHARE_DIR
fi
SSHD_US=
SCHROOT_NAME=
# The TAP helpers (ok, nok, skip, skip_not_installable, tap, wait_for,
# free_port): data/tap.sh, its scratch files in $W.
tmp=$W
. "$TOP/tests/e2e/data/tap.sh"
# skip_all WHY: the whole test skipped (a failure in CI: tap.sh's skip).
skip_all() {
	skip "$NAME" "$1"
	rm -rf "$W"
	exit "$failed"
}

[ "$(id -u)" = 0 ] || skip_all "needs root (sshd, schroot)"
[ -x /usr/sbin/sshd ] || skip_all "no /usr/sbin/sshd (scripts/deps.sh)"
command -v ssh >/dev/null && command -v scp >/dev/null ||
	skip_all "no ssh/scp (scripts/deps.sh)"

PORT=$(free_port)
K=$W/keys
mkdir -p "$K"
ssh-keygen -q -t ed25519 -N '' -C host -f "$K/host_ed25519"
ssh-keygen -q -t ed25519 -N '' -C tether-test -f "$K/id_ed25519"
ssh-keygen -q -t ed25519 -N '' -C not-authorized -f "$K/wrong_ed25519"
install -m 600 "$K/id_ed25519.pub" "$K/authorized_keys"
cat >"$K/sshd_config" <<EOF
Port $PORT
ListenAddress 127.0.0.1
HostKey $K/host_ed25519
PidFile $K/sshd.pid
AuthorizedKeysFile $K/authorized_keys
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
UsePAM no
StrictModes no
Subsystem sftp internal-sftp
EOF
# What a secret or the key looks like, for the grep at the end: the job's
# secret, the private key's path and each line of its body.
SECRET="tether-secret-$$-value"
SSHO="-p $PORT -i $K/id_ed25519 -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes -o LogLevel=ERROR"

# sshd_start: starts sshd and waits until it takes a login.
sshd_start() {
	mkdir -p /run/sshd
	unshare --pid --fork --kill-child /usr/sbin/sshd -D -e -f "$K/sshd_config" \
		2>>"$W/sshd.log" &
	SSHD_US=$!
	# shellcheck disable=SC2086
	wait_for 10 ssh $SSHO root@127.0.0.1 true 2>/dev/null
}
# sshd_stop: SIGTERM to the real sshd (PID 1 of its namespace: its
# sessions die with it), then the unshare is reaped.
sshd_stop() {
	[ -n "$SSHD_US" ] || return 0
	p=$(ps -o pid= --ppid "$SSHD_US" | tr -d ' ')
	[ -n "$p" ] && kill "$p" 2>/dev/null
	kill -KILL "$SSHD_US" 2>/dev/null
	wait "$SSHD_US" 2>/dev/null
	SSHD_US=
}
# on_device CMD: runs CMD over ssh (the test's own client).
on_device() {
	# shellcheck disable=SC2086
	ssh $SSHO root@127.0.0.1 "$@"
}

# schroot_setup NAME: a type=directory chroot (busybox root, overlay
# union, so that a session's writes go with it) in $W/chroot.
schroot_setup() {
	SCHROOT_NAME=$1
	R=$W/chroot
	mkdir -p "$R/bin" "$R/sbin" "$R/etc" "$R/tmp" "$R/proc" "$R/sys" \
		"$R/dev" "$R/root" "$R/usr/bin" "$R/usr/sbin"
	chmod 1777 "$R/tmp"
	cp /bin/busybox "$R/bin/busybox"
	chroot "$R" /bin/busybox --install -s
	echo "$SCHROOT_NAME" >"$R/etc/tether-chroot"
	P=/etc/schroot/$SCHROOT_NAME
	mkdir -p "$P"
	printf '%s\n' '/proc /proc none rw,bind 0 0' '/sys /sys none rw,bind 0 0' \
		'/dev /dev none rw,bind 0 0' '/dev/pts /dev/pts none rw,bind 0 0' >"$P/fstab"
	: >"$P/copyfiles"
	printf '%s\n' passwd group >"$P/nssdatabases"
	cat >"/etc/schroot/chroot.d/$SCHROOT_NAME.conf" <<EOF
[$SCHROOT_NAME]
type=directory
directory=$R
users=root
root-users=root
union-type=overlay
profile=$SCHROOT_NAME
EOF
	chmod 644 "/etc/schroot/chroot.d/$SCHROOT_NAME.conf"
}
# session_sshds: the sshd processes of the sessions (children of the
# listener, itself PID 1 of its namespace).
session_sshds() {
	l=$(ps -o pid= --ppid "$SSHD_US" | tr -d ' ')
	[ -n "$l" ] && ps -o pid= --ppid "$l" | tr -d ' '
}
# since_exception NAME T0: seconds from T0 (epoch) to the job's exception.
since_exception() {
	python3 - "$W/$1/log.yaml" "$2" <<'EOF'
import datetime, sys, yaml
for line in open(sys.argv[1]):
    if '"lvl": "exception"' in line:
        r = yaml.safe_load(line[2:])
        dt = datetime.datetime.fromisoformat(r["dt"]).replace(tzinfo=datetime.timezone.utc)
        print("%.3f" % (dt.timestamp() - float(sys.argv[2])))
        break
EOF
}
# Sessions of the test's chroots still there (none, once a job ended).
schroot_sessions() {
	schroot --list --all-sessions 2>/dev/null | grep "tether-$JOBBASE" || true
}

cleanup() {
	sshd_stop
	if [ -n "$SCHROOT_NAME" ]; then
		for s in $(schroot --list --all-sessions 2>/dev/null |
			grep "tether-$JOBBASE" | sed 's/^session://'); do
			schroot -e -f -c "session:$s" 2>/dev/null
		done
		rm -f "/etc/schroot/chroot.d/$SCHROOT_NAME.conf"
		rm -rf "/etc/schroot/$SCHROOT_NAME"
	fi
	[ -n "$KEEP" ] || rm -rf "$W"
	rm -rf /tmp/tether-$NAME-$$-lava-*
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# Job ids unique to this run: the results dir on the device and the
# schroot session name carry them.
JOBBASE=$$
RESULTS=/tmp/tether-$NAME-$$-lava-%s

# device FILE [IDENTITY] [OPTIONS]: a primary remote connection device
# as ssh.jinja2 renders one (OPTIONS: its ssh options, a YAML list), with
# a user command that prints the job's secret on the dispatcher.
device() {
	cat >"$1" <<EOF
hostname: ssh-loopback
devicetype: ssh
commands:
  users:
    show-secret: {do: "echo the secret is $SECRET"}
constants:
  posix:
    lava_test_sh_cmd: /bin/sh
    lava_test_results_dir: $RESULTS
parameters: {}
actions:
  deploy:
    connections:
      serial:
    methods:
      ssh:
        options: ${3:-['-o Compression=yes', '-o PasswordAuthentication=no', '-o LogLevel=FATAL']}
        host: 127.0.0.1
        port: $PORT
        user: root
        identity_file: ${2:-$K/id_ed25519}
      schroot: [${SCHROOT_NAME:-none}, tether-no-such-chroot]
  boot:
    connections:
      serial:
    methods:
      ssh:
timeouts:
  actions: {}
  connections: {}
EOF
}

# job FILE [CHROOT] STEP...: deploy to ssh, boot ssh, one inline test.
job() {
	f=$1
	ch=$2
	shift 2
	{
		cat <<EOF
device_type: ssh
job_name: ssh loopback
timeouts:
  job: {minutes: 3}
  action: {minutes: 2}
  connection: {seconds: 30}
priority: medium
visibility: public
secrets:
  TETHER_SECRET: $SECRET
actions:
- deploy:
    to: ssh
    os: debian
EOF
		[ -n "$ch" ] && echo "    chroot: $ch"
		cat <<'EOF'
- boot:
    method: ssh
    connection: ssh
    prompts: ['root@[^:]*:[^#]*# ']
- test:
    definitions:
    - from: inline
      name: smoke
      path: inline/smoke.yaml
      repository:
        metadata: {format: Lava-Test Test Definition 1.0, name: smoke}
        run:
          steps:
EOF
		for s in "$@"; do
			printf '          - %s\n' "$s"
		done
	} >"$f"
}

# run NAME DEVICE JOB: tether run into $W/NAME (exit status in $W/NAME.rc).
# run_bg: the same in the background (its pid in $RUN_PID).
JOBN=0
run_bg() {
	JOBN=$((JOBN + 1))
	JOBID=$JOBBASE$JOBN
	(
		"$TETHER" run --device "$2" --output-dir "$W/$1" --job-id "$JOBID" \
			"$3" >"$W/$1.out" 2>&1
		echo $? >"$W/$1.rc"
	) &
	RUN_PID=$!
}
run() {
	run_bg "$@"
	wait $RUN_PID
}
# result NAME DEF CASE: the result of a case in NAME's results.yaml.
result() {
	python3 - "$W/$1/results.yaml" "$2" "$3" <<'EOF'
import sys, yaml
for r in yaml.safe_load(open(sys.argv[1])) or []:
    if r.get("definition") == sys.argv[2] and r.get("case") == sys.argv[3]:
        print(r.get("result"))
        break
EOF
}
# expect_results NAME DEF|CASE|RESULT...: each case has that result.
expect_results() {
	name=$1
	shift
	for want in "$@"; do
		d=${want%%|*}
		rest=${want#*|}
		c=${rest%%|*}
		r=${rest#*|}
		got=$(result "$name" "$d" "$c")
		if [ "$got" != "$r" ]; then
			echo "$d/$c: '$got', expected '$r'"
			return 1
		fi
	done
}
# job_error NAME TYPE REGEX: result.yaml's error_type and error_msg.
job_error() {
	python3 - "$W/$1/result.yaml" "$2" "$3" <<'EOF'
import re, sys, yaml
r = yaml.safe_load(open(sys.argv[1]))
if r.get("error_type") != sys.argv[2] or not re.search(sys.argv[3], r.get("error_msg", "")):
    print(r)
    sys.exit(1)
EOF
}
# leaks [SKIP-DIR]: no output directory under $W (nor NAME.out) holds the
# private key's body, its path or the job's secret (grep -F).
leaks() {
	sed -n '/BEGIN/,/END/{/-----/d;p}' "$K/id_ed25519" >"$W/keylines"
	echo "$K/id_ed25519" >>"$W/keylines"
	echo "$SECRET" >>"$W/keylines"
	found=0
	for d in "$W"/*/; do
		case $d in "$K"/ | "$W/$1"/) continue ;; esac
		if grep -rFf "$W/keylines" "$d" "${d%/}.out" 2>/dev/null; then
			found=1
		fi
	done
	[ $found = 0 ]
}
logged() { grep -Eq "$2" "$W/$1/log.yaml" || { echo "not in $1/log.yaml: $2"; return 1; }; }
