#!/bin/sh
# hostile-console.sh: what a job makes tether match, parse and keep,
# at its nastiest, on tether-sim boards:
#   - a prompt that backtracks catastrophically ((a|a)*c against a run
#     of a's): no hang, no crash (tests/unit/test-match.c shows PCRE2's
#     match limit ending such a search with an error naming the prompt);
#   - a prompt that is no regular expression: a JobError naming it;
#   - timeouts of a hundred thousand billion days: saturated, the job
#     runs (UBSan sees no overflow);
#   - a namespace booting twice: the second boot reuses the connection;
#   - test case names that look like paths or carry terminal escapes:
#     results, never files.
NAME=hostile-console
. "$(cd "$(dirname "$0")" && pwd)/data/run/lib.sh"

# elapsed CASE: how long the run took (s), from the job log's records.
elapsed() {
	python3 - "$W/$1/log.yaml" <<'PY'
import datetime, sys, yaml
recs = [yaml.safe_load(l[2:]) for l in open(sys.argv[1]) if l.startswith("- {")]
t = [datetime.datetime.fromisoformat(r["dt"]) for r in recs]
print("%.1f" % (t[-1] - t[0]).total_seconds())
PY
}
under() { # CASE SECONDS
	_s=$(elapsed "$1")
	awk -v s="$_s" -v m="$2" 'BEGIN { exit !(s <= m) }' || { echo "took $_s s"; return 1; }
}

# ---- a prompt that backtracks -----------------------------------------------
H=${TAG}redos
device "$W/redos.dev" "$H"
# The run of a's comes after the login (a login command's output),
# while the boot waits for its prompts.
TIMEOUTS='{job: {seconds: 60}, action: {seconds: 20}, connection: {seconds: 10}}' \
BOOT_EXTRA="    prompts: ['root@$H:~# ', '(a|a)*c']
    auto_login: {login_prompt: 'login:', username: root, login_commands: [\"printf 'a%.0s' \$(seq 1 80); echo '!'\"]}" \
	job "$H" 'lava-test-case after --shell true' |
	sed "/^    prompts: \['root@$H:~# '\]\$/d" >"$W/redos.job"
run redos "$W/redos.dev" "$W/redos.job"
check "a backtracking prompt: the job ends, classed (never a crash)" redos \
	"log|^Running login commands"
tap "a backtracking prompt: over well before the timeouts" under redos 15
tap "a backtracking prompt: exit 0 or 1" sh -c "[ $RC = 0 ] || [ $RC = 1 ]"
tap "a backtracking prompt: no board left" no_boards "$H"

# ---- a prompt that is no regular expression -------------------------------
H=${TAG}badre
device "$W/badre.dev" "$H"
job "$H" 'lava-test-case a --shell true' |
	sed "s/^    prompts: \['root@$H:~# '\]\$/    prompts: ['root@$H:~# (']/" >"$W/badre.job"
run badre "$W/badre.dev" "$W/badre.job"
check "a prompt that is no regex: TestError naming it, the job ends" badre \
	'rc|1' "job|fail|Test|invalid prompt regex 'root@$H:~# \\(': missing \\)"
tap "a prompt that is no regex: over well before the timeouts" under badre 30
tap "a prompt that is no regex: no board left" no_boards "$H"

# ---- timeouts that overflow -------------------------------------------------
H=${TAG}huge
device "$W/huge.dev" "$H"
TIMEOUTS='{job: {days: 100000000000000}, action: {days: 99999999999999, seconds: 9223372036854775807}, connection: {hours: 99999999999999}}' \
	job "$H" 'lava-test-case a --shell true' >"$W/huge.job"
run huge "$W/huge.dev" "$W/huge.job"
check "timeouts beyond 64 bits: saturated, the job runs and passes" huge \
	'rc|0' 'job|pass' 'row|0_smoke|a|pass'
tap "huge timeouts: no board left" no_boards "$H"

# ---- a namespace booting twice ----------------------------------------------
# The second boot resets the board (its power control) and logs in again
# on the same connection.
H=${TAG}twice
CMDS="  hard_reset: '$SIM power $W/twice.sock reset'" \
	device "$W/twice.dev" "$H" --power-socket "$W/twice.sock"
{
	header twice
	boot "$H"
	boot "$H" | sed -e '/^- deploy:/d' -e '/^    reset: false$/d'
	echo "- test:"
	echo "    definitions:"
	inline smoke 'lava-test-case a --shell true'
} >"$W/twice.job"
run twice "$W/twice.dev" "$W/twice.job"
check "a namespace booting twice: both boots pass, the test runs" twice \
	'rc|0' 'job|pass' 'row|0_smoke|a|pass' 'log|^start: 2 minimal-boot' \
	'log|^start: 3 minimal-boot' "log|^Calling: '.* power .*twice.sock reset'"
tap "booting twice: one raw log for the one connection" \
	sh -c "test -s '$W/twice/uart0.log' && ! test -e '$W/twice/uart0.2.log'"
tap "booting twice: no board left" no_boards "$H"

# ---- test case names that look like paths or escapes ----------------------
H=${TAG}names
device "$W/names.dev" "$H"
ESC=$(printf '\033')
job "$H" "lava-test-case ../../../$NAME-escaped --result pass" \
	"lava-test-case '/tmp/$TAG-abs' --result pass" \
	"lava-test-case \"\$(printf 'clear\\\\033[2Jscreen')\" --result pass" \
	"lava-test-case \"\$(head -c 3000 /dev/zero | tr '\\\\0' x)\" --result pass" >"$W/names.job"
run names "$W/names.dev" "$W/names.job"
check "path-like and escape-laden case names: recorded, the job passes" names \
	'rc|0' 'job|pass' "row|0_smoke|../../../$NAME-escaped|pass"
tap "case names are results, never files" \
	sh -c "! find '$W/..' /tmp -maxdepth 3 -name '$NAME-escaped' 2>/dev/null | grep . && ! test -e '/tmp/$TAG-abs'"
tap "no raw terminal escape in results.yaml (YAML escapes it)" \
	sh -c "! grep -q '$ESC' '$W/names/results.yaml'"
tap "names: no board left" no_boards "$H"
exit $failed
