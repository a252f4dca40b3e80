/* Unit tests of the TwinCAT server model (plcsim/plc.c): time by hand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "plc.h"

#define MS TC_US_PER_MS

static struct plc_config
config_default(void)
{
	struct plc_config cfg = {
		.cycle_us = 10 * MS,
		.frame_len = 4,
		.max_clients = 1,
		.relisten_us = 50 * MS,
		.recv_timeout_us = 300 * TC_US_PER_SEC,
	};
	return cfg;
}

/* Steps a station at every task cycle from `from` to `to` (inclusive) and
 * returns the time of the first echo, or 0. */
static tc_us_t
run_until_echo(struct plc *plc, struct plc_station *st, tc_us_t from,
    tc_us_t to, uint8_t *echo)
{
	struct plc_step step;
	tc_us_t t;

	for (t = plc_next_cycle(plc, from - 1); t <= to;
	    t = plc_next_cycle(plc, t)) {
		if (plc_station_step(st, t, &step) & PLC_STEP_SENT) {
			memcpy(echo, step.frame, step.len);
			return t;
		}
	}
	return 0;
}

static void
test_plc_cycle_grid(void **state)
{
	struct plc_config cfg = config_default();
	struct plc *plc = plc_new(&cfg, 1000);

	(void)state;
	assert_non_null(plc);
	assert_int_equal(plc_next_cycle(plc, 1000), 11000);
	assert_int_equal(plc_next_cycle(plc, 10999), 11000);
	assert_int_equal(plc_next_cycle(plc, 11000), 21000);
	/* Missed cycles are skipped, not run in a burst. */
	assert_int_equal(plc_next_cycle(plc, 55000), 61000);
	plc_set_cycle(plc, 50 * MS, 60000);
	assert_int_equal(plc_next_cycle(plc, 60000), 110000);
	plc_set_cycle(plc, 0, 60000);
	assert_int_equal(plc_next_cycle(plc, 60000), 0);
	plc_free(plc);
}

/* The task runs once per boundary, never before it, never twice for it. */
static void
test_plc_cycle_due_once_per_boundary(void **state)
{
	struct plc_config cfg = config_default();
	struct plc *plc = plc_new(&cfg, 1000);

	(void)state;
	assert_non_null(plc);
	/* Before the first boundary (one cycle after the start): not due,
	 * however close a timer that fires early gets. */
	assert_false(plc_cycle_due(plc, 1000));
	assert_false(plc_cycle_due(plc, 10999));
	assert_true(plc_cycle_due(plc, 11000));
	/* The same boundary again, a timer that fired twice: not due. */
	assert_false(plc_cycle_due(plc, 11000));
	assert_false(plc_cycle_due(plc, 20999));
	/* Late by most of a cycle: still that boundary's task, once. */
	assert_true(plc_cycle_due(plc, 30999));
	assert_false(plc_cycle_due(plc, 31000 - 1));
	/* Boundaries missed while the loop was busy are skipped: one run. */
	assert_true(plc_cycle_due(plc, 75000));
	assert_false(plc_cycle_due(plc, 80999));
	assert_true(plc_cycle_due(plc, 81000));
	/* A new cycle starts a new grid; its first boundary is one cycle on. */
	plc_set_cycle(plc, 50 * MS, 85000);
	assert_false(plc_cycle_due(plc, 85000));
	assert_false(plc_cycle_due(plc, 134999));
	assert_true(plc_cycle_due(plc, 135000));
	/* Cycle 0 has no boundaries. */
	plc_set_cycle(plc, 0, 140000);
	assert_false(plc_cycle_due(plc, 200000));
	plc_free(plc);
}

