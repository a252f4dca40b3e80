/* engine: plays a scenario's timeline through the server hooks; see engine.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "parse.h"
#include "rng.h"
#include "session.h"
#include "wire.h"

/* One occurrence of a timeline action (an `every` action has several). */
struct occurrence {
	const struct scenario_action *a;
	tc_us_t	  start;	/* since time 0 */
	tc_us_t	  end;		/* window end; == start when counted in frames */
	uint32_t  frames_left;	/* echoes still to touch (frame-counted) */
	int	  begun;
	int	  ended;
	int	  stuck_bit;	/* bit0_stuck: the value it sticks at */
	int	  have_stuck;
	size_t	  window;	/* index in facts->windows.w, or SIZE_MAX */
};

/* What the engine remembers of each served connection. */
struct econn {
	struct sim_conn	*c;
	unsigned	 id;
	int		 served;	/* the PLC took a frame from it */
	int		 have_frame;
	tc_us_t		 last_frame;	/* since time 0 */
	int		 have_echo_bit;
	int		 echo_bit;	/* bit 0 of the last echo sent */
	uint8_t		 held[WIRE_MAX_BYTES];	/* echo_merge */
	size_t		 held_len;
	tc_us_t		 paused_until;	/* half_open or accept_delay */
	int		 paused;
	int		 half_open;
	struct econn	*next;
};

/* An echo, or the rest of a split one, that leaves later. */
struct delayed {
	struct engine	 *e;
	struct sim_timer *timer;
	unsigned	  conn;
	uint8_t		  data[3 * WIRE_MAX_BYTES];
	size_t		  len;
	size_t		  sent;
	size_t		  piece;	/* bytes per write; 0: all at once */
	tc_us_t		  gap;
	size_t		  whole;	/* an altered echo is whole after this
					   many bytes (0: nothing to count) */
	struct delayed	 *next;
};

struct engine {
	struct sim_loop		*loop;
	struct sim_server	*srv;
	const struct scenario	*sc;
	struct sim_events	*ev;
	struct facts		*f;
	struct rng		 rng;
	void			(*on_end)(void *);
	void			*arg;

	int			 started;
	int			 ended;
	tc_us_t			 t0;		/* monotonic, first connection */
	struct sim_timer	*tick;
	struct occurrence	*occ;
	size_t			 nocc;
	struct econn		*conns;
	struct delayed		*delayed;
	tc_us_t			 base_cycle;
	size_t			 open_drop_window;	/* SIZE_MAX: none */
};

static tc_us_t
engine_rel(const struct engine *e, tc_us_t now)
{
	return now > e->t0 ? now - e->t0 : 0;
}

static struct econn *
engine_conn(struct engine *e, unsigned id)
{
	struct econn *ec;

	for (ec = e->conns; ec != NULL; ec = ec->next)
		if (ec->id == id)
			return ec;
	return NULL;
}

static void
engine_note(struct engine *e, tc_us_t now, const struct occurrence *o,
    const char *what)
{
	char at[32], span[32];

	format_duration(o->start, at, sizeof at);
	format_duration(o->end - o->start, span, sizeof span);
	events_add(e->ev, now, SIM_EV_INFO, 0, 0, o->start,
	    "fault %s %s at %s%s%s (line %d)", scenario_action_name(o->a->kind),
	    what, at, o->end > o->start ? " for " : "",
	    o->end > o->start ? span : "", o->a->line);
}

/* ---- delayed and split echoes ---- */

static void
delayed_unlink(struct engine *e, struct delayed *d)
{
	struct delayed **p;

	for (p = &e->delayed; *p != NULL; p = &(*p)->next)
		if (*p == d) {
			*p = d->next;
			break;
		}
}

/*
 * Queues the next `n` bytes of `d` on `ec`. An altered echo counts as
 * injected once it is whole on a connection that is still the client's: the
 * client could read it and compare. One that left after the client gave up
 * on the connection, or never left whole, could not be seen.
 */
