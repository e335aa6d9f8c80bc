#!/bin/sh
# hostile-job.sh: a job is untrusted input.  Each value a job controls
# that reaches the worker as a program's argument or as a path, at its
# nastiest, tried against `tether validate` and `tether run`:
#   - shell code in an image URL's file name, in image_arg, in the job
#     context's extra_options (QEMU's command line): QEMU gets the words,
#     no shell ever runs them;
#   - an image file named after its own {label} (the substitution looped
#     for ever);
#   - image labels, namespaces and URL file names that climb out of the
#     job's directory ("..", "/", control characters): each refused with
#     a JobError naming the key, nothing written outside.
# After every run: no file created where the attack aimed, no process
# left behind.
. "$(cd "$(dirname "$0")" && pwd)/data/tap.sh"
. "$(cd "$(dirname "$0")" && pwd)/data/qemu/lib.sh"
qemu_scratch hostile-job
mkdir -p "$tmp/cwd" "$tmp/work" "$tmp/www"
# The worker lets jobs read $tmp/www (file://, git paths), nothing else.
printf "allowed_file_dirs: ['%s']\n" "$tmp/www" >"$tmp/worker.yaml"

# The attacks' targets: none of these may ever exist.
P=$tmp/pwned
targets() {
	_bad=0
	for f in "$P"* "$tmp/cwd"/* "$tmp/escaped"*; do
		[ -e "$f" ] || continue
		echo "created: $f"
		_bad=1
	done
	return $_bad
}
left() { ! pgrep -f "$tmp/" >/dev/null || { pgrep -af "$tmp/"; return 1; }; }

qemu_device "$tmp/qemu.jinja2"

# job NAME DEPLOY-IMAGES-YAML [EXTRA TOP-LEVEL YAML]: a QEMU job.
job() {
	cat <<EOF2
device_type: qemu
job_name: $1
timeouts: {job: {minutes: 2}, action: {minutes: 1}, connection: {seconds: 40}}
priority: medium
visibility: public
context: {arch: amd64, memory: 256${3:+, $3}}
actions:
- deploy:
    to: tmpfs
    ${4:+namespace: '$4'}
    images:
$2
- boot:
    method: qemu
    media: tmpfs
    ${4:+namespace: '$4'}
    timeout: {seconds: 60}
    auto_login: {login_prompt: 'login:', username: root}
    prompts: ['root@[a-z]+:~# ']
EOF2
}

# run CASE JOB: tether run from $tmp/cwd (where a shell would write).
run() {
	(cd "$tmp/cwd" && TMPDIR=$tmp/work timeout 150 "$TETHER" run \
		--device "$tmp/qemu.jinja2" -t "$SHARED/corpus/lava/device-types" \
		--dispatcher "$tmp/worker.yaml" \
		--output-dir "$tmp/out-$1" "$2" >"$tmp/$1.stdout" 2>&1)
	RC=$?
}
validate() {
	(cd "$tmp/cwd" && "$TETHER" validate "$1" >"$tmp/validate.out" 2>&1)
	VRC=$?
}
has() { grep -qE -- "$1" "$2" || { echo "no /$1/ in $2:"; tail -15 "$2"; return 1; }; }

# ---- refused at validation: paths out of the job's directory ----------
# Each: the images map, extra context, namespace, the key and words wanted.
# refused WHAT JOB-FILE KEY-REGEX: tether validate and tether run both
# refuse the job with a JobError matching KEY-REGEX, before anything runs.
refused() {
	validate "$2"
	tap "validate refuses $1 (JobError naming the key)" \
		sh -c '[ "$1" = 1 ] && grep -qE "$2" "$3" || { cat "$3"; exit 1; }' sh \
		"$VRC" "JobError: $3" "$tmp/validate.out"
	run refused "$2"
	tap "run refuses $1 before anything runs (exit 1, JobError)" \
		sh -c '[ "$1" = 1 ] && grep -q "error_type: Job" "$2/result.yaml" &&
			! grep -q "\"msg\": \"start: 1 " "$2/log.yaml" ||
			{ echo "exit $1"; cat "$2/result.yaml"; exit 1; }' sh "$RC" "$tmp/out-refused"
	tap "$1: nothing run, nothing written outside the job's directory" targets
	rm -rf "$tmp/out-refused"
}
refuse() { # WHAT IMAGES CONTEXT NS KEY-REGEX
	job "$1" "$2" "$3" "$4" >"$tmp/refuse.yaml"
	refused "$1" "$tmp/refuse.yaml" "$5"
}
K="file://$tmp/www/vmlinuz"
refuse "an image label '../../escaped'" \
	"      '../../escaped': {image_arg: '-kernel {../../escaped}', url: '$K'}" \
	"" "" "actions\\[0\\]\\.deploy\\.images\\['\\.\\./\\.\\./escaped'\\]: the image label holds a '/'"
refuse "an image label '..'" \
	"      '..': {image_arg: '-kernel {..}', url: '$K'}" \
	"" "" "actions\\[0\\]\\.deploy\\.images\\['\\.\\.'\\]: the image label is a relative directory"
refuse "an image label with a newline" \
	"      \"a\\nb\": {image_arg: '-kernel x', url: '$K'}" \
	"" "" "actions\\[0\\]\\.deploy\\.images\\['a.nb'\\]: the image label holds a control character"
refuse "a namespace '../../escaped'" \
	"      kernel: {image_arg: '-kernel {kernel}', url: '$K'}" \
	"" "../../escaped" "actions\\[0\\]\\.deploy\\.namespace: the namespace holds a '/'"
refuse "a URL whose file name is '..'" \
	"      kernel: {image_arg: '-kernel {kernel}', url: 'file://$tmp/www/..'}" \
	"" "" "actions\\[0\\]\\.deploy\\.images\\.kernel\\.url: the URL's file name '\\.\\.' is a relative directory"
refuse "an image_arg with an unbalanced quote" \
	"      kernel: {image_arg: '-kernel {kernel} -append \"console=ttyS0', url: '$K'}" \
	"" "" "actions\\[0\\]\\.deploy\\.images\\.kernel\\.image_arg: cannot be split into arguments as LAVA splits a command line: No closing quotation"

# ---- refused at validation: test definitions git or a path would obey ---
# definition YAML-FLOW-MAP: a QEMU-less job with that one definition.
defjob() {
	cat <<EOF2
device_type: qemu
job_name: a hostile definition
timeouts: {job: {minutes: 1}}
priority: medium
visibility: public
context: {arch: amd64}
actions:
- test:
    definitions:
    - $1
EOF2
}
refuse_def() { # WHAT DEFINITION KEY-AND-WORDS-REGEX
	defjob "$2" >"$tmp/def.yaml"
	refused "$1" "$tmp/def.yaml" "actions\\[0\\]\\.test\\.definitions\\[0\\]\\.$3"
}
refuse_def "a git repository that is an option of git (--upload-pack)" \
	"{from: git, repository: '--upload-pack=touch \${IFS}${P}7', path: a.yaml, name: a}" \
	"repository: the repository '--upload-pack=.*' starts with '-'"
refuse_def "a git remote helper (ext::) as repository" \
	"{from: git, repository: 'ext::sh -c touch% ${P}8', path: a.yaml, name: a}" \
	"repository: the repository 'ext::.*' names a git remote helper"
refuse_def "a git revision that is an option of git" \
	"{from: git, repository: 'https://example.invalid/r.git', revision: '--orphan=x', path: a.yaml, name: a}" \
	"revision: the revision '--orphan=x' starts with '-'"
refuse_def "a git branch that is an option of git" \
	"{from: git, repository: 'https://example.invalid/r.git', branch: '--upload-pack=x', path: a.yaml, name: a}" \
	"branch: the branch '--upload-pack=x' starts with '-'"
refuse_def "a definition path out of the test's directory" \
	"{from: git, repository: 'https://example.invalid/r.git', path: ../../../etc/passwd, name: a}" \
	"path: Test definition path '\\.\\./\\.\\./\\.\\./etc/passwd' leaves"
refuse_def "an absolute definition path" \
	"{from: inline, repository: {metadata: {name: a}}, path: /etc/passwd, name: a}" \
	"path: Test definition path '/etc/passwd' leaves"
refuse_def "a url definition on another scheme" \
	"{from: url, repository: 'ftp://127.0.0.1/x.tar', path: a.yaml, name: a}" \
	"repository: Unsupported url 'ftp://127.0.0.1/x.tar'"

# ---- refused by the run: the worker's files outside allowed_file_dirs ----
# (tether validate has no worker settings: these are the run's.)
refuse_run() { # WHAT JOB-FILE KEY-AND-WORDS-REGEX
	run local "$2"
	tap "run refuses $1 (JobError naming the key), nothing started" \
		sh -c '[ "$1" = 1 ] && python3 -c "
import re, sys, yaml
r = yaml.safe_load(open(sys.argv[1]))
sys.exit(not (r[\"error_type\"] == \"Job\" and re.search(sys.argv[2], r[\"error_msg\"])))
" "$2/result.yaml" "$3" &&
			! grep "\"msg\": \"start: 1 " "$2/log.yaml" | grep -qv "start: 1 finalize" ||
			{ echo "exit $1"; cat "$2/result.yaml"; exit 1; }' sh \
		"$RC" "$tmp/out-local" "$4"
	tap "$1: nothing read, nothing written outside" targets
	rm -rf "$tmp/out-local"
}
ln -sf /etc/passwd "$tmp/www/innocent"
job "an image at file:///etc/passwd" \
	"      kernel: {image_arg: '-kernel {kernel}', url: 'file:///etc/passwd'}" >"$tmp/local.yaml"
refuse_run "an image read from /etc (file://)" "$tmp/local.yaml" x \
	"actions\\[0\\]\\.deploy\\.images\\.kernel\\.url: '/etc/passwd' is not in a directory the worker lets jobs read \\(allowed_file_dirs: $tmp/www\\)"
job "a link out of the allowed directory" \
	"      kernel: {image_arg: '-kernel {kernel}', url: 'file://$tmp/www/innocent'}" >"$tmp/local.yaml"
refuse_run "an image through a link out of allowed_file_dirs" "$tmp/local.yaml" x \
	"'$tmp/www/innocent' is not in a directory the worker lets jobs read"
defjob "{from: git, repository: '/etc', path: passwd, name: a}" >"$tmp/local.yaml"
refuse_run "a git repository at a path out of allowed_file_dirs" "$tmp/local.yaml" x \
	"actions\\[0\\]\\.test\\.definitions\\[0\\]\\.repository: '/etc' is not in a directory"
defjob "{from: url, repository: 'file:///etc/shadow', path: a.yaml, name: a}" >"$tmp/local.yaml"
refuse_run "a url definition from file:///etc/shadow" "$tmp/local.yaml" x \
	"actions\\[0\\]\\.test\\.definitions\\[0\\]\\.repository: '/etc/shadow' is not in a directory"
rm -f "$tmp/www/innocent"

# ---- run safely: shell code that reaches QEMU as plain arguments --------
qemu_guest
# The kernel's file name: shell code, and its own label's placeholder.
KNAME=';touch${IFS}pwned1;{kernel}'
cp "$GUEST/vmlinuz" "$tmp/www/$KNAME"
cp "$GUEST/initramfs.cpio.gz" "$tmp/www/initrd.gz"
IMGS="      kernel:
        image_arg: '-kernel {kernel} -append \"console=ttyS0,115200 \$(touch \$PWD/pwned2)\"'
        url: 'file://$tmp/www/$KNAME'
      initrd: {image_arg: '-initrd {initrd} \$(touch\${IFS}${P}3)', url: 'file://$tmp/www/initrd.gz'}"
# The last image_arg word would make QEMU fail (an extra disk): here it is
# kept out, and tried alone below.
IMGS_OK=$(printf '%s\n' "$IMGS" | sed 's/ \$(touch\${IFS}[^)]*)//')
job "shell code as QEMU's arguments" "$IMGS_OK" \
	"extra_options: ['-name', '\$(touch\${IFS}${P}4)', '-name', '\`touch\${IFS}${P}5\`']" >"$tmp/inject.yaml"
validate "$tmp/inject.yaml"
tap "validate: shell code in a URL's file name, image_arg and context is valid (it is only words)" \
	sh -c '[ "$1" = 0 ] || { cat "$2"; exit 1; }' sh "$VRC" "$tmp/validate.out"
run inject "$tmp/inject.yaml"
tap "the guest boots with those words as QEMU's arguments (job passes)" \
	sh -c '[ "$1" = 0 ] || { echo "exit $1"; tail -20 "$2"; exit 1; }' sh "$RC" "$tmp/inject.stdout"
tap "the boot command shows the words as they were given" \
	has 'Boot command: .*;touch\$\{IFS\}pwned1;\{kernel\}' "$tmp/out-inject/log.yaml"
tap "the kernel's command line got the \$(...) as text" \
	has 'Kernel command line: console=ttyS0,115200 \$\(touch' "$tmp/out-inject/log.yaml"
tap "no shell ran any of it: no file created" targets
tap "no process left" left

# An extra word QEMU refuses: an InfrastructureError naming it, no shell.
IMGS_BAD=$(printf '%s\n' "$IMGS_OK" | sed "s/-initrd {initrd}/-initrd {initrd} \$(touch\${IFS}${tmp##*/}pwned6)/")
job "a word QEMU refuses" "$IMGS_BAD" >"$tmp/bad.yaml"
run bad "$tmp/bad.yaml"
tap "a \$(...) word QEMU cannot use: InfrastructureError from QEMU, nothing run" \
	sh -c '[ "$1" = 1 ] && grep -q "error_type: Infrastructure" "$2/result.yaml" ||
		{ echo "exit $1"; cat "$2/result.yaml"; exit 1; }' sh "$RC" "$tmp/out-bad"
tap "no shell ran it: no file created" targets
tap "no process left after the refused command" left
[ "$failed" = 0 ]