/* The boundary a task serves, and what the ticks tell of the loop. */
static void
test_plc_cycle_lateness(void **state)
{
	struct plc_config cfg = config_default();
	struct plc *plc = plc_new(&cfg, 1000);
	struct plc_cycle_stats cs;

	(void)state;
	assert_non_null(plc);
	assert_int_equal(plc_cycle_boundary(plc, 1000), 0);
	assert_int_equal(plc_cycle_boundary(plc, 10999), 0);
	assert_int_equal(plc_cycle_boundary(plc, 11000), 11000);
	assert_int_equal(plc_cycle_boundary(plc, 20999), 11000);
	assert_int_equal(plc_cycle_boundary(plc, 21000), 21000);
	plc_cycle_stats(plc, &cs);
	assert_int_equal(cs.cycle_us, 10 * MS);
	assert_int_equal(cs.ticks, 0);
	assert_int_equal(cs.late_max_us, 0);
	assert_int_equal(cs.stall_max_us, 0);

	/* On time, 100 us late, then 4 ms late after four boundaries the
	 * loop was too busy for, then 50 us late. */
	assert_true(plc_cycle_due(plc, 11000));
	assert_true(plc_cycle_due(plc, 21100));
	assert_false(plc_cycle_due(plc, 21200));
	assert_true(plc_cycle_due(plc, 75000));
	assert_true(plc_cycle_due(plc, 81050));
	plc_cycle_stats(plc, &cs);
	assert_int_equal(cs.ticks, 4);
	assert_int_equal(cs.skipped, 4);
	assert_int_equal(cs.late_p50_us, 50);
	assert_int_equal(cs.late_p99_us, 4000);
	assert_int_equal(cs.late_max_us, 4000);
	/* The task of 31000 waited until 75000: the loop was kept 44 ms. */
	assert_int_equal(cs.stall_max_us, 44000);

	/* A new grid skips nothing; the counts go on across it. */
	plc_set_cycle(plc, 50 * MS, 85000);
	assert_int_equal(plc_cycle_boundary(plc, 134999), 0);
	assert_true(plc_cycle_due(plc, 135000));
	plc_cycle_stats(plc, &cs);
	assert_int_equal(cs.cycle_us, 50 * MS);
	assert_int_equal(cs.ticks, 5);
	assert_int_equal(cs.skipped, 4);

	/* Cycle 0: no boundary, no tick; what ran before stays counted. */
	plc_set_cycle(plc, 0, 140000);
	assert_int_equal(plc_cycle_boundary(plc, 500000), 0);
	assert_false(plc_cycle_due(plc, 500000));
	plc_cycle_stats(plc, &cs);
	assert_int_equal(cs.cycle_us, 0);
	assert_int_equal(cs.ticks, 5);
	plc_free(plc);

	cfg.cycle_us = 0;
	plc = plc_new(&cfg, 0);
	assert_false(plc_cycle_due(plc, 10 * MS));
	plc_cycle_stats(plc, &cs);
	assert_int_equal(cs.cycle_us, 0);
	assert_int_equal(cs.ticks, 0);
	assert_int_equal(cs.skipped, 0);
	assert_int_equal(cs.late_p99_us, 0);
	plc_free(plc);
}

/*
 * A task that runs late takes only what came by its boundary: what came
 * after is the next task's, so no echo leaves within a cycle of its frame.
 */
