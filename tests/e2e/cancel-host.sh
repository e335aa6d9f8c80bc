#!/bin/sh
# cancel-host.sh: SIGTERM while a command on the worker hangs: the
# device's power command (hard_reset of a boot) and a user command (a
# job's command: block).  The job ends within a second of the signal,
# Canceled, with both logs complete, and the hung command's whole
# process group is gone.
NAME=cancel-host
. "$(cd "$(dirname "$0")" && pwd)/data/run/lib.sh"

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
signal_run power "$W/power.dev" "$W/power.job" \
	grep -q "Calling: 'sleep 600" "$W/power/log.yaml"
check "SIGTERM during a hung power command: Canceled, the logs complete" power \
	'rc|1' 'job|fail|Canceled|^The job was canceled$' 'log|^Received signal SIGTERM' \
	'log|^JobCanceled: '
tap "SIGTERM during a hung power command: tether ended within 1 s ($T s)" at_most 1
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
signal_run user "$W/user.dev" "$W/user.job" \
	grep -q "Calling: 'sleep 600" "$W/user/log.yaml"
check "SIGTERM during a hung user command: Canceled, the logs complete" user \
	'rc|1' 'job|fail|Canceled|^The job was canceled$' 'log|^JobCanceled: '
tap "SIGTERM during a hung user command: tether ended within 1 s ($T s)" at_most 1
tap "the user command's process group is gone" hung "$MARK"
exit $failed
