/* chart: a run's timeline as inline SVG; see chart.h. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "chart.h"
#include "parse.h"
#include "report.h"

#define LABEL_W		180	/* the row names, left of the plot */
#define PLOT_X		LABEL_W
#define WIDTH		(LABEL_W + CHART_COLUMNS + 12)
#define AXIS_H		22
#define ROW_H		16
#define ROW_GAP		4
#define BAND_H		(ROW_H / FACTS_ECHO_MAX)
#define MS		TC_US_PER_MS
#define SEC		TC_US_PER_SEC

/* The fixed rows below the fault rows, in drawing order. */
enum chart_fixed {
	ROW_LINK = 0, ROW_END, ROW_ECHO, ROW_EDGE, ROW_WATCHDOG, ROW_FIXED
};

/* One row of columns: how many things fell in each. */
struct chart_row {
	uint32_t	n[CHART_COLUMNS];
	uint64_t	total;		/* things marked in the row */
	int		merged;		/* a column holds more than one */
};

struct chart {
	const struct scenario *sc;
	const struct facts    *f;
	tc_us_t		       axis;	/* the time the last column ends at */
	tc_us_t		       end;	/* the run's end, since time 0 */
	struct chart_row      *fault;	/* one per action, file order */
	struct chart_row       fixed[ROW_FIXED];
	struct chart_row       echo[FACTS_ECHO_MAX];
};

static unsigned
chart_col(const struct chart *c, tc_us_t t)
{
	uint64_t col;

	if (t >= c->axis)
		return CHART_COLUMNS - 1;
	col = (uint64_t)((long double)t * CHART_COLUMNS / c->axis);
	return col < CHART_COLUMNS ? (unsigned)col : CHART_COLUMNS - 1;
}

/* One thing at `t`. */
static void
mark_point(const struct chart *c, struct chart_row *r, tc_us_t t)
{
	unsigned col = chart_col(c, t);

	if (r->n[col]++ > 0)
		r->merged = 1;
	r->total++;
}

/* Something lasting over [from, to]: every column it touches. */
static void
mark_span(const struct chart *c, struct chart_row *r, tc_us_t from,
    tc_us_t to, uint64_t count)
{
	unsigned a = chart_col(c, from), b = chart_col(c, to), i;

	for (i = a; i <= b; i++)
		r->n[i]++;
	r->total += count;
	if (count > (uint64_t)(b - a + 1))
		r->merged = 1;
}

static void
mark_times(const struct chart *c, struct chart_row *r,
    const struct facts_times *ts)
{
	size_t i;

	for (i = 0; i < ts->n; i++)
		if (ts->t[i] <= c->axis)
			mark_point(c, r, ts->t[i]);
}

/*
 * The faults as played (those started by events too): each up to its end,
 * or the run's.
 */
static int
mark_faults(struct chart *c)
{
	const struct facts_fault *ft;
	size_t i;
	tc_us_t to;

	for (i = 0; i < c->f->played.n; i++) {
		ft = &c->f->played.f[i];
		if (ft->from > c->end || ft->action >= c->sc->nactions)
			continue;
		to = ft->to < c->end ? ft->to : c->end;
		mark_span(c, &c->fault[ft->action], ft->from, to, 1);
	}
	return 0;
}

static void
mark_facts(struct chart *c)
{
	const struct facts *f = c->f;
	const struct facts_echo_run *er;
	size_t i;
	tc_us_t to;

	for (i = 0; i < f->links.n; i++) {
		to = f->links.w[i].to == FACTS_OPEN ? c->end : f->links.w[i].to;
		mark_span(c, &c->fixed[ROW_LINK], f->links.w[i].from, to, 1);
	}
	mark_times(c, &c->fixed[ROW_END], &f->disconnects);
	for (i = 0; i < f->echoes.n; i++) {
		er = &f->echoes.r[i];
		mark_span(c, &c->echo[er->status], er->from, er->to, er->count);
	}
	mark_times(c, &c->fixed[ROW_EDGE], &f->edges);
	mark_times(c, &c->fixed[ROW_WATCHDOG], &f->watchdogs);
}

