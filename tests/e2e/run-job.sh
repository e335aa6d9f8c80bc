#!/bin/sh
# run-job.sh: tether run, the features, on tether-sim boards: inline, git
# and url test definitions, parse patterns, expected cases,
# lava-test-raise, namespaces and connection-namespace (the test shell on
# UART1 while UART0 is logged as feedback), failure_retry, the timeout
# precedence and skip, repeat, command blocks.  Each case checks the
# results (results.yaml, result.yaml), the job log's messages, and that
# both logs are complete (tests/e2e/data/run/check.py).
NAME=run-job
. "$(cd "$(dirname "$0")" && pwd)/data/run/lib.sh"

# ---- inline definition: the first job -------------------------------------
H=${TAG}inline
device "$W/inline.dev" "$H"
{
	header inline
	boot "$H"
	echo "- test:"
	echo "    definitions:"
	inline smoke 'lava-test-case a --shell true' 'lava-test-case b --shell false' \
		'lava-test-case m --result pass --measurement 1.5 --units s'
} >"$W/inline.job"
run inline "$W/inline.dev" "$W/inline.job"
check "inline definition: cases, measurement, the run's record, job pass, exit 0" inline \
	'rc|0' 'job|pass' 'row|lava|validate|pass' 'row|0_smoke|a|pass' \
	'row|0_smoke|b|fail' 'row|0_smoke|m|pass' 'key|0_smoke|m|measurement|^1.5$' \
	'key|0_smoke|m|units|^s$' 'row|lava|0_smoke|pass' \
	'key|lava|0_smoke|path|^inline/smoke.yaml$' 'key|lava|0_smoke|namespace|^common$' \
	'log|^start: 1 lava-overlay' 'log|^start: 2 minimal-boot' \
	'log|^start: 3 lava-test-retry' 'log|^start: 3.1 lava-test-shell' \
	'log|^ok: lava_test_shell seems to have completed' \
	'log|^Job finished correctly$' 'file|uart0.log|<LAVA_TEST_RUNNER EXIT>'
tap "inline: no board left behind" no_boards "$H"

# ---- secrets -----------------------------------------------------------------
# The job's secrets reach the device (the overlay's secrets file); a test
# that prints them leaves "[MASKED]" in the job log and stars in the raw
# log: no output file holds the value.
H=${TAG}secret
device "$W/secret.dev" "$H"
{
	header secret | sed 's/^actions:$/secrets: {TOKEN: not-for-logs-81723}\nactions:/'
	boot "$H"
	echo "- test:"
	echo "    definitions:"
	inline smoke "cat $W/lava-$H-1/secrets" 'lava-test-case a --shell true'
} >"$W/secret.job"
run secret "$W/secret.dev" "$W/secret.job"
check "secrets: printed by the test, masked in the job log" secret \
	'rc|0' 'job|pass' 'row|0_smoke|a|pass' 'log|^TOKEN=\[MASKED\]$' \
	'file|uart0.log|TOKEN=\*{18}'
tap "secrets: no output file holds the value" \
	sh -c "! grep -r -l not-for-logs-81723 '$W/secret'"

