# lib.sh: what the QEMU end-to-end scripts share, sourced after data/tap.sh
# with $tmp set.
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
