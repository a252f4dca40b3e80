/* test_report: text, JUnit and JSON fragments (plcsim/report.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "json.h"
#include "report.h"

/* A string with every kind of trouble: markup, controls, broken UTF-8. */
static const char nasty[] =
    "a<b>&c\"d'e\x01\x1f\x7f|\xff|\xc3\x28|\xc3\xa9|\xed\xa0\x80|"
    "\xf4\x90\x80\x80|\xe2\x82|\xef\xbf\xbe|\xf0\x9f\x98\x80|\n\t\r";

/*
 * What a writer wrote, read back from a temporary file (open_memstream's
 * buffer would come from the real malloc, which cmocka's free refuses).
 */
struct capture {
	FILE   *fp;
	size_t	len;
};

static void
capture_open(struct capture *c)
{
	memset(c, 0, sizeof *c);
	c->fp = tmpfile();
	assert_non_null(c->fp);
}

static char *
capture_close(struct capture *c)
{
	long end;
	char *buf;

	assert_int_equal(fflush(c->fp), 0);
	end = ftell(c->fp);
	assert_true(end >= 0);
	c->len = (size_t)end;
	buf = malloc(c->len + 1);
	assert_non_null(buf);
	rewind(c->fp);
	assert_int_equal(fread(buf, 1, c->len, c->fp), c->len);
	buf[c->len] = '\0';
	fclose(c->fp);
	return buf;
}

static void
assert_contains(const char *text, const char *part)
{
	if (strstr(text, part) == NULL)
		fail_msg("\"%s\" does not contain \"%s\"", text, part);
}

/* The whole text is well-formed UTF-8 with no control but \n and \t. */
static void
assert_clean_utf8(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n, i;

	while (*p != '\0') {
		if (*p < 0x80) {
			if (*p < 0x20 && *p != '\n' && *p != '\t')
				fail_msg("control 0x%02x at offset %zu", *p,
				    (size_t)(p - (const unsigned char *)s));
			p++;
			continue;
		}
		n = *p >= 0xF0 ? 4 : *p >= 0xE0 ? 3 : *p >= 0xC2 ? 2 : 0;
		assert_true(n > 0 && *p <= 0xF4);
		for (i = 1; i < n; i++)
			assert_true((p[i] & 0xC0) == 0x80);
		p += n;
	}
}

/*
 * XML hygiene: every '<' opens one of the report's own tags and every '&'
 * is one of the entities the writer uses, so no raw text leaked.
 */
static void
assert_xml_hygiene(const char *s)
{
	static const char *tags[] = { "?xml ", "testsuites ", "/testsuites>",
	    "testsuite ", "/testsuite>", "testcase ", "/testcase>", "failure ",
	    "/failure>", "system-out>", "/system-out>", "error ", "skipped ",
	    "properties>", "/properties>", "property ", NULL };
	static const char *ents[] = { "amp;", "lt;", "gt;", "quot;", "apos;",
	    "#9;", "#10;", "#13;", NULL };
	const char *p;
	int i;

	assert_clean_utf8(s);
	for (p = s; (p = strchr(p, '<')) != NULL; p++) {
		for (i = 0; tags[i] != NULL; i++)
			if (strncmp(p + 1, tags[i], strlen(tags[i])) == 0)
				break;
		if (tags[i] == NULL)
			fail_msg("raw '<' leaked: \"%.30s\"", p);
	}
	for (p = s; (p = strchr(p, '&')) != NULL; p++) {
		for (i = 0; ents[i] != NULL; i++)
			if (strncmp(p + 1, ents[i], strlen(ents[i])) == 0)
				break;
		if (ents[i] == NULL)
			fail_msg("raw '&' leaked: \"%.30s\"", p);
	}
}

/* ---- a small JSON validator, to prove the fragments parse ---- */

static const char *json_value(const char *p, int depth);

static const char *
json_ws(const char *p)
{
	while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')
		p++;
	return p;
}

