/* Unit tests of the frame payloads (client/payload.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "payload.h"
#include "wire.h"

static void
test_payload_counter_bits_31_1(void **state)
{
	static const uint64_t seqs[] = {
		0, 1, 2, 3, 12345, 0x3fffffff, 0x7ffffffe, 0x7fffffff,
	};
	uint8_t frame[4];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof seqs / sizeof seqs[0]; i++) {
		memset(frame, 0xff, sizeof frame);
		payload_fill(TCPCOM_PAYLOAD_COUNTER, frame, 4, seqs[i], NULL,
		    NULL);
		assert_int_equal(wire_get_u64(frame, 4), seqs[i] << 1);
		assert_int_equal(wire_get_bit0(frame, 4), 0);
		assert_int_equal(payload_counter_of(frame, 4), seqs[i]);
	}
	/* Frame 5 is 0x0000000a on the wire. */
	payload_fill(TCPCOM_PAYLOAD_COUNTER, frame, 4, 5, NULL, NULL);
	assert_int_equal(frame[0], 0);
	assert_int_equal(frame[1], 0);
	assert_int_equal(frame[2], 0);
	assert_int_equal(frame[3], 0x0a);
}

/* After 2^31 frames the counter wraps to 0. */
static void
test_payload_counter_wraps(void **state)
{
	uint8_t frame[4];

	(void)state;
	payload_fill(TCPCOM_PAYLOAD_COUNTER, frame, 4, 0x80000000ULL, NULL,
	    NULL);
	assert_int_equal(wire_get_u64(frame, 4), 0);
	payload_fill(TCPCOM_PAYLOAD_COUNTER, frame, 4, 0x80000003ULL, NULL,
	    NULL);
	assert_int_equal(payload_counter_of(frame, 4), 3);
}

/* The life bit does not change what counter a frame carries. */
static void
test_payload_counter_ignores_bit0(void **state)
{
	uint8_t frame[4];

	(void)state;
	payload_fill(TCPCOM_PAYLOAD_COUNTER, frame, 4, 99, NULL, NULL);
	wire_set_bit0(frame, 4, 1);
	assert_int_equal(payload_counter_of(frame, 4), 99);
}

/* In a longer frame the bits above 31 are zero. */
static void
test_payload_counter_long_frame(void **state)
{
	uint8_t frame[16], zero[12];

	(void)state;
	memset(zero, 0, sizeof zero);
	memset(frame, 0xff, sizeof frame);
	payload_fill(TCPCOM_PAYLOAD_COUNTER, frame, 16, 0x7fffffff, NULL,
	    NULL);
	assert_memory_equal(frame, zero, 12);
	assert_int_equal(wire_get_u64(frame, 16), 0xfffffffeULL);
	assert_int_equal(payload_counter_of(frame, 16), 0x7fffffff);
}

/* Random bits everywhere but bit 0, which stays at 0 for the sender. */
static void
test_payload_random(void **state)
{
	uint8_t frame[4], first[4];
	uint32_t seen_set = 0, seen_clear = 0, v;
	struct rng r;
	int i, same = 0;

	(void)state;
	rng_seed(&r, 99);
	for (i = 0; i < 1000; i++) {
		payload_fill(TCPCOM_PAYLOAD_RANDOM, frame, 4, (uint64_t)i, &r,
		    NULL);
		assert_int_equal(wire_get_bit0(frame, 4), 0);
		if (i == 0)
			memcpy(first, frame, 4);
		else
			same += memcmp(first, frame, 4) == 0;
		v = (uint32_t)wire_get_u64(frame, 4);
		seen_set |= v;
		seen_clear |= ~v;
	}
	assert_int_equal(seen_set, 0xfffffffeu);	/* bits 31..1 vary */
	assert_int_equal(seen_clear, 0xffffffffu);
	assert_true(same < 2);
}

/* The same seed replays the same payloads. */
static void
test_payload_random_replays(void **state)
{
	uint8_t a[128], b[128];
	struct rng ra, rb;
	int i;

	(void)state;
	rng_seed(&ra, 5);
	rng_seed(&rb, 5);
	for (i = 0; i < 100; i++) {
		payload_fill(TCPCOM_PAYLOAD_RANDOM, a, 128, 0, &ra, NULL);
		payload_fill(TCPCOM_PAYLOAD_RANDOM, b, 128, 0, &rb, NULL);
		assert_memory_equal(a, b, 128);
		assert_int_equal(wire_get_bit0(a, 128), 0);
	}
}

static void
test_payload_fixed(void **state)
{
	enum tcpcom_payload kind = TCPCOM_PAYLOAD_RANDOM;
	uint8_t fixed[128], frame[4];
	char err[256];

	(void)state;
	assert_int_equal(payload_parse("fixed:0x12345679", 32, &kind, fixed,
	    err, sizeof err), 0);
	assert_int_equal(kind, TCPCOM_PAYLOAD_FIXED);
	payload_fill(kind, frame, 4, 0, NULL, fixed);
	/* Bit 0 of the value is the sender's, not the payload's. */
	assert_int_equal(wire_get_u64(frame, 4), 0x12345678);
	payload_fill(kind, frame, 4, 1000, NULL, fixed);
	assert_int_equal(wire_get_u64(frame, 4), 0x12345678);

	assert_int_equal(payload_parse("fixed:ff", 8, &kind, fixed, err,
	    sizeof err), 0);
	payload_fill(kind, frame, 1, 0, NULL, fixed);
	assert_int_equal(frame[0], 0xfe);
}

static void
test_payload_parse_kinds(void **state)
{
	enum tcpcom_payload kind = TCPCOM_PAYLOAD_FIXED;
	uint8_t fixed[128];
	char err[256];

	(void)state;
	assert_int_equal(payload_parse("random", 32, &kind, fixed, err,
	    sizeof err), 0);
	assert_int_equal(kind, TCPCOM_PAYLOAD_RANDOM);
	assert_int_equal(payload_parse("counter", 32, &kind, fixed, err,
	    sizeof err), 0);
	assert_int_equal(kind, TCPCOM_PAYLOAD_COUNTER);
}

static void
parse_bad(const char *text, unsigned bits)
{
	enum tcpcom_payload kind = TCPCOM_PAYLOAD_COUNTER;
	uint8_t fixed[128];
	char err[512] = "";

	if (payload_parse(text, bits, &kind, fixed, err, sizeof err) == 0)
		fail_msg("payload '%s' accepted", text);
	assert_int_equal(kind, TCPCOM_PAYLOAD_COUNTER);
	if (strstr(err, text) == NULL)
		fail_msg("message for '%s' does not name it: %s", text, err);
}

static void
test_payload_parse_errors(void **state)
{
	(void)state;
	parse_bad("fixed:", 32);
	parse_bad("fixed:0x", 32);
	parse_bad("fixed:xyz", 32);
	parse_bad("fixed:0x12 34", 32);
	parse_bad("fixed:0x123456789", 32);	/* 36 bits in 32 */
	parse_bad("fixed:0x1ff", 8);
	parse_bad("fixed", 32);
	parse_bad("Random", 32);
	parse_bad("counting", 32);
	parse_bad("", 32);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_payload_counter_bits_31_1),
		cmocka_unit_test(test_payload_counter_wraps),
		cmocka_unit_test(test_payload_counter_ignores_bit0),
		cmocka_unit_test(test_payload_counter_long_frame),
		cmocka_unit_test(test_payload_random),
		cmocka_unit_test(test_payload_random_replays),
		cmocka_unit_test(test_payload_fixed),
		cmocka_unit_test(test_payload_parse_kinds),
		cmocka_unit_test(test_payload_parse_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