static int
delayed_send(struct engine *e, struct econn *ec, struct delayed *d, size_t n)
{
	if (n > d->len - d->sent)
		n = d->len - d->sent;
	if (sim_conn_send(ec->c, d->data + d->sent, n) != 0)
		return -1;
	d->sent += n;
	if (d->whole != 0 && d->sent >= d->whole) {
		d->whole = 0;
		if (!session_peer_gone(sim_conn_session(ec->c)))
			e->f->injected_mismatches++;
	}
	return 0;
}

static uint64_t
delayed_timer(void *arg)
{
	struct delayed *d = arg;
	struct engine *e = d->e;
	struct econn *ec = engine_conn(e, d->conn);

	if (ec == NULL)
		goto done;
	if (delayed_send(e, ec, d, d->piece ? d->piece : d->len - d->sent) ==
	    0 && d->sent < d->len)
		return d->gap;
done:
	delayed_unlink(e, d);
	/* Freeing a timer from its own callback is allowed by loop.h. */
	sim_timer_free(d->timer);
	free(d);
	return SIM_TIMER_STOP;
}

/*
 * Sends `data` on `ec` after `delay`, in pieces of `piece` bytes `gap`
 * apart; `whole` as in struct delayed. Out of memory drops the echo: a fault
 * of the emulator, logged as an error.
 */
static void
engine_send_later(struct engine *e, struct econn *ec, const uint8_t *data,
    size_t len, tc_us_t delay, size_t piece, tc_us_t gap, size_t whole)
{
	struct delayed now, *d = &now;

	if (delay > 0 || (piece > 0 && piece < len)) {
		if ((d = calloc(1, sizeof *d)) == NULL ||
		    (d->timer = sim_timer_new(e->loop, delayed_timer, d)) ==
		    NULL) {
			free(d);
			events_add(e->ev, clock_now_us(), SIM_EV_ERROR, ec->id,
			    0, 0, "out of memory: an echo was dropped");
			return;
		}
	} else
		memset(d, 0, sizeof *d);
	d->e = e;
	d->conn = ec->id;
	memcpy(d->data, data, len);
	d->len = len;
	d->piece = piece;
	d->gap = gap;
	d->whole = whole;
	if (d == &now) {
		delayed_send(e, ec, d, len);
		return;
	}
	d->next = e->delayed;
	e->delayed = d;
	if (delay == 0) {
		/* The first piece leaves now, the rest on the timer. */
		if (delayed_send(e, ec, d, piece) != 0)
			gap = 0;	/* the timer finds no connection */
		sim_timer_start(d->timer, gap);
	} else
		sim_timer_start(d->timer, delay);
}

/* ---- the timeline ---- */

static int
occ_cmp(const void *x, const void *y)
{
	const struct occurrence *a = x, *b = y;

	return a->start < b->start ? -1 : a->start > b->start;
}

static int
engine_expand(struct engine *e)
{
	const struct scenario *sc = e->sc;
	size_t i, n = 0;
	uint32_t k;

	for (i = 0; i < sc->nactions; i++)
		n += sc->actions[i].count;
	e->occ = calloc(n ? n : 1, sizeof *e->occ);
	if (e->occ == NULL)
		return -1;
	for (i = 0; i < sc->nactions; i++) {
		const struct scenario_action *a = &sc->actions[i];
		for (k = 0; k < a->count; k++) {
			struct occurrence *o = &e->occ[e->nocc++];
			o->a = a;
			o->start = scenario_action_start(a, k);
			o->end = o->start + a->span;
			o->frames_left = a->span ? 0 : (a->frames ? a->frames : 1);
			o->window = SIZE_MAX;
		}
	}
	qsort(e->occ, e->nocc, sizeof *e->occ, occ_cmp);
	return 0;
}

