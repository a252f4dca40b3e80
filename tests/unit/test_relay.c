/*
 * Unit tests of the relay (plcsim/relay.c): a client's bytes cut into
 * frames, the PLC's bytes into echoes, each echo paired with the oldest
 * frame in flight, and the flight bounded. No socket, no clock.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "relay.h"

static const uint8_t f1[4] = { 0x00, 0x00, 0x00, 0x01 };
static const uint8_t f2[4] = { 0x00, 0x00, 0x00, 0x02 };

/* Bytes in pieces of any size make the same frames. */
static void
test_frames_from_pieces(void **state)
{
	struct relay r;
	uint8_t in[8], frame[4];
	size_t n, at = 0;
	int whole, frames = 0;

	(void)state;
	relay_init(&r, 4);
	memcpy(in, f1, 4);
	memcpy(in + 4, f2, 4);
	n = relay_up(&r, in, 3, frame, &whole);
	assert_int_equal(n, 3);
	assert_int_equal(whole, 0);
	assert_int_equal(relay_up_partial(&r), 3);
	at = 3;
	while (at < 8) {
		n = relay_up(&r, in + at, 8 - at, frame, &whole);
		at += n;
		if (whole) {
			assert_memory_equal(frame, frames == 0 ? f1 : f2, 4);
			frames++;
		}
	}
	assert_int_equal(frames, 2);
	assert_int_equal(relay_up_partial(&r), 0);
}

/* Echoes pair with the oldest frame: equal or not, and the round trip. */
static void
test_echoes_paired_in_order(void **state)
{
	struct relay r;
	struct relay_echo x;
	uint8_t wrong[4] = { 0x00, 0x00, 0x00, 0x03 };
	size_t n;

	(void)state;
	relay_init(&r, 4);
	assert_int_equal(relay_sent(&r, f1, 1000), 0);
	assert_int_equal(relay_sent(&r, f2, 1500), 0);
	assert_int_equal(relay_inflight(&r), 2);
	assert_int_equal(relay_oldest(&r), 1000);
	/* The first echo, in two pieces. */
	n = relay_down(&r, f1, 2, 11000, &x);
	assert_int_equal(n, 2);
	assert_int_equal(x.len, 0);
	assert_int_equal(relay_down_partial(&r), 2);
	n = relay_down(&r, f1 + 2, 2, 12000, &x);
	assert_int_equal(x.len, 4);
	assert_true(x.asked);
	assert_true(x.matches);
	assert_int_equal(x.rtt, 11000);
	/* The second: unlike its frame. */
	relay_down(&r, wrong, 4, 20000, &x);
	assert_true(x.asked);
	assert_false(x.matches);
	assert_memory_equal(x.frame, f2, 4);
	assert_memory_equal(x.echo, wrong, 4);
	assert_int_equal(x.rtt, 18500);
	/* A third, with nothing in flight: not asked for. */
	relay_down(&r, f1, 4, 30000, &x);
	assert_int_equal(x.len, 4);
	assert_false(x.asked);
	assert_int_equal(relay_inflight(&r), 0);
	assert_int_equal(relay_oldest(&r), 0);
}

/* The flight is bounded: no room, no frame taken, nothing forgotten. */
static void
test_flight_bounded(void **state)
{
	struct relay r;
	struct relay_echo x;
	uint8_t frame[4];
	int i, whole;

	(void)state;
	relay_init(&r, 4);
	assert_int_equal(relay_room(&r), RELAY_INFLIGHT_MAX * 4);
	relay_up(&r, f1, 1, frame, &whole);
	assert_int_equal(relay_room(&r), RELAY_INFLIGHT_MAX * 4 - 1);
	for (i = 0; i < RELAY_INFLIGHT_MAX; i++)
		assert_int_equal(relay_sent(&r, f1, (tc_us_t)i), 0);
	assert_true(relay_full(&r));
	assert_int_equal(relay_room(&r), 0);
	assert_int_equal(relay_sent(&r, f2, 99), -1);
	/* Every one of them is still owed, oldest first. */
	for (i = 0; i < RELAY_INFLIGHT_MAX; i++) {
		relay_down(&r, f1, 4, 1000, &x);
		assert_true(x.asked);
		assert_int_equal(x.rtt, 1000 - (tc_us_t)i);
	}
	assert_false(relay_full(&r));
}

/* The longest frames the wire allows. */
static void
test_longest_frames(void **state)
{
	struct relay r;
	struct relay_echo x;
	uint8_t big[WIRE_MAX_BYTES], frame[WIRE_MAX_BYTES];
	int whole;

	(void)state;
	memset(big, 0xA5, sizeof big);
	relay_init(&r, WIRE_MAX_BYTES);
	assert_int_equal(relay_up(&r, big, sizeof big, frame, &whole),
	    WIRE_MAX_BYTES);
	assert_int_equal(whole, 1);
	relay_sent(&r, frame, 5);
	big[WIRE_MAX_BYTES - 1] ^= 1;
	relay_down(&r, big, sizeof big, 10, &x);
	assert_int_equal(x.len, WIRE_MAX_BYTES);
	assert_false(x.matches);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_frames_from_pieces),
		cmocka_unit_test(test_echoes_paired_in_order),
		cmocka_unit_test(test_flight_bounded),
		cmocka_unit_test(test_longest_frames),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
