/* payload: random, counter and fixed payloads; see payload.h. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
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
	if (strcmp(text, "stdin") == 0) {
		/* Zero until the program sets the data from its input. */
		*kind = TCPCOM_PAYLOAD_FIXED;
		memset(fixed, 0, length_bits / 8);
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
	snprintf(err, errlen, "payload '%s' is unknown (random, counter, "
	    "fixed:0xHEX or stdin)", text);
	return -1;
}

int
payload_parse_value(const char *text, size_t len, uint8_t *out, char *err,
    size_t errlen)
{
	char buf[2 * WIRE_MAX_BYTES + 3];
	const char *p = text, *digits;
	unsigned long long v;
	size_t n, shown;
	char *end;

	while (isspace((unsigned char)*p))
		p++;
	n = strlen(p);
	while (n > 0 && isspace((unsigned char)p[n - 1]))
		n--;
	if (n == 0)
		return 1;
	shown = n > 64 ? 64 : n;	/* of the text, in messages */
	if (n >= 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		digits = p + 2;
		n -= 2;
		/* Leading zeros never make a value too long. */
		while (n > 1 && *digits == '0') {
			digits++;
			n--;
		}
		if (n > 0 && n <= 2 * len) {
			memcpy(buf, digits, n);
			buf[n] = '\0';
			if (wire_from_hex(buf, out, len) == 0)
				return 0;
		}
		snprintf(err, errlen, "'%.*s' is not a hex value of at most "
		    "%zu bits", (int)shown, p, 8 * len);
		return -1;
	}
	for (end = (char *)p; end < p + n; end++) {
		if (!isdigit((unsigned char)*end)) {
			snprintf(err, errlen, "'%.*s' is not a value (0xHEX or "
			    "decimal)", (int)shown, p);
			return -1;
		}
	}
	errno = 0;
	v = strtoull(p, &end, 10);
	if (errno == ERANGE || (len < 8 && (v >> (8 * len)) != 0)) {
		snprintf(err, errlen, "'%.*s' does not fit in %zu bits",
		    (int)shown, p, len < 8 ? 8 * len : (size_t)64);
		return -1;
	}
	wire_put_u64(out, len, v);
	return 0;
}

void
payload_data_init(struct payload_data *pd, size_t len)
{
	pthread_mutex_init(&pd->lock, NULL);
	atomic_init(&pd->set, 0);
	pd->len = len;
	memset(pd->bytes, 0, sizeof pd->bytes);
}

void
payload_data_destroy(struct payload_data *pd)
{
	pthread_mutex_destroy(&pd->lock);
}

int
payload_data_set(struct payload_data *pd, const uint8_t *bytes, size_t n)
{
	uint8_t word[sizeof pd->bytes];

	if (bytes == NULL || n == 0 || n > pd->len) {
		errno = EINVAL;
		return -1;
	}
	memset(word, 0, pd->len - n);
	memcpy(word + (pd->len - n), bytes, n);
	wire_set_bit0(word, pd->len, 0);
	pthread_mutex_lock(&pd->lock);
	memcpy(pd->bytes, word, pd->len);
	atomic_store(&pd->set, 1);
	pthread_mutex_unlock(&pd->lock);
	return 0;
}

int
payload_data_fill(struct payload_data *pd, uint8_t *frame)
{
	if (!atomic_load(&pd->set))
		return 0;
	pthread_mutex_lock(&pd->lock);
	memcpy(frame, pd->bytes, pd->len);
	pthread_mutex_unlock(&pd->lock);
	return 1;
}