static int
occ_counts_frames(const struct occurrence *o)
{
	switch (o->a->kind) {
	case ACTION_ECHO_SPLIT:
	case ACTION_ECHO_MERGE:
	case ACTION_ECHO_DUPLICATE:
	case ACTION_ECHO_SHORT:
	case ACTION_BIT0_FORCE:
	case ACTION_BIT0_INVERT:
	case ACTION_BIT0_STUCK:
	case ACTION_CORRUPT:
		return o->a->span == 0;
	default:
		return 0;
	}
}

/* 1 while the occurrence acts on echoes leaving at `rel`. */
static int
occ_active(const struct occurrence *o, tc_us_t rel)
{
	if (!o->begun || o->ended || rel < o->start)
		return 0;
	if (occ_counts_frames(o))
		return o->frames_left > 0;
	return rel < o->end;
}

static void
engine_drop_all(struct engine *e, enum session_close how, const char *why)
{
	struct econn *ec, *next;

	for (ec = e->conns; ec != NULL; ec = next) {
		next = ec->next;
		sim_conn_drop(ec->c, why, how);
	}
}

static void
engine_pause_conn(struct engine *e, struct econn *ec, tc_us_t until,
    int half_open)
{
	/*
	 * A half-open PLC has vanished: nothing reaches it and nothing comes
	 * back, but its socket still learns when the client closes, which
	 * ends it. An accept delay only holds the connection back.
	 */
	if (half_open)
		session_discard(sim_conn_session(ec->c));
	else
		session_pause(sim_conn_session(ec->c), SIM_READ | SIM_WRITE);
	ec->paused = 1;
	ec->paused_until = until;
	ec->half_open = half_open;
	/* The timeline looks again now, and so learns when this pause ends. */
	if (!e->ended)
		sim_timer_start(e->tick, 0);
}

/*
 * A fault that the client must get over: a window until it is served again.
 * The client is judged on how soon it is back from `usable`, the moment the
 * link could be used again (after a black hole or a restart window: nobody
 * can be served inside them).
 */
static void
engine_open_drop_window(struct engine *e, struct occurrence *o, tc_us_t rel,
    tc_us_t usable)
{
	facts_add_time(&e->f->drops, usable);
	o->window = facts_add_window(e->f, rel, rel +
	    (o->end > o->start ? o->end - o->start : 0));
	e->open_drop_window = o->window;
}

/* A connection is served: the open drop window, if any, ends here. */
static void
engine_close_drop_window(struct engine *e, tc_us_t rel)
{
	struct facts_window *w;

	if (e->open_drop_window == SIZE_MAX)
		return;
	w = &e->f->windows.w[e->open_drop_window];
	if (w->to < rel)
		w->to = rel;
	e->open_drop_window = SIZE_MAX;
}

static void
engine_begin(struct engine *e, struct occurrence *o, tc_us_t now)
{
	const struct scenario_action *a = o->a;
	tc_us_t rel = engine_rel(e, now), span;
	struct econn *ec;

	o->begun = 1;
	engine_note(e, now, o, "begins");
	switch (a->kind) {
	case ACTION_RST:
		engine_open_drop_window(e, o, rel, rel);
		engine_drop_all(e, SESSION_CLOSE_RST, "scenario: rst");
		o->ended = 1;
		break;
	case ACTION_FIN:
		engine_open_drop_window(e, o, rel, rel);
		engine_drop_all(e, SESSION_CLOSE_FIN, "scenario: fin");
		o->ended = 1;
		break;
	case ACTION_PLC_RESTART:
		span = a->span ? a->span : e->sc->plc.relisten;
		engine_open_drop_window(e, o, rel, rel + span);
		server_restart(e->srv, span, 1, "scenario: plc_restart");
		o->ended = 1;
		break;
	case ACTION_REFUSE:
		server_restart(e->srv, a->span, 0, "scenario: refuse");
		o->ended = 1;
		break;
	case ACTION_BLACKHOLE:
		engine_open_drop_window(e, o, rel, rel + a->span);
		break;
	case ACTION_HALF_OPEN:
		engine_open_drop_window(e, o, rel, rel);
		for (ec = e->conns; ec != NULL; ec = ec->next)
			engine_pause_conn(e, ec, a->span ? now + a->span :
			    UINT64_MAX, 1);
		o->ended = 1;
		break;
	case ACTION_PLC_CYCLE:
		server_set_cycle(e->srv, a->cycle);
		break;
	case ACTION_BIT0_FORCE:
	case ACTION_BIT0_INVERT:
	case ACTION_BIT0_STUCK:
	case ACTION_CORRUPT:
		o->window = facts_add_window(e->f, rel, o->end > o->start ?
		    o->end : rel);
		break;
	default:
		break;
	}
}

