/* report: one scenario's result as text, JUnit and JSON fragments. */
#include <math.h>
#include <string.h>

#include "json.h"
#include "parse.h"
#include "plcjudge.h"
#include "report.h"

#define REPLACEMENT UTF8_REPLACEMENT

/* ---- characters ---- */

/* What XML 1.0 allows in a document at all, escaped or not. */
static int
xml_char_ok(uint32_t c)
{
	return c == 0x9 || c == 0xA || c == 0xD ||
	    (c >= 0x20 && c <= 0xD7FF) || (c >= 0xE000 && c <= 0xFFFD) ||
	    (c >= 0x10000 && c <= 0x10FFFF);
}

/* Writes U+FFFD. */
static void
put_replacement(FILE *out)
{
	fputs("\xEF\xBF\xBD", out);
}

/* Writes s as XML character data; in attributes, line ends are kept too. */
static void
xml_write(FILE *out, const char *s, size_t len, int attribute)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n;
	uint32_t c;

	while (i < len) {
		n = utf8_decode(p + i, len - i, &c);
		if (c == REPLACEMENT && n == 1) {
			put_replacement(out);
		} else if (!xml_char_ok(c)) {
			put_replacement(out);
		} else if (c == '&') {
			fputs("&amp;", out);
		} else if (c == '<') {
			fputs("&lt;", out);
		} else if (c == '>') {
			fputs("&gt;", out);
		} else if (c == '"') {
			fputs("&quot;", out);
		} else if (c == '\'') {
			fputs("&apos;", out);
		} else if (c == '\r') {
			fputs("&#13;", out);	/* parsers would drop it */
		} else if (attribute && (c == '\n' || c == '\t')) {
			fprintf(out, "&#%u;", (unsigned)c);
		} else {
			fwrite(p + i, 1, n, out);
		}
		i += n;
	}
}

void
report_xml_escape(FILE *out, const char *s, size_t len)
{
	xml_write(out, s, len, 1);
}

/* ---- the task cycle ---- */

/*
 * "task cycle 10ms: 300 ticks, 0 skipped, late p50 35us, p99 98us, max
 * 248us"; with cycle 0, plainly that there is no task cycle.
 */
static void
cycle_phrase(char *buf, size_t len, const struct plc_cycle_stats *cs)
{
	char d[4][32];

	if (cs->ticks == 0 && cs->cycle_us == 0) {
		snprintf(buf, len, "no task cycle: frames answered at once");
		return;
	}
	format_duration(cs->cycle_us, d[0], sizeof d[0]);
	if (cs->ticks == 0) {
		snprintf(buf, len, "task cycle %s: no task ran", d[0]);
		return;
	}
	format_duration(cs->late_p50_us, d[1], sizeof d[1]);
	format_duration(cs->late_p99_us, d[2], sizeof d[2]);
	format_duration(cs->late_max_us, d[3], sizeof d[3]);
	snprintf(buf, len, "task cycle %s: %llu ticks, %llu skipped, late p50 "
	    "%s, p99 %s, max %s", d[0], (unsigned long long)cs->ticks,
	    (unsigned long long)cs->skipped, d[1], d[2], d[3]);
	/* Skipped boundaries: how long the loop was kept from its task. */
	if (cs->skipped > 0) {
		size_t n = strlen(buf);

		format_duration(cs->stall_max_us, d[1], sizeof d[1]);
		snprintf(buf + n, len - n, ", longest stall %s", d[1]);
	}
}

/* ---- how close it came ---- */

/* A margin as a number: whole ones exactly, others to 6 digits. */
static void
put_number(FILE *out, double v)
{
	if (v == floor(v) && fabs(v) < 9e15)
		fprintf(out, "%.0f", v);
	else
		fprintf(out, "%.6g", v);
}

/*
 * "life_bit_period 500ms ± 5ms at 95%: seen 499.8ms … 503ms, margin 2ms"
 * for an item judged with a margin; "" for one without (not judged, the
 * run's own item).
 */
