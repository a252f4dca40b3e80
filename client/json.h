/*
 * json: writing text into JSON strings, for every program that writes JSON
 * (the client's stats, the emulator's events and reports). Any bytes are
 * safe: invalid UTF-8 becomes U+FFFD and control characters are escaped.
 */
#ifndef TCPCOM_JSON_H
#define TCPCOM_JSON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define UTF8_REPLACEMENT 0xFFFDu

/*
 * Decodes the UTF-8 character at s (n > 0 bytes left) into *cp and returns
 * its length; a byte that starts no well-formed character (overlong,
 * surrogate, truncated, beyond U+10FFFF) is one UTF8_REPLACEMENT.
 */
size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp);

/* Writes `len` bytes of `s` as the inside of a JSON string (no quotes). */
void json_escape(FILE *out, const char *s, size_t len);
/* Writes `s` as a quoted JSON string. */
void json_string(FILE *out, const char *s);

#endif