static void
test_plc_late_task_takes_earlier_input(void **state)
{
	struct plc_config cfg = config_default();
	struct plc *plc = plc_new(&cfg, 0);
	struct plc_station *st;
	struct plc_step step;
	uint8_t a[4] = { 1, 2, 3, 4 }, b[4] = { 5, 6, 7, 8 };

	(void)state;
	st = plc_attach(plc, 0);
	assert_non_null(st);
	/* 50 us after the boundary of 10 ms; its task runs 200 us late. */
	plc_station_input(st, a, 4, 10050);
	assert_int_equal(plc_station_step(st, 10200, &step), 0);
	assert_int_equal(plc_station_step(st, 20000, &step),
	    PLC_STEP_RECEIVED);
	assert_memory_equal(step.frame, a, 4);
	assert_int_equal(plc_station_step(st, 30000, &step), PLC_STEP_SENT);
	/* Before the boundary of 40 ms: its late task takes it. */
	plc_station_input(st, b, 4, 39900);
	assert_int_equal(plc_station_step(st, 40300, &step),
	    PLC_STEP_RECEIVED);
	assert_memory_equal(step.frame, b, 4);
	assert_int_equal(plc_station_step(st, 50000, &step), PLC_STEP_SENT);
	/* One frame before the boundary of 60 ms and one after: the late
	 * task takes the first, the second waits for 80 ms. */
	plc_station_input(st, a, 4, 55000);
	plc_station_input(st, b, 4, 60100);
	assert_int_equal(plc_station_pending(st), 8);
	assert_int_equal(plc_station_step(st, 60200, &step),
	    PLC_STEP_RECEIVED);
	assert_memory_equal(step.frame, a, 4);
	assert_int_equal(plc_station_step(st, 70000, &step), PLC_STEP_SENT);
	assert_int_equal(plc_station_step(st, 80000, &step),
	    PLC_STEP_RECEIVED);
	assert_memory_equal(step.frame, b, 4);
	assert_int_equal(plc_station_step(st, 90000, &step), PLC_STEP_SENT);
	/* Held for the boundary of 100 ms, then a 2 ms grid from 92 ms on:
	 * its first task (94 ms) comes after the input and takes it. */
	plc_station_input(st, a, 4, 91000);
	plc_set_cycle(plc, 2 * MS, 92000);
	assert_int_equal(plc_station_step(st, 94000, &step),
	    PLC_STEP_RECEIVED);
	assert_int_equal(plc_station_step(st, 96000, &step), PLC_STEP_SENT);
	/* Cycle 0 holds nothing back. */
	plc_set_cycle(plc, 0, 97000);
	plc_station_input(st, b, 4, 97001);
	assert_int_equal(plc_station_step(st, 97001, &step),
	    PLC_STEP_RECEIVED);
	plc_detach(plc, st);
	plc_free(plc);
}

static void
test_plc_echo_quantized_by_cycle(void **state)
{
	struct plc_config cfg = config_default();
	struct plc *plc = plc_new(&cfg, 0);
	struct plc_station *st;
	uint8_t frame[4] = { 0xde, 0xad, 0xbe, 0xef }, echo[4];
	tc_us_t arrive, sent;

	(void)state;
	st = plc_attach(plc, 0);
	assert_non_null(st);
	/* A frame arriving anywhere within a cycle leaves more than 1, at most 2 cycles later. */
	for (arrive = 3 * MS; arrive < 200 * MS; arrive += 7 * MS) {
		assert_int_equal(plc_station_input(st, frame, 4, arrive), 4);
		sent = run_until_echo(plc, st, arrive + 1, arrive + 100 * MS,
		    echo);
		assert_true(sent != 0);
		assert_memory_equal(echo, frame, 4);
		assert_true(sent - arrive > 10 * MS);
		assert_true(sent - arrive <= 20 * MS);
		assert_true(sent % (10 * MS) == 0);
		frame[3] ^= 1;
	}
	assert_int_equal(plc_station_stats(st)->frames,
	    plc_station_stats(st)->echoes);
	plc_detach(plc, st);
	plc_free(plc);
}