static const char *
json_str(const char *p)
{
	int i;

	if (*p++ != '"')
		return NULL;
	for (; *p != '"'; p++) {
		if ((unsigned char)*p < 0x20)
			return NULL;
		if (*p != '\\')
			continue;
		p++;
		if (*p == 'u') {
			for (i = 1; i <= 4; i++)
				if (strchr("0123456789abcdefABCDEF", p[i]) ==
				    NULL || p[i] == '\0')
					return NULL;
			p += 4;
		} else if (*p == '\0' || strchr("\"\\/bfnrt", *p) == NULL)
			return NULL;
	}
	return p + 1;
}

static const char *
json_list(const char *p, int depth, char close, int object)
{
	p = json_ws(p + 1);
	if (*p == close)
		return p + 1;
	for (;;) {
		if (object) {
			if ((p = json_str(json_ws(p))) == NULL)
				return NULL;
			p = json_ws(p);
			if (*p++ != ':')
				return NULL;
		}
		if ((p = json_value(p, depth + 1)) == NULL)
			return NULL;
		p = json_ws(p);
		if (*p == close)
			return p + 1;
		if (*p++ != ',')
			return NULL;
	}
}

static const char *
json_value(const char *p, int depth)
{
	char *end;

	p = json_ws(p);
	if (depth > 20)
		return NULL;
	if (*p == '{')
		return json_list(p, depth, '}', 1);
	if (*p == '[')
		return json_list(p, depth, ']', 0);
	if (*p == '"')
		return json_str(p);
	if (strncmp(p, "true", 4) == 0 || strncmp(p, "null", 4) == 0)
		return p + 4;
	if (strncmp(p, "false", 5) == 0)
		return p + 5;
	strtod(p, &end);
	return end != p ? end : NULL;
}

static void
assert_json_valid(const char *s)
{
	const char *end;

	assert_clean_utf8(s);
	end = json_value(s, 0);
	if (end == NULL || *json_ws(end) != '\0')
		fail_msg("not JSON: %s", s);
}

/* ---- fixtures: a scenario and a verdict with one failure ---- */

struct fixture {
	struct scenario	   *sc;
	struct verdict	    v;
	struct verdict_item items[3];
};

static int
setup(void **state)
{
	static const char yaml[] = "name: drop-rst\n"
	    "duration: 12s\n"
	    "timeline:\n"
	    "  - action: rst\n    at: 3s\n"
	    "expectations:\n"
	    "  - expect: reconnect\n    within: 2s\n"	/* line 7 */
	    "  - expect: frames\n    at_least: 30\n";	/* line 9 */
	struct fixture *fx = calloc(1, sizeof *fx);
	char err[256];

	assert_non_null(fx);
	fx->sc = scenario_parse(yaml, strlen(yaml), "scenarios/drop-rst.yaml",
	    err, sizeof err);
	assert_non_null(fx->sc);
	fx->items[0].e = &fx->sc->expects[0];
	fx->items[0].judged = 1;
	snprintf(fx->items[0].message, sizeof fx->items[0].message,
	    "reconnect: drop at 3.000s, not connected again within 2s "
	    "(next connection: none) <&>");
	fx->items[1].e = &fx->sc->expects[1];
	fx->items[1].passed = 1;
	fx->items[1].judged = 1;
	snprintf(fx->items[1].message, sizeof fx->items[1].message,
	    "frames: expected at least 30, saw 31");
	fx->v.items = fx->items;
	fx->v.nitems = 2;
	fx->v.nfailed = 1;
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;

	scenario_free(fx->sc);
	free(fx);
	return 0;
}

/* ---- escaping ---- */

static void
test_xml_escape_nasty(void **state)
{
	struct capture c;
	char *out;

	(void)state;
	capture_open(&c);
	report_xml_escape(c.fp, nasty, sizeof nasty - 1);
	out = capture_close(&c);
	assert_string_equal(out,
	    "a&lt;b&gt;&amp;c&quot;d&apos;e\xEF\xBF\xBD\xEF\xBF\xBD\x7f|"
	    "\xEF\xBF\xBD|\xEF\xBF\xBD(|\xc3\xa9|"
	    "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD|"
	    "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD|"
	    "\xEF\xBF\xBD\xEF\xBF\xBD|\xEF\xBF\xBD|\xf0\x9f\x98\x80|"
	    "&#10;&#9;&#13;");
	free(out);
}