# What the board reports, and the job's error, named after a secret: a
# test set, a case, units, a lava-test-raise.  "[MASKED]" in results.yaml,
# result.yaml, the log and the table on standard output; the value in no
# file and not in what tether printed.  The output directory was given
# links planted under its files' names: each is replaced by the file, its
# target never written.
H=${TAG}secret2
device "$W/secret2.dev" "$H"
{
	header secret2 | sed 's/^actions:$/secrets: {TOKEN: not-for-logs-81723}\nactions:/'
	boot "$H"
	echo "- test:"
	echo "    definitions:"
	inline smoke ". $W/lava-$H-1/secrets" 'lava-test-set start "set-$TOKEN"' \
		'lava-test-case "$TOKEN" --result pass' \
		'lava-test-case m --result pass --measurement 3 --units "u-$TOKEN"' \
		'lava-test-set stop' 'lava-test-raise "raised $TOKEN"'
} >"$W/secret2.job"
mkdir -p "$W/secret2"
echo untouched >"$W/victim"
echo untouched >"$W/victim2"
ln -s "$W/victim" "$W/secret2/results.yaml"
ln -s "$W/victim2" "$W/secret2/log.yaml"
run secret2 "$W/secret2.dev" "$W/secret2.job"
check "secrets: a set, a case, units and an error named after one, masked" secret2 \
	'rc|1' 'job|fail|Test|^raised \[MASKED\]$' 'row|0_smoke|[MASKED]|pass' \
	'key|0_smoke|[MASKED]|set|^set-\[MASKED\]$' 'key|0_smoke|m|units|^u-\[MASKED\]$' \
	'log|^Received signal: <TESTRAISE> raised \[MASKED\]' \
	'file|result.yaml|error_msg: raised \[MASKED\]'
# The table's row and the failed action's progress line.
printed_masked() {
	grep '^0_smoke  *\[MASKED\]  *pass' "$1" &&
		grep 'lava-test-retry .* FAILED.*: raised \[MASKED\]$' "$1"
}
# Each target still says "untouched", each name in DIR is no link.
untouched() {
	for _v in "$W/victim" "$W/victim2"; do
		[ "$(cat "$_v")" = untouched ] || { echo "$_v written"; return 1; }
	done
	for _f in results.yaml log.yaml; do
		[ -f "$1/$_f" ] && [ ! -L "$1/$_f" ] || { echo "$_f: no file"; return 1; }
	done
}
tap "secrets: the table and the progress lines masked" \
	printed_masked "$W/secret2.out"
tap "secrets: the value in no output file, nor in what tether printed" \
	sh -c "! grep -r -n not-for-logs-81723 '$W/secret2' '$W/secret2.out'"
tap "output files: links planted in the output directory replaced, not followed" \
	untouched "$W/secret2"

# ---- namespaces, connection-namespace, feedback ---------------------------
# UART0 boots and logs in (namespace board) and keeps printing kernel
# messages; UART1 is a new connection (namespace second); the test of
# namespace board runs over UART1.
H=${TAG}ns
P=$(free_port)
UART1=$P device "$W/ns.dev" "$H" --kmsg-interval 50
{
	header namespaces
	boot "$H" board
	cat <<EOF
- boot:
    namespace: second
    method: new_connection
    connection: uart1
    auto_login: {login_prompt: 'login:', username: root}
    prompts: ['root@$H:~# ']
- test:
    namespace: board
    connection-namespace: second
    definitions:
EOF
	inline smoke 'lava-test-case on-uart1 --shell true' 'sleep 1' \
		'lava-test-case b --result pass'
} >"$W/ns.job"
run ns "$W/ns.dev" "$W/ns.job"
check "namespaces: boot in board, new_connection in second, test over second" ns \
	'rc|0' 'job|pass' 'row|0_smoke|on-uart1|pass' 'row|0_smoke|b|pass' \
	'key|lava|0_smoke|namespace|^board$' 'nokey|lava|0_smoke|connection-namespace' \
	'log|^start: 2 minimal-boot .*\[board\]$' \
	'log|^start: 3 secondary-shell-action .*\[second\]$' \
	'log|^start: 4 lava-test-retry .*\[board\]$' \
	"log|^\\[second\\] connect-shell Connecting to device using 'telnet 127.0.0.1 $P'" \
	'file|uart1.log|<LAVA_SIGNAL_STARTRUN 0_smoke' \
	'nofile|uart0.log|<LAVA_SIGNAL_STARTRUN' \
	'target|<LAVA_SIGNAL_ENDRUN 0_smoke|^start: 4 lava-test-retry|^end: 4 lava-test-retry'
check "namespaces: UART0's kernel messages logged as feedback (ns board) while the test ran" ns \
	'feedback|board|^start: 4 lava-test-retry|^end: 4 lava-test-retry'
tap "namespaces: no board left behind" no_boards "$H"