/* ---- drawing ---- */

static void
put_text(FILE *out, const char *s)
{
	report_xml_escape(out, s, strlen(s));
}

/* The marked columns of a row as rectangles, one per run of columns. */
static void
draw_row(FILE *out, const struct chart *c, const struct chart_row *r,
    int y, int h, const char *cls)
{
	unsigned i = 0, j;
	char a[32], b[32];

	while (i < CHART_COLUMNS) {
		if (r->n[i] == 0) {
			i++;
			continue;
		}
		for (j = i; j + 1 < CHART_COLUMNS && r->n[j + 1] != 0; j++)
			;
		/* At least two units wide: one instant stays visible. */
		fprintf(out, "<rect class=\"%s\" x=\"%u\" y=\"%d\" "
		    "width=\"%u\" height=\"%d\"><title>", cls, PLOT_X + i, y,
		    j - i + 1 > 1 ? j - i + 1 : 2, h);
		format_at((tc_us_t)((long double)c->axis * i / CHART_COLUMNS),
		    a, sizeof a);
		format_at((tc_us_t)((long double)c->axis * (j + 1) /
		    CHART_COLUMNS), b, sizeof b);
		fprintf(out, "%s to %s</title></rect>\n", a, b);
		i = j + 1;
	}
}

static void
draw_label(FILE *out, int y, const char *text)
{
	fprintf(out, "<text class=\"c-label\" x=\"4\" y=\"%d\">", y + ROW_H -
	    4);
	put_text(out, text);
	fputs("</text>\n", out);
}

/* The first of the steps people count in that gives at most 8 ticks. */
static tc_us_t
axis_step(tc_us_t axis)
{
	static const tc_us_t steps[] = {
		1 * MS, 2 * MS, 5 * MS, 10 * MS, 20 * MS, 50 * MS, 100 * MS,
		200 * MS, 500 * MS, 1 * SEC, 2 * SEC, 5 * SEC, 10 * SEC,
		15 * SEC, 30 * SEC, 60 * SEC, 2 * 60 * SEC, 5 * 60 * SEC,
		10 * 60 * SEC, 15 * 60 * SEC, 30 * 60 * SEC, 3600 * SEC,
		2 * 3600 * SEC, 3 * 3600 * SEC, 6 * 3600 * SEC
	};
	size_t i;

	for (i = 0; i + 1 < sizeof steps / sizeof steps[0]; i++)
		if (axis / steps[i] <= 8)
			break;
	return steps[i];
}

/* "500ms", "30s", "10min", "2h". */
static const char *
axis_label(tc_us_t t, char *buf, size_t len)
{
	if (t >= 3600 * SEC && t % (3600 * SEC) == 0)
		snprintf(buf, len, "%lluh", (unsigned long long)(t /
		    (3600 * SEC)));
	else if (t >= 60 * SEC && t % (60 * SEC) == 0)
		snprintf(buf, len, "%llumin", (unsigned long long)(t /
		    (60 * SEC)));
	else
		format_duration(t, buf, len);
	return buf;
}

static void
draw_axis(FILE *out, const struct chart *c, int bottom)
{
	tc_us_t step = axis_step(c->axis), t;
	char d[32];
	unsigned x;

	for (t = 0; t <= c->axis; t += step) {
		x = PLOT_X + (unsigned)((long double)t * CHART_COLUMNS /
		    c->axis);
		fprintf(out, "<line class=\"c-grid\" x1=\"%u\" y1=\"%d\" "
		    "x2=\"%u\" y2=\"%d\"/>", x, AXIS_H - 6, x, bottom);
		fprintf(out, "<text class=\"c-tick\" x=\"%u\" y=\"%d\">%s"
		    "</text>\n", x, AXIS_H - 9, axis_label(t, d, sizeof d));
	}
}

