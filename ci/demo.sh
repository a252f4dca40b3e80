#!/bin/sh
# make demo: the real client against the emulated TwinCAT PLC for a few
# seconds on 127.0.0.1, then what each of them saw, then a short scenario
# judged by the harness.
set -eu
cd "$(dirname "$0")/.."
BUILD="${BUILD:-build}"
tmp=$(mktemp -d)
sim_pid=""
cleanup() {
	[ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

echo "== plcsim: the emulated PLC (10 ms task cycle) on a free port of 127.0.0.1"
"$BUILD/plcsim" serve --listen 127.0.0.1:0 --watchdog 2s >"$tmp/plcsim.out" 2>&1 &
sim_pid=$!
i=0
while ! grep -q '^listening on' "$tmp/plcsim.out" 2>/dev/null; do
	i=$((i + 1))
	if [ "$i" -gt 100 ]; then
		echo "plcsim did not start:"; cat "$tmp/plcsim.out"; exit 1
	fi
	sleep 0.05
done
addr=$(sed -n 's/^listening on //p' "$tmp/plcsim.out" | head -n 1)
port=${addr##*:}
echo "   $(head -n 1 "$tmp/plcsim.out")"

echo "== tcpcom: the client, 100 ms send cycle, life bit every 500 ms, for 5 s"
"$BUILD/tcpcom" --server 127.0.0.1 --port "$port" --duration 5s \
	--payload counter --stats-interval 2s --stats-json "$tmp/stats.json"

kill -INT "$sim_pid"
wait "$sim_pid" || true
sim_pid=""
echo
echo "== what plcsim saw"
sed 's/^/   /' "$tmp/plcsim.out"

if ls scenarios/*.yaml >/dev/null 2>&1; then
	echo
	echo "== a scenario: the PLC resets the link; the harness judges the client"
	"$BUILD/plcsim" run scenarios/drop-rst-reconnect.yaml -- \
		"$BUILD/tcpcom" --server '{host}' --port '{port}' --stats-json '{stats}' -q
fi
