#!/bin/sh
# Runs every unit test program ($BUILD/tests/test_NAME, one for each
# tests/unit/test_NAME.c), each under a time limit: one line for each, and
# its whole output only when it fails (kept in $BUILD/unit-logs/NAME.log).
#
# A program in which cmocka's skip() was called is shown as SKIP with the
# tests it skipped, not as PASS; where CI is set, it fails. The counts go to
# $BUILD/unit.result, which tests/check.sh reads.
set -u
cd "$(dirname "$0")/../.."
BUILD="${BUILD:-build}"
logs="$BUILD/unit-logs"
result="$BUILD/unit.result"
limit=300
rm -rf "$logs" "$result"
mkdir -p "$logs"
# The summary lines parsed below are cmocka's standard output format.
CMOCKA_MESSAGE_OUTPUT=stdout
export CMOCKA_MESSAGE_OUTPUT

pid=""
stop() {
	[ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	exit $((128 + $1))
}
trap 'stop 1' HUP
trap 'stop 2' INT
trap 'stop 15' TERM

start=$(date +%s)
passed=0
skipped=0
failed=0
failed_names=""
skipped_names=""
for src in tests/unit/test_*.c; do
	[ -e "$src" ] || continue
	name=$(basename "$src" .c)
	log="$logs/$name.log"
	# In the background and waited for, so that a signal is acted on at once.
	timeout -k 10 "$limit" "$BUILD/tests/$name" >"$log" 2>&1 </dev/null &
	pid=$!
	wait "$pid"
	rc=$?
	pid=""
	ran=$(awk '/^\[==========\] .*test\(s\) run\./ {
		for (i = 2; i <= NF; i++) if ($i ~ /^[0-9]+$/) n += $i } END { print n + 0 }' "$log")
	skips=$(sed -n 's/^\[  SKIPPED \] //p' "$log" | grep -v '^[0-9][0-9]* test(s)' | sort -u | tr '\n' ' ')
	skips=${skips% }
	nskips=$(echo "$skips" | wc -w)
	why=""
	if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
		why="timed out after ${limit}s"
	elif [ "$rc" -ne 0 ]; then
		why="exit $rc"
	elif [ "$ran" -eq 0 ]; then
		why="no test ran"
	elif [ "$nskips" -gt 0 ] && [ -n "${CI:-}" ]; then
		why="$nskips of $ran tests skipped, and CI allows no skip: $skips"
	fi
	if [ -n "$why" ]; then
		failed=$((failed + 1))
		failed_names="$failed_names $name"
		echo "FAIL $name: $why; its output follows (kept in $log)"
		sed 's/^/    /' "$log"
	elif [ "$nskips" -gt 0 ]; then
		skipped=$((skipped + 1))
		skipped_names="$skipped_names $name"
		echo "SKIP $name ($nskips of $ran tests skipped: $skips)"
		rm -f "$log"
	else
		passed=$((passed + 1))
		echo "PASS $name ($ran tests)"
		rm -f "$log"
	fi
done
. tests/phase.sh
phase_result tests/unit/ "$result" "$start"
echo "unit: $passed passed, $skipped skipped, $failed failed in ${seconds}s"
[ "$failed" -eq 0 ]
