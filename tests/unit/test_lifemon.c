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

	lifemon_track_start(&t);
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
	assert_int_equal(s->last_interval, 1000 * MS);
}

/* The latest interval is the latest, whatever came before. */
static void
test_lifemon_last_interval(void **state)
{
	struct lifemon_stats *s = *state;
	struct lifemon_track t;
	struct lifemon_edge e;

	lifemon_track_start(&t);
	lifemon_frame(s, &t, 0, 0, &e);
	lifemon_frame(s, &t, 100 * MS, 1, &e);
	lifemon_frame(s, &t, 900 * MS, 0, &e);
	assert_int_equal(s->last_interval, 800 * MS);
	lifemon_frame(s, &t, 1200 * MS, 1, &e);
	assert_int_equal(s->last_interval, 300 * MS);
}

/* What a live status shows: off, idle, the time left, how long silent. */
static void
test_lifemon_watchdog_state(void **state)
{
	struct lifemon_stats *s = *state;
	struct lifemon_watchdog w = { 0 };
	tc_us_t t = 1, silent;

	assert_int_equal(lifemon_watchdog_state(&w, 100 * MS, 0, &t),
	    LIFEMON_WD_OFF);
	assert_int_equal(t, 0);
	assert_int_equal(lifemon_watchdog_state(&w, 100 * MS, 500 * MS, &t),
	    LIFEMON_WD_IDLE);
	lifemon_watchdog_start(&w, 1000 * MS);
	assert_int_equal(lifemon_watchdog_state(&w, 1200 * MS, 500 * MS, &t),
	    LIFEMON_WD_ARMED);
	assert_int_equal(t, 300 * MS);
	/* Due, before the monitor's next look: fired already. */
	assert_int_equal(lifemon_watchdog_state(&w, 1500 * MS, 500 * MS, &t),
	    LIFEMON_WD_FIRED);
	assert_int_equal(t, 500 * MS);
	assert_true(lifemon_watchdog(s, &w, 1600 * MS, 500 * MS, &silent));
	assert_int_equal(lifemon_watchdog_state(&w, 2000 * MS, 500 * MS, &t),
	    LIFEMON_WD_FIRED);
	assert_int_equal(t, 1000 * MS);
	/* An edge: armed again, counting from it. */
	lifemon_watchdog_edge(&w, 2100 * MS, &silent);
	assert_int_equal(lifemon_watchdog_state(&w, 2150 * MS, 500 * MS, &t),
	    LIFEMON_WD_ARMED);
	assert_int_equal(t, 450 * MS);
}

static void
test_lifemon_first_frame_is_no_edge(void **state)
{
	struct lifemon_stats *s = *state;
	struct lifemon_track t;
	struct lifemon_edge e;

	lifemon_track_start(&t);
	assert_false(lifemon_frame(s, &t, 10, 1, &e));
	assert_false(lifemon_frame(s, &t, 20, 1, &e));
	assert_true(lifemon_frame(s, &t, 30, 0, &e));
	/* A new connection starts over: its first frame is no edge. */
	lifemon_track_start(&t);
	assert_false(lifemon_frame(s, &t, 50, 1, &e));
	assert_int_equal(s->edges, 1);
	assert_int_equal(s->intervals.count, 0);
}

static void
test_lifemon_watchdog_fires_once_per_silence(void **state)
{
	struct lifemon_stats *s = *state;
	struct lifemon_watchdog w = { 0 };
	tc_us_t silent = 0;

	/* Off until a client is served. */
	assert_false(lifemon_watchdog(s, &w, 900 * MS, 500 * MS, &silent));
	lifemon_watchdog_start(&w, 1000 * MS);
	assert_false(lifemon_watchdog(s, &w, 1499 * MS, 500 * MS, &silent));
	assert_true(lifemon_watchdog(s, &w, 1500 * MS, 500 * MS, &silent));
	assert_int_equal(silent, 500 * MS);
	/* Once per silence. */
	assert_false(lifemon_watchdog(s, &w, 1600 * MS, 500 * MS, &silent));
	assert_false(lifemon_watchdog(s, &w, 9000 * MS, 500 * MS, &silent));
	assert_int_equal(s->watchdogs, 1);
	/* An edge ends it, and says how long it was. */
	assert_true(lifemon_watchdog_edge(&w, 9300 * MS, &silent));
	assert_int_equal(silent, 8300 * MS);
	/* The next silence counts from that edge. */
	assert_false(lifemon_watchdog(s, &w, 9799 * MS, 500 * MS, &silent));
	assert_true(lifemon_watchdog(s, &w, 9800 * MS, 500 * MS, &silent));
	assert_int_equal(s->watchdogs, 2);
}

/*
 * One watchdog for the PLC: a client whose life bit stopped cannot restart
 * it by connecting again (a new connection's first frame is no edge, and a
 * new connection does not start a new silence).
 */
static void
test_lifemon_watchdog_spans_connections(void **state)
{
	struct lifemon_stats *s = *state;
	struct lifemon_watchdog w = { 0 };
	struct lifemon_track t;
	struct lifemon_edge e;
	tc_us_t now, silent;

	lifemon_watchdog_start(&w, 0);
	/* A reconnect every 400 ms, the bit stuck at 1: no edge ever. */
	for (now = 0; now < 2000 * MS; now += 100 * MS) {
		if (now % (400 * MS) == 0) {
			lifemon_track_start(&t);
			lifemon_watchdog_start(&w, now);
		}
		assert_false(lifemon_frame(s, &t, now, 1, &e));
		if (lifemon_watchdog(s, &w, now, 500 * MS, &silent))
			break;
	}
	assert_int_equal(now, 500 * MS);
	assert_int_equal(s->watchdogs, 1);
}

static void
test_lifemon_watchdog_quiet_while_toggling(void **state)
{
	struct lifemon_stats *s = *state;
	struct lifemon_watchdog w = { 0 };
	struct lifemon_track t;
	struct lifemon_edge e;
	tc_us_t now, silent;
	int bit = 0;

	lifemon_track_start(&t);
	lifemon_watchdog_start(&w, 0);
	for (now = 0; now < 20000 * MS; now += 100 * MS) {
		if (now % (400 * MS) == 0)
			bit ^= 1;
		if (lifemon_frame(s, &t, now, bit, &e))
			assert_false(lifemon_watchdog_edge(&w, now, &silent));
		assert_false(lifemon_watchdog(s, &w, now, 500 * MS, &silent));
	}
	assert_int_equal(s->watchdogs, 0);
}

static void
test_lifemon_watchdog_disabled(void **state)
{
	struct lifemon_stats *s = *state;
	struct lifemon_watchdog w = { 0 };
	tc_us_t silent;

	lifemon_watchdog_start(&w, 0);
	assert_false(lifemon_watchdog(s, &w, 1000000 * MS, 0, &silent));
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
		    test_lifemon_watchdog_spans_connections, setup_stats,
		    teardown_stats),
		cmocka_unit_test_setup_teardown(
		    test_lifemon_watchdog_quiet_while_toggling, setup_stats,
		    teardown_stats),
		cmocka_unit_test_setup_teardown(test_lifemon_watchdog_disabled,
		    setup_stats, teardown_stats),
		cmocka_unit_test_setup_teardown(test_lifemon_last_interval,
		    setup_stats, teardown_stats),
		cmocka_unit_test_setup_teardown(test_lifemon_watchdog_state,
		    setup_stats, teardown_stats),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
