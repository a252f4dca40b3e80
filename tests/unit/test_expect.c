/* test_expect: the judge (plcsim/expect.c) on hand-built facts. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "expect.h"

#define MS(x)	((tc_us_t)(x) * TC_US_PER_MS)
#define SEC(x)	((tc_us_t)(x) * TC_US_PER_SEC)

/* What each test judges: one scenario, its facts, their verdict. */
struct judged {
	struct scenario *sc;
	struct facts	*f;
	struct verdict	 v;
	char		*stats;		/* the client's stats text, or NULL */
};

static struct judged *
judged_new(const char *yaml)
{
	struct judged *j;
	char err[512];

	j = calloc(1, sizeof *j);
	assert_non_null(j);
	j->sc = scenario_parse(yaml, strlen(yaml), "t.yaml", err, sizeof err);
	if (j->sc == NULL)
		fail_msg("scenario refused: %s", err);
	j->f = malloc(sizeof *j->f);
	assert_non_null(j->f);
	facts_init(j->f);
	/* A healthy run by default: connected at time 0, ended cleanly. */
	j->f->connected = 1;
	j->f->t0 = MS(300);
	j->f->end = j->sc->duration;
	facts_add_time(&j->f->connects, 0);
	j->f->client_ran = 1;
	j->f->client_exited = 1;
	return j;
}

/* A run whose life bit still moved shortly before its end. */
static struct judged *
judged_with_last_edge(const char *yaml)
{
	struct judged *j = judged_new(yaml);

	facts_add_time(&j->f->edges, j->f->end - MS(200));
	return j;
}

/*
 * An interval of the life bit, after the last one: ending in a rising edge
 * and a falling one in turn (low, then high), as a toggled bit does.
 */
static void
add_interval(struct judged *j, tc_us_t len)
{
	struct facts_intervals *is = &j->f->intervals;
	tc_us_t end = (is->n > 0 ? is->v[is->n - 1].end : 0) + len;

	facts_add_interval(j->f, end, len, is->n % 2 == 0);
}

/* An interval to `bit` (1: rising, the bit was low for len). */
static void
add_interval_to(struct judged *j, tc_us_t len, int bit)
{
	struct facts_intervals *is = &j->f->intervals;
	tc_us_t end = (is->n > 0 ? is->v[is->n - 1].end : 0) + len;

	facts_add_interval(j->f, end, len, bit);
}

static void
judged_free(struct judged *j)
{
	free(j->stats);
	verdict_free(&j->v);
	scenario_free(j->sc);
	facts_free(j->f);
	free(j->f);
	free(j);
}

static int
judge(struct judged *j)
{
	verdict_free(&j->v);
	return expect_judge(j->sc, j->f, &j->v);
}

/* Hands `json` to the judge as the client's stats, as the player does. */
static void
write_stats(struct judged *j, const char *json)
{
	size_t n = strlen(json);

	free(j->stats);
	j->stats = malloc(n + 1);	/* cmocka's malloc, not strdup's */
	assert_non_null(j->stats);
	memcpy(j->stats, json, n + 1);
	j->f->stats_json = j->stats;
	j->f->stats_len = n;
	j->f->stats_error[0] = '\0';
}

static void
assert_contains(const char *text, const char *part)
{
	if (strstr(text, part) == NULL)
		fail_msg("\"%s\" does not contain \"%s\"", text, part);
}

/* How close item i came: its phrases, and its margin exactly. */
static void
assert_margin(const struct judged *j, size_t i, const char *expected,
    const char *seen, enum verdict_unit unit, double margin)
{
	const struct verdict_item *it = &j->v.items[i];

	assert_string_equal(it->expected, expected);
	assert_string_equal(it->seen, seen);
	assert_int_equal(it->unit, unit);
	if (it->margin != margin)
		fail_msg("margin %.17g, expected %.17g", it->margin, margin);
	/* Inside the bounds exactly when it passed. */
	assert_int_equal(it->passed, margin >= 0);
}

#define HEAD "name: t\nduration: 20s\n"

/* ---- life_bit_period ---- */

static const char life_period[] = HEAD
    "expectations:\n"
    "  - expect: life_bit_period\n"
    "    period: 500ms\n"
    "    tolerance: 5ms\n";

static void
test_life_bit_period_passes(void **state)
{
	struct judged *j = judged_with_last_edge(life_period);
	int i;

	(void)state;
	for (i = 0; i < 40; i++)
		add_interval(j, MS(500) + (i % 5) * 500);
	/* Two outliers out of 42 stay within the 5 % the quantile allows. */
	add_interval(j, MS(700));
	add_interval(j, MS(300));
	assert_int_equal(judge(j), 0);
	assert_int_equal(j->v.nitems, 1);
	assert_ptr_equal(j->v.items[0].e, &j->sc->expects[0]);
	assert_true(j->v.items[0].passed);
	assert_contains(j->v.items[0].message, "40 of 42 within");
	/*
	 * 40 of 42 (95 %, rounded up) must be within: the 40th closest is
	 * 2ms off, so 3ms of the tolerance were to spare. p5 is the 3rd
	 * shortest, p95 the 40th.
	 */
	assert_margin(j, 0, "500ms ± 5ms at 95%", "500ms … 502ms", VERDICT_US,
	    MS(3));
	judged_free(j);
}

static void
test_life_bit_period_fails_slow_toggle(void **state)
{
	struct judged *j = judged_with_last_edge(life_period);
	const char *m;
	int i;

	(void)state;
	for (i = 0; i < 30; i++)
		add_interval(j, MS(500));
	for (i = 0; i < 12; i++)
		add_interval(j, MS(612));
	add_interval(j, MS(1200));
	assert_int_equal(judge(j), 1);
	m = j->v.items[0].message;
	assert_false(j->v.items[0].passed);
	assert_contains(m, "expected intervals 500ms ± 5ms for 95% of them");
	assert_contains(m, "saw 30 of 43 within");
	assert_contains(m, "p95 = 612ms");	/* exactly */
	assert_contains(m, "max 1.2s");
	/* 41 of 43 needed: the 41st closest is 112ms off, 107ms too many. */
	assert_margin(j, 0, "500ms ± 5ms at 95%", "500ms … 612ms", VERDICT_US,
	    -(double)MS(107));
	judged_free(j);
}

static void
test_life_bit_period_needs_an_interval(void **state)
{
	struct judged *j = judged_new(life_period);

	(void)state;
	facts_add_time(&j->f->edges, MS(100));
	assert_int_equal(judge(j), 1);
	assert_contains(j->v.items[0].message, "saw no interval (1 edge)");
	judged_free(j);
}

