/*
 * engine: carries a scenario's timeline out through the server's hooks; see
 * engine.h. What to do, and when, is the timeline's to decide (timeline.h);
 * this file turns its answers into drops, restarts, held connections,
 * delayed or split writes, and facts.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "parse.h"
#include "timeline.h"
#include "wire.h"

/* What the engine remembers of each served connection. */
struct econn {
	struct sim_conn	*c;
	unsigned	 id;
	struct tl_conn	 tl;		/* the timeline's state for it */
	int		 served;	/* the PLC took a frame from it */
	uint32_t	 ordinal;	/* ... the n-th to be (from 1) */
	uint32_t	 nframes;	/* frames taken since it was served */
	size_t		 link;		/* its span in facts.links, once served
					   (SIZE_MAX: lost) */
	int		 have_frame;
	tc_us_t		 last_frame;	/* since time 0 */
	size_t		 frames;	/* its list in facts.frame_times */
	int		 held;		/* held back or vanished ... */
	int		 vanished;	/* ... as a half-open PLC */
	tc_us_t		 held_until;	/* monotonic */
	size_t		 delayed_bytes;	/* echo bytes the engine still holds */
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
	uint32_t	  writes_left;	/* at least 1 */
	size_t		  first;	/* as in struct tl_echo */
	tc_us_t		  gap;
	size_t		  whole[2];	/* as in struct tl_echo */
	struct delayed	 *next;
};

struct engine {
	struct sim_loop		*loop;
	struct sim_server	*srv;
	const struct scenario	*sc;
	struct sim_events	*ev;
	struct facts		*f;
	struct timeline		*tl;
	void			(*on_end)(void *);
	void			*arg;
	void			(*on_client)(void *, enum scenario_action_kind,
				    int);
	void			*client_arg;

	int			 started;
	int			 ended;
	tc_us_t			 t0;		/* monotonic, first connection */
	struct sim_timer	*tick;
	size_t			*window;	/* per occurrence: its fault
						   window in facts, or SIZE_MAX */
	size_t			*played;	/* per occurrence: its entry in
						   facts.played, or SIZE_MAX */
	size_t			 nwindow;	/* both grow with the timeline */
	int			 tl_failed;	/* counted once in unplayed */
	uint32_t		 served;	/* connections served so far */
	struct econn		*conns;
	struct delayed		*delayed;
	size_t			 open_drop_window;	/* SIZE_MAX: none */
};