static void
test_plc_one_frame_per_receive(void **state)
{
	struct plc_config cfg = config_default();
	struct plc *plc = plc_new(&cfg, 0);
	struct plc_station *st = plc_attach(plc, 0);
	uint8_t two[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	struct plc_step step;

	(void)state;
	/* Two frames merged in one read: one per receive, in order. */
	plc_station_input(st, two, 8, 0);
	assert_int_equal(plc_station_step(st, 10 * MS, &step),
	    PLC_STEP_RECEIVED);
	assert_int_equal(step.taken, 4);
	assert_int_equal(plc_station_step(st, 20 * MS, &step), PLC_STEP_SENT);
	assert_memory_equal(step.frame, two, 4);
	assert_int_equal(plc_station_step(st, 30 * MS, &step),
	    PLC_STEP_RECEIVED);
	assert_int_equal(plc_station_step(st, 40 * MS, &step), PLC_STEP_SENT);
	assert_memory_equal(step.frame, two + 4, 4);
	/* Nothing pending: a receive step does nothing. */
	assert_int_equal(plc_station_step(st, 50 * MS, &step), 0);
	plc_detach(plc, st);
	plc_free(plc);
}

static void
test_plc_short_read_echoes_stale_bytes(void **state)
{
	struct plc_config cfg = config_default();
	struct plc *plc = plc_new(&cfg, 0);
	struct plc_station *st = plc_attach(plc, 0);
	uint8_t first[4] = { 0x11, 0x22, 0x33, 0x44 };
	uint8_t half[2] = { 0xaa, 0xbb };
	uint8_t want[4] = { 0xaa, 0xbb, 0x33, 0x44 };
	struct plc_step step;

	(void)state;
	plc_station_input(st, first, 4, 0);
	plc_station_step(st, 10 * MS, &step);
	plc_station_step(st, 20 * MS, &step);
	plc_station_input(st, half, 2, 25 * MS);
	assert_int_equal(plc_station_step(st, 30 * MS, &step),
	    PLC_STEP_RECEIVED | PLC_STEP_SHORT);
	assert_int_equal(step.taken, 2);
	assert_int_equal(plc_station_step(st, 40 * MS, &step), PLC_STEP_SENT);
	/* The TwinCAT way: new bytes first, stale bytes of the last frame. */
	assert_int_equal(step.len, 4);
	assert_memory_equal(step.frame, want, 4);
	assert_int_equal(plc_station_stats(st)->short_reads, 1);
	assert_int_equal(plc_station_stats(st)->bytes_in, 6);
	assert_int_equal(plc_station_stats(st)->bytes_out, 8);
	plc_detach(plc, st);
	plc_free(plc);
}

static void
test_plc_input_bounded(void **state)
{
	struct plc_config cfg = config_default();
	struct plc *plc = plc_new(&cfg, 0);
	struct plc_station *st = plc_attach(plc, 0);
	static uint8_t big[PLC_INPUT_MAX * 2];
	struct plc_step step;

	(void)state;
	assert_int_equal(plc_station_input(st, big, sizeof big, 0),
	    PLC_INPUT_MAX);
	assert_int_equal(plc_station_room(st), 0);
	assert_int_equal(plc_station_input(st, big, 1, 0), 0);
	plc_station_step(st, 10 * MS, &step);
	assert_int_equal(plc_station_room(st), 4);
	/* Room freed at the front is usable at the back. */
	assert_int_equal(plc_station_input(st, big, 4, 0), 4);
	assert_int_equal(plc_station_pending(st), PLC_INPUT_MAX);
	plc_detach(plc, st);
	plc_free(plc);
}

static void
test_plc_one_client_at_a_time(void **state)
{
	struct plc_config cfg = config_default();
	struct plc *plc = plc_new(&cfg, 0);
	struct plc_station *a, *b;

	(void)state;
	assert_true(plc_accepting(plc));
	a = plc_attach(plc, 0);
	assert_non_null(a);
	assert_false(plc_accepting(plc));
	assert_null(plc_attach(plc, 0));
	assert_int_equal(plc_active(plc), 1);
	plc_detach(plc, a);
	assert_true(plc_accepting(plc));
	b = plc_attach(plc, 0);
	assert_non_null(b);
	assert_int_not_equal(plc_station_id(b), 0);
	plc_detach(plc, b);
	plc_free(plc);
}

static void
test_plc_max_clients(void **state)
{
	struct plc_config cfg = config_default();
	struct plc *plc;
	struct plc_station *st[3];
	struct plc_step step;
	uint8_t f[4] = { 0, 0, 0, 1 };
	int i;

	(void)state;
	cfg.max_clients = 3;
	plc = plc_new(&cfg, 0);
	for (i = 0; i < 3; i++)
		assert_non_null(st[i] = plc_attach(plc, 0));
	assert_null(plc_attach(plc, 0));
	/* Each station has its own buffer and state. */
	plc_station_input(st[1], f, 4, 0);
	assert_int_equal(plc_station_step(st[0], 10 * MS, &step), 0);
	assert_int_equal(plc_station_step(st[1], 10 * MS, &step),
	    PLC_STEP_RECEIVED);
	assert_int_equal(plc_station_state(st[0]), PLC_ST_RECEIVE);
	assert_int_equal(plc_station_state(st[1]), PLC_ST_SEND);
	for (i = 0; i < 3; i++)
		plc_detach(plc, st[i]);
	plc_free(plc);
}

static void
test_plc_error_path_relisten_window(void **state)
{
	struct plc_config cfg = config_default();
	struct plc *plc = plc_new(&cfg, 0);
	struct plc_station *st = plc_attach(plc, 0);

	(void)state;
	/* The client goes: close the connection and the listener. */
	plc_detach(plc, st);
	plc_restart(plc, 100 * MS, cfg.relisten_us);
	assert_int_equal(plc_state(plc), PLC_RESTART);
	assert_false(plc_accepting(plc));
	assert_null(plc_attach(plc, 120 * MS));
	assert_int_equal(plc_relisten_at(plc), 150 * MS);
	assert_false(plc_poll(plc, 149 * MS));
	assert_int_equal(plc_state(plc), PLC_RESTART);
	/* A second restart inside the window extends it, never shortens. */
	plc_restart(plc, 110 * MS, 10 * MS);
	assert_int_equal(plc_relisten_at(plc), 150 * MS);
	plc_restart(plc, 120 * MS, 50 * MS);
	assert_int_equal(plc_relisten_at(plc), 170 * MS);
	assert_false(plc_poll(plc, 169 * MS));
	assert_true(plc_poll(plc, 170 * MS));
	assert_int_equal(plc_state(plc), PLC_LISTEN);
	assert_false(plc_poll(plc, 171 * MS));
	assert_true(plc_accepting(plc));
	st = plc_attach(plc, 171 * MS);
	assert_non_null(st);
	plc_detach(plc, st);
	assert_string_equal(plc_state_name(PLC_RESTART), "restart");
	plc_free(plc);
}

static void
test_plc_receive_timeout(void **state)
{
	struct plc_config cfg = config_default();
	struct plc *plc;
	struct plc_station *st;
	uint8_t f[4] = { 0 };

	(void)state;
	cfg.recv_timeout_us = 2 * TC_US_PER_SEC;
	plc = plc_new(&cfg, 0);
	st = plc_attach(plc, 1000);
	assert_false(plc_station_timed_out(st, 1000 + 1999999));
	assert_true(plc_station_timed_out(st, 1000 + 2000000));
	plc_station_input(st, f, 4, 1500000);
	assert_false(plc_station_timed_out(st, 3000000));
	assert_true(plc_station_timed_out(st, 3500000));
	plc_detach(plc, st);
	plc_free(plc);
}

static void
test_plc_bad_config(void **state)
{
	struct plc_config cfg = config_default();

	(void)state;
	cfg.frame_len = 0;
	assert_null(plc_new(&cfg, 0));
	cfg.frame_len = WIRE_MAX_BYTES + 1;
	assert_null(plc_new(&cfg, 0));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plc_cycle_grid),
		cmocka_unit_test(test_plc_cycle_due_once_per_boundary),
		cmocka_unit_test(test_plc_cycle_lateness),
		cmocka_unit_test(test_plc_late_task_takes_earlier_input),
		cmocka_unit_test(test_plc_echo_quantized_by_cycle),
		cmocka_unit_test(test_plc_one_frame_per_receive),
		cmocka_unit_test(test_plc_short_read_echoes_stale_bytes),
		cmocka_unit_test(test_plc_input_bounded),
		cmocka_unit_test(test_plc_one_client_at_a_time),
		cmocka_unit_test(test_plc_max_clients),
		cmocka_unit_test(test_plc_error_path_relisten_window),
		cmocka_unit_test(test_plc_receive_timeout),
		cmocka_unit_test(test_plc_bad_config),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