# ---- git definitions ------------------------------------------------------
# A repository with main (two commits) and a branch "other": each
# version of smoke.yaml reports its own case, and how deep the clone is.
G="$W/repo"
git init -q -b main "$G"
gitc() { git -C "$G" -c user.name=t -c user.email=t@example.com "$@"; }
gitdef() {
	cat >"$G/smoke.yaml" <<EOF
metadata: {format: Lava-Test Test Definition 1.0, name: smoke}
run:
  steps:
  - lava-test-case $1 --result pass
  - lava-test-case depth-\$(git rev-list --count HEAD 2>/dev/null || echo none) --result pass
EOF
	gitc add smoke.yaml && gitc commit -qm "$1"
}
gitdef v1
C1=$(gitc rev-parse HEAD)
gitc checkout -qb other
gitdef onbranch
CB=$(gitc rev-parse HEAD)
gitc checkout -q main
gitdef v2
C2=$(gitc rev-parse HEAD)
H=${TAG}git
device "$W/git.dev" "$H"
{
	header git
	boot "$H"
	cat <<EOF
- test:
    definitions:
    - {from: git, repository: '$G', path: smoke.yaml, name: path}
    - {from: git, repository: 'file://$G', path: smoke.yaml, name: shallow}
    - {from: git, repository: 'file://$G', path: smoke.yaml, name: deep, shallow: false}
    - {from: git, repository: 'file://$G', path: smoke.yaml, name: atrev, revision: '$C1'}
    - {from: git, repository: 'file://$G', path: smoke.yaml, name: onbranch, branch: other}
    - {from: git, repository: 'file://$G', path: smoke.yaml, name: nohist, history: false}
EOF
} >"$W/git.job"
run git "$W/git.dev" "$W/git.job"
check "git: a local path, HEAD of the default branch, commit_id" git \
	'rc|0' 'job|pass' 'row|0_path|v2|pass' 'norow|0_path|v1' \
	"key|lava|0_path|commit_id|^$C2\$" "key|lava|0_path|repository|^$G\$" \
	'key|lava|0_path|revision|^unspecified$' 'key|lava|0_path|path|^smoke.yaml$'
check "git: file:// shallow by default, shallow: false keeps the history" git \
	'row|1_shallow|v2|pass' 'row|1_shallow|depth-1|pass' \
	"key|lava|1_shallow|commit_id|^$C2\$" "key|lava|1_shallow|repository|^file://$G\$" \
	'row|2_deep|v2|pass' 'row|2_deep|depth-2|pass' "key|lava|2_deep|commit_id|^$C2\$"
check "git: revision checks out that commit" git \
	'row|3_atrev|v1|pass' 'norow|3_atrev|v2' "key|lava|3_atrev|commit_id|^$C1\$" \
	"key|lava|3_atrev|revision|^$C1\$"
check "git: branch, and history: false drops .git" git \
	'row|4_onbranch|onbranch|pass' "key|lava|4_onbranch|commit_id|^$CB\$" \
	'row|5_nohist|v2|pass' 'row|5_nohist|depth-none|pass' \
	"key|lava|5_nohist|commit_id|^$C2\$"

# ---- url definitions ------------------------------------------------------
mkdir -p "$W/www/defs"
cat >"$W/www/defs/smoke.yaml" <<'EOF'
metadata: {format: Lava-Test Test Definition 1.0, name: fromurl}
run:
  steps:
  - lava-test-case from-url --result pass
EOF
tar -C "$W/www" -czf "$W/www/defs.tar.gz" defs
http_serve "$W/www" "$W/http.log"
HP=$http_port
BG="$BG $http_pid"
H=${TAG}url
device "$W/url.dev" "$H"
{
	header url
	boot "$H"
	cat <<EOF
- test:
    definitions:
    - {from: url, repository: 'http://127.0.0.1:$HP/defs.tar.gz', path: smoke.yaml, name: fromurl, strip-components: 1}
EOF
} >"$W/url.job"
run url "$W/url.dev" "$W/url.job"
check "url: a tar.gz over http, strip-components" url \
	'rc|0' 'job|pass' 'row|0_fromurl|from-url|pass' \
	"key|lava|0_fromurl|repository|^http://127.0.0.1:$HP/defs.tar.gz\$" \
	'key|lava|0_fromurl|path|^smoke.yaml$'
