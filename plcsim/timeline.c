/* timeline: what a scenario's timeline does, decided purely; see timeline.h. */
#include <stdlib.h>
#include <string.h>

#include "rng.h"
#include "timeline.h"

/* Between the two copies of a duplicated echo. */
#define TL_DUPLICATE_GAP TC_US_PER_MS

struct tl_occ {
	struct scenario_occurrence o;
	size_t		 id;		/* stable: the caller's handle */
	unsigned	 traits;
	int		 by_frames;	/* lasts a number of echoes */
	uint32_t	 frames_left;
	int		 ended;
	int		 have_stuck;	/* bit0_stuck: the value it sticks at */
	int		 stuck_bit;
};

/* Occurrences in an array; the first `head` are used up (pending only). */
struct tl_list {
	struct tl_occ	*v;
	size_t		 head, n, alloc;
};

/*
 * A window that is over, kept for the questions about a moment before it
 * ended (a connection that waited for a slot asks about when it arrived).
 * Overlapping windows of one action are kept as one.
 */
struct tl_gone {
	const struct scenario_action *a;
	tc_us_t		 start, end;
	tc_us_t		 ended_at;	/* the time advanced to that ended it */
};

/* An action started by an event (`when`), and how many it has seen. */
struct tl_trigger {
	const struct scenario_action *a;
	uint32_t	 seen;
	int		 done;		/* its one event came */
};

/*
 * An occurrence is pending (not begun, by start time), then acting (begun,
 * in the order it began), then over: it leaves both lists, and a window
 * is kept among the gone. What an echo or an event costs is bounded by
 * what is pending or acting, never by all that ever happened; the record
 * of what was played is the caller's, by the changes queued.
 */
struct timeline {
	const struct scenario	*sc;
	struct rng		 rng;
	struct tl_list		 pend;
	struct tl_list		 act;
	int			 act_ended;	/* some in act are over */
	struct tl_gone		*gone;		/* in the order they ended */
	size_t			 ngone, gone_alloc;
	size_t			 ids;	/* occurrences made so far */
	tc_us_t			 last;	/* the latest time advanced to */
	struct tl_trigger	*trig;
	size_t			 ntrig;
	/* Each occurrence begins and ends once; it grows with them. */
	struct tl_change	*queue;
	size_t			 qhead, qtail, qalloc;
	int			 failed;	/* memory ran out: an occurrence
						   or a change was lost */
	size_t			 scanned;	/* occurrences looked at */
};

static void
tl_occ_init(struct tl_occ *o, const struct scenario_occurrence *so,
    size_t id)
{
	memset(o, 0, sizeof *o);
	o->o = *so;
	o->id = id;
	o->traits = scenario_action_traits(so->a->kind);
	o->by_frames = (o->traits & ACTION_BY_FRAMES) && so->a->span == 0;
	o->frames_left = o->by_frames ? so->a->frames : 0;
}

/* Room for one more at the end of `l`: 0, or -1 when memory is out. */
static int
tl_list_room(struct tl_list *l)
{
	struct tl_occ *more;
	size_t want;

	if (l->n < l->alloc)
		return 0;
	/* Used up at the front for half of it: slide down, not grow. */
	if (l->head > 0 && l->head >= l->alloc / 2) {
		memmove(l->v, l->v + l->head, (l->n - l->head) * sizeof *l->v);
		l->n -= l->head;
		l->head = 0;
		return 0;
	}
	want = l->alloc ? 2 * l->alloc : 8;
	if ((more = realloc(l->v, want * sizeof *more)) == NULL)
		return -1;
	l->v = more;
	l->alloc = want;
	return 0;
}

