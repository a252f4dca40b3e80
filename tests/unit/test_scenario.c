/* test_scenario: the scenario parser and validator (plcsim/scenario.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <glob.h>

#include "scenario.h"

static char err[1024];

static struct scenario *
parse(const char *text)
{
	return scenario_parse(text, strlen(text), "t.yaml", err, sizeof err);
}

/* Every key of the format, each with a value that is not its default. */
static const char full[] =
    "# a comment\n"					/* 1 */
    "name: full-example\n"
    "description: every key\n"
    "seed: 18446744073709551615\n"
    "duration: 20s\n"					/* 5 */
    "startup_timeout: 3s\n"
    "plc:\n"
    "  cycle: 2ms\n"
    "  length: 64\n"
    "  max_clients: 4\n"				/* 10 */
    "  relisten: 50ms\n"
    "  watchdog: 2500ms\n"
    "client:\n"
    "  args: [\"--mode\", \"1\", \"--send-cycle\", \"100ms\"]\n"
    "  env:\n"						/* 15 */
    "    - TCPCOM_LOG=debug\n"
    "  stats: true\n"
    "timeline:\n"
    "  - action: echo_delay\n"
    "    at: 1s\n"					/* 20 */
    "    for: 500ms\n"
    "    delay: 30ms\n"
    "    jitter: 5ms\n"
    "    distribution: normal\n"
    "  - action: plc_cycle\n"				/* 25 */
    "    at: 2s\n"
    "    cycle: 50ms\n"
    "    for: 1s\n"
    "  - action: accept_delay\n"
    "    at: 3s\n"					/* 30 */
    "    delay: 200ms\n"
    "  - action: rst\n"
    "    at: 4s\n"
    "    every: 5s\n"
    "    count: 3\n"					/* 35 */
    "  - action: fin\n"
    "    at: 5s\n"
    "  - action: blackhole\n"
    "    at: 6s\n"
    "    for: 1500ms\n"					/* 40 */
    "  - action: refuse\n"
    "    at: 8s\n"
    "    for: 1s\n"
    "  - action: plc_restart\n"
    "    at: 10s\n"					/* 45 */
    "  - action: half_open\n"
    "    at: 11s\n"
    "    for: 2s\n"
    "  - action: echo_split\n"
    "    at: 1s\n"					/* 50 */
    "    pieces: 4\n"
    "    gap: 1ms\n"
    "    frames: 3\n"
    "  - action: echo_merge\n"
    "    at: 2s\n"					/* 55 */
    "  - action: echo_duplicate\n"
    "    at: 3s\n"
    "    frames: 2\n"
    "  - action: echo_short\n"
    "    at: 4500ms\n"					/* 60 */
    "  - action: bit0_force\n"
    "    at: 12s\n"
    "    value: 1\n"
    "    for: 1s\n"
    "  - action: bit0_invert\n"				/* 65 */
    "    at: 13s\n"
    "    frames: 5\n"
    "  - action: bit0_stuck\n"
    "    at: 14s\n"
    "    every: 2s\n"					/* 70 */
    "  - action: corrupt\n"
    "    at: 15s\n"
    "    mask: 0x00ff0000\n"
    "expectations:\n"
    "  - expect: life_bit_period\n"			/* 75 */
    "    period: 1s\n"
    "    tolerance: 100ms\n"
    "    quantile: 0.9\n"
    "  - expect: watchdog_quiet\n"
    "    outside_faults: true\n"			/* 80 */
    "  - expect: reconnect\n"
    "    within: 2s\n"
    "  - expect: frames\n"
    "    at_least: 10\n"
    "    at_most: 1000\n"				/* 85 */
    "  - expect: send_cycle\n"
    "    period: 100ms\n"
    "    tolerance: 2ms\n"
    "    jitter_p99: 5ms\n"
    "  - expect: startup\n"				/* 90 */
    "    within: 1s\n"
    "  - expect: counter\n"
    "    name: mismatches\n"
    "    equals: injected\n"
    "  - expect: counter\n"				/* 95 */
    "    name: rtt.p99_us\n"
    "    at_most: 25000\n"
    "  - expect: exit_code\n"
    "    equals: 0\n";

#define MS(x) ((tc_us_t)(x) * 1000)
#define SEC(x) ((tc_us_t)(x) * 1000000)

