/* expect: the judge; see expect.h. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expect.h"
#include "parse.h"

#define JSON_MAX_DEPTH	32

/* ---- small helpers ---- */

static void
item_set(struct verdict_item *it, int passed, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
item_set(struct verdict_item *it, int passed, const char *fmt, ...)
{
	va_list ap;

	it->passed = passed;
	va_start(ap, fmt);
	vsnprintf(it->message, sizeof it->message, fmt, ap);
	va_end(ap);
}

/* How close it came: see struct verdict_item. */
static void
item_margin(struct verdict_item *it, enum verdict_unit unit, double margin)
{
	it->unit = unit;
	it->margin = margin;
}

static void
item_expected(struct verdict_item *it, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
item_expected(struct verdict_item *it, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(it->expected, sizeof it->expected, fmt, ap);
	va_end(ap);
}

static void
item_seen(struct verdict_item *it, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
item_seen(struct verdict_item *it, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(it->seen, sizeof it->seen, fmt, ap);
	va_end(ap);
}

static const char *
plural(uint64_t n)
{
	return n == 1 ? "" : "s";
}

/* "at least 30", "at most 5", "= 7", "30..110": the bounds of `e`. */
static void
bounds_describe(const struct scenario_expect *e, char *buf, size_t len)
{
	if (e->has_equals)
		snprintf(buf, len, "= %lld", (long long)e->equals);
	else if (e->has_at_least && e->has_at_most)
		snprintf(buf, len, "%lld..%lld", (long long)e->at_least,
		    (long long)e->at_most);
	else if (e->has_at_least)
		snprintf(buf, len, "at least %lld", (long long)e->at_least);
	else if (e->has_at_most)
		snprintf(buf, len, "at most %lld", (long long)e->at_most);
	else
		snprintf(buf, len, "any value");
}

/*
 * The margin of `value` against the bounds of `e`: how far inside the
 * nearest bound (>= 0), or outside it (< 0); for `equals`, 0 when equal,
 * else minus the difference. 0 when there is no bound.
 */
static double
bounds_margin(const struct scenario_expect *e, double value)
{
	double m = INFINITY;

	if (e->has_equals)
		m = -fabs(value - (double)e->equals);
	if (e->has_at_least)
		m = fmin(m, value - (double)e->at_least);
	if (e->has_at_most)
		m = fmin(m, (double)e->at_most - value);
	/* + 0.0: an exact hit of `equals` is 0, not -0. */
	return isinf(m) ? 0 : m + 0.0;
}

static int
bounds_hold(const struct scenario_expect *e, double value)
{
	if (e->has_equals && value != (double)e->equals)
		return 0;
	if (e->has_at_least && value < (double)e->at_least)
		return 0;
	if (e->has_at_most && value > (double)e->at_most)
		return 0;
	return 1;
}

/* ---- expectations judged on the wire ---- */

/*
 * The silence at the end of the run: from the last edge (or time 0) to the
 * end, less what fault windows covering its start explain. It is never an
 * interval (no edge ends it), so it is judged apart.
 */
static tc_us_t
trailing_silence(const struct facts *f, tc_us_t *since)
{
	tc_us_t from = f->edges.n > 0 ? f->edges.t[f->edges.n - 1] : 0;
	size_t i;
	int moved;

	do {
		moved = 0;
		for (i = 0; i < f->windows.n; i++)
			if (f->windows.w[i].from <= from &&
			    f->windows.w[i].to > from) {
				from = f->windows.w[i].to;
				moved = 1;
			}
	} while (moved);
	*since = from;
	return f->end > from ? f->end - from : 0;
}

static int
us_cmp(const void *a, const void *b)
{
	tc_us_t x = *(const tc_us_t *)a, y = *(const tc_us_t *)b;

	return x < y ? -1 : x > y;
}

/* The value at quantile q of n sorted values: the smallest v such that at
 * least q of them are <= v. */
static tc_us_t
sorted_quantile(const tc_us_t *v, size_t n, double q)
{
	size_t rank = (size_t)ceil(q * (double)n - 1e-9);

	if (rank < 1)
		rank = 1;
	if (rank > n)
		rank = n;
	return v[rank - 1];
}

/* Whether an interval ending in an edge to `bit` is one `edge` selects. */
static int
edge_selects(enum scenario_edge edge, int bit)
{
	return edge == EDGE_ANY || (edge == EDGE_RISING) == (bit == 1);
}

/* "life bit", "life bit, rising edges (time low)", ... */
static const char *
edge_subject(enum scenario_edge edge)
{
	switch (edge) {
	case EDGE_RISING:
		return "life bit, intervals ending in a rising edge (time low)";
	case EDGE_FALLING:
		return "life bit, intervals ending in a falling edge (time "
		    "high)";
	default:
		return "life bit";
	}
}

/*
 * Judged on every interval exactly (the facts keep them all): at least
 * `quantile` of them within period ± tolerance. The margin is the
 * tolerance less d, the deviation from the period of the need-th closest
 * interval (need = quantile of them, rounded up): the tolerance that would
 * just have passed. So it is >= 0 exactly when the verdict passed.
 */
static void
judge_life_bit_period(const struct scenario_expect *e, const struct facts *f,
    struct verdict_item *it)
{
	const char *subject = edge_subject(e->edge);
	tc_us_t lo = e->period > e->tolerance ? e->period - e->tolerance : 0;
	tc_us_t silence, since, *len, *dev, x;
	size_t i, n = 0, inside = 0, need;
	char p[32], t[32], qlo[32], qhi[32], mx[32], on[48];

	format_duration(e->period, p, sizeof p);
	format_duration(e->tolerance, t, sizeof t);
	on[0] = '\0';
	if (e->edge != EDGE_ANY)
		snprintf(on, sizeof on, ", %s edges",
		    scenario_edge_name(e->edge));
	item_expected(it, "%s ± %s at %g%%%s", p, t, e->quantile * 100, on);
	len = malloc((f->intervals.n + 1) * sizeof *len);
	dev = malloc((f->intervals.n + 1) * sizeof *dev);
	if (len == NULL || dev == NULL) {
		free(len);
		free(dev);
		item_set(it, 0, "%s: out of memory, not judged", subject);
		return;
	}
	for (i = 0; i < f->intervals.n; i++) {
		if (!edge_selects(e->edge, f->intervals.v[i].bit))
			continue;
		x = f->intervals.v[i].len;
		len[n] = x;
		dev[n++] = x > e->period ? x - e->period : e->period - x;
		if (x >= lo && x <= e->period + e->tolerance)
			inside++;
	}
	if (n == 0) {
		item_seen(it, "no interval");
		item_set(it, 0, "%s: expected intervals %s ± %s for %g%% of "
		    "them, saw no interval (%zu edge%s)", subject, p, t,
		    e->quantile * 100, f->edges.n, plural(f->edges.n));
		goto out;
	}
	/*
	 * A phase that never ended: the bit stopped. Judging one edge, only
	 * a phase that edge would have ended counts (stopped high for the
	 * falling edge, low for the rising one).
	 */
	silence = trailing_silence(f, &since);
	if (silence > e->period + e->tolerance && (e->edge == EDGE_ANY ||
	    (e->edge == EDGE_FALLING) == (f->last_bit == 1))) {
		item_seen(it, "no edge for %s up to the end, bit 0 %s",
		    format_measured(silence, mx, sizeof mx),
		    f->last_bit == 1 ? "high" : "low");
		item_margin(it, VERDICT_US, (double)(e->period + e->tolerance) -
		    (double)silence);
		item_set(it, 0, "%s: expected intervals %s ± %s, but it "
		    "stopped %s: no edge from %s to the end of the run (%s)",
		    subject, p, t, f->last_bit == 1 ? "high" : "low",
		    format_at(since, qlo, sizeof qlo),
		    format_measured(silence, mx, sizeof mx));
		goto out;
	}
	qsort(len, n, sizeof *len, us_cmp);
	qsort(dev, n, sizeof *dev, us_cmp);
	need = (size_t)ceil(e->quantile * (double)n - 1e-9);
	if (need < 1)
		need = 1;
	format_measured(sorted_quantile(len, n, 1.0 - e->quantile), qlo,
	    sizeof qlo);
	format_measured(sorted_quantile(len, n, e->quantile), qhi, sizeof qhi);
	format_measured(len[n - 1], mx, sizeof mx);
	item_seen(it, "%s … %s", qlo, qhi);
	item_margin(it, VERDICT_US, (double)e->tolerance -
	    (double)dev[need - 1]);
	item_set(it, inside >= need, "%s: expected intervals %s ± %s for %g%% "
	    "of them, saw %zu of %zu within (p%g = %s, p%g = %s, max %s)",
	    subject, p, t, e->quantile * 100, inside, n,
	    (1.0 - e->quantile) * 100, qlo, e->quantile * 100, qhi, mx);
out:
	free(len);
	free(dev);
}

static void
judge_life_bit_silent(const struct facts *f, struct verdict_item *it)
{
	size_t n = f->edges.n;
	char a[32];

	item_expected(it, "no edge");
	item_seen(it, "%zu edge%s", n, plural(n));
	item_margin(it, VERDICT_COUNT, n > 0 ? -(double)n : 0.0); /* not -0 */
	if (n == 0) {
		item_set(it, 1, "life bit: expected no edge, saw none");
		return;
	}
	item_set(it, 0, "life bit: expected no edge, saw %zu edge%s, the "
	    "first at %s", n, plural(n), format_at(f->edges.t[0], a, sizeof a));
}

/* Why a watchdog firing counts against the client. */
enum watchdog_blame {
	WD_EXCUSED = 0,
	WD_OUTSIDE,		/* no fault window near it */
	WD_OUTLASTED,		/* its silence went on past the fault */
};

/*
 * A watchdog at w reports a silence of one watchdog period before it. It is
 * excused when that silence overlaps a fault window [from, to), that is when
 * from <= w < to + watchdog, and when the silence is over in time: the life
 * bit moves again (on any connection) by to + watchdog. A silence that
 * outlasts the fault is the client's: a life bit that stopped for good
 * during an outage fails, even though the watchdog fires only once for it.
 * A run that ended before to + watchdog cannot tell, and does not blame.
 * *window is the window that excused it or was outlasted (SIZE_MAX: none).
 */
static enum watchdog_blame
watchdog_blame(const struct facts *f, tc_us_t w, tc_us_t watchdog,
    size_t *window)
{
	long k = facts_next(&f->edges, w);
	enum watchdog_blame blame = WD_OUTSIDE;
	tc_us_t grace;
	size_t i;

	*window = SIZE_MAX;
	for (i = 0; i < f->windows.n; i++) {
		if (!(f->windows.w[i].from <= w &&
		    w < f->windows.w[i].to + watchdog))
			continue;
		grace = f->windows.w[i].to + watchdog;
		*window = i;
		if (k >= 0 ? f->edges.t[k] <= grace : f->end < grace)
			return WD_EXCUSED;
		blame = WD_OUTLASTED;
	}
	return blame;
}

/*
 * The longest silence of the life bit as the PLC's watchdog counts it:
 * from time 0 (the watch starts with the first connection) or an edge on
 * any connection to the next edge, or to the end of the run. With
 * `outside_faults`, a silence in which an excused firing lies is left out:
 * the fault explains it. *from is where the longest one started.
 */
static tc_us_t
longest_silence(const struct scenario *sc, const struct facts *f,
    int outside_faults, tc_us_t *from)
{
	tc_us_t a = 0, b, best = 0, t;
	size_t i, w = 0, win;
	int excused;

	*from = 0;
	for (i = 0; i <= f->edges.n; i++) {
		b = i < f->edges.n ? f->edges.t[i] : f->end;
		if (b < a)
			b = a;
		excused = 0;
		for (; w < f->watchdogs.n && f->watchdogs.t[w] <= b; w++) {
			t = f->watchdogs.t[w];
			if (outside_faults && t > a && watchdog_blame(f, t,
			    sc->plc.watchdog, &win) == WD_EXCUSED)
				excused = 1;
		}
		if (!excused && b - a > best) {
			best = b - a;
			*from = a;
		}
		a = b;
	}
	return best;
}

static void
judge_watchdog_quiet(const struct scenario *sc, const struct scenario_expect *e,
    const struct facts *f, struct verdict_item *it)
{
	size_t i, counted = 0, excused = 0, win = SIZE_MAX, first_win = SIZE_MAX;
	enum watchdog_blame blame, first_blame = WD_OUTSIDE;
	tc_us_t first = 0, longest, lfrom;
	long k;
	char a[32], wd[32], to[32], nx[32], why[128], ls[32], lf[32];

	for (i = 0; i < f->watchdogs.n; i++) {
		blame = WD_OUTSIDE;
		if (e->outside_faults)
			blame = watchdog_blame(f, f->watchdogs.t[i],
			    sc->plc.watchdog, &win);
		if (blame == WD_EXCUSED) {
			excused++;
			continue;
		}
		if (counted++ == 0) {
			first = f->watchdogs.t[i];
			first_blame = blame;
			first_win = win;
		}
	}
	format_duration(sc->plc.watchdog, wd, sizeof wd);
	longest = longest_silence(sc, f, e->outside_faults, &lfrom);
	item_expected(it, "quiet%s (watchdog %s)",
	    e->outside_faults ? " outside fault windows" : "", wd);
	item_seen(it, "%s%slongest silence %s from %s", counted > 0 ?
	    "fired, " : "", excused > 0 ? "excused firings aside, " : "",
	    format_measured(longest, ls, sizeof ls),
	    format_at(lfrom, lf, sizeof lf));
	item_margin(it, VERDICT_US, (double)sc->plc.watchdog - (double)longest);
	if (counted == 0) {
		item_set(it, 1, "watchdog (%s): expected quiet%s, saw %zu "
		    "firing%s inside fault windows", wd,
		    e->outside_faults ? " outside fault windows" : "",
		    excused, plural(excused));
		return;
	}
	why[0] = '\0';
	if (first_blame == WD_OUTLASTED && first_win != SIZE_MAX) {
		k = facts_next(&f->edges, first);
		snprintf(why, sizeof why, "; its silence outlasted the fault "
		    "that ended at %s: next edge %s",
		    format_at(f->windows.w[first_win].to, to, sizeof to),
		    k >= 0 ? format_at(f->edges.t[k], nx, sizeof nx) :
		    "none up to the end");
	}
	item_set(it, 0, "watchdog (%s): expected quiet%s, fired %zu time%s, "
	    "the first at %s%s", wd,
	    e->outside_faults ? " outside fault windows" : "", counted,
	    plural(counted), format_at(first, a, sizeof a), why);
}

/*
 * Whether a silence of the life bit [a, b) is a fault's, for an
 * expectation that allows `allow` of silence: it overlaps a fault window
 * [from, to) and is over by to + allow (a run that ended before then
 * cannot tell, and does not blame).
 */
static int
silence_excused(const struct facts *f, tc_us_t a, tc_us_t b, tc_us_t allow,
    int trailing)
{
	size_t i;
	tc_us_t grace;

	for (i = 0; i < f->windows.n; i++) {
		if (!(f->windows.w[i].from < b && f->windows.w[i].to > a))
			continue;
		grace = f->windows.w[i].to + allow;
		if (b <= grace || (trailing && f->end < grace))
			return 1;
	}
	return 0;
}

/*
 * The longest time without an edge on any connection, from time 0 to the
 * end: before the first edge, between two, after the last.
 */
static void
judge_life_bit_max_gap(const struct scenario_expect *e,
    const struct facts *f, struct verdict_item *it)
{
	tc_us_t a = 0, b, gap, longest = 0, from = 0;
	size_t i, excused = 0;
	int trailing;
	char w[32], g[32], at[32], to[32], why[64];

	format_duration(e->max_gap, w, sizeof w);
	item_expected(it, "no silence over %s%s", w, e->outside_faults ?
	    " outside fault windows" : "");
	for (i = 0; i <= f->edges.n; i++) {
		trailing = i == f->edges.n;
		b = trailing ? f->end : f->edges.t[i];
		if (b < a)
			b = a;
		gap = b - a;
		if (gap > e->max_gap && e->outside_faults &&
		    silence_excused(f, a, b, e->max_gap, trailing))
			excused++;
		else if (gap > longest) {
			longest = gap;
			from = a;
		}
		a = b;
	}
	format_measured(longest, g, sizeof g);
	format_at(from, at, sizeof at);
	format_at(from + longest, to, sizeof to);
	item_seen(it, "longest %s from %s%s", g, at, excused > 0 ?
	    ", fault windows aside" : "");
	item_margin(it, VERDICT_US, (double)e->max_gap - (double)longest);
	why[0] = '\0';
	if (excused > 0)
		snprintf(why, sizeof why, " (%zu longer, the faults': excused)",
		    excused);
	item_set(it, longest <= e->max_gap, "life bit: expected no silence "
	    "over %s%s, the longest was %s, from %s to %s%s", w,
	    e->outside_faults ? " outside fault windows" : "", g, at,
	    from + longest == f->end ? "the end of the run" : to, why);
}

/*
 * The share of the time bit 0 is high: the mean time high over the mean
 * cycle (mean high + mean low), from the intervals between edges of one
 * connection. Means, not sums: a run that ends after one more high phase
 * than low ones is not counted as higher.
 */
static void
judge_life_bit_duty(const struct scenario_expect *e, const struct facts *f,
    struct verdict_item *it)
{
	double high = 0, low = 0, duty, dev;
	size_t i, nh = 0, nl = 0;
	char mh[32], ml[32];

	item_expected(it, "high %g%% ± %g%%", e->high, e->high_tolerance);
	for (i = 0; i < f->intervals.n; i++) {
		if (f->intervals.v[i].bit == 0) {
			high += (double)f->intervals.v[i].len;
			nh++;
		} else {
			low += (double)f->intervals.v[i].len;
			nl++;
		}
	}
	if (nh == 0 || nl == 0) {
		item_seen(it, "%zu high and %zu low interval%s", nh, nl,
		    plural(nl));
		item_set(it, 0, "life bit duty: expected high %g%% ± %g%% of "
		    "the time, but saw %zu time%s high and %zu time%s low "
		    "between edges: no whole cycle", e->high, e->high_tolerance,
		    nh, plural(nh), nl, plural(nl));
		return;
	}
	high /= (double)nh;
	low /= (double)nl;
	duty = high + low > 0 ? 100.0 * high / (high + low) : 0;
	dev = fabs(duty - e->high);
	format_measured((tc_us_t)llround(high), mh, sizeof mh);
	format_measured((tc_us_t)llround(low), ml, sizeof ml);
	item_seen(it, "high %.2f%% (mean %s high, %s low)", duty, mh, ml);
	item_margin(it, VERDICT_PERCENT, e->high_tolerance - dev);
	item_set(it, dev <= e->high_tolerance, "life bit duty: expected high "
	    "%g%% ± %g%% of the time, saw %.2f%% (mean %s high over %zu, %s "
	    "low over %zu)", e->high, e->high_tolerance, duty, mh, nh, ml, nl);
}

/*
 * The watchdog at w saw the pause [from, to) when from <= w <= to: a pause
 * longer than the watchdog silences the life bit for longer than it, so
 * it fires by then, unless the client was not really stopped.
 */
static void
judge_watchdog_fires(const struct scenario *sc, const struct facts *f,
    struct verdict_item *it)
{
	const struct facts_window *w;
	size_t i, judged = 0;
	long k;
	double margin = 0, m;
	char wd[32], a[32], b[32], c[32], why[80];

	format_duration(sc->plc.watchdog, wd, sizeof wd);
	item_expected(it, "a firing in every pause of the client longer than "
	    "%s", wd);
	for (i = 0; i < f->pauses.n; i++) {
		w = &f->pauses.w[i];
		if (w->to - w->from <= sc->plc.watchdog)
			continue;	/* too short to be sure it fires */
		k = facts_next(&f->watchdogs, w->from > 0 ? w->from - 1 : 0);
		/* How long before the pause ended it fired (or after: < 0). */
		m = k >= 0 ? (double)w->to - (double)f->watchdogs.t[k] :
		    (double)w->from - (double)w->to;
		if (judged++ == 0 || m < margin)
			margin = m;
		if (k >= 0 && f->watchdogs.t[k] <= w->to)
			continue;
		if (k >= 0)
			snprintf(why, sizeof why, "fired only at %s",
			    format_at(f->watchdogs.t[k], c, sizeof c));
		else
			snprintf(why, sizeof why, "it never fired (was the "
			    "client really stopped?)");
		item_seen(it, "no firing in the pause from %s", format_at(w->from,
		    a, sizeof a));
		item_margin(it, VERDICT_US, margin);
		item_set(it, 0, "watchdog (%s): expected to fire while the "
		    "client was paused from %s to %s, %s", wd,
		    format_at(w->from, a, sizeof a),
		    format_at(w->to, b, sizeof b), why);
		return;
	}
	if (judged == 0) {
		item_seen(it, "no such pause");
		item_set(it, 0, "watchdog (%s): expected to fire while the "
		    "client was paused, but no pause longer than it was played",
		    wd);
		return;
	}
	item_seen(it, "a firing in each of %zu pause%s", judged,
	    plural(judged));
	item_margin(it, VERDICT_US, margin);
	item_set(it, 1, "watchdog (%s): fired in each of %zu pause%s of the "
	    "client", wd, judged, plural(judged));
}

static void
judge_reconnect(const struct scenario_expect *e, const struct facts *f,
    struct verdict_item *it)
{
	size_t i, late = 0, open = 0;
	tc_us_t slowest = 0, worst = 0, d, c;
	long k, first_late = -1;
	char w[32], a[32], b[32], g[32];

	format_duration(e->within, w, sizeof w);
	item_expected(it, "connected within %s of every drop", w);
	if (f->drops.n == 0) {
		item_seen(it, "no drop");
		item_set(it, 0, "reconnect: expected a connection within %s "
		    "after every drop, but no drop was injected (run ended at "
		    "%s)", w, format_at(f->end, a, sizeof a));
		return;
	}
	for (i = 0; i < f->drops.n; i++) {
		d = f->drops.t[i];
		k = facts_next(&f->connects, d);
		if (k >= 0 && f->connects.t[k] - d <= e->within) {
			if (f->connects.t[k] - d > slowest)
				slowest = f->connects.t[k] - d;
			continue;
		}
		/* The run ended before the deadline: nothing to hold against. */
		if (k < 0 && d + e->within > f->end) {
			open++;
			continue;
		}
		/* Late by at least what the run saw. */
		c = k >= 0 ? f->connects.t[k] - d : f->end - d;
		if (c > worst)
			worst = c;
		if (late++ == 0)
			first_late = (long)i;
	}
	if (slowest > worst)
		worst = slowest;
	if (open < f->drops.n) {
		item_seen(it, "%s %s over %zu drop%s", late > 0 ? "latest" :
		    "slowest", format_measured(worst, g, sizeof g),
		    f->drops.n - open, plural(f->drops.n - open));
		item_margin(it, VERDICT_US, (double)e->within - (double)worst);
	} else
		item_seen(it, "every drop too close to the end to judge");
	if (late == 0) {
		item_set(it, 1, "reconnect: %zu drop%s, each followed by a "
		    "connection within %s (slowest %s)%s", f->drops.n,
		    plural(f->drops.n), w,
		    format_measured(slowest, g, sizeof g), open ? "; some too close to the end to judge" : "");
		return;
	}
	d = f->drops.t[first_late];
	k = facts_next(&f->connects, d);
	format_at(d, a, sizeof a);
	if (k < 0) {
		item_set(it, 0, "reconnect: drop at %s, not connected again "
		    "within %s (next connection: none; %zu of %zu drops "
		    "late)", a, w, late, f->drops.n);
		return;
	}
	c = f->connects.t[k];
	item_set(it, 0, "reconnect: drop at %s, not connected again within "
	    "%s (next connection: %s, after %s; %zu of %zu drops late)", a, w,
	    format_at(c, b, sizeof b), format_measured(c - d, g, sizeof g),
	    late, f->drops.n);
}

static void
judge_frames(const struct scenario_expect *e, const struct facts *f,
    struct verdict_item *it)
{
	char bounds[64];

	bounds_describe(e, bounds, sizeof bounds);
	item_expected(it, "%s", bounds);
	item_seen(it, "%llu", (unsigned long long)f->frames);
	item_margin(it, VERDICT_COUNT, bounds_margin(e, (double)f->frames));
	item_set(it, bounds_hold(e, (double)f->frames), "frames: expected %s, "
	    "saw %llu", bounds, (unsigned long long)f->frames);
}

static void
judge_send_cycle(const struct scenario_expect *e, const struct facts *f,
    struct verdict_item *it)
{
	const struct hist *h = &f->send_intervals;
	double mean = hist_mean(h);
	int ok = 1;
	uint64_t jit = 0;
	double margin = INFINITY;
	char p[32], t[32], m[32], j[32], js[32], mn[32], mx[32];
	char want[160];

	if (h->count == 0) {
		item_seen(it, "no interval");
		item_set(it, 0, "send cycle: no interval between frames "
		    "(%llu frame%s)", (unsigned long long)f->frames,
		    plural(f->frames));
		return;
	}
	want[0] = '\0';
	if (e->period > 0) {
		if (fabs(mean - (double)e->period) > (double)e->tolerance)
			ok = 0;
		margin = (double)e->tolerance - fabs(mean - (double)e->period);
		snprintf(want, sizeof want, "mean %s ± %s",
		    format_duration(e->period, p, sizeof p),
		    format_duration(e->tolerance, t, sizeof t));
	}
	if (e->jitter_p99 > 0) {
		jit = hist_deviation_p99(h, (uint64_t)llround(mean));
		if (jit > e->jitter_p99)
			ok = 0;
		margin = fmin(margin, (double)e->jitter_p99 - (double)jit);
		snprintf(want + strlen(want), sizeof want - strlen(want),
		    "%sp99 jitter at most %s", want[0] ? ", " : "",
		    format_duration(e->jitter_p99, j, sizeof j));
	}
	format_measured((tc_us_t)llround(mean), m, sizeof m);
	format_measured(e->jitter_p99 > 0 ? jit :
	    hist_deviation_p99(h, (uint64_t)llround(mean)), js, sizeof js);
	item_expected(it, "%s", want);
	item_seen(it, "mean %s, p99 jitter %s", m, js);
	if (!isinf(margin))
		item_margin(it, VERDICT_US, margin);
	item_set(it, ok, "send cycle: expected %s, saw mean %s, p99 jitter "
	    "%s (%llu intervals, min %s, max %s)", want, m, js,
	    (unsigned long long)h->count,
	    format_measured(h->min, mn, sizeof mn),
	    format_measured(h->max, mx, sizeof mx));
}

/*
 * One connection's frames fitted to a grid. Each frame's slot is its time
 * since the connection's first frame divided by the client's own cycle,
 * rounded: a skipped cycle moves two slots, a frame late by most of a
 * cycle may share the next one's. The client's own cycle is the mean of
 * the intervals of about one period (half to one and a half): intervals
 * of a skipped cycle, a burst or a late frame and the next do not count.
 *
 * The period the client really keeps is the median of the slopes between
 * each frame and the frame half the connection's frames later: a frame
 * only ever comes late (the client's wake-up, the emulator's own turn),
 * by a little usually and now and then by many milliseconds on a loaded
 * machine, and a least-squares line would follow such a frame near either
 * end; the median does not. *slots is the span of slots covered (0 when
 * fewer than two frames); -1 when memory ran out.
 */
static int
cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return a < b ? -1 : a > b;
}

static int
fitted_period(const struct facts_times *ts, tc_us_t period, double *slots,
    double *fit)
{
	double own = 0, cycles = 0, iv, *k, *slope;
	size_t i, h, n = 0;

	*slots = 0;
	if (ts->n < 2)
		return 0;
	for (i = 1; i < ts->n; i++) {
		iv = (double)(ts->t[i] - ts->t[i - 1]);
		if (iv >= 0.5 * (double)period && iv <= 1.5 * (double)period) {
			own += iv;
			cycles++;
		}
	}
	own = cycles > 0 ? own / cycles : (double)period;
	k = malloc(ts->n * sizeof *k);
	slope = malloc(ts->n * sizeof *slope);
	if (k == NULL || slope == NULL) {
		free(k);
		free(slope);
		return -1;
	}
	for (i = 0; i < ts->n; i++)
		k[i] = floor((double)(ts->t[i] - ts->t[0]) / own + 0.5);
	h = ts->n / 2;
	for (i = 0; i + h < ts->n; i++)
		if (k[i + h] > k[i])
			slope[n++] = (double)(ts->t[i + h] - ts->t[i]) /
			    (k[i + h] - k[i]);
	if (n > 0) {
		qsort(slope, n, sizeof *slope, cmp_double);
		*fit = n % 2 ? slope[n / 2] :
		    (slope[n / 2 - 1] + slope[n / 2]) / 2;
		*slots = k[ts->n - 1];
	}
	free(k);
	free(slope);
	return 0;
}

static void
judge_send_drift(const struct scenario_expect *e, const struct facts *f,
    struct verdict_item *it)
{
	double slots = 0, all = 0, drift = 0, fit, per;
	size_t i, conns = 0;
	char p[32], t[32], d[32], m[32];

	format_duration(e->period, p, sizeof p);
	format_duration(e->tolerance, t, sizeof t);
	item_expected(it, "at most %s from a %s grid", t, p);
	for (i = 0; i < f->frame_times.n; i++) {
		if (fitted_period(&f->frame_times.conn[i], e->period, &slots,
		    &fit) != 0) {
			item_set(it, 0, "send drift: out of memory, cannot "
			    "be judged");
			return;
		}
		if (slots < 1)
			continue;
		/* How far its grid walked from the ideal one while it lasted. */
		drift += (fit - (double)e->period) * slots;
		all += slots;
		conns++;
	}
	if (all == 0) {
		item_set(it, 0, "send drift: expected at most %s from a %s "
		    "grid, saw no two frames on one connection (%llu frame%s)",
		    t, p, (unsigned long long)f->frames, plural(f->frames));
		return;
	}
	per = (double)e->period + drift / all;
	snprintf(d, sizeof d, "%s%.3fms", drift < 0 ? "-" : "+",
	    fabs(drift) / 1000.0);
	snprintf(m, sizeof m, "%.3fms", per / 1000.0);
	item_seen(it, "%s over the run", d);
	item_margin(it, VERDICT_US, (double)e->tolerance - fabs(drift));
	item_set(it, fabs(drift) <= (double)e->tolerance, "send drift: "
	    "expected at most %s from a %s grid over the run, saw %s "
	    "(fitted period %s, %+.3f %%, over %.0f cycles on %zu "
	    "connection%s)", t, p, d, m,
	    100.0 * drift / (all * (double)e->period), all, conns,
	    plural(conns));
}

static void
judge_no_burst(const struct scenario_expect *e, const struct facts *f,
    struct verdict_item *it)
{
	const struct facts_times *ts;
	size_t c, i, j, most = 0, n;
	tc_us_t from = 0, to = 0, window = e->period - e->period / 10;
	char p[32], a[32], b[32];

	format_duration(e->period, p, sizeof p);
	/*
	 * The most frames of one connection in any window [t, t + window)
	 * that starts at a frame. The window is nine tenths of a period: a
	 * frame on its cycle with some jitter is no second frame in it, so
	 * that a steady client counts one and its margin says so.
	 */
	for (c = 0; c < f->frame_times.n; c++) {
		ts = &f->frame_times.conn[c];
		for (i = 0, j = 0; i < ts->n; i++) {
			if (j < i)
				j = i;
			while (j < ts->n && ts->t[j] - ts->t[i] < window)
				j++;
			n = j - i;
			if (n > most) {
				most = n;
				from = ts->t[i];
				to = ts->t[j - 1];
			}
		}
	}
	item_expected(it, "at most %lld frames in any %s",
	    (long long)e->at_most, p);
	item_seen(it, "%zu", most);
	item_margin(it, VERDICT_COUNT, (double)e->at_most - (double)most);
	if (most <= (uint64_t)e->at_most) {
		item_set(it, 1, "no burst: expected at most %lld frames in "
		    "any %s of a connection, saw at most %zu",
		    (long long)e->at_most, p, most);
		return;
	}
	item_set(it, 0, "no burst: expected at most %lld frames in any %s "
	    "of a connection, saw a burst of %zu from %s to %s (catch-up "
	    "frames)", (long long)e->at_most, p, most,
	    format_at(from, a, sizeof a), format_at(to, b, sizeof b));
}

static void
judge_startup(const struct scenario_expect *e, const struct facts *f,
    struct verdict_item *it)
{
	char w[32], a[32];

	format_duration(e->within, w, sizeof w);
	item_expected(it, "first connection within %s", w);
	if (!f->connected) {
		item_seen(it, "none");
		item_set(it, 0, "startup: expected a first connection within "
		    "%s, saw none", w);
		return;
	}
	item_seen(it, "%s", format_measured(f->t0, a, sizeof a));
	item_margin(it, VERDICT_US, (double)e->within - (double)f->t0);
	item_set(it, f->t0 <= e->within, "startup: expected a first "
	    "connection within %s, saw it at %s", w,
	    format_at(f->t0, a, sizeof a));
}

/* ---- expectations judged from the client ---- */

static void
skip_ws(const char **p, const char *end)
{
	while (*p < end && (**p == ' ' || **p == '\t' || **p == '\n' ||
	    **p == '\r'))
		(*p)++;
}

/* Skips a string, *p on its opening quote. */
static int
skip_string(const char **p, const char *end)
{
	for ((*p)++; *p < end; (*p)++) {
		if (**p == '\\') {
			(*p)++;
			continue;
		}
		if (**p == '"') {
			(*p)++;
			return 0;
		}
	}
	return -1;
}

static int skip_value(const char **p, const char *end, int depth);

/* Skips an object or an array, *p on its opening bracket. */
static int
skip_container(const char **p, const char *end, int depth)
{
	char close = **p == '{' ? '}' : ']';
	int object = close == '}';

	if (depth > JSON_MAX_DEPTH)
		return -1;
	(*p)++;
	skip_ws(p, end);
	if (*p < end && **p == close) {
		(*p)++;
		return 0;
	}
	for (;;) {
		if (object) {
			skip_ws(p, end);
			if (*p >= end || **p != '"' || skip_string(p, end) < 0)
				return -1;
			skip_ws(p, end);
			if (*p >= end || **p != ':')
				return -1;
			(*p)++;
		}
		if (skip_value(p, end, depth + 1) < 0)
			return -1;
		skip_ws(p, end);
		if (*p >= end)
			return -1;
		if (**p == close) {
			(*p)++;
			return 0;
		}
		if (**p != ',')
			return -1;
		(*p)++;
	}
}

static int
skip_value(const char **p, const char *end, int depth)
{
	skip_ws(p, end);
	if (*p >= end)
		return -1;
	if (**p == '"')
		return skip_string(p, end);
	if (**p == '{' || **p == '[')
		return skip_container(p, end, depth);
	/* A number or a literal: up to the next delimiter. */
	while (*p < end && strchr(",}] \t\r\n", **p) == NULL)
		(*p)++;
	return 0;
}

/*
 * Moves *p, on an object's '{', to the value of member `key` (`keylen`
 * bytes). 1 found, 0 absent, -1 not JSON.
 */
static int
object_find(const char **p, const char *end, const char *key, size_t keylen)
{
	const char *k;
	size_t klen;

	(*p)++;
	for (;;) {
		skip_ws(p, end);
		if (*p < end && **p == '}')
			return 0;
		if (*p >= end || **p != '"')
			return -1;
		k = *p + 1;
		if (skip_string(p, end) < 0)
			return -1;
		klen = (size_t)(*p - 1 - k);	/* before the closing quote */
		skip_ws(p, end);
		if (*p >= end || **p != ':')
			return -1;
		(*p)++;
		skip_ws(p, end);
		if (klen == keylen && memcmp(k, key, keylen) == 0)
			return 1;
		if (skip_value(p, end, 1) < 0)
			return -1;
		skip_ws(p, end);
		if (*p < end && **p == ',') {
			(*p)++;
			continue;
		}
		if (*p < end && **p == '}')
			return 0;
		return -1;
	}
}

/* Reads the number (or true/false) at *p. */
static int
read_number(const char *p, const char *end, double *out)
{
	char tok[64], *stop;
	size_t n = 0;

	if (end - p >= 4 && memcmp(p, "true", 4) == 0) {
		*out = 1;
		return 0;
	}
	if (end - p >= 5 && memcmp(p, "false", 5) == 0) {
		*out = 0;
		return 0;
	}
	while (p + n < end && n < sizeof tok - 1 &&
	    strchr("-+0123456789.eE", p[n]) != NULL)
		n++;
	if (n == 0 || n == sizeof tok - 1)
		return -1;
	memcpy(tok, p, n);
	tok[n] = '\0';
	errno = 0;
	*out = strtod(tok, &stop);
	return *stop == '\0' && errno == 0 ? 0 : -1;
}

int
expect_stats_number(const char *json, size_t len, const char *name,
    double *out, char *err, size_t errlen)
{
	const char *p = json, *end = json + len, *part = name, *dot;
	size_t partlen;
	int r;

	for (;;) {
		skip_ws(&p, end);
		if (p >= end || *p != '{') {
			snprintf(err, errlen, "no \"%s\" in the client's "
			    "stats (not an object on the way)", name);
			return -1;
		}
		dot = strchr(part, '.');
		partlen = dot != NULL ? (size_t)(dot - part) : strlen(part);
		r = object_find(&p, end, part, partlen);
		if (r < 0) {
			snprintf(err, errlen, "the client's stats are not "
			    "valid JSON");
			return -1;
		}
		if (r == 0) {
			snprintf(err, errlen, "no \"%s\" in the client's "
			    "stats", name);
			return -1;
		}
		if (dot == NULL)
			break;
		part = dot + 1;
	}
	if (read_number(p, end, out) < 0) {
		snprintf(err, errlen, "\"%s\" in the client's stats is not "
		    "a number", name);
		return -1;
	}
	return 0;
}

static void
format_number(double v, char *buf, size_t len)
{
	if (v == floor(v) && fabs(v) < 9e15)
		snprintf(buf, len, "%.0f", v);
	else
		snprintf(buf, len, "%g", v);
}

static void
judge_counter(const struct scenario_expect *e, const struct facts *f,
    struct verdict_item *it)
{
	struct scenario_expect injected;
	char bounds[64], seen[32], why[256];
	double value;

	if (!f->client_ran) {
		it->judged = 0;
		item_set(it, 1, "counter %s: not judged, the client was not "
		    "started by plcsim", e->name);
		return;
	}
	/* The player read the file when the client stopped, or says why not. */
	if (f->stats_json == NULL) {
		item_set(it, 0, "counter %s: %s", e->name,
		    f->stats_error[0] != '\0' ? f->stats_error :
		    "no stats file was asked of the client");
		return;
	}
	if (expect_stats_number(f->stats_json, f->stats_len, e->name, &value,
	    why, sizeof why) < 0) {
		item_set(it, 0, "counter %s: %s", e->name, why);
		return;
	}
	format_number(value, seen, sizeof seen);
	item_seen(it, "%s", seen);
	if (e->equals_injected) {
		injected = *e;
		injected.has_equals = 1;
		injected.equals = (int64_t)f->injected_mismatches;
		item_expected(it, "= %llu (injected)",
		    (unsigned long long)f->injected_mismatches);
		item_margin(it, VERDICT_COUNT, bounds_margin(&injected, value));
		item_set(it, bounds_hold(&injected, value), "counter %s: "
		    "expected = %llu (injected), saw %s", e->name,
		    (unsigned long long)f->injected_mismatches, seen);
		return;
	}
	bounds_describe(e, bounds, sizeof bounds);
	item_expected(it, "%s", bounds);
	item_margin(it, VERDICT_COUNT, bounds_margin(e, value));
	item_set(it, bounds_hold(e, value), "counter %s: expected %s, saw %s",
	    e->name, bounds, seen);
}

static void
judge_exit_code(const struct scenario_expect *e, const struct facts *f,
    struct verdict_item *it)
{
	char bounds[64];

	if (!f->client_ran) {
		it->judged = 0;
		item_set(it, 1, "exit code: not judged, the client was not "
		    "started by plcsim");
		return;
	}
	bounds_describe(e, bounds, sizeof bounds);
	if (e->has_equals && !e->has_at_least && !e->has_at_most)
		snprintf(bounds, sizeof bounds, "%lld", (long long)e->equals);
	item_expected(it, "%s", bounds);
	item_seen(it, "%d", f->client_status);
	item_margin(it, VERDICT_COUNT, bounds_margin(e, f->client_status));
	if (f->client_status > 128 && f->client_status < 128 + 65) {
		item_set(it, bounds_hold(e, f->client_status), "exit code: "
		    "expected %s, saw %d (killed by signal %d)", bounds,
		    f->client_status, f->client_status - 128);
		return;
	}
	item_set(it, bounds_hold(e, f->client_status), "exit code: expected "
	    "%s, saw %d", bounds, f->client_status);
}

/* ---- the verdict ---- */

static int
judged_on_wire(enum scenario_expect_kind kind)
{
	return kind != EXPECT_COUNTER && kind != EXPECT_EXIT_CODE &&
	    kind != EXPECT_STARTUP;
}

static void
judge_one(const struct scenario *sc, const struct scenario_expect *e,
    const struct facts *f, struct verdict_item *it)
{
	it->e = e;
	it->judged = 1;
	/* Without a connection the wire says nothing: silence is no proof. */
	if (!f->connected && judged_on_wire(e->kind)) {
		item_set(it, 0, "%s: not judged, no client connected",
		    scenario_expect_name(e->kind));
		return;
	}
	switch (e->kind) {
	case EXPECT_LIFE_BIT_PERIOD:
		judge_life_bit_period(e, f, it);
		break;
	case EXPECT_LIFE_BIT_SILENT:
		judge_life_bit_silent(f, it);
		break;
	case EXPECT_WATCHDOG_QUIET:
		judge_watchdog_quiet(sc, e, f, it);
		break;
	case EXPECT_RECONNECT:
		judge_reconnect(e, f, it);
		break;
	case EXPECT_FRAMES:
		judge_frames(e, f, it);
		break;
	case EXPECT_SEND_CYCLE:
		judge_send_cycle(e, f, it);
		break;
	case EXPECT_STARTUP:
		judge_startup(e, f, it);
		break;
	case EXPECT_SEND_DRIFT:
		judge_send_drift(e, f, it);
		break;
	case EXPECT_NO_BURST:
		judge_no_burst(e, f, it);
		break;
	case EXPECT_WATCHDOG_FIRES:
		judge_watchdog_fires(sc, f, it);
		break;
	case EXPECT_COUNTER:
		judge_counter(e, f, it);
		break;
	case EXPECT_EXIT_CODE:
		judge_exit_code(e, f, it);
		break;
	case EXPECT_LIFE_BIT_MAX_GAP:
		judge_life_bit_max_gap(e, f, it);
		break;
	case EXPECT_LIFE_BIT_DUTY:
		judge_life_bit_duty(e, f, it);
		break;
	default:
		item_set(it, 0, "unknown expectation kind %d", (int)e->kind);
		break;
	}
}

/* The run itself fails when the client never connected or misbehaved. */
static int
judge_run(const struct scenario *sc, const struct facts *f,
    struct verdict_item *it)
{
	char t[32];

	it->e = NULL;
	it->judged = 1;
	if (facts_lost(f) > 0) {
		item_set(it, 0, "out of memory: %zu fact%s of the run could "
		    "not be recorded, so it cannot be judged", facts_lost(f),
		    plural(facts_lost(f)));
		return 1;
	}
	if (f->client_reason != NULL) {
		item_set(it, 0, "%s", f->client_reason);
		return 1;
	}
	if (!f->connected && !f->client_ran) {
		/* Serving a client started elsewhere: no start-up timer ran. */
		item_set(it, 0, "no client connected before the run ended");
		return 1;
	}
	if (!f->connected) {
		item_set(it, 0, "client never connected within %s",
		    format_duration(sc->startup_timeout, t, sizeof t));
		return 1;
	}
	/* client.stats: true is a promise the client must keep. */
	if (sc->client.stats && f->client_ran && f->stats_json == NULL) {
		item_set(it, 0, "the client wrote no stats (client.stats is "
		    "true): %s", f->stats_error[0] != '\0' ? f->stats_error :
		    "none was asked of it");
		return 1;
	}
	return 0;
}

int
expect_judge(const struct scenario *sc, const struct facts *f,
    struct verdict *v)
{
	tc_us_t all, from;
	size_t i;

	memset(v, 0, sizeof *v);
	v->items = calloc(sc->nexpects + 1, sizeof *v->items);
	if (v->items == NULL)
		return -1;
	if (judge_run(sc, f, &v->items[0]))
		v->nitems++;
	for (i = 0; i < sc->nexpects; i++)
		judge_one(sc, &sc->expects[i], f, &v->items[v->nitems++]);
	/* How close the watchdog came, whatever the expectations; what the
	 * faults explain apart, or a passing pause would read as a failure. */
	if (sc->plc.watchdog > 0 && f->connected) {
		v->watchdog = sc->plc.watchdog;
		v->longest_silence = longest_silence(sc, f, 1,
		    &v->silence_from);
		all = longest_silence(sc, f, 0, &from);
		if (all > v->longest_silence) {
			v->fault_silence = all;
			v->fault_silence_from = from;
		}
	}
	for (i = 0; i < v->nitems; i++)
		if (!v->items[i].passed)
			v->nfailed++;
	return (int)v->nfailed;
}

const char *
verdict_unit_name(enum verdict_unit unit)
{
	switch (unit) {
	case VERDICT_US:
		return "us";
	case VERDICT_COUNT:
		return "count";
	case VERDICT_PERCENT:
		return "percent";
	default:
		return NULL;
	}
}

/* "2.971ms", "120ms": milliseconds to the microsecond, no trailing 0. */
static void
margin_ms(tc_us_t us, char *buf, size_t len)
{
	char *end;

	snprintf(buf, len, "%.3f", (double)us / TC_US_PER_MS);
	end = buf + strlen(buf);
	while (end > buf && end[-1] == '0')
		end--;
	if (end > buf && end[-1] == '.')
		end--;
	snprintf(end, len - (size_t)(end - buf), "ms");
}

const char *
verdict_margin_text(const struct verdict_item *it, char *buf, size_t len)
{
	double m = it->margin;
	tc_us_t us;

	buf[0] = '\0';
	switch (it->unit) {
	case VERDICT_US:
		/* To the microsecond below a second: a margin of 2.971ms is
		 * not 3ms. */
		us = (tc_us_t)llround(fabs(m));
		snprintf(buf, len, "%s", m <= -0.5 ? "-" : "");
		if (us >= TC_US_PER_MS && us < TC_US_PER_SEC)
			margin_ms(us, buf + strlen(buf), len - strlen(buf));
		else
			format_measured(us, buf + strlen(buf),
			    len - strlen(buf));
		break;
	case VERDICT_COUNT:
		format_number(m, buf, len);
		break;
	case VERDICT_PERCENT:
		snprintf(buf, len, "%.2f%%", m);
		break;
	default:
		break;
	}
	return buf;
}

void
verdict_free(struct verdict *v)
{
	free(v->items);
	memset(v, 0, sizeof *v);
}