static void
test_xml_escape_nul(void **state)
{
	struct capture c;
	char *out;

	(void)state;
	capture_open(&c);
	report_xml_escape(c.fp, "a\0b", 3);
	out = capture_close(&c);
	assert_string_equal(out, "a\xEF\xBF\xBD" "b");
	free(out);
}

static void
test_json_escape_nasty(void **state)
{
	struct capture c;
	char *out;

	(void)state;
	capture_open(&c);
	json_escape(c.fp, nasty, sizeof nasty - 1);
	json_escape(c.fp, "\\\0", 2);
	out = capture_close(&c);
	assert_string_equal(out,
	    "a<b>&c\\\"d'e\\u0001\\u001f\\u007f|\\ufffd|\\ufffd(|\xc3\xa9|"
	    "\\ufffd\\ufffd\\ufffd|\\ufffd\\ufffd\\ufffd\\ufffd|"
	    "\\ufffd\\ufffd|\xef\xbf\xbe|\xf0\x9f\x98\x80|\\n\\t\\r"
	    "\\\\\\u0000");
	free(out);
}

/* ---- text ---- */

static void
test_text_fail(void **state)
{
	struct fixture *fx = *state;
	struct capture c;
	char *out;

	capture_open(&c);
	report_text(c.fp, fx->sc, &fx->v, 12.34, 42, NULL);
	out = capture_close(&c);
	assert_string_equal(out, "FAIL drop-rst (12.3s, seed 42)\n"
	    "    line 7: reconnect: drop at 3.000s, not connected again "
	    "within 2s (next connection: none) <&>\n");
	free(out);
}

static void
test_text_pass_and_run_item(void **state)
{
	struct fixture *fx = *state;
	struct verdict v = { 0 };
	struct verdict_item it[2];
	struct capture c;
	char *out;

	capture_open(&c);
	fx->items[0].passed = 1;
	fx->v.nfailed = 0;
	report_text(c.fp, fx->sc, &fx->v, 3, 7, NULL);
	/* The run's own item has no line; its message stays on one line. */
	memset(it, 0, sizeof it);
	snprintf(it[0].message, sizeof it[0].message,
	    "client exited early\nwith status 1 at 2.3s");
	v.items = it;
	v.nitems = 1;
	v.nfailed = 1;
	report_text(c.fp, fx->sc, &v, 2.3, 7, NULL);
	out = capture_close(&c);
	assert_string_equal(out, "PASS drop-rst (3.0s, seed 7)\n"
	    "FAIL drop-rst (2.3s, seed 7)\n"
	    "    client exited early with status 1 at 2.3s\n");
	free(out);
}

/* ---- JUnit ---- */

static void
test_junit_failure(void **state)
{
	struct fixture *fx = *state;
	struct report_counts n = { 1, 1, 0, 0 };
	struct capture c;
	char *out;

	capture_open(&c);
	report_junit_begin(c.fp, &n, 12.5);
	report_junit_case(c.fp, fx->sc, &fx->v, 12.3456, 42, NULL, nasty,
	    sizeof nasty - 1);
	report_junit_end(c.fp);
	out = capture_close(&c);
	assert_xml_hygiene(out);
	assert_contains(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<testsuites name=\"plcsim\" tests=\"1\" failures=\"1\" "
	    "errors=\"0\" time=\"12.500\">\n  <testsuite name=\"plcsim\" "
	    "tests=\"1\" failures=\"1\" errors=\"0\" skipped=\"0\" "
	    "time=\"12.500\">\n");
	assert_contains(out, "<testcase classname=\"plcsim\" "
	    "name=\"drop-rst\" time=\"12.346\">");
	assert_contains(out, "<failure type=\"expectation\" message=\"1 "
	    "failed: line 7: reconnect: drop at 3.000s, not connected again "
	    "within 2s (next connection: none) &lt;&amp;&gt;\">");
	/* Passed expectations are not failures. */
	assert_null(strstr(out, "frames: expected"));
	assert_contains(out, "<system-out>scenario scenarios/drop-rst.yaml, "
	    "seed 42\nline 7: reconnect: drop at 3.000s, not connected again "
	    "within 2s (next connection: none) &lt;&amp;&gt;\na&lt;b&gt;&amp;c");
	assert_contains(out, "</system-out>\n    </testcase>\n"
	    "  </testsuite>\n</testsuites>\n");
	free(out);
}

