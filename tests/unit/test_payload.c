/* Unit tests of the frame payloads (client/payload.c). */
#include <errno.h>
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

/* Data set by a program: placed at the low end, bit 0 cleared. */
static void
test_payload_data_set_fill(void **state)
{
	static const uint8_t two[] = { 0xab, 0xcd };
	static const uint8_t four[] = { 0x12, 0x34, 0x56, 0x79 };
	struct payload_data pd;
	uint8_t frame[4];

	(void)state;
	payload_data_init(&pd, 4);
	memset(frame, 0x55, sizeof frame);
	assert_int_equal(payload_data_fill(&pd, frame), 0);
	assert_int_equal(wire_get_u64(frame, 4), 0x55555555);
	assert_int_equal(payload_data_set(&pd, four, 4), 0);
	assert_int_equal(payload_data_fill(&pd, frame), 1);
	assert_int_equal(wire_get_u64(frame, 4), 0x12345678);
	assert_int_equal(payload_data_set(&pd, two, 2), 0);
	assert_int_equal(payload_data_fill(&pd, frame), 1);
	assert_int_equal(wire_get_u64(frame, 4), 0xabcc);
	payload_data_destroy(&pd);
}

static void
test_payload_data_bad_length(void **state)
{
	uint8_t five[5] = { 0 };
	struct payload_data pd;
	uint8_t frame[4] = { 1, 2, 3, 4 };

	(void)state;
	payload_data_init(&pd, 4);
	errno = 0;
	assert_int_equal(payload_data_set(&pd, five, 0), -1);
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_int_equal(payload_data_set(&pd, five, 5), -1);
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_int_equal(payload_data_set(&pd, NULL, 4), -1);
	assert_int_equal(errno, EINVAL);
	/* Nothing was set. */
	assert_int_equal(payload_data_fill(&pd, frame), 0);
	assert_int_equal(wire_get_u64(frame, 4), 0x01020304);
	payload_data_destroy(&pd);
}

static uint64_t
value_of(const char *text, size_t len)
{
	uint8_t out[128];
	char err[256];

	assert_int_equal(payload_parse_value(text, len, out, err, sizeof err),
	    0);
	return wire_get_u64(out, len);
}

static void
value_bad(const char *text, size_t len)
{
	uint8_t out[128];
	char err[256] = "";

	assert_int_equal(payload_parse_value(text, len, out, err, sizeof err),
	    -1);
	assert_true(strlen(err) > 0);
}

static void
test_payload_parse_value(void **state)
{
	uint8_t out[16];
	char err[256];

	(void)state;
	assert_int_equal(value_of("0x12345678", 4), 0x12345678);
	assert_int_equal(value_of("0X0000000000abcd", 4), 0xabcd);
	assert_int_equal(value_of("  42\r\n", 4), 42);
	assert_int_equal(value_of("4294967295", 4), 0xffffffffULL);
	assert_int_equal(value_of("0x7", 4), 7);	/* bit 0 as given */
	assert_int_equal(value_of("18446744073709551615", 16),
	    UINT64_MAX);
	assert_int_equal(value_of("255", 1), 255);
	assert_int_equal(payload_parse_value(" \t\n", 4, out, err,
	    sizeof err), 1);
	value_bad("4294967296", 4);
	value_bad("256", 1);
	value_bad("18446744073709551616", 16);
	value_bad("0x123456789", 4);
	value_bad("0x", 4);
	value_bad("0xg1", 4);
	value_bad("12ab", 4);
	value_bad("-1", 4);
	value_bad("1 2", 4);
	value_bad("hello", 4);
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
		cmocka_unit_test(test_payload_data_set_fill),
		cmocka_unit_test(test_payload_data_bad_length),
		cmocka_unit_test(test_payload_parse_value),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
