#!/bin/sh
# make demo (ci/demo.sh) as a new user sees it: on a healthy link it ends
# with "link healthy: every frame echoed ..." and exit 0, with nothing the
# clean stop causes counted as a fault and the first life-bit edge shown as
# first; against a PLC that corrupts three echoes, or resets the link, it
# ends with "link NOT healthy: ..." naming what went wrong, and exit 1.
# Short runs (2 s) without the library scenario, to stay quick.
set -u
cd "${TOP:-.}" || exit 1
BUILD="${BUILD:-build}"
export BUILD
for p in "$BUILD/plcsim" "$BUILD/tcpcom"; do
	[ -x "$p" ] || { echo "missing $p (run make first)"; exit 1; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
failures=0
fail() {
	echo "FAIL: $*"
	failures=$((failures + 1))
}

# demo NAME [SCENARIO]: runs the demo, output in $tmp/NAME.out, exit in rc.
demo() {
	DEMO_SECONDS=2 DEMO_LIBRARY=0 DEMO_SCENARIO="${2:-}" \
	    sh ci/demo.sh >"$tmp/$1.out" 2>&1
	rc=$?
	verdict=$(tail -n 1 "$tmp/$1.out")
	echo "$1: exit $rc: $verdict"
}

demo healthy
[ "$rc" -eq 0 ] || fail "healthy: exit $rc"
echo "$verdict" | grep -Eq '^link healthy: every frame echoed \([0-9]+ of [0-9]+(; one more was sent as the client stopped)?\), life bit every 500 ms ±[0-9]+ ms \([0-9]+ edges seen by the PLC\), no watchdog, no reconnection$' ||
	fail "healthy: the last line is not the healthy verdict"
# The stop is no fault: no disconnect, no skipped cycle counted.
grep -Eq '^ +disconnects +0 ' "$tmp/healthy.out" ||
	fail "healthy: the stop counted as a disconnect"
grep -Eq '^ +skipped_cycles +0 ' "$tmp/healthy.out" ||
	fail "healthy: skipped cycles counted"
# The first edge is shown as first, with no made-up interval.
grep -Eq ' edge conn=1 bit=1 first$' "$tmp/healthy.out" ||
	fail "healthy: the first edge is not marked first"
if grep -q 'interval_us=0' "$tmp/healthy.out"; then
	fail "healthy: an edge with interval_us=0"
fi
# The figures in the verdict are the run's: the echo count is the client's.
ok=$(sed -n 's/^ *echoes_ok *\([0-9][0-9]*\) .*/\1/p' "$tmp/healthy.out")
echo "$verdict" | grep -q "($ok of $ok" ||
	fail "healthy: the verdict does not give the client's $ok echoes"

cat >"$tmp/corrupt.yaml" <<'EOF'
name: demo-corrupt
duration: 60s
timeline:
  - action: corrupt
    at: 500ms
    frames: 3
    mask: "0x00ff0000"
EOF
demo corrupt "$tmp/corrupt.yaml"
[ "$rc" -eq 1 ] || fail "corrupt: exit $rc"
echo "$verdict" | grep -Eq '^link NOT healthy: 3 of [0-9]+ echoes differed from their frame$' ||
	fail "corrupt: the verdict does not say the three mismatches (only)"

cat >"$tmp/rst.yaml" <<'EOF'
name: demo-rst
duration: 60s
timeline:
  - action: rst
    at: 1s
EOF
demo rst "$tmp/rst.yaml"
[ "$rc" -eq 1 ] || fail "rst: exit $rc"
echo "$verdict" | grep -q '^link NOT healthy: .*the link was lost once' ||
	fail "rst: the verdict does not say the link was lost"

if [ "$failures" -ne 0 ]; then
	for f in "$tmp"/*.out; do
		echo "---- $f"; tail -n 40 "$f"
	done
	exit 1
fi
echo "demo: healthy and sick links judged as such"
