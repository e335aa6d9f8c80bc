#!/bin/sh
# cancel-host.sh: SIGTERM while a command on the worker hangs: the
# device's power command (hard_reset of a boot) and a user command (a
# job's command: block).  The job ends within a second of the signal,
# Canceled, with both logs complete, and the hung command's whole
# process group is gone.
NAME=cancel-host
. "$(cd "$(dirname "$0")" && pwd)/data/run/lib.sh"

# term CASE DEVICE JOB WAIT-REGEX: runs the job, sends SIGTERM once the
# job log matches WAIT-REGEX, and sets $RC and $DT (signal to exit, s).
term() {
	"$TETHER" run --device "$2" --output-dir "$W/$1" --dispatcher "$WORKER" "$3" >"$W/$1.out" 2>&1 &
	_pid=$!
	BG="$BG $_pid"
	_i=0
	while [ $_i -lt 200 ] && ! grep -qE "$4" "$W/$1/log.yaml" 2>/dev/null; do
		sleep 0.05
		_i=$((_i + 1))
	done
	_t0=$(date +%s.%N)
	kill -TERM "$_pid"
	_i=0
	while [ $_i -lt 500 ] && kill -0 "$_pid" 2>/dev/null; do
		sleep 0.01
		_i=$((_i + 1))
	done
	_t1=$(date +%s.%N)
	kill -0 "$_pid" 2>/dev/null && kill -9 "$_pid"
	wait "$_pid"
	RC=$?
	DT=$(awk -v a="$_t0" -v b="$_t1" 'BEGIN { printf "%.3f", b - a }')
}
within() { # SECONDS
	awk -v d="$DT" -v m="$1" 'BEGIN { exit !(d <= m) }' || { echo "took $DT s after SIGTERM"; return 1; }
}
hung() { # MARK: no process with MARK in its command line
	_left=$(procs "$1")
	[ -z "$_left" ] || { echo "left:"; ps -o pid,args -p "$(echo $_left | tr ' ' ,)"; return 1; }
}

# ---- a power command that hangs -----------------------------------------
H=${TAG}power
MARK=${TAG}hungpower
CMDS="  hard_reset: 'sleep 600; echo $MARK'" device "$W/power.dev" "$H"
{
	header power
	echo "- deploy: {to: overlay}"
	echo "- boot:"
	echo "    method: minimal"
	echo "    auto_login: {login_prompt: 'login:', username: root}"
	echo "    prompts: ['root@$H:~# ']"
} >"$W/power.job"
term power "$W/power.dev" "$W/power.job" "Calling: 'sleep 600"
check "SIGTERM during a hung power command: Canceled, the logs complete" power \
	'rc|1' 'job|fail|Canceled|^The job was canceled$' 'log|^Received signal SIGTERM' \
	'log|^JobCanceled: '
tap "SIGTERM during a hung power command: tether ended within 1 s ($DT s)" within 1
tap "the power command's process group is gone" hung "$MARK"
tap "no board left" no_boards "$H"

# ---- a user command that hangs ------------------------------------------
H=${TAG}user
MARK=${TAG}hunguser
CMDS="  users:
    hang: {do: 'sleep 600; echo $MARK'}" device "$W/user.dev" "$H"
{
	header user
	echo "- command: {name: hang}"
} >"$W/user.job"
term user "$W/user.dev" "$W/user.job" "Calling: 'sleep 600"
check "SIGTERM during a hung user command: Canceled, the logs complete" user \
	'rc|1' 'job|fail|Canceled|^The job was canceled$' 'log|^JobCanceled: '
tap "SIGTERM during a hung user command: tether ended within 1 s ($DT s)" within 1
tap "the user command's process group is gone" hung "$MARK"
exit $failed
