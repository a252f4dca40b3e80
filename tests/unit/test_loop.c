/*
 * Unit tests of the event loop adapter (plcsim/loop.c) on a real libevent
 * loop: a timer never fires before its delay has passed on the clock the
 * emulator judges with, even when the callbacks before it kept the loop busy
 * (libevent adds a delay to the time it cached before the callbacks ran).
 * Only lower bounds are asserted: a loaded machine may run a timer late, never
 * early.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <cmocka.h>

#include "loop.h"

#define ROUNDS 40

struct probe {
	struct sim_loop	 *loop;
	struct sim_timer *t;
	tc_us_t		  armed;	/* when the delay was asked for */
	uint64_t	  delay;
	tc_us_t		  worst_early;	/* most a firing came too soon */
	int		  rounds;
	int		  busy_us;	/* work done in the callback */
};

static void
busy_wait(tc_us_t us)
{
	tc_us_t until = clock_now_us() + us;

	while (clock_now_us() < until)
		;
}

static uint64_t
probe_cb(void *arg)
{
	struct probe *p = arg;
	tc_us_t now = clock_now_us();

	if (now < p->armed + p->delay &&
	    p->armed + p->delay - now > p->worst_early)
		p->worst_early = p->armed + p->delay - now;
	if (++p->rounds >= ROUNDS) {
		sim_loop_stop(p->loop);
		return SIM_TIMER_STOP;
	}
	/* Keep the loop busy after the cache was taken, then re-arm. */
	busy_wait((tc_us_t)p->busy_us);
	p->delay = (uint64_t)(p->rounds % 4) * 1000 + 500;
	p->armed = clock_now_us();
	return p->delay;
}

static void
run_probe(int busy_us)
{
	struct probe p = { 0 };

	p.loop = sim_loop_new();
	assert_non_null(p.loop);
	p.t = sim_timer_new(p.loop, probe_cb, &p);
	assert_non_null(p.t);
	p.busy_us = busy_us;
	p.delay = 2000;
	p.armed = clock_now_us();
	sim_timer_start(p.t, p.delay);
	assert_int_equal(sim_loop_run(p.loop), 0);
	assert_int_equal(p.rounds, ROUNDS);
	assert_int_equal(p.worst_early, 0);
	sim_timer_free(p.t);
	sim_loop_free(p.loop);
}

static void
test_loop_timer_never_early(void **state)
{
	(void)state;
	run_probe(0);
}

static void
test_loop_timer_never_early_after_busy_callback(void **state)
{
	(void)state;
	/* 3 ms of work: longer than most delays asked for. */
	run_probe(3000);
}

/* A second timer re-armed from another's callback keeps its own deadline. */
struct pair {
	struct sim_loop	 *loop;
	struct sim_timer *slow, *fast;
	tc_us_t		  slow_due;
	int		  fast_runs;
	int		  slow_fired_early;
};

static uint64_t
pair_fast_cb(void *arg)
{
	struct pair *p = arg;

	busy_wait(700);
	return ++p->fast_runs < 30 ? 300 : SIM_TIMER_STOP;
}

static uint64_t
pair_slow_cb(void *arg)
{
	struct pair *p = arg;

	p->slow_fired_early = clock_now_us() < p->slow_due;
	sim_loop_stop(p->loop);
	return SIM_TIMER_STOP;
}

static void
test_loop_timer_deadline_kept_under_other_work(void **state)
{
	struct pair p = { 0 };

	(void)state;
	p.loop = sim_loop_new();
	assert_non_null(p.loop);
	p.slow = sim_timer_new(p.loop, pair_slow_cb, &p);
	p.fast = sim_timer_new(p.loop, pair_fast_cb, &p);
	assert_non_null(p.slow);
	assert_non_null(p.fast);
	p.slow_due = clock_now_us() + 20000;
	sim_timer_start(p.slow, 20000);
	sim_timer_start(p.fast, 0);
	assert_int_equal(sim_loop_run(p.loop), 0);
	assert_false(p.slow_fired_early);
	sim_timer_free(p.slow);
	sim_timer_free(p.fast);
	sim_loop_free(p.loop);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_loop_timer_never_early),
		cmocka_unit_test(test_loop_timer_never_early_after_busy_callback),
		cmocka_unit_test(test_loop_timer_deadline_kept_under_other_work),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
