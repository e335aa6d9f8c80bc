#!/bin/sh
# demo-template.sh: tether's own device type for tether-sim
# (share/device-types/tether-sim.jinja2) through the demo's dictionary
# (examples/demo/simboard.jinja2): the keys it renders (connections and
# their tags, posix constants, power commands with a socket and none
# without), tether device check, the demo job validated against it, and
# the rendered commands run: the board's options are tether-sim's, its
# power commands switch it; then the demo job run as make demo runs it.
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
B=${B:-build}
TETHER=${TETHER:-$TOP/$B/tether}
TETHER_SIM=${TETHER_SIM:-$TOP/$B/tether-sim}
T="$TOP/share/device-types"
DICT="$TOP/examples/demo/simboard.jinja2"
JOB="$TOP/examples/demo/demo-job.yaml"
W=$(mktemp -d /tmp/demo-template.XXXXXX)
board=
trap '[ -n "$board" ] && kill "$board" 2>/dev/null; rm -rf "$W"' EXIT
n=0

ok() { n=$((n + 1)); echo "ok $n - $1"; }
nok() { n=$((n + 1)); echo "not ok $n - $1"; }

# flat YAML OUT: the device as "key.path=value" lines (lists and nulls as
# Python prints them), to grep for exact lines.
flat() {
	python3 -c 'import sys, yaml
def walk(p, v):
    if isinstance(v, dict) and v:
        for k, x in v.items():
            walk(p + "." + str(k) if p else str(k), x)
    else:
        print("%s=%s" % (p, v if isinstance(v, str) else repr(v)))
walk("", yaml.safe_load(open(sys.argv[1])))' "$1" >"$2"
}

# render NAME ARGS...: renders the dictionary (or -- DICT) with ARGS into
# $W/NAME.yaml and flattens it into $W/NAME.flat.
render() {
	name=$1
	shift
	if "$TETHER" device render -t "$T" "$@" >"$W/$name.yaml" 2>"$W/$name.err" &&
		flat "$W/$name.yaml" "$W/$name.flat"; then
		ok "$name: renders"
	else
		nok "$name: renders"
		sed 's/^/# /' "$W/$name.err"
		: >"$W/$name.flat"
	fi
}

# has NAME LINE: the flattened device holds exactly this line.
has() {
	if grep -qxF -- "$2" "$W/$1.flat"; then
		ok "$1: $2"
	else
		nok "$1: $2"
		grep -F -- "${2%%=*}=" "$W/$1.flat" | sed 's/^/# got: /'
	fi
}

# lacks NAME KEY: no key path starting with KEY.
lacks() {
	if grep -q -- "^$2[.=]" "$W/$1.flat"; then
		nok "$1: no $2"
		grep -- "^$2[.=]" "$W/$1.flat" | sed 's/^/# got: /'
	else
		ok "$1: no $2"
	fi
}

# value NAME KEY: the value of one key path.
value() { sed -n "s|^$2=||p" "$W/$1.flat"; }

# run_ok WHAT WANT-OUTPUT COMMAND...: status 0 and exactly this output.
run_ok() {
	what=$1
	want=$2
	shift 2
	"$@" >"$W/out" 2>&1
	rc=$?
	if [ $rc -eq 0 ] && [ "$(cat "$W/out")" = "$want" ]; then
		ok "$what"
	else
		nok "$what (status $rc)"
		sed 's/^/# /' "$W/out"
	fi
}

# 1. The dictionary as it is: the board of the demo job.
render demo "$DICT"
has demo 'hostname=simboard'
has demo 'devicetype=tether-sim'
has demo 'constants.posix.lava_test_sh_cmd=/bin/sh'
has demo 'constants.posix.lava_test_results_dir=/tmp/tether-sim-lava-%s'
has demo 'commands.connections.uart0.connect=build/tether-sim --hostname simboard --user root --uart1 7301 --password tether --kmsg-interval 500'
has demo "commands.connections.uart0.tags=['primary']"
has demo 'commands.connections.uart1.connect=telnet 127.0.0.1 7301'
has demo "commands.connections.uart1.tags=['telnet']"
lacks demo commands.connect
for k in power_on power_off hard_reset soft_reboot; do
	lacks demo "commands.$k"