static void
test_junit_pass_without_output(void **state)
{
	struct fixture *fx = *state;
	struct capture c;
	char *out;

	capture_open(&c);
	fx->items[0].passed = 1;
	fx->v.nfailed = 0;
	report_junit_case(c.fp, fx->sc, &fx->v, 1, 1, NULL, NULL, 0);
	out = capture_close(&c);
	assert_xml_hygiene(out);
	assert_null(strstr(out, "<failure"));
	assert_contains(out, "<system-out>scenario scenarios/drop-rst.yaml, "
	    "seed 1\n</system-out>");
	free(out);
}

static void
test_junit_output_keeps_the_end(void **state)
{
	struct fixture *fx = *state;
	size_t len = REPORT_OUTPUT_MAX + 1000, cut;
	struct capture c;
	char *output, *out;

	output = malloc(len);
	assert_non_null(output);
	memset(output, 'x', len);
	/* An "é" straddles the cut: the kept part starts after it. */
	cut = len - REPORT_OUTPUT_MAX;
	output[cut - 1] = '\xc3';
	output[cut] = '\xa9';
	memcpy(output + len - 4, "END\n", 4);
	capture_open(&c);
	report_junit_case(c.fp, fx->sc, &fx->v, 1, 1, NULL, output, len);
	out = capture_close(&c);
	assert_xml_hygiene(out);
	assert_contains(out, "[the client's first 1001 bytes of output are "
	    "not kept]\nxxx");
	assert_contains(out, "END\n</system-out>");
	assert_true(c.len < REPORT_OUTPUT_MAX + 1000);
	free(out);
	free(output);
}

static void
test_junit_error(void **state)
{
	struct fixture *fx = *state;
	struct capture c;
	char *out;

	capture_open(&c);
	report_junit_error(c.fp, fx->sc, 0.5, "worker died of signal 11 <&>");
	out = capture_close(&c);
	assert_xml_hygiene(out);
	assert_string_equal(out, "    <testcase classname=\"plcsim\" "
	    "name=\"drop-rst\" time=\"0.500\">\n      <error type=\"run\" "
	    "message=\"worker died of signal 11 &lt;&amp;&gt;\"/>\n"
	    "    </testcase>\n");
	free(out);
}

/* Harness errors and scenarios never started are counted apart. */
static void
test_junit_errors_and_skipped(void **state)
{
	struct fixture *fx = *state;
	struct report_counts n = { 4, 1, 2, 1 };
	struct capture c;
	char *out;

	capture_open(&c);
	report_junit_begin(c.fp, &n, 3);
	report_junit_skipped(c.fp, fx->sc, "not run: interrupted <&>");
	report_junit_end(c.fp);
	out = capture_close(&c);
	assert_xml_hygiene(out);
	assert_contains(out, "<testsuites name=\"plcsim\" tests=\"4\" "
	    "failures=\"1\" errors=\"2\" time=\"3.000\">");
	assert_contains(out, "<testsuite name=\"plcsim\" tests=\"4\" "
	    "failures=\"1\" errors=\"2\" skipped=\"1\" time=\"3.000\">");
	assert_contains(out, "<testcase classname=\"plcsim\" "
	    "name=\"drop-rst\" time=\"0.000\">\n      <skipped "
	    "message=\"not run: interrupted &lt;&amp;&gt;\"/>\n"
	    "    </testcase>\n");
	free(out);
}