static void
test_life_bit_period_lower_side(void **state)
{
	struct judged *j = judged_with_last_edge(life_period);
	int i;

	(void)state;
	/* Too fast is as wrong as too slow. */
	for (i = 0; i < 20; i++)
		add_interval(j, MS(250));
	assert_int_equal(judge(j), 1);
	assert_contains(j->v.items[0].message, "saw 0 of 20 within");
	assert_margin(j, 0, "500ms ± 5ms at 95%", "250ms … 250ms", VERDICT_US,
	    -(double)MS(245));
	judged_free(j);
}

/*
 * A watchdog that times both edges: the time low (intervals ending in a
 * rising edge) and the time high (ending in a falling one) judged apart.
 * A bit low 400ms and high 600ms toggles at 500ms on average.
 */
static void
test_life_bit_period_by_edge(void **state)
{
	struct judged *j = judged_with_last_edge(HEAD "expectations:\n"
	    "  - expect: life_bit_period\n    period: 400ms\n"
	    "    tolerance: 10ms\n    edge: rising\n"
	    "  - expect: life_bit_period\n    period: 400ms\n"
	    "    tolerance: 10ms\n    edge: falling\n"
	    "  - expect: life_bit_period\n    period: 400ms\n"
	    "    tolerance: 10ms\n");
	int i;

	(void)state;
	for (i = 0; i < 10; i++) {
		add_interval_to(j, MS(400) + 2000, 1);
		add_interval_to(j, MS(600), 0);
	}
	assert_int_equal(judge(j), 2);
	assert_int_equal(j->sc->expects[0].edge, EDGE_RISING);
	assert_int_equal(j->sc->expects[1].edge, EDGE_FALLING);
	assert_int_equal(j->sc->expects[2].edge, EDGE_ANY);
	assert_margin(j, 0, "400ms ± 10ms at 95%, rising edges",
	    "402ms … 402ms", VERDICT_US, MS(8));
	assert_contains(j->v.items[0].message, "life bit, intervals ending in "
	    "a rising edge (time low): expected intervals 400ms ± 10ms for "
	    "95% of them, saw 10 of 10 within");
	assert_margin(j, 1, "400ms ± 10ms at 95%, falling edges",
	    "600ms … 600ms", VERDICT_US, -(double)MS(190));
	assert_contains(j->v.items[1].message, "(time high): expected "
	    "intervals 400ms ± 10ms for 95% of them, saw 0 of 10 within");
	/* Both together: 19 of 20 needed, the 19th closest is 200ms off. */
	assert_margin(j, 2, "400ms ± 10ms at 95%", "402ms … 600ms",
	    VERDICT_US, -(double)MS(190));
	/*
	 * Stopped high for the rest of the run: a high phase that never
	 * ended, which a falling edge (or any edge) would have ended. Timing
	 * the rising edge alone, the time low, does not see it: that is why
	 * a watchdog times both.
	 */
	j->f->edges.t[0] = SEC(9);
	j->f->last_bit = 1;
	assert_int_equal(judge(j), 2);
	assert_margin(j, 0, "400ms ± 10ms at 95%, rising edges",
	    "402ms … 402ms", VERDICT_US, MS(8));
	assert_margin(j, 1, "400ms ± 10ms at 95%, falling edges", "no edge "
	    "for 11s up to the end, bit 0 high", VERDICT_US,
	    -(double)(SEC(11) - MS(410)));
	assert_contains(j->v.items[1].message, "but it stopped high: no edge "
	    "from 9.000s");
	assert_contains(j->v.items[2].message, "stopped high");
	/* Stopped low: the other way round. */
	j->f->last_bit = 0;
	assert_int_equal(judge(j), 3);
	assert_contains(j->v.items[0].message, "stopped low");
	assert_true(j->v.items[1].passed == 0);	/* its 600ms intervals */
	assert_contains(j->v.items[1].message, "saw 0 of 10 within");
	judged_free(j);
}

/* ---- life_bit_max_gap ---- */

static const char max_gap[] = HEAD
    "timeline:\n"
    "  - action: blackhole\n    at: 1200ms\n    for: 800ms\n"
    "expectations:\n"
    "  - expect: life_bit_max_gap\n    at_most: 3s\n"
    "  - expect: life_bit_max_gap\n    at_most: 2s\n"
    "  - expect: life_bit_max_gap\n    at_most: 2s\n"
    "    outside_faults: true\n";

static void
test_life_bit_max_gap(void **state)
{
	struct judged *j = judged_new(max_gap);

	(void)state;
	j->f->end = SEC(5);
	facts_add_time(&j->f->edges, MS(500));
	facts_add_time(&j->f->edges, MS(1000));
	facts_add_time(&j->f->edges, MS(3800));
	assert_int_equal(judge(j), 2);
	assert_margin(j, 0, "no silence over 3s", "longest 2.8s from 1.000s",
	    VERDICT_US, MS(200));
	assert_margin(j, 1, "no silence over 2s", "longest 2.8s from 1.000s",
	    VERDICT_US, -(double)MS(800));
	assert_string_equal(j->v.items[1].message, "life bit: expected no "
	    "silence over 2s, the longest was 2.8s, from 1.000s to 3.800s");
	/* Without a fault there, it is the client's. */
	assert_margin(j, 2, "no silence over 2s outside fault windows",
	    "longest 2.8s from 1.000s", VERDICT_US, -(double)MS(800));
	/* A fault over it that ended 1.8s before it did: excused. */
	facts_add_window(j->f, MS(1200), SEC(2));
	assert_int_equal(judge(j), 1);
	assert_margin(j, 2, "no silence over 2s outside fault windows",
	    "longest 1.2s from 3.800s, fault windows aside", VERDICT_US,
	    MS(800));
	assert_string_equal(j->v.items[2].message, "life bit: expected no "
	    "silence over 2s outside fault windows, the longest was 1.2s, "
	    "from 3.800s to the end of the run (1 longer, the faults': "
	    "excused)");
	/* A bit that stopped: the silence up to the end counts. */
	j->f->end = SEC(20);
	assert_int_equal(judge(j), 3);
	assert_margin(j, 0, "no silence over 3s", "longest 16.2s from 3.800s",
	    VERDICT_US, -(double)MS(13200));
	assert_contains(j->v.items[0].message, "the longest was 16.2s, from "
	    "3.800s to the end of the run");
	/* No edge at all: one silence from time 0. */
	j->f->edges.n = 0;
	j->f->end = SEC(2);
	assert_int_equal(judge(j), 0);
	assert_margin(j, 1, "no silence over 2s", "longest 2s from 0.000s",
	    VERDICT_US, 0);
	judged_free(j);
}

/* ---- life_bit_duty ---- */