static void
test_full_scenario(void **state)
{
	struct scenario *s = parse(full);
	const struct scenario_action *a;
	const struct scenario_expect *e;

	(void)state;
	if (s == NULL)
		fail_msg("%s", err);
	assert_string_equal(s->file, "t.yaml");
	assert_string_equal(s->name, "full-example");
	assert_string_equal(s->description, "every key");
	assert_true(s->seed == UINT64_MAX);
	assert_true(s->duration == SEC(20));
	assert_true(s->startup_timeout == SEC(3));
	assert_true(s->plc.cycle == MS(2));
	assert_int_equal(s->plc.length, 64);
	assert_int_equal(s->plc.max_clients, 4);
	assert_true(s->plc.relisten == MS(50));
	assert_true(s->plc.watchdog == MS(2500));
	assert_int_equal(s->client.nargs, 4);
	assert_string_equal(s->client.args[0], "--mode");
	assert_string_equal(s->client.args[3], "100ms");
	assert_null(s->client.args[4]);
	assert_int_equal(s->client.nenv, 1);
	assert_string_equal(s->client.env[0], "TCPCOM_LOG=debug");
	assert_int_equal(s->client.stats, 1);

	assert_int_equal(s->nactions, 17);
	a = s->actions;
	assert_int_equal(a[0].kind, ACTION_ECHO_DELAY);
	assert_int_equal(a[0].line, 19);
	assert_true(a[0].at == SEC(1) && a[0].span == MS(500));
	assert_true(a[0].delay == MS(30) && a[0].jitter == MS(5));
	assert_int_equal(a[0].distribution, DIST_NORMAL);
	assert_int_equal(a[0].count, 1);
	assert_true(a[0].every == 0);
	assert_int_equal(a[1].kind, ACTION_PLC_CYCLE);
	assert_true(a[1].cycle == MS(50) && a[1].span == SEC(1));
	assert_int_equal(a[2].kind, ACTION_ACCEPT_DELAY);
	assert_true(a[2].delay == MS(200));
	assert_true(a[2].span == SEC(17));	/* until the end */
	assert_int_equal(a[3].kind, ACTION_RST);
	assert_true(a[3].every == SEC(5));
	assert_int_equal(a[3].count, 3);
	assert_true(a[3].span == 0);
	assert_true(scenario_action_start(&a[3], 2) == SEC(14));
	assert_int_equal(a[4].kind, ACTION_FIN);
	assert_int_equal(a[5].kind, ACTION_BLACKHOLE);
	assert_true(a[5].span == MS(1500));
	assert_int_equal(a[6].kind, ACTION_REFUSE);
	assert_int_equal(a[7].kind, ACTION_PLC_RESTART);
	assert_true(a[7].span == MS(50));	/* plc.relisten */
	assert_int_equal(a[8].kind, ACTION_HALF_OPEN);
	assert_int_equal(a[9].kind, ACTION_ECHO_SPLIT);
	assert_int_equal(a[9].pieces, 4);
	assert_true(a[9].gap == MS(1));
	assert_int_equal(a[9].frames, 3);
	assert_int_equal(a[10].kind, ACTION_ECHO_MERGE);
	assert_int_equal(a[10].frames, 1);
	assert_int_equal(a[11].kind, ACTION_ECHO_DUPLICATE);
	assert_int_equal(a[11].frames, 2);
	assert_int_equal(a[12].kind, ACTION_ECHO_SHORT);
	assert_int_equal(a[12].bytes, 4);	/* half of 8 bytes */
	assert_int_equal(a[13].kind, ACTION_BIT0_FORCE);
	assert_int_equal(a[13].value, 1);
	assert_int_equal(a[13].frames, 0);
	assert_true(a[13].span == SEC(1));
	assert_int_equal(a[14].kind, ACTION_BIT0_INVERT);
	assert_int_equal(a[15].kind, ACTION_BIT0_STUCK);
	assert_int_equal(a[15].count, 3);	/* 14s, 16s, 18s */
	assert_int_equal(a[15].frames, 1);
	assert_int_equal(a[16].kind, ACTION_CORRUPT);
	assert_int_equal(a[16].line, 71);
	{
		static const uint8_t mask[8] = { 0, 0, 0, 0, 0, 0xff, 0, 0 };
		assert_memory_equal(a[16].mask, mask, 8);
		assert_int_equal(a[16].mask[8], 0);
	}

	assert_int_equal(s->nexpects, 9);
	e = s->expects;
	assert_int_equal(e[0].kind, EXPECT_LIFE_BIT_PERIOD);
	assert_int_equal(e[0].line, 75);
	assert_true(e[0].period == SEC(1) && e[0].tolerance == MS(100));
	assert_true(e[0].quantile > 0.8999 && e[0].quantile < 0.9001);
	assert_int_equal(e[1].kind, EXPECT_WATCHDOG_QUIET);
	assert_int_equal(e[1].outside_faults, 1);
	assert_int_equal(e[2].kind, EXPECT_RECONNECT);
	assert_true(e[2].within == SEC(2));
	assert_int_equal(e[3].kind, EXPECT_FRAMES);
	assert_true(e[3].has_at_least && e[3].at_least == 10);
	assert_true(e[3].has_at_most && e[3].at_most == 1000);
	assert_false(e[3].has_equals);
	assert_int_equal(e[4].kind, EXPECT_SEND_CYCLE);
	assert_true(e[4].period == MS(100) && e[4].tolerance == MS(2));
	assert_true(e[4].jitter_p99 == MS(5));
	assert_int_equal(e[5].kind, EXPECT_STARTUP);
	assert_true(e[5].within == SEC(1));
	assert_int_equal(e[6].kind, EXPECT_COUNTER);
	assert_string_equal(e[6].name, "mismatches");
	assert_true(e[6].has_equals && e[6].equals_injected);
	assert_string_equal(e[7].name, "rtt.p99_us");
	assert_true(e[7].has_at_most && e[7].at_most == 25000);
	assert_int_equal(e[8].kind, EXPECT_EXIT_CODE);
	assert_true(e[8].has_equals && e[8].equals == 0);
	scenario_free(s);
}

