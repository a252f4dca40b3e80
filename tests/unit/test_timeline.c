/*
 * Unit tests of the timeline (plcsim/timeline.c): what a scenario does to
 * echoes and connections, and when, with time stepped by hand. No loop, no
 * socket, no clock.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "scenario.h"
#include "timeline.h"

#define MS(x)	((tc_us_t)(x) * TC_US_PER_MS)
#define SEC(x)	((tc_us_t)(x) * TC_US_PER_SEC)
#define HEAD	"name: t\nduration: 20s\ntimeline:\n"

static const uint8_t frame[4] = { 0x12, 0x34, 0x56, 0x78 };	/* bit 0: 0 */
static const uint8_t frame1[4] = { 0x12, 0x34, 0x56, 0x79 };	/* bit 0: 1 */

struct fixture {
	struct scenario *sc;
	struct timeline *tl;
	struct tl_conn	 c;
};

static struct fixture *
fixture_new(const char *yaml, uint64_t seed)
{
	struct fixture *f = calloc(1, sizeof *f);
	char err[512];

	assert_non_null(f);
	f->sc = scenario_parse(yaml, strlen(yaml), "t.yaml", err, sizeof err);
	if (f->sc == NULL)
		fail_msg("scenario refused: %s", err);
	f->tl = timeline_new(f->sc, seed);
	assert_non_null(f->tl);
	return f;
}

static void
fixture_free(struct fixture *f)
{
	timeline_free(f->tl);
	scenario_free(f->sc);
	free(f);
}

/* The echo of `fr` at `rel`. */
static struct tl_echo
echo_at(struct fixture *f, tc_us_t rel, const uint8_t *fr)
{
	struct tl_echo x;

	timeline_echo(f->tl, &f->c, rel, fr, 4, &x);
	return x;
}

/* The next queued change must be `kind`, beginning or ending. */
static struct tl_change
expect_change(struct fixture *f, enum scenario_action_kind kind, int begins)
{
	struct tl_change ch;

	assert_true(timeline_change(f->tl, &ch));
	assert_string_equal(scenario_action_name(ch.a->kind),
	    scenario_action_name(kind));
	assert_int_equal(ch.begins, begins);
	return ch;
}

static void
expect_no_change(struct fixture *f)
{
	struct tl_change ch;

	assert_false(timeline_change(f->tl, &ch));
}

static void
test_timeline_untouched_outside_windows(void **state)
{
	struct fixture *f = fixture_new(HEAD
	    "  - action: corrupt\n    at: 2s\n    for: 1s\n"
	    "    mask: \"0x000000ff\"\n", 1);
	struct tl_echo x;

	(void)state;
	x = echo_at(f, MS(1999), frame);
	assert_true(x.untouched);
	x = echo_at(f, SEC(2), frame);
	assert_false(x.untouched);
	assert_int_equal(x.len, 4);
	assert_int_equal(x.data[3], 0x78 ^ 0xff);
	assert_int_equal(x.whole[1], 4);	/* counts as injected once whole */
	x = echo_at(f, SEC(3), frame);	/* the window is [2s, 3s) */
	assert_true(x.untouched);
	fixture_free(f);
}

/* Windows begin and end on time; instant drops have no end. */
static void
test_timeline_changes_and_wake(void **state)
{
	struct fixture *f = fixture_new(HEAD
	    "  - action: rst\n    at: 1s\n"
	    "  - action: blackhole\n    at: 3s\n    for: 2s\n"
	    "  - action: plc_cycle\n    at: 4s\n    for: 1500ms\n"
	    "    cycle: 50ms\n", 1);
	struct tl_change ch;

	(void)state;
	assert_int_equal(timeline_count(f->tl), 3);
	assert_int_equal(timeline_advance(f->tl, 0), SEC(1));
	expect_no_change(f);
	assert_int_equal(timeline_advance(f->tl, SEC(1)), SEC(3));
	ch = expect_change(f, ACTION_RST, 1);
	assert_int_equal(ch.start, SEC(1));
	assert_int_equal(ch.end, SEC(1));
	expect_no_change(f);
	assert_false(timeline_blackholed(f->tl, MS(2999)));
	assert_int_equal(timeline_advance(f->tl, SEC(3)), SEC(4));
	ch = expect_change(f, ACTION_BLACKHOLE, 1);
	assert_int_equal(ch.end, SEC(5));
	assert_true(timeline_blackholed(f->tl, SEC(3)));
	/* Late: the cycle begins, and the next wake is the earliest end. */
	assert_int_equal(timeline_advance(f->tl, MS(4100)), SEC(5));
	expect_change(f, ACTION_PLC_CYCLE, 1);
	assert_int_equal(timeline_advance(f->tl, SEC(5)), MS(5500));
	expect_change(f, ACTION_BLACKHOLE, 0);
	assert_false(timeline_blackholed(f->tl, SEC(5)));
	assert_int_equal(timeline_advance(f->tl, SEC(6)), TIMELINE_NEVER);
	expect_change(f, ACTION_PLC_CYCLE, 0);
	expect_no_change(f);
	fixture_free(f);
}