tap "url: the archive was fetched over HTTP" grep -q 'GET /defs.tar.gz' "$W/http.log"

# ---- parse patterns -------------------------------------------------------
H=${TAG}parse
device "$W/parse.dev" "$H"
{
	header parse
	boot "$H"
	cat <<'EOF'
- test:
    definitions:
    - from: inline
      name: parse
      path: inline/parse.yaml
      repository:
        metadata: {format: Lava-Test Test Definition 1.0, name: parse}
        parse:
          pattern: '(?P<test_case_id>\w+):\s+(?P<result>PASS|FAIL)'
          fixupdict: {PASS: pass, FAIL: fail}
        run:
          steps:
          - "printf '%s: %s\\n' foo PASS"
          - "printf '%s: %s\\n' bar FAIL"
          - lava-test-case signalled --result pass
EOF
} >"$W/parse.job"
run parse "$W/parse.dev" "$W/parse.job"
check "parse: pattern and fixupdict make cases, once each, beside the signals" parse \
	'rc|0' 'job|pass' 'row|0_parse|foo|pass' 'row|0_parse|bar|fail' \
	'rows|0_parse|foo|1' 'rows|0_parse|bar|1' 'row|0_parse|signalled|pass' \
	'row|lava|0_parse|pass'

# ---- expected ---------------------------------------------------------------
H=${TAG}exp
device "$W/exp.dev" "$H"
{
	header expected
	boot "$H"
	echo "- test:"
	echo "    definitions:"
	inline smoke 'lava-test-case a --shell true' 'lava-test-case b --shell false' \
		'lava-test-case extra --result pass'
	echo "      expected: [a, b, zzz]"
} >"$W/exp.job"
run exp "$W/exp.dev" "$W/exp.job"
check "expected: a missing case is reported fail, an unexpected one fails" exp \
	'rc|0' 'job|pass' 'row|0_smoke|a|pass' 'row|0_smoke|b|fail' \
	'row|0_smoke|zzz|fail' 'row|0_smoke|extra|fail' \
	'log|Reporting missing expected test cases as .fail.' \
	'log|Reporting unexpected test case .extra. as .fail.'

# ---- lava-test-raise ----------------------------------------------------------
H=${TAG}raise
device "$W/raise.dev" "$H"
{
	header raise
	boot "$H"
	echo "- test:"
	echo "    definitions:"
	inline smoke 'lava-test-case before --result pass' \
		'lava-test-raise the board is on fire' 'lava-test-case after --result pass'
} >"$W/raise.job"
run raise "$W/raise.dev" "$W/raise.job"
check "lava-test-raise: the job fails as a TestError with the message" raise \
	'rc|1' 'job|fail|Test|^the board is on fire$' 'row|0_smoke|before|pass' \
	'norow|0_smoke|after' 'row|lava|lava-test-shell|fail' \
	'log|^Received signal: <TESTRAISE> the board is on fire' \
	'log|^TestError: '
tap "lava-test-raise: no board left behind" no_boards "$H"

# ---- failure_retry ------------------------------------------------------------
# The first connection dies right after the login prompt; the next ones
# are a healthy board.
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
	echo "- test:"
	echo "    definitions:"
	inline smoke 'lava-test-case a --shell true'
} >"$W/retry.job"
run retry "$W/retry.dev" "$W/retry.job"
check "failure_retry: 2: a board dropping at the first login, the boot retried, job pass" retry \
	'rc|0' 'job|pass' 'row|0_smoke|a|pass' 'row|lava|login-action|fail' \
	"log|^auto-login-action failed: 1 of 2 attempts\\. 'Connection closed: connection 'uart0' " \
	'log|^Retrying: 2\.2 auto-login-action \(timeout 00:00:10\)$' \
	"log|^minimal-boot failed: 1 of 2 attempts\\. 'Connection closed: connection 'uart0' " \
	'log|^Retrying: 2 minimal-boot \(timeout 00:00:20\)$' \
	'logn|2|Connecting to device using' 'order|^Retrying: 2 minimal-boot|^start: 2.1 connect-device'