static void
test_defaults(void **state)
{
	struct scenario *s = parse("name: d\nduration: 1s\n");

	(void)state;
	if (s == NULL)
		fail_msg("%s", err);
	assert_string_equal(s->description, "");
	assert_true(s->seed == 1);
	assert_true(s->startup_timeout == SEC(10));
	assert_true(s->plc.cycle == MS(10));
	assert_int_equal(s->plc.length, 32);
	assert_int_equal(s->plc.max_clients, 1);
	assert_true(s->plc.relisten == MS(50));	/* 5 cycles */
	assert_true(s->plc.watchdog == 0);
	assert_int_equal(s->client.nargs, 0);
	scenario_free(s);
	s = parse("name: d\nduration: 1s\nplc:\n  cycle: 2ms\n");
	assert_non_null(s);
	assert_true(s->plc.relisten == MS(10));
	assert_null(s->client.args);
	assert_int_equal(s->client.stats, 0);
	assert_int_equal(s->nactions, 0);
	assert_int_equal(s->nexpects, 0);
	scenario_free(s);
}

static void
test_names(void **state)
{
	int k;

	(void)state;
	assert_string_equal(scenario_action_name(ACTION_HALF_OPEN),
	    "half_open");
	assert_string_equal(scenario_expect_name(EXPECT_EXIT_CODE),
	    "exit_code");
	assert_string_equal(scenario_distribution_name(DIST_UNIFORM),
	    "uniform");
	for (k = 0; k < ACTION_MAX; k++)
		assert_non_null(scenario_action_name(k));
	assert_true(scenario_action_is_drop(ACTION_RST));
	assert_true(scenario_action_is_drop(ACTION_HALF_OPEN));
	assert_false(scenario_action_is_drop(ACTION_REFUSE));
	assert_false(scenario_action_is_drop(ACTION_CORRUPT));
}

/* ---- errors: each text, the line and words expected in the message ---- */

#define HEAD "name: e\nduration: 10s\n"	/* lines 1-2 */