struct timeline *
timeline_new(const struct scenario *sc, uint64_t seed)
{
	struct timeline *tl;
	struct scenario_occurrence *occ;
	size_t i, n;

	if ((tl = calloc(1, sizeof *tl)) == NULL)
		return NULL;
	if (scenario_occurrences(sc, &occ, &n) != 0) {
		free(tl);
		return NULL;
	}
	tl->pend.alloc = n ? n : 1;
	tl->qalloc = 2 * n + 1;
	tl->pend.v = calloc(tl->pend.alloc, sizeof *tl->pend.v);
	tl->queue = calloc(tl->qalloc, sizeof *tl->queue);
	tl->trig = calloc(sc->nactions ? sc->nactions : 1, sizeof *tl->trig);
	if (tl->pend.v == NULL || tl->queue == NULL || tl->trig == NULL) {
		scenario_occurrences_free(occ);
		timeline_free(tl);
		return NULL;
	}
	for (i = 0; i < n; i++)
		tl_occ_init(&tl->pend.v[i], &occ[i], i);
	scenario_occurrences_free(occ);
	for (i = 0; i < sc->nactions; i++)
		if (sc->actions[i].on.event != EVENT_NONE)
			tl->trig[tl->ntrig++].a = &sc->actions[i];
	tl->sc = sc;
	tl->pend.n = n;
	tl->ids = n;
	rng_seed(&tl->rng, seed);
	return tl;
}

void
timeline_free(struct timeline *tl)
{
	if (tl == NULL)
		return;
	free(tl->pend.v);
	free(tl->act.v);
	free(tl->gone);
	free(tl->queue);
	free(tl->trig);
	free(tl);
}

size_t
timeline_count(const struct timeline *tl)
{
	return tl->ids;
}

int
timeline_failed(const struct timeline *tl)
{
	return tl->failed;
}

size_t
timeline_scanned(const struct timeline *tl)
{
	return tl->scanned;
}

static void
tl_queue(struct timeline *tl, const struct tl_occ *o, int begins)
{
	struct tl_change *c, *q;

	if (tl->qtail == tl->qalloc && tl->qhead > 0) {
		memmove(tl->queue, tl->queue + tl->qhead,
		    (tl->qtail - tl->qhead) * sizeof *tl->queue);
		tl->qtail -= tl->qhead;
		tl->qhead = 0;
	}
	if (tl->qtail == tl->qalloc) {
		if ((q = realloc(tl->queue, 2 * tl->qalloc *
		    sizeof *q)) == NULL) {
			tl->failed = 1;
			return;
		}
		tl->queue = q;
		tl->qalloc *= 2;
	}
	c = &tl->queue[tl->qtail++];
	c->a = o->o.a;
	c->occ = o->id;
	c->begins = begins;
	c->start = o->o.start;
	c->end = o->o.end;
}

static void
tl_end(struct timeline *tl, struct tl_occ *o)
{
	o->ended = 1;
	tl->act_ended = 1;
	tl_queue(tl, o, 0);
}

/* Keeps a window that is over for questions about the past. */
static void
tl_keep_gone(struct timeline *tl, const struct tl_occ *o)
{
	struct tl_gone *g, *more;
	size_t want;

	/* Overlapping or touching the last of the same action: one. */
	if (tl->ngone > 0) {
		g = &tl->gone[tl->ngone - 1];
		if (g->a == o->o.a && o->o.start <= g->end &&
		    g->start <= o->o.end) {
			if (o->o.start < g->start)
				g->start = o->o.start;
			if (o->o.end > g->end)
				g->end = o->o.end;
			g->ended_at = tl->last;
			return;
		}
	}
	if (tl->ngone == tl->gone_alloc) {
		want = tl->gone_alloc ? 2 * tl->gone_alloc : 8;
		if ((more = realloc(tl->gone, want * sizeof *more)) == NULL) {
			tl->failed = 1;
			return;
		}
		tl->gone = more;
		tl->gone_alloc = want;
	}
	g = &tl->gone[tl->ngone++];
	g->a = o->o.a;
	g->start = o->o.start;
	g->end = o->o.end;
	g->ended_at = tl->last;
}

/* Takes the occurrences that are over out of those acting, in order. */
static void
tl_forget(struct timeline *tl)
{
	struct tl_list *l = &tl->act;
	size_t i, keep = 0;

	if (!tl->act_ended)
		return;
	for (i = 0; i < l->n; i++) {
		tl->scanned++;
		if (!l->v[i].ended)
			l->v[keep++] = l->v[i];
		else if (!l->v[i].by_frames)
			tl_keep_gone(tl, &l->v[i]);
	}
	l->n = keep;
	tl->act_ended = 0;
}

