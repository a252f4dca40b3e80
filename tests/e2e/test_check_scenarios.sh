#!/bin/sh
# Every scenario of the library passes plcsim check; a bad one among good
# ones makes the whole check exit 2.
set -u
cd "${TOP:-.}"
BUILD="${BUILD:-build}"
plcsim="$BUILD/plcsim"
[ -x "$plcsim" ] || { echo "missing $plcsim (run make first)"; exit 1; }
set -- scenarios/*.yaml
[ -e "$1" ] || { echo "FAIL: no scenarios in scenarios/"; exit 1; }
"$plcsim" check "$@" || { echo "FAIL: the scenario library does not validate"; exit 1; }
for f in "$@"; do
	grep -q '^# yaml-language-server: \$schema=' "$f" ||
	    { echo "FAIL $f: no schema hint on its first line"; exit 1; }
done
"$plcsim" check "$1" tests/scenarios-bad/empty.yaml
rc=$?
[ "$rc" -eq 2 ] || { echo "FAIL: a good and a bad file gave exit $rc"; exit 1; }
echo ok
