#!/bin/sh
# make soak: the long scenarios of scenarios/soak/ (minutes of many faults)
# against the real client. Not part of make check. Reports go to
# $BUILD/soak-junit.xml and $BUILD/soak.json.
set -eu
cd "$(dirname "$0")/.."
BUILD="${BUILD:-build}"
for p in "$BUILD/plcsim" "$BUILD/tcpcom"; do
	[ -x "$p" ] || { echo "soak: missing $p (run make first)" >&2; exit 1; }
done
"$BUILD/plcsim" check scenarios/soak/*.yaml
exec "$BUILD/plcsim" run -j2 --junit "$BUILD/soak-junit.xml" \
	--json "$BUILD/soak.json" scenarios/soak/*.yaml -- \
	"$BUILD/tcpcom" --server '{host}' --port '{port}' \
	--stats-json '{stats}' --stats-interval 30s
