/* facts: what a run saw; see facts.h. */
#include <stdlib.h>
#include <string.h>

#include "facts.h"

void
facts_init(struct facts *f)
{
	memset(f, 0, sizeof *f);
	f->last_bit = -1;
	hist_reset(&f->send_intervals);
	hist_reset(&f->plc.rtt);
}

void
facts_free(struct facts *f)
{
	size_t i;

	free(f->connects.t);
	free(f->disconnects.t);
	free(f->drops.t);
	free(f->windows.w);
	free(f->links.w);
	free(f->echoes.r);
	free(f->pauses.w);
	free(f->played.f);
	free(f->edges.t);
	free(f->intervals.v);
	free(f->watchdogs.t);
	for (i = 0; i < f->frame_times.n; i++)
		free(f->frame_times.conn[i].t);
	free(f->frame_times.conn);
	facts_init(f);
}

/* Makes room for one more element of `size` bytes; -1 when memory is out. */
static int
facts_grow(void **items, size_t n, size_t *alloc, size_t size)
{
	size_t want;
	void *p;

	if (n < *alloc)
		return 0;
	want = *alloc ? *alloc * 2 : 64;
	if (want > SIZE_MAX / size)
		return -1;
	if ((p = realloc(*items, want * size)) == NULL)
		return -1;
	*items = p;
	*alloc = want;
	return 0;
}

void
facts_add_time(struct facts_times *ts, tc_us_t t)
{
	void *items = ts->t;

	if (facts_grow(&items, ts->n, &ts->alloc, sizeof *ts->t) != 0) {
		ts->lost++;
		return;
	}
	ts->t = items;
	ts->t[ts->n++] = t;
}

void
facts_add_interval(struct facts *f, tc_us_t end, tc_us_t len, int bit)
{
	struct facts_intervals *is = &f->intervals;
	void *items = is->v;

	if (facts_grow(&items, is->n, &is->alloc, sizeof *is->v) != 0) {
		is->lost++;
		return;
	}
	is->v = items;
	is->v[is->n].end = end;
	is->v[is->n].len = len;
	is->v[is->n].bit = bit != 0;
	is->n++;
}

size_t
facts_add_window(struct facts *f, tc_us_t from, tc_us_t to)
{
	return facts_add_span(&f->windows, from, to);
}

size_t
facts_add_span(struct facts_windows *ws, tc_us_t from, tc_us_t to)
{
	void *items = ws->w;

	if (facts_grow(&items, ws->n, &ws->alloc, sizeof *ws->w) != 0) {
		ws->lost++;
		return SIZE_MAX;
	}
	ws->w = items;
	ws->w[ws->n].from = from;
	ws->w[ws->n].to = to;
	return ws->n++;
}

size_t
facts_add_fault(struct facts *f, size_t action, tc_us_t from, tc_us_t to)
{
	struct facts_faults *fs = &f->played;
	void *items = fs->f;

	if (facts_grow(&items, fs->n, &fs->alloc, sizeof *fs->f) != 0) {
		fs->lost++;
		return SIZE_MAX;
	}
	fs->f = items;
	fs->f[fs->n].action = action;
	fs->f[fs->n].from = from;
	fs->f[fs->n].to = to;
	return fs->n++;
}

size_t
facts_add_conn(struct facts *f)
{
	struct facts_frames *fr = &f->frame_times;
	void *items = fr->conn;

	if (facts_grow(&items, fr->n, &fr->alloc, sizeof *fr->conn) != 0) {
		fr->lost++;
		return SIZE_MAX;
	}
	fr->conn = items;
	memset(&fr->conn[fr->n], 0, sizeof fr->conn[fr->n]);
	return fr->n++;
}

void
facts_add_echo(struct facts_echoes *es, tc_us_t t, enum facts_echo status)
{
	struct facts_echo_run *last = es->n > 0 ? &es->r[es->n - 1] : NULL;
	void *items = es->r;

	if (last != NULL && last->status == status && t >= last->to &&
	    t - last->to <= FACTS_ECHO_GAP) {
		last->to = t;
		last->count++;
		return;
	}
	if (facts_grow(&items, es->n, &es->alloc, sizeof *es->r) != 0) {
		es->lost++;
		return;
	}
	es->r = items;
	es->r[es->n].from = t;
	es->r[es->n].to = t;
	es->r[es->n].count = 1;
	es->r[es->n].status = status;
	es->n++;
}

const char *
facts_echo_name(enum facts_echo status)
{
	static const char *const names[FACTS_ECHO_MAX] = {
		"ok", "shaped", "mismatch", "none"
	};

	return (unsigned)status < FACTS_ECHO_MAX ? names[status] : "?";
}

long
facts_next(const struct facts_times *ts, tc_us_t t)
{
	size_t lo = 0, hi = ts->n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (ts->t[mid] > t)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo < ts->n ? (long)lo : -1;
}

size_t
facts_lost(const struct facts *f)
{
	size_t i, frames = f->frame_times.lost;

	for (i = 0; i < f->frame_times.n; i++)
		frames += f->frame_times.conn[i].lost;
	return frames + f->connects.lost + f->disconnects.lost + f->drops.lost +
	    f->windows.lost + f->pauses.lost + f->played.lost +
	    f->edges.lost + f->watchdogs.lost +
	    f->links.lost + f->echoes.lost + f->intervals.lost + f->unplayed;
}