static const struct bad {
	const char *text;
	int	    line;
	const char *words;
} bads[] = {
	/* YAML syntax */
	{ "name: [unclosed\n", 2, "YAML syntax error" },
	{ "name: a\n  bad: indent\n", 2, "YAML syntax error" },
	{ "a: &x 1\nb: *x\n", 1, "anchors" },
	{ "a: 1\nb: *x\n", 2, "" },
	{ "name: !!str e\n", 1, "tags" },
	{ "name: e\n---\nname: f\n", 2, "only one YAML document" },
	{ "", 0, "empty file" },
	{ "- a\n- b\n", 1, "expected a mapping" },
	{ "just text\n", 1, "expected a mapping" },
	/* unknown keys, duplicates, missing keys */
	{ HEAD "colour: red\n", 3, "unknown key 'colour'" },
	{ HEAD "plc:\n  speed: 1ms\n", 4, "plc: unknown key 'speed'" },
	{ HEAD "client:\n  argv: []\n", 4, "client: unknown key 'argv'" },
	{ HEAD "duration: 5s\n", 3, "duplicate key 'duration' (first on "
	  "line 2)" },
	{ "name: e\n", 1, "missing key 'duration'" },
	{ "duration: 1s\n", 1, "missing key 'name'" },
	{ HEAD "timeline:\n  - at: 1s\n", 4, "missing key 'action'" },
	{ HEAD "timeline:\n  - action: rst\n", 4, "rst: missing key 'at'" },
	{ HEAD "timeline:\n  - action: blackhole\n    at: 1s\n", 4,
	  "missing key 'for'" },
	{ HEAD "timeline:\n  - action: corrupt\n    at: 1s\n", 4,
	  "missing key 'mask'" },
	{ HEAD "timeline:\n  - action: explode\n    at: 1s\n", 4,
	  "unknown action 'explode'" },
	{ HEAD "timeline:\n  - action: rst\n    at: 1s\n    for: 1s\n", 6,
	  "rst: unknown key 'for'" },
	{ HEAD "expectations:\n  - expect: luck\n", 4,
	  "unknown expect 'luck'" },
	{ HEAD "expectations:\n  - expect: reconnect\n", 4,
	  "missing key 'within'" },
	{ HEAD "expectations:\n  - expect: frames\n    at_leest: 3\n", 5,
	  "unknown key 'at_leest'" },
	/* types */
	{ HEAD "seed: abc\n", 3, "not a whole number" },
	{ HEAD "plc: 10ms\n", 3, "plc: expected a mapping" },
	{ HEAD "plc:\n  length: [32]\n", 4, "plc.length: expected a whole "
	  "number, got a list" },
	{ HEAD "plc:\n  length: 32.5\n", 4, "not a whole number" },
	{ HEAD "client:\n  args: --mode 1\n", 4, "expected a list" },
	{ HEAD "client:\n  args: [[1]]\n", 4, "expected a string" },
	{ HEAD "client:\n  env: [FOO]\n", 4, "not NAME=VALUE" },
	{ HEAD "client:\n  stats: yes\n", 4, "true or false" },
	{ HEAD "timeline: rst\n", 3, "expected a list" },
	{ HEAD "timeline:\n  - rst\n", 4, "expected a mapping" },
	{ "name: 'two words'\nduration: 1s\n", 1, "letters, digits" },
	{ HEAD "timeline:\n  - action: echo_delay\n    at: 1s\n"
	  "    delay: 1ms\n    distribution: gaussian\n", 7,
	  "uniform or normal" },
	{ HEAD "timeline:\n  - action: corrupt\n    at: 1s\n"
	  "    mask: 255\n", 6, "hex" },
	{ HEAD "expectations:\n  - expect: life_bit_period\n"
	  "    period: 1s\n    tolerance: 1ms\n    quantile: 1.5\n", 7,
	  "quantile" },
	{ HEAD "expectations:\n  - expect: counter\n    name: Bad-Name\n"
	  "    equals: 1\n", 5, "not a counter name" },
	/* durations */
	{ "name: e\nduration: 10\n", 2, "has no unit" },
	{ "name: e\nduration: -1s\n", 2, "cannot be negative" },
	{ "name: e\nduration: 10 parsecs\n", 2, "unknown unit" },
	{ "name: e\nduration: 0\n", 2, "more than 0" },
	{ "name: e\nduration: 25h\n", 2, "at most 24h" },
	{ "name: e\nduration: 2000h\n", 2, "too long" },
	{ HEAD "timeline:\n  - action: rst\n    at: -2s\n", 5, "negative" },
	{ HEAD "plc:\n  cycle: 100\n", 4, "no unit" },
	/* ranges */
	{ HEAD "plc:\n  length: 12\n", 4, "not a multiple of 8" },
	{ HEAD "plc:\n  length: 2048\n", 4, "out of range" },
	{ HEAD "plc:\n  length: 0\n", 4, "out of range" },
	{ HEAD "plc:\n  max_clients: 0\n", 4, "out of range" },
	{ HEAD "plc:\n  cycle: 11s\n", 4, "at most 10s" },
	{ HEAD "seed: 99999999999999999999999\n", 3, "out of range" },
	{ HEAD "seed: -1\n", 3, "not a whole number" },
	{ HEAD "timeline:\n  - action: rst\n    at: 1s\n    every: 1s\n"
	  "    count: 0\n", 7, "out of range" },
	{ HEAD "timeline:\n  - action: echo_split\n    at: 1s\n"
	  "    pieces: 5\n", 4, "cannot split a 4-byte echo into 5" },
	{ HEAD "timeline:\n  - action: echo_short\n    at: 1s\n"
	  "    bytes: 4\n", 4, "not shorter" },
	{ HEAD "plc:\n  length: 8\ntimeline:\n  - action: echo_short\n"
	  "    at: 1s\n", 6, "cannot be shortened" },
	{ HEAD "timeline:\n  - action: bit0_force\n    at: 1s\n"
	  "    value: 2\n", 6, "out of range" },
	{ HEAD "timeline:\n  - action: corrupt\n    at: 1s\n"
	  "    mask: 0x1ffffffff\n", 4, "wider than the 32-bit frame" },
	{ HEAD "timeline:\n  - action: corrupt\n    at: 1s\n"
	  "    mask: 0x0\n", 4, "changes nothing" },
	{ HEAD "expectations:\n  - expect: exit_code\n    equals: 256\n", 5,
	  "out of range" },
	{ HEAD "expectations:\n  - expect: frames\n    at_least: 10\n"
	  "    at_most: 5\n", 4, "can never pass" },
	/* windows and repetition */
	{ HEAD "timeline:\n  - action: rst\n    at: 10s\n", 4,
	  "not before the end" },
	{ HEAD "timeline:\n  - action: blackhole\n    at: 9s\n    for: 2s\n",
	  4, "past the end" },
	{ HEAD "timeline:\n  - action: rst\n    at: 1s\n    every: 4s\n"
	  "    count: 4\n", 4, "occurrence 4 at 13s" },
	{ HEAD "timeline:\n  - action: rst\n    at: 1s\n    count: 2\n", 4,
	  "'count' needs 'every'" },
	{ HEAD "timeline:\n  - action: blackhole\n    at: 1s\n    for: 2s\n"
	  "    every: 1s\n", 4, "would overlap" },
	{ HEAD "timeline:\n  - action: echo_delay\n    at: 1s\n"
	  "    delay: 5ms\n    every: 2s\n", 4, "'every' needs 'for'" },
	{ HEAD "timeline:\n  - action: bit0_invert\n    at: 1s\n"
	  "    for: 1s\n    frames: 3\n", 4, "either 'for' or 'frames'" },
	{ HEAD "timeline:\n  - action: rst\n    at: 0\n    every: 1us\n", 4,
	  "too many occurrences" },
	/* contradictions */
	{ HEAD "timeline:\n  - action: rst\n    at: 2s\n"
	  "  - action: fin\n    at: 2s\n", 6,
	  "fin at 2s contradicts rst (line 4): two link drops" },
	{ HEAD "timeline:\n  - action: rst\n    at: 1s\n    every: 1s\n"
	  "  - action: plc_restart\n    at: 5s\n", 7, "two link drops" },
	{ HEAD "timeline:\n  - action: bit0_force\n    at: 1s\n"
	  "    for: 2s\n    value: 0\n  - action: bit0_force\n    at: 2s\n"
	  "    value: 1\n", 8, "bit0_force at 2s contradicts bit0_force "
	  "(line 4)" },
	{ HEAD "timeline:\n  - action: bit0_stuck\n    at: 1s\n"
	  "    for: 2s\n  - action: bit0_invert\n    at: 2500ms\n", 7,
	  "contradicts bit0_stuck" },
	{ HEAD "timeline:\n  - action: plc_cycle\n    at: 1s\n"
	  "    cycle: 20ms\n  - action: plc_cycle\n    at: 5s\n"
	  "    cycle: 30ms\n", 7, "contradicts plc_cycle" },
	{ HEAD "timeline:\n  - action: echo_split\n    at: 1s\n"
	  "    pieces: 2\n  - action: echo_short\n    at: 1s\n", 7,
	  "echo_short at 1s contradicts echo_split" },
	{ HEAD "expectations:\n  - expect: life_bit_silent\n"
	  "  - expect: life_bit_period\n    period: 1s\n    tolerance: 1ms\n",
	  5, "contradicts life_bit_silent" },
	{ HEAD "expectations:\n  - expect: exit_code\n    equals: 0\n"
	  "  - expect: exit_code\n    equals: 1\n", 6, "contradicts" },
	{ HEAD "expectations:\n  - expect: life_bit_silent\n"
	  "  - expect: life_bit_duty\n    high: 50%\n    tolerance: 1%\n",
	  5, "life_bit_duty contradicts life_bit_silent" },
	{ HEAD "expectations:\n  - expect: life_bit_max_gap\n"
	  "    at_most: 2s\n  - expect: life_bit_silent\n", 6,
	  "life_bit_silent contradicts life_bit_max_gap" },
	/* the life bit as watchdogs judge it */
	{ HEAD "expectations:\n  - expect: life_bit_period\n"
	  "    period: 1s\n    tolerance: 1ms\n    edge: up\n", 7,
	  "edge: expected any, rising or falling, not 'up'" },
	{ HEAD "expectations:\n  - expect: life_bit_duty\n    high: 50\n"
	  "    tolerance: 1%\n", 5, "high: expected a percentage" },
	{ HEAD "expectations:\n  - expect: life_bit_duty\n    high: 50%\n"
	  "    tolerance: 101%\n", 6, "from 0% to 100%" },
	{ HEAD "expectations:\n  - expect: life_bit_duty\n    high: 50%\n",
	  4, "missing key 'tolerance'" },
	{ HEAD "expectations:\n  - expect: life_bit_duty\n    high: 5e1%\n"
	  "    tolerance: 1%\n", 5, "expected a percentage" },
	{ HEAD "expectations:\n  - expect: life_bit_duty\n    high: -5%\n"
	  "    tolerance: 1%\n", 5, "expected a percentage" },
	{ HEAD "expectations:\n  - expect: life_bit_duty\n    high: 0x32%\n"
	  "    tolerance: 1%\n", 5, "expected a percentage" },
	{ HEAD "expectations:\n  - expect: life_bit_duty\n    high: 50 %\n"
	  "    tolerance: 1%\n", 5, "expected a percentage" },
	{ HEAD "expectations:\n  - expect: life_bit_duty\n    high: 50.%\n"
	  "    tolerance: 1%\n", 5, "expected a percentage" },
	{ HEAD "expectations:\n  - expect: life_bit_max_gap\n"
	  "    at_most: 3\n", 5, "no unit" },
	{ HEAD "expectations:\n  - expect: life_bit_max_gap\n"
	  "    at_least: 1s\n", 5, "unknown key 'at_least'" },
	{ HEAD "expectations:\n  - expect: frames\n    at_least: 1\n"
	  "    edge: rising\n", 6, "unknown key 'edge'" },
	/* expectations that can never be judged */
	{ HEAD "expectations:\n  - expect: counter\n    name: mismatches\n"
	  "    equals: 3\n", 4, "client.stats" },
	{ HEAD "expectations:\n  - expect: life_bit_period\n"
	  "    period: 6s\n    tolerance: 1s\n", 4, "shorter than two "
	  "periods" },
	{ HEAD "expectations:\n  - expect: reconnect\n    within: 1s\n", 4,
	  "drops no link" },
	{ HEAD "expectations:\n  - expect: watchdog_quiet\n", 4,
	  "plc.watchdog is off" },
	{ HEAD "expectations:\n  - expect: startup\n    within: 1m\n", 4,
	  "longer than startup_timeout" },
	{ HEAD "expectations:\n  - expect: send_cycle\n", 4,
	  "give period" },
	{ HEAD "expectations:\n  - expect: send_cycle\n    period: 1s\n", 4,
	  "needs a tolerance" },
	{ HEAD "expectations:\n  - expect: counter\n    name: x\n", 4,
	  "at least one of" },
	{ HEAD "client:\n  stats: true\nexpectations:\n  - expect: counter\n"
	  "    name: x\n    at_least: injected\n", 8, "only allowed with "
	  "equals" },
	/* the client's process, the frames' grid */
	{ HEAD "timeline:\n  - action: client_pause\n    at: 1s\n", 4,
	  "client_pause: missing key 'for'" },
	{ HEAD "timeline:\n  - action: client_restart\n    at: 1s\n"
	  "    for: 1s\n", 6, "unknown key 'for'" },
	{ HEAD "timeline:\n  - action: client_pause\n    at: 1s\n"
	  "    for: 2s\n  - action: client_restart\n    at: 2s\n", 7,
	  "client_restart at 2s contradicts client_pause (line 4)" },
	{ HEAD "plc:\n  watchdog: 1s\ntimeline:\n  - action: client_pause\n"
	  "    at: 1s\n    for: 1s\nexpectations:\n"
	  "  - expect: watchdog_fires\n", 10, "no client_pause lasts longer "
	  "than plc.watchdog 1s" },
	{ HEAD "timeline:\n  - action: client_pause\n    at: 1s\n"
	  "    for: 2s\nexpectations:\n  - expect: watchdog_fires\n", 8,
	  "watchdog_fires: plc.watchdog is off" },
	{ HEAD "expectations:\n  - expect: send_drift\n    period: 1s\n", 4,
	  "send_drift: missing key 'tolerance'" },
	{ HEAD "expectations:\n  - expect: no_burst\n    period: 100ms\n"
	  "    at_most: 0\n", 4, "at_most must be at least 1" },
	{ HEAD "expectations:\n  - expect: no_burst\n    period: 6s\n", 4,
	  "shorter than two periods" },
	/* on: an action started by an event */
	{ HEAD "timeline:\n  - action: rst\n", 4,
	  "rst: missing key 'at' (or 'when'" },
	{ HEAD "timeline:\n  - action: rst\n    at: 1s\n"
	  "    when: {edge: rising}\n", 4, "either 'at' or 'when'" },
	{ HEAD "timeline:\n  - action: rst\n    when: {edge: rising}\n"
	  "    every: 1s\n", 4, "'when' repeats with its own" },
	{ HEAD "timeline:\n  - action: rst\n    when: {nth: 2}\n", 5,
	  "when: give the event" },
	{ HEAD "timeline:\n  - action: rst\n"
	  "    when: {edge: rising, connect: 1}\n", 5, "not several" },
	{ HEAD "timeline:\n  - action: rst\n    when: {edge: up}\n", 5,
	  "when.edge: expected rising, falling or any, not 'up'" },
	{ HEAD "timeline:\n  - action: rst\n"
	  "    when: {edge: rising, frame: 2}\n", 5, "goes with connect" },
	{ HEAD "timeline:\n  - action: rst\n    when: {connect: 2, nth: 2}\n",
	  5, "say which connection with connect: N" },
	{ HEAD "timeline:\n  - action: rst\n    when: {connect: 0}\n", 5,
	  "out of range" },
	{ HEAD "timeline:\n  - action: rst\n    when: {connect: often}\n", 5,
	  "whole number from 1 or 'every'" },
	{ HEAD "timeline:\n  - action: rst\n    when: {edge: any, at: 1s}\n",
	  5, "when: unknown key 'at'" },
	{ HEAD "timeline:\n  - action: rst\n"
	  "    when: {edge: any, after: 10s}\n", 5, "when.after 10s is not "
	  "before the end" },
	{ HEAD "timeline:\n  - action: blackhole\n    when: {edge: any}\n"
	  "    for: 11s\n", 4, "longer than the scenario" },
	{ HEAD "timeline:\n  - action: bit0_force\n    when: {edge: any}\n"
	  "    value: 1\n  - action: bit0_force\n    at: 2s\n"
	  "    value: 0\n", 4, "bit0_force started by an event may come "
	  "while bit0_force (line 7)" },
	/* a restart that may come inside a pause would end it early */
	{ HEAD "timeline:\n  - action: client_pause\n    at: 1800ms\n"
	  "    for: 3200ms\n  - action: client_restart\n"
	  "    when: {edge: rising, after: 1500ms}\n", 7,
	  "client_restart started by an event may come while client_pause "
	  "(line 4)" },
	{ HEAD "timeline:\n  - action: client_restart\n    at: 1s\n"
	  "  - action: client_pause\n    when: {connect: 2}\n    for: 2s\n",
	  6, "client_pause started by an event may hold the client when "
	  "client_restart (line 4)" },
};