/* `every`/`count` expand exactly as `plcsim check` validates them. */
static void
test_timeline_every_expands_like_check(void **state)
{
	struct fixture *f = fixture_new(HEAD
	    "  - action: rst\n    at: 1500ms\n    every: 2s\n    count: 4\n"
	    "  - action: fin\n    at: 10s\n    every: 3s\n", 1);
	struct scenario_occurrence *occ;
	struct tl_change ch;
	tc_us_t t;
	size_t n, i = 0;

	(void)state;
	assert_int_equal(scenario_occurrences(f->sc, &occ, &n), 0);
	/* fin every 3s from 10s until the end: 10, 13, 16, 19. */
	assert_int_equal(n, 8);
	assert_int_equal(timeline_count(f->tl), n);
	for (t = 0; t < SEC(20); t += MS(100)) {
		timeline_advance(f->tl, t);
		while (timeline_change(f->tl, &ch)) {
			assert_true(i < n);
			assert_ptr_equal(ch.a, occ[i].a);
			assert_int_equal(ch.start, occ[i].start);
			assert_int_equal(t, occ[i].start);	/* on time */
			i++;
		}
	}
	assert_int_equal(i, n);
	assert_int_equal(occ[3].start, MS(7500));
	assert_int_equal(occ[7].start, SEC(19));
	scenario_occurrences_free(occ);
	fixture_free(f);
}

/* Counted in frames: exactly N echoes, then it ends. */
static void
test_timeline_frames_counted(void **state)
{
	struct fixture *f = fixture_new(HEAD
	    "  - action: bit0_invert\n    at: 1s\n    frames: 3\n", 1);
	struct tl_echo x;
	int i;

	(void)state;
	timeline_advance(f->tl, SEC(1));
	expect_change(f, ACTION_BIT0_INVERT, 1);
	for (i = 0; i < 3; i++) {
		x = echo_at(f, SEC(1) + (tc_us_t)i * MS(100), frame);
		assert_false(x.untouched);
		assert_int_equal(x.data[3], 0x79);
		assert_int_equal(x.whole[1], 4);
		if (i < 2)
			expect_no_change(f);
	}
	expect_change(f, ACTION_BIT0_INVERT, 0);
	x = echo_at(f, SEC(2), frame);
	assert_true(x.untouched);
	fixture_free(f);
}

/* A frame-counted action begins with the first echo due, even before a
 * tick advanced the timeline. */
static void
test_timeline_echo_begins_what_is_due(void **state)
{
	struct fixture *f = fixture_new(HEAD
	    "  - action: echo_duplicate\n    at: 1s\n", 1);
	struct tl_echo x;

	(void)state;
	x = echo_at(f, MS(1001), frame);
	expect_change(f, ACTION_ECHO_DUPLICATE, 1);
	expect_change(f, ACTION_ECHO_DUPLICATE, 0);	/* one frame */
	assert_int_equal(x.len, 8);
	assert_memory_equal(x.data, frame, 4);
	assert_memory_equal(x.data + 4, frame, 4);
	assert_int_equal(x.pieces, 2);
	assert_int_equal(x.first, 4);
	assert_int_equal(x.gap, MS(1));
	assert_int_equal(x.whole[1], 0);	/* unaltered: nothing to count */
	fixture_free(f);
}