/* A pending occurrence begins: it acts from now, unless instant. */
static void
tl_begin(struct timeline *tl, const struct tl_occ *o)
{
	tl_queue(tl, o, 1);
	/* Instant actions are over once done: no window, no end. */
	if (o->traits & ACTION_INSTANT)
		return;
	if (tl_list_room(&tl->act) != 0) {
		tl->failed = 1;
		return;
	}
	tl->act.v[tl->act.n++] = *o;
}

tc_us_t
timeline_advance(struct timeline *tl, tc_us_t rel)
{
	struct tl_list *p = &tl->pend;
	tc_us_t wake = TIMELINE_NEVER;
	size_t i;

	if (rel > tl->last)
		tl->last = rel;
	for (; p->head < p->n && p->v[p->head].o.start <= rel; p->head++) {
		tl->scanned++;
		tl_begin(tl, &p->v[p->head]);
	}
	for (i = 0; i < tl->act.n; i++) {
		struct tl_occ *o = &tl->act.v[i];

		tl->scanned++;
		if (o->ended || o->by_frames)
			continue;
		if (o->o.end <= rel)
			tl_end(tl, o);
		else if (o->o.end < wake)
			wake = o->o.end;
	}
	tl_forget(tl);
	if (p->head < p->n && p->v[p->head].o.start < wake)
		wake = p->v[p->head].o.start;
	return wake;
}

int
timeline_pending(const struct timeline *tl)
{
	return tl->qhead != tl->qtail;
}

int
timeline_change(struct timeline *tl, struct tl_change *out)
{
	if (tl->qhead == tl->qtail)
		return 0;
	*out = tl->queue[tl->qhead++];
	return 1;
}

/* ---- actions started by events ---- */

/*
 * A new occurrence of `a` from `start`, in time order among those pending,
 * after any that start at the same time (never before the latest time
 * advanced to: it cannot begin in the past), its window cut at the end of
 * the scenario. 1 when added.
 */
static int
tl_add(struct timeline *tl, const struct scenario_action *a, tc_us_t start)
{
	struct tl_list *p = &tl->pend;
	struct scenario_occurrence so;
	size_t i;

	if (start < tl->last)
		start = tl->last;
	if (start >= tl->sc->duration)
		return 0;	/* after the end: never played */
	if (tl_list_room(p) != 0) {
		tl->failed = 1;
		return 0;
	}
	/* Events come in time order: its place is nearly always last. */
	for (i = p->n; i > p->head && p->v[i - 1].o.start > start; i--)
		tl->scanned++;
	memmove(&p->v[i + 1], &p->v[i], (p->n - i) * sizeof *p->v);
	so.a = a;
	so.start = start;
	so.end = start + a->span;
	if (so.end > tl->sc->duration)
		so.end = tl->sc->duration;
	tl_occ_init(&p->v[i], &so, tl->ids++);
	p->n++;
	return 1;
}

/* The trigger saw its event at `rel`: 1 when an occurrence was added. */
static int
tl_fire(struct timeline *tl, struct tl_trigger *t, tc_us_t rel)
{
	if (t->a->on.nth != 0)
		t->done = 1;
	return tl_add(tl, t->a, rel + t->a->on.after);
}

int
timeline_edge(struct timeline *tl, tc_us_t rel, int rising)
{
	struct tl_trigger *t;
	enum scenario_event ev;
	size_t i;
	int added = 0;

	for (i = 0; i < tl->ntrig; i++) {
		t = &tl->trig[i];
		ev = t->a->on.event;
		if (t->done || !(ev == EVENT_EDGE ||
		    (ev == EVENT_RISING && rising) ||
		    (ev == EVENT_FALLING && !rising)))
			continue;
		t->seen++;
		if (t->a->on.nth == 0 || t->seen == t->a->on.nth)
			added += tl_fire(tl, t, rel);
	}
	return added;
}

