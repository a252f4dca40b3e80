#!/bin/sh
# make bench: how faithful and how fast plcsim is, each figure beside a
# reference measured in the same run, in one table; also $BUILD/bench.json.
#
#   a  throughput: plcsim --cycle 0 against the minimal epoll echo server
#      (tests/helpers/echo_epoll), both driven by one single-threaded epoll
#      load generator (tests/helpers/echo_load) over BENCH_CONNECTIONS
#      connections, BENCH_ROUNDS alternating rounds, the best of each; the
#      CPU each side used shows which one is the limit.
#   b  round trip at a 10 ms task cycle: a probe sending at random phases
#      (tests/helpers/rtt_probe) against plcsim serve --cycle 10ms, and
#      against the echo server (the probe's own floor).
#   c  tcpcom's 500 ms life bit as plcsim sees it (its events' edge
#      interval_us, exact, and its summary's lifebit: quantiles), and as it
#      is on the wire (the echo server timing bit 0 of the same client).
#   d  how late plcsim's task cycle ran during b and c (its cycle: summary),
#      beside the machine's own floor: the simplest loop sleeping to the
#      same 10 ms grid at the same time (tests/helpers/tick_probe).
#
# Bounds: a  plcsim at least 0.50 of the echo server, and each server
#            busy >= 80 % of a core in its best round: saturated, so that
#            the rate is the server's, not the load generator's;
#         b  round trip min >= 10 ms (one cycle), p99 <= 21 ms (two + 1 ms);
#         c  p99 of |interval - 500 ms| <= 0.5 ms.
# A missed bound is named on the last lines and the exit status is 1.
set -eu
cd "$(dirname "$0")/.."
BUILD="${BUILD:-build}"
CONNS="${BENCH_CONNECTIONS:-100}"
TPUT_S="${BENCH_SECONDS:-3}"
ROUNDS="${BENCH_ROUNDS:-3}"
RTT_S="${BENCH_RTT_SECONDS:-10}"
LIFE_S="${BENCH_LIFEBIT_SECONDS:-30}"
JSON="$BUILD/bench.json"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tcpcom-bench.XXXXXX")
pids=""		# started and not yet waited for: only those are killed
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null || true; done
	rm -rf "$tmp"
}
# started PID: remember a process this script started.
started() { pids="$pids $1"; }
# reap PID: wait for it and forget it, so that its pid, once free, is never
# signalled.
reap() {
	wait "$1" 2>/dev/null || true
	pids=$(printf '%s\n' $pids | grep -vx "$1" | tr '\n' ' ')
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

for p in plcsim tcpcom tests/echo_epoll tests/echo_load tests/rtt_probe \
    tests/tick_probe; do
	[ -x "$BUILD/$p" ] || { echo "bench: missing $BUILD/$p (make tests)" >&2; exit 2; }
done

# start NAME CMD...: starts a server that prints "listening on HOST:PORT"
# into $tmp/NAME.out; sets $pid and $port.
start() {
	name=$1
	shift
	"$@" >"$tmp/$name.out" 2>"$tmp/$name.err" &
	pid=$!
	started "$pid"
	i=0
	while ! grep -q '^listening on ' "$tmp/$name.out" 2>/dev/null; do
		i=$((i + 1))
		if [ "$i" -gt 500 ] || ! kill -0 "$pid" 2>/dev/null; then
			echo "bench: $name did not start" >&2
			cat "$tmp/$name.err" >&2
			exit 2
		fi
		sleep 0.01
	done
	port=$(sed -n '1s/^listening on .*://p' "$tmp/$name.out")
}

# stop PID: SIGTERM, and wait for it to write what it has to say.
stop() {
	kill -TERM "$1" 2>/dev/null || true
	reap "$1"
}

# cpu_ticks PID: user + system time so far, in clock ticks.
cpu_ticks() {
	awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0
}

# kv KEY FILE: the value of KEY=VALUE in the first line of FILE.
kv() {
	sed -n "1s/.*\\b$1=\\([0-9.]*\\).*/\\1/p" "$2"
}

# jnum OBJECT KEY FILE: a number from the summary event's "OBJECT":{...}
# (OBJECT "" for a top-level key); "null" stays "null".
jnum() {
	line=$(grep '"event":"summary"' "$3" | tail -n 1)
	if [ -n "$1" ]; then
		line=$(printf '%s\n' "$line" | sed -n "s/.*\"$1\":{\\([^}]*\\)}.*/\\1/p")
	fi
	printf '%s\n' "$line" | sed -n "s/.*\"$2\":\\([0-9a-z]*\\).*/\\1/p"
}

# stats FILE: "n min p50 p99 max devp99" of the numbers in FILE (one a
# line; nearest rank), devp99 being the p99 of |value - $CENTRE|.
stats() {
	n=$(wc -l <"$1" | tr -d ' ')
	if [ "$n" -eq 0 ]; then
		echo "0 0 0 0 0 0"
		return
	fi
	q() { sort -n "$1" | awk -v n="$n" -v q="$2" \
	    'BEGIN { r = int(q * n); if (r < q * n) r++; if (r < 1) r = 1 } NR == r { print; exit }'; }
	dev=$(awk -v c="$CENTRE" '{ d = $1 - c; print d < 0 ? -d : d }' "$1" >"$1.dev"; q "$1.dev" 0.99)
	echo "$n $(q "$1" 0) $(q "$1" 0.5) $(q "$1" 0.99) $(q "$1" 1) $dev"
}

ms() { awk -v u="$1" 'BEGIN { printf "%.2f", u / 1000 }'; }

model=$(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo 2>/dev/null | head -n 1)
[ -n "$model" ] || model=$(uname -p)
machine="$(nproc) cpus (nproc), $(uname -m), $model"
load0=$(cut -d ' ' -f 1-3 /proc/loadavg)
hz=$(getconf CLK_TCK)

# ---- a: throughput, best of BENCH_ROUNDS alternating rounds ----
# (the best round of each server is the one least disturbed by whatever
# else the machine runs)
tput() {	# tput NAME CMD...: sets rate, gen_cpu, srv_cpu, errors
	start "$@"
	t0=$(cpu_ticks "$pid")
	"$BUILD/tests/echo_load" "$port" "$CONNS" "$TPUT_S" >"$tmp/$1.load" &
	started $!
	reap $!
	t1=$(cpu_ticks "$pid")
	stop "$pid"
	rate=$(kv rate "$tmp/$1.load")
	gen_cpu=$(kv cpu_pct "$tmp/$1.load")
	errors=$(kv errors "$tmp/$1.load")
	srv_cpu=$(awk -v a="$t0" -v b="$t1" -v hz="$hz" -v s="$TPUT_S" \
	    'BEGIN { printf "%.0f", 100 * (b - a) / hz / s }')
}
echo "bench: a) throughput, $CONNS connections, $ROUNDS rounds of ${TPUT_S}s each ..." >&2
ref_rate=0 sim_rate=0 ref_err=0 sim_err=0
r=0
while [ "$r" -lt "$ROUNDS" ]; do
	r=$((r + 1))
	tput epoll "$BUILD/tests/echo_epoll"
	ref_err=$((ref_err + ${errors:-1}))
	if [ "${rate:-0}" -gt "$ref_rate" ]; then
		ref_rate=$rate ref_gen=$gen_cpu ref_srv=$srv_cpu
	fi
	tput plcsim0 "$BUILD/plcsim" serve --listen 127.0.0.1:0 --cycle 0 \
		--max-clients "$CONNS" -q
	sim_err=$((sim_err + ${errors:-1}))
	if [ "${rate:-0}" -gt "$sim_rate" ]; then
		sim_rate=$rate sim_gen=$gen_cpu sim_srv=$srv_cpu
	fi
done
ratio=$(awk -v a="$sim_rate" -v b="$ref_rate" \
    'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')

# ---- b: round trip at a 10 ms cycle, at random phases ----
echo "bench: b) round trips at random phases, ${RTT_S}s ..." >&2
start rtt_sim "$BUILD/plcsim" serve --listen 127.0.0.1:0 --cycle 10ms -q \
	--events "$tmp/rtt_sim.jsonl"
rtt_sim_pid=$pid
"$BUILD/tests/rtt_probe" "$port" "$RTT_S" >"$tmp/rtt_sim.probe" &
probe1=$!
started "$probe1"
start rtt_ref "$BUILD/tests/echo_epoll"
rtt_ref_pid=$pid
"$BUILD/tests/rtt_probe" "$port" "$RTT_S" >"$tmp/rtt_ref.probe" &
probe2=$!
started "$probe2"
"$BUILD/tests/tick_probe" 10000 "$RTT_S" >"$tmp/rtt_sim.tick" &
ticker=$!
started "$ticker"
reap "$probe1"
reap "$probe2"
reap "$ticker"
stop "$rtt_sim_pid"
stop "$rtt_ref_pid"
for k in min p50 p99 max; do
	eval "b_sim_$k=\$(kv ${k}_us \"\$tmp/rtt_sim.probe\")"
	eval "b_ref_$k=\$(kv ${k}_us \"\$tmp/rtt_ref.probe\")"
done
b_sim_n=$(kv exchanges "$tmp/rtt_sim.probe"); b_ref_n=$(kv exchanges "$tmp/rtt_ref.probe")
b_sim_err=$(kv errors "$tmp/rtt_sim.probe"); b_ref_err=$(kv errors "$tmp/rtt_ref.probe")

# ---- c: the life bit, as plcsim sees it and on the wire ----
echo "bench: c) tcpcom's 500 ms life bit, ${LIFE_S}s ..." >&2
start life_sim "$BUILD/plcsim" serve --listen 127.0.0.1:0 --cycle 10ms -q \
	--events "$tmp/life_sim.jsonl"
life_sim_pid=$pid
"$BUILD/tcpcom" --server 127.0.0.1 --port "$port" --duration "${LIFE_S}s" \
	--toggle-cycle 500ms --stats-interval 0 -q \
	--stats-json "$tmp/life_sim.stats" >"$tmp/life_sim.tcpcom" 2>&1 &
client1=$!
started "$client1"
start life_ref "$BUILD/tests/echo_epoll" -l 4
life_ref_pid=$pid
"$BUILD/tcpcom" --server 127.0.0.1 --port "$port" --duration "${LIFE_S}s" \
	--toggle-cycle 500ms --stats-interval 0 -q \
	--stats-json "$tmp/life_ref.stats" >"$tmp/life_ref.tcpcom" 2>&1 &
client2=$!
started "$client2"
"$BUILD/tests/tick_probe" 10000 "$LIFE_S" >"$tmp/life_sim.tick" &
ticker=$!
started "$ticker"
reap "$client1"
reap "$client2"
reap "$ticker"
stop "$life_sim_pid"
stop "$life_ref_pid"
CENTRE=500000
sed -n 's/.*"event":"edge".*"interval_us":\([1-9][0-9]*\).*/\1/p' \
	"$tmp/life_sim.jsonl" >"$tmp/life_sim.iv"
sed -n 's/^interval_us //p' "$tmp/life_ref.out" >"$tmp/life_ref.iv"
set -- $(stats "$tmp/life_sim.iv")
c_sim_n=$1 c_sim_min=$2 c_sim_p50=$3 c_sim_p99=$4 c_sim_max=$5 c_sim_dev=$6
set -- $(stats "$tmp/life_ref.iv")
c_ref_n=$1 c_ref_min=$2 c_ref_p50=$3 c_ref_p99=$4 c_ref_max=$5 c_ref_dev=$6
c_sum_p50=$(jnum lifebit p50_us "$tmp/life_sim.jsonl")
c_sum_p99=$(jnum lifebit p99_us "$tmp/life_sim.jsonl")
c_sum_max=$(jnum lifebit max_us "$tmp/life_sim.jsonl")
late_of() { sed -n 's/.*"send_late_us": {[^}]*"p99": \([0-9]*\).*/\1/p' "$1" 2>/dev/null; }
c_sim_late=$(late_of "$tmp/life_sim.stats"); c_ref_late=$(late_of "$tmp/life_ref.stats")

# ---- d: plcsim's own task cycle during b and c ----
for r in rtt_sim life_sim; do
	for k in ticks skipped late_p50_us late_p99_us late_max_us; do
		eval "d_${r}_$k=\$(jnum cycle $k \"\$tmp/$r.jsonl\")"
		eval "t_${r}_$k=\$(kv $k \"\$tmp/$r.tick\")"
	done
done
load1=$(cut -d ' ' -f 1-3 /proc/loadavg)

# ---- verdicts, and a hint of why when a bound is missed ----
verdict() { awk "BEGIN { exit !($1) }" && echo ok || echo FAIL; }
v_a=$(verdict "$ratio >= 0.5 && $sim_err == 0 && $ref_err == 0")
v_a2=$(verdict "${ref_srv:-0} >= 80 && ${sim_srv:-0} >= 80")
v_b=$(verdict "${b_sim_n:-0} > 0 && ${b_sim_err:-1} == 0 && ${b_sim_min:-0} >= 10000 && ${b_sim_p99:-99999999} <= 21000")
v_c=$(verdict "$c_sim_n >= 10 && $c_sim_dev <= 500")
failed=""
[ "$v_a" = ok ] || failed="$failed
bench: FAIL a: plcsim ${sim_rate}/s against the echo server's ${ref_rate}/s, ratio $ratio (bound >= 0.50); load errors $sim_err / $ref_err"
[ "$v_a2" = ok ] || failed="$failed
bench: FAIL a: the servers used ${ref_srv:-0}% (echo server) and ${sim_srv:-0}% (plcsim) of a core in their best rounds (bound >= 80%): not saturated, so the load generator or the machine's other work was the limit"
if [ "$v_b" != ok ]; then
	why="plcsim's task ran late (row d)"
	[ "${t_rtt_sim_late_p99_us:-0}" -gt 1000 ] && why="the machine was busy: the simplest loop on it woke up to ${t_rtt_sim_late_p99_us} us late at p99 (row d)"
	[ "${b_sim_min:-0}" -lt 10000 ] && why="an echo left within a cycle of its frame"
	[ "${b_sim_n:-0}" -eq 0 ] || [ "${b_sim_err:-1}" -ne 0 ] && why="the probe failed: $(cat "$tmp/rtt_sim.probe" 2>/dev/null)"
	failed="$failed
bench: FAIL b: round trip min $(ms "${b_sim_min:-0}") ms (bound >= 10), p99 $(ms "${b_sim_p99:-0}") ms (bound <= 21) over ${b_sim_n:-0} exchanges: $why"
fi
if [ "$v_c" != ok ]; then
	why="plcsim's task ran late (row d)"
	[ "${t_life_sim_late_p99_us:-0}" -gt 1000 ] && why="the machine was busy: the simplest loop on it woke up to ${t_life_sim_late_p99_us} us late at p99 (row d)"
	if [ "$c_sim_n" -lt 10 ]; then
		why="fewer than 10 intervals: a run too short (BENCH_LIFEBIT_SECONDS) or a client that did not run"
	elif [ "$c_ref_dev" -gt 500 ]; then
		why="off by $(ms "$c_ref_dev") ms on the wire too: tcpcom itself sent late (send_late p99 ${c_sim_late:-?} us), the machine was busy"
	elif awk -v a="$c_sim_min" -v b="$c_sim_max" 'BEGIN { exit !(a <= 491000 || b >= 509000) }'; then
		why="intervals near 490 or 510 ms: tcpcom's frames came within its own jitter of a task-cycle boundary, so some were taken a cycle later (its phase; a new run draws another)"
	fi
	failed="$failed
bench: FAIL c: the life-bit intervals plcsim saw are off 500 ms by $(ms "$c_sim_dev") ms at p99 (bound 0.5) over $c_sim_n intervals: $why"
fi

# ---- the table ----
row() { printf '%-2s %-26s %-44s %-44s %-17s %s\n' "$@" | sed 's/ *$//'; }
quad() { printf 'min %s p50 %s p99 %s max %s' "$(ms "$1")" "$(ms "$2")" "$(ms "$3")" "$(ms "$4")"; }
echo
echo "make bench: $machine; load average $load0 at the start, $load1 at the end"
row "" "" "plcsim" "reference, same run" "bound" ""
row a "echoes/s, $CONNS connections" "$sim_rate: ratio $ratio" "$ref_rate: echo_epoll" "ratio >= 0.50" "$v_a"
row "" "  cpu: server, load gen" "${sim_srv}%, ${sim_gen}% of a core" "${ref_srv}%, ${ref_gen}% of a core" "servers >= 80%" "$v_a2"
row b "round trip, ms" "$(quad "$b_sim_min" "$b_sim_p50" "$b_sim_p99" "$b_sim_max")" \
	"$(quad "$b_ref_min" "$b_ref_p50" "$b_ref_p99" "$b_ref_max")" "min>=10 p99<=21" "$v_b"
row "" "  exchanges" "$b_sim_n, random phases, cycle 10ms" "$b_ref_n, echo_epoll: the probe's floor" "" ""
row c "life bit interval, ms" "$(quad "$c_sim_min" "$c_sim_p50" "$c_sim_p99" "$c_sim_max")" \
	"$(quad "$c_ref_min" "$c_ref_p50" "$c_ref_p99" "$c_ref_max")" "" ""
row "" "  |interval - 500|, p99" "$(ms "$c_sim_dev") ms, $c_sim_n intervals (events)" "$(ms "$c_ref_dev") ms, $c_ref_n intervals (wire)" "<= 0.5 ms" "$v_c"
row "" "  summary lifebit:, ms" "p50 $(ms "$c_sum_p50") p99 $(ms "$c_sum_p99") max $(ms "$c_sum_max")" "" "" ""
row "" "  tcpcom send_late p99" "${c_sim_late:-?} us" "${c_ref_late:-?} us" "" ""
for r in rtt_sim life_sim; do
	eval "set -- \$d_${r}_late_p50_us \$d_${r}_late_p99_us \$d_${r}_late_max_us \
	    \$t_${r}_late_p50_us \$t_${r}_late_p99_us \$t_${r}_late_max_us \
	    \$d_${r}_ticks \$d_${r}_skipped \$t_${r}_ticks \$t_${r}_skipped"
	[ "$r" = rtt_sim ] && during=b || during=c
	row d "task late during $during, us" "p50 $1 p99 $2 max $3" \
		"p50 $4 p99 $5 max $6 (tick_probe)" "" ""
	row "" "  ticks, skipped" "$7, $8" "$9, ${10}: the machine's floor" "" ""
done

# ---- bench.json ----
jb() { [ "$1" = ok ] && echo true || echo false; }
cat >"$JSON" <<EOF
{
  "machine": {"nproc": $(nproc), "arch": "$(uname -m)", "cpu": "$(printf '%s' "$model" | sed 's/["\\]//g')",
    "load_start": "$load0", "load_end": "$load1"},
  "a_throughput": {"connections": $CONNS, "seconds": $TPUT_S,
    "plcsim": {"rate": ${sim_rate:-0}, "server_cpu_pct": $sim_srv, "loadgen_cpu_pct": ${sim_gen:-0}, "errors": ${sim_err:-1}},
    "reference": {"rate": ${ref_rate:-0}, "server_cpu_pct": $ref_srv, "loadgen_cpu_pct": ${ref_gen:-0}, "errors": ${ref_err:-1}},
    "rounds": $ROUNDS, "ratio": $ratio, "bound": "ratio >= 0.50, each server >= 80% of a core (saturated)",
    "passed": $( [ "$v_a" = ok ] && [ "$v_a2" = ok ] && echo true || echo false)},
  "b_round_trip_us": {"cycle_us": 10000, "seconds": $RTT_S,
    "plcsim": {"exchanges": ${b_sim_n:-0}, "min": ${b_sim_min:-0}, "p50": ${b_sim_p50:-0}, "p99": ${b_sim_p99:-0}, "max": ${b_sim_max:-0}},
    "reference": {"exchanges": ${b_ref_n:-0}, "min": ${b_ref_min:-0}, "p50": ${b_ref_p50:-0}, "p99": ${b_ref_p99:-0}, "max": ${b_ref_max:-0}},
    "bound": "min >= 10000, p99 <= 21000", "passed": $(jb "$v_b")},
  "c_lifebit_interval_us": {"toggle_us": 500000, "seconds": $LIFE_S,
    "plcsim_events": {"intervals": $c_sim_n, "min": $c_sim_min, "p50": $c_sim_p50, "p99": $c_sim_p99, "max": $c_sim_max, "deviation_p99": $c_sim_dev},
    "plcsim_summary": {"p50": ${c_sum_p50:-null}, "p99": ${c_sum_p99:-null}, "max": ${c_sum_max:-null}},
    "reference_wire": {"intervals": $c_ref_n, "min": $c_ref_min, "p50": $c_ref_p50, "p99": $c_ref_p99, "max": $c_ref_max, "deviation_p99": $c_ref_dev},
    "tcpcom_send_late_p99_us": {"to_plcsim": ${c_sim_late:-null}, "to_reference": ${c_ref_late:-null}},
    "bound": "deviation_p99 <= 500", "passed": $(jb "$v_c")},
  "d_task_cycle": {
    "during_b": {"ticks": ${d_rtt_sim_ticks:-null}, "skipped": ${d_rtt_sim_skipped:-null}, "late_p50_us": ${d_rtt_sim_late_p50_us:-null}, "late_p99_us": ${d_rtt_sim_late_p99_us:-null}, "late_max_us": ${d_rtt_sim_late_max_us:-null}},
    "during_c": {"ticks": ${d_life_sim_ticks:-null}, "skipped": ${d_life_sim_skipped:-null}, "late_p50_us": ${d_life_sim_late_p50_us:-null}, "late_p99_us": ${d_life_sim_late_p99_us:-null}, "late_max_us": ${d_life_sim_late_max_us:-null}},
    "reference_during_b": {"ticks": ${t_rtt_sim_ticks:-null}, "skipped": ${t_rtt_sim_skipped:-null}, "late_p50_us": ${t_rtt_sim_late_p50_us:-null}, "late_p99_us": ${t_rtt_sim_late_p99_us:-null}, "late_max_us": ${t_rtt_sim_late_max_us:-null}},
    "reference_during_c": {"ticks": ${t_life_sim_ticks:-null}, "skipped": ${t_life_sim_skipped:-null}, "late_p50_us": ${t_life_sim_late_p50_us:-null}, "late_p99_us": ${t_life_sim_late_p99_us:-null}, "late_max_us": ${t_life_sim_late_max_us:-null}}},
  "passed": $([ -z "$failed" ] && echo true || echo false)
}
EOF
echo
echo "bench: the table as JSON in $JSON"
if [ -n "$failed" ]; then
	printf '%s\n' "$failed" | sed '/^$/d'
	exit 1
fi
echo "bench: PASS, every bound met"