done
has demo 'parameters={}'
has demo 'actions.deploy.methods.overlay=None'
has demo 'actions.boot.methods.minimal=None'
has demo 'actions.boot.methods.new_connection=None'
has demo 'actions.boot.connections.serial=None'
has demo 'timeouts.actions.auto-login-action.minutes=2'
has demo 'timeouts.connections.lava-test-shell.seconds=30'
lacks demo character_delays
run_ok "demo: tether device check" "$DICT: ok" \
	"$TETHER" device check -t "$T" "$DICT"

# 2. What scripts/demo.sh passes: the program, a port, a results dir.
render run -D "tether_sim=$TETHER_SIM" -D uart1_port=45678 \
	-D "results_dir=$W/board/lava-%s" "$DICT"
has run "constants.posix.lava_test_results_dir=$W/board/lava-%s"
has run "commands.connections.uart0.connect=$TETHER_SIM --hostname simboard --user root --uart1 45678 --password tether --kmsg-interval 500"
has run 'commands.connections.uart1.connect=telnet 127.0.0.1 45678'
run_ok "run: tether device check" "$W/run.yaml: ok" \
	"$TETHER" device check "$W/run.yaml"
run_ok "run: the demo job is valid on it" "$JOB: ok" \
	"$TETHER" validate --device "$W/run.yaml" "$JOB"
run_ok "run: and strictly so" "$JOB: ok" \
	"$TETHER" validate --strict --device "$W/run.yaml" "$JOB"
run_ok "demo: the demo job is valid on the dictionary" "$JOB: ok" \
	"$TETHER" validate --device "$DICT" -t "$T" "$JOB"

# 3. A power socket: the board listens there, three power commands.
sock="$W/power sock"
render power -D "tether_sim=$TETHER_SIM" -D uart1_port=45679 \
	-D "power_socket=$sock" -D kmsg_interval=0 "$DICT"
q="'$sock'"
has power "commands.connections.uart0.connect=$TETHER_SIM --hostname simboard --user root --uart1 45679 --password tether --power-socket $q"
has power "commands.power_on=$TETHER_SIM power $q on"
has power "commands.power_off=$TETHER_SIM power $q off"
has power "commands.hard_reset=$TETHER_SIM power $q reset"
run_ok "power: tether device check" "$W/power.yaml: ok" \
	"$TETHER" device check "$W/power.yaml"

# 4. The device type alone: its defaults.
printf "{%% extends 'tether-sim.jinja2' %%}\n" >"$W/bare.jinja2"
render bare "$W/bare.jinja2"
has bare 'hostname=tether-sim'
has bare 'commands.connections.uart0.connect=tether-sim --hostname tether-sim --user root --uart1 7301'
has bare 'commands.connections.uart1.connect=telnet 127.0.0.1 7301'
has bare 'constants.posix.lava_test_results_dir=/tmp/tether-sim-lava-%s'
run_ok "bare: tether device check" "$W/bare.jinja2: ok" \
	"$TETHER" device check -t "$T" "$W/bare.jinja2"
render odd -D "tether_sim=$W/a b/tether-sim" -D "hostname=o'k" \
	-D test_character_delay=5 -D 'sim_options=--seed 1' "$W/bare.jinja2"
has odd "commands.connections.uart0.connect='$W/a b/tether-sim' --hostname 'o'\"'\"'k' --user root --uart1 7301 --seed 1"
has odd 'character_delays.test=5'
lacks odd character_delays.boot

# 5. The rendered commands run: tether-sim takes the board's options, and
# the power commands switch the board it started.
conn=$(value run commands.connections.uart0.connect)
if sh -c "$conn --help" >"$W/out" 2>&1; then
	ok "run: tether-sim takes the rendered options"
else
	nok "run: tether-sim takes the rendered options"
	sed 's/^/# /' "$W/out" | head -5
fi
conn=$(value power commands.connections.uart0.connect)
mkfifo "$W/in"
sh -c "exec $conn" <"$W/in" >"$W/uart0.out" 2>&1 &
board=$!
exec 3>"$W/in"
i=0
while [ ! -S "$sock" ] && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
for k in power_off power_on hard_reset; do
	cmd=$(value power "commands.$k")
	if sh -c "$cmd" >"$W/out" 2>&1; then
		ok "power: $k runs ($cmd)"
	else
		nok "power: $k runs ($cmd)"
		sed 's/^/# /' "$W/out"
	fi
done
st=$("$TETHER_SIM" power "$sock" status 2>&1)
if [ "$st" = on ]; then
	ok "power: the board is on after hard_reset"
else
	nok "power: the board is on after hard_reset (got '$st')"