static void
test_life_bit_duty(void **state)
{
	struct judged *j = judged_with_last_edge(HEAD "expectations:\n"
	    "  - expect: life_bit_duty\n    high: 50%\n    tolerance: 5%\n"
	    "  - expect: life_bit_duty\n    high: 60%\n    tolerance: 2.5%\n");
	int i;

	(void)state;
	/* High 600ms, low 400ms: 60 % of the time high. */
	for (i = 0; i < 10; i++) {
		add_interval_to(j, MS(400), 1);
		add_interval_to(j, MS(600), 0);
	}
	/* One more high phase than low ones: the means are unchanged. */
	add_interval_to(j, MS(600), 0);
	assert_int_equal(judge(j), 1);
	assert_margin(j, 0, "high 50% ± 5%", "high 60.00% (mean 600ms high, "
	    "400ms low)", VERDICT_PERCENT, -5.0);
	assert_string_equal(j->v.items[0].message, "life bit duty: expected "
	    "high 50% ± 5% of the time, saw 60.00% (mean 600ms high over 11, "
	    "400ms low over 10)");
	assert_margin(j, 1, "high 60% ± 2.5%", "high 60.00% (mean 600ms "
	    "high, 400ms low)", VERDICT_PERCENT, 2.5);
	/* Only high phases: no cycle to judge. */
	j->f->intervals.n = 0;
	add_interval_to(j, MS(600), 0);
	assert_int_equal(judge(j), 2);
	assert_contains(j->v.items[0].message, "saw 1 time high and 0 times "
	    "low between edges: no whole cycle");
	assert_int_equal(j->v.items[0].unit, VERDICT_NO_MARGIN);
	judged_free(j);
}

/* Margins for people: their unit, to the microsecond below a second. */
static void
test_margin_text(void **state)
{
	static const struct {
		enum verdict_unit unit;
		double margin;
		const char *text;
	} cases[] = {
		{ VERDICT_US, 2971, "2.971ms" }, { VERDICT_US, -250000, "-250ms" },
		{ VERDICT_US, 500, "500us" }, { VERDICT_US, -500, "-500us" },
		{ VERDICT_US, 1300000, "1.3s" }, { VERDICT_US, 0, "0us" },
		{ VERDICT_US, 120000, "120ms" }, { VERDICT_COUNT, -18, "-18" },
		{ VERDICT_COUNT, 0, "0" }, { VERDICT_PERCENT, 2.5, "2.50%" },
		{ VERDICT_PERCENT, -15, "-15.00%" }, { VERDICT_NO_MARGIN, 1, "" },
	};
	struct verdict_item it;
	char buf[48];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		memset(&it, 0, sizeof it);
		it.unit = cases[i].unit;
		it.margin = cases[i].margin;
		assert_string_equal(verdict_margin_text(&it, buf, sizeof buf),
		    cases[i].text);
	}
	assert_string_equal(verdict_unit_name(VERDICT_US), "us");
	assert_string_equal(verdict_unit_name(VERDICT_PERCENT), "percent");
	assert_null(verdict_unit_name(VERDICT_NO_MARGIN));
}

/* Every run with a watchdog says how close it came, expected or not. */
static void
test_watchdog_margin_in_every_run(void **state)
{
	struct judged *j = judged_new(HEAD "plc:\n  watchdog: 1s\n");

	(void)state;
	facts_add_time(&j->f->edges, MS(400));
	facts_add_time(&j->f->edges, MS(1100));
	facts_add_time(&j->f->edges, MS(19500));
	facts_add_time(&j->f->watchdogs, MS(2100));
	assert_int_equal(judge(j), 0);
	assert_int_equal(j->v.watchdog, SEC(1));
	assert_int_equal(j->v.longest_silence, MS(18400));
	assert_int_equal(j->v.silence_from, MS(1100));
	/* None without a watchdog. */
	judged_free(j);
	j = judged_new(HEAD);
	assert_int_equal(judge(j), 0);
	assert_int_equal(j->v.watchdog, 0);
	judged_free(j);
}

/* ---- life_bit_silent ---- */

/* A life bit that stops for good has no interval to show it: judged apart. */
static void
test_life_bit_period_stopped(void **state)
{
	struct judged *j = judged_new(life_period);
	tc_us_t t;

	(void)state;
	for (t = MS(500); t <= SEC(5); t += MS(500)) {
		facts_add_time(&j->f->edges, t);
		add_interval(j, MS(500));
	}
	j->f->last_bit = 1;
	assert_int_equal(judge(j), 1);
	assert_contains(j->v.items[0].message, "but it stopped high: no edge "
	    "from 5.000s to the end of the run (15s)");
	/* Past period + tolerance by the silence's length less 505ms. */
	assert_margin(j, 0, "500ms ± 5ms at 95%", "no edge for 15s up to the "
	    "end, bit 0 high", VERDICT_US, -(double)(SEC(15) - MS(505)));
	/* A fault window over the start of the silence explains that part. */
	facts_add_window(j->f, SEC(5), MS(19600));
	assert_int_equal(judge(j), 0);
	judged_free(j);
}

static const char life_silent[] = HEAD
    "expectations:\n"
    "  - expect: life_bit_silent\n";

static void
test_life_bit_silent(void **state)
{
	struct judged *j = judged_new(life_silent);

	(void)state;
	assert_int_equal(judge(j), 0);
	assert_margin(j, 0, "no edge", "0 edges", VERDICT_COUNT, 0);
	assert_false(signbit(j->v.items[0].margin));	/* "0", not "-0" */
	facts_add_time(&j->f->edges, MS(1500));
	facts_add_time(&j->f->edges, MS(2500));
	assert_int_equal(judge(j), 1);
	assert_contains(j->v.items[0].message,
	    "expected no edge, saw 2 edges, the first at 1.500s");
	assert_margin(j, 0, "no edge", "2 edges", VERDICT_COUNT, -2);
	judged_free(j);
}

/* ---- watchdog_quiet ---- */

static const char watchdog_any[] = HEAD
    "plc:\n  watchdog: 3s\n"
    "expectations:\n"
    "  - expect: watchdog_quiet\n";

static const char watchdog_outside[] = HEAD
    "plc:\n  watchdog: 3s\n"
    "timeline:\n"
    "  - action: blackhole\n    at: 3s\n    for: 2s\n"
    "expectations:\n"
    "  - expect: watchdog_quiet\n"
    "    outside_faults: true\n";