static void
test_errors(void **state)
{
	struct scenario *s;
	char want[64];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof bads / sizeof bads[0]; i++) {
		s = parse(bads[i].text);
		if (s != NULL) {
			scenario_free(s);
			fail_msg("case %zu accepted:\n%s", i, bads[i].text);
		}
		if (bads[i].line > 0)
			snprintf(want, sizeof want, "t.yaml:%d: ",
			    bads[i].line);
		else
			snprintf(want, sizeof want, "t.yaml: ");
		if (strncmp(err, want, strlen(want)) != 0 ||
		    strstr(err, bads[i].words) == NULL || strchr(err, '\n'))
			fail_msg("case %zu: got \"%s\", want \"%s...%s\"", i,
			    err, want, bads[i].words);
	}
}

/* The life bit's own expectations: what each key becomes. */
static void
test_life_bit_keys(void **state)
{
	struct scenario *s;

	(void)state;
	s = parse(HEAD "expectations:\n"
	    "  - expect: life_bit_period\n    period: 500ms\n"
	    "    tolerance: 5ms\n    edge: falling\n"
	    "  - expect: life_bit_max_gap\n    at_most: 600ms\n"
	    "    outside_faults: true\n"
	    "  - expect: life_bit_duty\n    high: 50%\n"
	    "    tolerance: 2.5%\n");
	if (s == NULL)
		fail_msg("%s", err);
	assert_int_equal(s->expects[0].edge, EDGE_FALLING);
	assert_int_equal(s->expects[1].kind, EXPECT_LIFE_BIT_MAX_GAP);
	assert_int_equal(s->expects[1].max_gap, 600000);
	assert_true(s->expects[1].outside_faults);
	assert_false(s->expects[1].has_at_most);
	assert_int_equal(s->expects[2].kind, EXPECT_LIFE_BIT_DUTY);
	assert_true(s->expects[2].high == 50.0);
	assert_true(s->expects[2].high_tolerance == 2.5);
	assert_string_equal(scenario_expect_name(EXPECT_LIFE_BIT_DUTY),
	    "life_bit_duty");
	assert_string_equal(scenario_edge_name(EDGE_RISING), "rising");
	scenario_free(s);
	/* A bound as long as the run is no contradiction of silence. */
	s = parse(HEAD "expectations:\n"
	    "  - expect: life_bit_max_gap\n    at_most: 10s\n"
	    "  - expect: life_bit_silent\n");
	if (s == NULL)
		fail_msg("%s", err);
	scenario_free(s);
}

