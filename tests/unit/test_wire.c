/* Unit tests of the frame format (client/wire.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "wire.h"

/* The lengths, in bits, that every encoding test walks through. */
static const unsigned lengths[] = { 8, 32, 64, 256, 1024 };
#define NLENGTHS (sizeof lengths / sizeof lengths[0])

static void
test_wire_length_valid(void **state)
{
	(void)state;
	assert_true(wire_length_valid(8));
	assert_true(wire_length_valid(16));
	assert_true(wire_length_valid(32));
	assert_true(wire_length_valid(1024));
	assert_false(wire_length_valid(0));
	assert_false(wire_length_valid(-8));
	assert_false(wire_length_valid(7));
	assert_false(wire_length_valid(12));
	assert_false(wire_length_valid(1032));
	assert_false(wire_length_valid(2000));
}

/* The value is stored most significant byte first, in the last 8 bytes. */
static void
test_wire_put_is_big_endian(void **state)
{
	const uint64_t v = 0x0123456789abcdefULL;
	uint8_t frame[WIRE_MAX_BYTES];
	size_t k, i, len;

	(void)state;
	for (k = 0; k < NLENGTHS; k++) {
		len = lengths[k] / 8;
		memset(frame, 0xee, sizeof frame);
		wire_put_u64(frame, len, v);
		for (i = 0; i < len; i++) {
			size_t from_end = len - 1 - i;	/* 0: the last byte */
			uint8_t want = from_end < 8 ?
			    (uint8_t)(v >> (8 * from_end)) : 0;
			assert_int_equal(frame[i], want);
		}
		/* Nothing written beyond the frame. */
		if (len < sizeof frame)
			assert_int_equal(frame[len], 0xee);
		/* What fits reads back. */
		if (len >= 8)
			assert_int_equal(wire_get_u64(frame, len), v);
		else
			assert_int_equal(wire_get_u64(frame, len),
			    v & ((1ULL << (8 * len)) - 1));
	}
}

static void
test_wire_32_bit_layout(void **state)
{
	uint8_t frame[4];

	(void)state;
	wire_put_u64(frame, 4, 0xdeadbeefULL);
	assert_int_equal(frame[0], 0xde);
	assert_int_equal(frame[1], 0xad);
	assert_int_equal(frame[2], 0xbe);
	assert_int_equal(frame[3], 0xef);
	assert_int_equal(wire_get_bit0(frame, 4), 1);
}

/* Bit 0 is the lowest bit of the last byte, and touching it touches nothing
 * else. */
static void
test_wire_bit0_every_length(void **state)
{
	uint8_t frame[WIRE_MAX_BYTES], before[WIRE_MAX_BYTES];
	size_t k, len;

	(void)state;
	for (k = 0; k < NLENGTHS; k++) {
		len = lengths[k] / 8;
		memset(frame, 0xa5, len);	/* ...10100101: bit 0 set */
		assert_int_equal(wire_get_bit0(frame, len), 1);
		memcpy(before, frame, len);

		wire_set_bit0(frame, len, 0);
		assert_int_equal(wire_get_bit0(frame, len), 0);
		assert_int_equal(frame[len - 1], 0xa4);
		assert_memory_equal(frame, before, len - 1);

		wire_set_bit0(frame, len, 1);
		assert_int_equal(wire_get_bit0(frame, len), 1);
		assert_memory_equal(frame, before, len);

		/* Any non-zero value means 1. */
		memset(frame, 0, len);
		wire_set_bit0(frame, len, 2);
		assert_int_equal(frame[len - 1], 1);
		assert_int_equal(wire_get_u64(frame, len), 1);

		/* Bit 0 of a word is bit 0 of its frame. */
		wire_put_u64(frame, len, 0x80);
		assert_int_equal(wire_get_bit0(frame, len), 0);
		wire_put_u64(frame, len, 0x81);
		assert_int_equal(wire_get_bit0(frame, len), 1);
	}
}

static void
test_wire_diff_equal(void **state)
{
	uint8_t a[4] = { 1, 2, 3, 4 };
	char desc[64] = "junk";

	(void)state;
	assert_int_equal(wire_diff(a, a, 4, desc, sizeof desc), 0);
	assert_string_equal(desc, "");
	assert_int_equal(wire_diff(a, a, 4, NULL, 0), 0);
}

static void
test_wire_diff_describes_bits(void **state)
{
	uint8_t sent[4], echo[4];
	char desc[128];

	(void)state;
	wire_put_u64(sent, 4, 0x12345678);
	wire_put_u64(echo, 4, 0x12345678 ^ 0x00020001);
	assert_int_equal(wire_diff(sent, echo, 4, desc, sizeof desc), 2);
	assert_string_equal(desc, "bits 0,17 (xor 0x00020001)");

	/* Only the life bit. */
	wire_put_u64(echo, 4, 0x12345679);
	assert_int_equal(wire_diff(sent, echo, 4, desc, sizeof desc), 1);
	assert_string_equal(desc, "bits 0 (xor 0x00000001)");

	/* The top bit of a 32-bit word. */
	wire_put_u64(echo, 4, 0x12345678 ^ 0x80000000);
	assert_int_equal(wire_diff(sent, echo, 4, desc, sizeof desc), 1);
	assert_string_equal(desc, "bits 31 (xor 0x80000000)");

	/* Every bit of an 8-bit frame. */
	sent[0] = 0x00;
	echo[0] = 0xff;
	assert_int_equal(wire_diff(sent, echo, 1, desc, sizeof desc), 8);
	assert_string_equal(desc, "bits 0,1,2,3,4,5,6,7 (xor 0xff)");
}