static void
test_timeline_split_pieces_and_gap(void **state)
{
	struct fixture *f = fixture_new(HEAD
	    "  - action: echo_split\n    at: 1s\n    for: 1s\n    pieces: 3\n"
	    "    gap: 20ms\n"
	    "  - action: echo_split\n    at: 3s\n    frames: 1\n    pieces: 4\n",
	    1);
	struct tl_echo x;

	(void)state;
	x = echo_at(f, SEC(1), frame);
	assert_int_equal(x.len, 4);
	assert_int_equal(x.pieces, 3);	/* 4 bytes in 3 writes: 2, 1, 1 */
	assert_int_equal(x.first, 0);
	assert_int_equal(x.gap, MS(20));
	assert_memory_equal(x.data, frame, 4);
	x = echo_at(f, SEC(3), frame);
	assert_int_equal(x.pieces, 4);	/* byte by byte */
	assert_int_equal(x.gap, MS(5));	/* the default gap */
	fixture_free(f);
}

static void
test_timeline_short_never_counts(void **state)
{
	struct fixture *f = fixture_new(HEAD
	    "  - action: echo_short\n    at: 1s\n    frames: 2\n"
	    "  - action: corrupt\n    at: 1s\n    frames: 2\n"
	    "    mask: \"0x01000000\"\n", 1);
	struct tl_echo x;

	(void)state;
	x = echo_at(f, SEC(1), frame);
	assert_int_equal(x.len, 2);	/* the default: half the frame */
	assert_int_equal(x.data[0], 0x13);	/* corrupted, but cut short */
	assert_int_equal(x.whole[1], 0);
	fixture_free(f);
}

/* Held, then sent in one write with the next echo, whatever acts on it. */
static void
test_timeline_merge_holds_then_sends_both(void **state)
{
	struct fixture *f = fixture_new(HEAD
	    "  - action: echo_merge\n    at: 1s\n"
	    "  - action: echo_delay\n    at: 1500ms\n    for: 1s\n"
	    "    delay: 300ms\n", 1);
	struct tl_echo x;

	(void)state;
	x = echo_at(f, SEC(1), frame);
	assert_true(x.held);
	assert_int_equal(x.len, 0);
	x = echo_at(f, SEC(2), frame1);
	assert_false(x.held);
	assert_int_equal(x.len, 8);
	assert_memory_equal(x.data, frame, 4);
	assert_memory_equal(x.data + 4, frame1, 4);
	assert_int_equal(x.delay, MS(300));
	x = echo_at(f, SEC(3), frame);
	assert_true(x.untouched);
	fixture_free(f);
}

/* Stuck at the bit of the last echo the client was sent. */
static void
test_timeline_stuck_at_last_echoed_bit(void **state)
{
	struct fixture *f = fixture_new(HEAD
	    "  - action: bit0_stuck\n    at: 1s\n    for: 1s\n", 1);
	struct tl_echo x;

	(void)state;
	x = echo_at(f, MS(900), frame1);	/* the client was sent a 1 */
	assert_true(x.untouched);
	x = echo_at(f, SEC(1), frame);
	assert_int_equal(x.data[3], 0x79);
	assert_int_equal(x.whole[1], 4);
	x = echo_at(f, MS(1100), frame1);
	assert_true(x.untouched);		/* already 1: unaltered */
	x = echo_at(f, MS(1200), frame);
	assert_int_equal(x.data[3] & 1, 1);
	fixture_free(f);
}

static void
test_timeline_force_and_invert(void **state)
{
	struct fixture *f = fixture_new(HEAD
	    "  - action: bit0_force\n    at: 1s\n    frames: 2\n    value: 1\n"
	    "  - action: bit0_invert\n    at: 5s\n    for: 1s\n", 1);
	struct tl_echo x;

	(void)state;
	x = echo_at(f, SEC(1), frame);
	assert_int_equal(x.data[3], 0x79);
	x = echo_at(f, MS(1100), frame1);
	assert_true(x.untouched);		/* forced to what it was */
	x = echo_at(f, SEC(5), frame1);
	assert_int_equal(x.data[3], 0x78);
	fixture_free(f);
}