/* Agreeing overlaps and drops at different times are fine. */
static void
test_no_false_contradictions(void **state)
{
	static const char *const goods[] = {
		HEAD "timeline:\n  - action: bit0_force\n    at: 1s\n"
		"    for: 2s\n    value: 0\n  - action: bit0_force\n"
		"    at: 2s\n    value: 0\n",
		HEAD "timeline:\n  - action: bit0_force\n    at: 1s\n"
		"    for: 1s\n    value: 0\n  - action: bit0_force\n"
		"    at: 2s\n    value: 1\n",
		HEAD "timeline:\n  - action: rst\n    at: 1s\n    every: 2s\n"
		"  - action: fin\n    at: 2s\n    every: 2s\n",
		HEAD "timeline:\n  - action: blackhole\n    at: 1s\n"
		"    for: 2s\n  - action: rst\n    at: 3s\n",
		HEAD "timeline:\n  - action: refuse\n    at: 1s\n    for: 5s\n"
		"  - action: plc_restart\n    at: 1s\n",
		HEAD "timeline:\n",
		HEAD "expectations:\n",
		HEAD "client:\n  args: []\n  env: [\"A=\", \"B=x=y\"]\n",
		/* a restart after a pause, two restarts at once, a pause
		 * beside a drop: nothing contradicts */
		HEAD "timeline:\n  - action: rst\n"
		"    when: {edge: rising, nth: every, after: 20ms}\n"
		"  - action: rst\n    at: 1s\n"
		"  - action: corrupt\n    when: {reconnect: every}\n"
		"    mask: 0xff\n  - action: corrupt\n    at: 3s\n"
		"    mask: 0xff\n  - action: plc_restart\n"
		"    when: {connect: 3, frame: 10}\n",
		HEAD "timeline:\n  - action: client_pause\n    at: 1s\n"
		"    for: 1s\n  - action: client_restart\n    at: 2s\n"
		"  - action: client_restart\n    at: 2s\n  - action: rst\n"
		"    at: 1s\n",
		/* started by events: pauses together, restarts together */
		HEAD "timeline:\n  - action: client_pause\n"
		"    when: {edge: rising}\n    for: 1s\n"
		"  - action: client_pause\n    at: 5s\n    for: 1s\n",
		HEAD "timeline:\n  - action: client_restart\n"
		"    when: {reconnect: every}\n  - action: client_restart\n"
		"    at: 2s\n  - action: rst\n    at: 1s\n",
	};
	struct scenario *s;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof goods / sizeof goods[0]; i++) {
		if ((s = parse(goods[i])) == NULL)
			fail_msg("case %zu: %s", i, err);
		scenario_free(s);
	}
}

