/*
 * sender: the thread that owns the link. Every send cycle (absolute
 * deadlines t0 + n * send_cycle) it builds a frame, writes it whole, reads
 * exactly one echo with a timeout and compares them. After any link error it
 * closes the socket and reconnects, for ever, with back-off.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "backoff.h"
#include "client.h"
#include "link.h"
#include "log.h"
#include "payload.h"
#include "cycle.h"
#include "wire.h"

/*
 * A refused connection means the PLC host is up and its server is in its
 * error path (TwinCAT closes the listener for a few task cycles): it will
 * listen again soon, and a refused attempt costs the PLC nothing. So after
 * a refusal the back-off grows no further than this, and the link is back
 * within about this long of the PLC's return; silence (a timeout) still
 * backs off to backoff-max.
 */
#define SENDER_REFUSED_BACKOFF_US (500 * TC_US_PER_MS)

/* How long a frame may wait for a toggler flip due at the same instant. */
#define SENDER_FLIP_WAIT_US (20 * TC_US_PER_MS)

/* The sender's own state; no other thread sees it. */
struct sender {
	struct tcpcom  *tc;
	struct sock	sock;
	struct sock_addr peer;		/* the address connected to */
	struct cycle	sched;
	struct backoff	backoff;
	struct rng	rng;
	struct link_clocks last_read;	/* clocks at the last read (or
					   connect) of the link */
	int		stamped;	/* the last echo's arrival stamp told
					   whether it came before its frame */
	int		stamps_foreign;	/* this link's stamps are another
					   clock's: not used */
	int		due_at_once;	/* this frame was due without a sleep */
	uint64_t	skipped_owed;	/* cycles skipped, not yet counted:
					   counted with the next frame, so
					   that a frame takes one lock */
	size_t		len;		/* frame bytes */
	uint64_t	seq;		/* frames built */
	uint64_t	flips_sent;	/* life-bit flips already on the wire */
	int		ever_connected;
	int		retry;		/* the next connect follows a failure */
	int		refused;	/* the last attempt was refused */
	int		outage_said;	/* this outage was logged at notice */
};

static int
sender_stopping(struct sender *s)
{
	return atomic_load(&s->tc->stopping);
}

/* Counts the skipped cycles not yet counted. */
static void
sender_count_skipped(struct sender *s)
{
	if (s->skipped_owed > 0)
		stats_add(&s->tc->stats, STAT_skipped_cycles, s->skipped_owed);
	s->skipped_owed = 0;
}

/* Closes the link after an error; the next connect waits a back-off. */
static void
sender_drop(struct sender *s, const char *why)
{
	sender_count_skipped(s);
	log_warn("link to %s lost: %s", s->peer.text, why);
	sock_close(&s->sock);
	stats_link_down(&s->tc->stats, clock_now_us());
	s->retry = 1;
}

/* One connection attempt, after the back-off owed. 0 when connected. */
static int
sender_connect(struct sender *s)
{
	struct tcpcom *tc = s->tc;
	char err[512];
	enum sock_fail why;
	tc_us_t delay, now;

	if (s->retry) {
		delay = s->refused ? backoff_next_within(&s->backoff,
		    SENDER_REFUSED_BACKOFF_US) : backoff_next(&s->backoff);
		log_debug("reconnect in %llu ms",
		    (unsigned long long)(delay / TC_US_PER_MS));
		if (sock_wait(-1, 0, tc->stop_pipe[0],
		    clock_now_us() + delay) != 0)
			return -1;
		/* Retries before the first connection are a start, not a
		 * reconnection: logged, not counted. */
		if (s->ever_connected)
			stats_inc(&tc->stats, STAT_reconnect_attempts);
	}
	now = clock_now_us();
	/* Resolved afresh every time: the name may move, or come back. */
	if (sock_connect_host(&s->sock, tc->cfg.server, tc->cfg.port,
	    now + tc->cfg.connect_timeout_us,
	    tc->cfg.echo_timeout_us * 2 + TC_US_PER_SEC, &s->peer, &why, err,
	    sizeof err) != 0) {
		s->refused = why == SOCK_FAIL_CONNECT && errno == ECONNREFUSED;
		if (why != SOCK_FAIL_STOP) {
			/* Said once per outage at notice level, then quietly. */
			if (!s->outage_said)
				log_notice("%s; retrying", err);
			else
				log_info("%s; retrying", err);
			s->outage_said = 1;
		}
		s->retry = 1;
		return -1;
	}
	s->retry = 0;
	s->refused = 0;
	s->outage_said = 0;
	link_clocks_read(&s->last_read);
	s->stamped = 0;
	s->stamps_foreign = 0;
	backoff_reset(&s->backoff);
	stats_link_up(&tc->stats, clock_now_us());
	log_notice("%s %s", s->ever_connected ? "reconnected to" :
	    "connected to", s->peer.text);
	s->ever_connected = 1;
	return 0;
}

