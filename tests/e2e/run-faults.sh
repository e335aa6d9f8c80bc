#!/bin/sh
# run-faults.sh: tether run on bad input and on boards and labs that
# fail: a git repository or url that is not there, a connection that
# cannot start, a login prompt that never comes, a wrong password, a
# board that stops answering or drops mid-test, SIGTERM and SIGINT
# mid-job, bad usage, a job or device that is not valid.  Each case
# checks the exit status, result.yaml's error_type and error_msg, the
# job log's messages, that both logs are complete
# (tests/e2e/data/run/check.py), and that no board is left running.
# Where the class, the place (validate or an action) and the words were
# checked against lava-run 2023.01 on the same boards, the case asserts
# LAVA's words; tether's longer messages keep them as their beginning
# (docs/run.md).
NAME=run-faults
. "$(cd "$(dirname "$0")" && pwd)/data/run/lib.sh"

# ---- a git repository that does not exist ---------------------------------
H=${TAG}nogit
device "$W/nogit.dev" "$H"
{
	header nogit
	boot "$H"
	echo "- test:"
	echo "    definitions:"
	echo "    - {from: git, repository: '$W/no-such-repo.git', path: smoke.yaml, name: smoke}"
} >"$W/nogit.job"
run nogit "$W/nogit.dev" "$W/nogit.job"
check "git repository not there: InfrastructureError naming it, nothing booted" nogit \
	'rc|1' "job|fail|Infrastructure|^Unable to fetch git repository '$W/no-such-repo.git'\$" \
	'row|lava|validate|pass' 'nolog|Connecting to device' \
	'log|^InfrastructureError: '

# ---- a url definition that is not there (HTTP 404) ------------------------
mkdir -p "$W/www"
http_serve "$W/www" "$W/http.log"
HP=$http_port
BG="$BG $http_pid"
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
check "url definition answered 404: the job fails naming the url and the 404, nothing booted" nourl \
	'rc|1' "job|fail|Job|^Invalid job data: \\[\"Resource unavailable at 'http://127.0.0.1:$HP/missing.tar.gz' \\(404\\)\"\\]" \
	'row|lava|validate|fail' \
	'nolog|Connecting to device'

# ---- a connect command that does not exist --------------------------------
H=${TAG}noconn
CONNECT="$W/no-such-board $H" device "$W/noconn.dev" "$H"
job "$H" 'lava-test-case a --shell true' >"$W/noconn.job"
run noconn "$W/noconn.dev" "$W/noconn.job"
check "connect command not there: InfrastructureError naming the command" noconn \
	'rc|1' "job|fail|Infrastructure|^Cannot find command '$W/no-such-board' in \\\$PATH\$" \
	'row|lava|validate|fail' 'nolog|^start: 1 lava-overlay' \
	'norow|0_smoke|a' 'nolog|^start: 3 lava-test-retry'

# ---- a login prompt that never comes --------------------------------------
H=${TAG}nologin
device "$W/nologin.dev" "$H"
{
	header nologin
	echo "- deploy: {to: overlay}"
	cat <<EOF
- boot:
    method: minimal
    reset: false
    timeout: {seconds: 3}
    auto_login: {login_prompt: 'never-login:', username: root}
    prompts: ['root@$H:~# ']
- test:
    definitions:
EOF
	inline smoke 'lava-test-case a --shell true'
} >"$W/nologin.job"
run nologin "$W/nologin.dev" "$W/nologin.job"
check "login prompt never comes: the login action times out (JobError), the test never runs" nologin \
	'rc|1' 'job|fail|Job|^wait for prompt timed out: login-action waited [0-9]+ s$' \
	'row|lava|login-action|fail' 'norow|lava|0_smoke' \
	'nolog|^start: 3 lava-test-retry' 'log|^Waiting for the login prompt'
tap "login prompt never comes: no board left behind" no_boards "$H"