static void
closeness_phrase(char *buf, size_t len, const struct verdict_item *it)
{
	char m[48];

	buf[0] = '\0';
	if (it->e == NULL || !it->judged || it->expected[0] == '\0')
		return;
	/* A counter is named: "counter mismatches = 0". */
	snprintf(buf, len, "%s%s%s %s: seen %s",
	    scenario_expect_name(it->e->kind),
	    it->e->kind == EXPECT_COUNTER ? " " : "",
	    it->e->kind == EXPECT_COUNTER ? it->e->name : "", it->expected,
	    it->seen[0] != '\0' ? it->seen : "nothing");
	if (it->unit != VERDICT_NO_MARGIN)
		snprintf(buf + strlen(buf), len - strlen(buf), ", margin %s",
		    verdict_margin_text(it, m, sizeof m));
}

/*
 * One line per item worth a line: a failed one, its message and margin; a
 * passed one judged with an expectation, "ok" and how close it came.
 * Returns 0 when the item has no line.
 */
static int
item_line(char *buf, size_t len, const struct verdict_item *it)
{
	char phrase[VERDICT_PHRASE * 2 + 128], m[48];
	int n = 0;

	buf[0] = '\0';
	if (it->e != NULL)
		n = snprintf(buf, len, "line %d: ", it->e->line);
	if (n < 0 || (size_t)n >= len)
		return 0;
	if (!it->passed) {
		snprintf(buf + n, len - (size_t)n, "%s", it->message);
		if (it->unit != VERDICT_NO_MARGIN)
			snprintf(buf + strlen(buf), len - strlen(buf),
			    "; margin %s",
			    verdict_margin_text(it, m, sizeof m));
		return 1;
	}
	closeness_phrase(phrase, sizeof phrase, it);
	if (phrase[0] == '\0')
		return 0;
	snprintf(buf + n, len - (size_t)n, "ok %s", phrase);
	return 1;
}

/*
 * "watchdog 1s: longest silence 507.6ms from 0.000s, margin 492.4ms", for
 * a run with a watchdog; "" without. A longer silence that a fault
 * explains is said apart, not as a negative margin: "watchdog 1s: longest
 * silence outside faults 508.5ms from 0.000s, margin 491.5ms; 2.1s from
 * 2.008s in a fault".
 */
static void
watchdog_phrase(char *buf, size_t len, const struct verdict *v)
{
	char d[6][32];
	tc_us_t w = v->watchdog, s = v->longest_silence;

	buf[0] = '\0';
	if (w == 0)
		return;
	format_duration(w, d[0], sizeof d[0]);
	format_measured(s, d[1], sizeof d[1]);
	format_at(v->silence_from, d[2], sizeof d[2]);
	format_measured(w >= s ? w - s : s - w, d[3], sizeof d[3]);
	if (v->fault_silence == 0) {
		snprintf(buf, len, "watchdog %s: longest silence %s from %s, "
		    "margin %s%s", d[0], d[1], d[2], w >= s ? "" : "-", d[3]);
		return;
	}
	format_measured(v->fault_silence, d[4], sizeof d[4]);
	format_at(v->fault_silence_from, d[5], sizeof d[5]);
	snprintf(buf, len, "watchdog %s: longest silence outside faults %s "
	    "from %s, margin %s%s; %s from %s in a fault", d[0], d[1], d[2],
	    w >= s ? "" : "-", d[3], d[4], d[5]);
}

/* ---- text ---- */

/* A message on one line of a terminal: control characters become spaces. */
static void
text_line(FILE *out, const char *s)
{
	for (; *s != '\0'; s++)
		fputc((unsigned char)*s < 0x20 || *s == 0x7F ? ' ' : *s, out);
}

