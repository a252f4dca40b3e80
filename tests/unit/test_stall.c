/*
 * Unit tests of plcsim/stall.c: which failures the emulator's own stalls
 * could have made (the run cannot be judged) and which stand. Verdicts
 * and facts built by hand.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "stall.h"

#define MS(x)	((double)(x) * TC_US_PER_MS)

static const char yaml[] =
    "name: s\nduration: 6s\nclient:\n  stats: true\nexpectations:\n"
    "  - expect: startup\n    within: 1s\n"			/* 0 */
    "  - expect: send_cycle\n    period: 50ms\n    tolerance: 2ms\n"
    "    jitter_p99: 25ms\n"					/* 1 */
    "  - expect: no_burst\n    period: 100ms\n    at_most: 2\n"	/* 2 */
    "  - expect: life_bit_duty\n    high: 50%\n    tolerance: 5%\n"	/* 3 */
    "  - expect: counter\n    name: mismatches\n    equals: 0\n";	/* 4 */

struct fixture {
	struct scenario	       *sc;
	struct facts		f;
	struct verdict		v;
	struct verdict_item	items[5];
	struct plc_cycle_stats	cs;
	char			why[512];
};

static int
setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof *fx);
	char err[512];
	size_t i;

	if (fx == NULL)
		return -1;
	fx->sc = scenario_parse(yaml, strlen(yaml), "s.yaml", err, sizeof err);
	if (fx->sc == NULL || fx->sc->nexpects != 5) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	facts_init(&fx->f);
	for (i = 0; i < 5; i++) {
		fx->items[i].e = &fx->sc->expects[i];
		fx->items[i].passed = 1;
		fx->items[i].judged = 1;
		snprintf(fx->items[i].message, sizeof fx->items[i].message,
		    "item %zu", i);
	}
	fx->v.items = fx->items;
	fx->v.nitems = 5;
	/* A 10 ms task cycle; 45 of 800 boundaries missed, 105 ms at most. */
	fx->cs.cycle_us = 10000;
	fx->cs.ticks = 755;
	fx->cs.skipped = 45;
	fx->cs.stall_max_us = 105000;
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;

	facts_free(&fx->f);
	scenario_free(fx->sc);
	free(fx);
	return 0;
}

static void
fail_item(struct fixture *fx, int k, enum verdict_unit unit, double margin)
{
	fx->items[k].passed = 0;
	fx->items[k].unit = unit;
	fx->items[k].margin = margin;
	fx->v.nfailed++;
}

static int
excuses(struct fixture *fx)
{
	fx->why[0] = '\0';
	return stall_excuses(fx->sc, &fx->f, &fx->v, &fx->cs, fx->why,
	    sizeof fx->why);
}

/* A time missed by less than the stall: the emulator's; by more: not. */
static void
test_a_time(void **state)
{
	struct fixture *fx = *state;

	assert_int_equal(excuses(fx), 0);	/* it passed */
	fail_item(fx, 0, VERDICT_US, -MS(104));
	assert_int_equal(excuses(fx), 1);
	assert_string_equal(fx->why, "cannot be judged: the emulator missed "
	    "45 of 800 task cycles, stalled up to 105ms, which could have "
	    "made every failure: line 6: item 0");
	fx->items[0].margin = -MS(106);
	assert_int_equal(excuses(fx), 0);
	/* No boundary missed: the emulator kept its cycle, the verdict
	 * stands; nor is a run without a task cycle excused. */
	fx->items[0].margin = -MS(5);
	fx->cs.skipped = 0;
	assert_int_equal(excuses(fx), 0);
	fx->cs.skipped = 45;
	fx->cs.cycle_us = 0;
	assert_int_equal(excuses(fx), 0);
}

/* One failure that is no matter of time makes the whole run stand. */
static void
test_a_counter_stands(void **state)
{
	struct fixture *fx = *state;

	fail_item(fx, 0, VERDICT_US, -MS(10));
	fail_item(fx, 4, VERDICT_COUNT, -1);
	assert_int_equal(excuses(fx), 0);
	/* Nor is a run item (a client that exited early) excused. */
	fx->items[4].passed = 1;
	fx->items[0].e = NULL;
	assert_int_equal(excuses(fx), 0);
}

/* A send cycle: its jitter as a time, its mean over every interval. */
static void
test_send_cycle(void **state)
{
	struct fixture *fx = *state;
	int i;

	/* 150 intervals of 50 ms but two of 150: a mean of 51.3 ms, inside
	 * its 2 ms, and a p99 jitter of about 99 ms, 74 ms past its 25 ms:
	 * a stall of 105 ms could do it. */
	for (i = 0; i < 148; i++)
		hist_add(&fx->f.send_intervals, 50000);
	hist_add(&fx->f.send_intervals, 150000);
	hist_add(&fx->f.send_intervals, 150000);
	fail_item(fx, 1, VERDICT_US, -MS(75));
	assert_int_equal(excuses(fx), 1);
	assert_non_null(strstr(fx->why, "line 8: item 1"));
	/* A stall of 60 ms could not. */
	fx->cs.stall_max_us = 60000;
	assert_int_equal(excuses(fx), 0);
	/* A mean 20 ms off over 150 intervals: far more than 2 x 105 ms /
	 * 150 could move it, whatever the jitter. */
	fx->cs.stall_max_us = 105000;
	hist_reset(&fx->f.send_intervals);
	for (i = 0; i < 150; i++)
		hist_add(&fx->f.send_intervals, 70000);
	assert_int_equal(excuses(fx), 0);
	/* 1 ms past the tolerance over 150 intervals: 2 x 105 / 150 = 1.4. */
	hist_reset(&fx->f.send_intervals);
	for (i = 0; i < 150; i++)
		hist_add(&fx->f.send_intervals, 53000);
	assert_int_equal(excuses(fx), 1);
}

/* A burst: what a client on its period sends in the stall and a window. */
static void
test_burst(void **state)
{
	struct fixture *fx = *state;

	/* floor((105 + 90) / 100) + 1 = 2 frames: a burst of 3 stands. */
	fail_item(fx, 2, VERDICT_COUNT, -1);
	assert_int_equal(excuses(fx), 0);
	/* 312 ms: floor(402 / 100) + 1 = 5; a burst of 5 may be its. */
	fx->cs.stall_max_us = 312000;
	fx->items[2].margin = -3;
	assert_int_equal(excuses(fx), 1);
	fx->items[2].margin = -4;
	assert_int_equal(excuses(fx), 0);
}

/* A duty cycle: the share of the run the missed cycles cover. */
static void
test_duty(void **state)
{
	struct fixture *fx = *state;

	/* 45 x 10 ms + 105 ms = 555 ms of 6 s: 9.25 points. */
	fail_item(fx, 3, VERDICT_PERCENT, -9.2);
	assert_int_equal(excuses(fx), 1);
	fx->items[3].margin = -9.3;
	assert_int_equal(excuses(fx), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_a_time, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_counter_stands, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_send_cycle, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_burst, setup, teardown),
		cmocka_unit_test_setup_teardown(test_duty, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
