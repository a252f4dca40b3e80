#!/bin/sh
# The scenario library through plcsim proxy, before a second plcsim serve
# standing in for the real PLC (`make scenarios-proxy`; loopback only).
# The scenarios that apply in front of a real PLC (plcsim check --proxy)
# are played one at a time with `plcsim run --upstream` against the real
# client; those that do not apply are listed with the reason. Exits as
# plcsim run does. Not part of `make check`, which plays a few of them
# (tests/e2e/test_proxy.py): the whole library takes about four minutes.
set -u
cd "$(dirname "$0")/../.."
BUILD="${BUILD:-build}"
plcsim="$BUILD/plcsim"
tcpcom="$BUILD/tcpcom"
for p in "$plcsim" "$tcpcom"; do
	[ -x "$p" ] || { echo "missing $p (run make first)"; exit 1; }
done
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tcpcom-proxy-library.XXXXXX") || exit 1
plc=""
cleanup() {
	[ -n "$plc" ] && kill "$plc" 2>/dev/null && wait "$plc" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

applies=""
for f in scenarios/*.yaml; do
	if "$plcsim" check --proxy "$f" >/dev/null 2>"$tmp/why"; then
		applies="$applies $f"
	else
		echo "not applicable: $(head -n 1 "$tmp/why")"
	fi
done
[ -n "$applies" ] || { echo "FAIL: no scenario applies"; exit 1; }

mkfifo "$tmp/plc.out"
"$plcsim" serve --listen 127.0.0.1:0 -q >"$tmp/plc.out" 2>&1 &
plc=$!
read -r first <"$tmp/plc.out" || first=""
case "$first" in
"listening on "*) address=${first#listening on } ;;
*) echo "FAIL: the PLC did not start: $first"; exit 1 ;;
esac
echo "== the library through plcsim proxy, before a plcsim serve at $address"
# shellcheck disable=SC2086 # the list of files is split on purpose
"$plcsim" run --upstream "$address" --junit "$BUILD/proxy-junit.xml" \
	$applies -- "$tcpcom" --server '{host}' --port '{port}' \
	--stats-json '{stats}' -q </dev/null
