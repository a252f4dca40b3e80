/* Unit tests of the percentile histogram (client/hist.c), against the exact
 * percentiles of a sorted array. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "hist.h"
#include "rng.h"

static const double quantiles[] = {
	0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 0.999,
};
#define NQUANTILES (sizeof quantiles / sizeof quantiles[0])

static int
compare_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The exact quantile by the same definition: the smallest value with at
 * least q of all values at or below it. */
static uint64_t
exact_quantile(const uint64_t *sorted, size_t n, double q)
{
	size_t rank = (size_t)ceil(q * (double)n);

	return sorted[rank == 0 ? 0 : rank - 1];
}

/* Within the documented 0.8 % of the true value. */
static void
assert_close(uint64_t got, uint64_t want, double q)
{
	double tol = 0.008 * (double)want;

	if (fabs((double)got - (double)want) > tol)
		fail_msg("q=%g: got %llu, want %llu (+-%.1f)", q,
		    (unsigned long long)got, (unsigned long long)want, tol);
}

static struct hist h;		/* large: not on the stack */
static uint64_t values[200000];
static uint64_t sorted[200000];

static void
check_against_sorted(size_t n)
{
	size_t i;
	uint64_t sum = 0;

	hist_reset(&h);
	for (i = 0; i < n; i++) {
		hist_add(&h, values[i]);
		sorted[i] = values[i];
		sum += values[i];
	}
	qsort(sorted, n, sizeof sorted[0], compare_u64);
	for (i = 0; i < NQUANTILES; i++)
		assert_close(hist_quantile(&h, quantiles[i]),
		    exact_quantile(sorted, n, quantiles[i]), quantiles[i]);
	/* min, max, count and sum are exact. */
	assert_int_equal(h.count, n);
	assert_int_equal(h.min, sorted[0]);
	assert_int_equal(h.max, sorted[n - 1]);
	assert_int_equal(hist_quantile(&h, 0), sorted[0]);
	assert_int_equal(hist_quantile(&h, 1), sorted[n - 1]);
	assert_int_equal(h.sum, sum);
	assert_true(fabs(hist_mean(&h) - (double)sum / (double)n) < 1e-6 *
	    hist_mean(&h) + 1e-9);
}

/* Round-trip times: log-uniform from 1 us to about 10 s. */
static void
test_hist_log_uniform(void **state)
{
	struct rng r;
	size_t i, n = sizeof values / sizeof values[0];

	(void)state;
	rng_seed(&r, 11);
	for (i = 0; i < n; i++)
		values[i] = (uint64_t)exp(rng_unit(&r) * log(1e7));
	check_against_sorted(n);
}

/* Lateness: mostly tens of microseconds with a rare long tail. */
static void
test_hist_skewed(void **state)
{
	struct rng r;
	size_t i, n = 50000;

	(void)state;
	rng_seed(&r, 12);
	for (i = 0; i < n; i++) {
		double v = rng_normal(&r, 60, 15);
		if (rng_range(&r, 0, 99) == 0)
			v = rng_range(&r, 1000, 50000);
		values[i] = v < 0 ? 0 : (uint64_t)v;
	}
	check_against_sorted(n);
}

/* Uniform over a narrow band: many values in each bucket. */
static void
test_hist_uniform_band(void **state)
{
	struct rng r;
	size_t i, n = 100000;

	(void)state;
	rng_seed(&r, 13);
	for (i = 0; i < n; i++)
		values[i] = rng_range(&r, 99000, 101000);
	check_against_sorted(n);
}

/* Below 128 us every value has its own bucket: percentiles are exact. */
static void
test_hist_small_values_exact(void **state)
{
	uint64_t v;

	(void)state;
	hist_reset(&h);
	for (v = 1; v <= 100; v++)
		hist_add(&h, v);
	assert_int_equal(hist_quantile(&h, 0.5), 50);
	assert_int_equal(hist_quantile(&h, 0.99), 99);
	assert_int_equal(hist_quantile(&h, 0.01), 1);
	assert_int_equal(hist_quantile(&h, 0.011), 2);
	assert_true(fabs(hist_mean(&h) - 50.5) < 1e-9);
}

static void
test_hist_empty(void **state)
{
	(void)state;
	hist_reset(&h);
	assert_int_equal(h.count, 0);
	assert_int_equal(hist_quantile(&h, 0), 0);
	assert_int_equal(hist_quantile(&h, 0.5), 0);
	assert_int_equal(hist_quantile(&h, 0.99), 0);
	assert_int_equal(hist_quantile(&h, 1), 0);
	assert_true(hist_mean(&h) == 0.0);
}

static void
test_hist_single_value(void **state)
{
	(void)state;
	hist_reset(&h);
	hist_add(&h, 100003);
	/* Any percentile of one value is that value, not a bucket's middle. */
	assert_int_equal(hist_quantile(&h, 0.5), 100003);
	assert_int_equal(hist_quantile(&h, 0.99), 100003);
	assert_int_equal(h.min, 100003);
	assert_int_equal(h.max, 100003);
}

/* Values beyond the last bucket still give an exact max and a p100. */
static void
test_hist_huge_values(void **state)
{
	(void)state;
	hist_reset(&h);
	hist_add(&h, 5);
	hist_add(&h, UINT64_MAX / 2);
	hist_add(&h, (uint64_t)1 << 62);
	assert_int_equal(h.max, UINT64_MAX / 2);
	assert_int_equal(h.min, 5);
	assert_int_equal(hist_quantile(&h, 1), UINT64_MAX / 2);
	assert_int_equal(hist_quantile(&h, 0.3), 5);
	assert_true(hist_quantile(&h, 0.9) <= UINT64_MAX / 2);
	assert_true(hist_quantile(&h, 0.9) > 1000000);
}

