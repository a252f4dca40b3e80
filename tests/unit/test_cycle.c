/*
 * Unit tests of the periodic scheduler (client/cycle.c). The scheduler is
 * pure; the tests drive it with a fake clock that they move by hand.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "cycle.h"
#include "rng.h"

#define MS TC_US_PER_MS

/* A start far from zero, so that absolute and relative times differ. */
#define T0 123456789ULL

static void
test_cycle_deadlines(void **state)
{
	struct cycle c;
	tc_us_t now;
	int n;

	(void)state;
	cycle_init(&c, T0, 100 * MS);
	assert_int_equal(cycle_deadline(&c), T0);
	for (n = 1; n <= 100; n++) {
		/* Woken a little late, done a little later: still on time. */
		now = cycle_deadline(&c) + 3 * MS;
		assert_int_equal(cycle_advance(&c, now), 0);
		assert_int_equal(cycle_deadline(&c), T0 + (tc_us_t)n * 100 * MS);
	}
}

/* Finishing exactly on the next deadline, or just before it, is on time. */
static void
test_cycle_edges(void **state)
{
	struct cycle c;

	(void)state;
	cycle_init(&c, T0, 100 * MS);
	assert_int_equal(cycle_advance(&c, T0 + 100 * MS), 0);
	assert_int_equal(cycle_deadline(&c), T0 + 100 * MS);
	assert_int_equal(cycle_advance(&c, T0 + 200 * MS - 1), 0);
	assert_int_equal(cycle_deadline(&c), T0 + 200 * MS);
	/* One microsecond past the next deadline: that deadline is skipped. */
	assert_int_equal(cycle_advance(&c, T0 + 300 * MS + 1), 1);
	assert_int_equal(cycle_deadline(&c), T0 + 400 * MS);
}

/* An overrun skips the deadlines already past and never bursts: the next
 * deadline is the first one at or after now. */
static void
test_cycle_overrun_skips(void **state)
{
	struct cycle c;

	(void)state;
	cycle_init(&c, T0, 100 * MS);
	/* Deadline 0's frame took 350 ms: 100, 200 and 300 are gone. */
	assert_int_equal(cycle_advance(&c, T0 + 350 * MS), 3);
	assert_int_equal(cycle_deadline(&c), T0 + 400 * MS);
	/* Exactly on a deadline: that one is still due. */
	assert_int_equal(cycle_advance(&c, T0 + 700 * MS), 2);
	assert_int_equal(cycle_deadline(&c), T0 + 700 * MS);
	/* A long stall (a link down for an hour). */
	assert_int_equal(cycle_advance(&c, T0 + 3600 * TC_US_PER_SEC +
	    50 * MS), 36001 - 8);
	assert_int_equal(cycle_deadline(&c), T0 + 3600 * TC_US_PER_SEC +
	    100 * MS);
}

static void
test_cycle_zero_period(void **state)
{
	struct cycle c;

	(void)state;
	cycle_init(&c, T0, 0);
	assert_int_equal(cycle_advance(&c, T0), 0);
	assert_int_equal(cycle_deadline(&c), T0 + 1);
}

/*
 * A million cycles with a fake clock: each wake-up is late by a random
 * 0..5 ms and the work takes a random 0..20 ms, and now and then a cycle
 * overruns by up to three periods. The deadline is always exactly
 * start + n * period (no drift however late each cycle was), it never lies
 * in the past after an advance (no burst), and skipped + advanced counts
 * every deadline.
 */
static void
test_cycle_no_drift_million(void **state)
{
	const tc_us_t period = 100 * MS;
	struct cycle c;
	struct rng r;
	tc_us_t now, prev;
	uint64_t i, skipped, total_skipped = 0, overruns = 0;

	(void)state;
	rng_seed(&r, 2024);
	cycle_init(&c, T0, period);
	for (i = 0; i < 1000000; i++) {
		prev = cycle_deadline(&c);
		now = prev + rng_range(&r, 0, 5 * MS);	/* wake-up */
		now += rng_range(&r, 0, 20 * MS);	/* the exchange */
		if (rng_range(&r, 0, 999) == 0) {
			now += rng_range(&r, period, 3 * period);
			overruns++;
		}
		skipped = cycle_advance(&c, now);
		total_skipped += skipped;
		if (cycle_deadline(&c) < now)
			fail_msg("cycle %llu: deadline in the past",
			    (unsigned long long)i);
		if (cycle_deadline(&c) - now > period)
			fail_msg("cycle %llu: skipped a due deadline",
			    (unsigned long long)i);
		if (cycle_deadline(&c) != prev + (skipped + 1) * period)
			fail_msg("cycle %llu: not on the grid",
			    (unsigned long long)i);
	}
	assert_true(overruns > 0);
	assert_true(total_skipped >= overruns);
	assert_int_equal(c.index, 1000000 + total_skipped);
	assert_int_equal(cycle_deadline(&c), T0 + c.index * period);
}

/* Without overruns, a million cycles of 1 ms end exactly 1000 s later. */
static void
test_cycle_no_drift_exact(void **state)
{
	struct cycle c;
	struct rng r;
	uint64_t i;

	(void)state;
	rng_seed(&r, 7);
	cycle_init(&c, T0, MS);
	for (i = 0; i < 1000000; i++)
		assert_int_equal(cycle_advance(&c, cycle_deadline(&c) +
		    rng_range(&r, 0, 999)), 0);
	assert_int_equal(cycle_deadline(&c), T0 + 1000 * TC_US_PER_SEC);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cycle_deadlines),
		cmocka_unit_test(test_cycle_edges),
		cmocka_unit_test(test_cycle_overrun_skips),
		cmocka_unit_test(test_cycle_zero_period),
		cmocka_unit_test(test_cycle_no_drift_million),
		cmocka_unit_test(test_cycle_no_drift_exact),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