void
report_text(FILE *out, const struct scenario *sc, const struct verdict *v,
    double seconds, uint64_t seed, const struct plc_cycle_stats *cycle)
{
	char phrase[320], line[VERDICT_MESSAGE + 2 * VERDICT_PHRASE + 128];
	size_t i;

	fprintf(out, "%s %s (%.1fs, seed %llu",
	    v->nfailed == 0 ? "PASS" : "FAIL", sc->name, seconds,
	    (unsigned long long)seed);
	if (cycle != NULL) {
		cycle_phrase(phrase, sizeof phrase, cycle);
		fprintf(out, "; %s", phrase);
	}
	watchdog_phrase(phrase, sizeof phrase, v);
	if (phrase[0] != '\0')
		fprintf(out, "; %s", phrase);
	fputs(")\n", out);
	for (i = 0; i < v->nitems; i++) {
		if (!item_line(line, sizeof line, &v->items[i]))
			continue;
		fputs("    ", out);
		text_line(out, line);
		fputc('\n', out);
	}
}

/* Why, on one indented line. */
static void
text_why(FILE *out, const char *why)
{
	fputs("    ", out);
	text_line(out, why);
	fputc('\n', out);
}

void
report_text_error(FILE *out, const struct scenario *sc, double seconds,
    const char *why)
{
	fprintf(out, "ERROR %s (%.1fs)\n", sc->name, seconds);
	text_why(out, why);
}

void
report_text_skipped(FILE *out, const struct scenario *sc, const char *why)
{
	fprintf(out, "SKIP %s\n", sc->name);
	text_why(out, why);
}

/* ---- JUnit ---- */

void
report_junit_begin(FILE *out, const struct report_counts *n, double seconds)
{
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", out);
	fprintf(out, "<testsuites name=\"plcsim\" tests=\"%d\" failures=\"%d\" "
	    "errors=\"%d\" time=\"%.3f\">\n", n->tests, n->failures,
	    n->errors, seconds);
	fprintf(out, "  <testsuite name=\"plcsim\" tests=\"%d\" failures=\"%d\" "
	    "errors=\"%d\" skipped=\"%d\" time=\"%.3f\">\n", n->tests,
	    n->failures, n->errors, n->skipped, seconds);
}

void
report_junit_end(FILE *out)
{
	fputs("  </testsuite>\n</testsuites>\n", out);
}

static void
junit_testcase_open(FILE *out, const struct scenario *sc, double seconds)
{
	fputs("    <testcase classname=\"plcsim\" name=\"", out);
	report_xml_escape(out, sc->name, strlen(sc->name));
	fprintf(out, "\" time=\"%.3f\">\n", seconds);
}

/* "line 14: message", as in the text report. */
static void
junit_item(FILE *out, const struct verdict_item *it, int attribute)
{
	if (it->e != NULL)
		fprintf(out, "line %d: ", it->e->line);
	xml_write(out, it->message, strlen(it->message), attribute);
}

static const struct verdict_item *
first_failed(const struct verdict *v)
{
	size_t i;

	for (i = 0; i < v->nitems; i++)
		if (!v->items[i].passed)
			return &v->items[i];
	return NULL;
}

static void
junit_failure(FILE *out, const struct verdict *v)
{
	size_t i;

	fprintf(out, "      <failure type=\"expectation\" message=\"%zu "
	    "failed: ", v->nfailed);
	junit_item(out, first_failed(v), 1);
	if (v->nfailed > 1)
		fputs(" (and more)", out);
	fputs("\">", out);
	for (i = 0; i < v->nitems; i++) {
		if (v->items[i].passed)
			continue;
		junit_item(out, &v->items[i], 0);
		fputc('\n', out);
	}
	fputs("</failure>\n", out);
}

static void
junit_property(FILE *out, const char *name, uint64_t value)
{
	fprintf(out, "        <property name=\"%s\" value=\"%llu\"/>\n", name,
	    (unsigned long long)value);
}

/*
 * Each margin, "line7_reconnect_margin_us" = -1300000, for CI systems that
 * chart properties: named by the expectation's line and kind, and unit.
 */
static void
junit_margins(FILE *out, const struct verdict *v)
{
	const struct verdict_item *it;
	size_t i;

	for (i = 0; v != NULL && i < v->nitems; i++) {
		it = &v->items[i];
		if (it->e == NULL || it->unit == VERDICT_NO_MARGIN)
			continue;
		fprintf(out, "        <property name=\"line%d_%s_margin_%s\" "
		    "value=\"", it->e->line, scenario_expect_name(it->e->kind),
		    verdict_unit_name(it->unit));
		put_number(out, it->margin);
		fputs("\"/>\n", out);
	}
}

