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
lifemon_track_start(struct lifemon_track *t, tc_us_t now)
{
	memset(t, 0, sizeof *t);
	t->since = now;
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
	}
	if (t->barking) {
		edge->resumed = 1;
		edge->silent = now >= t->since ? now - t->since : 0;
		t->barking = 0;
	}
	t->have_edge = 1;
	t->last_edge = now;
	t->since = now;
	return 1;
}

int
lifemon_watchdog(struct lifemon_stats *s, struct lifemon_track *t, tc_us_t now,
    tc_us_t timeout, tc_us_t *silent)
{
	if (timeout == 0 || t->barking || now < t->since ||
	    now - t->since < timeout)
		return 0;
	t->barking = 1;
	s->watchdogs++;
	*silent = now - t->since;
	return 1;
}

tc_us_t
lifemon_watchdog_due(const struct lifemon_track *t, tc_us_t timeout)
{
	if (timeout == 0 || t->barking)
		return UINT64_MAX;
	return t->since + timeout;
}
