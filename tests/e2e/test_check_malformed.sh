#!/bin/sh
# plcsim check refuses every file in tests/scenarios-bad/: exit 2, one
# message naming the file, no crash (a signal, a sanitizer report).
set -u
cd "${TOP:-.}"
BUILD="${BUILD:-build}"
plcsim="$BUILD/plcsim"
[ -x "$plcsim" ] || { echo "missing $plcsim (run make first)"; exit 1; }
out=$(mktemp)
trap 'rm -f "$out"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
n=0
bad=0
for f in tests/scenarios-bad/*.yaml; do
	n=$((n + 1))
	"$plcsim" check "$f" >"$out" 2>&1
	rc=$?
	if [ "$rc" -ne 2 ]; then
		echo "FAIL $f: exit $rc, expected 2"
		bad=$((bad + 1))
	elif ! grep -q "^$f[:]" "$out"; then
		echo "FAIL $f: no message naming the file"
		bad=$((bad + 1))
	elif grep -q "Sanitizer\|runtime error" "$out"; then
		echo "FAIL $f: sanitizer report"
		bad=$((bad + 1))
	fi
	sed 's/^/    /' "$out"
done
# All of them in one call: still 2, one line per file.
"$plcsim" check tests/scenarios-bad/*.yaml >"$out" 2>&1
rc=$?
lines=$(grep -c . "$out")
if [ "$rc" -ne 2 ] || [ "$lines" -ne "$n" ]; then
	echo "FAIL all at once: exit $rc, $lines lines for $n files"
	bad=$((bad + 1))
fi
[ "$n" -ge 30 ] || { echo "FAIL only $n malformed files"; bad=$((bad + 1)); }
echo "$n malformed files, $bad failures"
[ "$bad" -eq 0 ]
