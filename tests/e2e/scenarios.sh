#!/bin/sh
# The scenario library against the real client, two scenarios at a time,
# with a JUnit report for CI systems. Part of `make check`.
set -eu
cd "$(dirname "$0")/../.."
BUILD="${BUILD:-build}"
echo "== scenario library against $BUILD/tcpcom"
exec "$BUILD/plcsim" run -j2 --junit "$BUILD/junit.xml" --json "$BUILD/scenarios.json" \
	scenarios/*.yaml -- \
	"$BUILD/tcpcom" --server '{host}' --port '{port}' --stats-json '{stats}' -q