static void
draw(FILE *out, const struct chart *c)
{
	static const char *const echo_cls[FACTS_ECHO_MAX] = {
		"c-ok", "c-shaped", "c-mismatch", "c-none"
	};
	static const char *const fixed_name[ROW_FIXED] = {
		"connection served", "connection ended", "echoes",
		"life-bit edges", "watchdog fired"
	};
	static const char *const fixed_cls[ROW_FIXED] = {
		"c-link", "c-end", "", "c-edge", "c-watchdog"
	};
	const struct scenario *sc = c->sc;
	char label[96];
	int rows = (int)sc->nactions + ROW_FIXED, y, height, k;
	unsigned x;

	height = AXIS_H + rows * (ROW_H + ROW_GAP);
	fprintf(out, "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" "
	    "viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"timeline\">\n",
	    WIDTH, height);
	draw_axis(out, c, height);
	y = AXIS_H;
	for (k = 0; k < (int)sc->nactions; k++, y += ROW_H + ROW_GAP) {
		snprintf(label, sizeof label, "%s (line %d)",
		    scenario_action_name(sc->actions[k].kind),
		    sc->actions[k].line);
		draw_label(out, y, label);
		draw_row(out, c, &c->fault[k], y, ROW_H, "c-fault");
	}
	for (k = 0; k < ROW_FIXED; k++, y += ROW_H + ROW_GAP) {
		draw_label(out, y, fixed_name[k]);
		if (k == ROW_ECHO) {
			int s;
			for (s = 0; s < FACTS_ECHO_MAX; s++)
				draw_row(out, c, &c->echo[s], y + s * BAND_H,
				    BAND_H, echo_cls[s]);
			continue;
		}
		draw_row(out, c, &c->fixed[k], y, ROW_H, fixed_cls[k]);
	}
	if (c->end < c->axis) {
		x = PLOT_X + chart_col(c, c->end);
		fprintf(out, "<rect class=\"c-after\" x=\"%u\" y=\"%d\" "
		    "width=\"%u\" height=\"%d\"><title>after the run ended"
		    "</title></rect>\n", x, AXIS_H, PLOT_X + CHART_COLUMNS - x,
		    height - AXIS_H);
	}
	fputs("</svg>\n", out);
}

/* ---- the caption ---- */

static void
caption_merged(FILE *out, const struct chart_row *r, const char *what,
    int *first)
{
	unsigned i, marks = 0;

	if (!r->merged)
		return;
	for (i = 0; i < CHART_COLUMNS; i++)
		marks += r->n[i] != 0;
	fprintf(out, "%s%llu %s in %u column%s", *first ? "" : ", ",
	    (unsigned long long)r->total, what, marks, marks == 1 ? "" : "s");
	*first = 0;
}

