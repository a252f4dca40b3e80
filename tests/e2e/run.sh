#!/bin/sh
# Runs every end-to-end test (tests/e2e/test_*.py and test_*.sh) against the
# programs in $BUILD, each under a time limit, keeping a log only when it fails.
set -u
cd "$(dirname "$0")/../.."
BUILD="${BUILD:-build}"
export BUILD
TOP=$(pwd)
export TOP
logs="$BUILD/e2e-logs"
rm -rf "$logs"
mkdir -p "$logs"
pass=0
fail=0
failed=""
for t in tests/e2e/test_*.py tests/e2e/test_*.sh; do
	[ -e "$t" ] || continue
	name=$(basename "$t")
	limit=300
	case "$t" in
	*.py) cmd="python3 -u $t" ;;
	*) cmd="sh $t" ;;
	esac
	start=$(date +%s)
	if timeout -k 10 "$limit" $cmd >"$logs/$name.log" 2>&1; then
		pass=$((pass + 1))
		echo "PASS $name ($(($(date +%s) - start))s)"
		rm -f "$logs/$name.log"
	else
		fail=$((fail + 1))
		failed="$failed $name"
		echo "FAIL $name ($(($(date +%s) - start))s); log follows"
		sed 's/^/    /' "$logs/$name.log" | tail -n 60
	fi
done
echo "e2e: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