# ---- a wrong password -------------------------------------------------------
H=${TAG}passwd
device "$W/passwd.dev" "$H" --password right
{
	header passwd
	echo "- deploy: {to: overlay}"
	cat <<EOF
- boot:
    method: minimal
    reset: false
    auto_login: {login_prompt: 'login:', username: root, password_prompt: 'Password:', password: wrong}
    prompts: ['root@$H:~# ']
EOF
} >"$W/passwd.job"
run passwd "$W/passwd.dev" "$W/passwd.job"
check "wrong password: JobError 'Login incorrect'" passwd \
	'rc|1' 'job|fail|Job|^Login incorrect$' 'row|lava|login-action|fail' \
	'log|^Waiting for password prompt' 'log|^JobError: '
# ... and the right one, for contrast.
sed 's/password: wrong/password: right/' "$W/passwd.job" >"$W/passok.job"
run passok "$W/passwd.dev" "$W/passok.job"
check "right password: logged in, job pass" passok 'rc|0' 'job|pass' \
	'row|lava|login-action|pass'

# ---- a board that stops answering mid-test --------------------------------
# Where the test's output is in UART0's bytes, from a healthy run of the
# same job: the board then stalls inside the test's output.
H=${TAG}stall
device "$W/stall0.dev" "$H" --seed 1
TBLOCK='    timeout: {seconds: 3}' job "$H" 'lava-test-case a --result pass' \
	'seq 1 3000' 'lava-test-case never --result pass' >"$W/stall.job"
