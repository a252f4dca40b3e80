/* plcjudge: the real PLC behind a proxy, judged; see plcjudge.h. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "plc.h"
#include "plcjudge.h"

/* Round trips needed before a cycle is estimated. */
#define PLCJUDGE_MIN_RTTS 20
/* The share (1/N) of the lower bound a usual cycle may lie under it. */
#define PLCJUDGE_SLACK 32
/* A PLC whose round trips stay below this answers at once. */
#define PLCJUDGE_AT_ONCE_US 300

/* Task cycles as people set them, in us. */
static const tc_us_t plcjudge_usual[] = {
	1000, 2000, 5000, 10000, 20000, 25000, 50000, 100000, 200000,
	250000, 500000, 1000000,
};

static const char *const plcjudge_model_keys[] = {
	[PLC_KEY_CYCLE] = "its task cycle",
	[PLC_KEY_MAX_CLIENTS] = "how many clients it serves",
	[PLC_KEY_RELISTEN] = "its error path",
	[PLC_KEY_RECV_TIMEOUT] = "its receive timeout",
};

static const char *const plcjudge_key_names[PLC_KEY_MAX] = {
	"cycle", "length", "max_clients", "relisten", "watchdog",
	"recv_timeout",
};

/* Where the lines of plcjudge_applies go: a stream, or a buffer. */
struct applies_sink {
	FILE	*out;
	char	*buf;
	size_t	 len, n;
	int	 lines;
};