static void
engine_end(struct engine *e, struct occurrence *o, tc_us_t now)
{
	o->ended = 1;
	engine_note(e, now, o, "ends");
	if (o->a->kind == ACTION_PLC_CYCLE)
		server_set_cycle(e->srv, e->base_cycle);
}

/*
 * Resumes or closes connections whose pause is over; returns when the next
 * pause ends (UINT64_MAX: none).
 */
static tc_us_t
engine_unpause(struct engine *e, tc_us_t now)
{
	struct econn *ec, *next;
	tc_us_t soonest = UINT64_MAX;

	for (ec = e->conns; ec != NULL; ec = next) {
		next = ec->next;
		if (!ec->paused)
			continue;
		if (now < ec->paused_until) {
			if (ec->paused_until < soonest)
				soonest = ec->paused_until;
			continue;
		}
		ec->paused = 0;
		if (ec->half_open) {
			/* The vanished peer's socket is finally given up. */
			sim_conn_drop(ec->c, "scenario: half_open over",
			    SESSION_CLOSE_FIN);
		} else {
			session_resume(sim_conn_session(ec->c),
			    SIM_READ | SIM_WRITE);
		}
	}
	return soonest;
}

static uint64_t
engine_tick_timer(void *arg)
{
	struct engine *e = arg;
	tc_us_t now = clock_now_us(), rel = engine_rel(e, now);
	tc_us_t next = e->sc->duration, unpause;
	size_t i;

	for (i = 0; i < e->nocc; i++) {
		struct occurrence *o = &e->occ[i];
		if (!o->begun && o->start <= rel)
			engine_begin(e, o, now);
		if (o->begun && !o->ended && !occ_counts_frames(o) &&
		    o->end <= rel)
			engine_end(e, o, now);
		if (!o->begun && o->start < next)
			next = o->start;
		if (o->begun && !o->ended && !occ_counts_frames(o) &&
		    o->end < next)
			next = o->end;
	}
	unpause = engine_unpause(e, now);
	if (rel >= e->sc->duration) {
		if (!e->ended) {
			e->ended = 1;
			e->f->end = rel;
			events_add(e->ev, now, SIM_EV_INFO, 0, 0, rel,
			    "scenario duration reached");
			if (e->on_end != NULL)
				e->on_end(e->arg);
		}
		return SIM_TIMER_STOP;
	}
	if (unpause != UINT64_MAX && unpause - e->t0 < next)
		next = unpause - e->t0;
	return next > rel ? next - rel : 0;
}

/* ---- hooks ---- */

/* Applies the bit and mask actions to `echo`. */
static void
engine_alter_bits(struct engine *e, struct econn *ec, uint8_t *echo,
    size_t len, tc_us_t rel)
{
	size_t i, j;

	for (i = 0; i < e->nocc; i++) {
		struct occurrence *o = &e->occ[i];
		if (!occ_active(o, rel))
			continue;
		switch (o->a->kind) {
		case ACTION_BIT0_FORCE:
			wire_set_bit0(echo, len, o->a->value);
			break;
		case ACTION_BIT0_INVERT:
			wire_set_bit0(echo, len, !wire_get_bit0(echo, len));
			break;
		case ACTION_BIT0_STUCK:
			if (!o->have_stuck) {
				o->stuck_bit = ec->have_echo_bit ? ec->echo_bit :
				    wire_get_bit0(echo, len);
				o->have_stuck = 1;
			}
			wire_set_bit0(echo, len, o->stuck_bit);
			break;
		case ACTION_CORRUPT:
			for (j = 0; j < len; j++)
				echo[j] ^= o->a->mask[j];
			break;
		default:
			continue;
		}
	}
}