/* A black hole beats a delay acting at the same time. */
static void
test_timeline_blackhole_beats_delay(void **state)
{
	struct fixture *f = fixture_new(HEAD
	    "  - action: echo_delay\n    at: 1s\n    for: 5s\n    delay: 50ms\n"
	    "  - action: blackhole\n    at: 2s\n    for: 1s\n", 1);
	struct tl_echo x;

	(void)state;
	x = echo_at(f, SEC(1), frame);
	assert_int_equal(x.delay, MS(50));
	assert_true(x.drawn);
	x = echo_at(f, SEC(2), frame);
	assert_true(x.swallowed);
	assert_int_equal(x.len, 0);
	x = echo_at(f, SEC(3), frame);
	assert_false(x.swallowed);
	assert_int_equal(x.delay, MS(50));
	fixture_free(f);
}

/* A delay acts with whatever cuts the echo up. */
static void
test_timeline_delay_with_split(void **state)
{
	struct fixture *f = fixture_new(HEAD
	    "  - action: echo_delay\n    at: 1s\n    for: 2s\n    delay: 40ms\n"
	    "  - action: echo_split\n    at: 1500ms\n    for: 500ms\n"
	    "    pieces: 2\n", 1);
	struct tl_echo x;

	(void)state;
	x = echo_at(f, MS(1600), frame);
	assert_int_equal(x.delay, MS(40));
	assert_int_equal(x.pieces, 2);
	fixture_free(f);
}

/* A held echo that was altered counts when it leaves whole, as the next. */
static void
test_timeline_merge_counts_both_altered(void **state)
{
	struct fixture *f = fixture_new(HEAD
	    "  - action: echo_merge\n    at: 1s\n"
	    "  - action: bit0_invert\n    at: 1s\n    frames: 2\n", 1);
	struct tl_echo x;

	(void)state;
	x = echo_at(f, SEC(1), frame);
	assert_true(x.held);
	x = echo_at(f, MS(1010), frame);
	assert_int_equal(x.len, 8);
	assert_int_equal(x.whole[0], 4);	/* the held one, whole */
	assert_int_equal(x.whole[1], 8);	/* the next, whole */
	fixture_free(f);
}

/* Only connections that arrive inside the window wait. */
static void
test_timeline_accept_delay_window(void **state)
{
	struct fixture *f = fixture_new(HEAD
	    "  - action: accept_delay\n    at: 3s\n    for: 2s\n"
	    "    delay: 500ms\n", 1);

	(void)state;
	assert_int_equal(timeline_accept_wait(f->tl, MS(2999)), 0);
	assert_int_equal(timeline_accept_wait(f->tl, SEC(3)), MS(500));
	assert_int_equal(timeline_accept_wait(f->tl, MS(4999)), MS(500));
	assert_int_equal(timeline_accept_wait(f->tl, SEC(5)), 0);
	/* Asked later (a connection that waited for a slot): the same,
	 * before it begins, while it acts, after it is over. */
	timeline_advance(f->tl, SEC(4));
	assert_int_equal(timeline_accept_wait(f->tl, MS(2999)), 0);
	assert_int_equal(timeline_accept_wait(f->tl, MS(4999)), MS(500));
	timeline_advance(f->tl, SEC(6));
	assert_int_equal(timeline_accept_wait(f->tl, MS(2999)), 0);
	assert_int_equal(timeline_accept_wait(f->tl, SEC(3)), MS(500));
	assert_int_equal(timeline_accept_wait(f->tl, MS(4999)), MS(500));
	assert_int_equal(timeline_accept_wait(f->tl, SEC(5)), 0);
	fixture_free(f);
}

/* Draws `n` delays from a timeline of jittered echo delays. */
static void
draw_delays(uint64_t seed, tc_us_t *out, int n)
{
	struct fixture *f = fixture_new(HEAD
	    "  - action: echo_delay\n    at: 0s\n    delay: 20ms\n"
	    "    jitter: 10ms\n", seed);
	struct tl_echo x;
	int i;

	for (i = 0; i < n; i++) {
		x = echo_at(f, MS(10) * (tc_us_t)i, frame);
		assert_true(x.drawn);
		assert_in_range(x.delay, MS(10), MS(30));
		out[i] = x.delay;
	}
	fixture_free(f);
}