/* A reset forgets everything. */
static void
test_hist_reset(void **state)
{
	(void)state;
	hist_reset(&h);
	hist_add(&h, 1000);
	hist_add(&h, 3);
	hist_reset(&h);
	hist_add(&h, 77);
	assert_int_equal(h.count, 1);
	assert_int_equal(h.min, 77);
	assert_int_equal(h.max, 77);
	assert_int_equal(hist_quantile(&h, 0.5), 77);
}

/* Counting below small values, which are kept exactly, is exact. */
static void
test_hist_count_exact(void **state)
{
	uint64_t v;

	(void)state;
	hist_reset(&h);
	assert_int_equal(hist_count_le(&h, 1000), 0);
	assert_int_equal(hist_count_in(&h, 0, 1000), 0);
	for (v = 1; v <= 100; v++)
		hist_add(&h, v);
	assert_int_equal(hist_count_le(&h, 0), 0);
	assert_int_equal(hist_count_le(&h, 1), 1);
	assert_int_equal(hist_count_le(&h, 50), 50);
	assert_int_equal(hist_count_le(&h, 100), 100);
	assert_int_equal(hist_count_le(&h, UINT64_MAX), 100);
	assert_int_equal(hist_count_in(&h, 10, 20), 11);
	assert_int_equal(hist_count_in(&h, 0, 0), 0);
	assert_int_equal(hist_count_in(&h, 100, 200), 1);
	assert_int_equal(hist_count_in(&h, 20, 10), 0);	/* empty range */
}

/* Large values: counts agree with the sorted values to bucket precision. */
static void
test_hist_count_large(void **state)
{
	struct rng rng;
	size_t i, n = 20000, exact;
	uint64_t x, got, lo, hi;

	(void)state;
	rng_seed(&rng, 99);
	hist_reset(&h);
	for (i = 0; i < n; i++) {
		values[i] = 1000 + rng_next(&rng) % 1000000;
		hist_add(&h, values[i]);
	}
	assert_int_equal(hist_count_le(&h, h.min - 1), 0);
	assert_int_equal(hist_count_le(&h, h.max), n);
	assert_int_equal(hist_count_in(&h, h.min, h.max), n);
	for (x = 2000; x < 1000000; x = x * 3 / 2) {
		/* Values within 0.8 % of x may fall either side of it. */
		lo = (uint64_t)((double)x * 0.992);
		hi = (uint64_t)((double)x * 1.008);
		got = hist_count_le(&h, x);
		exact = 0;
		for (i = 0; i < n; i++)
			if (values[i] <= lo)
				exact++;
		if (got < exact)
			fail_msg("count <= %llu: %llu, below the %zu <= %llu",
			    (unsigned long long)x, (unsigned long long)got,
			    exact, (unsigned long long)lo);
		exact = 0;
		for (i = 0; i < n; i++)
			if (values[i] <= hi)
				exact++;
		if (got > exact)
			fail_msg("count <= %llu: %llu, above the %zu <= %llu",
			    (unsigned long long)x, (unsigned long long)got,
			    exact, (unsigned long long)hi);
		/* Monotonic, and the ranges add up. */
		assert_true(hist_count_le(&h, x + x / 2) >= got);
		assert_int_equal(hist_count_in(&h, 0, x) +
		    hist_count_in(&h, x + 1, UINT64_MAX), n);
	}
}

static void
test_hist_deviation_p99(void **state)
{
	uint64_t i, d;

	(void)state;
	hist_reset(&h);
	assert_int_equal(hist_deviation_p99(&h, 100), 0);
	/* All on the centre: no deviation. */
	for (i = 0; i < 100; i++)
		hist_add(&h, 100);
	assert_int_equal(hist_deviation_p99(&h, 100), 0);
	/* One value in a hundred may lie anywhere. */
	hist_add(&h, 120);
	assert_int_equal(hist_deviation_p99(&h, 100), 0);
	/* Two may not: 99 % needs one of them. */
	hist_reset(&h);
	for (i = 0; i < 98; i++)
		hist_add(&h, 100);
	hist_add(&h, 110);
	hist_add(&h, 90);
	assert_int_equal(hist_deviation_p99(&h, 100), 10);
	/* Either side of the centre; below it, not past 0. */
	assert_int_equal(hist_deviation_p99(&h, 0), 100);
	/* Large values: 10000 +- 10 * k for k = -50..49, so that 99 of the
	 * 100 lie within 490, to bucket precision (0.8 %: 80). */
	hist_reset(&h);
	for (i = 0; i < 100; i++)
		hist_add(&h, 10000 + i * 10 - 500);
	d = hist_deviation_p99(&h, 10000);
	if (d + 80 < 490 || d > 490 + 80)
		fail_msg("deviation p99 %llu, want 490 +- 80",
		    (unsigned long long)d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hist_log_uniform),
		cmocka_unit_test(test_hist_skewed),
		cmocka_unit_test(test_hist_uniform_band),
		cmocka_unit_test(test_hist_small_values_exact),
		cmocka_unit_test(test_hist_empty),
		cmocka_unit_test(test_hist_single_value),
		cmocka_unit_test(test_hist_huge_values),
		cmocka_unit_test(test_hist_reset),
		cmocka_unit_test(test_hist_count_exact),
		cmocka_unit_test(test_hist_count_large),
		cmocka_unit_test(test_hist_deviation_p99),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