/* 1 while a black hole swallows everything. */
static int
engine_blackholed(struct engine *e, tc_us_t rel)
{
	size_t i;

	for (i = 0; i < e->nocc; i++)
		if (e->occ[i].a->kind == ACTION_BLACKHOLE &&
		    occ_active(&e->occ[i], rel))
			return 1;
	return 0;
}

/*
 * The framing or timing action acting now, if any. A black hole wins over
 * everything else: nothing leaves while it lasts.
 */
static struct occurrence *
engine_framing(struct engine *e, tc_us_t rel)
{
	struct occurrence *found = NULL;
	size_t i;

	for (i = 0; i < e->nocc; i++) {
		struct occurrence *o = &e->occ[i];
		switch (o->a->kind) {
		case ACTION_BLACKHOLE:
			if (occ_active(o, rel))
				return o;
			break;
		case ACTION_ECHO_SPLIT:
		case ACTION_ECHO_MERGE:
		case ACTION_ECHO_DUPLICATE:
		case ACTION_ECHO_SHORT:
		case ACTION_ECHO_DELAY:
			if (found == NULL && occ_active(o, rel))
				found = o;
			break;
		default:
			break;
		}
	}
	return found;
}

/* Frame-counted actions touched one more echo. */
static void
engine_count_echo(struct engine *e, tc_us_t rel, tc_us_t now)
{
	size_t i;

	for (i = 0; i < e->nocc; i++) {
		struct occurrence *o = &e->occ[i];
		if (occ_counts_frames(o) && occ_active(o, rel)) {
			o->frames_left--;
			if (o->window != SIZE_MAX)
				e->f->windows.w[o->window].to = rel;
			if (o->frames_left == 0)
				engine_end(e, o, now);
		}
	}
}

static tc_us_t
engine_jitter(struct engine *e, const struct scenario_action *a)
{
	double d;

	if (a->jitter == 0)
		return a->delay;
	if (a->distribution == DIST_NORMAL)
		d = rng_normal(&e->rng, (double)a->delay, (double)a->jitter);
	else
		d = (double)a->delay - (double)a->jitter +
		    rng_unit(&e->rng) * 2.0 * (double)a->jitter;
	return d > 0 ? (tc_us_t)d : 0;
}