/* Logs a mismatch with the bits that differ, and what a counter says. */
static void
sender_report_mismatch(struct sender *s, const uint8_t *frame,
    const uint8_t *echo)
{
	char diff[256], fs[2 * WIRE_MAX_BYTES + 3], es[2 * WIRE_MAX_BYTES + 3];
	char note[96] = "";

	wire_diff(frame, echo, s->len, diff, sizeof diff);
	wire_to_hex(frame, s->len, fs, sizeof fs);
	wire_to_hex(echo, s->len, es, sizeof es);
	if (s->tc->cfg.payload == TCPCOM_PAYLOAD_COUNTER) {
		uint64_t want = payload_counter_of(frame, s->len);
		uint64_t got = payload_counter_of(echo, s->len);
		if (got != want)
			snprintf(note, sizeof note, "; echo carries frame #%"
			    PRIu64 " instead of #%" PRIu64 "%s", got, want,
			    got + 1 == want ? " (stale)" : "");
	}
	log_warn("echo mismatch: sent %s got %s, %s%s", fs, es, diff, note);
}

/* Hands the outcome of the frame just sent to tcpcom_last_echo and the
 * callback. `echo` is NULL when none came. */
static void
sender_tell(struct sender *s, int status, const uint8_t *frame,
    const uint8_t *echo, tc_us_t t_send, tc_us_t t_done)
{
	struct tcpcom_echo e;

	memset(&e, 0, sizeof e);
	e.seq = s->seq;
	e.status = status;
	e.len = s->len;
	memcpy(e.frame, frame, s->len);
	if (echo != NULL)
		memcpy(e.echo, echo, s->len);
	e.sent_us = t_send;
	e.done_us = t_done;
	e.rtt_us = t_done - t_send;
	client_echo_done(s->tc, &e);
}

/*
 * Whether the echo just read was there before its frame was sent, as its
 * arrival stamp says (link_stamp_judge): bytes nobody asked for, as
 * link_check_quiet would have found them, and the frame's own echo still
 * to come. Also notes whether the next frame may go without
 * link_check_quiet: only after a stamp that could be judged. (One that
 * cannot, a wall clock stepped, leaves this frame unchecked; bytes that
 * were there before it are then found by the read before the next frame,
 * or by its echo's stamp, one frame late.)
 */
static int
sender_echo_stale(struct sender *s, uint64_t stamp_ns,
    const struct link_clocks *sent, const struct link_clocks *read)
{
	enum link_stamp v;

	v = s->stamps_foreign ? LINK_STAMP_NONE : link_stamp_judge(stamp_ns,
	    &s->last_read, sent, read);
	s->last_read = *read;
	s->stamped = v == LINK_STAMP_AFTER || v == LINK_STAMP_BEFORE;
	if (v == LINK_STAMP_FOREIGN) {
		s->stamps_foreign = 1;
		log_debug("arrival stamps on this link are not the wall clock; "
		    "not used");
	}
	return v == LINK_STAMP_BEFORE;
}

/*
 * One exchange: frame out, echo in, compared. `deadline` is when the frame
 * was due (for lateness), `periodic` says whether it was a scheduled one.
 * On a link error the link is dropped (the next turn reconnects).
 */