static void
test_watchdog_quiet(void **state)
{
	struct judged *j = judged_new(watchdog_any);

	(void)state;
	/* No edge at all: the whole run is one silence. */
	j->f->end = SEC(2);
	assert_int_equal(judge(j), 0);
	assert_margin(j, 0, "quiet (watchdog 3s)", "longest silence 2s from "
	    "0.000s", VERDICT_US, SEC(1));
	/* The longest silence between edges, or from the last to the end. */
	j->f->end = SEC(20);
	facts_add_time(&j->f->edges, MS(500));
	facts_add_time(&j->f->edges, MS(1000));
	facts_add_time(&j->f->edges, MS(3800));
	facts_add_time(&j->f->edges, MS(18000));
	facts_add_time(&j->f->watchdogs, MS(6800));
	assert_int_equal(judge(j), 1);
	assert_contains(j->v.items[0].message,
	    "watchdog (3s): expected quiet, fired 1 time, the first at 6.800s");
	assert_margin(j, 0, "quiet (watchdog 3s)", "fired, longest silence "
	    "14.2s from 3.800s", VERDICT_US, -(double)MS(11200));
	j->f->edges.n = 3;
	j->f->watchdogs.n = 0;
	j->f->end = MS(5000);
	assert_int_equal(judge(j), 0);
	assert_margin(j, 0, "quiet (watchdog 3s)", "longest silence 2.8s from "
	    "1.000s", VERDICT_US, MS(200));
	judged_free(j);
}

static void
test_watchdog_outside_faults(void **state)
{
	struct judged *j = judged_new(watchdog_outside);

	(void)state;
	facts_add_window(j->f, SEC(3), SEC(5));
	j->f->end = SEC(9) + 500;
	/* The life bit is back just before the fault's end + a watchdog. */
	facts_add_time(&j->f->edges, MS(7999) + 500);
	/* Within the window, and up to one watchdog period after it. */
	facts_add_time(&j->f->watchdogs, SEC(3));
	facts_add_time(&j->f->watchdogs, MS(7999));
	assert_int_equal(judge(j), 0);
	assert_contains(j->v.items[0].message, "2 firings inside fault");
	/* The excused silences aside, the longest is the last one. */
	assert_margin(j, 0, "quiet outside fault windows (watchdog 3s)",
	    "excused firings aside, longest silence 1.001s from 7.999s",
	    VERDICT_US, SEC(3) - MS(1001));
	/* A silence that began after the client was serving again counts. */
	facts_add_time(&j->f->watchdogs, SEC(8));
	assert_int_equal(judge(j), 1);
	assert_contains(j->v.items[0].message,
	    "expected quiet outside fault windows, fired 1 time, the first "
	    "at 8.000s");
	/* Before the window too. */
	j->f->watchdogs.n = 0;
	facts_add_time(&j->f->watchdogs, MS(2999));
	assert_int_equal(judge(j), 1);
	judged_free(j);
}

/*
 * The run's own watchdog figure leaves out what a fault explains: a pause
 * the watchdog was expected to see is no negative margin, and is said
 * apart. A silence that outlasted its fault is the client's: counted.
 */
static void
test_watchdog_margin_leaves_faults_out(void **state)
{
	struct judged *j = judged_new(watchdog_outside);

	(void)state;
	facts_add_window(j->f, SEC(3), SEC(5));
	j->f->end = SEC(10);
	facts_add_time(&j->f->edges, MS(500));
	facts_add_time(&j->f->edges, MS(2500));
	facts_add_time(&j->f->edges, MS(7000));	/* back within grace */
	facts_add_time(&j->f->edges, MS(9000));
	facts_add_time(&j->f->watchdogs, MS(5500));
	assert_int_equal(judge(j), 0);
	assert_int_equal(j->v.longest_silence, SEC(2));
	assert_int_equal(j->v.silence_from, MS(500));
	assert_int_equal(j->v.fault_silence, MS(4500));
	assert_int_equal(j->v.fault_silence_from, MS(2500));
	/* Outlasted: the client's, in the margin, nothing apart. */
	j->f->edges.n = 2;
	facts_add_time(&j->f->edges, MS(8500));
	assert_int_equal(judge(j), 1);
	assert_int_equal(j->v.longest_silence, SEC(6));
	assert_int_equal(j->v.fault_silence, 0);
	judged_free(j);
}

/*
 * The watchdog fires once per silence: a life bit that stops for good during
 * an outage fires it once, inside the window. That silence outlasts the
 * fault, so it is the client's.
 */
static void
test_watchdog_silence_outlasting_the_fault(void **state)
{
	struct judged *j = judged_new(watchdog_outside);

	(void)state;
	facts_add_window(j->f, SEC(3), SEC(5));
	facts_add_time(&j->f->edges, MS(2500));
	facts_add_time(&j->f->watchdogs, SEC(4));
	assert_int_equal(judge(j), 1);
	assert_contains(j->v.items[0].message,
	    "fired 1 time, the first at 4.000s; its silence outlasted the "
	    "fault that ended at 5.000s: next edge none up to the end");
	/* Back, but only after the fault's end plus a watchdog period. */
	facts_add_time(&j->f->edges, MS(8001));
	assert_int_equal(judge(j), 1);
	assert_contains(j->v.items[0].message, "next edge 8.001s");
	/* Back in time: excused. */
	j->f->edges.n = 1;
	facts_add_time(&j->f->edges, SEC(8));
	assert_int_equal(judge(j), 0);
	/* A run that ended before the client was given its time: excused. */
	j->f->edges.n = 1;
	j->f->end = MS(7500);
	assert_int_equal(judge(j), 0);
	judged_free(j);
}

/*
 * Nothing the judge sees is bounded: a watchdog at 0.5 s is still there
 * after 70 000 edges (an event log of 65 536 once dropped it).
 */
static void
test_watchdog_seen_after_many_edges(void **state)
{
	struct judged *j = judged_new(watchdog_any);
	tc_us_t t;
	int i;

	(void)state;
	facts_add_time(&j->f->watchdogs, MS(500));
	for (i = 0, t = MS(1500); i < 70000; i++, t += 100)
		facts_add_time(&j->f->edges, t);
	assert_int_equal(j->f->edges.n, 70000);
	assert_int_equal(judge(j), 1);
	assert_contains(j->v.items[0].message, "the first at 0.500s");
	judged_free(j);
}

/* Facts that could not be recorded make the run unjudgeable, never a pass. */
static void
test_lost_facts_fail_the_run(void **state)
{
	struct judged *j = judged_new(watchdog_any);

	(void)state;
	assert_int_equal(judge(j), 0);
	j->f->watchdogs.lost = 1;
	assert_int_equal(judge(j), 1);
	assert_null(j->v.items[0].e);
	assert_contains(j->v.items[0].message, "out of memory: 1 fact of the "
	    "run could not be recorded");
	judged_free(j);
}

/* ---- reconnect ---- */

static const char reconnect[] = HEAD
    "timeline:\n"
    "  - action: rst\n    at: 3s\n"
    "  - action: rst\n    at: 8s\n"
    "expectations:\n"
    "  - expect: reconnect\n"
    "    within: 2s\n";