int
timeline_frame(struct timeline *tl, tc_us_t rel, uint32_t conn,
    uint32_t frame)
{
	const struct scenario_trigger *on;
	struct tl_trigger *t;
	uint32_t nth;
	size_t i;
	int added = 0;

	for (i = 0; i < tl->ntrig; i++) {
		t = &tl->trig[i];
		on = &t->a->on;
		if (t->done || frame != on->frame)
			continue;
		if (on->event == EVENT_CONNECT)
			nth = conn;
		else if (on->event == EVENT_RECONNECT && conn >= 2)
			nth = conn - 1;
		else
			continue;
		if (on->nth == 0 || nth == on->nth)
			added += tl_fire(tl, t, rel);
	}
	return added;
}

/* 1 while occurrence `o` acts on what happens at `rel`. */
static int
tl_active(const struct tl_occ *o, tc_us_t rel)
{
	if (rel < o->o.start)
		return 0;
	if (o->by_frames)
		return !o->ended && o->frames_left > 0;
	return rel < o->o.end;
}

/*
 * An action of `kind` acting at `rel`, or NULL: among those acting, those
 * due by then but not yet begun, and, for a moment before the latest time
 * advanced to, the windows that ended since.
 */
static const struct scenario_action *
tl_find(struct timeline *tl, enum scenario_action_kind kind, tc_us_t rel)
{
	const struct tl_list *p = &tl->pend;
	const struct tl_gone *g;
	size_t i;

	for (i = 0; i < tl->act.n; i++) {
		tl->scanned++;
		if (tl->act.v[i].o.a->kind == kind &&
		    tl_active(&tl->act.v[i], rel))
			return tl->act.v[i].o.a;
	}
	for (i = p->head; i < p->n && p->v[i].o.start <= rel; i++) {
		tl->scanned++;
		if (p->v[i].o.a->kind == kind && tl_active(&p->v[i], rel))
			return p->v[i].o.a;
	}
	/* A window that ended at or before `rel` cannot hold it. */
	for (i = tl->ngone; i > 0 && tl->gone[i - 1].ended_at > rel; i--) {
		g = &tl->gone[i - 1];
		tl->scanned++;
		if (g->a->kind == kind && g->start <= rel && rel < g->end)
			return g->a;
	}
	return NULL;
}

tc_us_t
timeline_accept_wait(struct timeline *tl, tc_us_t arrived)
{
	const struct scenario_action *a = tl_find(tl, ACTION_ACCEPT_DELAY,
	    arrived);

	return a != NULL ? a->delay : 0;
}

int
timeline_blackholed(struct timeline *tl, tc_us_t rel)
{
	return tl_find(tl, ACTION_BLACKHOLE, rel) != NULL;
}

int
timeline_acting(struct timeline *tl, enum scenario_action_kind kind,
    tc_us_t rel)
{
	return tl_find(tl, kind, rel) != NULL;
}

/* Applies the actions that change bits to `echo`. */
static void
tl_alter(struct timeline *tl, const struct tl_conn *c, uint8_t *echo,
    size_t len, tc_us_t rel)
{
	size_t i, j;

	for (i = 0; i < tl->act.n; i++) {
		struct tl_occ *o = &tl->act.v[i];
		const struct scenario_action *a = o->o.a;

		tl->scanned++;
		if (!(o->traits & ACTION_ALTERS_ECHO) || !tl_active(o, rel))
			continue;
		switch (a->kind) {
		case ACTION_BIT0_FORCE:
			wire_set_bit0(echo, len, a->value);
			break;
		case ACTION_BIT0_INVERT:
			wire_set_bit0(echo, len, !wire_get_bit0(echo, len));
			break;
		case ACTION_BIT0_STUCK:
			/* Stuck at the last bit the client was sent. */
			if (!o->have_stuck) {
				o->stuck_bit = c->have_echo_bit ? c->echo_bit :
				    wire_get_bit0(echo, len);
				o->have_stuck = 1;
			}
			wire_set_bit0(echo, len, o->stuck_bit);
			break;
		case ACTION_CORRUPT:
			for (j = 0; j < len; j++)
				echo[j] ^= a->mask[j];
			break;
		default:
			break;
		}
	}
}

/*
 * The action that decides how the echo is cut up or held, if any (a black
 * hole wins over everything: nothing leaves while it lasts), else the first
 * to begin; a delay is found apart, as it acts with any of them.
 */