fi
exec 3>&-
wait "$board"
rc=$?
board=
if [ $rc -eq 0 ]; then
	ok "power: the board leaves when UART0 closes"
else
	nok "power: the board leaves when UART0 closes (status $rc)"
fi

# 6. The demo itself (make demo without make): the job passes, its test
# cases are in the results, the test shell ran on UART1 while the kernel
# printed on UART0 (feedback lines of namespace board during the test).
D="$W/demo"
B="$B" sh "$TOP/scripts/demo.sh" "$D" >"$W/demo.out" 2>&1
rc=$?
if [ $rc -eq 0 ] && grep -q 'PASS' "$W/demo.out"; then
	ok "make demo: the job passes"
else
	nok "make demo: the job passes (status $rc)"
	tail -40 "$W/demo.out" | sed 's/^/# /'
fi
if python3 -c 'import sys, yaml
for r in yaml.safe_load(open(sys.argv[1])) or []:
    line = "%s/%s=%s" % (r.get("definition"), r.get("case"), r.get("result"))
    if "measurement" in r:
        line += " %s %s" % (r.get("measurement"), r.get("units"))
    if "set" in r:
        line += " set=%s" % r["set"]
    print(line)' "$D/results.yaml" >"$W/demo.results" 2>&1; then
	ok "make demo: results.yaml reads"
else
	nok "make demo: results.yaml reads"
	sed 's/^/# /' "$W/demo.results"
fi
for want in 0_demo/shell-works=pass 0_demo/expected-failure=fail \
	0_demo/uname=pass 0_demo/kernel-prints-meanwhile=pass \
	'0_demo/tty=pass set=uart1' '0_demo/hostname=pass set=uart1' \
	lava/0_demo=pass lava/job=pass; do
	if grep -qxF "$want" "$W/demo.results"; then
		ok "make demo: $want"
	else
		nok "make demo: $want"
	fi
done
if grep -qx '0_demo/loadavg=pass [0-9.]* load' "$W/demo.results"; then
	ok "make demo: 0_demo/loadavg=pass, a measurement in load"
else
	nok "make demo: 0_demo/loadavg=pass, a measurement in load"
	grep loadavg "$W/demo.results" | sed 's/^/# got: /'
fi
if grep -qx 'result: pass' "$D/result.yaml" 2>/dev/null; then
	ok "make demo: result.yaml says result: pass"
else
	nok "make demo: result.yaml says result: pass"
	sed 's/^/# /' "$D/result.yaml" 2>/dev/null
fi
# Between the run's start and end signals: kernel lines from UART0, as
# feedback of namespace board.
fb=$(sed -n '/<LAVA_SIGNAL_STARTRUN 0_demo /,/<LAVA_SIGNAL_ENDRUN 0_demo /p' \
	"$D/log.yaml" 2>/dev/null | grep '"lvl": "feedback"' | grep '"ns": "board"' |
	grep -c '\] ')
if [ "${fb:-0}" -ge 1 ]; then
	ok "make demo: $fb kernel lines from UART0 logged as feedback during the test"
else
	nok "make demo: kernel lines from UART0 logged as feedback during the test"
	grep '"feedback"' "$D/log.yaml" 2>/dev/null | head -5 | sed 's/^/# /'
fi
if grep -q '<LAVA_SIGNAL_ENDRUN 0_demo ' "$D/uart1.log" 2>/dev/null &&
	! grep -q 'lava-test-runner' "$D/uart0.log" 2>/dev/null; then
	ok "make demo: the test shell ran on UART1, not UART0 (raw logs)"
else
	nok "make demo: the test shell ran on UART1, not UART0 (raw logs)"
	find "$D" -maxdepth 1 | sed 's/^/# /'
fi
port=$(sed -n 's/.*UART1 on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$W/demo.out")
if ls "$D"/board/overlay-*.tar.gz >/dev/null 2>&1; then
	ok "make demo: the board fetched the overlay into its home, under the output directory"
else
	nok "make demo: the board fetched the overlay into its home, under the output directory"
	ls -la "$D/board" 2>&1 | sed 's/^/# /'
fi
if [ -n "$port" ] && ! pgrep -f -- "--uart1 $port( |\$)" >/dev/null; then
	ok "make demo: no board left running"
else
	nok "make demo: no board left running (port '$port')"
	[ -n "$port" ] && pgrep -af -- "--uart1 $port" | sed 's/^/# /'
fi

echo "1..$n"
