#!/bin/sh
# qemu-faults.sh: what goes wrong before a QEMU guest boots, each with
# LAVA's error class and a message naming the URL or the option:
#   a URL that answers 404                  JobError (LAVA finds it at validation)
#   a server that refuses the connection    InfrastructureError
#   a checksum that does not match          JobError
#   a truncated compressed image            JobError (LAVA: the decompressor fails)
#   QEMU refusing an option                 InfrastructureError
# No guest boots here: the images are small files, QEMU exits at once.
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
TETHER=${TETHER:-$TOP/build/tether}
SHARED=${SHARED:-$TOP/../shared}
DT=$SHARED/corpus/lava/device-types
tmp=$(mktemp -d /tmp/qemu-faults.XXXXXX)
http_pid=
cleanup() {
	[ -n "$http_pid" ] && kill "$http_pid" 2>/dev/null
	[ -n "$KEEP" ] || rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
. "$(cd "$(dirname "$0")" && pwd)/data/tap.sh"
. "$(cd "$(dirname "$0")" && pwd)/data/qemu/lib.sh"

# The images: a "kernel" (QEMU never reads it here), an xz image cut short.
mkdir -p "$tmp/www"
# The worker lets jobs read the test's own files (file://), nothing else.
printf "allowed_file_dirs: ['%s']\n" "$tmp" >"$tmp/worker.yaml"
head -c 300000 /dev/urandom >"$tmp/www/vmlinuz"
head -c 400000 /dev/urandom | xz -1 >"$tmp/full.xz"
head -c 20000 "$tmp/full.xz" >"$tmp/www/rootfs.img.xz"

http_port=
if http_serve "$tmp/www" "$tmp/http.log"; then ok "an HTTP server for the images"; else nok "an HTTP server for the images"; fi
dead_port=$(free_port)

qemu_device "$tmp/qemu.jinja2"
cat >"$tmp/bad-option.jinja2" <<'EOF'
{% extends 'qemu.jinja2' %}
{% set arch = 'amd64' %}
{% set no_kvm = True %}
{% set no_network = True %}
{% set extra_options = ['-no-such-option-here'] %}
EOF

# job NAME IMAGES-YAML [BOOT]: a job deploying IMAGES (and booting).
job() {
	{
		cat <<'EOF'
device_type: qemu
job_name: qemu fault
timeouts:
  job: {minutes: 2}
  action: {minutes: 1}
priority: medium
visibility: public
context:
  arch: amd64
actions:
- deploy:
    to: tmpfs
    images:
EOF
		echo "$2"
		[ -n "$3" ] && cat <<'EOF'
- boot:
    method: qemu
    media: tmpfs
    auto_login: {login_prompt: 'login:', username: root}
    prompts: ['# ']
EOF
	} >"$tmp/$1.yaml"
}

# expect NAME DEVICE CLASS TEXT WHAT: the job fails with CLASS and TEXT in
# its error message.
expect() {
	name=$1 dev=$2 cls=$3 text=$4 what=$5
	out=$tmp/out-$name
	"$TETHER" run --device "$dev" --output-dir "$out" -t "$DT" \
		--dispatcher "$tmp/worker.yaml" "$tmp/$name.yaml" >"$tmp/$name.stdout" 2>&1
	rc=$?
	python3 - "$out/result.yaml" "$cls" "$text" >"$tmp/$name.check" 2>&1 <<'EOF'
import sys, yaml
r = yaml.safe_load(open(sys.argv[1]))
want_cls, want_text = sys.argv[2], sys.argv[3]
msg = str(r.get("error_msg"))
if r.get("result") != "fail" or r.get("error_type") != want_cls or want_text not in msg:
    sys.exit("want %s error with %r, got: %r" % (want_cls, want_text, r))
EOF
	if [ $rc = 1 ] && [ ! -s "$tmp/$name.check" ]; then
		ok "$what"
	else
		nok "$what (exit $rc)"
		sed 's/^/# /' "$tmp/$name.check"
		tail -5 "$tmp/$name.stdout" | sed 's/^/# /'
	fi
}

url="http://127.0.0.1:$http_port/missing/vmlinuz"
job e404 "      kernel: {url: '$url', image_arg: '-kernel {kernel}'}"
expect e404 "$tmp/qemu.jinja2" Job "Resource unavailable at '$url' (404)" \
	"a URL that answers 404: JobError naming the URL"

url="http://127.0.0.1:$dead_port/vmlinuz"
job refused "      kernel: {url: '$url', image_arg: '-kernel {kernel}'}"
expect refused "$tmp/qemu.jinja2" Infrastructure "Unable to download '$url'" \
	"a server that refuses the connection: InfrastructureError naming the URL"

url="http://127.0.0.1:$http_port/vmlinuz"
job sum "      kernel: {url: '$url', image_arg: '-kernel {kernel}', sha256sum: '0000000000000000000000000000000000000000000000000000000000000000'}"
expect sum "$tmp/qemu.jinja2" Job "sha256sum for '$url' does not match." \
	"a sha256sum that does not match: JobError naming the URL"
url="file://$tmp/www/vmlinuz"
job md5 "      kernel: {url: '$url', image_arg: '-kernel {kernel}', md5sum: '00000000000000000000000000000000'}"
expect md5 "$tmp/qemu.jinja2" Job "md5sum for '$url' does not match." \
	"an md5sum that does not match (file://): JobError naming the URL"

url="http://127.0.0.1:$http_port/rootfs.img.xz"
job cut "      rootfs: {url: '$url', image_arg: '-drive file={rootfs}', compression: xz}"
expect cut "$tmp/qemu.jinja2" Job "Unable to decompress '$url' (xz)" \
	"a truncated xz image: JobError naming the URL"

if command -v qemu-system-x86_64 >/dev/null; then
	job badopt "      kernel: {url: 'file://$tmp/www/vmlinuz', image_arg: '-kernel {kernel}'}" boot
	expect badopt "$tmp/bad-option.jinja2" Infrastructure \
		"QEMU exited at once: qemu-system-x86_64: -no-such-option-here: invalid option" \
		"QEMU refusing an option: InfrastructureError naming the option"
else
	skip "QEMU refusing an option" "no qemu-system-x86_64 (scripts/deps.sh)"
fi
[ "$failed" = 0 ]
