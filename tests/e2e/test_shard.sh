#!/bin/sh
# plcsim run --shard K/N: the shards of a library are disjoint, their union
# is the whole library, the split does not depend on the order the files are
# given in, and their JUnit reports merge into one testcase per scenario.
# The client is `true`: each scenario ends at once ("exited early"), which
# is all a split needs.
set -u
cd "${TOP:-.}"
BUILD="${BUILD:-build}"
plcsim="$BUILD/plcsim"
[ -x "$plcsim" ] || { echo "missing $plcsim (run make first)"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
failures=0
fail() {
	echo "FAIL: $*"
	failures=$((failures + 1))
}

ls scenarios/*.yaml >"$tmp/all"
n=3
for k in 1 2 3; do
	"$plcsim" run -j4 --shard "$k/$n" --junit "$tmp/junit-$k.xml" \
	    scenarios/*.yaml -- true >"$tmp/out-$k" 2>&1
	rc=$?
	# Every scenario fails (the client exits at once): exit 1, not 2 or 3.
	[ "$rc" -eq 1 ] || fail "shard $k/$n exited $rc: $(tail -n 3 "$tmp/out-$k")"
done
# The same split with the files given in reverse order.
"$plcsim" run -j4 --shard 2/$n $(sort -r "$tmp/all") -- true \
    >"$tmp/out-rev" 2>&1

python3 - "$tmp" "$n" <<'PY' || fail "the shards do not split the library"
import os, sys, xml.dom.minidom
tmp, n = sys.argv[1], int(sys.argv[2])
names = lambda path: [c.getAttribute("name") for c in
                      xml.dom.minidom.parse(path).getElementsByTagName("testcase")]
shards = [names(os.path.join(tmp, "junit-%d.xml" % k)) for k in range(1, n + 1)]
library = [os.path.basename(l.strip())[:-len(".yaml")]
           for l in open(os.path.join(tmp, "all"))]
merged = [x for s in shards for x in s]
assert sorted(merged) == sorted(library), "union %r != %r" % (sorted(merged), sorted(library))
assert len(set(merged)) == len(merged), "a scenario in two shards"
sizes = [len(s) for s in shards]
assert max(sizes) - min(sizes) <= 1, "unbalanced: %r" % sizes
rev = [l.split()[1] for l in open(os.path.join(tmp, "out-rev"))
       if l.startswith(("PASS ", "FAIL "))]
assert sorted(rev) == sorted(shards[1]), "order changed the split: %r %r" % (rev, shards[1])
print("ok   %d scenarios in %d shards of %r; the same split in any order"
      % (len(merged), n, sizes))
PY

# Bad values are usage errors.
for bad in 0/3 4/3 3 a/b 1/0; do
	"$plcsim" run --shard "$bad" scenarios/*.yaml -- true >/dev/null 2>&1
	rc=$?
	[ "$rc" -eq 2 ] || fail "--shard $bad exited $rc, expected 2"
done
[ "$failures" -eq 0 ] || exit 1
echo "all ok"
