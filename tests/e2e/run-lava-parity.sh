#!/bin/sh
# run-lava-parity.sh: tether run where LAVA's behaviour was checked
# against the real dispatcher (lava-run 2023.01 on the same jobs and
# tether-sim boards) and ../shared/docs/lava-spec.md: the same class, the
# same place (validate or an action), LAVA's words.  Where tether's
# message says more than LAVA's (which action waited, which connection
# dropped and how), the case asserts LAVA's words as the message's
# beginning: docs/run.md lists these on purpose.
NAME=run-lava-parity
. "$(cd "$(dirname "$0")" && pwd)/data/run/lib.sh"

# 1. A login prompt that never comes.  LAVA's login-action waits with
# the connection's expect up to the action's end (the boot block's), so
# the wait for prompt times out before the action's alarm would:
# lava-run 2023.01 ends with JobError "wait for prompt timed out" (spec
# §3.3), nothing more; tether says "wait for prompt timed out:
# login-action waited 3 s".
H=${TAG}nologin
device "$W/nologin.dev" "$H"
{
	header nologin
	cat <<EOF
- boot:
    method: minimal
    reset: false
    timeout: {seconds: 3}
    auto_login: {login_prompt: 'never-login:', username: root}
    prompts: ['root@$H:~# ']
EOF
} >"$W/nologin.job"
run nologin "$W/nologin.dev" "$W/nologin.job"
check "login prompt never comes: JobError 'wait for prompt timed out' (LAVA)" nologin \
	'rc|1' 'job|fail|Job|^wait for prompt timed out: login-action waited [0-9]+ s$' 'row|lava|login-action|fail'

# 2. A connect command that does not exist.  LAVA's connect-device
# checks the command while validating (utils/shell.py which()): the job
# fails before any action, validate fail, InfrastructureError "Cannot
# find command '<program>' in $PATH".  tether does the same, but its
# error_msg starts with "JOB.yaml:LINE: ".
H=${TAG}noconn
CONNECT="$W/no-such-board $H" device "$W/noconn.dev" "$H"
{
	header noconn
	boot "$H"
} >"$W/noconn.job"
run noconn "$W/noconn.dev" "$W/noconn.job"
check "connect command not there: validate fail, 'Cannot find command' (LAVA)" noconn \
	'rc|1' "job|fail|Infrastructure|^Cannot find command '$W/no-such-board' in \\\$PATH\$" \
	'row|lava|validate|fail' 'nolog|^start: 1 lava-overlay'

# 3. A url definition answered 404.  LAVA's download action checks the
# url while validating: validate fail, JobError 'Invalid job data:
# ["Resource unavailable at '<url>' (404)"]'.  tether validates, then
# fails the deploy with InfrastructureError "Unable to fetch url ...:
# HTTP 404".
mkdir -p "$W/www"
HP=$(free_port)
python3 -m http.server "$HP" --bind 127.0.0.1 --directory "$W/www" \
	>"$W/http.log" 2>&1 &
BG="$BG $!"
i=0
while [ $i -lt 50 ] && ! python3 -c "import socket; socket.create_connection(('127.0.0.1', $HP))" 2>/dev/null; do
	sleep 0.1
	i=$((i + 1))
done
H=${TAG}nourl
device "$W/nourl.dev" "$H"
{
	header nourl
	boot "$H"
	echo "- test:"
	echo "    definitions:"
	echo "    - {from: url, repository: 'http://127.0.0.1:$HP/missing.tar.gz', path: smoke.yaml, name: smoke}"
} >"$W/nourl.job"
run nourl "$W/nourl.dev" "$W/nourl.job"
check "url answered 404: validate fail, JobError 'Resource unavailable' (LAVA)" nourl \
	'rc|1' "job|fail|Job|^Invalid job data: \\[\"Resource unavailable at 'http://127.0.0.1:$HP/missing.tar.gz' \\(404\\)\"\\]" \
	'row|lava|validate|fail' 'nolog|^start: 1 lava-overlay'

# 4. failure_retry on a boot whose board drops at the first login.
# LAVA: auto-login-action is itself a retrying action and inherits the
# block's failure_retry (spec §3.4), a retry gets its whole timeout again
# (logical.py restarts the timer), and the message is just "Connection
# closed" (ConnectionClosedError).  lava-run 2023.01 logs, for the same
# board:
#   auto-login-action failed: 1 of 2 attempts. 'Connection closed'
#   Retrying: 1.2 auto-login-action (timeout 00:00:20)
#   auto-login-action failed: 2 of 2 attempts. 'Connection closed'
#   minimal-boot failed: 1 of 2 attempts. 'Connection closed'
#   Retrying: 1 minimal-boot (timeout 00:00:20)
# (2023.01 has no "parent duration / max_retries" rule; HEAD, which
# tether follows, gives auto-login-action 20 s / 2: "(timeout 00:00:10)").
# tether at 6d321b8 retried minimal-boot only; the working tree since
# retries auto-login-action too, but every message is "Connection
# closed: connection 'uart0' (...) dropped: the command exited with
# status 3".
H=${TAG}retry
SIMCMD="$SIM --hostname $H --autoboot-seconds 0 --line-delay-ms 0 --seed 1"
DROP=$(SIMCMD="$SIMCMD" python3 - <<'PY'
import os, shlex, subprocess, time
p = subprocess.Popen(shlex.split(os.environ["SIMCMD"]), stdin=subprocess.PIPE,
                     stdout=subprocess.PIPE)
got = b""
end = time.time() + 10
while b" login: " not in got and time.time() < end:
    got += os.read(p.stdout.fileno(), 65536)
p.kill()
p.wait()
print(got.index(b" login: ") + len(b" login: "))
PY
)
cat >"$W/retry-board" <<EOF
#!/bin/sh
if [ ! -e "$W/retry-first" ]; then
	: >"$W/retry-first"
	exec $SIMCMD --drop-after-bytes $DROP
fi
exec $SIMCMD
EOF
chmod +x "$W/retry-board"
CONNECT="$W/retry-board $H" device "$W/retry.dev" "$H"
{
	header retry
	boot "$H" | sed 's/^    method: minimal$/    method: minimal\n    failure_retry: 2\n    timeout: {seconds: 20}/'
} >"$W/retry.job"
run retry "$W/retry.dev" "$W/retry.job"
check "failure_retry: auto-login-action retried too, each retry with the whole timeout (LAVA)" retry \
	'rc|0' 'job|pass' \
	"log|^auto-login-action failed: 1 of 2 attempts\\. 'Connection closed: connection 'uart0' " \
	'log|^Retrying: 2\.2 auto-login-action \(timeout 00:00:10\)$' \
	"log|^minimal-boot failed: 1 of 2 attempts\\. 'Connection closed: connection 'uart0' " \
	'log|^Retrying: 2 minimal-boot \(timeout 00:00:20\)$'

# 5. A board that drops mid-test: LAVA's ConnectionClosedError says
# "Connection closed", nothing more; tether's error_msg adds the
# connection, its command and exit status.
H=${TAG}drop
device "$W/drop.dev" "$H" --drop-after-seconds 2
{
	header drop
	boot "$H"
	echo "- test:"
	echo "    definitions:"
	inline smoke 'lava-test-case a --result pass' 'sleep 10'
} >"$W/drop.job"
run drop "$W/drop.dev" "$W/drop.job"
check "board drops mid-test: error_msg 'Connection closed' (LAVA)" drop \
	'rc|1' 'job|fail|Infrastructure|^Connection closed: connection .uart0. '

[ $n -gt 0 ] || { echo "not ok 1 - nothing ran"; failed=1; }
exit $failed
