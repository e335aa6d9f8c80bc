#!/bin/sh
# oracle-jobs.sh: the acceptance test of `tether run` against the LAVA
# oracle (../shared/oracle): the oracle's jobs sim-basic (one UART) and
# sim-2uart (test shell on a second UART, new_connection and
# connection-namespace) run by tether on the oracle's simulated board
# (simdut.py, a busybox chroot), with the oracle's device dictionaries
# rendered by tether itself.  tether must report the same set of
# (definition, case, result) for the test cases and the same job result
# as the real lava-run did: data/oracle/JOB.expect, taken from lava-run's
# job logs in $SHARED/oracle/samples (each file says how; checked again
# here).  Also: tether run exits 0, result.yaml is the job record with
# result: pass, every line of log.yaml is a LAVA log record ('- {"dt": "'),
# and in sim-2uart what uart0 says while the test shell runs on uart1 is
# logged as feedback of uart0's namespace (sim).  The harness parts are
# checked on their own first: the board's root filesystem, the UART1
# server (simdut.py --listen), the devices tether renders with -D.
#
# Needs root (the board's chroot, mknod) and a statically linked
# /bin/busybox (scripts/deps.sh installs busybox-static); without root
# the runs are skipped.  CI runs as root.
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
TETHER=${TETHER:-$TOP/build/tether}
SHARED=${SHARED:-$TOP/../shared}
O=$SHARED/oracle
DATA=$TOP/tests/e2e/data/oracle
tmp=$(mktemp -d /tmp/oracle-jobs.XXXXXX)
uart1_pid=
cleanup() {
	[ -n "$uart1_pid" ] && kill "$uart1_pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
. "$(cd "$(dirname "$0")" && pwd)/data/tap.sh"

expected() { grep -v '^#' "$DATA/$1.expect"; }

# ------------------------------------------------ the stored expectations
for job in sim-basic sim-2uart; do
	if [ -f "$O/samples/$job.job.log" ]; then
		cases "$O/samples/$job.job.log" >"$tmp/$job.lava" &&
			expected "$job" >"$tmp/$job.want"
		tap "data/oracle/$job.expect is what lava-run's job log says" \
			same "$tmp/$job.lava" "$tmp/$job.want"
	else
		nok "no $O/samples/$job.job.log (set SHARED)"
	fi
done

# --------------------------------------------------------------- harness
if [ "$(id -u)" != 0 ]; then
	for job in sim-basic sim-2uart; do
		skip "tether run $job on the simulated board, as lava-run" "needs root (chroot, mknod)"
	done
	[ "$failed" = 0 ]
	exit
fi
if ldd /bin/busybox >/dev/null 2>&1; then
	nok "/bin/busybox is dynamically linked: the board's chroot needs busybox-static (scripts/deps.sh)"
	exit 1
fi

# The board's root filesystem, ours alone (concurrent runs do not share it).
SIMROOT=$tmp/simroot
tap "the board's busybox root filesystem builds" \
	env SIMROOT="$SIMROOT" sh "$O/build-simroot.sh"

# UART1: a ser2net-like simdut.py on a free loopback port.  It writes its
# pidfile once it listens; when the port was taken meanwhile it dies first
# and another port is tried.
start_uart1() {
	for try in 1 2 3 4 5; do
		port=$(free_port)
		rm -f "$tmp/uart1.pid"
		python3 "$O/simdut.py" --listen "$port" --no-boot --root "$SIMROOT" \
			--prompt 'root@sim-uart1:~# ' --pidfile "$tmp/uart1.pid" \
			>"$tmp/uart1.log" 2>&1 &
		uart1_pid=$!
		for i in $(seq 50); do
			[ -s "$tmp/uart1.pid" ] && { uart1_port=$port; return 0; }
			kill -0 "$uart1_pid" 2>/dev/null || break
			sleep 0.1
		done
		kill "$uart1_pid" 2>/dev/null
		wait "$uart1_pid" 2>/dev/null
		uart1_pid=
	done
	cat "$tmp/uart1.log"
	return 1
}
# login_prompt PORT: the UART1 server answers a connection with its login prompt.
login_prompt() {
	python3 - "$1" <<'EOF'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
buf, end = b"", time.time() + 10
while b"sim login: " not in buf and time.time() < end:
    d = s.recv(4096)
    if not d:
        break
    buf += d
s.close()
sys.exit(0 if b"sim login: " in buf else "no login prompt: %r" % buf)
EOF
}
uart1_port=
tap "UART1 server (simdut.py --listen) started" start_uart1
[ -n "$uart1_port" ] && tap "UART1 server on 127.0.0.1:$uart1_port offers a login" login_prompt "$uart1_port"

# The devices: the oracle's dictionaries through LAVA's device-type
# templates (the corpus), rendered by tether.
render() { # DICT OUT [-D key=value]...
	dict=$1 out=$2
	shift 2
	"$TETHER" device render -t "$SHARED/corpus/lava/device-types" -t "$O/devices" \
		-D "anchor_dir=$O" -D "simroot=$SIMROOT" "$@" "$O/devices/$dict" >"$out"
}
has_connect() { # FILE CONNECT-COMMAND
	grep -qxF "    connect: $2" "$1" || grep -qxF "            connect: $2" "$1" || {
		echo "no 'connect: $2' in:"
		grep -n -A12 '^commands:' "$1"
		return 1
	}
}
uart0_cmd="/usr/bin/python3 $O/simdut.py --root $SIMROOT --password lava"
render_sim01() {
	render sim01.jinja2 "$tmp/sim01.yaml" &&
		has_connect "$tmp/sim01.yaml" "$uart0_cmd"
}
render_sim02() {
	render sim02-2uart.jinja2 "$tmp/sim02-2uart.yaml" -D "uart1_port=${uart1_port:-7102}" &&
		has_connect "$tmp/sim02-2uart.yaml" "$uart0_cmd" &&
		has_connect "$tmp/sim02-2uart.yaml" "telnet 127.0.0.1 ${uart1_port:-7102}"
}
tap "sim01.jinja2 renders (-D anchor_dir, simroot) with the board as connection command" \
	render_sim01
tap "sim02-2uart.jinja2 renders (-D uart1_port) with uart0 and uart1 (telnet) connections" \
	render_sim02

# The worker settings.  The board is a chroot on this host (same network),
# so it fetches the overlay (busybox wget) from 127.0.0.1.  No
# dispatcher_http_ip: tether then serves the overlay on a loopback port of
# its own choosing, which no other test or run on this machine can take
# first (a port picked here could be).
cat >"$tmp/dispatcher.yaml" <<'EOF'
dispatcher_ip: 127.0.0.1
EOF

# ------------------------------------------------------------------ runs
if ! "$TETHER" run --help >/dev/null 2>&1; then
	nok "$TETHER run --help works"
	exit 1
fi

jobid=$((100000 + $$ % 100000))
# The board's uart0 says nothing once the overlay is in (its shell waits
# at the prompt), so, to see that tether keeps reading it while the test
# shell runs on uart1, the ticker makes it talk: from when uart1 opens
# (tether creates DIR/uart1.log then) until tether exits, it writes a line
# "uart0-tick N" every 10 ms, and one at once when the test runner starts
# on uart1 (in DIR/uart1.log), to the terminal of the board's uart0 shell
# (tether's descendant chrooted in $SIMROOT; uart1's shell descends from
# the UART1 server), as a kernel or daemon on a real board would.
# The system's Python when there is one: it starts fastest (no pyenv shim).
PY_TICKER=python3
[ -x /usr/bin/python3 ] && PY_TICKER=/usr/bin/python3
cat >"$tmp/ticker.py" <<'PY'
import os, sys, time
pidfile, root, out = sys.argv[1], os.path.realpath(sys.argv[2]), sys.argv[3]
while not os.path.exists(pidfile) or not open(pidfile).read().endswith("\n"):
    time.sleep(0.002)
tpid = int(open(pidfile).read())
def alive():
    try:
        with open("/proc/%d/stat" % tpid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False
def ppid(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return int(f.read().rsplit(")", 1)[1].split()[1])
    except OSError:
        return 0
def uart0_tty():
    for p in [int(d) for d in os.listdir("/proc") if d.isdigit()]:
        try:
            if os.readlink("/proc/%d/root" % p) != root:
                continue
            tty = os.readlink("/proc/%d/fd/1" % p)
        except OSError:
            continue
        a = p
        while a > 1 and a != tpid:
            a = ppid(a)
        if a == tpid and tty.startswith("/dev/pts/"):
            return tty
    return None
# uart0's shell, as soon as the board has logged in on it
tty = None
while alive() and tty is None:
    tty = uart0_tty()
    time.sleep(0.005)
if tty is None:
    sys.exit("ticker: no uart0 shell found")
while alive() and not os.path.exists(os.path.join(out, "uart1.log")):
    time.sleep(0.002)
fd = os.open(tty, os.O_WRONLY | os.O_NOCTTY)
u1 = open(os.path.join(out, "uart1.log"), "rb")
seen, n, last = b"", 0, 0.0
while alive():
    # one line at once when the test runner starts on uart1
    if seen is not None:
        seen += u1.read()
        if b"lava-test-runner" in seen:
            seen, last = None, 0.0
        else:
            seen = seen[-64:]
    if time.monotonic() - last >= 0.01:
        try:
            os.write(fd, b"uart0-tick %d\n" % (n + 1))
        except OSError:
            break
        n += 1
        last = time.monotonic()
    time.sleep(0.002)
print("ticker: %d lines written to %s%s" % (n, tty, "" if seen is None else ", no test runner seen on uart1"))
PY
run_job() { # JOB DEVICE [tick]
	job=$1 dev=$2
	out=$tmp/$job.out
	jobid=$((jobid + 1))
	# what a previous run left on the board (as run-all.sh does)
	rm -rf "$SIMROOT"/lava-* "$SIMROOT"/root/overlay-* "$out" "$tmp/$job.tpid"
	if [ "${3:-}" = tick ]; then
		# started first: it must be watching before uart1 opens
		$PY_TICKER "$tmp/ticker.py" "$tmp/$job.tpid" "$SIMROOT" "$out" >"$tmp/$job.ticker" 2>&1 &
		tickpid=$!
	fi
	# The tree's device-side helpers, for any build: build/san/tether
	# does not find them next to itself.
	TETHER_SHARE_DIR=${TETHER_SHARE_DIR:-$TOP/share/lava-test-shell} \
		timeout 300 "$TETHER" run --device "$dev" --output-dir "$out" \
		--dispatcher "$tmp/dispatcher.yaml" --job-id "$jobid" \
		"$O/jobs/$job.yaml" >"$tmp/$job.stdout" 2>&1 &
	tpid=$!
	if [ "${3:-}" = tick ]; then
		echo "$tpid" >"$tmp/$job.tpid"
		wait "$tickpid"
	fi
	wait "$tpid"
	rc=$?
	show() { # the end of what tether printed and logged, as comments
		echo "# tether run exited $rc; its output (last 20 lines):"
		tail -20 "$tmp/$job.stdout" | sed 's/^/#   /'
		[ -f "$out/log.yaml" ] && { echo "# log.yaml (last 30 lines):"; tail -30 "$out/log.yaml" | sed 's/^/#   /'; }
	}
	if [ $rc = 0 ]; then ok "tether run $job exits 0"; else nok "tether run $job exits 0"; show; fi

	if [ -f "$out/result.yaml" ] && grep -qx 'result: pass' "$out/result.yaml" &&
		grep -qx 'case: job' "$out/result.yaml" && grep -qx 'definition: lava' "$out/result.yaml"; then
		ok "$job: result.yaml is the job record, result: pass"
	else
		nok "$job: result.yaml is the job record, result: pass"
		[ -f "$out/result.yaml" ] && sed 's/^/#   /' "$out/result.yaml"
	fi

	expected "$job" >"$tmp/$job.want"
	if [ -f "$out/results.yaml" ] && cases "$out/results.yaml" >"$tmp/$job.got" 2>&1; then
		tap "$job: the test cases' (definition, case, result) and the job result are lava-run's" \
			same "$tmp/$job.want" "$tmp/$job.got"
	else
		nok "$job: the test cases' (definition, case, result) and the job result are lava-run's"
		echo "# results.yaml missing or not YAML"
		[ -f "$tmp/$job.got" ] && sed 's/^/#   /' "$tmp/$job.got"
	fi

	bad=$(grep -cv '^- {"dt": "' "$out/log.yaml" 2>/dev/null)
	if [ -s "$out/log.yaml" ] && [ "$bad" = 0 ]; then
		ok "$job: log.yaml is LAVA's log format (every line '- {\"dt\": \"...')"
	else
		nok "$job: log.yaml is LAVA's log format (every line '- {\"dt\": \"...')"
		grep -nv '^- {"dt": "' "$out/log.yaml" 2>&1 | head -5 | sed 's/^/#   /'
	fi
}

run_job sim-basic "$tmp/sim01.yaml"
run_job sim-2uart "$tmp/sim02-2uart.yaml" tick
# uart0 stays open while the test shell runs on uart1: what it says (the
# ticker's lines) is logged as feedback of its namespace, sim, never as
# the test's output.  (lava-run's uart0 says nothing here; it shows only
# the isolation namespace's feedback, when it listens at the end.)
log=$tmp/sim-2uart.out/log.yaml
fb=$(grep '"lvl": "feedback"' "$log" 2>/dev/null | grep '"ns": "sim"' | grep -c 'uart0-tick')
other=$(grep 'uart0-tick' "$log" 2>/dev/null | grep -v '"lvl": "feedback"' | grep -c .)
ticker=$(cat "$tmp/sim-2uart.ticker" 2>&1)
if [ "$fb" -gt 0 ] && [ "$other" = 0 ]; then
	ok "sim-2uart: uart0, still open, is logged as feedback of namespace sim ($fb lines; $ticker)"
else
	nok "sim-2uart: uart0, still open, is logged as feedback of namespace sim"
	echo "# $fb uart0 lines logged as feedback of sim, $other otherwise; $ticker"
	echo "# feedback records in log.yaml, by namespace:"
	grep '"lvl": "feedback"' "$log" 2>&1 |
		sed -n 's/.*"ns": \("[^"]*"\).*/\1/p' | sort | uniq -c | sed 's/^/#   /'
	grep 'uart0-tick' "$log" 2>/dev/null | grep -v '"lvl": "feedback"' | head -3 | sed 's/^/#   /'
fi
during=$(sed -n '/"msg": "start: [0-9.]* lava-test-retry /,/"msg": "end: [0-9.]* lava-test-retry /p' "$log" 2>/dev/null |
	grep '"lvl": "feedback"' | grep '"ns": "sim"' | grep -c 'uart0-tick')
if [ "$during" -gt 0 ]; then
	ok "sim-2uart: uart0 is read while the test shell runs on uart1 ($during lines inside lava-test-retry)"
else
	nok "sim-2uart: uart0 is read while the test shell runs on uart1 (no uart0 line inside lava-test-retry)"
	grep -n 'uart0-tick\|lava-test-retry' "$log" 2>&1 | head -20 | sed 's/^/#   /'
fi
[ "$failed" = 0 ]
