#!/bin/sh
# Installs the Debian 12 packages tether's build, tests and tools need.
# Idempotent; run as root.  With --bench, also what the benchmarks compare
# against (Python's voluptuous and Jinja2).
# busybox-static, not busybox: the oracle's simulated board
# (tests/e2e/oracle-jobs.sh) copies /bin/busybox into a chroot, so it must
# be statically linked; it replaces the dynamic busybox package and gives
# the same /bin/busybox the busybox sh tests use.
# openssh-server, openssh-client, schroot: the ssh e2e tests start a real
# sshd on loopback and begin sessions of a schroot they configure.
# qemu-system-x86: the QEMU tests (tests/e2e/qemu-*.sh, software
# emulation); their guest (tests/images/build-guest.sh) needs only dpkg-deb,
# apt-get download and busybox-static; xz-utils makes a broken image.
set -e
pkgs="build-essential pkg-config clang libyaml-dev libpcre2-dev libcmocka-dev python3 python3-yaml libarchive-dev libcurl4-openssl-dev git inetutils-telnet procps busybox-static openssh-server openssh-client schroot qemu-system-x86 xz-utils"
[ "$1" = "--bench" ] && pkgs="$pkgs python3-voluptuous python3-jinja2"
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "deps.sh: need root to install:$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends $missing