static void
test_reconnect_passes(void **state)
{
	struct judged *j = judged_new(reconnect);

	(void)state;
	facts_add_time(&j->f->drops, SEC(3));
	facts_add_time(&j->f->connects, MS(3200));
	facts_add_time(&j->f->drops, SEC(8));
	facts_add_time(&j->f->connects, SEC(10));	/* exactly on time */
	assert_int_equal(judge(j), 0);
	assert_contains(j->v.items[0].message,
	    "2 drops, each followed by a connection within 2s (slowest 2s)");
	assert_margin(j, 0, "connected within 2s of every drop", "slowest 2s "
	    "over 2 drops", VERDICT_US, 0);
	judged_free(j);
}

static void
test_reconnect_late(void **state)
{
	struct judged *j = judged_new(reconnect);

	(void)state;
	facts_add_time(&j->f->drops, SEC(3));
	facts_add_time(&j->f->connects, MS(5500));
	facts_add_time(&j->f->drops, SEC(8));
	facts_add_time(&j->f->connects, MS(8100));
	assert_int_equal(judge(j), 1);
	assert_contains(j->v.items[0].message,
	    "reconnect: drop at 3.000s, not connected again within 2s "
	    "(next connection: 5.500s, after 2.5s; 1 of 2 drops late)");
	assert_margin(j, 0, "connected within 2s of every drop", "latest 2.5s "
	    "over 2 drops", VERDICT_US, -(double)MS(500));
	judged_free(j);
}

static void
test_reconnect_never(void **state)
{
	struct judged *j = judged_new(reconnect);

	(void)state;
	facts_add_time(&j->f->drops, SEC(3));
	assert_int_equal(judge(j), 1);
	assert_contains(j->v.items[0].message,
	    "drop at 3.000s, not connected again within 2s (next "
	    "connection: none");
	/* Late by at least the rest of the run. */
	assert_margin(j, 0, "connected within 2s of every drop", "latest 17s "
	    "over 1 drop", VERDICT_US, -(double)SEC(15));
	judged_free(j);
}

static void
test_reconnect_drop_near_end(void **state)
{
	struct judged *j = judged_new(reconnect);

	(void)state;
	/* The run ended 1s after the last drop: 2s were never given. */
	facts_add_time(&j->f->drops, SEC(3));
	facts_add_time(&j->f->connects, MS(3100));
	facts_add_time(&j->f->drops, SEC(19));
	assert_int_equal(judge(j), 0);
	assert_contains(j->v.items[0].message, "too close to the end");
	judged_free(j);
}

static void
test_reconnect_without_drop(void **state)
{
	struct judged *j = judged_new(reconnect);

	(void)state;
	assert_int_equal(judge(j), 1);
	assert_contains(j->v.items[0].message, "no drop was injected");
	judged_free(j);
}

/* ---- frames ---- */

static void
test_frames(void **state)
{
	struct judged *j = judged_new(HEAD "expectations:\n"
	    "  - expect: frames\n    at_least: 30\n"
	    "  - expect: frames\n    at_most: 100\n"
	    "  - expect: frames\n    at_least: 10\n    at_most: 20\n");

	(void)state;
	j->f->frames = 12;
	assert_int_equal(judge(j), 1);
	assert_false(j->v.items[0].passed);
	assert_string_equal(j->v.items[0].message,
	    "frames: expected at least 30, saw 12");
	assert_margin(j, 0, "at least 30", "12", VERDICT_COUNT, -18);
	assert_margin(j, 1, "at most 100", "12", VERDICT_COUNT, 88);
	assert_margin(j, 2, "10..20", "12", VERDICT_COUNT, 2);
	j->f->frames = 101;
	assert_int_equal(judge(j), 2);
	assert_string_equal(j->v.items[1].message,
	    "frames: expected at most 100, saw 101");
	assert_string_equal(j->v.items[2].message,
	    "frames: expected 10..20, saw 101");
	assert_margin(j, 2, "10..20", "101", VERDICT_COUNT, -81);
	judged_free(j);
}

/* ---- send_cycle ---- */

static const char send_cycle[] = HEAD
    "expectations:\n"
    "  - expect: send_cycle\n"
    "    period: 100ms\n"
    "    tolerance: 2ms\n"
    "    jitter_p99: 15ms\n";

static void
test_send_cycle_passes(void **state)
{
	struct judged *j = judged_new(send_cycle);
	int i;

	(void)state;
	for (i = 0; i < 200; i++)
		hist_add(&j->f->send_intervals, MS(100) + (i % 2 ? 1000 : -1000));
	hist_add(&j->f->send_intervals, MS(130));	/* beyond p99 */
	assert_int_equal(judge(j), 0);
	assert_contains(j->v.items[0].message,
	    "expected mean 100ms ± 2ms, p99 jitter at most 15ms, saw mean "
	    "100.1ms");
	judged_free(j);
}

static void
test_send_cycle_mean_off(void **state)
{
	struct judged *j = judged_new(send_cycle);
	int i;

	(void)state;
	for (i = 0; i < 100; i++)
		hist_add(&j->f->send_intervals, MS(110));
	assert_int_equal(judge(j), 1);
	assert_contains(j->v.items[0].message, "saw mean 110ms, p99 jitter 0");
	/* The mean is 8ms outside its tolerance; the jitter well inside. */
	assert_margin(j, 0, "mean 100ms ± 2ms, p99 jitter at most 15ms",
	    "mean 110ms, p99 jitter 0us", VERDICT_US, -(double)MS(8));
	judged_free(j);
}

static void
test_send_cycle_jitter(void **state)
{
	struct judged *j = judged_new(send_cycle);
	int i;

	(void)state;
	/* Mean 100ms, but one frame in ten is 40ms late or early. */
	for (i = 0; i < 100; i++)
		hist_add(&j->f->send_intervals, i % 10 == 0 ?
		    (i % 20 ? MS(140) : MS(60)) : MS(100));
	assert_int_equal(judge(j), 1);
	assert_contains(j->v.items[0].message, "saw mean 100ms, p99 jitter 4");
	assert_contains(j->v.items[0].message, "(100 intervals, min 60ms, "
	    "max 140ms)");
	judged_free(j);
}

static void
test_send_cycle_jitter_only(void **state)
{
	struct judged *j = judged_new(HEAD "expectations:\n"
	    "  - expect: send_cycle\n    jitter_p99: 5ms\n");
	int i;

	(void)state;
	for (i = 0; i < 100; i++)
		hist_add(&j->f->send_intervals, MS(37) + (i % 3) * 1000);
	assert_int_equal(judge(j), 0);
	assert_contains(j->v.items[0].message,
	    "expected p99 jitter at most 5ms, saw mean 38ms");
	hist_reset(&j->f->send_intervals);
	assert_int_equal(judge(j), 1);
	assert_contains(j->v.items[0].message, "no interval between frames");
	judged_free(j);
}

/* ---- startup ---- */