static void
test_text_error_and_skipped(void **state)
{
	struct fixture *fx = *state;
	struct capture c;
	char *out;

	capture_open(&c);
	report_text_error(c.fp, fx->sc, 2.34, "interrupted\nby SIGINT");
	report_text_skipped(c.fp, fx->sc, "not run");
	out = capture_close(&c);
	assert_string_equal(out, "ERROR drop-rst (2.3s)\n"
	    "    interrupted by SIGINT\nSKIP drop-rst\n    not run\n");
	free(out);
}

/* ---- JSON ---- */

static void
test_json_document(void **state)
{
	struct fixture *fx = *state;
	struct sim_events *ev;
	struct capture c;
	char *out;

	ev = events_new(1000, 16);
	assert_non_null(ev);
	events_add(ev, 1000 + 2500000, SIM_EV_CONNECT, 1, 0, 0,
	    "127.0.0.1:%d", 4242);
	events_add(ev, 1000 + 3000000, SIM_EV_EDGE, 1, 1, 500000, NULL);
	events_add(ev, 1000 + 3100000, SIM_EV_INFO, 0, 0, 0, "%s", nasty);

	capture_open(&c);
	report_json_begin(c.fp);
	report_json_separator(c.fp, 0);
	report_json_case(c.fp, fx->sc, &fx->v, 12.3456, 42, NULL, ev);
	report_json_separator(c.fp, 1);
	report_json_case(c.fp, fx->sc, &fx->v, 1, 7, NULL, NULL);
	report_json_separator(c.fp, 2);
	report_json_error(c.fp, fx->sc, 0.25, "could not \"play\"\n");
	report_json_separator(c.fp, 3);
	report_json_skipped(c.fp, fx->sc, "not run");
	report_json_end(c.fp);
	out = capture_close(&c);
	events_free(ev);

	assert_json_valid(out);
	assert_contains(out, "{\"name\": \"drop-rst\", \"file\": "
	    "\"scenarios/drop-rst.yaml\", \"seed\": 42, \"passed\": false, "
	    "\"duration_s\": 12.346,");
	assert_contains(out, "{\"expect\": \"reconnect\", \"line\": 7, "
	    "\"passed\": false, \"judged\": true, \"message\": \"reconnect: "
	    "drop at 3.000s");
	assert_contains(out, "{\"expect\": \"frames\", \"line\": 9, "
	    "\"passed\": true");
	assert_contains(out, "{\"t\": 2.500000, \"event\": \"connect\", "
	    "\"conn\": 1, \"value\": 0, \"detail\": \"127.0.0.1:4242\"}");
	assert_contains(out, "{\"t\": 3.000000, \"event\": \"edge\", "
	    "\"conn\": 1, \"bit\": 1, \"value\": 500000}");
	assert_contains(out, "\"detail\": \"a<b>&c\\\"d'e\\u0001");
	assert_contains(out, "\"events\": [], \"events_dropped\": 0}");
	assert_contains(out, "\"error\": \"could not \\\"play\\\"\\n\"");
	assert_contains(out, "\"passed\": false, \"duration_s\": 0.000, "
	    "\"skipped\": true, \"error\": \"not run\"");
	free(out);
}

static void
test_json_run_item(void **state)
{
	struct fixture *fx = *state;
	struct verdict v = { 0 };
	struct verdict_item it;
	struct capture c;
	char *out;

	memset(&it, 0, sizeof it);
	it.judged = 1;
	snprintf(it.message, sizeof it.message, "client never connected "
	    "within 5s");
	v.items = &it;
	v.nitems = 1;
	v.nfailed = 1;
	capture_open(&c);
	report_json_case(c.fp, fx->sc, &v, 5, 1, NULL, NULL);
	out = capture_close(&c);
	assert_json_valid(out);
	assert_contains(out, "{\"expect\": \"run\", \"line\": null, "
	    "\"passed\": false, \"judged\": true, \"message\": \"client "
	    "never connected within 5s\", \"expected\": \"\", \"seen\": \"\", "
	    "\"margin\": null, \"unit\": null, \"margin_text\": null}");
	free(out);
}

