/* wire: frame encoding and comparison; see wire.h. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "wire.h"

int
wire_length_valid(long bits)
{
	return bits >= WIRE_MIN_BITS && bits <= WIRE_MAX_BITS && bits % 8 == 0;
}

int
wire_get_bit0(const uint8_t *frame, size_t len)
{
	return frame[len - 1] & 1;
}

void
wire_set_bit0(uint8_t *frame, size_t len, int value)
{
	if (value)
		frame[len - 1] |= 1;
	else
		frame[len - 1] &= (uint8_t)~1u;
}

void
wire_put_u64(uint8_t *frame, size_t len, uint64_t value)
{
	size_t i;

	for (i = 0; i < len; i++) {
		size_t shift = 8 * (len - 1 - i);
		frame[i] = shift < 64 ? (uint8_t)(value >> shift) : 0;
	}
}

uint64_t
wire_get_u64(const uint8_t *frame, size_t len)
{
	uint64_t v = 0;
	size_t i, start = len > 8 ? len - 8 : 0;

	for (i = start; i < len; i++)
		v = (v << 8) | frame[i];
	return v;
}

unsigned
wire_diff(const uint8_t *sent, const uint8_t *echo, size_t len, char *desc,
    size_t desclen)
{
	unsigned count = 0;
	size_t used = 0, i;
	int bit;

	if (desc != NULL && desclen > 0)
		desc[0] = '\0';
	/* Walk from the last byte so bit numbers come out in rising order. */
	for (i = len; i-- > 0;) {
		uint8_t x = sent[i] ^ echo[i];
		for (bit = 0; bit < 8; bit++) {
			if (!(x & (1u << bit)))
				continue;
			if (desc != NULL && used + 1 < desclen) {
				int n = snprintf(desc + used, desclen - used,
				    "%s%zu", count == 0 ? "bits " : ",",
				    (len - 1 - i) * 8 + (size_t)bit);
				used += n > 0 ? (size_t)n : 0;
			}
			count++;
		}
	}
	if (desc != NULL && count > 0 && used + 1 < desclen) {
		char hex[2 * WIRE_MAX_BYTES + 3];
		uint8_t x[WIRE_MAX_BYTES];
		for (i = 0; i < len; i++)
			x[i] = sent[i] ^ echo[i];
		wire_to_hex(x, len, hex, sizeof hex);
		snprintf(desc + used, desclen - used, " (xor %s)", hex);
	}
	return count;
}

void
wire_to_hex(const uint8_t *frame, size_t len, char *out, size_t outlen)
{
	static const char digits[] = "0123456789abcdef";
	size_t i, o = 0;

	if (outlen == 0)
		return;
	if (outlen > 2) {
		out[o++] = '0';
		out[o++] = 'x';
	}
	for (i = 0; i < len && o + 2 < outlen; i++) {
		out[o++] = digits[frame[i] >> 4];
		out[o++] = digits[frame[i] & 15];
	}
	out[o] = '\0';
}

static int
hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int
wire_from_hex(const char *text, uint8_t *frame, size_t len)
{
	size_t n, i;

	if (text[0] == '0' && (text[1] == 'x' || text[1] == 'X'))
		text += 2;
	n = strlen(text);
	if (n == 0 || n > 2 * len)
		return -1;
	memset(frame, 0, len);
	for (i = 0; i < n; i++) {
		int d = hex_digit((unsigned char)text[n - 1 - i]);
		if (d < 0)
			return -1;
		frame[len - 1 - i / 2] |= (uint8_t)(d << (4 * (i % 2)));
	}
	return 0;
}