static void
test_startup(void **state)
{
	struct judged *j = judged_new(HEAD "expectations:\n"
	    "  - expect: startup\n    within: 1s\n");

	(void)state;
	j->f->t0 = MS(999);
	assert_int_equal(judge(j), 0);
	assert_margin(j, 0, "first connection within 1s", "999ms",
	    VERDICT_US, MS(1));
	j->f->t0 = MS(1500);
	assert_int_equal(judge(j), 1);
	assert_string_equal(j->v.items[0].message,
	    "startup: expected a first connection within 1s, saw it at "
	    "1.500s");
	judged_free(j);
}

/* ---- counter ---- */

static const char counters[] = HEAD
    "client:\n  stats: true\n"
    "expectations:\n"
    "  - expect: counter\n    name: mismatches\n    equals: injected\n"
    "  - expect: counter\n    name: rtt_us.p99\n    at_most: 5000\n";

static const char stats_json[] =
    "{\n  \"version\": \"1.0.0\",\n"
    "  \"config\": {\"server\": \"a \\\"}{ b\", \"port\": 1},\n"
    "  \"list\": [1, {\"mismatches\": 99}, [\"]\"]],\n"
    "  \"mismatches\": 5,\n"
    "  \"rtt_us\": {\"count\": 10, \"p99\": 4200, \"max\": 9000}\n}\n";

static void
test_counter_passes(void **state)
{
	struct judged *j = judged_new(counters);

	(void)state;
	write_stats(j, stats_json);
	j->f->injected_mismatches = 5;
	assert_int_equal(judge(j), 0);
	assert_string_equal(j->v.items[0].message,
	    "counter mismatches: expected = 5 (injected), saw 5");
	/* On the mark: a margin of 0, written "0", not "-0". */
	assert_margin(j, 0, "= 5 (injected)", "5", VERDICT_COUNT, 0);
	assert_false(signbit(j->v.items[0].margin));
	assert_string_equal(j->v.items[1].message,
	    "counter rtt_us.p99: expected at most 5000, saw 4200");
	judged_free(j);
}

static void
test_counter_fails(void **state)
{
	struct judged *j = judged_new(counters);

	(void)state;
	write_stats(j, "{\"mismatches\": 0, \"rtt_us\": {\"p99\": 6000}}");
	j->f->injected_mismatches = 5;
	assert_int_equal(judge(j), 2);
	assert_string_equal(j->v.items[0].message,
	    "counter mismatches: expected = 5 (injected), saw 0");
	assert_string_equal(j->v.items[1].message,
	    "counter rtt_us.p99: expected at most 5000, saw 6000");
	assert_margin(j, 0, "= 5 (injected)", "0", VERDICT_COUNT, -5);
	assert_margin(j, 1, "at most 5000", "6000", VERDICT_COUNT, -1000);
	judged_free(j);
}

static void
test_counter_missing(void **state)
{
	struct judged *j = judged_new(counters);

	(void)state;
	/* No stats asked of the client: client.stats is a broken promise,
	 * the run fails first, then each counter says why. */
	assert_int_equal(judge(j), 3);
	assert_null(j->v.items[0].e);
	assert_string_equal(j->v.items[0].message, "the client wrote no stats "
	    "(client.stats is true): none was asked of it");
	assert_string_equal(j->v.items[1].message,
	    "counter mismatches: no stats file was asked of the client");
	/* The player could not read them: its reason, everywhere. */
	snprintf(j->f->stats_error, sizeof j->f->stats_error, "no stats file "
	    "from the client (no-such-dir/stats.json: No such file)");
	assert_int_equal(judge(j), 3);
	assert_string_equal(j->v.items[0].message, "the client wrote no stats "
	    "(client.stats is true): no stats file from the client "
	    "(no-such-dir/stats.json: No such file)");
	assert_string_equal(j->v.items[1].message, "counter mismatches: no "
	    "stats file from the client (no-such-dir/stats.json: No such "
	    "file)");
	assert_string_equal(j->v.items[2].message, "counter rtt_us.p99: no "
	    "stats file from the client (no-such-dir/stats.json: No such "
	    "file)");
	write_stats(j, "{\"rtt_us\": 3}");
	assert_int_equal(judge(j), 2);
	assert_string_equal(j->v.items[0].message,
	    "counter mismatches: no \"mismatches\" in the client's stats");
	assert_contains(j->v.items[1].message, "not an object");
	judged_free(j);
}

static void
test_stats_number_scanner(void **state)
{
	char err[256];
	double v;

	(void)state;
	assert_int_equal(expect_stats_number(stats_json, strlen(stats_json),
	    "rtt_us.max", &v, err, sizeof err), 0);
	assert_true(v == 9000);
	assert_int_equal(expect_stats_number("{\"up\": true}", 12, "up", &v,
	    err, sizeof err), 0);
	assert_true(v == 1);
	assert_int_equal(expect_stats_number("{\"a\": -1.5e3}", 13, "a", &v,
	    err, sizeof err), 0);
	assert_true(v == -1500);
	assert_int_equal(expect_stats_number("{\"a\": \"7\"}", 10, "a", &v,
	    err, sizeof err), -1);
	assert_contains(err, "not a number");
	assert_int_equal(expect_stats_number("{\"a\": ", 6, "a", &v,
	    err, sizeof err), -1);
	assert_int_equal(expect_stats_number("{\"b\" 1}", 7, "a", &v,
	    err, sizeof err), -1);
	assert_contains(err, "not valid JSON");
	assert_int_equal(expect_stats_number("", 0, "a", &v,
	    err, sizeof err), -1);
	/* A prefix of a key is not the key. */
	assert_int_equal(expect_stats_number("{\"ab\": 1}", 9, "a", &v,
	    err, sizeof err), -1);
	/* Deep nesting is refused, not recursed into without end. */
	{
		char deep[400];

		memset(deep, '[', sizeof deep);
		memcpy(deep, "{\"x\": ", 6);
		assert_int_equal(expect_stats_number(deep, sizeof deep, "a",
		    &v, err, sizeof err), -1);
	}
}

/* ---- exit_code ---- */

static const char exit_zero[] = HEAD
    "expectations:\n"
    "  - expect: exit_code\n    equals: 0\n";

static void
test_exit_code(void **state)
{
	struct judged *j = judged_new(exit_zero);

	(void)state;
	assert_int_equal(judge(j), 0);
	assert_string_equal(j->v.items[0].message, "exit code: expected 0, saw 0");
	j->f->client_status = 1;
	assert_int_equal(judge(j), 1);
	assert_string_equal(j->v.items[0].message, "exit code: expected 0, saw 1");
	j->f->client_status = 137;
	assert_int_equal(judge(j), 1);
	assert_string_equal(j->v.items[0].message,
	    "exit code: expected 0, saw 137 (killed by signal 9)");
	judged_free(j);
}

