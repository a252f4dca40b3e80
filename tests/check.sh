#!/bin/sh
# make check: the unit tests, the end-to-end tests and the scenario library,
# the three at once (the last two take about as long as each other), every
# line prefixed with its phase; then one verdict line for the whole run, and
# exit 0 only when everything passed:
#
#   check: PASS  unit N/N  e2e N/N (0 skipped)  scenarios N/N  in 120s
#   check: FAIL  unit N/N  e2e N-1/N (0 skipped; failed: test_x.py)  scenarios N/N  in 120s
#
# Each phase is a script of its own (tests/unit/run.sh, tests/e2e/run.sh,
# tests/e2e/scenarios.sh: make unit, e2e and scenarios run one alone), which
# leaves its counts in $BUILD/PHASE.result for the verdict.
set -u
cd "$(dirname "$0")/.."
BUILD="${BUILD:-build}"
export BUILD
phases="unit e2e scenarios"
start=$(date +%s)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tcpcom-check.XXXXXX") || exit 1

pids=""
stop() {
	# The phases stop what they started; the prefixers end with them.
	[ -n "$pids" ] && kill -TERM $pids 2>/dev/null
	wait 2>/dev/null
	rm -rf "$tmp"
	exit $((128 + $1))
}
trap 'stop 1' HUP
trap 'stop 2' INT
trap 'stop 15' TERM

# Copies its input with $1 before each line, a line as soon as it comes
# (awk and sed may wait for a block of input first).
prefix() {
	while IFS= read -r line || [ -n "$line" ]; do
		printf '%s%s\n' "$1" "$line"
	done
}

for p in $phases; do
	case $p in
	unit) script=tests/unit/run.sh ;;
	e2e) script=tests/e2e/run.sh ;;
	scenarios) script=tests/e2e/scenarios.sh ;;
	esac
	rm -f "$BUILD/$p.result"
	mkfifo "$tmp/$p"
	prefix "$(printf '%-9s | ' "$p")" <"$tmp/$p" &
	sh "$script" >"$tmp/$p" 2>&1 </dev/null &
	pids="$pids $!"
	eval "pid_$p=\$!"
done
for p in $phases; do
	eval "wait \$pid_$p"
	eval "rc_$p=\$?"
done
wait	# the prefixers, until each has printed its last line
pids=""
rm -rf "$tmp"

# val PHASE KEY: a value of the phase's result file.
val() {
	sed -n "s/^$2=//p" "$BUILD/$1.result"
}

# names LIST: at most 5 of the names, then how many more.
names() {
	set -- $1
	out=""
	n=0
	for x; do
		n=$((n + 1))
		[ "$n" -le 5 ] && out="$out${out:+ }$x"
	done
	[ "$n" -gt 5 ] && out="$out and $((n - 5)) more"
	echo "$out"
}

verdict=PASS
line=""
for p in $phases; do
	eval "rc=\$rc_$p"
	if [ ! -s "$BUILD/$p.result" ]; then
		verdict=FAIL
		line="$line  $p: no result (exit $rc)"
		continue
	fi
	detail=""
	skipped=$(val "$p" skipped)
	if [ "$p" = e2e ] || [ "${skipped:-0}" -gt 0 ]; then
		detail="${skipped:-0} skipped"
	fi
	if [ "$(val "$p" status)" != PASS ] || [ "$rc" -ne 0 ]; then
		verdict=FAIL
		detail="${detail:+$detail; }failed: $(names "$(val "$p" failed_names)")"
	fi
	line="$line  $p $(val "$p" passed)/$(val "$p" total)${detail:+ ($detail)}"
done
echo "check: $verdict$line  in $(($(date +%s) - start))s"
[ "$verdict" = PASS ]
