#!/bin/sh
# Runs every end-to-end test (tests/e2e/test_*.py and test_*.sh) against the
# programs in $BUILD, one after another, each under a time limit.
#
# A test passes when it exits 0 and fails on any other status but one: 77
# (automake's convention) says it skipped, because something it needs is
# missing, and its last line of output says why. A skip is shown as SKIP and
# counted apart from the passes; where CI is set, a skip is a failure.
#
# Each test runs in a session of its own, with a TMPDIR of its own: a
# process of that session still alive when the test has ended, or a file
# left in that TMPDIR, fails the test (and is killed, or removed).
#
# A line when a test starts, one every 15 s while it runs, one when it ends.
# The output of a test that fails is shown (its last 60 lines) and kept in
# $BUILD/e2e-logs/NAME.log. The counts go to $BUILD/e2e.result, which
# tests/check.sh reads.
set -u
cd "$(dirname "$0")/../.."
BUILD="${BUILD:-build}"
export BUILD
TOP=$(pwd)
export TOP
logs="$BUILD/e2e-logs"
result="$BUILD/e2e.result"
limit=300
beat=15
rm -rf "$logs" "$result"
mkdir -p "$logs"
tmproot=$(mktemp -d "${TMPDIR:-/tmp}/tcpcom-e2e.XXXXXX") || exit 1

# The processes alive in session $1, zombies aside: "PID COMMAND" lines.
leftovers() {
	ps -e -o sid= -o pid= -o stat= -o args= 2>/dev/null | awk -v s="$1" '
	$1 == s && $3 !~ /^Z/ { pid = $2; $1 = $2 = $3 = ""; sub(/^ +/, ""); print pid, $0 }'
}

# Kills what is left of session $1, after 2 s for it to end by itself.
# Prints what had to be killed.
reap() {
	i=0
	while [ "$i" -lt 20 ] && [ -n "$(leftovers "$1")" ]; do
		sleep 0.1
		i=$((i + 1))
	done
	left=$(leftovers "$1")
	[ -n "$left" ] || return 0
	echo "$left"
	echo "$left" | while read -r p _; do kill -KILL "$p" 2>/dev/null; done
}

# "still running" every $beat seconds, until killed.
heartbeat() {
	s=""
	trap '[ -n "$s" ] && kill "$s" 2>/dev/null; exit 0' TERM
	n=0
	while :; do
		sleep "$beat" &
		s=$!
		wait "$s"
		n=$((n + beat))
		echo "still running: $1 (${n}s)"
	done
}

pid=""
hb=""
stop() {
	[ -n "$hb" ] && kill "$hb" 2>/dev/null
	if [ -n "$pid" ]; then
		kill -TERM "$pid" 2>/dev/null
		wait "$pid"
		reap "$pid" >/dev/null
	fi
	rm -rf "$tmproot"
	exit $((128 + $1))
}
trap 'stop 1' HUP
trap 'stop 2' INT
trap 'stop 15' TERM

# A session of its own when setsid is there (util-linux); without it,
# nothing left running can be seen.
setsid=""
command -v setsid >/dev/null 2>&1 && setsid=setsid

start_all=$(date +%s)
passed=0
skipped=0
failed=0
failed_names=""
skipped_names=""
for t in tests/e2e/test_*.py tests/e2e/test_*.sh; do
	[ -e "$t" ] || continue
	name=$(basename "$t")
	case "$t" in
	*.py) set -- python3 -B -u "$t" ;;
	*) set -- sh "$t" ;;
	esac
	log="$logs/$name.log"
	tmp="$tmproot/$name"
	mkdir "$tmp"
	echo "START $name"
	start=$(date +%s)
	# Not a process group leader (no job control here), so setsid does not
	# fork: $! is the new session's id. timeout signals its own group.
	TMPDIR="$tmp" $setsid timeout -k 10 "$limit" "$@" >"$log" 2>&1 </dev/null &
	pid=$!
	heartbeat "$name" &
	hb=$!
	wait "$pid"
	rc=$?
	kill "$hb" 2>/dev/null
	wait "$hb"
	hb=""
	secs=$(($(date +%s) - start))
	left=""
	[ -n "$setsid" ] && left=$(reap "$pid")
	pid=""
	files=$(cd "$tmp" && ls -A | head -n 5 | tr '\n' ' ')
	rm -rf "$tmp"
	reason=$(sed -n '/[^[:space:]]/h; ${x;s/^[[:space:]]*//;s/^skipped: //;p;}' "$log")

	why=""
	if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
		why="timed out after ${limit}s"
	elif [ "$rc" -eq 77 ] && [ -n "${CI:-}" ]; then
		why="skipped, and CI allows no skip: $reason"
	elif [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ]; then
		why="exit $rc"
	fi
	if [ -n "$left" ]; then
		why="${why:+$why; }left running: $(echo "$left" | head -n 3 | sed '$!s/$/;/' | tr '\n' ' ')"
		why=${why% }
	fi
	if [ -n "$files" ]; then
		why="${why:+$why; }left in TMPDIR: ${files% }"
	fi

	if [ -n "$why" ]; then
		failed=$((failed + 1))
		failed_names="$failed_names $name"
		echo "FAIL $name (${secs}s): $why"
		if [ -s "$log" ]; then
			echo "    its last 60 lines (all in $log):"
			tail -n 60 "$log" | sed 's/^/    /'
		fi
	elif [ "$rc" -eq 77 ]; then
		skipped=$((skipped + 1))
		skipped_names="$skipped_names $name"
		echo "SKIP $name ($reason)"
		rm -f "$log"
	else
		passed=$((passed + 1))
		echo "PASS $name (${secs}s)"
		rm -f "$log"
	fi
done
rm -rf "$tmproot"
total=$((passed + skipped + failed))
seconds=$(($(date +%s) - start_all))
if [ "$total" -eq 0 ]; then
	echo "FAIL: no tests in tests/e2e/"
	failed=1
	failed_names="(none found)"
fi
status=PASS
[ "$failed" -eq 0 ] || status=FAIL
cat >"$result" <<EOF
status=$status
passed=$passed
skipped=$skipped
failed=$failed
total=$total
failed_names=${failed_names# }
skipped_names=${skipped_names# }
seconds=$seconds
EOF
echo "e2e: $passed passed, $skipped skipped, $failed failed in ${seconds}s"
[ "$failed" -eq 0 ]
