#!/bin/sh
# A client_pause right after a client_restart holds the client started
# again, whether it begins while the old group is still being put down (the
# command then starts when the pause ends) or just after the new one was
# started (it is stopped; never before its exec, when it would still hold
# the PLC's listening socket and the PLC could not listen again). The real
# client is frozen for each whole pause, the PLC's watchdog fires in each,
# and its reconnection is judged from the pause's end. (Before, the first
# pause signalled the dying group and the new client ran through it: the
# client was blamed for a watchdog that never fired; and a client frozen
# before it could connect again was blamed for a late reconnection.)
set -u
cd "${TOP:-.}"
BUILD="${BUILD:-build}"
plcsim="$BUILD/plcsim"
tcpcom="$BUILD/tcpcom"
for p in "$plcsim" "$tcpcom"; do
	[ -x "$p" ] || { echo "missing $p (run make first)"; exit 1; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The first pause comes 1 ms after the kill, the second 100 ms after.
cat >"$tmp/pause-after-restart.yaml" <<'YAML'
name: pause-after-restart
duration: 6s
plc:
  watchdog: 1s
timeline:
  - action: client_restart
    at: 1s
  - action: client_pause
    at: 1001ms
    for: 1500ms
  - action: client_restart
    at: 3s
  - action: client_pause
    at: 3100ms
    for: 1500ms
expectations:
  - expect: watchdog_fires
  # A frozen PC cannot connect: judged from the end of the pause.
  - expect: reconnect
    within: 1s
YAML
"$plcsim" run ${VERBOSE:-} "$tmp/pause-after-restart.yaml" -- "$tcpcom" \
    --server '{host}' --port '{port}' --toggle-cycle 100ms -q \
    >"$tmp/out" 2>&1 </dev/null
rc=$?
[ -n "${VERBOSE:-}" ] && cat "$tmp/out"
if [ "$rc" -ne 0 ] || ! grep -q "ok watchdog_fires .* in each of 2 pauses" "$tmp/out" ||
    ! grep -q "ok reconnect" "$tmp/out"; then
	echo "FAIL: plcsim run exited $rc; did a restarted client run through a pause?"
	sed 's/^/    /' "$tmp/out"
	exit 1
fi
echo "ok   a pause begun during or just after a restart holds the restarted client"