static void
sender_exchange(struct sender *s, tc_us_t deadline, int periodic)
{
	struct tcpcom *tc = s->tc;
	uint8_t frame[WIRE_MAX_BYTES], echo[WIRE_MAX_BYTES];
	enum link_result r;
	struct link_clocks sent, read;
	tc_us_t t_send, t_echo;
	uint64_t stamp_ns = 0;
	size_t extra = 0;
	char why[96];
	int bit, ok;

	payload_fill(tc->cfg.payload, frame, s->len, s->seq, &s->rng,
	    tc->cfg.fixed);
	payload_data_fill(&tc->data, frame);
	bit = lifebit_for_frame(&tc->lifebit, deadline, SENDER_FLIP_WAIT_US,
	    &s->flips_sent);
	wire_set_bit0(frame, s->len, bit);

	/*
	 * Nothing unasked may be waiting when a frame leaves. A read says so,
	 * but it is a system call per frame, as costly as the send: a frame
	 * that follows the last echo at once (a cycle shorter than the round
	 * trip) goes without it when the last echo's arrival stamp could be
	 * judged, since this echo's stamp will then tell the same.
	 */
	r = s->due_at_once && s->stamped ? LINK_OK :
	    link_check_quiet(&sock_link_ops, &s->sock, &extra);
	if (r == LINK_EXTRA) {
		stats_inc(&tc->stats, STAT_protocol_errors);
		snprintf(why, sizeof why, "%zu byte(s) nobody asked for "
		    "(a duplicated echo?)", extra);
		sender_drop(s, why);
		return;
	}
	if (r != LINK_OK) {
		sender_drop(s, link_result_name(r));
		return;
	}

	link_clocks_read(&sent);
	t_send = sent.mono_us;
	r = link_send_all(&sock_link_ops, &s->sock, frame, s->len,
	    t_send + tc->cfg.echo_timeout_us);
	if (r != LINK_OK) {
		if (r != LINK_STOPPED) {
			stats_inc(&tc->stats, STAT_send_errors);
			sender_drop(s, link_result_name(r));
		}
		return;
	}
	s->seq++;
	stats_frame_sent(&tc->stats, s->skipped_owed);
	s->skipped_owed = 0;

	r = link_await_echo(&sock_link_ops, &s->sock, echo, s->len,
	    t_send + tc->cfg.echo_timeout_us, &extra, &stamp_ns);
	link_clocks_read(&read);
	t_echo = read.mono_us;
	switch (r) {
	case LINK_OK:
		break;
	case LINK_TIMEOUT:
		stats_inc(&tc->stats, STAT_echo_timeouts);
		sender_drop(s, "no echo within the echo timeout");
		sender_tell(s, TCPCOM_ECHO_TIMEOUT, frame, NULL, t_send,
		    t_echo);
		return;
	case LINK_EXTRA:
		stats_inc(&tc->stats, STAT_protocol_errors);
		snprintf(why, sizeof why, "%zu byte(s) beyond the echo", extra);
		sender_drop(s, why);
		sender_tell(s, TCPCOM_ECHO_ERROR, frame, NULL, t_send, t_echo);
		return;
	case LINK_STOPPED:
		stats_inc(&tc->stats, STAT_echoes_abandoned);
		return;
	default:
		sender_drop(s, r == LINK_ERROR ? strerror(errno) :
		    link_result_name(r));
		sender_tell(s, TCPCOM_ECHO_ERROR, frame, NULL, t_send, t_echo);
		return;
	}
	if (sender_echo_stale(s, stamp_ns, &sent, &read)) {
		stats_inc(&tc->stats, STAT_protocol_errors);
		snprintf(why, sizeof why, "%zu byte(s) nobody asked for, there "
		    "before the frame was sent (a duplicated echo?)", s->len);
		sender_drop(s, why);
		sender_tell(s, TCPCOM_ECHO_ERROR, frame, NULL, t_send, t_echo);
		return;
	}

	ok = memcmp(frame, echo, s->len) == 0;
	stats_exchange(&tc->stats, t_echo - t_send,
	    periodic && t_send > deadline ? t_send - deadline : 0,
	    ok ? STAT_echoes_ok : STAT_mismatches);
	if (ok) {
		if (log_enabled(LOG_DEBUG)) {
			char hex[2 * WIRE_MAX_BYTES + 3];
			wire_to_hex(frame, s->len, hex, sizeof hex);
			log_debug("frame %" PRIu64 " %s bit0=%d rtt=%lluus",
			    s->seq, hex, bit,
			    (unsigned long long)(t_echo - t_send));
		}
	} else {
		sender_report_mismatch(s, frame, echo);
	}
	sender_tell(s, ok ? TCPCOM_ECHO_OK : TCPCOM_ECHO_MISMATCH, frame, echo,
	    t_send, t_echo);
}

