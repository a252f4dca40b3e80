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
	size_t	  window;	/* index in facts->windows, or SIZE_MAX */
};

/* What the engine remembers of each served connection. */
struct econn {
	struct sim_conn	*c;
	unsigned	 id;
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
	uint8_t		  data[2 * WIRE_MAX_BYTES];
	size_t		  len;
	size_t		  sent;
	size_t		  piece;	/* bytes per write; 0: all at once */
	tc_us_t		  gap;
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

static uint64_t
delayed_timer(void *arg)
{
	struct delayed *d = arg;
	struct engine *e = d->e;
	struct econn *ec = engine_conn(e, d->conn);
	size_t n;

	if (ec == NULL)
		goto done;
	n = d->piece ? d->piece : d->len - d->sent;
	if (n > d->len - d->sent)
		n = d->len - d->sent;
	sim_conn_send(ec->c, d->data + d->sent, n);
	d->sent += n;
	if (d->sent < d->len)
		return d->gap;
done:
	delayed_unlink(e, d);
	/* Freeing a timer from its own callback is allowed by loop.h. */
	sim_timer_free(d->timer);
	free(d);
	return SIM_TIMER_STOP;
}

/* Sends `data` on `ec` after `delay`, in pieces of `piece` bytes `gap` apart. */
static void
engine_send_later(struct engine *e, struct econn *ec, const uint8_t *data,
    size_t len, tc_us_t delay, size_t piece, tc_us_t gap)
{
	struct delayed *d;

	if (delay == 0 && (piece == 0 || piece >= len)) {
		sim_conn_send(ec->c, data, len);
		return;
	}
	d = calloc(1, sizeof *d);
	if (d == NULL)
		return;
	d->e = e;
	d->conn = ec->id;
	memcpy(d->data, data, len);
	d->len = len;
	d->piece = piece;
	d->gap = gap;
	d->timer = sim_timer_new(e->loop, delayed_timer, d);
	if (d->timer == NULL) {
		free(d);
		return;
	}
	d->next = e->delayed;
	e->delayed = d;
	if (delay == 0) {
		/* The first piece leaves now, the rest on the timer. */
		sim_conn_send(ec->c, d->data, piece);
		d->sent = piece;
		sim_timer_start(d->timer, gap);
	} else {
		sim_timer_start(d->timer, delay);
	}
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
	session_pause(sim_conn_session(ec->c), SIM_READ | SIM_WRITE);
	ec->paused = 1;
	ec->paused_until = until;
	ec->half_open = half_open;
	/* The timeline looks again now, and so learns when this pause ends. */
	if (!e->ended)
		sim_timer_start(e->tick, 0);
}

/* A fault that the client must get over: a window until it serves again. */
static void
engine_open_drop_window(struct engine *e, struct occurrence *o, tc_us_t rel)
{
	facts_add_time(&e->f->drops, rel);
	facts_add_window(e->f, rel, rel + (o->end > o->start ? o->end - o->start :
	    0));
	if (e->f->nwindows > 0) {
		o->window = e->f->nwindows - 1;
		e->open_drop_window = o->window;
	}
}

static void
engine_begin(struct engine *e, struct occurrence *o, tc_us_t now)
{
	const struct scenario_action *a = o->a;
	tc_us_t rel = engine_rel(e, now);
	struct econn *ec;

	o->begun = 1;
	engine_note(e, now, o, "begins");
	switch (a->kind) {
	case ACTION_RST:
		engine_open_drop_window(e, o, rel);
		engine_drop_all(e, SESSION_CLOSE_RST, "scenario: rst");
		o->ended = 1;
		break;
	case ACTION_FIN:
		engine_open_drop_window(e, o, rel);
		engine_drop_all(e, SESSION_CLOSE_FIN, "scenario: fin");
		o->ended = 1;
		break;
	case ACTION_PLC_RESTART:
		engine_open_drop_window(e, o, rel);
		server_restart(e->srv, a->span ? a->span : e->sc->plc.relisten,
		    1, "scenario: plc_restart");
		o->ended = 1;
		break;
	case ACTION_REFUSE:
		server_restart(e->srv, a->span, 0, "scenario: refuse");
		o->ended = 1;
		break;
	case ACTION_BLACKHOLE:
		engine_open_drop_window(e, o, rel);
		break;
	case ACTION_HALF_OPEN:
		engine_open_drop_window(e, o, rel);
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
		facts_add_window(e->f, rel, o->end > o->start ? o->end : rel);
		o->window = e->f->nwindows ? e->f->nwindows - 1 : SIZE_MAX;
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

/* 1 when the client receives the (altered) echo whole, so can compare it. */
static int
engine_delivers_whole(const struct occurrence *fo)
{
	if (fo == NULL)
		return 1;
	switch (fo->a->kind) {
	case ACTION_BLACKHOLE:
	case ACTION_ECHO_SHORT:
	case ACTION_ECHO_MERGE:
		return 0;
	default:
		return 1;
	}
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
			if (o->window != SIZE_MAX && o->window < e->f->nwindows)
				e->f->windows[o->window].to = rel;
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
	uint8_t echo[2 * WIRE_MAX_BYTES];
	struct occurrence *fo;
	tc_us_t rel = engine_rel(e, now);
	size_t n;

	if (!e->started || ec == NULL || len > WIRE_MAX_BYTES)
		return 0;
	memcpy(echo, frame, len);
	engine_alter_bits(e, ec, echo, len, rel);
	fo = engine_framing(e, rel);
	engine_count_echo(e, rel, now);
	/* Only an altered echo the client gets whole can be a mismatch. */
	if (memcmp(echo, frame, len) != 0 && engine_delivers_whole(fo))
		e->f->injected_mismatches++;
	ec->have_echo_bit = 1;
	ec->echo_bit = wire_get_bit0(echo, len);

	if (fo == NULL) {
		if (memcmp(echo, frame, len) == 0 && ec->held_len == 0)
			return 0;	/* untouched: the server sends it */
		engine_send_later(e, ec, echo, len, 0, 0, 0);
		return 1;
	}
	switch (fo->a->kind) {
	case ACTION_BLACKHOLE:
		return 1;	/* read, never answered */
	case ACTION_ECHO_DELAY: {
		tc_us_t d = engine_jitter(e, fo->a);
		/* The drawn delays are the seed's fault schedule: record them. */
		events_add(e->ev, now, SIM_EV_INFO, ec->id, 0, d,
		    "fault echo_delay draws %lluus", (unsigned long long)d);
		engine_send_later(e, ec, echo, len, d, 0, 0);
		return 1;
	}
	case ACTION_ECHO_SPLIT:
		n = fo->a->pieces > 1 ? (len + fo->a->pieces - 1) /
		    fo->a->pieces : len;
		engine_send_later(e, ec, echo, len, 0, n, fo->a->gap);
		return 1;
	case ACTION_ECHO_DUPLICATE:
		memcpy(echo + len, echo, len);
		engine_send_later(e, ec, echo, 2 * len, 0, len,
		    TC_US_PER_MS);
		return 1;
	case ACTION_ECHO_SHORT:
		n = fo->a->bytes ? fo->a->bytes : len / 2;
		engine_send_later(e, ec, echo, n < len ? n : len - 1, 0, 0, 0);
		return 1;
	case ACTION_ECHO_MERGE:
		if (ec->held_len == 0) {
			memcpy(ec->held, echo, len);
			ec->held_len = len;
			return 1;
		}
		memmove(echo + ec->held_len, echo, len);
		memcpy(echo, ec->held, ec->held_len);
		engine_send_later(e, ec, echo, ec->held_len + len, 0, 0, 0);
		ec->held_len = 0;
		return 1;
	default:
		return 0;
	}
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
	/* The client is serving again: the open drop window closes here. */
	if (e->open_drop_window != SIZE_MAX &&
	    e->open_drop_window < e->f->nwindows &&
	    e->f->windows[e->open_drop_window].to < rel &&
	    e->f->connects.n > 0 &&
	    e->f->connects.t[e->f->connects.n - 1] >=
	    e->f->windows[e->open_drop_window].from) {
		e->f->windows[e->open_drop_window].to = rel;
		e->open_drop_window = SIZE_MAX;
	}
}

static void
engine_connect_hook(void *arg, struct sim_conn *conn, tc_us_t now)
{
	struct engine *e = arg;
	struct econn *ec;
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
	facts_add_time(&e->f->connects, engine_rel(e, now));
	ec = calloc(1, sizeof *ec);
	if (ec == NULL)
		return;
	ec->c = conn;
	ec->id = sim_conn_id(conn);
	ec->next = e->conns;
	e->conns = ec;
	/* accept_delay: a connection arriving in the window waits. */
	for (i = 0; i < e->nocc; i++) {
		struct occurrence *o = &e->occ[i];
		if (o->a->kind == ACTION_ACCEPT_DELAY && occ_active(o,
		    engine_rel(e, now))) {
			engine_pause_conn(e, ec, now + o->a->delay, 0);
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
	engine_echo_hook, engine_frame_hook, engine_connect_hook,
	engine_disconnect_hook
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
	size_t i, n = events_count(e->ev);
	tc_us_t t0 = e->f->t0;

	if (e->started && !e->ended)
		e->f->end = engine_rel(e, now);
	for (i = 0; i < n; i++) {
		const struct sim_event *ev = events_get(e->ev, i);
		if (!e->started || ev->t < t0)
			continue;
		if (ev->type == SIM_EV_EDGE) {
			facts_add_time(&e->f->edges, ev->t - t0);
			if (ev->value > 0)
				hist_add(&e->f->edge_intervals, ev->value);
		} else if (ev->type == SIM_EV_WATCHDOG) {
			facts_add_time(&e->f->watchdogs, ev->t - t0);
		}
	}
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
