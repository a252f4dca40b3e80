#!/bin/sh
# make bench: how faithful and how fast plcsim and tcpcom are, each figure
# beside a reference measured in the same run, in one table; also
# $BUILD/bench.json.
#
#   a  throughput: plcsim --cycle 0 against the minimal epoll echo server
#      (tests/helpers/echo_epoll), both driven by one single-threaded epoll
#      load generator (tests/helpers/echo_load) at each count of
#      BENCH_CONNECTIONS ("100 1000"), BENCH_ROUNDS alternating rounds, the
#      best of each; the CPU each side used shows which one is the limit.
#      Memory per connection: the server's peak resident set (VmHWM) over
#      the round minus its resident set before the load connected (VmRSS),
#      over the connections; the worst round.
#   b  round trip at a 10 ms task cycle: a probe sending at random phases
#      (tests/helpers/rtt_probe) against plcsim serve --cycle 10ms, and
#      against the echo server (the probe's own floor).
#   c  tcpcom at its 100 ms send cycle and 500 ms life bit, for
#      BENCH_LIFEBIT_SECONDS: its life bit as plcsim sees it (its events'
#      edge interval_us, exact, and its summary's lifebit: quantiles); and
#      on the wire (echo_epoll -l 4 -t stamping each frame as it is read):
#      the frames' deviation from their 100 ms grid and the drift per hour,
#      the life-bit intervals, beside the drift-free reference client
#      (tests/helpers/grid_client: clock_nanosleep to absolute deadlines)
#      timed the same way at the same time.
#   d  how late plcsim's task cycle ran during b and c (its cycle: summary),
#      beside the machine's own floor: the simplest loop sleeping to the
#      same 10 ms grid at the same time (tests/helpers/tick_probe).
#   e  tcpcom unthrottled (--send-cycle 1us): round trips per second against
#      the loopback limit, a blocking ping-pong of two minimal processes
#      (tests/helpers/pingpong), both against pingpong's echo side,
#      BENCH_ROUNDS alternating rounds of BENCH_CLIENT_SECONDS, the best of
#      each. Both ends run on one CPU (taskset, when there): a round trip
#      is then two context switches on one core, not a wake-up across cores
#      whose cost varies tenfold with where the scheduler puts them.
#
# Bounds: a  plcsim at least 0.85 of the echo server, and each server
#            busy >= 80 % of a core in its best round: saturated, so that
#            the rate is the server's, not the load generator's; plcsim's
#            memory <= 8 KiB per connection (a buffer per connection of
#            that size would show);
#         b  round trip min >= 10 ms (one cycle), p99 <= 21 ms (two + 1 ms);
#         c  p99 of |interval - 500 ms| <= 0.5 ms (plcsim's events); on the
#            wire tcpcom's frames within 1 ms of their grid at p99 and
#            |drift| <= 36 ms per hour (1 us per cycle: a client sleeping
#            relative to its last frame drifts by its whole exchange, tens
#            of us, per cycle);
#         e  tcpcom at least 0.85 of the ping-pong (a system call too many
#            per frame falls below it: each costs about 0.07 of it here).
# A missed bound is named on the last lines and the exit status is 1.
set -eu
cd "$(dirname "$0")/.."
BUILD="${BUILD:-build}"
CONNS_LIST=$(printf '%s\n' ${BENCH_CONNECTIONS:-100 1000} | sort -n -u | tr '\n' ' ')
TPUT_S="${BENCH_SECONDS:-3}"
ROUNDS="${BENCH_ROUNDS:-3}"
RTT_S="${BENCH_RTT_SECONDS:-10}"
LIFE_S="${BENCH_LIFEBIT_SECONDS:-30}"
CLIENT_S="${BENCH_CLIENT_SECONDS:-2}"
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
    tests/tick_probe tests/grid_client tests/pingpong; do
	[ -x "$BUILD/$p" ] || { echo "bench: missing $BUILD/$p (make tests)" >&2; exit 2; }
done

