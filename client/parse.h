/*
 * parse: strict parsers for the values people type (durations, numbers,
 * ports, host:port, frame lengths), and the formatters that write
 * durations back for people. Each parser returns 0 and the value, or -1
 * and a message in `err` that names the bad value; nothing is printed here.
 */
#ifndef TCPCOM_PARSE_H
#define TCPCOM_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "clock.h"

/*
 * A duration: a non-negative decimal number and a unit, one of us, ms, s,
 * m, h ("500us", "100ms", "2s", "1.5s"). A unit is required, so that "100"
 * can never mean seconds to one reader and milliseconds to another; "0" is
 * the one exception. At most 1000 hours.
 */
int parse_duration(const char *text, tc_us_t *out, char *err, size_t errlen);

/* A decimal integer in [min, max], nothing else on the line. */
int parse_long(const char *text, long min, long max, long *out, char *err,
    size_t errlen);

/* A TCP port, 1..65535. */
int parse_port(const char *text, uint16_t *out, char *err, size_t errlen);

/*
 * "HOST:PORT", "[V6]:PORT" or ":PORT" into `host` (empty when omitted) and
 * `port` (0 allowed: pick a free one).
 */
int parse_host_port(const char *text, char *host, size_t hostlen,
    uint16_t *port, char *err, size_t errlen);

/* A frame length in bits: a multiple of 8 from 8 to 1024 (wire.h). */
int parse_frame_length(const char *text, unsigned *bits, char *err,
    size_t errlen);

/*
 * The durations people read, one family: each writes into `out` (cut to
 * `outlen`) and returns it, so that a call can be a printf argument.
 */
/* A duration as people write it, exact: "100ms", "1.5s", "250us", "0". */
const char *format_duration(tc_us_t us, char *out, size_t outlen);
/* A measured duration, rounded for reading: "730us", "612.4ms", "1.25s". */
const char *format_measured(tc_us_t us, char *out, size_t outlen);
/* An instant since a time 0, to the millisecond: "3.000s". */
const char *format_at(tc_us_t us, char *out, size_t outlen);

#endif
