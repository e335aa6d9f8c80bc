#!/bin/sh
# ssh-oracle.sh: the LAVA oracle's job sim-basic rewritten for ssh
# (data/ssh/sim-basic-ssh.yaml) on a primary remote connection device
# (data/ssh/ssh01.jinja2, extending LAVA's own ssh.jinja2) against a real
# sshd on loopback: tether must report the same (definition, case,
# result) set and job result as lava-run 2023.01 did
# (data/ssh/sim-basic-ssh.expect says how lava-run was run).  When
# lava-run is installed (the oracle's machine), it is run again here on
# the same device and job, and its action tree (levels and names) must
# be tether's too; tether alone also removes the overlay from the device.
NAME=ssh-oracle
. "$(cd "$(dirname "$0")" && pwd)/data/ssh/lib.sh"
SHARED=${SHARED:-$TOP/../shared}
DATA=$TOP/tests/e2e/data/ssh
TEMPLATES=$SHARED/corpus/lava/device-types
[ -f "$TEMPLATES/ssh.jinja2" ] || skip_all "no LAVA device types in $TEMPLATES"

tap "sshd on 127.0.0.1:$PORT" sshd_start

E_RESULTS=$TOP/tests/e2e/data/results.py
extract() { python3 "$E_RESULTS" cases "$1"; }
lava_actions() { python3 "$E_RESULTS" actions "$1"; }
# tree FILE: "level name" of every action started, as the log says it.
tree() {
	sed -n 's/.*"msg": "start: \([0-9.]*\) \([a-z-]*\) .*/\1 \2/p' "$1"
}
grep -v '^#' "$DATA/sim-basic-ssh.expect" >"$W/expect"

# ---- tether -----------------------------------------------------------------
JOBN=$((JOBN + 1))
JOBID=$JOBBASE$JOBN
"$TETHER" run --device "$DATA/ssh01.jinja2" -t "$TEMPLATES" \
	-D "ssh_port=$PORT" -D "ssh_identity_file=$K/id_ed25519" \
	-D "lava_test_results_dir=$RESULTS" \
	--output-dir "$W/tether" --job-id "$JOBID" \
	--dispatcher "$SHARED/oracle/dispatcher.yaml" "$DATA/sim-basic-ssh.yaml" \
	>"$W/tether.out" 2>&1
echo $? >"$W/tether.rc"
tap "tether: sim-basic over ssh passes (exit 0)" test "$(cat "$W/tether.rc")" = 0
extract "$W/tether/results.yaml" >"$W/tether.rows"
tap "tether: the same cases and job result as lava-run (sim-basic-ssh.expect)" \
	diff -u "$W/expect" "$W/tether.rows"
tap "tether: the overlay is gone from the device" \
	on_device test ! -e "$(printf "$RESULTS" "$JOBID")"

# ---- lava-run, when this machine has it ------------------------------------
if [ -x /usr/bin/lava-run ] && python3 -c 'import jinja2' 2>/dev/null; then
	JOBN=$((JOBN + 1))
	LJOB=$JOBBASE$JOBN
	python3 "$SHARED/oracle/render_device.py" "$DATA/ssh01.jinja2" \
		-t "$TEMPLATES" --ctx "ssh_port=$PORT" \
		--ctx "ssh_identity_file=$K/id_ed25519" -o "$W/ssh01.yaml" \
		>"$W/render.out" 2>&1
	mkdir -p /var/lib/lava/dispatcher/tmp
	timeout 300 lava-run --job-id "$LJOB" --output-dir "$W/lava" \
		--device "$W/ssh01.yaml" --dispatcher "$SHARED/oracle/dispatcher.yaml" \
		"$DATA/sim-basic-ssh.yaml" 2>"$W/lava.log" >/dev/null
	echo $? >"$W/lava.rc"
	rm -rf "/var/lib/lava/dispatcher/tmp/$LJOB"
	# lava-run 2023.01 puts the overlay in /lava-<id> whatever the
	# device says (os: debian's deployment data), the tarball next to it
	# (/lava-<id>-overlay-1.1.5.tar.gz), and leaves both: removed here.
	on_device rm -rf "/lava-$LJOB" "/lava-$LJOB-overlay-1.1.5.tar.gz"
	tap "lava-run: passes again (exit 0)" test "$(cat "$W/lava.rc")" = 0
	extract "$W/lava.log" >"$W/lava.rows"
	tap "lava-run: still the stored expectation" diff -u "$W/expect" "$W/lava.rows"
	tree "$W/lava.log" >"$W/lava.tree"
	tree "$W/tether/log.yaml" | grep -v ' ssh-cleanup$' >"$W/tether.tree"
	tap "the same action tree (levels, names) as lava-run, but for tether's ssh-cleanup" \
		diff -u "$W/lava.tree" "$W/tether.tree"
	lava_actions "$W/lava.log" >"$W/lava.actions"
	lava_actions "$W/tether/results.yaml" | grep -v '^power-off	' >"$W/tether.actions"
	tap "the same action results as lava-run (but tether's power-off record)" \
		diff -u "$W/lava.actions" "$W/tether.actions"
else
	skip_not_installable "lava-run: the same job on the same device" \
		"no lava-run here: compared with the stored expectation only"
fi

# lava-run writes the key's path in its log itself: only tether's files.
tap "no private key, key path or secret in tether's files" leaks lava

[ $failed = 0 ]
