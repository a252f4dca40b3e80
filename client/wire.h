/*
 * wire: the frame format shared by the client and the emulator.
 *
 * A frame is one word of `bits` bits (a multiple of 8, 8..1024) sent as
 * bits/8 bytes, most significant byte first. Bit 0, the life bit, is the
 * lowest bit of the last byte. There is no header and no checksum: the PLC
 * echoes the bytes it got.
 */
#ifndef TCPCOM_WIRE_H
#define TCPCOM_WIRE_H

#include <stddef.h>
#include <stdint.h>

#define WIRE_MIN_BITS  8
#define WIRE_MAX_BITS  1024
#define WIRE_MAX_BYTES (WIRE_MAX_BITS / 8)

/* The original's link, which the client and the emulator both default to. */
#define WIRE_DEFAULT_PORT 5050	/* the PLC's TCP port */
#define WIRE_DEFAULT_BITS 32	/* frame length */

/* 1 when `bits` is a legal frame length. */
int wire_length_valid(long bits);

/* The life bit of a frame of `len` bytes. */
int wire_get_bit0(const uint8_t *frame, size_t len);
void wire_set_bit0(uint8_t *frame, size_t len, int value);

/*
 * Stores `value` big-endian in the whole frame: the low 64 bits of the word
 * are `value`, higher bytes (frames longer than 8 bytes) are zero.
 */
void wire_put_u64(uint8_t *frame, size_t len, uint64_t value);
/* The low 64 bits of the word, big-endian. */
uint64_t wire_get_u64(const uint8_t *frame, size_t len);

/*
 * Compares a frame with its echo. Returns the number of differing bits and
 * writes into `desc` (when not NULL) a readable list of them, such as
 * "bits 0,17 (xor 0x00020001)", truncated to `desclen`.
 */
unsigned wire_diff(const uint8_t *sent, const uint8_t *echo, size_t len,
    char *desc, size_t desclen);

/* Writes the frame as hex ("0x1234abcd") into `out`, truncated to `outlen`. */
void wire_to_hex(const uint8_t *frame, size_t len, char *out, size_t outlen);

/*
 * Parses a hex value ("0x...", at most len bytes of value) into a frame.
 * Returns 0, or -1 when the text is not hex or does not fit.
 */
int wire_from_hex(const char *text, uint8_t *frame, size_t len);

#endif