static void
test_timeline_seed_replays_delays(void **state)
{
	tc_us_t a[50], b[50], c[50];

	(void)state;
	draw_delays(7, a, 50);
	draw_delays(7, b, 50);
	draw_delays(8, c, 50);
	assert_memory_equal(a, b, sizeof a);
	assert_memory_not_equal(a, c, sizeof a);
}

/* ---- actions started by events (`on:`) ---- */

/* The n-th rising edge, after a delay: once, at the time it says. */
static void
test_timeline_on_nth_edge(void **state)
{
	struct fixture *f = fixture_new(HEAD
	    "  - action: rst\n    when: {edge: rising, nth: 2, after: 50ms}\n"
	    "  - action: fin\n    at: 10s\n", 1);
	struct tl_change ch;

	(void)state;
	/* Nothing planned by time but the fin. */
	assert_int_equal(timeline_count(f->tl), 1);
	assert_int_equal(timeline_advance(f->tl, 0), SEC(10));
	assert_int_equal(timeline_edge(f->tl, MS(500), 1), 0);	/* #1 */
	assert_int_equal(timeline_edge(f->tl, SEC(1), 0), 0);	/* falling */
	assert_int_equal(timeline_edge(f->tl, MS(1500), 1), 1);	/* #2 */
	assert_int_equal(timeline_count(f->tl), 2);
	/* Not yet: 50 ms after the edge, and the wake says so. */
	assert_int_equal(timeline_advance(f->tl, MS(1520)), MS(1550));
	expect_no_change(f);
	timeline_advance(f->tl, MS(1550));
	ch = expect_change(f, ACTION_RST, 1);
	assert_int_equal(ch.start, MS(1550));
	assert_int_equal(ch.occ, 1);	/* a new, stable id */
	expect_no_change(f);
	/* Once: the third rising edge starts nothing. */
	assert_int_equal(timeline_edge(f->tl, MS(2500), 1), 0);
	timeline_advance(f->tl, SEC(10));
	ch = expect_change(f, ACTION_FIN, 1);
	assert_int_equal(ch.occ, 0);
	expect_no_change(f);
	fixture_free(f);
}

/* Every edge of either kind, a window each, cut at the end. */
static void
test_timeline_on_every_edge(void **state)
{
	struct fixture *f = fixture_new(HEAD
	    "  - action: blackhole\n    when: {edge: any, nth: every}\n"
	    "    for: 300ms\n", 1);
	struct tl_change ch;

	(void)state;
	timeline_advance(f->tl, 0);
	assert_int_equal(timeline_edge(f->tl, SEC(1), 1), 1);
	timeline_advance(f->tl, SEC(1));
	expect_change(f, ACTION_BLACKHOLE, 1);
	assert_true(timeline_blackholed(f->tl, MS(1299)));
	assert_false(timeline_blackholed(f->tl, MS(1300)));
	assert_int_equal(timeline_advance(f->tl, MS(1300)), TIMELINE_NEVER);
	expect_change(f, ACTION_BLACKHOLE, 0);
	assert_int_equal(timeline_edge(f->tl, SEC(2), 0), 1);
	/* Near the end: its window stops with the scenario. */
	assert_int_equal(timeline_edge(f->tl, MS(19900), 1), 1);
	assert_int_equal(timeline_count(f->tl), 3);
	/* Advanced late: both begin, then the one from 2 s ends. */
	timeline_advance(f->tl, MS(19900));
	ch = expect_change(f, ACTION_BLACKHOLE, 1);
	assert_int_equal(ch.start, SEC(2));
	ch = expect_change(f, ACTION_BLACKHOLE, 1);
	assert_int_equal(ch.start, MS(19900));
	assert_int_equal(ch.end, SEC(20));
	expect_change(f, ACTION_BLACKHOLE, 0);
	/* An event whose action would start after the end adds nothing. */
	assert_int_equal(timeline_edge(f->tl, SEC(20), 1), 0);
	fixture_free(f);
}

/* The first frame of every reconnection (not the first connection): the
 * echo of that frame, and only that one, is corrupted. */
