#!/bin/sh
# hostile-fetch.sh: tether run against servers and test definitions that
# mean harm or hang.  A git server and an HTTP server that accept and
# never answer (or stall after the headers), met by the deploy's timeout
# and by SIGTERM, at the overlay's build and at validation's HEAD check:
# the job ends in time with its logs complete and no git or download left
# running.  Archives holding a FIFO, a device node, links out of the tree,
# a ".." or absolute entry, or 10 MB of zeros over a 1 MB cap, and a git
# repository whose definition is a link to /etc/passwd: each refused by
# name as a JobError, nothing written outside the job's directories.
NAME=hostile-fetch
. "$(cd "$(dirname "$0")" && pwd)/data/run/lib.sh"
DATA="$TOP/tests/e2e/data/hostile-fetch"
# tether's scratch and the overlay's build under $W, so that an escape
# would be found there.
mkdir -p "$W/tmp"
export TMPDIR="$W/tmp"

# hung MODE: a server of data/hostile-fetch/hung.py; its port in $PORT.
hung() {
	_pf=$W/port-$1
	rm -f "$_pf" "$_pf.events"
	python3 "$DATA/hung.py" "$1" "$_pf" &
	BG="$BG $!"
	_i=0
	while [ ! -s "$_pf" ] && [ $_i -lt 100 ]; do
		sleep 0.05
		_i=$((_i + 1))
	done
	PORT=$(cat "$_pf")
	EVENTS=$_pf.events
}

# ajob HOST DEF-LINE [DEPLOY-TIMEOUT]: deploy (with that timeout), boot
# and a test block with one definition.
ajob() {
	_to=
	[ -z "$3" ] || _to=", timeout: {seconds: $3}"
	header "$1"
	boot "$1" | sed "s/^- deploy: {to: overlay}\$/- deploy: {to: overlay$_to}/"
	echo "- test:"
	echo "    definitions:"
	echo "    $2"
}

# Nothing of a port left running (git, its http helper).
none_on_port() {
	_left=$(procs "127.0.0.1:$1")
	[ -z "$_left" ] && return 0
	echo "left behind:"
	ps -o pid,args -p "$(echo $_left | tr ' ' ,)"
	return 1
}