/*
 * Waits for the next scheduled deadline, or for a flip to carry at once
 * (--send-on-toggle). Returns 1 for a scheduled frame, 2 for a flip frame,
 * 0 when stopping.
 */
static int
sender_wait_turn(struct sender *s)
{
	struct tcpcom *tc = s->tc;
	int wake_fd = tc->cfg.send_on_toggle ? tc->toggle_pipe[0] : -1;
	uint64_t skipped, flips;
	tc_us_t now = clock_now_us();
	char buf[64];
	int w;

	/*
	 * After a (re)connect the due deadline may be past: frames stay on
	 * the grid, so the first one waits for the next deadline. Deadlines
	 * before the first frame ever sent are the start, not skips.
	 */
	if (cycle_deadline(&s->sched) < now) {
		skipped = cycle_advance(&s->sched, now) + 1;
		if (s->seq > 0)
			s->skipped_owed += skipped;
	}
	/*
	 * Due already (a cycle shorter than an exchange): no sleep and no
	 * wait for the stop pipe, whose two system calls would make the
	 * frame later still; the stop flag says as much.
	 */
	s->due_at_once = cycle_deadline(&s->sched) <= now;
	if (s->due_at_once)
		return sender_stopping(s) ? 0 : 1;
	for (;;) {
		w = sock_sleep_until(wake_fd, tc->stop_pipe[0],
		    cycle_deadline(&s->sched));
		if (w < 0)
			return 0;
		if (w == 0)
			return 1;
		while (read(wake_fd, buf, sizeof buf) > 0)
			;
		flips = lifebit_flips(&tc->lifebit);
		/* A flip already carried by a scheduled frame needs no other. */
		if (flips != s->flips_sent)
			return 2;
	}
}

void *
sender_main(void *arg)
{
	struct sender s;
	struct tcpcom *tc = arg;
	int turn;

	client_thread_setup("sender");
	memset(&s, 0, sizeof s);
	s.tc = tc;
	s.sock.fd = -1;
	s.sock.stop_fd = tc->stop_pipe[0];
	s.sock.resolving = &tc->resolving;
	s.sock.stopping = &tc->stopping;
	s.len = tc->cfg.length_bits / 8;
	cycle_init(&s.sched, tc->t0_us, tc->cfg.send_cycle_us);
	backoff_init(&s.backoff, tc->cfg.backoff_min_us, tc->cfg.backoff_max_us,
	    tc->cfg.seed ^ 0x5eedULL);
	rng_seed(&s.rng, tc->cfg.seed);

	while (!sender_stopping(&s)) {
		client_log_flush();	/* before any wait: lines leave now */
		if (s.sock.fd < 0 && sender_connect(&s) != 0)
			continue;
		turn = sender_wait_turn(&s);
		if (turn == 0)
			break;
		if (turn == 1) {
			tc_us_t due = cycle_deadline(&s.sched);
			sender_exchange(&s, due, 1);
			if (sender_stopping(&s))
				break;	/* a stop is not an overrun */
			s.skipped_owed += cycle_advance(&s.sched,
			    clock_now_us());
		} else {
			sender_exchange(&s, clock_now_us(), 0);
		}
		if (tc->cfg.count > 0 && s.seq >= tc->cfg.count) {
			log_info("sent %" PRIu64 " frames; stopping", s.seq);
			tcpcom_stop(tc);
		}
	}
	sender_count_skipped(&s);
	if (s.sock.fd >= 0) {
		sock_close(&s.sock);
		stats_link_closed(&tc->stats, clock_now_us());
	}
	client_release(tc);
	return NULL;
}
