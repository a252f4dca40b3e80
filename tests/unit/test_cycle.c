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

/*
 * The toggler's rule. On time, or up to half a period late: the grid as
 * cycle_advance keeps it, however long it runs (no drift).
 */
static void
test_cycle_spaced_on_time(void **state)
{
	struct cycle c;
	struct rng r;
	uint64_t i;

	(void)state;
	rng_seed(&r, 11);
	cycle_init(&c, T0, 500 * MS);
	for (i = 0; i < 100000; i++)
		assert_int_equal(cycle_advance_spaced(&c, cycle_deadline(&c) +
		    rng_range(&r, 0, 250 * MS), 100 * MS), 0);
	assert_int_equal(cycle_deadline(&c), T0 + 100000 * 500 * MS);
}

/*
 * A freeze that ends just before a deadline: the overdue flip now, and
 * the next not 1 ms later (no frame would carry the state between, and
 * the PLC would see no edge for a whole cycle) but on the first grid
 * point at least the gap away.
 */
static void
test_cycle_spaced_after_freeze(void **state)
{
	struct cycle c;

	(void)state;
	cycle_init(&c, T0, 500 * MS);
	c.index = 5;			/* slept for T0 + 2.5 s, frozen */
	/* Woken at 3.999 s: 3.0 and 3.5 s are past, 4.0 s too close. */
	assert_int_equal(cycle_advance_spaced(&c, T0 + 3999 * MS, 100 * MS),
	    2 + 1);
	assert_int_equal(cycle_deadline(&c), T0 + 4500 * MS);
	/* cycle_advance would have flipped again 1 ms later. */
	cycle_init(&c, T0, 500 * MS);
	c.index = 5;
	cycle_advance(&c, T0 + 3999 * MS);
	assert_int_equal(cycle_deadline(&c), T0 + 4000 * MS);
	/* Woken exactly on a deadline: the flip now stands for it (a
	 * second at once would cancel it); the next a period on. */
	cycle_init(&c, T0, 500 * MS);
	c.index = 5;
	assert_int_equal(cycle_advance_spaced(&c, T0 + 4000 * MS, 100 * MS),
	    3);
	assert_int_equal(cycle_deadline(&c), T0 + 4500 * MS);
	/* Far enough from the next deadline: only those past are skipped
	 * (3.0 and 3.5 s). */
	cycle_init(&c, T0, 500 * MS);
	c.index = 5;
	assert_int_equal(cycle_advance_spaced(&c, T0 + 3800 * MS, 100 * MS),
	    2);
	assert_int_equal(cycle_deadline(&c), T0 + 4000 * MS);
}

/* Late by more than half a period, no freeze: spaced too. */
static void
test_cycle_spaced_half_period(void **state)
{
	struct cycle c;

	(void)state;
	cycle_init(&c, T0, 100 * MS);
	/* 50 ms late: on the grid, 50 ms to the next. */
	assert_int_equal(cycle_advance_spaced(&c, T0 + 50 * MS, 100 * MS), 0);
	assert_int_equal(cycle_deadline(&c), T0 + 100 * MS);
	/* 90 ms late, the next 10 ms away: at least 100 ms instead. */
	assert_int_equal(cycle_advance_spaced(&c, T0 + 190 * MS, 100 * MS), 1);
	assert_int_equal(cycle_deadline(&c), T0 + 300 * MS);
	/* A gap of 0: the first deadline not before now. */
	assert_int_equal(cycle_advance_spaced(&c, T0 + 390 * MS, 0), 0);
	assert_int_equal(cycle_deadline(&c), T0 + 400 * MS);
}

/*
 * A toggler driven through a million wake-ups, most on time, some late,
 * some after freezes of up to ten periods that end anywhere: every
 * deadline on the grid, never in the past, never a burst; after a late
 * wake-up the next deadline at least the gap away, and never more than
 * a period past that.
 */
static void
test_cycle_spaced_million(void **state)
{
	const tc_us_t period = 500 * MS, gap = 100 * MS;
	struct cycle c;
	struct rng r;
	tc_us_t now, due, next;
	uint64_t i, freezes = 0;

	(void)state;
	rng_seed(&r, 99);
	cycle_init(&c, T0, period);
	for (i = 0; i < 1000000; i++) {
		due = cycle_deadline(&c);
		now = due + rng_range(&r, 0, 5 * MS);
		if (rng_range(&r, 0, 99) == 0) {
			now += rng_range(&r, 0, 10 * period);
			freezes++;
		}
		cycle_advance_spaced(&c, now, gap);
		next = cycle_deadline(&c);
		if ((next - T0) % period != 0)
			fail_msg("wake-up %llu: off the grid",
			    (unsigned long long)i);
		if (next < now + (now - due > period / 2 ? gap : 0))
			fail_msg("wake-up %llu: the next %llu us after a late "
			    "one", (unsigned long long)i,
			    (unsigned long long)(next - now));
		if (next > now + gap + period)
			fail_msg("wake-up %llu: a deadline skipped for nothing",
			    (unsigned long long)i);
	}
	assert_true(freezes > 5000);
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
		cmocka_unit_test(test_cycle_spaced_on_time),
		cmocka_unit_test(test_cycle_spaced_after_freeze),
		cmocka_unit_test(test_cycle_spaced_half_period),
		cmocka_unit_test(test_cycle_spaced_million),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
