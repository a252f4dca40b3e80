#!/bin/sh
# What tcpcom's sender thread asks of the kernel per frame, counted with
# strace, against a minimal echo process (tests/helpers/pingpong serve):
#
#   --send-cycle 1us, 2000 frames (each due before the last one's echo is
#   in, the more so under strace): no sleep to a deadline already past and
#   no extra poll of the stop pipe before a frame; per frame one send and
#   one read that waits for the echo (a blocking recvmsg, no poll before
#   it), the echo carrying its arrival stamp; the read before a frame that
#   checks that nothing unasked came in is left to that stamp, so it is
#   made only until a stamp was judged;
#
#   --send-cycle 10ms, 30 frames: each frame still waits for its deadline
#   with clock_nanosleep (the exact timing of a normal cycle is unchanged),
#   and after that sleep the check that nothing unasked came in is a read
#   again, as it always was.
#
# The bounds leave a little room (the connection, the exit), far below the
# per-frame calls they exclude.
set -u
cd "${TOP:-.}"
BUILD="${BUILD:-build}"
tcpcom="$BUILD/tcpcom"
pp="$BUILD/tests/pingpong"
for p in "$tcpcom" "$pp"; do
	[ -x "$p" ] || { echo "missing $p (run make tests first)"; exit 1; }
done
if ! command -v strace >/dev/null 2>&1; then
	echo "skipped: strace is not installed (ci/deps.sh installs it)"
	exit 77
fi
tmp=$(mktemp -d)
srv=""
cleanup() {
	[ -n "$srv" ] && kill "$srv" 2>/dev/null && wait "$srv" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
bad=0

"$pp" serve >"$tmp/pp.out" 2>&1 &
srv=$!
i=0
while ! grep -q '^listening on ' "$tmp/pp.out" 2>/dev/null; do
	i=$((i + 1))
	[ "$i" -gt 200 ] && { echo "FAIL: pingpong serve did not start"; exit 1; }
	sleep 0.02
done
port=$(sed -n '1s/^listening on .*://p' "$tmp/pp.out")

if ! strace -f -o /dev/null true 2>"$tmp/probe.err"; then
	echo "skipped: strace cannot trace here: $(head -n 1 "$tmp/probe.err")"
	exit 77
fi

# traced NAME ARGS...: tcpcom ARGS under strace, one file per thread
# ($tmp/NAME.TID); $tmp/NAME.sender is the thread that sent the frames
# (the one with the most sendto calls), so that the other threads' waits
# (the toggler, the main thread), however long the run takes, are not
# counted.
traced() {
	name=$1
	shift
	strace -f -ff -o "$tmp/$name" "$tcpcom" --server 127.0.0.1 \
	    --port "$port" --stats-interval 0 -q \
	    --stats-json "$tmp/$name.json" "$@" >"$tmp/$name.log" 2>&1
	echo "tcpcom $* exited $?"
	best=0
	for f in "$tmp/$name".[0-9]*; do
		k=$(grep -c '^sendto(' "$f")
		if [ "$k" -ge "$best" ]; then
			best=$k
			cp "$f" "$tmp/$name.sender"
		fi
	done
}

# calls NAME SYSCALL: how many calls of SYSCALL the sender thread made.
calls() {
	grep -c "^$2(" "$tmp/$1.sender"
}

# check WHAT VALUE OP BOUND
check() {
	if awk -v v="$2" -v b="$4" -v op="$3" 'BEGIN {
	    exit !(op == "<=" ? v <= b : op == ">=" ? v >= b : v == b) }'; then
		echo "ok   $1: $2 ($3 $4)"
	else
		echo "FAIL $1: $2, expected $3 $4"
		bad=$((bad + 1))
	fi
}

n=2000
traced fast --send-cycle 1us --count "$n"
ok=$(sed -n 's/.*"echoes_ok": \([0-9]*\).*/\1/p' "$tmp/fast.json" | head -n 1)
check "echoes" "${ok:-0}" = "$n"
check "sendto" "$(calls fast sendto)" = "$n"
check "clock_nanosleep (no sleep when due)" "$(calls fast clock_nanosleep)" \
    "<=" 2
# The connect's poll, no other.
check "ppoll (no wait beside the read)" "$(calls fast ppoll)" "<=" 5
# An echo split by the kernel takes a read more: a few.
check "recvmsg (one read per echo)" "$(calls fast recvmsg)" "<=" $((n + 20))
check "recvmsg with an arrival stamp" \
    "$(grep -c '^recvmsg(.*SO_TIMESTAMPNS' "$tmp/fast.sender")" ">=" $((n - 20))
check "recvfrom (the check before a frame, until a stamp was judged)" \
    "$(calls fast recvfrom)" "<=" 20

m=30
traced slow --send-cycle 10ms --count "$m"
check "clock_nanosleep at 10 ms (one per frame)" \
    "$(calls slow clock_nanosleep)" ">=" $((m - 2))
check "recvfrom at 10 ms (the check before every frame)" \
    "$(calls slow recvfrom)" ">=" "$m"

if [ "$bad" -ne 0 ]; then
	echo "the sender thread's calls in the 1us run:"
	sed 's/(.*//' "$tmp/fast.sender" | sort | uniq -c | sort -rn |
	    sed 's/^/    /'
	exit 1
fi
echo "all ok"
