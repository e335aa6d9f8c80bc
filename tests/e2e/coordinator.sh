#!/bin/sh
# tether coordinator: the real server on a free port of 127.0.0.1, spoken
# to over TCP as lava-run speaks to LAVA's coordinator.  Every request
# LAVA's dispatchers sent in the oracle's captures
# ($SHARED/oracle/multinode/samples/*/wire*.txt) is replayed and each
# answer compared byte for byte with what lava-coordinator answered;
# where tether answers otherwise on purpose, the test says so.
tmp=$(mktemp -d)
. "$TOP/tests/e2e/data/tap.sh"
client="$TOP/tests/e2e/data/coordinator/client.py"
samples="$SHARED/oracle/multinode/samples"
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

# start_coordinator ARGS...: starts it on an ephemeral port; sets $port.
start_coordinator() {
	: >"$tmp/coord.log"
	"$TETHER" coordinator --listen 127.0.0.1:0 --loglevel DEBUG \
		--log "$tmp/coord.log" "$@" &
	pid=$!
	wait_for 10 grep -q 'listening on' "$tmp/coord.log" || return 1
	port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' \
		"$tmp/coord.log" | head -n 1)
	[ -n "$port" ]
}

if ! start_coordinator; then
	nok "the coordinator starts"
	cat "$tmp/coord.log" | sed 's/^/# /'
	echo "1..$n"
	exit 1
fi
ok "the coordinator listens on 127.0.0.1:$port"

# The captures, replayed in order on one coordinator (each is a group of
# its own).  edge: LAVA answers lava_wait_all of an id nobody has sent
# "nack" at once (request 3); tether waits, as the user meant (issue 12).
# reuse is not replayed: LAVA's coordinator deadlocks the late node on a
# reused sync id there, and tether does not (the "reuse" case below).
for wire in "$samples"/*/wire*.txt; do
	case=$(basename "$(dirname "$wire")")
	[ "$case" = reuse ] && continue
	over=
	[ "$case" = edge ] && over='3={"response": "wait"}'
	tap "capture $case/$(basename "$wire"): every answer as LAVA's coordinator's" \
		python3 "$client" replay "$port" "$wire" ${over:+"$over"}
done

tap "a reused lava-sync id works round after round (LAVA deadlocks the late node)" \
	python3 "$client" reuse "$port"
tap "lava-wait-all of an id nobody sent yet waits (LAVA answers nack)" \
	python3 "$client" waitall "$port"
tap "push: group_data, lava_wait, lava_sync (twice), lava_wait_all by role answered at once" \
	python3 "$client" push "$port"
tap "push: a dropped connection ends the others' waits with an error naming the node" \
	python3 "$client" drop "$port"
tap "100 concurrent connections (one group of 100 nodes, push)" \
	python3 "$client" many "$port" 100
tap "20 nodes polling lava-sync barriers at once" \
	python3 "$client" poll "$port" 20
tap "bad frames and requests get nack, and the coordinator lives on" \
	python3 "$client" bad "$port"
grep -q 'DEBUG.*> {"port": 3079' "$tmp/coord.log"
[ $? = 0 ] && ok "--loglevel DEBUG logs each request" || nok "--loglevel DEBUG logs each request"

# stop SIGNAL: signals the coordinator; its exit status, or 137 when it
# is still there 5 s later.
stop() {
	kill -"$1" "$pid"
	(sleep 5 && kill -9 "$pid") >/dev/null 2>&1 &
	_wd=$!
	wait "$pid"
	_rc=$?
	kill "$_wd" 2>/dev/null
	pid=
	return $_rc
}

stop TERM
rc=$?
[ $rc = 0 ] && ok "SIGTERM ends it cleanly (exit $rc)" ||
	nok "SIGTERM ends it cleanly (exit $rc)"

# --config: lava-coordinator's conffile; its port is where it listens.
cport=$(free_port)
printf '{"port": %s, "blocksize": 4096, "poll_delay": 3, "coordinator_hostname": "127.0.0.1"}\n' \
	"$cport" >"$tmp/lava-coordinator.conf"
: >"$tmp/conf.log"
"$TETHER" coordinator --config "$tmp/lava-coordinator.conf" --log "$tmp/conf.log" &
pid=$!
if wait_for 10 grep -q "listening on 0.0.0.0:$cport" "$tmp/conf.log" &&
	python3 "$client" waitall "$cport" >/dev/null; then
	ok "--config: listens on every address at the conffile's port, as LAVA"
else
	nok "--config: listens on every address at the conffile's port, as LAVA"
	sed 's/^/# /' "$tmp/conf.log"
fi
stop INT
rc=$?
[ $rc = 0 ] && ok "SIGINT ends it cleanly" || nok "SIGINT ends it cleanly (exit $rc)"

printf '{"port": "x"}' >"$tmp/bad.conf"
"$TETHER" coordinator --config "$tmp/bad.conf" 2>"$tmp/err"
rc=$?
[ $rc = 2 ] && grep -q 'ConfigurationError: port' "$tmp/err" &&
	ok "a bad conffile is a ConfigurationError (exit 2)" ||
	nok "a bad conffile is a ConfigurationError (exit $rc)"
"$TETHER" coordinator --listen nowhere:x 2>/dev/null
[ $? = 2 ] && ok "a bad --listen is a usage error" || nok "a bad --listen is a usage error"

echo "1..$n"
[ "$failed" = 0 ]