/* The task cycle's numbers and the margins. */
static void
junit_properties(FILE *out, const struct plc_cycle_stats *cs,
    const struct verdict *v)
{
	fputs("      <properties>\n", out);
	if (cs != NULL) {
		junit_property(out, "cycle_us", cs->cycle_us);
		junit_property(out, "cycle_ticks", cs->ticks);
		junit_property(out, "cycle_skipped", cs->skipped);
	}
	if (cs != NULL && cs->ticks > 0) {
		junit_property(out, "cycle_late_p50_us", cs->late_p50_us);
		junit_property(out, "cycle_late_p99_us", cs->late_p99_us);
		junit_property(out, "cycle_late_max_us", cs->late_max_us);
	}
	if (v->watchdog > 0)
		fprintf(out, "        <property name=\"watchdog_margin_us\" "
		    "value=\"%lld\"/>\n", (long long)v->watchdog -
		    (long long)v->longest_silence);
	junit_margins(out, v);
	fputs("      </properties>\n", out);
}

static int
verdict_has_margin(const struct verdict *v)
{
	size_t i;

	if (v->watchdog > 0)
		return 1;
	for (i = 0; i < v->nitems; i++)
		if (v->items[i].e != NULL &&
		    v->items[i].unit != VERDICT_NO_MARGIN)
			return 1;
	return 0;
}

/*
 * The scenario, the seed, the task cycle, then the last REPORT_OUTPUT_MAX
 * bytes of the output, starting on a character boundary, with a note of
 * what was cut.
 */
static void
junit_output(FILE *out, const struct scenario *sc, const struct verdict *v,
    uint64_t seed, const struct plc_cycle_stats *cycle, const char *output,
    size_t len)
{
	char phrase[320], line[VERDICT_MESSAGE + 2 * VERDICT_PHRASE + 128];
	size_t start = 0, skip, i;

	fputs("      <system-out>", out);
	fputs("scenario ", out);
	xml_write(out, sc->file != NULL ? sc->file : sc->name,
	    strlen(sc->file != NULL ? sc->file : sc->name), 0);
	fprintf(out, ", seed %llu\n", (unsigned long long)seed);
	if (cycle != NULL) {
		cycle_phrase(phrase, sizeof phrase, cycle);
		fprintf(out, "%s\n", phrase);
	}
	watchdog_phrase(phrase, sizeof phrase, v);
	if (phrase[0] != '\0')
		fprintf(out, "%s\n", phrase);
	/* How close each expectation came, as in the text. */
	for (i = 0; i < v->nitems; i++)
		if (item_line(line, sizeof line, &v->items[i])) {
			xml_write(out, line, strlen(line), 0);
			fputc('\n', out);
		}
	if (output != NULL && len > REPORT_OUTPUT_MAX) {
		start = len - REPORT_OUTPUT_MAX;
		for (skip = 0; skip < 3 && start < len &&
		    ((unsigned char)output[start] & 0xC0) == 0x80; skip++)
			start++;
		fprintf(out, "[the client's first %zu bytes of output are "
		    "not kept]\n", start);
	}
	if (output != NULL)
		xml_write(out, output + start, len - start, 0);
	fputs("</system-out>\n", out);
}

void
report_junit_case(FILE *out, const struct scenario *sc,
    const struct verdict *v, double seconds, uint64_t seed,
    const struct plc_cycle_stats *cycle, const char *output,
    size_t output_len)
{
	junit_testcase_open(out, sc, seconds);
	if (cycle != NULL || verdict_has_margin(v))
		junit_properties(out, cycle, v);
	if (v->nfailed > 0)
		junit_failure(out, v);
	junit_output(out, sc, v, seed, cycle, output, output_len);
	fputs("    </testcase>\n", out);
}