tap "failure_retry: the first board dropped after $DROP bytes" test -e "$W/retry-first"

# ---- timeouts: the precedence -------------------------------------------------
# A test step that never ends; at each level the timeout that applies
# is the short one, every level before it being long.  TIMEOUTS: the
# job's, DTIMEOUTS: the device's, TBLOCK: lines of the test block.
timeout_job() { # CASE
	H=${TAG}$1
	device "$W/$1.dev" "$H"
	{
		header "$1"
		boot "$H"
		echo "- test:"
		[ -z "$TBLOCK" ] || printf '%s\n' "$TBLOCK"
		echo "    definitions:"
		inline smoke 'lava-test-case started --result pass' 'sleep 30' \
			'lava-test-case never --result pass'
	} >"$W/$1.job"
	run "$1" "$W/$1.dev" "$W/$1.job"
}
T0='{job: {seconds: 40}, action: {seconds: 15}, connection: {seconds: 10}}'
TIMEOUTS='{job: {seconds: 40}, action: {seconds: 2}, connection: {seconds: 10}}' \
	timeout_job t1
check "timeouts 1: job timeouts.action (2 s)" t1 \
	'rc|1' 'job|fail|Test|^lava-test-shell timed out after [12] seconds$' \
	'row|0_smoke|started|pass' 'norow|0_smoke|never' 'row|lava|lava-test-shell|fail' \
	'log|^start: 3 lava-test-retry \(timeout 00:00:02\)' \
	'log|^start: 3.1 lava-test-shell \(timeout 00:00:02\)'
TIMEOUTS=$T0 DTIMEOUTS='{actions: {lava-test-shell: {seconds: 3}}, connections: {}}' \
	timeout_job t2
check "timeouts 2: device timeouts.actions.lava-test-shell (3 s) over job timeouts.action" t2 \
	'rc|1' 'job|fail|Test|^lava-test-shell timed out after 3 seconds$' \
	'log|^start: 3 lava-test-retry \(timeout 00:00:15\)' \
	'log|^start: 3.1 lava-test-shell \(timeout 00:00:03\)'
TIMEOUTS=$T0 DTIMEOUTS='{actions: {lava-test-shell: {seconds: 15}}, connections: {}}' \
	TBLOCK='    timeout: {seconds: 2}' timeout_job t3
check "timeouts 3: the block's timeout (2 s) over the device's" t3 \
	'rc|1' 'job|fail|Test|^lava-test-shell timed out after [12] seconds$' \
	'log|^start: 3 lava-test-retry \(timeout 00:00:02\)' \
	'log|^start: 3.1 lava-test-shell \(timeout 00:00:02\)'
TIMEOUTS='{job: {seconds: 40}, action: {seconds: 15}, connection: {seconds: 10}, actions: {lava-test-shell: {seconds: 3}}}' \
	TBLOCK='    timeout: {seconds: 15}' timeout_job t5
check "timeouts 5: job timeouts.actions.lava-test-shell (3 s) over the block's" t5 \
	'rc|1' 'job|fail|Test|^lava-test-shell timed out after 3 seconds$' \
	'log|^start: 3 lava-test-retry \(timeout 00:00:15\)' \
	'log|^start: 3.1 lava-test-shell \(timeout 00:00:03\)'
TIMEOUTS='{job: {seconds: 40}, action: {seconds: 15}, connection: {seconds: 10}, actions: {lava-test-shell: {seconds: 15}}}' \
	TBLOCK='    timeouts: {lava-test-shell: {seconds: 2}}' timeout_job t6
