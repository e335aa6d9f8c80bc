#!/bin/sh
# demo.sh (make demo): runs the demo job, examples/demo/demo-job.yaml, on
# the simulated board of examples/demo/simboard.jinja2 (tether-sim with
# two UARTs, through tether's own device type in share/device-types):
# boot and log in on UART0, a second connection on UART1, the test shell
# on UART1 while the kernel keeps printing on UART0.  Then says where the
# logs are.  Needs no root: the board's shell runs as the caller and its
# test files go under the output directory.
#
#   scripts/demo.sh [OUTPUT_DIR]     (default: a new directory in /tmp)
#
# Exit status: tether run's (0 when the job passes).
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
B=${B:-build}
TETHER="$TOP/$B/tether"
SIM="$TOP/$B/tether-sim"
JOB="$TOP/examples/demo/demo-job.yaml"
DICT="$TOP/examples/demo/simboard.jinja2"

for f in "$TETHER" "$SIM"; do
	if [ ! -x "$f" ]; then
		echo "demo.sh: no $f: run make first" >&2
		exit 2
	fi
done

# A free TCP port on loopback for UART1 (the board listens there, the
# device's uart1 connection telnets to it).
free_port() {
	python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])' 2>/dev/null && return
	# No Python: a port of the ephemeral range nobody listens on.
	p=$((40000 + $$ % 20000))
	while grep -qi ":$(printf '%04X' "$p") " /proc/net/tcp /proc/net/tcp6 2>/dev/null; do
		p=$((p + 1))
	done
	echo "$p"
}
port=$(free_port)

if [ $# -gt 0 ]; then
	out=$1
	mkdir -p "$out"
else
	out=$(mktemp -d "${TMPDIR:-/tmp}/tether-demo.XXXXXX")
fi
out=$(cd "$out" && pwd)

# The board's shell runs on this machine as this user and the overlay is
# unpacked at / ("tar -C / -xzf"): its home (where the overlay is
# downloaded) and results directory go under the output directory, where
# this user can write.
mkdir -p "$out/board"
set -- -t "$TOP/share/device-types" \
	-D "tether_sim=$SIM" \
	-D "uart1_port=$port" \
	-D "home=$out/board" \
	-D "results_dir=$out/board/lava-%s"

echo "== tether demo: $JOB"
echo "== board: tether-sim, UART0 on its stdin/stdout, UART1 on 127.0.0.1:$port"
echo
rc=0
"$TETHER" run --device "$DICT" "$@" --output-dir "$out" "$JOB" || rc=$?
echo
echo "== logs in $out/"
echo "   log.yaml      the job log (LAVA's format; kernel lines from UART0"
echo "                 during the test are 'feedback' of namespace board)"
echo "   results.yaml  every test case; result.yaml: the job's result"
echo "   board/        the board's side: the test overlay as unpacked there"
for f in "$out"/*.log; do
	[ -e "$f" ] || continue
	n=$(basename "$f")
	printf '   %-13s raw bytes of connection %s, as read\n' "$n" "${n%.log}"
done
exit $rc