void
report_junit_error(FILE *out, const struct scenario *sc, double seconds,
    const char *why)
{
	junit_testcase_open(out, sc, seconds);
	fputs("      <error type=\"run\" message=\"", out);
	report_xml_escape(out, why, strlen(why));
	fputs("\"/>\n    </testcase>\n", out);
}

void
report_junit_skipped(FILE *out, const struct scenario *sc, const char *why)
{
	junit_testcase_open(out, sc, 0);
	fputs("      <skipped message=\"", out);
	report_xml_escape(out, why, strlen(why));
	fputs("\"/>\n    </testcase>\n", out);
}

/* ---- JSON ---- */

void
report_json_begin(FILE *out)
{
	fputs("[\n", out);
}

void
report_json_separator(FILE *out, int i)
{
	if (i > 0)
		fputs(",\n", out);
}

void
report_json_end(FILE *out)
{
	fputs("\n]\n", out);
}

void
report_json_number(FILE *out, double v)
{
	put_number(out, v);
}

static void
json_head(FILE *out, const struct scenario *sc, double seconds,
    uint64_t seed, int passed)
{
	fputs("{\"name\": ", out);
	json_string(out, sc->name);
	fputs(", \"file\": ", out);
	json_string(out, sc->file != NULL ? sc->file : "");
	fprintf(out, ", \"seed\": %llu, \"passed\": %s, \"duration_s\": %.3f",
	    (unsigned long long)seed, passed ? "true" : "false", seconds);
}

static void
json_item(FILE *out, const struct verdict_item *it)
{
	char m[48];

	fputs("{\"expect\": ", out);
	if (it->e != NULL) {
		json_string(out, scenario_expect_name(it->e->kind));
		fprintf(out, ", \"line\": %d", it->e->line);
	} else
		fprintf(out, "\"%s\", \"line\": null", it->plc ? "plc" :
		    "run");
	fprintf(out, ", \"passed\": %s, \"judged\": %s, \"message\": ",
	    it->passed ? "true" : "false", it->judged ? "true" : "false");
	json_string(out, it->message);
	fputs(", \"expected\": ", out);
	json_string(out, it->expected);
	fputs(", \"seen\": ", out);
	json_string(out, it->seen);
	if (it->unit == VERDICT_NO_MARGIN) {
		fputs(", \"margin\": null, \"unit\": null, \"margin_text\": "
		    "null}", out);
		return;
	}
	fputs(", \"margin\": ", out);
	put_number(out, it->margin);
	fprintf(out, ", \"unit\": \"%s\", \"margin_text\": ",
	    verdict_unit_name(it->unit));
	json_string(out, verdict_margin_text(it, m, sizeof m));
	fputc('}', out);
}

/* Times are seconds since the emulator started, to the microsecond. */
static void
json_event(FILE *out, const struct sim_event *e)
{
	fprintf(out, "{\"t\": %llu.%06llu, \"event\": ",
	    (unsigned long long)(e->t / TC_US_PER_SEC),
	    (unsigned long long)(e->t % TC_US_PER_SEC));
	json_string(out, events_type_name(e->type));
	if (e->conn != 0)
		fprintf(out, ", \"conn\": %u", e->conn);
	if (e->type == SIM_EV_EDGE || e->type == SIM_EV_FRAME)
		fprintf(out, ", \"bit\": %d", e->bit);
	fprintf(out, ", \"value\": %llu", (unsigned long long)e->value);
	if (e->detail[0] != '\0') {
		fputs(", \"detail\": \"", out);
		json_escape(out, e->detail,
		    strnlen(e->detail, sizeof e->detail));
		fputc('"', out);
	}
	fputc('}', out);
}

static void
json_events(FILE *out, const struct sim_events *ev)
{
	size_t i, n = ev != NULL ? events_count(ev) : 0;

	fputs(", \"events\": [", out);
	for (i = 0; i < n; i++) {
		fputs(i > 0 ? ",\n    " : "\n    ", out);
		json_event(out, events_get(ev, i));
	}
	fprintf(out, "%s], \"events_dropped\": %llu", n > 0 ? "\n  " : "",
	    (unsigned long long)(ev != NULL ? events_dropped(ev) : 0));
}