check "timeouts 6: the block's timeouts.lava-test-shell (2 s) over the job's" t6 \
	'rc|1' 'job|fail|Test|^lava-test-shell timed out after 2 seconds$' \
	'log|^start: 3 lava-test-retry \(timeout 00:00:15\)' \
	'log|^start: 3.1 lava-test-shell \(timeout 00:00:02\)'
# Level 4: the block retries, each attempt of the test shell gets its
# share of the block's timeout.
TIMEOUTS=$T0 TBLOCK='    failure_retry: 2
    timeout: {seconds: 4}' timeout_job t4
check "timeouts 4: failure_retry: 2 gives each lava-test-shell half the block's 4 s, a retry the whole 4 s" t4 \
	'rc|1' 'job|fail|(Test)?(Job)?|timed out' \
	'log|^start: 3 lava-test-retry \(timeout 00:00:04\)' \
	'log|^start: 3.1 lava-test-shell \(timeout 00:00:02\)' \
	'log|^lava-test-retry failed: 1 of 2 attempts\. .lava-test-shell timed out after 2 seconds.$' \
	'logn|2|^start: 3.1 lava-test-shell \(timeout 00:00:02\)' \
	'log|^Retrying: 3 lava-test-retry \(timeout 00:00:04\)$'
# skip: true: the timeout is a warning and the job goes on.
H=${TAG}skip
CMDS="  users: {after-skip: {do: 'touch $W/after-skip'}}" device "$W/skip.dev" "$H"
{
	header skip
	boot "$H"
	echo "- test:"
	echo "    timeout: {seconds: 2, skip: true}"
	echo "    definitions:"
	inline smoke 'lava-test-case started --result pass' 'sleep 30'
	echo "- command: {name: after-skip}"
} >"$W/skip.job"
run skip "$W/skip.dev" "$W/skip.job"
check "timeouts: skip: true on the test block warns, the next block runs, job pass" skip \
	'rc|0' 'job|pass' 'row|0_smoke|started|pass' \
	'log|^lava-test-shell timed out after [12] seconds$' \
	'log|^skip_timeout is set for lava-test-retry - continuing to next action block\.$' \
	'order|^skip_timeout is set|^start: 4 user-command' "exists|$W/after-skip"
tap "timeouts: no board left behind" no_boards "${TAG}t"

# ---- repeat ------------------------------------------------------------------
H=${TAG}repeat
device "$W/repeat.dev" "$H"
{
	header repeat
	boot "$H"
	echo "- test:"
	echo "    repeat: 2"
	echo "    definitions:"
	inline smoke 'lava-test-case a --shell true'
} >"$W/repeat.job"
run repeat "$W/repeat.dev" "$W/repeat.job"
check "repeat: 2 runs the test shell twice, job pass" repeat \
	'rc|0' 'job|pass' 'row|0_smoke|a|pass' 'logn|2|^start: 3.1 lava-test-shell' \
	'logn|2|^\S+/bin/lava-test-runner \S+/0\n$' 'rows|0_smoke|a|1' \
	'logn|2|^end: 3.1 lava-test-shell' 'logn|2|^ok: lava_test_shell seems to have completed'

# ---- command -----------------------------------------------------------------
H=${TAG}cmd
CMDS="  users: {mark: {do: 'touch $W/cmd-do', undo: 'touch $W/cmd-undo'}}" \
	device "$W/cmd.dev" "$H"
{
	header command
	echo "- command: {name: mark}"
} >"$W/cmd.job"
run cmd "$W/cmd.dev" "$W/cmd.job"
check "command: runs the device's commands.users.NAME.do on the host, undo at the end" cmd \
	'rc|0' 'job|pass' "exists|$W/cmd-do" "exists|$W/cmd-undo" \
	"order|^Calling: 'touch $W/cmd-do'|^Calling: 'touch $W/cmd-undo'" \
	'log|^start: 1 user-command'

[ $n -gt 0 ] || { echo "not ok 1 - nothing ran"; failed=1; }
exit $failed
