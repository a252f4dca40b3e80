#!/bin/sh
# make demo: the real client against the emulated TwinCAT PLC for a few
# seconds on 127.0.0.1, what each of them saw, a short scenario judged by
# the harness, and one verdict line from the figures of the run.
#
# Settings, for a look at a sick link and for the tests:
#   DEMO_SECONDS=N      how long the client runs (5; at least 2)
#   DEMO_SCENARIO=FILE  the PLC plays this scenario's faults (plcsim serve
#                       FILE) instead of being healthy
#   DEMO_LIBRARY=0      leave out the scenario judged by the harness
# Exit: 0 when the verdict is "link healthy", 1 otherwise.
set -eu
cd "$(dirname "$0")/.."
BUILD="${BUILD:-build}"
seconds="${DEMO_SECONDS:-5}"
scenario="${DEMO_SCENARIO:-}"
library="${DEMO_LIBRARY:-1}"
case "$seconds" in
''|*[!0-9]*|0|1) echo "demo: DEMO_SECONDS must be a whole number of seconds, 2 or more" >&2; exit 2 ;;
esac
# The client's settings, which the verdict measures against.
send_ms=100
toggle_ms=500

tmp=$(mktemp -d)
sim_pid=""
cleanup() {
	[ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

if [ -n "$scenario" ]; then
	echo "== plcsim: the emulated PLC on a free port of 127.0.0.1, playing the faults of $scenario"
	"$BUILD/plcsim" serve "$scenario" --listen 127.0.0.1:0 >"$tmp/plcsim.out" 2>&1 &
else
	echo "== plcsim: the emulated PLC (10 ms task cycle, life-bit watchdog 2 s) on a free port of 127.0.0.1"
	"$BUILD/plcsim" serve --listen 127.0.0.1:0 --watchdog 2s >"$tmp/plcsim.out" 2>&1 &
fi
sim_pid=$!
i=0
while ! grep -q '^listening on' "$tmp/plcsim.out" 2>/dev/null; do
	i=$((i + 1))
	if [ "$i" -gt 100 ] || ! kill -0 "$sim_pid" 2>/dev/null; then
		echo "plcsim did not start:"; cat "$tmp/plcsim.out"; exit 1
	fi
	sleep 0.05
done
addr=$(sed -n 's/^listening on //p' "$tmp/plcsim.out" | head -n 1)
port=${addr##*:}
echo "   $(head -n 1 "$tmp/plcsim.out")"

echo "== tcpcom: the client, $send_ms ms send cycle, life bit every $toggle_ms ms, for $seconds s (a status line every 2 s)"
client_rc=0
"$BUILD/tcpcom" --server 127.0.0.1 --port "$port" --duration "${seconds}s" \
	--send-cycle "${send_ms}ms" --toggle-cycle "${toggle_ms}ms" \
	--payload counter --stats-interval 2s --stats-json "$tmp/stats.json" ||
	client_rc=$?

kill -INT "$sim_pid" 2>/dev/null || true
wait "$sim_pid" || true
sim_pid=""
echo
echo "== what plcsim saw: each edge is the life bit changing in the frames it"
echo "   received, interval_us the time since the previous edge (the first"
echo "   edge of a connection has none); the disconnect at the end is the"
echo "   client stopping"
sed 's/^/   /' "$tmp/plcsim.out"

# ---- the figures the verdict is made of ----
num() {	# num KEY: a counter of the client's stats file, or -1
	v=$(sed -n "s/^ *\"$1\": *\([0-9][0-9]*\).*/\1/p" "$tmp/stats.json" 2>/dev/null | head -n 1)
	echo "${v:--1}"
}
sent=$(num frames_sent); ok=$(num echoes_ok); abandoned=$(num echoes_abandoned)
mism=$(num mismatches); tmo=$(num echo_timeouts); proto=$(num protocol_errors)
conn=$(num connects); disc=$(num disconnects); senderr=$(num send_errors)
skipped=$(num skipped_cycles)
# The life bit as the PLC saw it: the intervals between edges (us), and
# the watchdog's firings.
sed -n 's/.* edge conn=[0-9]* bit=[01] interval_us=\([0-9][0-9]*\).*/\1/p' \
	"$tmp/plcsim.out" >"$tmp/intervals"
edges=$(grep -c ' edge conn=' "$tmp/plcsim.out" || true)
watchdogs=$(grep -c ' watchdog ' "$tmp/plcsim.out" || true)
# The widest distance of an interval from the toggle cycle, in ms, rounded up.
dev_ms=$(awk -v t="$toggle_ms" '
	{ d = $1 / 1000 - t; if (d < 0) d = -d; if (d > m) m = d; n++ }
	END { if (!n) print -1; else printf "%d\n", (m == int(m)) ? m : int(m) + 1 }' \
	"$tmp/intervals")
range_ms=$(awk '
	NR == 1 { lo = hi = $1 } { if ($1 < lo) lo = $1; if ($1 > hi) hi = $1 }
	END { if (NR) printf "%d..%d ms", lo / 1000, hi / 1000 }' "$tmp/intervals")

# Healthy means: the client ran and stopped cleanly, one connection and no
# loss, every frame echoed as sent (the one sent as the client stopped,
# whose echo it does not wait for, aside), no deadline missed; and the PLC
# saw the life bit change every toggle cycle to within one send cycle (it
# sees the bit only in frames, one per send cycle: further off than that
# means a frame came late or not at all), without its watchdog firing, and
# at least one edge per toggle cycle but the first.
problems=""
problem() { problems="${problems:+$problems; }$1"; }
how_often() { if [ "$1" -eq 1 ]; then echo once; else echo "$1 times"; fi; }
[ "$client_rc" -eq 0 ] || problem "tcpcom exited $client_rc"
if [ "$sent" -lt 0 ]; then
	problem "tcpcom wrote no statistics"
else
	[ "$ok" -gt 0 ] || problem "no echo came back"
	[ "$mism" -eq 0 ] || problem "$mism of $((ok + mism)) echoes differed from their frame"
	[ "$tmo" -eq 0 ] || problem "$tmo echoes did not come in time"
	[ "$proto" -eq 0 ] || problem "bytes nobody asked for came $(how_often "$proto")"
	[ "$senderr" -eq 0 ] || problem "$senderr frames could not be written"
	[ "$disc" -eq 0 ] || problem "the link was lost $(how_often "$disc")"
	[ "$conn" -ge 1 ] || problem "no connection"
	[ "$skipped" -eq 0 ] || problem "$skipped send deadlines missed"
	# Frames without an echo, timeouts aside: the link failed first.
	lost=$((sent - ok - mism - tmo - abandoned))
	[ "$lost" -le 0 ] || problem "$lost of $sent frames got no echo"
fi
[ "$watchdogs" -eq 0 ] || problem "the PLC's watchdog fired $(how_often "$watchdogs")"
want_edges=$((seconds * 1000 / toggle_ms - 1))
[ "$edges" -ge "$want_edges" ] ||
	problem "the PLC saw $edges life-bit edges in $seconds s (at least $want_edges expected)"
[ "$dev_ms" -ge 0 ] || problem "the PLC saw no life-bit interval"
[ "$dev_ms" -le "$send_ms" ] ||
	problem "life-bit intervals $range_ms (expected $toggle_ms ± $send_ms ms)"

scenario_note=""
if [ "$library" != 0 ] && [ -f scenarios/drop-rst-reconnect.yaml ]; then
	echo
	echo "== a scenario: the PLC resets the link at 3 s and at 8 s; the harness"
	echo "   judges the client (12 s; what happens is shown as it happens)"
	# The connections and the faults as they come, not every life-bit edge.
	{
		run_rc=0
		"$BUILD/plcsim" run -v scenarios/drop-rst-reconnect.yaml -- \
			"$BUILD/tcpcom" --server '{host}' --port '{port}' \
			--stats-json '{stats}' -q || run_rc=$?
		echo "$run_rc" >"$tmp/run.rc"
	} 2>&1 | awk '/ (connect|disconnect) |fault|PASS|FAIL|passed/ {
		print "   " $0; fflush() }'
	if [ "$(cat "$tmp/run.rc" 2>/dev/null)" = 0 ]; then
		scenario_note="; and when the PLC reset the link, back within 2 s each time (drop-rst-reconnect passed)"
	else
		problem "the scenario drop-rst-reconnect failed"
	fi
fi

if [ -z "$problems" ]; then
	if [ "$abandoned" -gt 0 ]; then
		echoed="every frame echoed ($ok of $ok; one more was sent as the client stopped)"
	else
		echoed="every frame echoed ($ok of $ok)"
	fi
	verdict="link healthy: $echoed, life bit every $toggle_ms ms ±$dev_ms ms ($edges edges seen by the PLC), no watchdog, no reconnection$scenario_note"
	rc=0
else
	verdict="link NOT healthy: $problems"
	rc=1
fi

echo
echo "$verdict"
exit "$rc"