/* ", "cycle": {...}", or null when not known. */
static void
json_cycle(FILE *out, const struct plc_cycle_stats *cs)
{
	fputs(", \"cycle\": ", out);
	if (cs == NULL) {
		fputs("null", out);
		return;
	}
	fprintf(out, "{\"cycle_us\": %llu, \"ticks\": %llu, \"skipped\": %llu",
	    (unsigned long long)cs->cycle_us, (unsigned long long)cs->ticks,
	    (unsigned long long)cs->skipped);
	if (cs->ticks == 0)
		fputs(", \"late_p50_us\": null, \"late_p99_us\": null, "
		    "\"late_max_us\": null, \"stall_max_us\": null}", out);
	else
		fprintf(out, ", \"late_p50_us\": %llu, \"late_p99_us\": %llu, "
		    "\"late_max_us\": %llu, \"stall_max_us\": %llu}",
		    (unsigned long long)cs->late_p50_us,
		    (unsigned long long)cs->late_p99_us,
		    (unsigned long long)cs->late_max_us,
		    (unsigned long long)cs->stall_max_us);
}

/* ", "watchdog": {...}", or null in a run without one. */
static void
json_watchdog(FILE *out, const struct verdict *v)
{
	fputs(", \"watchdog\": ", out);
	if (v == NULL || v->watchdog == 0) {
		fputs("null", out);
		return;
	}
	fprintf(out, "{\"timeout_us\": %llu, \"longest_silence_us\": %llu, "
	    "\"silence_from_s\": %llu.%06llu, \"margin_us\": %lld, "
	    "\"fault_silence_us\": %llu, \"fault_silence_from_s\": "
	    "%llu.%06llu}",
	    (unsigned long long)v->watchdog,
	    (unsigned long long)v->longest_silence,
	    (unsigned long long)(v->silence_from / TC_US_PER_SEC),
	    (unsigned long long)(v->silence_from % TC_US_PER_SEC),
	    (long long)v->watchdog - (long long)v->longest_silence,
	    (unsigned long long)v->fault_silence,
	    (unsigned long long)(v->fault_silence_from / TC_US_PER_SEC),
	    (unsigned long long)(v->fault_silence_from % TC_US_PER_SEC));
}

void
report_json_case(FILE *out, const struct scenario *sc,
    const struct verdict *v, double seconds, uint64_t seed,
    const struct plc_cycle_stats *cycle, const struct sim_events *events)
{
	size_t i;

	json_head(out, sc, seconds, seed, v->nfailed == 0);
	json_cycle(out, cycle);
	json_watchdog(out, v);
	fputs(",\n  \"expectations\": [", out);
	for (i = 0; i < v->nitems; i++) {
		fputs(i > 0 ? ",\n    " : "\n    ", out);
		json_item(out, &v->items[i]);
	}
	fputs(v->nitems > 0 ? "\n  ]" : "]", out);
	if (v->plc != NULL) {
		/* The real PLC behind a proxy, judged apart (plcjudge.h). */
		fputs(",\n  \"plc\": ", out);
		plcjudge_json(out, v->plc, v->plc_length);
	}
	json_events(out, events);
	fputs("}", out);
}

static void
json_error(FILE *out, const struct scenario *sc, double seconds,
    const char *why, int skipped)
{
	json_head(out, sc, seconds, sc->seed, 0);
	if (skipped)
		fputs(", \"skipped\": true", out);
	fputs(", \"error\": ", out);
	json_string(out, why);
	json_cycle(out, NULL);
	json_watchdog(out, NULL);
	fputs(", \"expectations\": [], \"events\": [], \"events_dropped\": 0}",
	    out);
}

void
report_json_error(FILE *out, const struct scenario *sc, double seconds,
    const char *why)
{
	json_error(out, sc, seconds, why, 0);
}

void
report_json_skipped(FILE *out, const struct scenario *sc, const char *why)
{
	json_error(out, sc, 0, why, 1);
}
