/* json: text written safely into JSON strings; see json.h. */
#include <string.h>

#include "json.h"

/*
 * Decodes the UTF-8 character at s (n > 0 bytes left) into *cp and returns
 * its length; a byte that starts no well-formed character (overlong,
 * surrogate, truncated, beyond U+10FFFF) is one U+FFFD.
 */
size_t
utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
	unsigned char lo = 0x80, hi = 0xBF;
	size_t len, i;
	uint32_t c;

	*cp = UTF8_REPLACEMENT;
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xC2 && s[0] <= 0xDF) {
		len = 2;
		c = s[0] & 0x1F;
	} else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
		len = 3;
		c = s[0] & 0x0F;
		if (s[0] == 0xE0)
			lo = 0xA0;	/* overlong */
		if (s[0] == 0xED)
			hi = 0x9F;	/* surrogates */
	} else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
		len = 4;
		c = s[0] & 0x07;
		if (s[0] == 0xF0)
			lo = 0x90;	/* overlong */
		if (s[0] == 0xF4)
			hi = 0x8F;	/* beyond U+10FFFF */
	} else
		return 1;
	if (n < len)
		return 1;
	for (i = 1; i < len; i++) {
		if (s[i] < (i == 1 ? lo : 0x80) || s[i] > (i == 1 ? hi : 0xBF))
			return 1;
		c = (c << 6) | (s[i] & 0x3F);
	}
	*cp = c;
	return len;
}

void
json_escape(FILE *out, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n;
	uint32_t c;

	while (i < len) {
		n = utf8_decode(p + i, len - i, &c);
		if (c == UTF8_REPLACEMENT && n == 1)
			fputs("\\ufffd", out);
		else if (c == '"' || c == '\\')
			fprintf(out, "\\%c", (int)c);
		else if (c == '\n')
			fputs("\\n", out);
		else if (c == '\t')
			fputs("\\t", out);
		else if (c == '\r')
			fputs("\\r", out);
		else if (c < 0x20 || c == 0x7F)
			fprintf(out, "\\u%04x", (unsigned)c);
		else
			fwrite(p + i, 1, n, out);
		i += n;
	}
}

void
json_string(FILE *out, const char *s)
{
	fputc('"', out);
	json_escape(out, s, strlen(s));
	fputc('"', out);
}
