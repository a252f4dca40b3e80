/* parse: strict value parsers; see parse.h. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "wire.h"

#define PARSE_MAX_DURATION_US (1000ULL * 3600 * TC_US_PER_SEC)

static const struct {
	const char *name;
	tc_us_t	    us;
} duration_units[] = {
	{ "us", 1 },
	{ "ms", TC_US_PER_MS },
	{ "s", TC_US_PER_SEC },
	{ "m", 60 * TC_US_PER_SEC },
	{ "h", 3600 * TC_US_PER_SEC },
};

int
parse_duration(const char *text, tc_us_t *out, char *err, size_t errlen)
{
	const char *p = text;
	uint64_t whole = 0, frac = 0, frac_scale = 1;
	size_t i, digits = 0;
	tc_us_t unit = 0;
	long double us;

	if (*p == '-') {
		snprintf(err, errlen, "'%s': a duration cannot be negative",
		    text);
		return -1;
	}
	for (; *p >= '0' && *p <= '9'; p++, digits++) {
		if (whole > UINT64_MAX / 100)
			goto too_long;
		whole = whole * 10 + (uint64_t)(*p - '0');
	}
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++, digits++) {
			if (frac_scale < 1000000000ULL) {
				frac = frac * 10 + (uint64_t)(*p - '0');
				frac_scale *= 10;
			}
		}
	}
	if (digits == 0) {
		snprintf(err, errlen,
		    "'%s' is not a duration (write it like 500us, 100ms, 2s)",
		    text);
		return -1;
	}
	if (*p == '\0') {
		if (whole == 0 && frac == 0) {
			*out = 0;
			return 0;
		}
		snprintf(err, errlen,
		    "'%s' has no unit (write it like 500us, 100ms, 2s)", text);
		return -1;
	}
	for (i = 0; i < sizeof duration_units / sizeof duration_units[0]; i++)
		if (strcmp(p, duration_units[i].name) == 0)
			unit = duration_units[i].us;
	if (unit == 0) {
		snprintf(err, errlen,
		    "'%s': unknown unit '%s' (use us, ms, s, m or h)", text, p);
		return -1;
	}
	us = (long double)whole * unit + (long double)frac * unit / frac_scale;
	if (us > (long double)PARSE_MAX_DURATION_US)
		goto too_long;
	*out = (tc_us_t)(us + 0.5L);
	return 0;
too_long:
	snprintf(err, errlen, "'%s': duration too long (at most 1000h)", text);
	return -1;
}

int
parse_long(const char *text, long min, long max, long *out, char *err,
    size_t errlen)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(text, &end, 10);
	if (end == text || *end != '\0' || errno == ERANGE ||
	    (text[0] == ' ' || text[0] == '\t')) {
		snprintf(err, errlen, "'%s' is not a whole number", text);
		return -1;
	}
	if (v < min || v > max) {
		snprintf(err, errlen, "%ld is out of range (%ld..%ld)", v, min,
		    max);
		return -1;
	}
	*out = v;
	return 0;
}

int
parse_port(const char *text, uint16_t *out, char *err, size_t errlen)
{
	char inner[160];
	long v;

	if (parse_long(text, 1, 65535, &v, inner, sizeof inner) != 0) {
		snprintf(err, errlen, "port '%s' is invalid: %s", text, inner);
		return -1;
	}
	*out = (uint16_t)v;
	return 0;
}

int
parse_host_port(const char *text, char *host, size_t hostlen, uint16_t *port,
    char *err, size_t errlen)
{
	const char *colon, *hstart = text, *hend;
	size_t n;
	long v;
	char inner[160];

	if (text[0] == '[') {
		hstart = text + 1;
		hend = strchr(hstart, ']');
		if (hend == NULL || hend[1] != ':') {
			snprintf(err, errlen,
			    "'%s' is not [ADDRESS]:PORT", text);
			return -1;
		}
		colon = hend + 1;
	} else {
		colon = strrchr(text, ':');
		if (colon == NULL) {
			snprintf(err, errlen, "'%s' is not HOST:PORT", text);
			return -1;
		}
		hend = colon;
	}
	n = (size_t)(hend - hstart);
	if (n >= hostlen) {
		snprintf(err, errlen, "'%s': host name too long", text);
		return -1;
	}
	memcpy(host, hstart, n);
	host[n] = '\0';
	if (parse_long(colon + 1, 0, 65535, &v, inner, sizeof inner) != 0) {
		snprintf(err, errlen, "'%s': bad port: %s", text, inner);
		return -1;
	}
	*port = (uint16_t)v;
	return 0;
}

int
parse_frame_length(const char *text, unsigned *bits, char *err,
    size_t errlen)
{
	char inner[160];
	long v;

	if (parse_long(text, 0, 1000000, &v, inner, sizeof inner) != 0 ||
	    !wire_length_valid(v)) {
		snprintf(err, errlen, "length '%s' is invalid: a multiple of 8 "
		    "from %d to %d bits", text, WIRE_MIN_BITS, WIRE_MAX_BITS);
		return -1;
	}
	*bits = (unsigned)v;
	return 0;
}

const char *
format_duration(tc_us_t us, char *out, size_t outlen)
{
	if (us == 0)
		snprintf(out, outlen, "0");
	else if (us % TC_US_PER_SEC == 0)
		snprintf(out, outlen, "%llus",
		    (unsigned long long)(us / TC_US_PER_SEC));
	else if (us >= TC_US_PER_SEC)
		snprintf(out, outlen, "%.3gs", (double)us / TC_US_PER_SEC);
	else if (us % TC_US_PER_MS == 0)
		snprintf(out, outlen, "%llums",
		    (unsigned long long)(us / TC_US_PER_MS));
	else
		snprintf(out, outlen, "%lluus", (unsigned long long)us);
	return out;
}

const char *
format_measured(tc_us_t us, char *out, size_t outlen)
{
	char *end;

	if (outlen == 0)
		return out;
	if (us < TC_US_PER_MS) {
		snprintf(out, outlen, "%lluus", (unsigned long long)us);
		return out;
	}
	if (us < TC_US_PER_SEC)
		snprintf(out, outlen, "%.1f", (double)us / TC_US_PER_MS);
	else
		snprintf(out, outlen, "%.3f", (double)us / TC_US_PER_SEC);
	/* Trailing zeros after the point go, then the point; the unit comes. */
	end = out + strlen(out);
	while (end > out && end[-1] == '0')
		end--;
	if (end > out && end[-1] == '.')
		end--;
	snprintf(end, outlen - (size_t)(end - out), "%s",
	    us < TC_US_PER_SEC ? "ms" : "s");
	return out;
}

const char *
format_at(tc_us_t us, char *out, size_t outlen)
{
	snprintf(out, outlen, "%llu.%03llus",
	    (unsigned long long)(us / TC_US_PER_SEC),
	    (unsigned long long)(us % TC_US_PER_SEC / TC_US_PER_MS));
	return out;
}