run stall0 "$W/stall0.dev" "$W/stall.job"
STALL=$(python3 -c '
import sys
d = open(sys.argv[1], "rb").read()
print(d.index(b"<LAVA_SIGNAL_TESTCASE TEST_CASE_ID=a RESULT=pass>") + 2000)' \
	"$W/stall0/uart0.log")
device "$W/stall.dev" "$H" --seed 1 --stall-after-bytes "$STALL"
run stall "$W/stall.dev" "$W/stall.job"
check "board stalls mid-test: lava-test-shell times out (TestError), what came before is kept" stall \
	'rc|1' 'job|fail|Test|^lava-test-shell timed out after [23] seconds$' \
	'row|0_smoke|a|pass' 'norow|0_smoke|never' 'row|lava|lava-test-shell|fail' \
	'log|^TestError: '
tap "board stalls mid-test: no board left behind" no_boards "$H"

# ---- a board that drops mid-test --------------------------------------------
H=${TAG}drop
device "$W/drop.dev" "$H" --drop-after-seconds 2
job "$H" 'lava-test-case a --result pass' 'sleep 10' \
	'lava-test-case never --result pass' >"$W/drop.job"
run drop "$W/drop.dev" "$W/drop.job"
check "board drops mid-test: InfrastructureError 'Connection closed'" drop \
	'rc|1' "job|fail|Infrastructure|^Connection closed: connection 'uart0' " 'row|0_smoke|a|pass' \
	'norow|0_smoke|never' 'row|lava|lava-test-shell|fail' \
	'log|^InfrastructureError: '

# ---- SIGTERM and SIGINT mid-job --------------------------------------------
for sig in TERM INT; do
	H=${TAG}sig$sig
	c=sig$sig
	device "$W/$c.dev" "$H"
	job "$H" 'lava-test-case a --result pass' 'sleep 60' >"$W/$c.job"
	# The test runs (its first case is in): how many processes the
	# board has then, and the signal.
	ready() {
		grep -q 'Received signal: <TESTCASE>' "$W/$c/log.yaml" 2>/dev/null &&
			running=$(procs "$H" | wc -l)
	}
	SIG=$sig signal_run "$c" "$W/$c.dev" "$W/$c.job" ready
	check "SIG$sig mid-test: exit 1, Canceled, the logs complete" "$c" \
		'rc|1' 'job|fail|Canceled|^The job was canceled$' 'row|0_smoke|a|pass' \
		"log|^Received signal SIG$sig" 'log|^Finalising connection' \
		'log|^JobCanceled: '
	tap "SIG$sig mid-test: the board was running ($running processes), none is left" \
		eval "[ $running -gt 0 ] && no_boards '$H'"
done

# ---- bad usage ----------------------------------------------------------------
H=${TAG}usage
device "$W/usage.dev" "$H"
job "$H" 'true' >"$W/usage.job"
usage() { # WANT-STATUS ARGUMENT...
	_want=$1
	shift
	"$TETHER" run "$@" >"$W/usage.out" 2>&1
	_rc=$?
	[ "$_rc" = "$_want" ] || { echo "exit $_rc, want $_want"; cat "$W/usage.out"; return 1; }
}
tap "usage: no --device: exit 2, usage on stderr" sh -c \
	"'$TETHER' run --output-dir '$W/u1' '$W/usage.job' 2>&1 >/dev/null | grep -q '^usage: tether run' && { '$TETHER' run --output-dir '$W/u1' '$W/usage.job'; [ \$? = 2 ]; }"
tap "usage: no --output-dir: exit 2" usage 2 --device "$W/usage.dev" "$W/usage.job"
tap "usage: no job file: exit 2" usage 2 --device "$W/usage.dev" --output-dir "$W/u2"
tap "usage: two job files: exit 2" usage 2 --device "$W/usage.dev" --output-dir "$W/u3" "$W/usage.job" "$W/usage.job"
tap "usage: an unknown option: exit 2" usage 2 --bogus --device "$W/usage.dev" --output-dir "$W/u4" "$W/usage.job"
tap "usage: --job-id not a number: exit 2" usage 2 --job-id abc --device "$W/usage.dev" --output-dir "$W/u5" "$W/usage.job"
tap "usage: nothing started" no_boards "$H"

# ---- a job file that is not YAML --------------------------------------------
printf 'device_type: simboard\njob_name: [unclosed\nactions: []\n' >"$W/notyaml.job"
run notyaml "$W/usage.dev" "$W/notyaml.job"
check "job not YAML: JobError naming file:line:col, validate fail" notyaml \
	'rc|1' "job|fail|Job|^$W/notyaml.job:[0-9]+:[0-9]+: " 'row|lava|validate|fail' \
	'nolog|Connecting to device'
run nojob "$W/usage.dev" "$W/no-such.job"
check "job file not there: JobError naming it" nojob \
	'rc|1' "job|fail|Job|^$W/no-such.job: No such file or directory\$"

# ---- a device with an error ---------------------------------------------------
printf 'hostname: x\nactions: {boot: [unclosed\n' >"$W/notyaml.dev"
run devyaml "$W/notyaml.dev" "$W/usage.job"
check "device not YAML: ConfigurationError naming the device file and line" devyaml \
	'rc|1' "job|fail|Configuration|^$W/notyaml.dev:[0-9]+: " 'nolog|Connecting to device'
grep -v '^actions:\|^  deploy:\|^  boot:' "$W/usage.dev" >"$W/noactions.dev"
run devnoact "$W/noactions.dev" "$W/usage.job"
check "device without actions: ConfigurationError naming the device file and key" devnoact \
	'rc|1' "job|fail|Configuration|^$W/noactions.dev:[0-9]+: actions: " 'nolog|Connecting to device'
tap "device errors: nothing started" no_boards "$H"

# ---- an invalid job (schema) --------------------------------------------------
{
	header invalid
	boot "$H" | sed 's/^    method: minimal$/    method: minimal\n    failure_retry: 0/'
} >"$W/invalid.job"
LINE=$(grep -n 'failure_retry: 0' "$W/invalid.job" | cut -d: -f1)
run invalid "$W/usage.dev" "$W/invalid.job"
check "invalid job: JobError naming file:line and the key, validate fail, nothing run" invalid \
	'rc|1' "job|fail|Job|^$W/invalid.job:$LINE: actions\\[[0-9]+\\]\\.boot\\.failure_retry: " \
	'row|lava|validate|fail' 'nolog|^start: 1 ' 'nolog|Connecting to device'
{
	header badname
	boot "$H"
	echo "- test:"
	echo "    definitions:"
	inline smoke.v2 'true'
} >"$W/badname.job"
LINE=$(grep -n 'name: smoke.v2$' "$W/badname.job" | head -n 1 | cut -d: -f1)
run badname "$W/usage.dev" "$W/badname.job"
check "invalid job: a test definition name with a dot, named with file:line" badname \
	'rc|1' "job|fail|Job|^$W/badname.job:$LINE: .*name: Invalid characters found in test definition name" \
	'row|lava|validate|fail' 'nolog|Connecting to device'
tap "invalid jobs: nothing started" no_boards "$H"

[ $n -gt 0 ] || { echo "not ok 1 - nothing ran"; failed=1; }
exit $failed