static void
caption(FILE *out, const struct chart *c)
{
	static const char *const echo_what[FACTS_ECHO_MAX] = {
		"ok", "delayed, split, merged or doubled", "altered (mismatch)",
		"none whole (the client times out)"
	};
	const struct facts *f = c->f;
	char d[4][32];
	int s, first = 1, any = 0;

	format_measured(f->t0, d[0], sizeof d[0]);
	format_measured(c->axis / CHART_COLUMNS > 0 ? c->axis / CHART_COLUMNS :
	    1, d[1], sizeof d[1]);
	format_at(c->end, d[2], sizeof d[2]);
	fprintf(out, "<figcaption>Time 0 is the first client connection, %s "
	    "after the emulated PLC started; the run ended at %s. One column "
	    "is %s. ", d[0], d[2], d[1]);
	fprintf(out, "%llu connection%s served, %llu ended; %llu life-bit "
	    "edge%s; %llu watchdog firing%s. Echoes: ",
	    (unsigned long long)f->links.n, f->links.n == 1 ? "" : "s",
	    (unsigned long long)f->disconnects.n,
	    (unsigned long long)f->edges.n, f->edges.n == 1 ? "" : "s",
	    (unsigned long long)f->watchdogs.n,
	    f->watchdogs.n == 1 ? "" : "s");
	for (s = 0; s < FACTS_ECHO_MAX; s++)
		fprintf(out, "%s<span class=\"key c-%s\"></span>%llu %s",
		    s > 0 ? ", " : "", facts_echo_name((enum facts_echo)s),
		    (unsigned long long)c->echo[s].total, echo_what[s]);
	fputs(".", out);
	for (s = 0; s < ROW_FIXED; s++)
		any |= c->fixed[s].merged;
	for (s = 0; s < FACTS_ECHO_MAX; s++)
		any |= c->echo[s].merged;
	if (any) {
		fputs(" <strong>Aggregated for display:</strong> where several "
		    "events fall in one column, one mark stands for them all "
		    "(", out);
		caption_merged(out, &c->fixed[ROW_END], "connection ends",
		    &first);
		caption_merged(out, &c->fixed[ROW_EDGE], "life-bit edges",
		    &first);
		caption_merged(out, &c->fixed[ROW_WATCHDOG],
		    "watchdog firings", &first);
		for (s = 0; s < FACTS_ECHO_MAX; s++)
			caption_merged(out, &c->echo[s], echo_what[s], &first);
		fputs("); every one of them is counted above.", out);
	}
	fputs("</figcaption>\n", out);
}

/* ---- the figure ---- */

static void
chart_free(struct chart *c)
{
	free(c->fault);
	free(c);
}

int
chart_write(FILE *out, const struct scenario *sc, const struct facts *f)
{
	struct chart *c;

	if (!f->connected) {
		fputs("<figure class=\"timeline\"><figcaption>No client "
		    "connected: there is no time 0 and nothing to draw."
		    "</figcaption></figure>\n", out);
		return 0;
	}
	if ((c = calloc(1, sizeof *c)) == NULL)
		return -1;
	c->fault = calloc(sc->nactions ? sc->nactions : 1, sizeof *c->fault);
	if (c->fault == NULL) {
		chart_free(c);
		return -1;
	}
	c->sc = sc;
	c->f = f;
	c->end = f->end;
	c->axis = sc->duration > f->end ? sc->duration : f->end;
	if (c->axis == 0)
		c->axis = 1;
	if (mark_faults(c) != 0) {
		chart_free(c);
		return -1;
	}
	mark_facts(c);
	fputs("<figure class=\"timeline\">\n", out);
	draw(out, c);
	caption(out, c);
	fputs("</figure>\n", out);
	chart_free(c);
	return 0;
}

/* The drawing's style, for the page that holds it. */
const char chart_css[] =
"svg.chart{width:100%;height:auto;font:11px sans-serif}\n"
".c-label{fill:#222}.c-tick{fill:#555;text-anchor:middle;font-size:10px}\n"
".c-grid{stroke:#ddd;stroke-width:1}\n"
".c-fault{fill:#f2a33a}.c-link{fill:#4a8f3c}.c-end{fill:#222}\n"
".c-edge{fill:#2b6cb0}.c-watchdog{fill:#c0392b}\n"
".c-ok{fill:#7bc96f}.c-shaped{fill:#f2c94c}.c-mismatch{fill:#c0392b}\n"
".c-none{fill:#6b2f8a}.c-after{fill:#999;fill-opacity:.25}\n"
".key{display:inline-block;width:.8em;height:.8em;margin:0 .25em 0 .1em;"
"vertical-align:-.05em}\n"
".key.c-ok{background:#7bc96f}.key.c-shaped{background:#f2c94c}\n"
".key.c-mismatch{background:#c0392b}.key.c-none{background:#6b2f8a}\n";