static void
test_client_not_started_by_plcsim(void **state)
{
	struct judged *j = judged_new(exit_zero);

	(void)state;
	/* `plcsim serve`: the client runs elsewhere. */
	j->f->client_ran = 0;
	j->f->client_status = 1;
	assert_int_equal(judge(j), 0);
	assert_false(j->v.items[0].judged);
	assert_contains(j->v.items[0].message, "not judged");
	judged_free(j);
}

/* ---- the run itself ---- */

static void
test_client_exited_early(void **state)
{
	struct judged *j = judged_new(exit_zero);

	(void)state;
	j->f->client_status = 1;
	j->f->client_reason = "client exited early with status 1 at 2.3s";
	assert_int_equal(judge(j), 2);
	assert_int_equal(j->v.nitems, 2);
	assert_null(j->v.items[0].e);
	assert_false(j->v.items[0].passed);
	assert_string_equal(j->v.items[0].message,
	    "client exited early with status 1 at 2.3s");
	assert_ptr_equal(j->v.items[1].e, &j->sc->expects[0]);
	assert_string_equal(j->v.items[1].message, "exit code: expected 0, saw 1");
	judged_free(j);
}

static void
test_client_never_connected(void **state)
{
	struct judged *j = judged_new(HEAD "startup_timeout: 5s\n"
	    "expectations:\n"
	    "  - expect: life_bit_silent\n"
	    "  - expect: frames\n    at_most: 10\n");

	(void)state;
	j->f->connected = 0;
	j->f->connects.n = 0;
	assert_int_equal(judge(j), 3);
	assert_null(j->v.items[0].e);
	assert_string_equal(j->v.items[0].message,
	    "client never connected within 5s");
	/* Silence on a link that never came up proves nothing. */
	assert_false(j->v.items[1].passed);
	assert_string_equal(j->v.items[1].message,
	    "life_bit_silent: not judged, no client connected");
	/* The runner's own words win. */
	j->f->client_reason = "client never connected within 5s (it hung)";
	assert_int_equal(judge(j), 3);
	assert_string_equal(j->v.items[0].message,
	    "client never connected within 5s (it hung)");
	/* Serving a client started elsewhere, stopped before anyone came:
	 * no start-up timer ran, so none is named. */
	j->f->client_reason = NULL;
	j->f->client_ran = 0;
	assert_int_equal(judge(j), 3);
	assert_string_equal(j->v.items[0].message,
	    "no client connected before the run ended");
	judged_free(j);
}

static void
test_no_expectations(void **state)
{
	struct judged *j = judged_new(HEAD);

	(void)state;
	assert_int_equal(judge(j), 0);
	assert_int_equal(j->v.nitems, 0);
	j->f->client_reason = "client hung: still running 5s after SIGTERM";
	assert_int_equal(judge(j), 1);
	assert_int_equal(j->v.nitems, 1);
	judged_free(j);
}

/* ---- send_drift and no_burst: frames against the ideal grid ---- */

static const char drift_yaml[] = HEAD
    "expectations:\n"
    "  - expect: send_drift\n"
    "    period: 100ms\n"
    "    tolerance: 3ms\n"
    "  - expect: no_burst\n"
    "    period: 100ms\n";

/* Frames every `step` us from `from`, `n` of them, on a new connection;
 * frame `late` (if < n) comes `by` us late. */
static void
add_frames(struct facts *f, tc_us_t from, tc_us_t step, size_t n,
    size_t late, tc_us_t by)
{
	size_t c = facts_add_conn(f), i;

	assert_int_not_equal(c, SIZE_MAX);
	for (i = 0; i < n; i++)
		facts_add_time(&f->frame_times.conn[c],
		    from + i * step + (i == late ? by : 0));
	f->frames += n;
}

static void
test_send_drift_on_grid_passes(void **state)
{
	struct judged *j = judged_new(drift_yaml);

	(void)state;
	/* On the grid, one frame 20 ms late, a skipped cycle, a reconnection
	 * on the same grid: no drift. */
	add_frames(j->f, 0, MS(100), 60, 30, MS(20));
	add_frames(j->f, SEC(7), MS(200), 20, 99, 0);
	add_frames(j->f, SEC(12), MS(100), 70, 99, 0);
	assert_int_equal(judge(j), 0);
	assert_contains(j->v.items[0].message, "saw +0.0");
	assert_contains(j->v.items[0].message, "on 3 connections");
	judged_free(j);
}

static void
test_send_drift_late_frames_at_the_ends(void **state)
{
	struct judged *j = judged_new(drift_yaml);
	size_t c, i;

	(void)state;
	/* A loaded machine: the last frames 30 ms late, the first on time. A
	 * line through all of them would lean by 4 ms; the grid is kept. */
	add_frames(j->f, 0, MS(100), 60, 99, 0);
	c = j->f->frame_times.n - 1;
	for (i = 55; i < 60; i++)
		j->f->frame_times.conn[c].t[i] += MS(30);
	assert_int_equal(judge(j), 0);
	assert_contains(j->v.items[0].message, "saw +0.000ms");
	judged_free(j);
}

static void
test_send_drift_original_fails(void **state)
{
	struct judged *j = judged_new(drift_yaml);

	(void)state;
	/* The original's +0.24 %: 100.24 ms a cycle, 14 ms in 6 s. */
	add_frames(j->f, 0, MS(100) + 240, 60, 99, 0);
	assert_int_equal(judge(j), 1);
	assert_false(j->v.items[0].passed);
	assert_contains(j->v.items[0].message, "saw +14.160ms");
	assert_contains(j->v.items[0].message, "+0.240 %");
	/* 3ms allowed, 14.16ms seen: 11.16ms outside (a fit: to 1 ns). */
	assert_int_equal(j->v.items[0].unit, VERDICT_US);
	assert_true(fabs(j->v.items[0].margin + 11160) < 0.001);
	assert_string_equal(j->v.items[0].seen, "+14.160ms over the run");
	assert_true(j->v.items[1].passed);
	judged_free(j);
}

static void
test_send_drift_early_fails(void **state)
{
	struct judged *j = judged_new(drift_yaml);

	(void)state;
	/* Two connections of 30 frames, 60 us a cycle early: -3.48 ms. */
	add_frames(j->f, 0, MS(100) - 60, 30, 99, 0);
	add_frames(j->f, SEC(4), MS(100) - 60, 30, 99, 0);
	assert_int_equal(judge(j), 1);
	assert_contains(j->v.items[0].message, "saw -3.480ms");
	judged_free(j);
}

static void
test_send_drift_no_frames(void **state)
{
	struct judged *j = judged_new(drift_yaml);

	(void)state;
	add_frames(j->f, 0, MS(100), 1, 99, 0);
	assert_int_equal(judge(j), 1);
	assert_contains(j->v.items[0].message, "saw no two frames");
	judged_free(j);
}