static void
applies_line(struct applies_sink *k, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
applies_line(struct applies_sink *k, const char *fmt, ...)
{
	va_list ap;
	int w;

	va_start(ap, fmt);
	if (k->out != NULL) {
		vfprintf(k->out, fmt, ap);
		fputc('\n', k->out);
	} else if (k->n < k->len) {
		w = vsnprintf(k->buf + k->n, k->len - k->n, fmt, ap);
		if (w > 0)
			k->n += (size_t)w < k->len - k->n ? (size_t)w :
			    k->len - k->n - 1;
		if (k->n + 1 < k->len) {
			k->buf[k->n++] = '\n';
			k->buf[k->n] = '\0';
		}
	}
	va_end(ap);
	k->lines++;
}

static int
applies(const struct scenario *sc, struct applies_sink *k)
{
	size_t i;

	if (k->buf != NULL && k->len > 0)
		k->buf[0] = '\0';
	for (i = 0; i < PLC_KEY_MAX; i++) {
		if (sc->plc.line[i] == 0 ||
		    i >= sizeof plcjudge_model_keys /
		    sizeof plcjudge_model_keys[0] ||
		    plcjudge_model_keys[i] == NULL)
			continue;
		applies_line(k, "%s:%d: plc.%s cannot apply in front of a "
		    "real PLC: it models %s, and the real PLC has its own",
		    sc->file, sc->plc.line[i], plcjudge_key_names[i],
		    plcjudge_model_keys[i]);
	}
	for (i = 0; i < sc->nactions; i++)
		if (sc->actions[i].kind == ACTION_PLC_CYCLE)
			applies_line(k, "%s:%d: plc_cycle cannot apply in front "
			    "of a real PLC: its task cycle is its own", sc->file,
			    sc->actions[i].line);
	/* One line each: the last newline is the caller's to print. */
	if (k->buf != NULL && k->n > 0 && k->buf[k->n - 1] == '\n')
		k->buf[--k->n] = '\0';
	return k->lines;
}

int
plcjudge_applies(const struct scenario *sc, char *err, size_t errlen)
{
	struct applies_sink k = { NULL, err, errlen, 0, 0 };

	return applies(sc, &k);
}

int
plcjudge_refuse(const struct scenario *sc, FILE *out)
{
	struct applies_sink k = { out, NULL, 0, 0, 0 };

	return applies(sc, &k);
}

/* ---- the verdict ---- */

static void
item(struct verdict_item *it, int passed, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
item(struct verdict_item *it, int passed, const char *fmt, ...)
{
	va_list ap;

	memset(it, 0, sizeof *it);
	it->plc = 1;
	it->judged = 1;
	it->passed = passed;
	va_start(ap, fmt);
	vsnprintf(it->message, sizeof it->message, fmt, ap);
	va_end(ap);
}

static const char *
plural(uint64_t n)
{
	return n == 1 ? "" : "s";
}

#define PLCJUDGE_ITEMS 3

int
plcjudge_verdict(const struct facts *f, int length_bits, struct verdict *v)
{
	const struct facts_plc *p = &f->plc;
	struct verdict_item *items, *it;
	static const char pre[] = "not judged, the PLC failed: ";
	char d[4][32];
	size_t i, failed = 0, pl = sizeof pre - 1, ml;

	if (!p->proxied)
		return 0;
	v->plc = p;
	v->plc_length = length_bits;
	items = realloc(v->items, (v->nitems + PLCJUDGE_ITEMS) *
	    sizeof *items);
	if (items == NULL)
		return -1;
	v->items = items;
	it = &items[v->nitems];
	/* 1: the echoes are the frames. */
	item(&it[0], p->mismatches == 0 && p->unasked == 0,
	    "PLC echoes: %llu of %llu unlike their frame, %llu not asked "
	    "for%s%s", (unsigned long long)p->mismatches,
	    (unsigned long long)p->echoes, (unsigned long long)p->unasked,
	    p->mismatches + p->unasked > 0 ? "; " : "",
	    p->mismatches + p->unasked > 0 ? p->first[FACTS_PLC_ECHOES] : "");
	/* 2: in time. */
	format_duration(p->late_after, d[0], sizeof d[0]);
	format_duration(hist_quantile(&p->rtt, 0.5), d[1], sizeof d[1]);
	format_duration(hist_quantile(&p->rtt, 0.99), d[2], sizeof d[2]);
	format_duration(p->rtt.max, d[3], sizeof d[3]);
	item(&it[1], p->late == 0 && p->silent == 0, "PLC round trips: %llu "
	    "later than %s, %llu connection%s ended with an echo owed "
	    "longer (p50 %s, p99 %s, max %s over %llu)%s%s",
	    (unsigned long long)p->late, d[0], (unsigned long long)p->silent,
	    plural(p->silent), d[1], d[2], d[3],
	    (unsigned long long)p->rtt.count,
	    p->late + p->silent > 0 ? "; " : "",
	    p->late + p->silent > 0 ? p->first[FACTS_PLC_TIMING] : "");
	/* 3: the link. */
	item(&it[2], p->unreachable == 0 && p->closed == 0, "PLC link: %llu "
	    "connection%s not taken, %llu closed or reset by the PLC "
	    "(%llu taken after refusals for up to 1s, its error path, "
	    "which is its design)%s%s",
	    (unsigned long long)p->unreachable, plural(p->unreachable),
	    (unsigned long long)p->closed,
	    (unsigned long long)p->refused_restarting,
	    p->unreachable + p->closed > 0 ? "; " : "",
	    p->unreachable + p->closed > 0 ? p->first[FACTS_PLC_LINK] :
	    "");
	for (i = 0; i < PLCJUDGE_ITEMS; i++)
		if (!it[i].passed)
			failed++;
	v->nitems += PLCJUDGE_ITEMS;
	v->nfailed += failed;
	v->nfailed_plc += failed;
	if (failed == 0)
		return 0;
	/* What failed on the client's side may be the PLC's doing. */
	for (i = 0; i < v->nitems; i++) {
		it = &v->items[i];
		if (it->plc || it->passed)
			continue;
		ml = strlen(it->message);
		if (ml > sizeof it->message - 1 - pl)
			ml = sizeof it->message - 1 - pl;
		memmove(it->message + pl, it->message, ml);
		memcpy(it->message, pre, pl);
		it->message[pl + ml] = '\0';
		it->passed = 1;
		it->judged = 0;
		v->nfailed--;
	}
	return 0;
}

/* ---- the cycle ---- */

/* A cycle as a person would set it: to 1 ms, or to 100 us below 2 ms. */
static tc_us_t
plcjudge_round(tc_us_t us)
{
	tc_us_t step = us >= 2000 ? 1000 : 100;

	return (us + step / 2) / step * step;
}

void
plcjudge_cycle(const struct hist *rtt, struct plcjudge_cycle *out)
{
	tc_us_t q10, q90, c;
	double d, best, mid;
	size_t i;

	memset(out, 0, sizeof *out);
	out->rtts = rtt->count;
	if (rtt->count < PLCJUDGE_MIN_RTTS)
		return;
	out->known = 1;
	/* The tenth and ninetieth percentiles: a PLC (or an emulator on a
	 * busy machine) late now and then must not move the range. */
	q10 = out->p10 = hist_quantile(rtt, 0.1);
	q90 = out->p90 = hist_quantile(rtt, 0.9);
	/* Most answers at once: a few slow ones (a busy host) aside. */
	if (hist_quantile(rtt, 0.5) < PLCJUDGE_AT_ONCE_US) {
		out->at_once = 1;
		return;
	}
	/* More than a cycle and at most two: the cycles that fit. */
	out->lo = q90 / 2;
	out->hi = q10;
	/* Spread over more than an octave: no one task cycle makes that,
	 * and there is no range to give (it would be upside down). */
	if (out->lo - out->lo / PLCJUDGE_SLACK > out->hi) {
		out->lo = out->hi = 0;
		return;
	}
	out->fits = 1;
	/*
	 * Of the cycles people set, the one nearest the middle that fits;
	 * else one that gives round trips about the ones seen.
	 */
	out->cycle = plcjudge_round((q10 + q90) / 3);
	/* Nearest the range's middle on a log scale (the range is up to an
	 * octave): the same ratio either way counts the same. */
	best = HUGE_VAL;
	mid = sqrt((double)out->lo * (double)out->hi);
	for (i = 0; i < sizeof plcjudge_usual / sizeof plcjudge_usual[0];
	    i++) {
		c = plcjudge_usual[i];
		/* Round trips carry the network's and the loops' delay on
		 * top of the cycles: a usual cycle a few per cent under the
		 * range still fits (19.9 ms round trips of a 10 ms PLC). */
		if (c < out->lo - out->lo / PLCJUDGE_SLACK || c > out->hi)
			continue;
		/* TwinCAT's default, when it fits, before any other. */
		d = c == PLC_DEFAULT_CYCLE_US ? -1 : fabs(log((double)c / mid));
		if (d < best) {
			best = d;
			out->cycle = c;
			out->usual = 1;
		}
	}
}

void
plcjudge_text(FILE *out, const struct facts_plc *p, int length_bits,
    const struct verdict *v)
{
	struct plcjudge_cycle c;
	char d[6][32];
	size_t i;

	/* What the client is not blamed for, said rather than hidden. */
	for (i = 0; v != NULL && v->nfailed_plc > 0 && i < v->nitems; i++) {
		if (v->items[i].plc || v->items[i].judged)
			continue;
		fputs("plc: not blamed on the client: ", out);
		if (v->items[i].e != NULL)
			fprintf(out, "line %d: ", v->items[i].e->line);
		fprintf(out, "%s\n", v->items[i].message);
	}

	format_duration(p->rtt.count ? p->rtt.min : 0, d[0], sizeof d[0]);
	format_duration(hist_quantile(&p->rtt, 0.5), d[1], sizeof d[1]);
	format_duration(hist_quantile(&p->rtt, 0.99), d[2], sizeof d[2]);
	format_duration(p->rtt.max, d[3], sizeof d[3]);
	fprintf(out, "plc: frames=%llu echoes=%llu mismatches=%llu late=%llu "
	    "unasked=%llu silent=%llu unreachable=%llu closed=%llu "
	    "refused_restarting=%llu\n", (unsigned long long)p->frames,
	    (unsigned long long)p->echoes, (unsigned long long)p->mismatches,
	    (unsigned long long)p->late, (unsigned long long)p->unasked,
	    (unsigned long long)p->silent, (unsigned long long)p->unreachable,
	    (unsigned long long)p->closed,
	    (unsigned long long)p->refused_restarting);
	fprintf(out, "plc: round trips n=%llu min=%s p50=%s p99=%s max=%s\n",
	    (unsigned long long)p->rtt.count, d[0], d[1], d[2], d[3]);
	plcjudge_cycle(&p->rtt, &c);
	if (!c.known) {
		fprintf(out, "plc: task cycle not estimated: %llu round trips, "
		    "at least %d are needed\n", (unsigned long long)c.rtts,
		    PLCJUDGE_MIN_RTTS);
		return;
	}
	if (!c.at_once && !c.fits) {
		fprintf(out, "plc: task cycle not estimated: %s (p10 %s, "
		    "p90 %s): no one task cycle makes that, no settings to "
		    "emulate it\n", PLCJUDGE_SPREAD,
		    format_duration(c.p10, d[4], sizeof d[4]),
		    format_duration(c.p90, d[5], sizeof d[5]));
		return;
	}
	if (c.at_once)
		fputs("plc: answers at once (most round trips under "
		    "300us): no task cycle to emulate\n", out);
	else
		fprintf(out, "plc: task cycle between %s and %s%s\n",
		    format_duration(c.lo, d[4], sizeof d[4]),
		    format_duration(c.hi, d[5], sizeof d[5]), c.usual ?
		    ", likely the usual setting below" : "");
	fprintf(out, "plc: to emulate it: plcsim serve --cycle %s --length "
	    "%d\n", c.at_once ? "0" : format_duration(c.cycle, d[4],
	    sizeof d[4]), length_bits);
}

void
plcjudge_json(FILE *out, const struct facts_plc *p, int length_bits)
{
	const struct hist *h = &p->rtt;
	struct plcjudge_cycle c;

	plcjudge_cycle(h, &c);
	fprintf(out, "{\"frames\": %llu, \"echoes\": %llu, "
	    "\"mismatches\": %llu, \"late\": %llu, \"unasked\": %llu, "
	    "\"silent\": %llu, \"unreachable\": %llu, \"closed\": %llu, "
	    "\"refused_restarting\": %llu, \"late_after_us\": %llu",
	    (unsigned long long)p->frames, (unsigned long long)p->echoes,
	    (unsigned long long)p->mismatches, (unsigned long long)p->late,
	    (unsigned long long)p->unasked, (unsigned long long)p->silent,
	    (unsigned long long)p->unreachable, (unsigned long long)p->closed,
	    (unsigned long long)p->refused_restarting,
	    (unsigned long long)p->late_after);
	fprintf(out, ", \"rtt_us\": {\"count\": %llu", (unsigned long long)
	    h->count);
	if (h->count > 0)
		fprintf(out, ", \"min\": %llu, \"p10\": %llu, \"p50\": %llu, "
		    "\"p90\": %llu, \"p99\": %llu, \"max\": %llu",
		    (unsigned long long)h->min,
		    (unsigned long long)hist_quantile(h, 0.1),
		    (unsigned long long)hist_quantile(h, 0.5),
		    (unsigned long long)hist_quantile(h, 0.9),
		    (unsigned long long)hist_quantile(h, 0.99),
		    (unsigned long long)h->max);
	fputs("}, \"cycle\": ", out);
	if (!c.known)
		fputs("null", out);
	else if (!c.at_once && !c.fits)
		fprintf(out, "{\"at_once\": false, \"fits\": false, "
		    "\"lo_us\": null, \"hi_us\": null, \"estimate_us\": null, "
		    "\"not_estimated\": \"%s\"}", PLCJUDGE_SPREAD);
	else
		fprintf(out, "{\"at_once\": %s, \"fits\": %s, \"lo_us\": "
		    "%llu, \"hi_us\": %llu, \"estimate_us\": %llu}",
		    c.at_once ? "true" : "false", c.fits ? "true" : "false",
		    (unsigned long long)c.lo,
		    (unsigned long long)c.hi, (unsigned long long)c.cycle);
	fprintf(out, ", \"length_bits\": %d}", length_bits);
}
