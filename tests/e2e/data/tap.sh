# tap.sh: TAP lines for the end-to-end scripts, sourced (needs $tmp).
#   ok/nok WHAT, skip WHAT WHY, skip_not_installable WHAT WHY, tap WHAT
#   COMMAND... (one line from a command's status, its output as comments
#   when it fails), wait_for SECONDS COMMAND... (until COMMAND succeeds),
#   same WANT GOT (equal files, or the difference), free_port (on
#   127.0.0.1), cases FILE and actions FILE (data/results.py), http_serve
#   DIR [LOG] (data/http.sh).  $failed counts the failures.
n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
nok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; }
# skip: WHAT cannot run here for want of WHY, which scripts/deps.sh
# installs (or root, which CI has).  In CI (CI=true), where deps.sh ran,
# that is a failure, not a skip.
skip() {
	if [ "${CI:-}" = true ]; then
		nok "$1 # not skipped in CI: $2"
	else
		n=$((n + 1))
		echo "ok $n - $1 # SKIP $2"
	fi
}
# skip_not_installable: WHY is something deps.sh does not install
# (lava-run): a skip in CI too.  tests/run.sh knows it by these words.
skip_not_installable() {
	n=$((n + 1))
	echo "ok $n - $1 # SKIP not installable by scripts/deps.sh: $2"
}
# wait_for SECONDS COMMAND...: runs COMMAND every 50 ms until it
# succeeds (status 0) or SECONDS have gone by (status 1).
wait_for() {
	_wf=$(($1 * 20))
	shift
	until "$@"; do
		[ "$_wf" -gt 0 ] || return 1
		_wf=$((_wf - 1))
		sleep 0.05
	done
}
tap() {
	what=$1
	shift
	if "$@" >"$tmp/tap.out" 2>&1; then
		ok "$what"
	else
		nok "$what"
		sed 's/^/# /' "$tmp/tap.out"
	fi
}
same() {
	cmp -s "$1" "$2" && return 0
	diff -u "$1" "$2"
	return 1
}
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
. "$(cd "$(dirname "$0")" && pwd)/data/http.sh"
E_RESULTS=$(cd "$(dirname "$0")" && pwd)/data/results.py
cases() { python3 "$E_RESULTS" cases "$1"; }
actions() { python3 "$E_RESULTS" actions "$1"; }
