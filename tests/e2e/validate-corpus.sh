#!/bin/sh
# tether validate agrees with LAVA's own job schema on every job of the
# conformance corpus: non-strict and strict verdicts (verdicts.tsv).
corpus="$SHARED/corpus/lava"
if [ ! -f "$corpus/verdicts.tsv" ]; then
	echo "not ok - corpus not found at $corpus"
	exit 1
fi
n=0
agree=0
total=0
tab=$(printf '\t')
while IFS="$tab" read -r job non_strict strict _; do
	[ "$job" = job ] && continue
	for mode in non_strict strict; do
		if [ $mode = strict ]; then
			want=$strict
			"$TETHER" validate --strict "$corpus/$job" >/dev/null 2>&1
		else
			want=$non_strict
			"$TETHER" validate "$corpus/$job" >/dev/null 2>&1
		fi
		rc=$?
		case $rc in
		0) got=valid ;;
		1) got=invalid ;;
		*) got="exit $rc" ;;
		esac
		n=$((n + 1))
		total=$((total + 1))
		if [ "$got" = "$want" ]; then
			agree=$((agree + 1))
			echo "ok $n - $mode $job: $want"
		else
			echo "not ok $n - $mode $job: LAVA says $want, tether says $got"
		fi
	done
done <"$corpus/verdicts.tsv"
echo "# corpus agreement: $agree/$total"
