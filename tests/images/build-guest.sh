#!/bin/sh
# build-guest.sh: a tiny x86_64 guest for the QEMU tests, from Debian
# packages: the Debian kernel (linux-image-amd64's vmlinuz, taken out of
# the package with dpkg-deb -x, nothing installed) and busybox-static in
# an initramfs whose init starts a getty on ttyS0 and on ttyS1 (root, no
# password, prompt 'root@qemu:~# '), with eth0 (e1000) on 10.0.2.15 when
# QEMU gives it a user network.
#
#   tests/images/build-guest.sh [DIR]     prints DIR when done
#
# DIR defaults to $XDG_CACHE_HOME/tether/guest-<hash of this script>
# (~/.cache when unset): the tests build it once, later runs reuse it.
# DIR receives vmlinuz and initramfs.cpio.gz (newc, gzip), each renamed
# into place whole (builds running at once do not mix their files).
# When the guest cannot be built, the exit status is not 0 and the last
# line on standard error says why: the tests count that as a failure.
set -e
HERE=$(cd "$(dirname "$0")" && pwd)
sum=$(sha256sum "$HERE/build-guest.sh" | cut -c1-12)
OUT=${1:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/tether/guest-$sum}
if [ -s "$OUT/vmlinuz" ] && [ -s "$OUT/initramfs.cpio.gz" ]; then
	echo "$OUT"
	exit 0
fi
mkdir -p "$OUT"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tether-guest.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# --- the kernel: linux-image-<version>-amd64, unpacked, not installed.
# A package already in apt's cache is used as is; otherwise it is
# downloaded (about 70 MB).
pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
	awk '/Depends: linux-image-[0-9]/{print $2; exit}')
deb=
[ -n "$pkg" ] && deb=$(ls /var/cache/apt/archives/"${pkg}"_*.deb 2>/dev/null | head -1)
if [ -z "$deb" ] && [ -n "$pkg" ]; then
	(cd "$tmp" && apt-get download -q "$pkg" >/dev/null 2>&1) || true
	deb=$(ls "$tmp"/"${pkg}"_*.deb 2>/dev/null | head -1)
fi
# The e1000 network driver comes along (a module in Debian's kernel,
# with no dependency): the guest then has eth0 on QEMU's user network.
e1000=
if [ -n "$deb" ]; then
	dpkg-deb -x "$deb" "$tmp/k"
	cp "$(ls "$tmp"/k/boot/vmlinuz-* | head -1)" "$OUT/vmlinuz.new.$$"
	e1000=$(find "$tmp/k/lib/modules" -name e1000.ko | head -1)
else
	# No package reachable (offline): the same files, installed by
	# linux-image-amd64 itself.
	k=$(ls /boot/vmlinuz-*-amd64 2>/dev/null | sort -V | tail -1)
	[ -n "$k" ] || { echo "build-guest: no linux-image-amd64 package and no /boot/vmlinuz-*-amd64" >&2; exit 1; }
	cp "$k" "$OUT/vmlinuz.new.$$"
	e1000=$(find "/lib/modules/${k#/boot/vmlinuz-}" -name e1000.ko 2>/dev/null | head -1)
fi

# --- the initramfs: busybox-static, busybox init, a getty on each port.
bb=/bin/busybox
file -L "$bb" 2>/dev/null | grep -q 'statically linked' || [ ! -x /usr/bin/file ] || {
	echo "build-guest: /bin/busybox is not static (apt-get install busybox-static)" >&2; exit 1; }
R=$tmp/root
mkdir -p "$R"/bin "$R"/sbin "$R"/usr/bin "$R"/usr/sbin "$R"/etc/init.d "$R"/proc \
	"$R"/sys "$R"/dev "$R"/tmp "$R"/root "$R"/run
chmod 1777 "$R"/tmp
[ -n "$e1000" ] && mkdir -p "$R"/lib/modules && cp "$e1000" "$R"/lib/modules/
rm -rf "$tmp/k"
cp "$bb" "$R"/bin/busybox
for a in $("$bb" --list-full); do
	[ -e "$R/$a" ] || ln -s /bin/busybox "$R/$a"
done
ln -s /bin/busybox "$R"/init
cat >"$R"/etc/inittab <<'TAB'
::sysinit:/etc/init.d/rcS
ttyS0::respawn:/sbin/getty -L 115200 ttyS0 vt100
ttyS1::respawn:/sbin/getty -L 115200 ttyS1 vt100
::ctrlaltdel:/sbin/reboot
TAB
cat >"$R"/etc/init.d/rcS <<'RCS'
#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mkdir -p /dev/pts && mount -t devpts devpts /dev/pts
hostname qemu
# QEMU's user network (-net nic,model=e1000 -net user): the fixed
# addresses slirp gives, the host's services reached through 10.0.2.2 or
# the host's own addresses.
if [ -f /lib/modules/e1000.ko ] && insmod /lib/modules/e1000.ko 2>/dev/null; then
	ip link set lo up
	ip link set eth0 up 2>/dev/null &&
		ip addr add 10.0.2.15/24 dev eth0 &&
		ip route add default via 10.0.2.2
fi
echo "rcS: busybox initramfs ready"
RCS
chmod 755 "$R"/etc/init.d/rcS
echo "root::0:0:root:/root:/bin/sh" >"$R"/etc/passwd
echo "root::19000:0:99999:7:::" >"$R"/etc/shadow
echo "root:x:0:" >"$R"/etc/group
printf 'ttyS0\nttyS1\n' >"$R"/etc/securetty
echo "export PS1='root@qemu:~# '" >"$R"/etc/profile
printf 'tether test guest \\n \\l\n\n' >"$R"/etc/issue
# cpio on its own: in a pipe its failure would go unnoticed (no pipefail).
(cd "$R" && find . | "$bb" cpio -o -H newc >"$tmp/initramfs.cpio" 2>"$tmp/cpio.err") ||
	{ cat "$tmp/cpio.err" >&2; echo "build-guest: cpio failed" >&2; exit 1; }
gzip -9 <"$tmp/initramfs.cpio" >"$OUT/initramfs.cpio.gz.new.$$"
mv "$OUT/vmlinuz.new.$$" "$OUT/vmlinuz"
mv "$OUT/initramfs.cpio.gz.new.$$" "$OUT/initramfs.cpio.gz"
echo "$OUT"
