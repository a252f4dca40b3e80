#!/bin/sh
# Throughput of plcsim (--cycle 0 --max-clients 1000) against a minimal epoll
# echo server, measured in the same run: 100 concurrent synchronous clients
# doing 4-byte echoes. Prints both rates and their ratio; fails when plcsim
# is slower than half the yardstick.
set -eu
cd "$(dirname "$0")/.."
BUILD="${BUILD:-build}"
CLIENTS="${BENCH_CLIENTS:-100}"
SECONDS_EACH="${BENCH_SECONDS:-5}"
tmp=$(mktemp -d)
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null || true; done
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

# Starts a server that prints "listening on HOST:PORT"; sets $port and $pid.
start() {
	"$@" >"$tmp/out" 2>"$tmp/err" &
	pid=$!
	pids="$pids $pid"
	i=0
	while ! grep -q '^listening on ' "$tmp/out" 2>/dev/null; do
		i=$((i + 1))
		if [ "$i" -gt 500 ] || ! kill -0 "$pid" 2>/dev/null; then
			echo "bench: $1 did not start" >&2
			cat "$tmp/err" >&2
			exit 1
		fi
		sleep 0.01
	done
	port=$(sed -n '1s/.*://p' "$tmp/out")
}

rate_of() {
	sed -n 's/.*rate=\([0-9]*\).*/\1/p'
}

start "$BUILD/tests/echo_epoll"
epoll_rate=$("$BUILD/tests/echo_bench" "$port" "$CLIENTS" "$SECONDS_EACH" | rate_of)
kill "$pid"

start "$BUILD/plcsim" serve --listen 127.0.0.1:0 --cycle 0 --max-clients 1000 -q
plcsim_rate=$("$BUILD/tests/echo_bench" "$port" "$CLIENTS" "$SECONDS_EACH" | rate_of)
kill "$pid"

echo "epoll echo server: $epoll_rate echoes/s ($CLIENTS clients, ${SECONDS_EACH}s)"
echo "plcsim --cycle 0:  $plcsim_rate echoes/s"
awk -v a="$plcsim_rate" -v b="$epoll_rate" 'BEGIN {
	r = b > 0 ? a / b : 0
	printf "ratio plcsim/epoll: %.2f (must be at least 0.50)\n", r
	exit (r >= 0.5 ? 0 : 1)
}'
