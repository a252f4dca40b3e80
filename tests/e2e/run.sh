#!/bin/sh
# Runs every end-to-end test (tests/e2e/test_*.py and test_*.sh) against the
# programs in $BUILD, each under a time limit, E2E_JOBS (3) at a time: most
# of them wait on timers and sockets, not on a CPU.
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
# $BUILD/e2e-logs/NAME.log. The longest tests start first, by the times of
# the last run ($BUILD/e2e.times), shell tests first when there are none.
# The counts go to $BUILD/e2e.result, which tests/check.sh reads.
set -u
cd "$(dirname "$0")/../.."
BUILD="${BUILD:-build}"
export BUILD
TOP=$(pwd)
export TOP
jobs="${E2E_JOBS:-3}"
logs="$BUILD/e2e-logs"
result="$BUILD/e2e.result"
times="$BUILD/e2e.times"
limit=300
beat=15
rm -rf "$logs" "$result"
mkdir -p "$logs"
tmproot=$(mktemp -d "${TMPDIR:-/tmp}/tcpcom-e2e.XXXXXX") || exit 1
state="$tmproot/state"
mkdir "$state"

# A session of its own when setsid is there (util-linux); without it,
# nothing left running can be seen.
setsid=""
command -v setsid >/dev/null 2>&1 && setsid=setsid

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

# Runs test $1 and prints its verdict; leaves PASS, SKIP or FAIL in
# $state/NAME.verdict and its time in $state/NAME.secs.
run_one() {
	t=$1
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

	echo "$secs" >"$state/$name.secs"
	if [ -n "$why" ]; then
		echo FAIL >"$state/$name.verdict"
		# One write, so that the other lanes' lines do not cut into it.
		{
			echo "FAIL $name (${secs}s): $why"
			if [ -s "$log" ]; then
				echo "    its last 60 lines (all in $log):"
				tail -n 60 "$log" | sed 's/^/    /'
			fi
		} >"$state/$name.report"
		cat "$state/$name.report"
	elif [ "$rc" -eq 77 ]; then
		echo SKIP >"$state/$name.verdict"
		echo "SKIP $name ($reason)"
		rm -f "$log"
	else
		echo PASS >"$state/$name.verdict"
		echo "PASS $name (${secs}s)"
		rm -f "$log"
	fi
}

# A lane takes the next test nobody has taken (mkdir is atomic), until none
# is left. On SIGTERM it stops its test and what the test started.
lane() {
	pid=""
	hb=""
	trap '[ -n "$hb" ] && kill "$hb" 2>/dev/null
	      if [ -n "$pid" ]; then kill -TERM "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; reap "$pid" >/dev/null; fi
	      exit 143' TERM
	for t in $order; do
		mkdir "$state/$(basename "$t").taken" 2>/dev/null || continue
		run_one "$t"
	done
}

lanes=""
stop() {
	[ -n "$lanes" ] && kill -TERM $lanes 2>/dev/null
	wait 2>/dev/null
	rm -rf "$tmproot"
	exit $((128 + $1))
}
trap 'stop 1' HUP
trap 'stop 2' INT
trap 'stop 15' TERM

# The order: the longest of the last run first; a test without a time
# (new, or no last run) before them all; shell tests before Python ones.
order=$(for t in tests/e2e/test_*.sh tests/e2e/test_*.py; do
	[ -e "$t" ] || continue
	s=$(awk -v n="$(basename "$t")" '$2 == n { s = $1 } END { print s }' "$times" 2>/dev/null)
	echo "${s:-999999} $t"
done | sort -k1,1nr -s | cut -d' ' -f2)

start_all=$(date +%s)
i=0
while [ "$i" -lt "$jobs" ]; do
	lane &
	lanes="$lanes $!"
	i=$((i + 1))
done
for l in $lanes; do
	wait "$l"
done
lanes=""

passed=0
skipped=0
failed=0
failed_names=""
skipped_names=""
: >"$state/times"
for t in $order; do
	name=$(basename "$t")
	v=$(cat "$state/$name.verdict" 2>/dev/null)
	case "$v" in
	PASS) passed=$((passed + 1)) ;;
	SKIP)
		skipped=$((skipped + 1))
		skipped_names="$skipped_names $name"
		;;
	*)
		failed=$((failed + 1))
		failed_names="$failed_names $name"
		[ -n "$v" ] || echo "FAIL $name: not run"
		;;
	esac
	[ -s "$state/$name.secs" ] && echo "$(cat "$state/$name.secs") $name" >>"$state/times"
done
cp "$state/times" "$times"
rm -rf "$tmproot"
. tests/phase.sh
phase_result tests/e2e/ "$result" "$start_all"
echo "e2e: $passed passed, $skipped skipped, $failed failed in ${seconds}s ($jobs at a time)"
[ "$failed" -eq 0 ]
