/*
 * payload: the bits of a frame above bit 0, new for every frame.
 *   random   new random bits (what the original sent);
 *   counter  a sequence number in bits 31..1 (bits above 32 zero), so that a
 *            lost, duplicated or stale echo is identified exactly;
 *   fixed    the same configured value every time;
 *   stdin    (the program) the values read from standard input.
 * Bit 0 is left at 0; the sender sets the life bit afterwards.
 */
#ifndef TCPCOM_PAYLOAD_H
#define TCPCOM_PAYLOAD_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "rng.h"
#include "tcpcom.h"
#include "wire.h"

void payload_fill(enum tcpcom_payload kind, uint8_t *frame, size_t len,
    uint64_t seq, struct rng *rng, const uint8_t *fixed);

/* The sequence number a counter frame carries (bits 31..1). */
uint64_t payload_counter_of(const uint8_t *frame, size_t len);

/*
 * Parses "random", "counter", "fixed:0xHEX" or "stdin" (fixed at zero: the
 * program sets the data from its input). 0, or -1 and `err`.
 */
int payload_parse(const char *text, unsigned length_bits,
    enum tcpcom_payload *kind, uint8_t *fixed, char *err, size_t errlen);

/*
 * Parses one value of the data, "0x" and hex digits or decimal digits
 * (at most 64 bits), blanks around it allowed, into `len` big-endian bytes.
 * Returns 0; 1 for a blank text (nothing to set); -1 and `err` when it is
 * malformed or does not fit in `len` bytes. Bit 0 is left as given.
 */
int payload_parse_value(const char *text, size_t len, uint8_t *out,
    char *err, size_t errlen);

/*
 * The data bits a program sets while the link runs (tcpcom_set_data): any
 * thread writes them, the sender copies them into each frame it builds.
 * Until the first set the frames carry the configured payload.
 */
struct payload_data {
	pthread_mutex_t lock;
	atomic_int	set;		/* 1 once payload_data_set was called:
					   read without the lock, so that a
					   frame without data takes none */
	size_t		len;		/* frame bytes */
	uint8_t		bytes[WIRE_MAX_BYTES];	/* big-endian; bit 0 is 0 */
};

void payload_data_init(struct payload_data *pd, size_t len);
void payload_data_destroy(struct payload_data *pd);

/*
 * Sets the data to `n` big-endian bytes (1 to the frame's length), placed at
 * the low end of the frame; the bytes above are zero, bit 0 is ignored.
 * Returns 0, or -1 with errno EINVAL on a bad length.
 */
int payload_data_set(struct payload_data *pd, const uint8_t *bytes, size_t n);

/* Copies the data into `frame` when it was set: 1, or 0 (frame untouched). */
int payload_data_fill(struct payload_data *pd, uint8_t *frame);

#endif