/* ---- how close each expectation came ---- */

/* The fixture's items with what the judge gives: expected, seen, margin. */
static void
with_margins(struct fixture *fx)
{
	snprintf(fx->items[0].expected, sizeof fx->items[0].expected,
	    "connected within 2s of every drop");
	snprintf(fx->items[0].seen, sizeof fx->items[0].seen,
	    "latest 3.3s over 1 drop");
	fx->items[0].unit = VERDICT_US;
	fx->items[0].margin = -1300000;
	snprintf(fx->items[1].expected, sizeof fx->items[1].expected,
	    "at least 30");
	snprintf(fx->items[1].seen, sizeof fx->items[1].seen, "31");
	fx->items[1].unit = VERDICT_COUNT;
	fx->items[1].margin = 1;
}

static void
test_margins_text(void **state)
{
	struct fixture *fx = *state;
	struct capture c;
	char *out;

	with_margins(fx);
	capture_open(&c);
	report_text(c.fp, fx->sc, &fx->v, 12.34, 42, NULL);
	out = capture_close(&c);
	/* A failed item says by how much; a passed one how close it came. */
	assert_string_equal(out, "FAIL drop-rst (12.3s, seed 42)\n"
	    "    line 7: reconnect: drop at 3.000s, not connected again "
	    "within 2s (next connection: none) <&>; margin -1.3s\n"
	    "    line 9: ok frames at least 30: seen 31, margin 1\n");
	free(out);
}

static void
test_margins_junit_json(void **state)
{
	struct fixture *fx = *state;
	struct capture c;
	char *out;

	with_margins(fx);
	capture_open(&c);
	report_junit_case(c.fp, fx->sc, &fx->v, 1, 1, NULL, NULL, 0);
	out = capture_close(&c);
	assert_xml_hygiene(out);
	assert_contains(out, "<properties>\n"
	    "        <property name=\"line7_reconnect_margin_us\" "
	    "value=\"-1300000\"/>\n"
	    "        <property name=\"line9_frames_margin_count\" "
	    "value=\"1\"/>\n      </properties>");
	assert_contains(out, "\nline 9: ok frames at least 30: seen 31, "
	    "margin 1\n</system-out>");
	free(out);

	capture_open(&c);
	report_json_case(c.fp, fx->sc, &fx->v, 1, 1, NULL, NULL);
	out = capture_close(&c);
	assert_json_valid(out);
	assert_contains(out, "\"expected\": \"connected within 2s of every "
	    "drop\", \"seen\": \"latest 3.3s over 1 drop\", \"margin\": "
	    "-1300000, \"unit\": \"us\", \"margin_text\": \"-1.3s\"}");
	assert_contains(out, "\"expected\": \"at least 30\", \"seen\": "
	    "\"31\", \"margin\": 1, \"unit\": \"count\", \"margin_text\": "
	    "\"1\"}");
	free(out);
}

/* A counter's line names it: several counters are judged in one run. */
static void
test_counter_named(void **state)
{
	static const char yaml[] = "name: c\nduration: 5s\n"
	    "client:\n  stats: true\nexpectations:\n"
	    "  - expect: counter\n    name: mismatches\n    equals: 0\n";
	struct scenario *sc;
	struct verdict v = { 0 };
	struct verdict_item it;
	struct capture c;
	char err[256], *out;

	(void)state;
	sc = scenario_parse(yaml, strlen(yaml), "c.yaml", err, sizeof err);
	assert_non_null(sc);
	memset(&it, 0, sizeof it);
	it.e = &sc->expects[0];
	it.passed = it.judged = 1;
	snprintf(it.expected, sizeof it.expected, "= 0");
	snprintf(it.seen, sizeof it.seen, "0");
	it.unit = VERDICT_COUNT;
	v.items = &it;
	v.nitems = 1;
	capture_open(&c);
	report_text(c.fp, sc, &v, 5, 1, NULL);
	out = capture_close(&c);
	assert_string_equal(out, "PASS c (5.0s, seed 1)\n"
	    "    line 6: ok counter mismatches = 0: seen 0, margin 0\n");
	free(out);
	scenario_free(sc);
}

