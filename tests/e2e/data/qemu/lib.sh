# lib.sh: what the QEMU end-to-end scripts share, sourced after data/tap.sh
# with $tmp set.
#   qemu_scratch NAME: TOP, TETHER, SHARED, a scratch directory $tmp
#     (/tmp/NAME.XXXXXX) removed at the end (KEEP=1 keeps it), and every
#     process whose command line names it killed then: the QEMU a job
#     started from it cannot outlive the script.
#   qemu_guest: the test guest (tests/images/build-guest.sh, cached) in
#     $GUEST; a skip without qemu-system-x86_64, a failure when it does
#     not build (both end the script).
#   qemu_device FILE: a QEMU device dictionary over LAVA's qemu device
#     type: amd64, no KVM (none here), no network.
qemu_guest() {
	if ! command -v qemu-system-x86_64 >/dev/null; then
		skip "QEMU boots" "no qemu-system-x86_64 (scripts/deps.sh)"
		[ "$failed" = 0 ]
		exit
	fi
	if ! GUEST=$(sh "$TOP/tests/images/build-guest.sh" 2>"$tmp/guest.err"); then
		nok "the test guest builds: $(tail -1 "$tmp/guest.err")"
		sed 's/^/# /' "$tmp/guest.err"
		exit 1
	fi
}
qemu_device() {
	cat >"$1" <<'EOF2'
{% extends 'qemu.jinja2' %}
{% set arch = 'amd64' %}
{% set no_kvm = True %}
{% set no_network = True %}
EOF2
}
qemu_scratch() {
	TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
	TETHER=${TETHER:-$TOP/build/tether}
	SHARED=${SHARED:-$TOP/../shared}
	tmp=$(mktemp -d "/tmp/$1.XXXXXX")
	trap 'pkill -9 -f "$tmp/" 2>/dev/null; [ -n "$KEEP" ] || rm -rf "$tmp"' EXIT
	trap 'exit 1' INT TERM
}
