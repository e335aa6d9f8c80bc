#!/bin/sh
# qemu-boot.sh: tether run on a real kernel under QEMU (software
# emulation: no KVM here), the two boots of the suite:
#
# 1. data/qemu/qemu-2uart.yaml on data/qemu/qemu-2uart.jinja2: the test
#    guest (tests/images/build-guest.sh, built once and cached), its kernel
#    over HTTP and its initramfs from file:// (gz undone while it streams,
#    sha256sum checked); auto_login on ttyS0 (QEMU's standard I/O on the
#    connection's pty), the overlay fetched by the guest (transfer_overlay
#    over QEMU's user network from tether's server on this host's
#    address), new_connection to ttyS1 (a QEMU telnet chardev the
#    device's connection uart1 reaches), the test shell there with
#    connection-namespace while the kernel's messages on ttyS0 are logged
#    as feedback.
# 2. The oracle's qemu-tmpfs job on the oracle's qemu01 dictionary
#    (rendered by tether through LAVA's device-type templates; the
#    overlay appended to the initramfs): the same test cases and job
#    result as lava-run's own job log
#    ($SHARED/oracle/samples/qemu-tmpfs.job.log, kept in
#    data/qemu/qemu-tmpfs.expect).
#
# Skipped when qemu-system-x86_64 is missing (a failure in CI, where
# scripts/deps.sh installed it); a test guest that does not build fails.
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
TETHER=${TETHER:-$TOP/build/tether}
SHARED=${SHARED:-$TOP/../shared}
O=$SHARED/oracle
DATA=$TOP/tests/e2e/data/qemu
tmp=$(mktemp -d /tmp/qemu-boot.XXXXXX)
http_pid=
cleanup() {
	[ -n "$http_pid" ] && kill "$http_pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
. "$(cd "$(dirname "$0")" && pwd)/data/tap.sh"
. "$(cd "$(dirname "$0")" && pwd)/data/qemu/lib.sh"

# The stored expectation is what lava-run's log says.
if [ -f "$O/samples/qemu-tmpfs.job.log" ]; then
	cases "$O/samples/qemu-tmpfs.job.log" >"$tmp/qemu-tmpfs.lava"
	grep -v '^#' "$DATA/qemu-tmpfs.expect" >"$tmp/qemu-tmpfs.want"
	tap "data/qemu/qemu-tmpfs.expect is what lava-run's job log says" \
		same "$tmp/qemu-tmpfs.lava" "$tmp/qemu-tmpfs.want"
fi

qemu_guest
ok "the test guest is built (cached in $GUEST)"

# ------------------------------------------------ 1. two serial ports
# The kernel over HTTP: a server of our own on a free loopback port.
http_port=
tap "an HTTP server for the kernel" http_serve "$GUEST" "$tmp/http.log"
uart1_port=$(free_port)
sha=$(sha256sum "$GUEST/initramfs.cpio.gz" | cut -d' ' -f1)
sed -e "s#@GUEST@#$GUEST#g" -e "s#@HTTP@#127.0.0.1:$http_port#g" \
	-e "s#@INITRD_SHA256@#$sha#g" -e "s#@JOBID@#71#g" \
	"$DATA/qemu-2uart.yaml" >"$tmp/qemu-2uart.yaml"
cat >"$tmp/dispatcher.yaml" <<EOF
dispatcher_ip: 127.0.0.1
allowed_file_dirs: ['$GUEST']
EOF
# The guest reaches this host's own address through QEMU's user network
# (not 127.0.0.1, which is its own): tether's overlay server listens there.
host_ip=$(ip -4 -o addr show scope global 2>/dev/null | awk '{print $4}' | cut -d/ -f1 | head -1)
if [ -z "$host_ip" ]; then
	host_ip=127.0.0.1
	echo "# no global IPv4 address here: the guest cannot fetch the overlay"
fi
printf "dispatcher_ip: %s\ndispatcher_http_ip: %s:%s\nallowed_file_dirs: ['%s']\n" "$host_ip" "$host_ip" "$(free_port)" "$GUEST" \
	>"$tmp/dispatcher-2uart.yaml"
out=$tmp/out-2uart
"$TETHER" run --device "$DATA/qemu-2uart.jinja2" --output-dir "$out" \
	--dispatcher "$tmp/dispatcher-2uart.yaml" --job-id 71 \
	-t "$SHARED/corpus/lava/device-types" -D "uart1_port=$uart1_port" \
	"$tmp/qemu-2uart.yaml" >"$tmp/2uart.stdout" 2>&1
rc=$?
show_tail() { tail -40 "$tmp/2uart.stdout"; grep '"exception"' "$out/log.yaml"; }
if [ $rc = 0 ]; then ok "two serial ports: the job passes"; else
	nok "two serial ports: the job passes (exit $rc)"; show_tail | sed 's/^/# /'; fi
cat >"$tmp/2uart.want" <<'EOF'
0_uart1	fail-on-ttyS1	fail
0_uart1	kernel-note	pass
0_uart1	on-ttyS1	pass
0_uart1	overlay-unpacked	pass
lava	job	pass
EOF
cases "$out/results.yaml" >"$tmp/2uart.got" 2>&1
tap "two serial ports: the test cases ran on ttyS1 with the overlay the guest fetched" \
	same "$tmp/2uart.want" "$tmp/2uart.got"
has() { # WHAT FILE: a line of FILE has WHAT
	grep -qF -- "$1" "$2" || { echo "no '$1' in $2"; return 1; }
}
feedback_kmsg() {
	python3 - "$out/log.yaml" <<'EOF'
import sys, yaml
for line in open(sys.argv[1]):
    r = yaml.safe_load(line[2:])
    if r.get("lvl") == "feedback" and r.get("ns") == "qemu" and \
       "tether-feedback-from-ttyS0" in str(r.get("msg")):
        sys.exit(0)
sys.exit("no feedback line from ttyS0 (namespace qemu) with the kernel's message")
EOF
}
tap "two serial ports: the kernel's message on ttyS0 is logged as feedback [qemu]" feedback_kmsg
tap "two serial ports: the log says QEMU runs in software emulation" \
	has "QEMU runs in software emulation (TCG, no KVM)" "$out/log.yaml"
tap "two serial ports: the boot command has the second port's chardev" \
	has "-serial telnet:127.0.0.1:$uart1_port,server,nowait" "$out/log.yaml"
tap "two serial ports: the kernel came over HTTP (http-download)" \
	has '"case": "http-download"' "$out/results.yaml"
tap "two serial ports: the initramfs's sha256sum was checked" \
	has "\"sha256sum\": \"$sha\"" "$out/results.yaml"
tap "two serial ports: a progress line for the 8 MB kernel on standard output" \
	has "kernel: downloading" "$tmp/2uart.stdout"
kill "$http_pid" 2>/dev/null
http_pid=

# ------------------------------------------------ 2. the oracle's job
if [ ! -f "$O/jobs/qemu-tmpfs.yaml" ]; then
	nok "no $O/jobs/qemu-tmpfs.yaml (set SHARED)"
	exit 1
fi
sed "s#@QEMU_ASSETS@#$GUEST#g" "$O/jobs/qemu-tmpfs.yaml" >"$tmp/qemu-tmpfs.yaml"
tap "the oracle's qemu01 dictionary renders through LAVA's device types" \
	sh -c '"$0" device render -t "$1/corpus/lava/device-types" -t "$2/devices" -D arch=amd64 "$2/devices/qemu01.jinja2" >"$3"' \
	"$TETHER" "$SHARED" "$O" "$tmp/qemu01.yaml"
out=$tmp/out-tmpfs
"$TETHER" run --device "$tmp/qemu01.yaml" --output-dir "$out" \
	--dispatcher "$tmp/dispatcher.yaml" --job-id 126 \
	"$tmp/qemu-tmpfs.yaml" >"$tmp/tmpfs.stdout" 2>&1
rc=$?
if [ $rc = 0 ]; then ok "qemu-tmpfs: the job passes"; else
	nok "qemu-tmpfs: the job passes (exit $rc)"
	tail -40 "$tmp/tmpfs.stdout" | sed 's/^/# /'; fi
cases "$out/results.yaml" >"$tmp/qemu-tmpfs.got" 2>&1
tap "qemu-tmpfs: the same test cases and job result as lava-run" \
	same "$tmp/qemu-tmpfs.want" "$tmp/qemu-tmpfs.got"
[ "$failed" = 0 ]