static int
engine_echo_hook(void *arg, struct sim_conn *conn, const uint8_t *frame,
    size_t len, tc_us_t now)
{
	struct engine *e = arg;
	struct econn *ec = engine_conn(e, sim_conn_id(conn));
	uint8_t echo[3 * WIRE_MAX_BYTES];
	struct occurrence *fo;
	tc_us_t rel = engine_rel(e, now), d;
	size_t n, held, total, whole;
	int altered;

	if (!e->started || ec == NULL || len > WIRE_MAX_BYTES)
		return 0;
	memcpy(echo, frame, len);
	engine_alter_bits(e, ec, echo, len, rel);
	fo = engine_framing(e, rel);
	engine_count_echo(e, rel, now);
	altered = memcmp(echo, frame, len) != 0;
	ec->have_echo_bit = 1;
	ec->echo_bit = wire_get_bit0(echo, len);

	if (fo != NULL && fo->a->kind == ACTION_BLACKHOLE)
		return 1;	/* read, never answered */
	if (fo != NULL && fo->a->kind == ACTION_ECHO_MERGE &&
	    ec->held_len == 0) {
		memcpy(ec->held, echo, len);
		ec->held_len = len;
		return 1;
	}
	/* A held echo leaves with the next one, whatever acts on that one. */
	held = ec->held_len;
	if (held > 0) {
		memmove(echo + held, echo, len);
		memcpy(echo, ec->held, held);
		ec->held_len = 0;
	}
	total = held + len;
	/* Only an altered echo the client gets whole can be a mismatch. */
	whole = altered ? total : 0;
	if (fo == NULL) {
		if (whole == 0 && held == 0)
			return 0;	/* untouched: the server sends it */
		engine_send_later(e, ec, echo, total, 0, 0, 0, whole);
		return 1;
	}
	switch (fo->a->kind) {
	case ACTION_ECHO_DELAY:
		d = engine_jitter(e, fo->a);
		/* The drawn delays are the seed's fault schedule: record them. */
		events_add(e->ev, now, SIM_EV_INFO, ec->id, 0, d,
		    "fault echo_delay draws %lluus", (unsigned long long)d);
		engine_send_later(e, ec, echo, total, d, 0, 0, whole);
		break;
	case ACTION_ECHO_SPLIT:
		n = fo->a->pieces > 1 ? (total + fo->a->pieces - 1) /
		    fo->a->pieces : total;
		engine_send_later(e, ec, echo, total, 0, n, fo->a->gap, whole);
		break;
	case ACTION_ECHO_DUPLICATE:
		memcpy(echo + total, echo + held, len);
		engine_send_later(e, ec, echo, total + len, 0, total,
		    TC_US_PER_MS, whole);
		break;
	case ACTION_ECHO_SHORT:
		/* Never whole: a short echo cannot be compared. */
		n = fo->a->bytes ? fo->a->bytes : len / 2;
		engine_send_later(e, ec, echo, held + (n < len ? n : len - 1),
		    0, 0, 0, 0);
		break;
	case ACTION_ECHO_MERGE:
		engine_send_later(e, ec, echo, total, 0, 0, 0, whole);
		break;
	default:
		return 0;
	}
	return 1;
}

static void
engine_frame_hook(void *arg, struct sim_conn *conn, const uint8_t *frame,
    size_t len, size_t taken, tc_us_t now)
{
	struct engine *e = arg;
	struct econn *ec = engine_conn(e, sim_conn_id(conn));
	tc_us_t rel = engine_rel(e, now);

	(void)frame;
	if (!e->started || ec == NULL || taken < len)
		return;
	e->f->frames++;
	if (ec->have_frame)
		hist_add(&e->f->send_intervals, rel - ec->last_frame);
	ec->have_frame = 1;
	ec->last_frame = rel;
	/*
	 * A connection counts as served (connected again, for `reconnect`)
	 * when the PLC takes its first frame: not when the kernel completed
	 * the handshake, nor while a black hole swallows everything.
	 */
	if (!ec->served && !engine_blackholed(e, rel)) {
		ec->served = 1;
		facts_add_time(&e->f->connects, rel);
		engine_close_drop_window(e, rel);
	}
}

static void
engine_edge_hook(void *arg, struct sim_conn *conn,
    const struct lifemon_edge *edge, tc_us_t now)
{
	struct engine *e = arg;

	(void)conn;
	if (!e->started)
		return;
	facts_add_time(&e->f->edges, engine_rel(e, now));
	if (edge->has_interval)
		hist_add(&e->f->edge_intervals, edge->interval);
}

static void
engine_watchdog_hook(void *arg, tc_us_t silent, tc_us_t now)
{
	struct engine *e = arg;

	(void)silent;
	if (e->started)
		facts_add_time(&e->f->watchdogs, engine_rel(e, now));
}

