/* payload: random, counter and fixed payloads; see payload.h. */
#include <stdio.h>
#include <string.h>

#include "payload.h"
#include "wire.h"

/* Bits 31..1: 31 bits of sequence, wrapping. */
#define PAYLOAD_COUNTER_MASK 0x7fffffffULL

void
payload_fill(enum tcpcom_payload kind, uint8_t *frame, size_t len,
    uint64_t seq, struct rng *rng, const uint8_t *fixed)
{
	size_t i;

	switch (kind) {
	case TCPCOM_PAYLOAD_RANDOM:
		for (i = 0; i < len; i++)
			frame[i] = (uint8_t)rng_next(rng);
		break;
	case TCPCOM_PAYLOAD_COUNTER:
		wire_put_u64(frame, len, (seq & PAYLOAD_COUNTER_MASK) << 1);
		break;
	case TCPCOM_PAYLOAD_FIXED:
		memcpy(frame, fixed, len);
		break;
	}
	wire_set_bit0(frame, len, 0);
}

uint64_t
payload_counter_of(const uint8_t *frame, size_t len)
{
	return (wire_get_u64(frame, len) >> 1) & PAYLOAD_COUNTER_MASK;
}

int
payload_parse(const char *text, unsigned length_bits,
    enum tcpcom_payload *kind, uint8_t *fixed, char *err, size_t errlen)
{
	if (strcmp(text, "random") == 0) {
		*kind = TCPCOM_PAYLOAD_RANDOM;
		return 0;
	}
	if (strcmp(text, "counter") == 0) {
		*kind = TCPCOM_PAYLOAD_COUNTER;
		return 0;
	}
	if (strncmp(text, "fixed:", 6) == 0) {
		if (wire_from_hex(text + 6, fixed, length_bits / 8) != 0) {
			snprintf(err, errlen, "payload '%s': the value must be "
			    "hex that fits in %u bits, like fixed:0x12345678",
			    text, length_bits);
			return -1;
		}
		*kind = TCPCOM_PAYLOAD_FIXED;
		return 0;
	}
	snprintf(err, errlen, "payload '%s' is unknown (random, counter or "
	    "fixed:0xHEX)", text);
	return -1;
}
