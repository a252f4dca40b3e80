/*
 * Unit tests of the real PLC's judge (plcsim/plcjudge.c): what of a
 * scenario cannot apply in front of it, its verdict items and what they do
 * to the client's, and its task cycle from round trips. Pure: no socket.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "expect.h"
#include "plcjudge.h"

/* The items are the library's to grow and free: real allocations here. */
#undef calloc
#undef free
#include "scenario.h"

#define MS(x)	((tc_us_t)(x) * TC_US_PER_MS)

static struct scenario *
parse(const char *yaml)
{
	char err[512];
	struct scenario *sc = scenario_parse(yaml, strlen(yaml), "p.yaml",
	    err, sizeof err);

	if (sc == NULL)
		fail_msg("scenario refused: %s", err);
	return sc;
}

static void
test_applies(void **state)
{
	struct scenario *sc;
	char err[1024];

	(void)state;
	sc = parse("name: a\nduration: 5s\nplc:\n  length: 64\n"
	    "  watchdog: 1s\ntimeline:\n  - action: rst\n    at: 1s\n");
	assert_int_equal(plcjudge_applies(sc, err, sizeof err), 0);
	assert_string_equal(err, "");
	scenario_free(sc);
	sc = parse("name: b\nduration: 5s\nplc:\n  max_clients: 2\n"
	    "  recv_timeout: 1s\ntimeline:\n  - action: plc_cycle\n"
	    "    at: 1s\n    for: 1s\n    cycle: 50ms\n");
	assert_int_equal(plcjudge_applies(sc, err, sizeof err), 3);
	assert_non_null(strstr(err, "p.yaml:4: plc.max_clients cannot apply"));
	assert_non_null(strstr(err, "p.yaml:5: plc.recv_timeout cannot"));
	assert_non_null(strstr(err, "p.yaml:7: plc_cycle cannot apply"));
	/* Cut to the buffer, never past it. */
	assert_int_equal(plcjudge_applies(sc, err, 20), 3);
	assert_int_equal(strlen(err), 19);
	scenario_free(sc);
}

/* A verdict with one failed client item, as expect_judge leaves it. */
static void
client_verdict(struct verdict *v)
{
	memset(v, 0, sizeof *v);
	v->items = calloc(2, sizeof *v->items);
	assert_non_null(v->items);
	v->nitems = 2;
	v->items[0].judged = v->items[0].passed = 1;
	v->items[1].judged = 1;
	v->items[1].passed = 0;
	snprintf(v->items[1].message, sizeof v->items[1].message,
	    "frames: expected at least 50, saw 3");
	v->nfailed = 1;
}

static void
test_a_healthy_plc_leaves_the_client_judged(void **state)
{
	struct facts f;
	struct verdict v;
	size_t i;

	(void)state;
	facts_init(&f);
	f.plc.proxied = 1;
	f.plc.late_after = MS(500);
	f.plc.echoes = 40;
	for (i = 0; i < 40; i++)
		hist_add(&f.plc.rtt, MS(15));
	client_verdict(&v);
	assert_int_equal(plcjudge_verdict(&f, 32, &v), 0);
	assert_int_equal(v.nitems, 5);
	assert_int_equal(v.nfailed, 1);	/* the client's own */
	assert_int_equal(v.nfailed_plc, 0);
	assert_false(v.items[1].passed);
	for (i = 2; i < 5; i++) {
		assert_true(v.items[i].plc);
		assert_true(v.items[i].passed);
	}
	assert_ptr_equal(v.plc, &f.plc);
	verdict_free(&v);
	facts_free(&f);
}

static void
test_a_faulty_plc_is_blamed_not_the_client(void **state)
{
	struct facts f;
	struct verdict v;

	(void)state;
	facts_init(&f);
	f.plc.proxied = 1;
	f.plc.late_after = MS(500);
	f.plc.echoes = 10;
	f.plc.mismatches = 2;
	f.plc.closed = 1;
	snprintf(f.plc.first[FACTS_PLC_ECHOES], sizeof f.plc.first[0],
	    "first at 1s: echo 0x3 to frame 0x1");
	snprintf(f.plc.first[FACTS_PLC_LINK], sizeof f.plc.first[0],
	    "first at 2s: reset the connection (0 frames unanswered)");
	client_verdict(&v);
	assert_int_equal(plcjudge_verdict(&f, 32, &v), 0);
	assert_int_equal(v.nfailed_plc, 2);	/* echoes and link */
	assert_int_equal(v.nfailed, 2);		/* the client's not counted */
	assert_true(v.items[1].passed);
	assert_false(v.items[1].judged);
	assert_string_equal(v.items[1].message, "not judged, the PLC failed: "
	    "frames: expected at least 50, saw 3");
	assert_false(v.items[2].passed);
	assert_non_null(strstr(v.items[2].message, "2 of 10 unlike"));
	assert_non_null(strstr(v.items[2].message, "echo 0x3 to frame 0x1"));
	assert_null(strstr(v.items[2].message, "reset"));
	assert_true(v.items[3].passed);
	assert_false(v.items[4].passed);
	/* Each item quotes its own first fault, not another item's. */
	assert_non_null(strstr(v.items[4].message, "; first at 2s: reset the "
	    "connection"));
	assert_null(strstr(v.items[4].message, "echo 0x3"));
	verdict_free(&v);
	facts_free(&f);
}