static void
test_timeline_on_reconnect_frame(void **state)
{
	struct fixture *f = fixture_new(HEAD
	    "  - action: corrupt\n    when: {reconnect: every, frame: 1}\n"
	    "    mask: \"0x000000ff\"\n", 1);
	struct tl_echo x;

	(void)state;
	assert_int_equal(timeline_frame(f->tl, 0, 1, 1), 0);
	x = echo_at(f, MS(10), frame);
	assert_true(x.untouched);
	assert_int_equal(timeline_frame(f->tl, SEC(2), 2, 1), 1);
	/* The echo of that frame, leaving at once or a task cycle later. */
	x = echo_at(f, SEC(2), frame);
	assert_false(x.untouched);
	assert_int_equal(x.data[3], 0x78 ^ 0xff);
	expect_change(f, ACTION_CORRUPT, 1);
	expect_change(f, ACTION_CORRUPT, 0);
	assert_int_equal(timeline_frame(f->tl, MS(2100), 2, 2), 0);
	x = echo_at(f, MS(2110), frame);
	assert_true(x.untouched);
	assert_int_equal(timeline_frame(f->tl, SEC(5), 3, 1), 1);
	x = echo_at(f, MS(5010), frame);
	assert_false(x.untouched);
	fixture_free(f);
}

/* connect: N picks one connection; frame: K its K-th frame. */
static void
test_timeline_on_nth_connection_frame(void **state)
{
	struct fixture *f = fixture_new(HEAD
	    "  - action: bit0_invert\n    when: {connect: 2, frame: 3}\n"
	    "    frames: 2\n"
	    "  - action: echo_delay\n    when: {reconnect: 2, after: 1s}\n"
	    "    for: 500ms\n    delay: 40ms\n", 1);
	struct tl_echo x;

	(void)state;
	assert_int_equal(timeline_frame(f->tl, MS(300), 1, 3), 0);
	assert_int_equal(timeline_frame(f->tl, SEC(1), 2, 2), 0);
	assert_int_equal(timeline_frame(f->tl, MS(1100), 2, 3), 1);
	x = echo_at(f, MS(1100), frame);
	assert_int_equal(x.data[3], 0x79);
	x = echo_at(f, MS(1200), frame);
	assert_int_equal(x.data[3], 0x79);
	x = echo_at(f, MS(1300), frame);	/* two frames, then over */
	assert_true(x.untouched);
	/* Only connection 2: the same frame of the next starts nothing. */
	assert_int_equal(timeline_frame(f->tl, SEC(3), 3, 3), 0);
	/* reconnect: 2 is the third connection; its frame 1, a second on. */
	assert_int_equal(timeline_frame(f->tl, SEC(3), 3, 1), 1);
	x = echo_at(f, MS(3999), frame);
	assert_int_equal(x.delay, 0);
	x = echo_at(f, SEC(4), frame);
	assert_int_equal(x.delay, MS(40));
	x = echo_at(f, MS(4500), frame);
	assert_int_equal(x.delay, 0);
	fixture_free(f);
}

/* An action whose event came before a time already advanced to starts
 * then, never in the past; many of them keep their order. */
static void
test_timeline_on_late_event_and_many(void **state)
{
	struct fixture *f = fixture_new(HEAD
	    "  - action: rst\n    when: {edge: any, nth: every}\n", 1);
	struct tl_change ch;
	tc_us_t t, last = 0;
	int i, n = 0;

	(void)state;
	timeline_advance(f->tl, SEC(2));
	assert_int_equal(timeline_edge(f->tl, MS(1900), 1), 1);
	timeline_advance(f->tl, SEC(2));
	ch = expect_change(f, ACTION_RST, 1);
	assert_int_equal(ch.start, SEC(2));
	/* Thousands of events: the timeline grows, in order, nothing lost. */
	for (i = 0; i < 5000; i++) {
		t = SEC(2) + (tc_us_t)i * MS(3);
		assert_int_equal(timeline_edge(f->tl, t, i & 1), 1);
		if (i % 7 == 0)
			timeline_advance(f->tl, t);
	}
	timeline_advance(f->tl, SEC(19));
	while (timeline_change(f->tl, &ch)) {
		assert_true(ch.start >= last);
		last = ch.start;
		n++;
	}
	assert_int_equal(n, 5000);
	assert_false(timeline_failed(f->tl));
	assert_int_equal(timeline_count(f->tl), 5001);
	fixture_free(f);
}

