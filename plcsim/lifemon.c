/* lifemon: the life-bit monitor; see lifemon.h. */
#include <string.h>

#include "lifemon.h"

void
lifemon_stats_reset(struct lifemon_stats *s)
{
	memset(s, 0, sizeof *s);
	hist_reset(&s->intervals);
}

void
lifemon_track_start(struct lifemon_track *t)
{
	memset(t, 0, sizeof *t);
}

int
lifemon_frame(struct lifemon_stats *s, struct lifemon_track *t, tc_us_t now,
    int bit, struct lifemon_edge *edge)
{
	bit = bit != 0;
	s->frames++;
	if (!t->have_bit) {
		t->have_bit = 1;
		t->bit = bit;
		return 0;
	}
	if (bit == t->bit)
		return 0;
	memset(edge, 0, sizeof *edge);
	edge->bit = bit;
	t->bit = bit;
	s->edges++;
	if (bit)
		s->rising++;
	else
		s->falling++;
	if (t->have_edge && now >= t->last_edge) {
		edge->has_interval = 1;
		edge->interval = now - t->last_edge;
		hist_add(&s->intervals, edge->interval);
		s->last_interval = edge->interval;
	}
	t->have_edge = 1;
	t->last_edge = now;
	return 1;
}

void
lifemon_watchdog_start(struct lifemon_watchdog *w, tc_us_t now)
{
	if (w->started)
		return;
	w->started = 1;
	w->barking = 0;
	w->since = now;
}

int
lifemon_watchdog_edge(struct lifemon_watchdog *w, tc_us_t now,
    tc_us_t *silent)
{
	int was_barking = w->barking;

	*silent = now >= w->since ? now - w->since : 0;
	w->started = 1;
	w->barking = 0;
	w->since = now;
	return was_barking;
}

int
lifemon_watchdog(struct lifemon_stats *s, struct lifemon_watchdog *w,
    tc_us_t now, tc_us_t timeout, tc_us_t *silent)
{
	if (timeout == 0 || !w->started || w->barking || now < w->since ||
	    now - w->since < timeout)
		return 0;
	w->barking = 1;
	s->watchdogs++;
	*silent = now - w->since;
	return 1;
}

enum lifemon_wd_state
lifemon_watchdog_state(const struct lifemon_watchdog *w, tc_us_t now,
    tc_us_t timeout, tc_us_t *t)
{
	tc_us_t silent = now >= w->since ? now - w->since : 0;

	*t = 0;
	if (timeout == 0)
		return LIFEMON_WD_OFF;
	if (!w->started)
		return LIFEMON_WD_IDLE;
	/* Past the timeout it has fired, or does at its next look. */
	if (w->barking || silent >= timeout) {
		*t = silent;
		return LIFEMON_WD_FIRED;
	}
	*t = timeout - silent;
	return LIFEMON_WD_ARMED;
}