static void
engine_connect_hook(void *arg, struct sim_conn *conn, tc_us_t now)
{
	struct engine *e = arg;
	struct econn *ec;
	tc_us_t arrived;
	size_t i;

	if (!e->started) {
		e->started = 1;
		e->t0 = now;
		e->f->connected = 1;
		e->f->t0 = events_since_start(e->ev, now);
		events_add(e->ev, now, SIM_EV_INFO, sim_conn_id(conn), 0, 0,
		    "time 0: first client connection; scenario '%s' starts",
		    e->sc->name);
		sim_timer_start(e->tick, 0);
	}
	if ((ec = calloc(1, sizeof *ec)) == NULL) {
		/* Unplayed faults on it would be a false verdict: end it. */
		events_add(e->ev, now, SIM_EV_ERROR, sim_conn_id(conn), 0, 0,
		    "out of memory: connection not played, dropped");
		sim_conn_drop(conn, "out of memory", SESSION_CLOSE_RST);
		return;
	}
	ec->c = conn;
	ec->id = sim_conn_id(conn);
	ec->next = e->conns;
	e->conns = ec;
	/*
	 * accept_delay: a connection that arrived in the window is served
	 * `delay` after it arrived (it may have waited in the backlog).
	 */
	arrived = sim_conn_arrived(conn);
	for (i = 0; i < e->nocc; i++) {
		struct occurrence *o = &e->occ[i];
		if (o->a->kind == ACTION_ACCEPT_DELAY &&
		    occ_active(o, engine_rel(e, arrived))) {
			if (arrived + o->a->delay > now)
				engine_pause_conn(e, ec, arrived + o->a->delay,
				    0);
			break;
		}
	}
}

static void
engine_disconnect_hook(void *arg, struct sim_conn *conn, const char *reason,
    tc_us_t now)
{
	struct engine *e = arg;
	struct econn **p, *ec;
	unsigned id = sim_conn_id(conn);

	(void)reason;
	if (e->started)
		facts_add_time(&e->f->disconnects, engine_rel(e, now));
	for (p = &e->conns; *p != NULL; p = &(*p)->next) {
		if ((*p)->id == id) {
			ec = *p;
			*p = ec->next;
			free(ec);
			break;
		}
	}
	/* Delayed echoes for it find no connection and free themselves. */
}

static const struct sim_hooks engine_hooks = {
	.echo = engine_echo_hook,
	.frame = engine_frame_hook,
	.connect = engine_connect_hook,
	.disconnect = engine_disconnect_hook,
	.edge = engine_edge_hook,
	.watchdog = engine_watchdog_hook,
};

struct engine *
engine_new(struct sim_loop *loop, struct sim_server *srv,
    const struct scenario *sc, uint64_t seed, struct sim_events *events,
    struct facts *facts, void (*on_end)(void *arg), void *arg)
{
	struct engine *e = calloc(1, sizeof *e);

	if (e == NULL)
		return NULL;
	e->loop = loop;
	e->srv = srv;
	e->sc = sc;
	e->ev = events;
	e->f = facts;
	e->on_end = on_end;
	e->arg = arg;
	e->base_cycle = sc->plc.cycle;
	e->open_drop_window = SIZE_MAX;
	rng_seed(&e->rng, seed);
	e->tick = sim_timer_new(loop, engine_tick_timer, e);
	if (e->tick == NULL || engine_expand(e) != 0) {
		engine_free(e);
		return NULL;
	}
	server_set_hooks(srv, &engine_hooks, e);
	return e;
}

int
engine_started(const struct engine *e)
{
	return e->started;
}

void
engine_finish(struct engine *e, tc_us_t now)
{
	if (e->started && !e->ended)
		e->f->end = engine_rel(e, now);
}

void
engine_free(struct engine *e)
{
	struct econn *ec;
	struct delayed *d;

	if (e == NULL)
		return;
	if (e->srv != NULL)
		server_set_hooks(e->srv, NULL, NULL);
	while ((d = e->delayed) != NULL) {
		e->delayed = d->next;
		sim_timer_free(d->timer);
		free(d);
	}
	while ((ec = e->conns) != NULL) {
		e->conns = ec->next;
		free(ec);
	}
	sim_timer_free(e->tick);
	free(e->occ);
	free(e);
}
