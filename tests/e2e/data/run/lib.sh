# lib.sh: what tests/e2e/run-*.sh share, sourced after they set NAME.
# Jobs run on tether-sim boards named "$TAG<something>", so that every
# board a test starts can be found (pgrep -f) and ended by its id.
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
abs() { case $1 in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac; }
TETHER=$(abs "${TETHER:-$TOP/build/tether}")
SIM=$(abs "${TETHER_SIM:-$TOP/build/tether-sim}")
CHECK="$TOP/tests/e2e/data/run/check.py"
W=$(mktemp -d "/tmp/tether-$NAME.XXXXXX")
TAG="b$(od -An -N3 -tx1 /dev/urandom | tr -d " \n")$$"
BG="" # background processes of the script itself
# The worker's settings: jobs may read the test's own files (file://,
# git repositories given as paths), nothing else of this machine.
WORKER=$W/worker.yaml
printf "allowed_file_dirs: ['%s']\n" "$W" >"$WORKER"
n=0
failed=0 # the exit status: 1 once a case failed

# The processes whose command line holds PATTERN (this script aside).
procs() { pgrep -f -- "$1" | grep -vx "$$"; }

cleanup() {
	for p in $BG; do kill "$p" 2>/dev/null; done
	for p in $(procs "$TAG"); do kill -9 "$p" 2>/dev/null; done
	if [ -n "$KEEP" ]; then echo "# kept $W"; else rm -rf "$W"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# Copies of the programs: others may relink build/ while the tests run.
mkdir -p "$W/bin"
for _i in 1 2 3 4 5; do
	cp "$TETHER" "$W/bin/tether" && cp "$SIM" "$W/bin/tether-sim" &&
		"$W/bin/tether" run --help >/dev/null 2>&1 &&
		"$W/bin/tether-sim" --help >/dev/null 2>&1 && break
	sleep 2
done
TETHER="$W/bin/tether"
SIM="$W/bin/tether-sim"
TETHER_SHARE_DIR=${TETHER_SHARE_DIR:-$TOP/share/lava-test-shell}
export TETHER_SHARE_DIR

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
. "$(cd "$(dirname "$0")" && pwd)/data/http.sh"

# device FILE HOST [TETHER-SIM OPTION]...: a rendered device, the board
# on UART0.  $UART1 (a TCP port) adds uart1 over telnet, $CONNECT
# replaces UART0's command, $CMDS adds lines under commands:, $DTIMEOUTS
# replaces the device's timeouts map.
device() {
	_f=$1 _h=$2
	shift 2
	_c=${CONNECT:-"$SIM --hostname $_h --autoboot-seconds 0 --line-delay-ms 0${UART1:+ --uart1 $UART1} $*"}
	_t=${DTIMEOUTS:-"{actions: {}, connections: {}}"}
	{
		echo "hostname: $_h"
		echo "devicetype: simboard"
		echo "parameters: {}"
		echo "constants:"
		echo "  posix: {lava_test_sh_cmd: /bin/sh, lava_test_results_dir: '$W/lava-$_h-%s'}"
		echo "  kernel-start-message: 'Linux version [0-9]'"
		echo "commands:"
		echo "  connections:"
		echo "    uart0: {connect: '$_c', tags: [primary]}"
		[ -z "$UART1" ] ||
			echo "    uart1: {connect: 'telnet 127.0.0.1 $UART1', tags: [telnet]}"
		[ -z "$CMDS" ] || printf '%s\n' "$CMDS"
		echo "actions:"
		echo "  deploy: {methods: {overlay: null}}"
		echo "  boot: {connections: {serial: null}, methods: {minimal: null, new_connection: null}}"
		echo "timeouts: $_t"
	} >"$_f"
}

# header JOB-NAME: a job's first lines, up to "actions:"; $TIMEOUTS
# replaces the job's timeouts map.
header() {
	echo "device_type: simboard"
	echo "job_name: $1"
	echo "timeouts: ${TIMEOUTS:-"{job: {seconds: 60}, action: {seconds: 20}, connection: {seconds: 10}}"}"
	echo "priority: medium"
	echo "visibility: public"
	echo "actions:"
}

# boot HOST [NAMESPACE]: deploy to overlay, then boot minimal with
# auto_login and transfer_overlay (fetched into a fresh $W/dl-HOST,
# unpacked at /).  $BOOT_EXTRA:
# more lines of the boot block.
boot() {
	_ns=${2:+"namespace: $2, "}
	echo "- deploy: {${_ns}to: overlay}"
	echo "- boot:"
	[ -z "$2" ] || echo "    namespace: $2"
	echo "    method: minimal"
	echo "    reset: false"
	echo "    auto_login: {login_prompt: 'login:', username: root}"
	echo "    prompts: ['root@$1:~# ']"
	echo "    transfer_overlay: {download_command: 'rm -rf $W/dl-$1; mkdir $W/dl-$1 && cd $W/dl-$1 && busybox wget -q', unpack_command: 'tar -C / -xzf'}"
	[ -z "$BOOT_EXTRA" ] || printf '%s\n' "$BOOT_EXTRA"
}

# inline NAME STEP...: an inline definition, an item of definitions:.
inline() {
	echo "    - from: inline"
	echo "      name: $1"
	echo "      path: inline/$1.yaml"
	echo "      repository:"
	echo "        metadata: {format: Lava-Test Test Definition 1.0, name: $1}"
	echo "        run:"
	echo "          steps:"
	shift
	for s in "$@"; do
		printf "          - '%s'\n" "$(printf '%s' "$s" | sed "s/'/''/g")"
	done
}

# job HOST STEP...: a healthy job on board HOST, written to stdout:
# deploy, boot (BOOT_EXTRA), a test block ($TBLOCK: more of its lines)
# with one inline definition "smoke" running STEP...
job() {
	_h=$1
	shift
	header "$_h"
	boot "$_h"
	echo "- test:"
	[ -z "$TBLOCK" ] || printf '%s\n' "$TBLOCK"
	echo "    definitions:"
	inline smoke "$@"
}

# run CASE DEVICE JOB: tether run with its output dir $W/CASE; the exit
# status in $RC, what it printed in $W/CASE.out.
run() {
	timeout 120 "$TETHER" run --device "$2" --output-dir "$W/$1" \
		--dispatcher "$WORKER" "$3" \
		>"$W/$1.out" 2>&1
	RC=$?
}

# check WHAT CASE ASSERTION...: one TAP line from check.py's verdict on
# $W/CASE (see check.py for the assertions).
check() {
	_what=$1 _case=$2
	shift 2
	n=$((n + 1))
	if RC=$RC python3 "$CHECK" "$W/$_case" "$@" >"$W/check.out" 2>&1; then
		echo "ok $n - $_what"
	else
		echo "not ok $n - $_what"
		failed=1
		cat "$W/check.out"
		echo "# tether run printed:"
		tail -n 25 "$W/$_case.out" | sed 's/^/#   /'
	fi
}

# tap WHAT COMMAND...: one TAP line from a command's status.
tap() {
	_what=$1
	shift
	n=$((n + 1))
	if "$@" >"$W/tap.out" 2>&1; then
		echo "ok $n - $_what"
	else
		echo "not ok $n - $_what"
		failed=1
		sed 's/^/# /' "$W/tap.out"
	fi
}

# The boards of a test, once the job is over: none left.
no_boards() {
	_left=$(procs "$1")
	[ -z "$_left" ] && return 0
	echo "left behind:"
	ps -o pid,args -p "$(echo $_left | tr ' ' ,)"
	return 1
}

# signal_run CASE DEVICE JOB COMMAND...: tether run in the background;
# once COMMAND succeeds (polled every 20 ms, 10 s at most: the event the
# case waits for), SIG (TERM unless set) is sent.  The exit status in
# $RC, the seconds from the signal to the exit in $T.
signal_run() {
	_case=$1 _dev=$2 _job=$3
	shift 3
	"$TETHER" run --device "$_dev" --output-dir "$W/$_case" \
		--dispatcher "$WORKER" "$_job" >"$W/$_case.out" 2>&1 &
	_pid=$!
	BG="$BG $_pid"
	_i=0
	while [ $_i -lt 500 ] && ! "$@" >/dev/null 2>&1; do
		sleep 0.02
		_i=$((_i + 1))
	done
	_t0=$(date +%s.%N)
	kill -"${SIG:-TERM}" "$_pid"
	_i=0
	while [ $_i -lt 500 ] && kill -0 "$_pid" 2>/dev/null; do
		sleep 0.01
		_i=$((_i + 1))
	done
	T=$(awk -v a="$_t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
	kill -0 "$_pid" 2>/dev/null && kill -9 "$_pid"
	wait "$_pid"
	RC=$?
}

# at_most SECONDS: $T is no more.
at_most() {
	awk -v t="$T" -v m="$1" 'BEGIN { exit !(t <= m) }' || { echo "took $T s"; return 1; }
}