/*
 * One echo's work: the edge that starts an occurrence, the frame's checks
 * and the echo, counted in occurrences looked at.
 */
static size_t
work_of_echo(struct fixture *f, tc_us_t t, int bit)
{
	size_t before = timeline_scanned(f->tl);

	assert_int_equal(timeline_edge(f->tl, t, bit), 1);
	assert_false(timeline_blackholed(f->tl, t));
	(void)echo_at(f, t, bit ? frame1 : frame);
	return timeline_scanned(f->tl) - before;
}

/*
 * A client that flips its life bit on every frame starts an occurrence per
 * echo, for a day if need be: the work of each echo must stay what is in
 * force (a few 1 ms windows at one edge per 250 us, and a task cycle that
 * lasts the whole run), not grow with the thousands that are over.
 * Nothing is lost meanwhile: each one begins and ends once, in order.
 */
static void
test_timeline_work_bounded_by_live(void **state)
{
	struct fixture *f = fixture_new("name: t\nduration: 1h\ntimeline:\n"
	    "  - action: plc_cycle\n    at: 0s\n    cycle: 5ms\n"
	    "  - action: echo_delay\n    when: {edge: any, nth: every}\n"
	    "    for: 1ms\n    delay: 100us\n", 1);
	struct tl_change ch;
	tc_us_t t = MS(1);
	size_t early = 0, late = 0, begins = 0, ends = 0;
	int i, n = 40000;

	(void)state;
	timeline_advance(f->tl, 0);
	for (i = 0; i < n; i++, t += 250) {
		size_t w = work_of_echo(f, t, i & 1);

		if (i >= 100 && i < 200 && w > early)
			early = w;
		if (i >= n - 100 && w > late)
			late = w;
		while (timeline_change(f->tl, &ch))
			if (ch.a->kind == ACTION_ECHO_DELAY)
				ch.begins ? begins++ : ends++;
	}
	/* A few looks (the queries, the echo's passes) at each of the six
	 * in force at most: the task cycle and five 1 ms windows begun 250 us
	 * apart. The same late as early, however many came before. */
	assert_true(early <= 8 * 6);
	assert_true(late <= early);
	/* What is over still answers for its time. */
	assert_true(timeline_acting(f->tl, ACTION_ECHO_DELAY, t - MS(5000)));
	assert_true(timeline_acting(f->tl, ACTION_ECHO_DELAY, t - 250));
	assert_false(timeline_acting(f->tl, ACTION_ECHO_DELAY, MS(1) - 1));
	assert_int_equal(begins, (size_t)n);
	assert_int_equal(ends, (size_t)n - 4);
	assert_int_equal(timeline_count(f->tl), (size_t)n + 1);
	assert_false(timeline_failed(f->tl));
	fixture_free(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timeline_untouched_outside_windows),
		cmocka_unit_test(test_timeline_changes_and_wake),
		cmocka_unit_test(test_timeline_every_expands_like_check),
		cmocka_unit_test(test_timeline_frames_counted),
		cmocka_unit_test(test_timeline_echo_begins_what_is_due),
		cmocka_unit_test(test_timeline_split_pieces_and_gap),
		cmocka_unit_test(test_timeline_short_never_counts),
		cmocka_unit_test(test_timeline_merge_holds_then_sends_both),
		cmocka_unit_test(test_timeline_stuck_at_last_echoed_bit),
		cmocka_unit_test(test_timeline_force_and_invert),
		cmocka_unit_test(test_timeline_blackhole_beats_delay),
		cmocka_unit_test(test_timeline_accept_delay_window),
		cmocka_unit_test(test_timeline_delay_with_split),
		cmocka_unit_test(test_timeline_merge_counts_both_altered),
		cmocka_unit_test(test_timeline_seed_replays_delays),
		cmocka_unit_test(test_timeline_on_nth_edge),
		cmocka_unit_test(test_timeline_on_every_edge),
		cmocka_unit_test(test_timeline_on_reconnect_frame),
		cmocka_unit_test(test_timeline_on_nth_connection_frame),
		cmocka_unit_test(test_timeline_on_late_event_and_many),
		cmocka_unit_test(test_timeline_work_bounded_by_live),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
