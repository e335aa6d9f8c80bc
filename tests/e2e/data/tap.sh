# tap.sh: TAP lines for the end-to-end scripts, sourced (needs $tmp).
#   ok/nok WHAT, skip WHAT WHY, tap WHAT COMMAND... (one line from a
#   command's status, its output as comments when it fails), same WANT GOT
#   (equal files, or the difference), free_port (on 127.0.0.1), cases FILE
#   and actions FILE (data/results.py), http_serve DIR [LOG] (data/http.sh).  $failed counts the failures.
n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
nok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; }
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }
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
