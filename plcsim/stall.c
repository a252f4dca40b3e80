/* stall: a failure the emulator's own lateness could have made; see stall.h. */
#include <math.h>
#include <stdio.h>

#include "hist.h"
#include "parse.h"
#include "stall.h"

/* How far a send cycle's mean could have moved: each connection's first
 * and last frame, S late, over every interval. */
static double
stall_mean_shift(const struct facts *f, double s)
{
	size_t conns = f->frame_times.n > 0 ? f->frame_times.n : 1;

	if (f->send_intervals.count == 0)
		return 0;
	return 2.0 * s * (double)conns / (double)f->send_intervals.count;
}

/* A send cycle fails on its mean or its jitter: each part on its own. */
static int
stall_send_cycle(const struct scenario_expect *e, const struct facts *f,
    double s)
{
	const struct hist *h = &f->send_intervals;
	double mean = hist_mean(h), jit;

	if (h->count == 0)
		return 0;	/* no interval: nothing late about it */
	if (e->period > 0 && fabs(mean - (double)e->period) -
	    (double)e->tolerance > stall_mean_shift(f, s))
		return 0;
	if (e->jitter_p99 > 0) {
		jit = (double)hist_deviation_p99(h, (uint64_t)llround(mean));
		if (jit - (double)e->jitter_p99 > s)
			return 0;
	}
	return 1;
}

/* The frames a client on its period sends in s and a burst's window. */
static double
stall_burst(const struct scenario_expect *e, double s)
{
	double window = (double)(e->period - e->period / 10);

	if (e->period == 0)
		return 0;
	return floor((s + window) / (double)e->period) + 1;
}

/* Whether the stall could have made this failed item fail. */
static int
stall_explains(const struct scenario *sc, const struct facts *f,
    const struct verdict_item *it, const struct plc_cycle_stats *cs)
{
	const struct scenario_expect *e = it->e;
	double s = (double)cs->stall_max_us, covered;

	if (e == NULL || it->plc || !it->judged ||
	    it->unit == VERDICT_NO_MARGIN)
		return 0;
	switch (e->kind) {
	case EXPECT_SEND_CYCLE:
		return stall_send_cycle(e, f, s);
	case EXPECT_NO_BURST:
		return (double)e->at_most - it->margin <= stall_burst(e, s);
	case EXPECT_LIFE_BIT_DUTY:
		/* Every missed cycle and the longest stall once more. */
		covered = (double)cs->skipped * (double)cs->cycle_us + s;
		return sc->duration > 0 &&
		    -it->margin <= 100.0 * covered / (double)sc->duration;
	case EXPECT_LIFE_BIT_PERIOD:
	case EXPECT_WATCHDOG_QUIET:
	case EXPECT_RECONNECT:
	case EXPECT_STARTUP:
	case EXPECT_SEND_DRIFT:
	case EXPECT_WATCHDOG_FIRES:
	case EXPECT_LIFE_BIT_MAX_GAP:
		return it->unit == VERDICT_US && -it->margin <= s;
	default:
		return 0;	/* not a matter of time */
	}
}

int
stall_excuses(const struct scenario *sc, const struct facts *f,
    const struct verdict *v, const struct plc_cycle_stats *cs, char *why,
    size_t len)
{
	const struct verdict_item *first = NULL;
	char d[32];
	size_t i;

	if (v->nfailed == 0 || cs == NULL || cs->cycle_us == 0 ||
	    cs->skipped == 0)
		return 0;
	for (i = 0; i < v->nitems; i++) {
		const struct verdict_item *it = &v->items[i];

		if (it->passed)
			continue;
		if (!stall_explains(sc, f, it, cs))
			return 0;
		if (first == NULL)
			first = it;
	}
	if (first == NULL)
		return 0;
	snprintf(why, len, "cannot be judged: the emulator missed %llu of "
	    "%llu task cycles, stalled up to %s, which could have made "
	    "every failure: %s%s%d: %s",
	    (unsigned long long)cs->skipped,
	    (unsigned long long)(cs->ticks + cs->skipped),
	    format_duration(cs->stall_max_us, d, sizeof d),
	    v->nfailed > 1 ? "the first, " : "", "line ", first->e->line,
	    first->message);
	return 1;
}
