#!/bin/sh
# qemu-retry.sh: a QEMU boot retried by failure_retry.  The test guest
# boots, but the job waits for a login prompt it never prints, so each
# attempt times out: the first attempt's QEMU is closed and a second one
# started.  tether must not touch the closed connection (it crashed in
# job_use_conn on the freed stream), must log both attempts (qemu.log,
# qemu.2.log), fail with LAVA's words, and leave no QEMU running.
. "$(cd "$(dirname "$0")" && pwd)/data/tap.sh"
. "$(cd "$(dirname "$0")" && pwd)/data/qemu/lib.sh"
qemu_scratch qemu-retry

qemu_guest
qemu_device "$tmp/qemu.jinja2"
cat >"$tmp/job.yaml" <<EOF2
device_type: qemu
job_name: a qemu boot retried
timeouts: {job: {minutes: 2}, action: {minutes: 1}, connection: {seconds: 30}}
priority: medium
visibility: public
context: {arch: amd64, memory: 256}
actions:
- deploy:
    to: tmpfs
    images:
      kernel: {image_arg: '-kernel {kernel} -append "console=ttyS0,115200"', url: 'file://$GUEST/vmlinuz'}
      initrd: {image_arg: '-initrd {initrd}', url: 'file://$GUEST/initramfs.cpio.gz'}
- boot:
    method: qemu
    media: tmpfs
    failure_retry: 2
    timeout: {seconds: 6}
    auto_login: {login_prompt: 'no-such-login-prompt:', username: root}
    prompts: ['root@qemu:~# ']
EOF2
mkdir -p "$tmp/work"
printf "allowed_file_dirs: ['%s']\n" "$GUEST" >"$tmp/worker.yaml"
out=$tmp/out
TMPDIR=$tmp/work timeout 120 "$TETHER" run --device "$tmp/qemu.jinja2" \
	--dispatcher "$tmp/worker.yaml" \
	-t "$SHARED/corpus/lava/device-types" --output-dir "$out" \
	"$tmp/job.yaml" >"$tmp/stdout" 2>&1
rc=$?
if [ $rc = 1 ]; then ok "the retried boot fails the job, no crash (exit 1)"; else
	nok "the retried boot fails the job, no crash (exit $rc, want 1)"
	tail -30 "$tmp/stdout" | sed 's/^/# /'
fi
has() { grep -qE -- "$1" "$2" || { echo "no /$1/ in $2"; tail -20 "$2"; return 1; }; }
tap "the first attempt's failure is logged as LAVA's RetryAction does" \
	has "boot-image-retry failed: 1 of 2 attempts" "$out/log.yaml"
tap "the second attempt started QEMU again" \
	has "boot-image-retry failed: 2 of 2 attempts" "$out/log.yaml"
tap "each attempt's console has its own raw log (qemu.log, qemu.2.log)" \
	sh -c 'test -s "$1/qemu.log" && test -s "$1/qemu.2.log"' sh "$out"
tap "result.yaml: fails with a JobError" has "error_type: Job" "$out/result.yaml"
left() { ! pgrep -f "$tmp/work" >/dev/null || { pgrep -af "$tmp/work"; return 1; }; }
tap "no QEMU left running" left
[ "$failed" = 0 ]