/* A run with a watchdog says how close it came in every report. */
static void
test_watchdog_margin(void **state)
{
	struct fixture *fx = *state;
	struct capture c;
	char *out;

	fx->v.watchdog = 1000000;
	fx->v.longest_silence = 1250000;
	fx->v.silence_from = 3500000;
	capture_open(&c);
	report_text(c.fp, fx->sc, &fx->v, 1, 1, NULL);
	report_junit_case(c.fp, fx->sc, &fx->v, 1, 1, NULL, NULL, 0);
	out = capture_close(&c);
	assert_contains(out, "FAIL drop-rst (1.0s, seed 1; watchdog 1s: "
	    "longest silence 1.25s from 3.500s, margin -250ms)\n");
	assert_contains(out, "<property name=\"watchdog_margin_us\" "
	    "value=\"-250000\"/>");
	assert_contains(out, "seed 1\nwatchdog 1s: longest silence 1.25s "
	    "from 3.500s, margin -250ms\n");
	free(out);
	capture_open(&c);
	report_json_case(c.fp, fx->sc, &fx->v, 1, 1, NULL, NULL);
	out = capture_close(&c);
	assert_json_valid(out);
	assert_contains(out, "\"watchdog\": {\"timeout_us\": 1000000, "
	    "\"longest_silence_us\": 1250000, \"silence_from_s\": 3.500000, "
	    "\"margin_us\": -250000, \"fault_silence_us\": 0, "
	    "\"fault_silence_from_s\": 0.000000}");
	free(out);
	/* A passing pause: its silence said apart, not a negative margin. */
	fx->v.longest_silence = 508500;
	fx->v.silence_from = 0;
	fx->v.fault_silence = 2100000;
	fx->v.fault_silence_from = 2008000;
	capture_open(&c);
	report_text(c.fp, fx->sc, &fx->v, 1, 1, NULL);
	report_json_case(c.fp, fx->sc, &fx->v, 1, 1, NULL, NULL);
	out = capture_close(&c);
	assert_contains(out, "watchdog 1s: longest silence outside faults "
	    "508.5ms from 0.000s, margin 491.5ms; 2.1s from 2.008s in a "
	    "fault");
	assert_contains(out, "\"margin_us\": 491500, \"fault_silence_us\": "
	    "2100000, \"fault_silence_from_s\": 2.008000}");
	free(out);
	fx->v.fault_silence = 0;
	/* None: null. */
	fx->v.watchdog = 0;
	capture_open(&c);
	report_json_case(c.fp, fx->sc, &fx->v, 1, 1, NULL, NULL);
	out = capture_close(&c);
	assert_contains(out, "\"watchdog\": null");
	free(out);
}

/* ---- the task cycle, in every report ---- */

static const struct plc_cycle_stats cycle_10ms = {
	.cycle_us = 10000, .ticks = 300, .skipped = 2,
	.late_p50_us = 35, .late_p99_us = 98, .late_max_us = 1248,
	.stall_max_us = 21248,
};
static const struct plc_cycle_stats cycle_none = { 0 };

static void
test_cycle_text(void **state)
{
	struct fixture *fx = *state;
	struct capture c;
	char *out;

	capture_open(&c);
	fx->items[0].passed = 1;
	fx->v.nfailed = 0;
	report_text(c.fp, fx->sc, &fx->v, 3, 7, &cycle_10ms);
	report_text(c.fp, fx->sc, &fx->v, 3, 7, &cycle_none);
	out = capture_close(&c);
	assert_string_equal(out, "PASS drop-rst (3.0s, seed 7; task cycle "
	    "10ms: 300 ticks, 2 skipped, late p50 35us, p99 98us, max "
	    "1248us, longest stall 21248us)\n"
	    "PASS drop-rst (3.0s, seed 7; no task cycle: frames answered at "
	    "once)\n");
	free(out);
}

