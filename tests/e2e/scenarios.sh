#!/bin/sh
# The scenario library against the real client, SCENARIO_JOBS (4)
# scenarios at a time, with a JUnit report for CI systems. Part of `make
# check`. A scenario mostly waits (a 10 ms task cycle, a 100 ms send
# cycle), so four at once on two cores keep its timing verdicts well
# inside their bounds: tests/margins.py -j2 -j3 -j4 measures how close each
# verdict comes at each. One line per scenario as it ends (plcsim run's own
# report, also kept in $BUILD/scenarios.out); the counts go to
# $BUILD/scenarios.result, which tests/check.sh reads.
set -u
cd "$(dirname "$0")/../.."
BUILD="${BUILD:-build}"
jobs="${SCENARIO_JOBS:-4}"
out="$BUILD/scenarios.out"
result="$BUILD/scenarios.result"
rm -f "$out" "$result"
set -- scenarios/*.yaml
[ -e "$1" ] || set --
total=$#
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tcpcom-scenarios.XXXXXX") || exit 1

# plcsim run in a session of its own, so that stopping it early reaches its
# workers too (the clients, in groups of their own, are stopped by them).
setsid=""
command -v setsid >/dev/null 2>&1 && setsid=setsid
pid=""
tee_pid=""
stop() {
	if [ -n "$pid" ]; then
		if [ -n "$setsid" ]; then
			kill -TERM -- "-$pid" 2>/dev/null
		else
			kill -TERM "$pid" 2>/dev/null
		fi
		wait "$pid" 2>/dev/null
	fi
	[ -n "$tee_pid" ] && wait "$tee_pid" 2>/dev/null
	rm -rf "$tmp"
	exit $((128 + $1))
}
trap 'stop 1' HUP
trap 'stop 2' INT
trap 'stop 15' TERM

start=$(date +%s)
echo "== scenario library: $total scenarios against $BUILD/tcpcom, $jobs at a time"
rc=2
if [ "$total" -gt 0 ]; then
	mkfifo "$tmp/out"
	tee "$out" <"$tmp/out" &
	tee_pid=$!
	$setsid "$BUILD/plcsim" run -j"$jobs" --junit "$BUILD/junit.xml" \
		--json "$BUILD/scenarios.json" --html "$BUILD/scenarios.html" \
		"$@" -- \
		"$BUILD/tcpcom" --server '{host}' --port '{port}' \
		--stats-json '{stats}' -q >"$tmp/out" 2>&1 </dev/null &
	pid=$!
	wait "$pid"
	rc=$?
	pid=""
	wait "$tee_pid"
	tee_pid=""
else
	echo "FAIL: no scenarios in scenarios/"
fi
rm -rf "$tmp"

# plcsim run ends with "N passed, N failed"; a scenario that failed has a
# line "FAIL NAME (...".
passed=$(sed -n 's/^\([0-9][0-9]*\) passed, [0-9][0-9]* failed$/\1/p' "$out" 2>/dev/null | tail -n 1)
passed=${passed:-0}
failed_names=$(sed -n 's/^FAIL \([^ ]*\) (.*/\1/p' "$out" 2>/dev/null | tr '\n' ' ')
failed_names=${failed_names% }
status=PASS
if [ "$rc" -ne 0 ] || [ "$total" -eq 0 ] || [ "$passed" -ne "$total" ]; then
	status=FAIL
	[ -n "$failed_names" ] || failed_names="(plcsim run exited $rc)"
fi
seconds=$(($(date +%s) - start))
cat >"$result" <<EOF
status=$status
passed=$passed
skipped=0
failed=$((total - passed))
total=$total
failed_names=$failed_names
skipped_names=
seconds=$seconds
EOF
[ "$status" = PASS ]