static const struct scenario_action *
tl_shaper(struct timeline *tl, tc_us_t rel,
    const struct scenario_action **delay)
{
	const struct scenario_action *found = NULL;
	size_t i;

	*delay = NULL;
	for (i = 0; i < tl->act.n; i++) {
		const struct tl_occ *o = &tl->act.v[i];

		tl->scanned++;
		if (!(o->traits & ACTION_SHAPES_ECHO) || !tl_active(o, rel))
			continue;
		if (o->o.a->kind == ACTION_BLACKHOLE)
			return o->o.a;
		if (o->o.a->kind == ACTION_ECHO_DELAY) {
			if (*delay == NULL)
				*delay = o->o.a;
		} else if (found == NULL)
			found = o->o.a;
	}
	return found;
}

/* Every action counted in frames that acted on this echo has one less. */
static void
tl_count_echo(struct timeline *tl, tc_us_t rel)
{
	size_t i;

	for (i = 0; i < tl->act.n; i++) {
		struct tl_occ *o = &tl->act.v[i];

		tl->scanned++;
		if (o->by_frames && tl_active(o, rel) && --o->frames_left == 0)
			tl_end(tl, o);
	}
	tl_forget(tl);
}

static tc_us_t
tl_draw_delay(struct timeline *tl, const struct scenario_action *a)
{
	double d;

	if (a->jitter == 0)
		return a->delay;
	if (a->distribution == DIST_NORMAL)
		d = rng_normal(&tl->rng, (double)a->delay, (double)a->jitter);
	else
		d = (double)a->delay - (double)a->jitter +
		    rng_unit(&tl->rng) * 2.0 * (double)a->jitter;
	return d > 0 ? (tc_us_t)d : 0;
}

void
timeline_echo(struct timeline *tl, struct tl_conn *c, tc_us_t rel,
    const uint8_t *frame, size_t len, struct tl_echo *out)
{
	uint8_t echo[WIRE_MAX_BYTES];
	const struct scenario_action *a, *delay;
	size_t held, total;
	int altered;

	memset(out, 0, sizeof *out);
	if (len == 0 || len > WIRE_MAX_BYTES) {
		out->untouched = 1;
		return;
	}
	/* What begins now acts on this echo, however late the caller's tick. */
	timeline_advance(tl, rel);
	memcpy(echo, frame, len);
	tl_alter(tl, c, echo, len, rel);
	a = tl_shaper(tl, rel, &delay);
	tl_count_echo(tl, rel);
	altered = memcmp(echo, frame, len) != 0;
	c->have_echo_bit = 1;
	c->echo_bit = wire_get_bit0(echo, len);

	if (a != NULL && a->kind == ACTION_BLACKHOLE) {
		out->swallowed = 1;
		return;
	}
	if (a != NULL && a->kind == ACTION_ECHO_MERGE && c->held_len == 0) {
		memcpy(c->held, echo, len);
		c->held_len = len;
		c->held_altered = altered;
		out->held = 1;
		return;
	}
	/* A held echo leaves with the next one, whatever acts on that one. */
	held = c->held_len;
	memcpy(out->data, c->held, held);
	memcpy(out->data + held, echo, len);
	total = held + len;
	out->len = total;
	/* Only an altered echo the client gets whole can be a mismatch. */
	if (held > 0 && c->held_altered)
		out->whole[0] = held;
	if (altered)
		out->whole[1] = total;
	c->held_len = 0;
	c->held_altered = 0;
	if (delay != NULL) {
		out->delay = tl_draw_delay(tl, delay);
		out->drawn = 1;
	}
	if (a == NULL) {
		out->untouched = !altered && held == 0 && delay == NULL;
		return;
	}
	switch (a->kind) {
	case ACTION_ECHO_SPLIT:
		out->pieces = a->pieces;
		out->gap = a->gap;
		break;
	case ACTION_ECHO_DUPLICATE:
		memcpy(out->data + total, echo, len);
		out->len = total + len;
		out->pieces = 2;
		out->first = total;
		out->gap = TL_DUPLICATE_GAP;
		break;
	case ACTION_ECHO_SHORT:
		/* Never whole: a short echo cannot be compared. */
		out->len = held + a->bytes;
		out->whole[1] = 0;
		break;
	default:	/* echo_merge, sending what it held */
		break;
	}
}
