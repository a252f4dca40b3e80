/* Unit tests of the life-bit monitor (plcsim/lifemon.c): time by hand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "lifemon.h"

#define MS TC_US_PER_MS

static int
setup_stats(void **state)
{
	struct lifemon_stats *s = malloc(sizeof *s);

	if (s == NULL)
		return -1;
	lifemon_stats_reset(s);
	*state = s;
	return 0;
}

static int
teardown_stats(void **state)
{
	free(*state);
	return 0;
}

static void
test_lifemon_edges_and_intervals(void **state)
{
	struct lifemon_stats *s = *state;
	struct lifemon_track t;
	struct lifemon_edge e;
	tc_us_t now;
	int bit = 0, edges = 0;

	lifemon_track_start(&t, 0);
	/* A frame every 200 ms, the bit flipped every 1 s. */
	for (now = 0; now <= 10000 * MS; now += 200 * MS) {
		if (now > 0 && now % (1000 * MS) == 0)
			bit ^= 1;
		if (lifemon_frame(s, &t, now, bit, &e)) {
			edges++;
			assert_int_equal(e.bit, bit);
			if (edges == 1)
				assert_false(e.has_interval);
			else
				assert_int_equal(e.interval, 1000 * MS);
		}
	}
	assert_int_equal(edges, 10);
	assert_int_equal(s->edges, 10);
	assert_int_equal(s->rising, 5);
	assert_int_equal(s->falling, 5);
	assert_int_equal(s->frames, 51);
	assert_int_equal(s->intervals.count, 9);
	assert_int_equal(hist_quantile(&s->intervals, 0.5), 1000 * MS);
	assert_int_equal(s->intervals.max, 1000 * MS);
}

static void
test_lifemon_first_frame_is_no_edge(void **state)
{
	struct lifemon_stats *s = *state;
	struct lifemon_track t;
	struct lifemon_edge e;

	lifemon_track_start(&t, 0);
	assert_false(lifemon_frame(s, &t, 10, 1, &e));
	assert_false(lifemon_frame(s, &t, 20, 1, &e));
	assert_true(lifemon_frame(s, &t, 30, 0, &e));
	/* A new connection starts over: its first frame is no edge. */
	lifemon_track_start(&t, 40);
	assert_false(lifemon_frame(s, &t, 50, 1, &e));
	assert_int_equal(s->edges, 1);
	assert_int_equal(s->intervals.count, 0);
}

static void
test_lifemon_watchdog_fires_once_per_silence(void **state)
{
	struct lifemon_stats *s = *state;
	struct lifemon_track t;
	struct lifemon_edge e;
	tc_us_t silent = 0;

	lifemon_track_start(&t, 1000 * MS);
	assert_int_equal(lifemon_watchdog_due(&t, 500 * MS), 1500 * MS);
	assert_false(lifemon_watchdog(s, &t, 1499 * MS, 500 * MS, &silent));
	assert_true(lifemon_watchdog(s, &t, 1500 * MS, 500 * MS, &silent));
	assert_int_equal(silent, 500 * MS);
	/* Once per silence. */
	assert_false(lifemon_watchdog(s, &t, 1600 * MS, 500 * MS, &silent));
	assert_false(lifemon_watchdog(s, &t, 9000 * MS, 500 * MS, &silent));
	assert_int_equal(lifemon_watchdog_due(&t, 500 * MS), UINT64_MAX);
	assert_int_equal(s->watchdogs, 1);
	/* Frames without an edge do not end the silence. */
	assert_false(lifemon_frame(s, &t, 9100 * MS, 0, &e));
	assert_false(lifemon_frame(s, &t, 9200 * MS, 0, &e));
	assert_true(lifemon_frame(s, &t, 9300 * MS, 1, &e));
	assert_true(e.resumed);
	assert_int_equal(e.silent, 8300 * MS);
	/* The next silence counts from that edge. */
	assert_int_equal(lifemon_watchdog_due(&t, 500 * MS), 9800 * MS);
	assert_false(lifemon_watchdog(s, &t, 9799 * MS, 500 * MS, &silent));
	assert_true(lifemon_watchdog(s, &t, 9800 * MS, 500 * MS, &silent));
	assert_int_equal(s->watchdogs, 2);
}

static void
test_lifemon_watchdog_quiet_while_toggling(void **state)
{
	struct lifemon_stats *s = *state;
	struct lifemon_track t;
	struct lifemon_edge e;
	tc_us_t now, silent;
	int bit = 0;

	lifemon_track_start(&t, 0);
	for (now = 0; now < 20000 * MS; now += 100 * MS) {
		if (now % (400 * MS) == 0)
			bit ^= 1;
		lifemon_frame(s, &t, now, bit, &e);
		assert_false(lifemon_watchdog(s, &t, now, 500 * MS, &silent));
	}
	assert_int_equal(s->watchdogs, 0);
}

static void
test_lifemon_watchdog_disabled(void **state)
{
	struct lifemon_stats *s = *state;
	struct lifemon_track t;
	tc_us_t silent;

	lifemon_track_start(&t, 0);
	assert_false(lifemon_watchdog(s, &t, 1000000 * MS, 0, &silent));
	assert_int_equal(lifemon_watchdog_due(&t, 0), UINT64_MAX);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_lifemon_edges_and_intervals,
		    setup_stats, teardown_stats),
		cmocka_unit_test_setup_teardown(
		    test_lifemon_first_frame_is_no_edge, setup_stats,
		    teardown_stats),
		cmocka_unit_test_setup_teardown(
		    test_lifemon_watchdog_fires_once_per_silence, setup_stats,
		    teardown_stats),
		cmocka_unit_test_setup_teardown(
		    test_lifemon_watchdog_quiet_while_toggling, setup_stats,
		    teardown_stats),
		cmocka_unit_test_setup_teardown(test_lifemon_watchdog_disabled,
		    setup_stats, teardown_stats),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
