/*
 * Unit tests of the shared life bit (client/lifebit.c). Single-threaded but
 * for one test that flips from a helper thread; only the main thread
 * asserts, as cmocka is not thread-safe.
 *
 * Timing tolerances: lower bounds are exact (a timed wait never returns
 * before its time), upper bounds are generous (seconds), because a loaded
 * 2-core machine or a sanitizer build may deschedule a thread for tens of
 * milliseconds. "Returns at once" is checked against a wait ten times as
 * long as the bound, so a pass still proves that the wait was not taken.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <cmocka.h>

#include "lifebit.h"

#define MS  TC_US_PER_MS
#define SEC TC_US_PER_SEC

/* No flip is due before the frame's deadline: no wait, even a long one. */
static void
test_lifebit_no_flip_due_returns_at_once(void **state)
{
	struct lifebit lb;
	tc_us_t now = clock_now_us(), t0;
	uint64_t flips = 99;

	(void)state;
	lifebit_init(&lb, now + 3600 * SEC);
	t0 = clock_now_us();
	assert_int_equal(lifebit_for_frame(&lb, now + 100 * MS, 20 * SEC,
	    &flips), 0);
	assert_true(clock_now_us() - t0 < 2 * SEC);
	assert_int_equal(flips, 0);
	lifebit_destroy(&lb);
}

static void
test_lifebit_flips(void **state)
{
	struct lifebit lb;
	tc_us_t now = clock_now_us();
	uint64_t flips = 0;

	(void)state;
	lifebit_init(&lb, now + 3600 * SEC);
	assert_int_equal(lifebit_flips(&lb), 0);
	lifebit_flip(&lb, now + 7200 * SEC);
	assert_int_equal(lifebit_flips(&lb), 1);
	assert_int_equal(lifebit_for_frame(&lb, now, 20 * SEC, &flips), 1);
	assert_int_equal(flips, 1);
	lifebit_flip(&lb, now + 7200 * SEC);
	assert_int_equal(lifebit_for_frame(&lb, now, 20 * SEC, &flips), 0);
	assert_int_equal(flips, 2);
	lifebit_flip(&lb, now + 7200 * SEC);
	/* `flips` may be NULL. */
	assert_int_equal(lifebit_for_frame(&lb, now, 20 * SEC, NULL), 1);
	assert_int_equal(lifebit_flips(&lb), 3);
	lifebit_destroy(&lb);
}

/*
 * A flip is due by the frame's deadline but nobody makes it (a toggler
 * descheduled): the sender waits max_wait, no less, and then sends the bit
 * as it is rather than block the link.
 */
static void
test_lifebit_waits_at_most_max_wait(void **state)
{
	const tc_us_t max_wait = 50 * MS;
	struct lifebit lb;
	tc_us_t now = clock_now_us(), t0, waited;
	uint64_t flips = 99;

	(void)state;
	lifebit_init(&lb, now);
	t0 = clock_now_us();
	assert_int_equal(lifebit_for_frame(&lb, now + 100 * MS, max_wait,
	    &flips), 0);
	waited = clock_now_us() - t0;
	assert_int_equal(flips, 0);
	/* Lower bound: the deadline is computed inside the call, after t0;
	 * 1 us of rounding to microseconds is allowed. */
	if (waited + 1 < max_wait)
		fail_msg("returned after %llu us, before max_wait",
		    (unsigned long long)waited);
	/* Upper bound: max_wait plus scheduling delay on a loaded machine. */
	if (waited > max_wait + 2 * SEC)
		fail_msg("waited %llu us", (unsigned long long)waited);
	lifebit_destroy(&lb);
}

/* A flip due exactly at the frame's deadline is due: the frame waits. */
static void
test_lifebit_flip_at_deadline_is_due(void **state)
{
	const tc_us_t max_wait = 30 * MS;
	struct lifebit lb;
	tc_us_t now = clock_now_us(), t0;

	(void)state;
	lifebit_init(&lb, now + 500 * MS);
	t0 = clock_now_us();
	lifebit_for_frame(&lb, now + 500 * MS, max_wait, NULL);
	assert_true(clock_now_us() - t0 + 1 >= max_wait);
	/* One microsecond earlier it is not. */
	t0 = clock_now_us();
	lifebit_for_frame(&lb, now + 500 * MS - 1, 20 * SEC, NULL);
	assert_true(clock_now_us() - t0 < 2 * SEC);
	lifebit_destroy(&lb);
}

/* A retired toggler (stopping) or none at all (mode 1): never wait. */
static void
test_lifebit_retire(void **state)
{
	struct lifebit lb;
	tc_us_t now = clock_now_us(), t0;

	(void)state;
	lifebit_init(&lb, now);
	lifebit_flip(&lb, now + 100 * MS);
	lifebit_retire(&lb);
	t0 = clock_now_us();
	assert_int_equal(lifebit_for_frame(&lb, now + 3600 * SEC, 20 * SEC,
	    NULL), 1);
	assert_true(clock_now_us() - t0 < 2 * SEC);
	lifebit_destroy(&lb);

	lifebit_init(&lb, LIFEBIT_NO_TOGGLER);
	t0 = clock_now_us();
	assert_int_equal(lifebit_for_frame(&lb, UINT64_MAX - 1, 20 * SEC,
	    NULL), 0);
	assert_true(clock_now_us() - t0 < 2 * SEC);
	lifebit_destroy(&lb);
}

struct flipper {
	struct lifebit *lb;
	tc_us_t		delay_us;
	tc_us_t		next_us;
};

static void *
flipper_main(void *arg)
{
	struct flipper *f = arg;
	struct timespec ts = clock_us_to_timespec(f->delay_us);

	nanosleep(&ts, NULL);
	lifebit_flip(f->lb, f->next_us);
	return NULL;
}

/* The flip the frame waits for arrives from the toggler: the frame carries
 * it, without waiting out max_wait. */
static void
test_lifebit_late_flip_is_carried(void **state)
{
	struct lifebit lb;
	struct flipper f;
	pthread_t t;
	tc_us_t now = clock_now_us(), t0;
	uint64_t flips = 0;

	(void)state;
	lifebit_init(&lb, now);
	f.lb = &lb;
	f.delay_us = 20 * MS;
	f.next_us = now + 3600 * SEC;
	t0 = clock_now_us();
	assert_int_equal(pthread_create(&t, NULL, flipper_main, &f), 0);
	assert_int_equal(lifebit_for_frame(&lb, now + 100 * MS, 30 * SEC,
	    &flips), 1);
	assert_int_equal(flips, 1);
	assert_true(clock_now_us() - t0 < 20 * SEC);
	pthread_join(t, NULL);
	lifebit_destroy(&lb);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lifebit_no_flip_due_returns_at_once),
		cmocka_unit_test(test_lifebit_flips),
		cmocka_unit_test(test_lifebit_waits_at_most_max_wait),
		cmocka_unit_test(test_lifebit_flip_at_deadline_is_due),
		cmocka_unit_test(test_lifebit_retire),
		cmocka_unit_test(test_lifebit_late_flip_is_carried),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