# start NAME CMD...: starts a server that prints "listening on HOST:PORT"
# into $tmp/NAME.out; sets $pid and $port.
start() {
	name=$1
	shift
	# A name started before leaves its file: gone first, so that its old
	# "listening on" line (and port) is never read before the new
	# process has truncated it.
	rm -f "$tmp/$name.out" "$tmp/$name.err"
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

# kib PID FIELD: a field of /proc/PID/status in KiB (VmRSS, VmHWM).
kib() {
	awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0
}
tput() {	# tput NAME CMD...: sets rate, gen_cpu, srv_cpu, errors, mem
	start "$@"
	rss0=$(kib "$pid" VmRSS)
	t0=$(cpu_ticks "$pid")
	"$BUILD/tests/echo_load" "$port" "$CONNS" "$TPUT_S" >"$tmp/$1.load" 2>&1 &
	started $!
	reap $!
	t1=$(cpu_ticks "$pid")
	hwm=$(kib "$pid" VmHWM)
	stop "$pid"
	rate=$(kv rate "$tmp/$1.load")
	gen_cpu=$(kv cpu_pct "$tmp/$1.load")
	errors=$(kv errors "$tmp/$1.load")
	[ "${errors:-1}" -eq 0 ] || load_said="$load_said${load_said:+; }$1, $CONNS connections: $(tail -n 1 "$tmp/$1.load")"
	srv_cpu=$(awk -v a="$t0" -v b="$t1" -v hz="$hz" -v s="$TPUT_S" \
	    'BEGIN { printf "%.0f", 100 * (b - a) / hz / s }')
	mem=${hwm:-0}
}
load_said=""
for CONNS in $CONNS_LIST; do
	echo "bench: a) throughput, $CONNS connections, $ROUNDS rounds of ${TPUT_S}s each ..." >&2
	ref_rate=0 sim_rate=0 ref_err=0 sim_err=0 ref_mem=0 sim_mem=0 ref_rss0=0 sim_rss0=0
	ref_gen=0 ref_srv=0 sim_gen=0 sim_srv=0
	r=0
	while [ "$r" -lt "$ROUNDS" ]; do
		r=$((r + 1))
		tput epoll "$BUILD/tests/echo_epoll"
		ref_err=$((ref_err + ${errors:-1}))
		[ "$mem" -gt "$ref_mem" ] && ref_mem=$mem ref_rss0=$rss0
		if [ "${rate:-0}" -gt "$ref_rate" ]; then
			ref_rate=$rate ref_gen=$gen_cpu ref_srv=$srv_cpu
		fi
		tput plcsim0 "$BUILD/plcsim" serve --listen 127.0.0.1:0 \
			--cycle 0 --max-clients "$CONNS" -q
		sim_err=$((sim_err + ${errors:-1}))
		[ "$mem" -gt "$sim_mem" ] && sim_mem=$mem sim_rss0=$rss0
		if [ "${rate:-0}" -gt "$sim_rate" ]; then
			sim_rate=$rate sim_gen=$gen_cpu sim_srv=$srv_cpu
		fi
	done
	ratio=$(awk -v a="$sim_rate" -v b="$ref_rate" \
	    'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
	for k in ref_rate sim_rate ref_err sim_err ref_mem sim_mem ref_gen \
	    ref_srv sim_gen sim_srv ratio ref_rss0 sim_rss0; do
		eval "a${CONNS}_$k=\$$k"
	done
done
# Memory per connection, in bytes: what one more connection costs, the
# growth of the peak resident set between the fewest and the most
# connections over the connections between them, so that what a server
# allocates once (its loop, its first connection's buffers) is not spread
# over the connections. With a single count it is the growth over the
# resident set before the load, which includes what is allocated once (an
# event log, the loop): shown, not judged.
set -- $CONNS_LIST
lo=$1
for hi; do :; done
per_conn() {	# per_conn sim|ref
	eval "m_hi=\$a${hi}_$1_mem m_lo=\$a${lo}_$1_mem r0=\$a${lo}_$1_rss0"
	[ "$hi" = "$lo" ] && m_lo=$r0 lo_n=0 || lo_n=$lo
	awk -v a="$m_lo" -v b="$m_hi" -v n="$((hi - lo_n))" \
	    'BEGIN { d = b - a; printf "%.0f", (d > 0 ? d : 0) * 1024 / n }'
}
sim_per_conn=$(per_conn sim)
ref_per_conn=$(per_conn ref)

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
start life_ref "$BUILD/tests/echo_epoll" -l 4 -t
life_ref_pid=$pid
"$BUILD/tcpcom" --server 127.0.0.1 --port "$port" --duration "${LIFE_S}s" \
	--toggle-cycle 500ms --stats-interval 0 -q \
	--stats-json "$tmp/life_ref.stats" >"$tmp/life_ref.tcpcom" 2>&1 &
client2=$!
started "$client2"
start life_grid "$BUILD/tests/echo_epoll" -l 4 -t
life_grid_pid=$pid
"$BUILD/tests/grid_client" "$port" 100000 500000 "$LIFE_S" \
	>"$tmp/life_grid.client" 2>&1 &
client3=$!
started "$client3"
"$BUILD/tests/tick_probe" 10000 "$LIFE_S" >"$tmp/life_sim.tick" &
ticker=$!
started "$ticker"
reap "$client1"
reap "$client2"
reap "$client3"
reap "$ticker"
stop "$life_sim_pid"
stop "$life_ref_pid"
stop "$life_grid_pid"
CENTRE=500000
sed -n 's/.*"event":"edge".*"interval_us":\([1-9][0-9]*\).*/\1/p' \
	"$tmp/life_sim.jsonl" >"$tmp/life_sim.iv"
sed -n 's/^interval_us //p' "$tmp/life_ref.out" >"$tmp/life_ref.iv"
sed -n 's/^interval_us //p' "$tmp/life_grid.out" >"$tmp/life_grid.iv"
set -- $(stats "$tmp/life_sim.iv")
c_sim_n=$1 c_sim_min=$2 c_sim_p50=$3 c_sim_p99=$4 c_sim_max=$5 c_sim_dev=$6
set -- $(stats "$tmp/life_ref.iv")
c_ref_n=$1 c_ref_min=$2 c_ref_p50=$3 c_ref_p99=$4 c_ref_max=$5 c_ref_dev=$6
set -- $(stats "$tmp/life_grid.iv")
c_grid_n=$1 c_grid_min=$2 c_grid_p50=$3 c_grid_p99=$4 c_grid_max=$5 c_grid_dev=$6
# gridfit NAME: "frames p50 p99 max drift" of the frames echo_epoll stamped
# in $tmp/NAME.out against a 100 ms grid. Frame i is number
# n = round((t_i - t_1) / P), off by r_i = t_i - t_1 - n P; the grid is the
# one through the earliest frame, so a frame deviates by r_i - min r (us).
# The drift is the median r of the last third of the run minus that of the
# first third, over the cycles between their middles, in ms per hour: a
# median, so that a few frames the machine delayed do not tilt it.
gridfit() {
	sed -n 's/^frame_us //p' "$tmp/$1.out" | awk -v P=100000 '
	NR == 1 { t1 = $1 }
	{ n = int(($1 - t1) / P + 0.5); print n, $1 - t1 - n * P }' >"$tmp/$1.nr"
	fn=$(wc -l <"$tmp/$1.nr" | tr -d ' ')
	if [ "$fn" -lt 3 ]; then
		echo "$fn 0 0 0 0"
		return
	fi
	nlast=$(tail -n 1 "$tmp/$1.nr" | cut -d ' ' -f 1)
	rmin=$(sort -k2,2n "$tmp/$1.nr" | head -n 1 | cut -d ' ' -f 2)
	awk -v m="$rmin" '{ print $2 - m }' "$tmp/$1.nr" >"$tmp/$1.dev"
	med() { sort -n | awk '{ v[NR] = $1 } END { print NR ? v[int((NR + 1) / 2)] : 0 }'; }
	m1=$(awk -v e="$nlast" '3 * $1 < e { print $2 }' "$tmp/$1.nr" | med)
	m3=$(awk -v e="$nlast" '3 * $1 >= 2 * e { print $2 }' "$tmp/$1.nr" | med)
	fdrift=$(awk -v a="$m1" -v b="$m3" -v e="$nlast" -v P=100000 \
	    'BEGIN { printf "%.1f", (b - a) / (2 * e / 3) * 3600e6 / P / 1000 }')
	CENTRE=0
	set -- $(stats "$tmp/$1.dev")
	echo "$fn $3 $4 $5 $fdrift"
}
set -- $(gridfit life_ref)
c_tw_n=$1 c_tw_p50=$2 c_tw_p99=$3 c_tw_max=$4 c_tw_drift=$5
set -- $(gridfit life_grid)
c_gw_n=$1 c_gw_p50=$2 c_gw_p99=$3 c_gw_max=$4 c_gw_drift=$5
c_grid_err=$(kv errors "$tmp/life_grid.client")
c_sum_p50=$(jnum lifebit p50_us "$tmp/life_sim.jsonl")
c_sum_p99=$(jnum lifebit p99_us "$tmp/life_sim.jsonl")
c_sum_max=$(jnum lifebit max_us "$tmp/life_sim.jsonl")
late_of() { sed -n 's/.*"send_late_us": {[^}]*"p99": \([0-9]*\).*/\1/p' "$1" 2>/dev/null; }
c_sim_late=$(late_of "$tmp/life_sim.stats"); c_ref_late=$(late_of "$tmp/life_ref.stats")

# ---- e: tcpcom unthrottled against a ping-pong, best of BENCH_ROUNDS ----
echo "bench: e) tcpcom --send-cycle 1us against a ping-pong, $ROUNDS rounds of ${CLIENT_S}s each ..." >&2
pin=""
e_cpu="any"
if command -v taskset >/dev/null 2>&1; then
	e_cpu=$(($(nproc) - 1))
	pin="taskset -c $e_cpu"
fi
start pingpong $pin "$BUILD/tests/pingpong" serve
pp_pid=$pid
e_ref=0 e_sim=0 e_err=0
r=0
while [ "$r" -lt "$ROUNDS" ]; do
	r=$((r + 1))
	$pin "$BUILD/tests/pingpong" ping "$port" "$CLIENT_S" >"$tmp/e.ping" 2>&1 || true
	rate=$(kv rate "$tmp/e.ping")
	e_err=$((e_err + $(kv errors "$tmp/e.ping" | grep . || echo 1)))
	rate=${rate%.*}
	[ "${rate:-0}" -gt "$e_ref" ] && e_ref=$rate
	rm -f "$tmp/e.stats"
	$pin "$BUILD/tcpcom" --server 127.0.0.1 --port "$port" --send-cycle 1us \
		--duration "${CLIENT_S}s" --stats-interval 0 -q \
		--stats-json "$tmp/e.stats" >"$tmp/e.tcpcom" 2>&1 || true
	ok=$(sed -n 's/.*"echoes_ok": \([0-9]*\).*/\1/p' "$tmp/e.stats" 2>/dev/null | head -n 1)
	el=$(sed -n 's/.*"elapsed_us": \([0-9]*\).*/\1/p' "$tmp/e.stats" 2>/dev/null | head -n 1)
	bad=$(sed -n 's/.*"mismatches": \([0-9]*\).*/\1/p' "$tmp/e.stats" 2>/dev/null | head -n 1)
	e_err=$((e_err + ${bad:-1}))
	rate=$(awk -v n="${ok:-0}" -v us="${el:-0}" 'BEGIN { printf "%.0f", (us > 0 ? n * 1e6 / us : 0) }')
	[ "$rate" -gt "$e_sim" ] && e_sim=$rate
done
stop "$pp_pid"
e_ratio=$(awk -v a="$e_sim" -v b="$e_ref" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')

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
# load_a CONNS: the figures of a at CONNS connections into plain names.
load_a() {
	for k in ref_rate sim_rate ref_err sim_err ref_mem sim_mem ref_gen \
	    ref_srv sim_gen sim_srv ratio; do
		eval "$k=\$a${1}_$k"
	done
}
failed=""
for CONNS in $CONNS_LIST; do
	load_a "$CONNS"
	v_a=$(verdict "$ratio >= 0.85 && $sim_err == 0 && $ref_err == 0")
	v_a2=$(verdict "${ref_srv:-0} >= 80 && ${sim_srv:-0} >= 80")
	eval "a${CONNS}_v_a=$v_a a${CONNS}_v_a2=$v_a2"
	[ "$v_a" = ok ] || failed="$failed
bench: FAIL a: at $CONNS connections plcsim ${sim_rate}/s against the echo server's ${ref_rate}/s, ratio $ratio (bound >= 0.85); load errors $sim_err / $ref_err${load_said:+ ($load_said)}"
	[ "$v_a2" = ok ] || failed="$failed
bench: FAIL a: at $CONNS connections the servers used ${ref_srv:-0}% (echo server) and ${sim_srv:-0}% (plcsim) of a core in their best rounds (bound >= 80%): not saturated, so the load generator or the machine's other work was the limit"
done
v_am=$(verdict "${sim_per_conn:-0} <= 8192")
[ "$lo" = "$hi" ] && v_am="not judged: one count"
[ "$v_am" = ok ] || [ "$lo" = "$hi" ] || failed="$failed
bench: FAIL a: plcsim took ${sim_per_conn} bytes more per connection (bound <= 8192; the echo server ${ref_per_conn})"
v_b=$(verdict "${b_sim_n:-0} > 0 && ${b_sim_err:-1} == 0 && ${b_sim_min:-0} >= 10000 && ${b_sim_p99:-99999999} <= 21000")
v_c=$(verdict "$c_sim_n >= 10 && $c_sim_dev <= 500")
v_cw=$(verdict "$c_tw_n >= 100 && $c_tw_p99 <= 1000")
v_cd=$(verdict "$c_tw_n >= 100 && $c_tw_drift <= 36 && $c_tw_drift >= -36")
v_e=$(verdict "$e_ratio >= 0.85 && $e_err == 0")
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
busy=""
[ "${c_gw_p99:-0}" -gt 1000 ] && busy=": the machine was busy, the reference client was $(ms "$c_gw_p99") ms off at p99 too"
[ "$v_cw" = ok ] || failed="$failed
bench: FAIL c: tcpcom's frames were $(ms "$c_tw_p99") ms off their 100 ms grid at p99 on the wire (bound 1 ms) over $c_tw_n frames$busy"
[ "$v_cd" = ok ] || failed="$failed
bench: FAIL c: tcpcom drifted by $c_tw_drift ms per hour on the wire (bound 36; the reference client $c_gw_drift) over $c_tw_n frames"
[ "$v_e" = ok ] || failed="$failed
bench: FAIL e: tcpcom --send-cycle 1us made ${e_sim} round trips/s against the ping-pong's ${e_ref}/s, ratio $e_ratio (bound >= 0.85); errors $e_err"

# ---- the table ----
row() { printf '%-2s %-30s %-44s %-44s %-15s %s\n' "$@" | sed 's/ *$//'; }
quad() { printf 'min %s p50 %s p99 %s max %s' "$(ms "$1")" "$(ms "$2")" "$(ms "$3")" "$(ms "$4")"; }
kb() { awk -v b="$1" 'BEGIN { printf "%.1f KiB", b / 1024 }'; }
echo
echo "make bench: $machine; load average $load0 at the start, $load1 at the end"
row "" "" "measured" "reference, same run" "bound" ""
for CONNS in $CONNS_LIST; do
	load_a "$CONNS"
	eval "v_a=\$a${CONNS}_v_a v_a2=\$a${CONNS}_v_a2"
	row a "plcsim echoes/s, $CONNS conns" "$sim_rate: ratio $ratio" "$ref_rate: echo_epoll" "ratio >= 0.85" "$v_a"
	row "" "  cpu: server, load gen" "${sim_srv}%, ${sim_gen}% of a core" "${ref_srv}%, ${ref_gen}% of a core" "servers >= 80%" "$v_a2"
	row "" "  peak RSS" "$(kb "$((sim_mem * 1024))")" "$(kb "$((ref_mem * 1024))")" "" ""
done
span="peak RSS, $lo to $hi"
[ "$lo" = "$hi" ] && span="peak RSS over RSS before"
row "" "  memory per connection" "$(kb "$sim_per_conn") ($span)" "$(kb "$ref_per_conn")" "<= 8 KiB" "$v_am"
row b "plcsim round trip, ms" "$(quad "$b_sim_min" "$b_sim_p50" "$b_sim_p99" "$b_sim_max")" \
	"$(quad "$b_ref_min" "$b_ref_p50" "$b_ref_p99" "$b_ref_max")" "min>=10 p99<=21" "$v_b"
row "" "  exchanges" "$b_sim_n, random phases, cycle 10ms" "$b_ref_n, echo_epoll: the probe's floor" "" ""
row c "client at 100 ms, wire:" "tcpcom, $c_tw_n frames" "grid_client, $c_gw_n frames" "" ""
row "" "  frame - grid, us" "p50 $c_tw_p50 p99 $c_tw_p99 max $c_tw_max" "p50 $c_gw_p50 p99 $c_gw_p99 max $c_gw_max" "p99 <= 1000" "$v_cw"
row "" "  drift, ms per hour" "$c_tw_drift" "$c_gw_drift" "|d| <= 36" "$v_cd"
row "" "  life bit interval, ms" "$(quad "$c_ref_min" "$c_ref_p50" "$c_ref_p99" "$c_ref_max")" \
	"$(quad "$c_grid_min" "$c_grid_p50" "$c_grid_p99" "$c_grid_max")" "" ""
row "" "  |interval - 500|, p99" "$(ms "$c_ref_dev") ms, $c_ref_n intervals" "$(ms "$c_grid_dev") ms, $c_grid_n intervals" "" ""
row "" "  send late p99, own count" "${c_ref_late:-?} us" "$(kv late_p99_us "$tmp/life_grid.client") us" "" ""
row "" "life bit as plcsim sees it" "$(quad "$c_sim_min" "$c_sim_p50" "$c_sim_p99" "$c_sim_max")" "" "" ""
row "" "  |interval - 500|, p99" "$(ms "$c_sim_dev") ms, $c_sim_n intervals (events)" "" "<= 0.5 ms" "$v_c"
row "" "  summary lifebit:, ms" "p50 $(ms "$c_sum_p50") p99 $(ms "$c_sum_p99") max $(ms "$c_sum_max")" "" "" ""
for r in rtt_sim life_sim; do
	eval "set -- \$d_${r}_late_p50_us \$d_${r}_late_p99_us \$d_${r}_late_max_us \
	    \$t_${r}_late_p50_us \$t_${r}_late_p99_us \$t_${r}_late_max_us \
	    \$d_${r}_ticks \$d_${r}_skipped \$t_${r}_ticks \$t_${r}_skipped"
	[ "$r" = rtt_sim ] && during=b || during=c
	row d "plcsim task late during $during, us" "p50 $1 p99 $2 max $3" \
		"p50 $4 p99 $5 max $6 (tick_probe)" "" ""
	row "" "  ticks, skipped" "$7, $8" "$9, ${10}: the machine's floor" "" ""
done
row e "tcpcom 1us, round trips/s" "$e_sim: ratio $e_ratio" "$e_ref: pingpong, cpu $e_cpu" "ratio >= 0.85" "$v_e"

# ---- bench.json ----
jb() { [ "$1" = ok ] && echo true || echo false; }
a_json=""
for CONNS in $CONNS_LIST; do
	load_a "$CONNS"
	eval "v_a=\$a${CONNS}_v_a v_a2=\$a${CONNS}_v_a2"
	a_json="$a_json${a_json:+,
}    {\"connections\": $CONNS, \"seconds\": $TPUT_S, \"rounds\": $ROUNDS,
     \"plcsim\": {\"rate\": ${sim_rate:-0}, \"server_cpu_pct\": ${sim_srv:-0}, \"loadgen_cpu_pct\": ${sim_gen:-0}, \"errors\": ${sim_err:-1}, \"peak_rss_kib\": ${sim_mem:-0}},
     \"reference\": {\"rate\": ${ref_rate:-0}, \"server_cpu_pct\": ${ref_srv:-0}, \"loadgen_cpu_pct\": ${ref_gen:-0}, \"errors\": ${ref_err:-1}, \"peak_rss_kib\": ${ref_mem:-0}},
     \"ratio\": $ratio, \"bound\": \"ratio >= 0.85, each server >= 80% of a core (saturated)\",
     \"passed\": $([ "$v_a" = ok ] && [ "$v_a2" = ok ] && echo true || echo false)}"
done
cat >"$JSON" <<EOF
{
  "machine": {"nproc": $(nproc), "arch": "$(uname -m)", "cpu": "$(printf '%s' "$model" | sed 's/["\\]//g')",
    "load_start": "$load0", "load_end": "$load1"},
  "a_throughput": [
$a_json
  ],
  "a_memory_bytes_per_connection": {"from": $lo, "to": $hi, "plcsim": ${sim_per_conn:-0}, "reference": ${ref_per_conn:-0},
    "bound": "plcsim <= 8192, judged with two counts or more", "passed": $(jb "$v_am")},
  "b_round_trip_us": {"cycle_us": 10000, "seconds": $RTT_S,
    "plcsim": {"exchanges": ${b_sim_n:-0}, "min": ${b_sim_min:-0}, "p50": ${b_sim_p50:-0}, "p99": ${b_sim_p99:-0}, "max": ${b_sim_max:-0}},
    "reference": {"exchanges": ${b_ref_n:-0}, "min": ${b_ref_min:-0}, "p50": ${b_ref_p50:-0}, "p99": ${b_ref_p99:-0}, "max": ${b_ref_max:-0}},
    "bound": "min >= 10000, p99 <= 21000", "passed": $(jb "$v_b")},
  "c_client_timing": {"send_cycle_us": 100000, "toggle_us": 500000, "seconds": $LIFE_S,
    "tcpcom_wire": {"frames": $c_tw_n, "deviation_us": {"p50": $c_tw_p50, "p99": $c_tw_p99, "max": $c_tw_max}, "drift_ms_per_hour": $c_tw_drift,
      "lifebit_interval_us": {"intervals": $c_ref_n, "min": $c_ref_min, "p50": $c_ref_p50, "p99": $c_ref_p99, "max": $c_ref_max, "deviation_p99": $c_ref_dev},
      "send_late_p99_us": ${c_ref_late:-null}},
    "reference_wire": {"frames": $c_gw_n, "deviation_us": {"p50": $c_gw_p50, "p99": $c_gw_p99, "max": $c_gw_max}, "drift_ms_per_hour": $c_gw_drift,
      "lifebit_interval_us": {"intervals": $c_grid_n, "min": $c_grid_min, "p50": $c_grid_p50, "p99": $c_grid_p99, "max": $c_grid_max, "deviation_p99": $c_grid_dev},
      "errors": ${c_grid_err:-null}},
    "plcsim_events": {"intervals": $c_sim_n, "min": $c_sim_min, "p50": $c_sim_p50, "p99": $c_sim_p99, "max": $c_sim_max, "deviation_p99": $c_sim_dev},
    "plcsim_summary": {"p50": ${c_sum_p50:-null}, "p99": ${c_sum_p99:-null}, "max": ${c_sum_max:-null}},
    "tcpcom_to_plcsim_send_late_p99_us": ${c_sim_late:-null},
    "bound": "plcsim_events deviation_p99 <= 500; tcpcom_wire deviation p99 <= 1000 and |drift| <= 36",
    "passed": $([ "$v_c" = ok ] && [ "$v_cw" = ok ] && [ "$v_cd" = ok ] && echo true || echo false)},
  "d_task_cycle": {
    "during_b": {"ticks": ${d_rtt_sim_ticks:-null}, "skipped": ${d_rtt_sim_skipped:-null}, "late_p50_us": ${d_rtt_sim_late_p50_us:-null}, "late_p99_us": ${d_rtt_sim_late_p99_us:-null}, "late_max_us": ${d_rtt_sim_late_max_us:-null}},
    "during_c": {"ticks": ${d_life_sim_ticks:-null}, "skipped": ${d_life_sim_skipped:-null}, "late_p50_us": ${d_life_sim_late_p50_us:-null}, "late_p99_us": ${d_life_sim_late_p99_us:-null}, "late_max_us": ${d_life_sim_late_max_us:-null}},
    "reference_during_b": {"ticks": ${t_rtt_sim_ticks:-null}, "skipped": ${t_rtt_sim_skipped:-null}, "late_p50_us": ${t_rtt_sim_late_p50_us:-null}, "late_p99_us": ${t_rtt_sim_late_p99_us:-null}, "late_max_us": ${t_rtt_sim_late_max_us:-null}},
    "reference_during_c": {"ticks": ${t_life_sim_ticks:-null}, "skipped": ${t_life_sim_skipped:-null}, "late_p50_us": ${t_life_sim_late_p50_us:-null}, "late_p99_us": ${t_life_sim_late_p99_us:-null}, "late_max_us": ${t_life_sim_late_max_us:-null}}},
  "e_client_unthrottled": {"send_cycle_us": 1, "seconds": $CLIENT_S, "rounds": $ROUNDS, "cpu": "$e_cpu",
    "tcpcom_round_trips_per_s": $e_sim, "reference_round_trips_per_s": $e_ref, "ratio": $e_ratio, "errors": $e_err,
    "bound": "ratio >= 0.85", "passed": $(jb "$v_e")},
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
