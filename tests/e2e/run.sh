#!/bin/sh
# Runs every end-to-end test (tests/e2e/test_*.py and test_*.sh) against the
# programs in $BUILD, each under a time limit, keeping a log only when it fails.
#
# A test passes when it exits 0 and fails on any other status but one: 77
# (automake's convention) says it skipped, because something it needs is
# missing, and its last line of output says why. A skip is shown as SKIP and
# counted apart from the passes; where CI is set, a skip is a failure.
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
skip=0
fail=0
failed=""
for t in tests/e2e/test_*.py tests/e2e/test_*.sh; do
	[ -e "$t" ] || continue
	name=$(basename "$t")
	limit=300
	case "$t" in
	*.py) cmd="python3 -B -u $t" ;;
	*) cmd="sh $t" ;;
	esac
	start=$(date +%s)
	timeout -k 10 "$limit" $cmd >"$logs/$name.log" 2>&1
	rc=$?
	reason=$(sed -n '/[^[:space:]]/h; ${x;s/^[[:space:]]*//;s/^skipped: //;p;}' "$logs/$name.log")
	if [ "$rc" -eq 0 ]; then
		pass=$((pass + 1))
		echo "PASS $name ($(($(date +%s) - start))s)"
		rm -f "$logs/$name.log"
	elif [ "$rc" -eq 77 ] && [ -z "${CI:-}" ]; then
		skip=$((skip + 1))
		echo "SKIP $name ($reason)"
		rm -f "$logs/$name.log"
	else
		fail=$((fail + 1))
		failed="$failed $name"
		if [ "$rc" -eq 77 ]; then
			echo "FAIL $name: skipped, and CI allows no skip; log follows"
		else
			echo "FAIL $name ($(($(date +%s) - start))s); log follows"
		fi
		sed 's/^/    /' "$logs/$name.log" | tail -n 60
	fi
done
echo "e2e: $pass passed, $skip skipped, $fail failed"
[ "$fail" -eq 0 ]