static void engine_plc_owed(struct engine *e, struct sim_conn *conn,
    tc_us_t now);

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
engine_note(struct engine *e, tc_us_t now, const struct tl_change *ch)
{
	char at[32], span[32], on[96] = "";

	format_duration(ch->start, at, sizeof at);
	format_duration(ch->end - ch->start, span, sizeof span);
	if (ch->a->on.event != EVENT_NONE) {
		memcpy(on, ", on ", 6);
		scenario_trigger_describe(&ch->a->on, on + 5, sizeof on - 5);
	}
	events_add(e->ev, now, SIM_EV_INFO, 0, 0, ch->start,
	    "fault %s %s at %s%s%s (line %d%s)",
	    scenario_action_name(ch->a->kind), ch->begins ? "begins" : "ends",
	    at, ch->end > ch->start ? " for " : "",
	    ch->end > ch->start ? span : "", ch->a->line, on);
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
 * Queues the next write of `d` on `ec`: the first `first` bytes, or an even
 * share of what is left. An altered echo counts as injected once it is
 * whole on a connection that is still the client's: the client could read
 * it and compare. One that left after the client gave up on the connection,
 * or after the scenario's end, or never left whole, could not be seen.
 */
static int
delayed_send(struct engine *e, struct econn *ec, struct delayed *d)
{
	size_t left = d->len - d->sent, n, i;

	if (d->sent == 0 && d->first > 0)
		n = d->first;
	else
		n = (left + d->writes_left - 1) / d->writes_left;
	if (n > left)
		n = left;
	if (sim_conn_send(ec->c, d->data + d->sent, n) != 0)
		return -1;
	d->sent += n;
	if (d->writes_left > 1)
		d->writes_left--;
	for (i = 0; i < 2; i++)
		if (d->whole[i] != 0 && d->sent >= d->whole[i]) {
			d->whole[i] = 0;
			if (!e->ended && !sim_conn_peer_gone(ec->c))
				e->f->injected_mismatches++;
		}
	return 0;
}

/* Forgets a delayed echo, and the bytes its connection waited on. */
static void
delayed_free(struct engine *e, struct delayed *d)
{
	struct econn *ec = engine_conn(e, d->conn);

	if (ec != NULL)
		ec->delayed_bytes -= d->len - d->sent;
	delayed_unlink(e, d);
	sim_timer_free(d->timer);
	free(d);
}

static uint64_t
delayed_timer(void *arg)
{
	struct delayed *d = arg;
	struct engine *e = d->e;
	struct econn *ec = engine_conn(e, d->conn);
	size_t before = d->sent;

	if (ec != NULL && delayed_send(e, ec, d) == 0) {
		ec->delayed_bytes -= d->sent - before;
		if (d->sent < d->len)
			return d->gap;
	}
	/* Freeing a timer from its own callback is allowed by loop.h. */
	delayed_free(e, d);
	return SIM_TIMER_STOP;
}

/* Sends what the timeline made of an echo: now, later, or in pieces. */
static void
engine_send(struct engine *e, struct econn *ec, const struct tl_echo *x)
{
	struct delayed now, *d = &now;
	int later = x->delay > 0 || x->pieces > 1;

	if (later && ((d = calloc(1, sizeof *d)) == NULL ||
	    (d->timer = sim_timer_new(e->loop, delayed_timer, d)) == NULL)) {
		free(d);
		events_add(e->ev, clock_now_us(), SIM_EV_ERROR, ec->id, 0, 0,
		    "out of memory: an echo was dropped");
		return;
	}
	if (!later)
		memset(d, 0, sizeof *d);
	d->e = e;
	d->conn = ec->id;
	memcpy(d->data, x->data, x->len);
	d->len = x->len;
	d->writes_left = x->pieces > 1 ? x->pieces : 1;
	d->first = x->first;
	d->gap = x->gap;
	memcpy(d->whole, x->whole, sizeof d->whole);
	if (!later) {
		delayed_send(e, ec, d);
		return;
	}
	d->next = e->delayed;
	e->delayed = d;
	/* Held here, it counts against what the station may queue. */
	ec->delayed_bytes += d->len;
	if (x->delay > 0) {
		sim_timer_start(d->timer, x->delay);
		return;
	}
	/* The first write leaves now, the rest on the timer (which frees it
	 * when the connection has gone meanwhile). */
	if (delayed_send(e, ec, d) == 0)
		ec->delayed_bytes -= d->sent;
	sim_timer_start(d->timer, d->gap);
}

/* ---- what the timeline begins and ends ---- */

static void
engine_drop_all(struct engine *e, enum session_close how, const char *why)
{
	struct econn *ec, *next;

	for (ec = e->conns; ec != NULL; ec = next) {
		next = ec->next;
		sim_conn_drop(ec->c, why, how);
	}
}

/* Holds a connection back until `until`, or makes it a vanished PLC's. */
static void
engine_hold(struct engine *e, struct econn *ec, tc_us_t until, int vanish)
{
	/* A vanished socket still learns of the client's close, and behind
	 * a proxy passes it on, as the emulated PLC's session does. */
	if (vanish)
		sim_conn_vanish(ec->c);
	else
		sim_conn_hold(ec->c);
	ec->held = 1;
	ec->held_until = until;
	ec->vanished = vanish;
	/* The timeline looks again now, and so learns when this ends. */
	if (!e->ended)
		sim_timer_start(e->tick, 0);
}

/*
 * A fault that the client must get over: a window from `at` until it is
 * served again (engine_close_drop_window), at least until `usable`, the
 * moment the link could be used again (after a black hole or a restart
 * window: nobody can be served inside them). The client is judged on how
 * soon it is back from `usable`.
 */
static void
engine_open_drop_window(struct engine *e, const struct tl_change *ch,
    tc_us_t at, tc_us_t usable)
{
	facts_add_time(&e->f->drops, usable);
	e->window[ch->occ] = facts_add_window(e->f, at, usable);
	e->open_drop_window = e->window[ch->occ];
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
engine_begin(struct engine *e, const struct tl_change *ch, tc_us_t now)
{
	const struct scenario_action *a = ch->a;
	tc_us_t rel = engine_rel(e, now), span = ch->end - ch->start;
	struct econn *ec;

	switch (a->kind) {
	case ACTION_RST:
		engine_open_drop_window(e, ch, rel, rel);
		engine_drop_all(e, SESSION_CLOSE_RST, "scenario: rst");
		break;
	case ACTION_FIN:
		engine_open_drop_window(e, ch, rel, rel);
		engine_drop_all(e, SESSION_CLOSE_FIN, "scenario: fin");
		break;
	case ACTION_PLC_RESTART:
		engine_open_drop_window(e, ch, rel, rel + span);
		server_restart(e->srv, span, 1, "scenario: plc_restart");
		break;
	case ACTION_REFUSE:
		server_restart(e->srv, span, 0, "scenario: refuse");
		break;
	case ACTION_BLACKHOLE:
		engine_open_drop_window(e, ch, rel, rel + span);
		/* Nothing crosses it, not even a client's close. */
		for (ec = e->conns; ec != NULL; ec = ec->next)
			sim_conn_plc_hold(ec->c, now + span);
		break;
	case ACTION_HALF_OPEN:
		engine_open_drop_window(e, ch, rel, rel);
		for (ec = e->conns; ec != NULL; ec = ec->next)
			engine_hold(e, ec, now + span, 1);
		break;
	case ACTION_PLC_CYCLE:
		server_set_cycle(e->srv, a->cycle);
		break;
	case ACTION_CLIENT_PAUSE:
		/* A frozen PC: its life bit stops, a fault of the scenario's. */
		e->window[ch->occ] = facts_add_window(e->f, rel, rel + span);
		facts_add_span(&e->f->pauses, rel, rel + span);
		/* Not connected again since a drop: a frozen PC cannot be,
		 * so `reconnect` judges it from the pause's end. */
		if (e->open_drop_window != SIZE_MAX && e->f->drops.n > 0 &&
		    e->f->drops.t[e->f->drops.n - 1] < rel + span)
			e->f->drops.t[e->f->drops.n - 1] = rel + span;
		if (e->on_client != NULL)
			e->on_client(e->client_arg, a->kind, 1);
		break;
	case ACTION_CLIENT_RESTART:
		engine_open_drop_window(e, ch, rel, rel);
		if (e->on_client != NULL)
			e->on_client(e->client_arg, a->kind, 1);
		break;
	default:
		/* Echoes altered on purpose: a fault window for the watchdog. */
		if (scenario_action_traits(a->kind) & ACTION_ALTERS_ECHO)
			e->window[ch->occ] = facts_add_window(e->f, rel,
			    span > 0 ? rel + span : rel);
		break;
	}
}

static void
engine_end(struct engine *e, const struct tl_change *ch, tc_us_t now)
{
	size_t w = e->window[ch->occ];

	/* Back to the scenario's cycle, unless another window still says
	 * otherwise (identical windows may overlap). */
	if (ch->a->kind == ACTION_PLC_CYCLE &&
	    !timeline_acting(e->tl, ACTION_PLC_CYCLE, engine_rel(e, now)))
		server_set_cycle(e->srv, e->sc->plc.cycle);
	/* Likewise the client runs again when no pause still holds it. */
	if (ch->a->kind == ACTION_CLIENT_PAUSE && e->on_client != NULL &&
	    !timeline_acting(e->tl, ACTION_CLIENT_PAUSE, engine_rel(e, now)))
		e->on_client(e->client_arg, ACTION_CLIENT_PAUSE, 0);
	/* Counted in echoes: the window closes with the last one touched. */
	if (w != SIZE_MAX && ch->end == ch->start)
		e->f->windows.w[w].to = engine_rel(e, now);
}

/*
 * A slot for each occurrence the timeline made (events add them as they
 * come). -1 when memory is out.
 */
static int
engine_windows(struct engine *e, size_t n)
{
	size_t *w, *pl, i, want;

	if (n <= e->nwindow)
		return 0;
	want = e->nwindow * 2 > n ? e->nwindow * 2 : n;
	if ((w = realloc(e->window, want * sizeof *w)) == NULL)
		return -1;
	e->window = w;
	if ((pl = realloc(e->played, want * sizeof *pl)) == NULL)
		return -1;
	e->played = pl;
	for (i = e->nwindow; i < want; i++)
		w[i] = pl[i] = SIZE_MAX;
	e->nwindow = want;
	return 0;
}

/*
 * Records a fault as played: from its beginning to its end, known now for
 * an instant or timed one (cut at the end of the run by the reader),
 * later for one counted in echoes.
 */
static void
engine_played(struct engine *e, const struct tl_change *ch, tc_us_t now)
{
	tc_us_t rel = engine_rel(e, now);
	size_t k = (size_t)(ch->a - e->sc->actions);

	if (ch->begins) {
		e->played[ch->occ] = facts_add_fault(e->f, k, rel,
		    ch->end > ch->start ? rel + (ch->end - ch->start) :
		    (scenario_action_traits(ch->a->kind) & ACTION_INSTANT) ?
		    rel : FACTS_OPEN);
		return;
	}
	if (e->played[ch->occ] != SIZE_MAX)
		e->f->played.f[e->played[ch->occ]].to = rel;
}

/*
 * What the timeline could not keep (memory ran out for an occurrence or a
 * change) was not played: the run cannot be judged.
 */
static void
engine_check_timeline(struct engine *e)
{
	if (timeline_failed(e->tl) && !e->tl_failed) {
		e->tl_failed = 1;
		e->f->unplayed++;
	}
}

/* Carries out what the timeline queued. */
static void
engine_changes(struct engine *e, tc_us_t now)
{
	struct tl_change ch;

	engine_check_timeline(e);
	while (timeline_change(e->tl, &ch)) {
		if (engine_windows(e, ch.occ + 1) != 0) {
			e->f->unplayed++;
			continue;
		}
		engine_note(e, now, &ch);
		engine_played(e, &ch, now);
		if (ch.begins)
			engine_begin(e, &ch, now);
		else
			engine_end(e, &ch, now);
	}
}

/*
 * Releases or closes connections whose hold is over; returns when the next
 * hold ends (UINT64_MAX: none).
 */
static tc_us_t
engine_release(struct engine *e, tc_us_t now)
{
	struct econn *ec, *next;
	tc_us_t soonest = UINT64_MAX;

	for (ec = e->conns; ec != NULL; ec = next) {
		next = ec->next;
		if (!ec->held)
			continue;
		if (now < ec->held_until) {
			if (ec->held_until < soonest)
				soonest = ec->held_until;
			continue;
		}
		ec->held = 0;
		if (ec->vanished)
			/* The vanished peer's socket is finally given up. */
			sim_conn_drop(ec->c, "scenario: half_open over",
			    SESSION_CLOSE_FIN);
		else
			sim_conn_release(ec->c);
	}
	return soonest;
}

static uint64_t
engine_tick_timer(void *arg)
{
	struct engine *e = arg;
	tc_us_t now = clock_now_us(), rel = engine_rel(e, now);
	tc_us_t next, release;

	next = timeline_advance(e->tl, rel);
	engine_changes(e, now);
	release = engine_release(e, now);
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
	if (next > e->sc->duration)
		next = e->sc->duration;
	if (release != UINT64_MAX && release - e->t0 < next)
		next = release - e->t0;
	return next > rel ? next - rel : 0;
}

/* ---- hooks ---- */

/* What the client gets of an echo, for the drawing's echo lane. */
static enum facts_echo
engine_echo_status(const struct tl_echo *x, size_t len)
{
	if (x->untouched)
		return FACTS_ECHO_OK;
	if (x->held)
		return FACTS_ECHO_SHAPED;	/* it leaves with the next */
	if (x->swallowed || x->len < len)
		return FACTS_ECHO_NONE;		/* a black hole, a short echo */
	if (x->whole[0] != 0 || x->whole[1] != 0)
		return FACTS_ECHO_MISMATCH;
	return FACTS_ECHO_SHAPED;
}

static int
engine_echo_hook(void *arg, struct sim_conn *conn, const uint8_t *frame,
    size_t len, tc_us_t now)
{
	struct engine *e = arg;
	struct econn *ec = engine_conn(e, sim_conn_id(conn));
	struct tl_echo x;

	/* After the end the client is being stopped: nothing is injected. */
	if (!e->started || e->ended || ec == NULL)
		return 0;
	timeline_echo(e->tl, &ec->tl, engine_rel(e, now), frame, len, &x);
	/*
	 * What began or ended with it is carried out from the loop, never
	 * inside the server's echo path (a drop would end the connection the
	 * server is echoing on).
	 */
	if (timeline_pending(e->tl))
		sim_timer_start(e->tick, 0);
	facts_add_echo(&e->f->echoes, engine_rel(e, now),
	    engine_echo_status(&x, len));
	if (x.untouched)
		return 0;	/* the server sends it */
	if (x.swallowed || x.held)
		return 1;
	/* The drawn delays are the seed's fault schedule: record them. */
	if (x.drawn)
		events_add(e->ev, now, SIM_EV_INFO, ec->id, 0, x.delay,
		    "fault echo_delay draws %lluus",
		    (unsigned long long)x.delay);
	engine_send(e, ec, &x);
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
	/* What the client does while it is being stopped is not judged. */
	if (!e->started || e->ended || ec == NULL || taken < len)
		return;
	e->f->frames++;
	if (ec->have_frame)
		hist_add(&e->f->send_intervals, rel - ec->last_frame);
	else
		ec->frames = facts_add_conn(e->f);
	if (ec->frames != SIZE_MAX)
		facts_add_time(&e->f->frame_times.conn[ec->frames], rel);
	ec->have_frame = 1;
	ec->last_frame = rel;
	/*
	 * A connection counts as served (connected again, for `reconnect`)
	 * when the PLC takes its first frame: not when the kernel completed
	 * the handshake, nor while a black hole swallows everything.
	 */
	if (!ec->served && !timeline_blackholed(e->tl, rel)) {
		ec->served = 1;
		/* Its error path (proxy): refused a while, then taken. */
		if (sim_conn_plc_refusals(conn) > 0)
			e->f->plc.refused_restarting++;
		facts_add_time(&e->f->connects, rel);
		ec->link = facts_add_span(&e->f->links, rel, FACTS_OPEN);
		engine_close_drop_window(e, rel);
		ec->ordinal = ++e->served;
	}
	/* What it starts is carried out from the loop, as a drop must be,
	 * or by the echo of this very frame (timeline_echo). */
	if (ec->served &&
	    timeline_frame(e->tl, rel, ec->ordinal, ++ec->nframes) > 0)
		sim_timer_start(e->tick, 0);
}

static void
engine_edge_hook(void *arg, struct sim_conn *conn,
    const struct lifemon_edge *edge, tc_us_t now)
{
	struct engine *e = arg;

	(void)conn;
	if (!e->started || e->ended)
		return;
	facts_add_time(&e->f->edges, engine_rel(e, now));
	e->f->last_bit = edge->bit;
	if (timeline_edge(e->tl, engine_rel(e, now), edge->bit) > 0)
		sim_timer_start(e->tick, 0);
	if (edge->has_interval)
		facts_add_interval(e->f, engine_rel(e, now), edge->interval,
		    edge->bit);
}

static void
engine_watchdog_hook(void *arg, tc_us_t silent, tc_us_t now)
{
	struct engine *e = arg;

	(void)silent;
	if (e->started && !e->ended)
		facts_add_time(&e->f->watchdogs, engine_rel(e, now));
}

static void
engine_connect_hook(void *arg, struct sim_conn *conn, tc_us_t now)
{
	struct engine *e = arg;
	struct econn *ec;
	tc_us_t arrived, wait;

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
		/*
		 * Faults not played on it would make a false verdict: the run
		 * cannot be judged. (Not dropped here: ending a connection
		 * inside the server's accept path would free what it uses.)
		 */
		events_add(e->ev, now, SIM_EV_ERROR, sim_conn_id(conn), 0, 0,
		    "out of memory: connection not played");
		e->f->unplayed++;
		return;
	}
	ec->c = conn;
	ec->id = sim_conn_id(conn);
	ec->next = e->conns;
	e->conns = ec;
	/* accept_delay: served `wait` after it arrived (maybe in the backlog). */
	arrived = sim_conn_arrived(conn);
	wait = timeline_accept_wait(e->tl, engine_rel(e, arrived));
	if (wait > 0 && arrived + wait > now)
		engine_hold(e, ec, arrived + wait, 0);
}

static void
engine_disconnect_hook(void *arg, struct sim_conn *conn, const char *reason,
    tc_us_t now)
{
	struct engine *e = arg;
	struct econn **p, *ec;
	unsigned id = sim_conn_id(conn);

	(void)reason;
	if (e->started && !e->ended) {
		facts_add_time(&e->f->disconnects, engine_rel(e, now));
		engine_plc_owed(e, conn, now);
	}
	for (p = &e->conns; *p != NULL; p = &(*p)->next) {
		if ((*p)->id == id) {
			ec = *p;
			if (ec->served && ec->link != SIZE_MAX &&
			    e->started && !e->ended)
				e->f->links.w[ec->link].to =
				    engine_rel(e, now);
			*p = ec->next;
			free(ec);
			break;
		}
	}
	/* Delayed echoes for it find no connection and free themselves. */
}

/* ---- the real PLC behind a proxy ---- */

/*
 * Logs a fault of the PLC's, folded by its kind (`fold`, an enum
 * sim_event_fold: a faulty PLC can fault on every echo), and remembers the
 * first of the verdict item it fails, with its time.
 */
static void
engine_plc_fault(struct engine *e, tc_us_t now, int fold, const char *fmt,
    ...) __attribute__((format(printf, 4, 5)));

static void
engine_plc_fault(struct engine *e, tc_us_t now, int fold, const char *fmt,
    ...)
{
	struct facts_plc *p = &e->f->plc;
	char at[32], what[128], *first;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	events_add_as(e->ev, now, SIM_EV_ERROR, fold, 0, 0, 0, "PLC: %s",
	    what);
	first = p->first[fold == SIM_FOLD_PLC_MISMATCH ||
	    fold == SIM_FOLD_PLC_UNASKED ? FACTS_PLC_ECHOES :
	    fold == SIM_FOLD_PLC_LATE || fold == SIM_FOLD_PLC_SILENT ?
	    FACTS_PLC_TIMING : FACTS_PLC_LINK];
	if (first[0] == '\0')
		snprintf(first, sizeof p->first[0], "first at %s: %s",
		    format_duration(engine_rel(e, now), at, sizeof at), what);
}

static int
engine_judging(const struct engine *e)
{
	return e->started && !e->ended;
}

static int
engine_forward_hook(void *arg, struct sim_conn *conn, tc_us_t now)
{
	struct engine *e = arg;

	(void)conn;
	/* A black hole swallows the way up too: the PLC hears nothing. */
	if (e->started && timeline_blackholed(e->tl, engine_rel(e, now)))
		return 0;
	if (engine_judging(e))
		e->f->plc.frames++;
	return 1;
}

static void
engine_plc_echo_hook(void *arg, struct sim_conn *conn,
    const struct relay_echo *x, tc_us_t now)
{
	struct engine *e = arg;
	struct facts_plc *p = &e->f->plc;
	char a[2 * WIRE_MAX_BYTES + 4], b[2 * WIRE_MAX_BYTES + 4], d[32];

	(void)conn;
	if (!engine_judging(e))
		return;
	p->echoes++;
	if (!x->asked) {
		p->unasked++;
		wire_to_hex(x->echo, x->len, a, sizeof a);
		engine_plc_fault(e, now, SIM_FOLD_PLC_UNASKED,
		    "echo %s with no frame to answer", a);
		return;
	}
	/* Only an echo of its frame is a round trip: whatever else a peer
	 * sends (not a PLC at all, say) must not make a task cycle up. */
	if (x->matches)
		hist_add(&p->rtt, x->rtt);
	else {
		p->mismatches++;
		wire_to_hex(x->echo, x->len, a, sizeof a);
		wire_to_hex(x->frame, x->len, b, sizeof b);
		engine_plc_fault(e, now, SIM_FOLD_PLC_MISMATCH,
		    "echo %s to frame %s", a, b);
	}
	if (x->rtt > p->late_after) {
		p->late++;
		engine_plc_fault(e, now, SIM_FOLD_PLC_LATE, "echo after %s",
		    format_duration(x->rtt, d, sizeof d));
	}
}

static void
engine_plc_end_hook(void *arg, struct sim_conn *conn, enum upstream_end how,
    const char *reason, size_t unanswered, tc_us_t now)
{
	struct engine *e = arg;
	struct facts_plc *p = &e->f->plc;

	(void)conn;
	if (!engine_judging(e))
		return;
	if (how == UPSTREAM_UNREACHABLE) {
		p->unreachable++;
		engine_plc_fault(e, now, SIM_FOLD_PLC_UNREACHABLE,
		    "not reachable: %s", reason);
		return;
	}
	p->closed++;
	engine_plc_fault(e, now, SIM_FOLD_PLC_CLOSED,
	    "%s the connection (%zu frame%s unanswered)",
	    how == UPSTREAM_CLOSED ? "closed" : "reset", unanswered,
	    unanswered == 1 ? "" : "s");
}

/* A connection ends with a frame the PLC has owed for too long: silent. */
static void
engine_plc_owed(struct engine *e, struct sim_conn *conn, tc_us_t now)
{
	tc_us_t oldest = 0;
	size_t n = sim_conn_plc_owed(conn, &oldest);
	char d[32];

	struct econn *ec;
	int others = 0;

	if (n == 0 || now - oldest <= e->f->plc.late_after)
		return;
	/*
	 * A PLC that serves one client at a time keeps a second connection
	 * waiting while the first lasts: its silence there is the client's
	 * doing (two connections at once), not the PLC's fault.
	 */
	for (ec = e->conns; ec != NULL; ec = ec->next)
		if (ec->c != conn)
			others++;
	if (others > 0) {
		events_add_as(e->ev, now, SIM_EV_INFO, SIM_FOLD_PLC_BESIDE,
		    sim_conn_id(conn), 0, n,
		    "PLC owed echoes beside another connection: not blamed");
		return;
	}
	e->f->plc.silent++;
	engine_plc_fault(e, now, SIM_FOLD_PLC_SILENT,
	    "no echo for %s (%zu frame%s unanswered)",
	    format_duration(now - oldest, d, sizeof d), n, n == 1 ? "" : "s");
}

static size_t
engine_held_hook(void *arg, struct sim_conn *conn)
{
	struct econn *ec = engine_conn(arg, sim_conn_id(conn));

	return ec != NULL ? ec->delayed_bytes : 0;
}

static const struct sim_hooks engine_hooks = {
	.echo = engine_echo_hook,
	.frame = engine_frame_hook,
	.connect = engine_connect_hook,
	.disconnect = engine_disconnect_hook,
	.edge = engine_edge_hook,
	.watchdog = engine_watchdog_hook,
	.held = engine_held_hook,
	.forward = engine_forward_hook,
	.plc_echo = engine_plc_echo_hook,
	.plc_end = engine_plc_end_hook,
};

struct engine *
engine_new(struct sim_loop *loop, struct sim_server *srv,
    const struct scenario *sc, uint64_t seed, struct sim_events *events,
    struct facts *facts, void (*on_end)(void *arg), void *arg)
{
	struct engine *e = calloc(1, sizeof *e);
	size_t n;

	if (e == NULL)
		return NULL;
	e->loop = loop;
	e->srv = srv;
	e->sc = sc;
	e->ev = events;
	e->f = facts;
	e->on_end = on_end;
	e->arg = arg;
	e->open_drop_window = SIZE_MAX;
	e->tl = timeline_new(sc, seed);
	e->tick = sim_timer_new(loop, engine_tick_timer, e);
	n = e->tl != NULL ? timeline_count(e->tl) : 0;
	if (e->tl == NULL || e->tick == NULL ||
	    engine_windows(e, n ? n : 1) != 0) {
		engine_free(e);
		return NULL;
	}
	server_set_hooks(srv, &engine_hooks, e);
	return e;
}

void
engine_set_client(struct engine *e, void (*fn)(void *arg,
    enum scenario_action_kind kind, int begins), void *arg)
{
	e->on_client = fn;
	e->client_arg = arg;
}

int
engine_started(const struct engine *e)
{
	return e->started;
}

/* The real PLC behind a proxy, as its facts say so far. */
static void
engine_status_plc(const struct facts_plc *p, struct status *out)
{
	if (!p->proxied)
		return;
	out->plc = 1;
	out->plc_frames = p->frames;
	out->plc_echoes = p->echoes;
	out->plc_faults[STATUS_PLC_MISMATCH] = p->mismatches;
	out->plc_faults[STATUS_PLC_LATE] = p->late;
	out->plc_faults[STATUS_PLC_UNASKED] = p->unasked;
	out->plc_faults[STATUS_PLC_SILENT] = p->silent;
	out->plc_faults[STATUS_PLC_UNREACHABLE] = p->unreachable;
	out->plc_faults[STATUS_PLC_CLOSED] = p->closed;
	out->plc_rtts = p->rtt.count;
	if (p->rtt.count > 0) {
		out->plc_rtt_p50 = hist_quantile(&p->rtt, 0.5);
		out->plc_rtt_p99 = hist_quantile(&p->rtt, 0.99);
		out->plc_rtt_max = p->rtt.max;
	}
}

void
engine_status(const struct engine *e, tc_us_t now, struct status *out)
{
	enum scenario_action_kind kind;
	tc_us_t rel = engine_rel(e, now);
	size_t i, j;

	out->scenario = 1;
	out->scenario_name = e->sc->name;
	out->started = e->started;
	out->ended = e->ended;
	out->time = !e->started ? 0 : e->ended ? e->f->end : rel;
	out->duration = e->sc->duration;
	out->nfaults = 0;
	for (i = 0; i < e->sc->nactions; i++) {
		kind = e->sc->actions[i].kind;
		if (scenario_action_traits(kind) & ACTION_INSTANT)
			continue;
		for (j = 0; j < out->nfaults; j++)
			if (strcmp(out->faults[j].name,
			    scenario_action_name(kind)) == 0)
				break;
		if (j < out->nfaults || j == STATUS_MAX_FAULTS)
			continue;
		out->faults[j].name = scenario_action_name(kind);
		out->faults[j].active = e->started && !e->ended &&
		    timeline_acting(e->tl, kind, rel);
		out->nfaults++;
	}
	engine_status_plc(&e->f->plc, out);
}

void
engine_finish(struct engine *e, tc_us_t now)
{
	struct econn *ec;

	if (!e->started)
		return;
	if (!e->ended)
		e->f->end = engine_rel(e, now);
	/* A PLC still silent at the end is as silent as one cut off. */
	for (ec = e->conns; ec != NULL; ec = ec->next)
		engine_plc_owed(e, ec->c, now);
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
	timeline_free(e->tl);
	free(e->window);
	free(e->played);
	free(e);
}