static void
test_wire_diff_long_frame(void **state)
{
	uint8_t sent[WIRE_MAX_BYTES], echo[WIRE_MAX_BYTES];
	char desc[512];

	(void)state;
	memset(sent, 0, sizeof sent);
	memcpy(echo, sent, sizeof echo);
	echo[0] ^= 0x80;			/* bit 1023 */
	echo[WIRE_MAX_BYTES - 2] ^= 0x01;	/* bit 8 */
	assert_int_equal(wire_diff(sent, echo, WIRE_MAX_BYTES, desc,
	    sizeof desc), 2);
	assert_true(strncmp(desc, "bits 8,1023 (xor 0x80", 21) == 0);
	assert_true(strstr(desc, "0100)") != NULL);
}

/* A short description buffer truncates the text, never the count. */
static void
test_wire_diff_truncates(void **state)
{
	uint8_t sent[8], echo[8];
	char desc[12];

	(void)state;
	memset(sent, 0, sizeof sent);
	memset(echo, 0xff, sizeof echo);
	memset(desc, 'x', sizeof desc);
	assert_int_equal(wire_diff(sent, echo, 8, desc, sizeof desc), 64);
	assert_true(memchr(desc, '\0', sizeof desc) != NULL);
	assert_true(strncmp(desc, "bits 0,1,2", 10) == 0);
	/* A zero-length buffer is not written at all. */
	assert_int_equal(wire_diff(sent, echo, 8, desc, 0), 64);
}

static void
test_wire_hex_round_trip(void **state)
{
	uint8_t frame[WIRE_MAX_BYTES], back[WIRE_MAX_BYTES];
	char hex[2 * WIRE_MAX_BYTES + 3];
	size_t k, i, len;

	(void)state;
	for (k = 0; k < NLENGTHS; k++) {
		len = lengths[k] / 8;
		for (i = 0; i < len; i++)
			frame[i] = (uint8_t)(i * 37 + 11);
		wire_to_hex(frame, len, hex, sizeof hex);
		assert_int_equal(strlen(hex), 2 + 2 * len);
		assert_true(strncmp(hex, "0x", 2) == 0);
		assert_int_equal(wire_from_hex(hex, back, len), 0);
		assert_memory_equal(frame, back, len);
		/* Without the prefix, and in upper case. */
		for (i = 2; hex[i] != '\0'; i++)
			if (hex[i] >= 'a' && hex[i] <= 'f')
				hex[i] = (char)(hex[i] - 'a' + 'A');
		assert_int_equal(wire_from_hex(hex + 2, back, len), 0);
		assert_memory_equal(frame, back, len);
	}
}

static void
test_wire_to_hex_exact(void **state)
{
	const uint8_t frame[4] = { 0x00, 0x1a, 0xb2, 0xff };
	char hex[16], small[7];

	(void)state;
	wire_to_hex(frame, 4, hex, sizeof hex);
	assert_string_equal(hex, "0x001ab2ff");
	/* Truncated to whole bytes, always terminated. */
	wire_to_hex(frame, 4, small, sizeof small);
	assert_string_equal(small, "0x001a");
}

static void
test_wire_from_hex_short_value_is_right_aligned(void **state)
{
	uint8_t frame[4];

	(void)state;
	memset(frame, 0xee, sizeof frame);
	assert_int_equal(wire_from_hex("0x1", frame, 4), 0);
	assert_int_equal(wire_get_u64(frame, 4), 1);
	assert_int_equal(wire_from_hex("abc", frame, 4), 0);
	assert_int_equal(wire_get_u64(frame, 4), 0xabc);
	assert_int_equal(wire_from_hex("0XDEADBEEF", frame, 4), 0);
	assert_int_equal(wire_get_u64(frame, 4), 0xdeadbeef);
}

static void
test_wire_from_hex_rejects(void **state)
{
	uint8_t frame[4];

	(void)state;
	assert_int_equal(wire_from_hex("", frame, 4), -1);
	assert_int_equal(wire_from_hex("0x", frame, 4), -1);
	assert_int_equal(wire_from_hex("0x12g4", frame, 4), -1);
	assert_int_equal(wire_from_hex("-1", frame, 4), -1);
	assert_int_equal(wire_from_hex("0x 12", frame, 4), -1);
	/* Nine digits do not fit in 32 bits, three do not fit in 8. */
	assert_int_equal(wire_from_hex("0x123456789", frame, 4), -1);
	assert_int_equal(wire_from_hex("0x1ff", frame, 1), -1);
	assert_int_equal(wire_from_hex("0xff", frame, 1), 0);
	assert_int_equal(frame[0], 0xff);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wire_length_valid),
		cmocka_unit_test(test_wire_put_is_big_endian),
		cmocka_unit_test(test_wire_32_bit_layout),
		cmocka_unit_test(test_wire_bit0_every_length),
		cmocka_unit_test(test_wire_diff_equal),
		cmocka_unit_test(test_wire_diff_describes_bits),
		cmocka_unit_test(test_wire_diff_long_frame),
		cmocka_unit_test(test_wire_diff_truncates),
		cmocka_unit_test(test_wire_hex_round_trip),
		cmocka_unit_test(test_wire_to_hex_exact),
		cmocka_unit_test(test_wire_from_hex_short_value_is_right_aligned),
		cmocka_unit_test(test_wire_from_hex_rejects),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
