/* Unit tests of the reconnect back-off (client/backoff.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "backoff.h"

#define MS TC_US_PER_MS

/* The defaults: 100 ms doubling to 5 s. */
static const tc_us_t ceilings[] = {
	100 * MS, 200 * MS, 400 * MS, 800 * MS, 1600 * MS, 3200 * MS,
	5000 * MS, 5000 * MS, 5000 * MS,
};
#define NCEILINGS (sizeof ceilings / sizeof ceilings[0])

static void
test_backoff_sequence(void **state)
{
	struct backoff b;
	tc_us_t d;
	size_t i;

	(void)state;
	backoff_init(&b, 100 * MS, 5000 * MS, 1);
	for (i = 0; i < NCEILINGS; i++) {
		assert_int_equal(backoff_ceiling(&b), ceilings[i]);
		d = backoff_next(&b);
		assert_in_range(d, ceilings[i] / 2, ceilings[i]);
	}
}

/* Every seed keeps every delay within [ceiling/2, ceiling]; the first one
 * is never later than 100 ms after the loss. */
static void
test_backoff_bounds_many_seeds(void **state)
{
	struct backoff b;
	uint64_t seed;
	size_t i;

	(void)state;
	for (seed = 0; seed < 2000; seed++) {
		backoff_init(&b, 100 * MS, 5000 * MS, seed);
		assert_true(backoff_next(&b) <= 100 * MS);
		for (i = 1; i < NCEILINGS; i++)
			assert_in_range(backoff_next(&b), ceilings[i] / 2,
			    ceilings[i]);
	}
}

/* Jitter: over many seeds the first delay spreads over its whole range,
 * so clients that lost one PLC together do not come back together. */
static void
test_backoff_jitter_spreads(void **state)
{
	struct backoff b;
	tc_us_t d, lo = UINT64_MAX, hi = 0;
	uint64_t seed;

	(void)state;
	for (seed = 1; seed <= 1000; seed++) {
		backoff_init(&b, 100 * MS, 5000 * MS, seed);
		d = backoff_next(&b);
		if (d < lo)
			lo = d;
		if (d > hi)
			hi = d;
	}
	assert_true(lo < 55 * MS);
	assert_true(hi > 95 * MS);
}

static void
test_backoff_reset(void **state)
{
	struct backoff b;
	int i;

	(void)state;
	backoff_init(&b, 100 * MS, 5000 * MS, 7);
	for (i = 0; i < 5; i++)
		backoff_next(&b);
	assert_int_equal(backoff_ceiling(&b), 3200 * MS);
	backoff_reset(&b);
	assert_int_equal(backoff_ceiling(&b), 100 * MS);
	assert_true(backoff_next(&b) <= 100 * MS);
	assert_int_equal(backoff_ceiling(&b), 200 * MS);
}

static void
test_backoff_same_seed_same_sequence(void **state)
{
	struct backoff a, b, c;
	int i, differ = 0;

	(void)state;
	backoff_init(&a, 100 * MS, 5000 * MS, 12345);
	backoff_init(&b, 100 * MS, 5000 * MS, 12345);
	backoff_init(&c, 100 * MS, 5000 * MS, 54321);
	for (i = 0; i < 50; i++) {
		tc_us_t da = backoff_next(&a);
		assert_int_equal(da, backoff_next(&b));
		differ += da != backoff_next(&c);
	}
	assert_true(differ > 0);
}

/* Capped for ever: thousands of failures never overflow the ceiling. */
static void
test_backoff_capped_for_ever(void **state)
{
	struct backoff b;
	int i;

	(void)state;
	backoff_init(&b, 100 * MS, 5000 * MS, 3);
	for (i = 0; i < 10000; i++)
		assert_in_range(backoff_next(&b), 0, 5000 * MS);
	assert_int_equal(backoff_ceiling(&b), 5000 * MS);
	assert_in_range(backoff_next(&b), 2500 * MS, 5000 * MS);
}

/* A max below the min is raised to it; a max that is not a doubling of
 * the min still caps. */
static void
test_backoff_odd_bounds(void **state)
{
	struct backoff b;
	int i;

	(void)state;
	backoff_init(&b, 300 * MS, 100 * MS, 9);
	for (i = 0; i < 5; i++) {
		assert_int_equal(backoff_ceiling(&b), 300 * MS);
		assert_in_range(backoff_next(&b), 150 * MS, 300 * MS);
	}
	backoff_init(&b, 100 * MS, 200 * MS, 9);
	assert_int_equal(backoff_ceiling(&b), 100 * MS);
	backoff_next(&b);
	assert_int_equal(backoff_ceiling(&b), 200 * MS);
	backoff_next(&b);
	assert_int_equal(backoff_ceiling(&b), 200 * MS);
	backoff_init(&b, 100 * MS, 250 * MS, 9);
	backoff_next(&b);
	backoff_next(&b);
	assert_int_equal(backoff_ceiling(&b), 250 * MS);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_backoff_sequence),
		cmocka_unit_test(test_backoff_bounds_many_seeds),
		cmocka_unit_test(test_backoff_jitter_spreads),
		cmocka_unit_test(test_backoff_reset),
		cmocka_unit_test(test_backoff_same_seed_same_sequence),
		cmocka_unit_test(test_backoff_capped_for_ever),
		cmocka_unit_test(test_backoff_odd_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