/* Without a proxy nothing is added. */
static void
test_no_proxy_no_items(void **state)
{
	struct facts f;
	struct verdict v;

	(void)state;
	facts_init(&f);
	client_verdict(&v);
	assert_int_equal(plcjudge_verdict(&f, 32, &v), 0);
	assert_int_equal(v.nitems, 2);
	assert_null(v.plc);
	verdict_free(&v);
	facts_free(&f);
}

static void
cycle_of(const tc_us_t *rtts, size_t n, struct plcjudge_cycle *c)
{
	struct hist h;
	size_t i;

	hist_reset(&h);
	for (i = 0; i < n; i++)
		hist_add(&h, rtts[i]);
	plcjudge_cycle(&h, c);
}

static void
test_cycle(void **state)
{
	struct plcjudge_cycle c;
	tc_us_t r[200];
	size_t i;

	(void)state;
	/* Too few. */
	for (i = 0; i < 19; i++)
		r[i] = MS(15);
	cycle_of(r, 19, &c);
	assert_false(c.known);
	/* Every phase of a 20 ms cycle: round trips 20..40 ms. */
	for (i = 0; i < 200; i++)
		r[i] = MS(20) + (tc_us_t)i * 100 + 150;
	cycle_of(r, 200, &c);
	assert_true(c.known);
	assert_false(c.at_once);
	assert_true(c.fits);
	assert_int_equal(c.cycle, MS(20));
	assert_true(c.lo <= MS(20) && c.hi >= MS(20));
	assert_true(c.hi - c.lo < MS(4));
	/* One phase of a 10 ms cycle: 13.5 ms always, and a few late. */
	for (i = 0; i < 200; i++)
		r[i] = i % 50 == 0 ? MS(45) : 13500;
	cycle_of(r, 200, &c);
	assert_int_equal(c.cycle, MS(10));
	assert_true(c.usual);
	assert_true(c.lo <= MS(10) && c.hi >= MS(10));
	/* One phase at the cycle's end, and a network delay on top. */
	for (i = 0; i < 200; i++)
		r[i] = 20100;
	cycle_of(r, 200, &c);
	assert_int_equal(c.cycle, MS(10));
	assert_true(c.usual);
	/* One phase, no usual cycle fits: round trips about the same. */
	for (i = 0; i < 200; i++)
		r[i] = 4500;
	cycle_of(r, 200, &c);
	assert_false(c.usual);
	assert_int_equal(c.cycle, 3000);
	/* Answers at once, but for a few slow ones. */
	for (i = 0; i < 200; i++)
		r[i] = i % 10 == 0 ? MS(30) : 60;
	cycle_of(r, 200, &c);
	assert_true(c.at_once);
	/* Spread over more than an octave: no task cycle makes that. */
	for (i = 0; i < 200; i++)
		r[i] = MS(5) + (tc_us_t)i * 200;
	cycle_of(r, 200, &c);
	assert_true(c.known);
	assert_false(c.at_once);
	assert_false(c.fits);
	/* No range to give, rather than one upside down. */
	assert_int_equal(c.lo, 0);
	assert_int_equal(c.hi, 0);
	/* Answering at once but with jitter around the 300 us line: p10
	 * 250 us, p90 near 1.6 ms, said "between 1644us and 250us" once. */
	for (i = 0; i < 200; i++)
		r[i] = i < 90 ? 250 : i < 150 ? 400 : 3300;
	cycle_of(r, 200, &c);
	assert_true(c.known);
	assert_false(c.at_once);
	assert_false(c.fits);
	assert_true(c.lo <= c.hi);
}

static void
test_text_and_json(void **state)
{
	struct facts_plc p;
	char *buf = NULL;
	size_t len = 0, i;
	FILE *f;

	(void)state;
	memset(&p, 0, sizeof p);
	hist_reset(&p.rtt);
	for (i = 0; i < 100; i++)
		hist_add(&p.rtt, 13500);
	p.echoes = 100;
	assert_non_null(f = open_memstream(&buf, &len));
	plcjudge_text(f, &p, 32, NULL);
	plcjudge_json(f, &p, 32);
	fclose(f);
	assert_non_null(strstr(buf, "plc: to emulate it: plcsim serve "
	    "--cycle 10ms --length 32\n"));
	assert_non_null(strstr(buf, "\"rtt_us\": {\"count\": 100, \"min\": "));
	assert_non_null(strstr(buf, "\"estimate_us\": 10000}"));
	free(buf);
	/* Spread over more than an octave: said, with no range and no
	 * settings, in the text and in the JSON. */
	hist_reset(&p.rtt);
	for (i = 0; i < 100; i++)
		hist_add(&p.rtt, i < 30 ? 250 : 3300);
	buf = NULL;
	assert_non_null(f = open_memstream(&buf, &len));
	plcjudge_text(f, &p, 32, NULL);
	plcjudge_json(f, &p, 32);
	fclose(f);
	assert_non_null(strstr(buf, "plc: task cycle not estimated: round "
	    "trips spread over more than an octave (p10 250us, p90 "));
	assert_null(strstr(buf, "between"));
	assert_null(strstr(buf, "to emulate it:"));
	assert_non_null(strstr(buf, "\"fits\": false, \"lo_us\": null, "
	    "\"hi_us\": null, \"estimate_us\": null, \"not_estimated\": "
	    "\"round trips spread over more than an octave\"}"));
	free(buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_applies),
		cmocka_unit_test(test_a_healthy_plc_leaves_the_client_judged),
		cmocka_unit_test(test_a_faulty_plc_is_blamed_not_the_client),
		cmocka_unit_test(test_no_proxy_no_items),
		cmocka_unit_test(test_cycle),
		cmocka_unit_test(test_text_and_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