/* `on:` read into the trigger, defaults filled, nothing planned by time. */
static void
test_on_trigger(void **state)
{
	struct scenario *s;
	const struct scenario_action *a;
	struct scenario_occurrence *occ;
	size_t n;
	char d[96];

	(void)state;
	s = parse(HEAD "timeline:\n"
	    "  - action: corrupt\n    when: {reconnect: every, frame: 2, "
	    "after: 30ms}\n    mask: 0xff\n"
	    "  - action: echo_delay\n    when: {edge: falling}\n"
	    "    delay: 5ms\n"
	    "  - action: rst\n    at: 2s\n");
	if (s == NULL)
		fail_msg("%s", err);
	a = &s->actions[0];
	assert_int_equal(a->on.event, EVENT_RECONNECT);
	assert_int_equal(a->on.nth, 0);
	assert_int_equal(a->on.frame, 2);
	assert_int_equal(a->on.after, 30000);
	assert_int_equal(a->on.line, 5);
	assert_int_equal(a->count, 0);
	assert_int_equal(a->frames, 1);
	scenario_trigger_describe(&a->on, d, sizeof d);
	assert_string_equal(d, "every reconnection, frame 2, after 30ms");
	a = &s->actions[1];
	assert_int_equal(a->on.event, EVENT_FALLING);
	assert_int_equal(a->on.nth, 1);
	/* Without `for`: until the end of the scenario, however late. */
	assert_int_equal(a->span, s->duration);
	scenario_trigger_describe(&a->on, d, sizeof d);
	assert_string_equal(d, "falling edge #1");
	assert_int_equal(s->actions[2].on.event, EVENT_NONE);
	assert_int_equal(scenario_occurrences(s, &occ, &n), 0);
	assert_int_equal(n, 1);
	assert_ptr_equal(occ[0].a, &s->actions[2]);
	scenario_occurrences_free(occ);
	scenario_free(s);
}

