/*
 * payload: the bits of a frame above bit 0, new for every frame.
 *   random   new random bits (what the original sent);
 *   counter  a sequence number in bits 31..1 (bits above 32 zero), so that a
 *            lost, duplicated or stale echo is identified exactly;
 *   fixed    the same configured value every time.
 * Bit 0 is left at 0; the sender sets the life bit afterwards.
 */
#ifndef TCPCOM_PAYLOAD_H
#define TCPCOM_PAYLOAD_H

#include <stddef.h>
#include <stdint.h>

#include "rng.h"
#include "tcpcom.h"

void payload_fill(enum tcpcom_payload kind, uint8_t *frame, size_t len,
    uint64_t seq, struct rng *rng, const uint8_t *fixed);

/* The sequence number a counter frame carries (bits 31..1). */
uint64_t payload_counter_of(const uint8_t *frame, size_t len);

/* Parses "random", "counter" or "fixed:0xHEX". 0, or -1 and `err`. */
int payload_parse(const char *text, unsigned length_bits,
    enum tcpcom_payload *kind, uint8_t *fixed, char *err, size_t errlen);

#endif