static void
test_cycle_junit(void **state)
{
	struct fixture *fx = *state;
	struct capture c;
	char *out;

	capture_open(&c);
	report_junit_case(c.fp, fx->sc, &fx->v, 1, 1, &cycle_10ms, "x\n", 2);
	report_junit_case(c.fp, fx->sc, &fx->v, 1, 1, &cycle_none, NULL, 0);
	out = capture_close(&c);
	assert_xml_hygiene(out);
	/* Properties first, then the failure, then the output. */
	assert_contains(out, "time=\"1.000\">\n      <properties>\n"
	    "        <property name=\"cycle_us\" value=\"10000\"/>\n"
	    "        <property name=\"cycle_ticks\" value=\"300\"/>\n"
	    "        <property name=\"cycle_skipped\" value=\"2\"/>\n"
	    "        <property name=\"cycle_late_p50_us\" value=\"35\"/>\n"
	    "        <property name=\"cycle_late_p99_us\" value=\"98\"/>\n"
	    "        <property name=\"cycle_late_max_us\" value=\"1248\"/>\n"
	    "      </properties>\n      <failure ");
	assert_contains(out, "<system-out>scenario scenarios/drop-rst.yaml, "
	    "seed 1\ntask cycle 10ms: 300 ticks, 2 skipped, late p50 35us, "
	    "p99 98us, max 1248us, longest stall 21248us\nline 7: reconnect: drop at 3.000s, not "
	    "connected again within 2s (next connection: none) &lt;&amp;&gt;"
	    "\nx\n</system-out>");
	/* No task ran: no lateness to state. */
	assert_contains(out, "<property name=\"cycle_skipped\" value=\"0\"/>\n"
	    "      </properties>");
	assert_contains(out, "seed 1\nno task cycle: frames answered at "
	    "once\nline 7: reconnect");
	free(out);
}

static void
test_cycle_json(void **state)
{
	struct fixture *fx = *state;
	struct capture c;
	char *out;

	capture_open(&c);
	report_json_begin(c.fp);
	report_json_separator(c.fp, 0);
	report_json_case(c.fp, fx->sc, &fx->v, 1, 7, &cycle_10ms, NULL);
	report_json_separator(c.fp, 1);
	report_json_case(c.fp, fx->sc, &fx->v, 1, 7, &cycle_none, NULL);
	report_json_separator(c.fp, 2);
	report_json_error(c.fp, fx->sc, 0.25, "could not play");
	report_json_end(c.fp);
	out = capture_close(&c);
	assert_json_valid(out);
	assert_contains(out, "\"duration_s\": 1.000, \"cycle\": "
	    "{\"cycle_us\": 10000, \"ticks\": 300, \"skipped\": 2, "
	    "\"late_p50_us\": 35, \"late_p99_us\": 98, \"late_max_us\": "
	    "1248, \"stall_max_us\": 21248},");
	assert_contains(out, "\"cycle\": {\"cycle_us\": 0, \"ticks\": 0, "
	    "\"skipped\": 0, \"late_p50_us\": null, \"late_p99_us\": null, "
	    "\"late_max_us\": null, \"stall_max_us\": null},");
	assert_contains(out, "\"error\": \"could not play\", \"cycle\": null,");
	free(out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_xml_escape_nasty),
		cmocka_unit_test(test_xml_escape_nul),
		cmocka_unit_test(test_json_escape_nasty),
		cmocka_unit_test_setup_teardown(test_text_fail, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_cycle_text, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_cycle_junit, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_cycle_json, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_text_pass_and_run_item,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_junit_failure, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_junit_pass_without_output,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_junit_output_keeps_the_end,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_junit_errors_and_skipped,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_text_error_and_skipped,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_junit_error, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_json_document, setup,
		    teardown),
		cmocka_unit_test(test_counter_named),
		cmocka_unit_test_setup_teardown(test_watchdog_margin, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_margins_text, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_margins_junit_json, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_json_run_item, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