/* An `every` without `count` repeats while it fits in the scenario. */
static void
test_every_until_end(void **state)
{
	struct scenario *s = parse(HEAD "timeline:\n"
	    "  - action: blackhole\n    at: 1s\n    for: 1s\n    every: 3s\n"
	    "  - action: rst\n    at: 0\n    every: 2500ms\n");

	(void)state;
	if (s == NULL)
		fail_msg("%s", err);
	assert_int_equal(s->actions[0].count, 3);	/* 1s, 4s, 7s */
	assert_int_equal(s->actions[1].count, 4);	/* 0, 2.5s, 5s, 7.5s */
	scenario_free(s);
}

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint32_t
next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)rng;
}

/* Random bytes, and valid files with bytes changed: no crash, no leak. */
static void
test_garbage(void **state)
{
	static char buf[4096];
	struct scenario *s;
	size_t len, i, flen = strlen(full);
	int round;

	(void)state;
	for (round = 0; round < 2000; round++) {
		len = next() % sizeof buf;
		for (i = 0; i < len; i++)
			buf[i] = (char)next();
		s = scenario_parse(buf, len, "g", err, sizeof err);
		assert_true(s != NULL || strncmp(err, "g:", 2) == 0);
		scenario_free(s);
	}
	for (round = 0; round < 3000; round++) {
		memcpy(buf, full, flen);
		for (i = 0; i < 1 + next() % 4; i++)
			buf[next() % flen] = next() % 2 ? (char)next() :
			    " :-[]{}&*!#'\"\n\t0123456789"[next() % 26];
		s = scenario_parse(buf, flen, "m", err, sizeof err);
		assert_true(s != NULL || strncmp(err, "m:", 2) == 0);
		scenario_free(s);
	}
}

/* Deep nesting, billion laughs, huge input, NUL bytes: refused, bounded. */
static void
test_hostile(void **state)
{
	struct scenario *s;
	char *big;
	size_t i, n = 300000;

	(void)state;
	big = malloc(SCENARIO_MAX_FILE + 2 * n);
	assert_non_null(big);
	for (i = 0; i < n; i++)
		big[i] = '[';
	s = scenario_parse(big, n, "deep", err, sizeof err);
	assert_null(s);
	assert_non_null(strstr(err, "nested too deeply"));

	s = parse("a: &a [x, x, x, x, x, x, x, x, x]\n"
	    "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
	    "c: [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n");
	assert_null(s);
	assert_non_null(strstr(err, "t.yaml:1: anchors"));

	memset(big, 'x', SCENARIO_MAX_FILE + 1);
	s = scenario_parse(big, SCENARIO_MAX_FILE + 1, "huge", err,
	    sizeof err);
	assert_null(s);
	assert_non_null(strstr(err, "too large"));

	s = scenario_parse("name: a\0b\nduration: 1s\n", 23, "nul", err,
	    sizeof err);
	assert_null(s);
	assert_true(strncmp(err, "nul:1:", 6) == 0);

	/* A long flat list: many values, refused before they cost much. */
	for (i = 0; i + 3 < 2 * n; i += 3)
		memcpy(big + i, "1, ", 3);
	big[0] = '[';
	s = scenario_parse(big, i, "wide", err, sizeof err);
	assert_null(s);
	free(big);

	s = scenario_load("/nonexistent/dir/x.yaml", err, sizeof err);
	assert_null(s);
	assert_non_null(strstr(err, "x.yaml: "));
}

/* Every scenario shipped in scenarios/ is valid. */
static void
test_library(void **state)
{
	const char *top = getenv("TOP");
	char pattern[1024];
	struct scenario *s;
	glob_t g;
	size_t i;

	(void)state;
	snprintf(pattern, sizeof pattern, "%s/scenarios/*.yaml",
	    top ? top : ".");
	/* The library ships with the sources: none found is a failure. */
	if (glob(pattern, 0, NULL, &g) != 0)
		fail_msg("no scenario matches %s", pattern);
	assert_true(g.gl_pathc >= 1);
	for (i = 0; i < g.gl_pathc; i++) {
		if ((s = scenario_load(g.gl_pathv[i], err, sizeof err)) == NULL)
			fail_msg("%s", err);
		scenario_free(s);
	}
	globfree(&g);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_scenario),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_no_false_contradictions),
		cmocka_unit_test(test_on_trigger),
		cmocka_unit_test(test_life_bit_keys),
		cmocka_unit_test(test_every_until_end),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_library),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