# timed CASE DEVICE JOB: run, with the wall time in $T.
timed() {
	_t0=$(date +%s.%N)
	run "$@"
	T=$(awk -v a="$_t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
}

H=${TAG}hf
device "$W/dev" "$H"

# ---- (a) a git server that never answers, the deploy's timeout: 5 s -------
hung silent
GITPORT=$PORT
GITEVENTS=$EVENTS
ajob "$H" "- {from: git, repository: 'http://127.0.0.1:$GITPORT/x.git', path: t.yaml, name: t}" 5 >"$W/gittime.job"
timed gittime "$W/dev" "$W/gittime.job"
check "git server never answers: the deploy times out (JobError), logs complete" gittime \
	'rc|1' 'job|fail|Job|^lava-overlay timed out after 5 seconds$' \
	'row|lava|lava-overlay|fail' \
	"log|^The deadline passed during the git clone of 'http://127.0.0.1:$GITPORT/x.git'\$" \
	'nolog|Connecting to device'
tap "git server never answers: over in 5 s + 1 s (took $T s)" at_most 6.5
tap "git server never answers: no git left running" none_on_port "$GITPORT"

# ---- (b) the same, SIGTERM once git is connected ---------------------------
ajob "$H" "- {from: git, repository: 'http://127.0.0.1:$GITPORT/x.git', path: t.yaml, name: t}" >"$W/gitterm.job"
: >"$EVENTS"
signal_run gitterm "$W/dev" "$W/gitterm.job" grep -q accept "$EVENTS"
check "git server never answers, SIGTERM: Canceled, logs complete" gitterm \
	'rc|1' 'job|fail|Canceled|^The job was canceled$' \
	'log|^Received signal SIGTERM' 'log|^JobCanceled: '
tap "git server never answers, SIGTERM: exit 1 s after the signal at most (took $T s)" at_most 1
tap "git server never answers, SIGTERM: no git left running" none_on_port "$GITPORT"

# ---- (c) a download that stalls after its headers --------------------------
hung nobody
DLPORT=$PORT
URL="http://127.0.0.1:$DLPORT/defs.tar.gz"
ajob "$H" "- {from: url, repository: '$URL', path: t.yaml, name: t}" >"$W/dlterm.job"
signal_run dlterm "$W/dev" "$W/dlterm.job" grep -q GET "$EVENTS"
check "download stalls, SIGTERM: Canceled, logs complete" dlterm \
	'rc|1' 'job|fail|Canceled|^The job was canceled$' \
	'row|lava|validate|pass' 'log|^Received signal SIGTERM'
tap "download stalls, SIGTERM: exit 1 s after the signal at most (took $T s)" at_most 1
ajob "$H" "- {from: url, repository: '$URL', path: t.yaml, name: t}" 5 >"$W/dltime.job"
timed dltime "$W/dev" "$W/dltime.job"
check "download stalls: the deploy times out (JobError), logs complete" dltime \
	'rc|1' 'job|fail|Job|^lava-overlay timed out after 5 seconds$' \
	"log|^The deadline passed during the download of '$URL'\$" \
	'nolog|Connecting to device'
tap "download stalls: over in 5 s + 1 s (took $T s)" at_most 6.5

# ---- (d) validation's HEAD check against a server that never answers ------
ajob "$H" "- {from: url, repository: 'http://127.0.0.1:$GITPORT/defs.tar.gz', path: t.yaml, name: t}" >"$W/headterm.job"
: >"$GITEVENTS"
signal_run headterm "$W/dev" "$W/headterm.job" grep -q accept "$GITEVENTS"
check "HEAD check never answered, SIGTERM: Canceled at validation" headterm \
	'rc|1' 'job|fail|Canceled|^The job was canceled$' \
	'row|lava|validate|fail' 'nolog|^start: 1 lava-overlay'
tap "HEAD check never answered, SIGTERM: exit 1 s after the signal at most (took $T s)" at_most 1

# ---- (e) hostile archives, over HTTP ---------------------------------------
mkdir -p "$W/www"
python3 "$DATA/archives.py" "$W/www" "$TAG"
http_serve "$W/www" "$W/http.log"
BG="$BG $http_pid"
HP=$http_port
for c in \
	"fifo|def.yaml|'def.yaml' is a fifo \\(only regular files, directories and links are allowed\\)" \
	"chr|def.yaml|'def.yaml' is a character device \\(only regular files, directories and links are allowed\\)" \
	"symlink|def.yaml|'def.yaml' is a symlink to '/etc/passwd', outside the archive's directory" \
	"dotdot|ok.yaml|'\\.\\./\\.\\./$TAG-escape' leaves the archive's directory" \
	"abs|ok.yaml|'/tmp/$TAG-abs' leaves the archive's directory" \
	"hardlink|def.yaml|'def.yaml' is a hard link to '/etc/passwd', outside the archive's directory"; do
	k=${c%%|*}
	rest=${c#*|}
	path=${rest%%|*}
	why=${rest#*|}
	URL="http://127.0.0.1:$HP/$k.tar.gz"
	ajob "$H" "- {from: url, repository: '$URL', path: $path, name: t}" >"$W/$k.job"
	timed "$k" "$W/dev" "$W/$k.job"
	check "archive with $k: refused by name (JobError), no hang ($T s)" "$k" \
		'rc|1' "job|fail|Job|^Unable to unpack http://127\\.0\\.0\\.1:$HP/$k\\.tar\\.gz: $why\$" \
		'nolog|Connecting to device'
done
tap "archives: nothing written outside (no $TAG-escape, no /tmp/$TAG-abs)" \
	sh -c "! find '$W' /tmp -name '$TAG-*' 2>/dev/null | grep ."
tap "archives: /etc/passwd untouched (no new link to it)" \
	sh -c "[ \$(stat -c %h /etc/passwd) -eq 1 ]"

# ---- (f) a gzip bomb over the dispatcher's cap -----------------------------
printf "max_archive_bytes: 1048576\nallowed_file_dirs: ['%s']\n" "$W" >"$W/disp.yaml"
URL="http://127.0.0.1:$HP/bomb.tar.gz"
ajob "$H" "- {from: url, repository: '$URL', path: def.yaml, name: t}" >"$W/bomb.job"
timeout 60 "$TETHER" run --device "$W/dev" --dispatcher "$W/disp.yaml" \
	--output-dir "$W/bomb" "$W/bomb.job" >"$W/bomb.out" 2>&1
RC=$?
check "10 MB of zeros over max_archive_bytes 1048576: JobError naming the cap" bomb \
	'rc|1' "job|fail|Job|^Unable to unpack $URL: more than 1048576 bytes unpacked \\(max_archive_bytes\\)\$"
# A cap the worker mistyped stops the job before anything runs.
echo "max_archive_bytes: nope" >"$W/bad.yaml"
timeout 60 "$TETHER" run --device "$W/dev" --dispatcher "$W/bad.yaml" \
	--output-dir "$W/badcfg" "$W/bomb.job" >"$W/badcfg.out" 2>&1
RC=$?
check "a cap that is no number: ConfigurationError" badcfg \
	'rc|1' 'job|fail|Configuration|^Invalid dispatcher configuration$'
tap "a cap that is no number: the key named on stderr" \
	grep -q "bad.yaml:1:20: ConfigurationError: max_archive_bytes: should be a positive whole number" "$W/badcfg.out"

# ---- (g) a git repository whose definition is a link to /etc/passwd --------
git init -q -b master "$W/evil"
(cd "$W/evil" && git config user.email t@example.com && git config user.name t &&
	ln -s /etc/passwd def.yaml && git add def.yaml && git commit -q -m evil)
ajob "$H" "- {from: git, repository: '$W/evil', path: def.yaml, name: t}" >"$W/evilgit.job"
timed evilgit "$W/dev" "$W/evilgit.job"
check "git definition linked to /etc/passwd: refused (JobError)" evilgit \
	'rc|1' "job|fail|Job|^Test definition path 'def.yaml' leaves the test's directory\$" \
	'nolog|Connecting to device' 'nolog|root:x:0:0'
# No board started, no overlay build left behind.
clean() {
	[ -z "$(procs "$H")" ] && ! ls "$W/tmp" | grep tether-
}
tap "nothing left: no board, no build directory in \$TMPDIR" clean

[ $n -gt 0 ] || { echo "not ok 1 - nothing ran"; failed=1; }
exit $failed