static void
test_no_burst_catch_up_fails(void **state)
{
	struct judged *j = judged_new(drift_yaml);
	size_t c;
	int i;

	(void)state;
	/* 30 frames on the grid, a stall of 2 s, then the 20 missed frames
	 * 5 ms apart: 18 of them in nine tenths of a period. */
	add_frames(j->f, 0, MS(100), 30, 99, 0);
	c = j->f->frame_times.n - 1;
	for (i = 0; i < 20; i++)
		facts_add_time(&j->f->frame_times.conn[c], SEC(5) + MS(5) * i);
	judge(j);
	assert_false(j->v.items[1].passed);
	assert_contains(j->v.items[1].message, "saw a burst of 18 from "
	    "5.000s to 5.085s");
	assert_int_equal(j->v.items[1].unit, VERDICT_COUNT);
	assert_true(j->v.items[1].margin ==
	    (double)j->sc->expects[1].at_most - 18);
	judged_free(j);
}

static void
test_no_burst_late_frame_passes(void **state)
{
	struct judged *j = judged_new(drift_yaml);

	(void)state;
	/* A frame 90 ms late and the next on time: two in one period. */
	add_frames(j->f, 0, MS(100), 50, 20, MS(90));
	assert_int_equal(judge(j), 0);
	assert_contains(j->v.items[1].message, "saw at most 2");
	assert_true(j->v.items[1].margin ==
	    (double)j->sc->expects[1].at_most - 2);
	/* On the grid with 9 ms of jitter: one a cycle, margin 1. */
	verdict_free(&j->v);
	facts_free(j->f);
	facts_init(j->f);
	j->f->connected = 1;
	j->f->end = j->sc->duration;
	add_frames(j->f, 0, MS(100), 50, 20, MS(9));
	assert_int_equal(judge(j), 0);
	assert_contains(j->v.items[1].message, "saw at most 1");
	assert_true(j->v.items[1].margin ==
	    (double)j->sc->expects[1].at_most - 1);
	judged_free(j);
}

/* ---- watchdog_fires: the PLC saw the client frozen ---- */

static const char fires_yaml[] = HEAD
    "plc:\n"
    "  watchdog: 1s\n"
    "timeline:\n"
    "  - action: client_pause\n"
    "    at: 2s\n"
    "    for: 2s\n"
    "  - action: client_pause\n"
    "    at: 10s\n"
    "    for: 500ms\n"
    "expectations:\n"
    "  - expect: watchdog_fires\n";

static void
test_watchdog_fires(void **state)
{
	struct judged *j = judged_new(fires_yaml);

	(void)state;
	facts_add_span(&j->f->pauses, SEC(2), SEC(4));
	/* Too short to be sure of a firing: not judged. */
	facts_add_span(&j->f->pauses, SEC(10), MS(10500));
	facts_add_time(&j->f->watchdogs, MS(2900));
	assert_int_equal(judge(j), 0);
	assert_contains(j->v.items[0].message, "fired in each of 1 pause ");
	judged_free(j);
}

static void
test_watchdog_fires_not(void **state)
{
	struct judged *j = judged_new(fires_yaml);

	(void)state;
	facts_add_span(&j->f->pauses, SEC(2), SEC(4));
	/* Before the pause and after it: neither saw it. */
	facts_add_time(&j->f->watchdogs, MS(1500));
	facts_add_time(&j->f->watchdogs, MS(4100));
	assert_int_equal(judge(j), 1);
	assert_contains(j->v.items[0].message, "paused from 2.000s to 4.000s, "
	    "fired only at 4.100s");
	verdict_free(&j->v);
	facts_free(j->f);
	facts_init(j->f);
	j->f->connected = 1;
	j->f->end = j->sc->duration;
	facts_add_span(&j->f->pauses, SEC(2), SEC(4));
	assert_int_equal(judge(j), 1);
	assert_contains(j->v.items[0].message, "it never fired");
	/* No pause played (a run cut short before it): no proof either. */
	verdict_free(&j->v);
	facts_free(j->f);
	facts_init(j->f);
	j->f->connected = 1;
	j->f->end = SEC(1);
	assert_int_equal(judge(j), 1);
	assert_contains(j->v.items[0].message, "no pause longer than it");
	judged_free(j);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_life_bit_period_passes),
		cmocka_unit_test(test_life_bit_period_fails_slow_toggle),
		cmocka_unit_test(test_life_bit_period_needs_an_interval),
		cmocka_unit_test(test_life_bit_period_lower_side),
		cmocka_unit_test(test_life_bit_silent),
		cmocka_unit_test(test_watchdog_quiet),
		cmocka_unit_test(test_watchdog_outside_faults),
		cmocka_unit_test(test_watchdog_margin_leaves_faults_out),
		cmocka_unit_test(test_watchdog_silence_outlasting_the_fault),
		cmocka_unit_test(test_watchdog_seen_after_many_edges),
		cmocka_unit_test(test_life_bit_period_by_edge),
		cmocka_unit_test(test_life_bit_max_gap),
		cmocka_unit_test(test_life_bit_duty),
		cmocka_unit_test(test_watchdog_margin_in_every_run),
		cmocka_unit_test(test_margin_text),
		cmocka_unit_test(test_lost_facts_fail_the_run),
		cmocka_unit_test(test_life_bit_period_stopped),
		cmocka_unit_test(test_reconnect_passes),
		cmocka_unit_test(test_reconnect_late),
		cmocka_unit_test(test_reconnect_never),
		cmocka_unit_test(test_reconnect_drop_near_end),
		cmocka_unit_test(test_reconnect_without_drop),
		cmocka_unit_test(test_frames),
		cmocka_unit_test(test_send_cycle_passes),
		cmocka_unit_test(test_send_cycle_mean_off),
		cmocka_unit_test(test_send_cycle_jitter),
		cmocka_unit_test(test_send_cycle_jitter_only),
		cmocka_unit_test(test_startup),
		cmocka_unit_test(test_counter_passes),
		cmocka_unit_test(test_counter_fails),
		cmocka_unit_test(test_counter_missing),
		cmocka_unit_test(test_stats_number_scanner),
		cmocka_unit_test(test_exit_code),
		cmocka_unit_test(test_client_not_started_by_plcsim),
		cmocka_unit_test(test_client_exited_early),
		cmocka_unit_test(test_client_never_connected),
		cmocka_unit_test(test_no_expectations),
		cmocka_unit_test(test_send_drift_on_grid_passes),
		cmocka_unit_test(test_send_drift_late_frames_at_the_ends),
		cmocka_unit_test(test_send_drift_original_fails),
		cmocka_unit_test(test_send_drift_early_fails),
		cmocka_unit_test(test_send_drift_no_frames),
		cmocka_unit_test(test_no_burst_catch_up_fails),
		cmocka_unit_test(test_no_burst_late_frame_passes),
		cmocka_unit_test(test_watchdog_fires),
		cmocka_unit_test(test_watchdog_fires_not),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
