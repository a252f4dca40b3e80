/* test_html: the HTML report's page and timeline (plcsim/html.c, chart.c),
 * and the facts they draw from (echo runs, served connections). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "chart.h"
#include "html.h"

#define SEC TC_US_PER_SEC
#define MS TC_US_PER_MS

struct capture {
	FILE   *fp;
};

static void
capture_open(struct capture *c)
{
	c->fp = tmpfile();
	assert_non_null(c->fp);
}

/* What was written, NUL-terminated; the caller frees it. */
static char *
capture_close(struct capture *c)
{
	long end;
	char *buf;

	assert_int_equal(fflush(c->fp), 0);
	end = ftell(c->fp);
	assert_true(end >= 0);
	buf = malloc((size_t)end + 1);
	assert_non_null(buf);
	rewind(c->fp);
	assert_int_equal(fread(buf, 1, (size_t)end, c->fp), (size_t)end);
	buf[end] = '\0';
	fclose(c->fp);
	return buf;
}

static void
assert_contains(const char *text, const char *part)
{
	if (strstr(text, part) == NULL)
		fail_msg("the output does not contain \"%s\"", part);
}

static size_t
count_of(const char *text, const char *part)
{
	size_t n = 0;

	for (; (text = strstr(text, part)) != NULL; text += strlen(part))
		n++;
	return n;
}

static struct scenario *
parse(const char *yaml)
{
	char err[512];
	struct scenario *sc = scenario_parse(yaml, strlen(yaml), "t.yaml",
	    err, sizeof err);

	if (sc == NULL)
		fail_msg("%s", err);
	return sc;
}

/* ---- facts ---- */

static void
test_echo_runs(void **state)
{
	struct facts f;

	(void)state;
	facts_init(&f);
	facts_add_echo(&f.echoes, 100 * MS, FACTS_ECHO_OK);
	facts_add_echo(&f.echoes, 200 * MS, FACTS_ECHO_OK);
	facts_add_echo(&f.echoes, 300 * MS, FACTS_ECHO_MISMATCH);
	facts_add_echo(&f.echoes, 400 * MS, FACTS_ECHO_OK);
	/* A pause longer than FACTS_ECHO_GAP: a new run, not one across it. */
	facts_add_echo(&f.echoes, 400 * MS + FACTS_ECHO_GAP + 1,
	    FACTS_ECHO_OK);
	assert_int_equal(f.echoes.n, 4);
	assert_int_equal(f.echoes.r[0].count, 2);
	assert_int_equal(f.echoes.r[0].to, 200 * MS);
	assert_int_equal(f.echoes.r[1].status, FACTS_ECHO_MISMATCH);
	assert_int_equal(f.echoes.r[2].count, 1);
	assert_int_equal(f.echoes.r[3].from, 400 * MS + FACTS_ECHO_GAP + 1);
	assert_string_equal(facts_echo_name(FACTS_ECHO_NONE), "none");
	facts_free(&f);
}

/* ---- the timeline ---- */

static const char hour_yaml[] =
"name: hour\n"
"duration: 3600s\n"
"plc:\n"
"  watchdog: 2s\n"
"timeline:\n"
"  - action: rst\n"
"    at: 600s\n"
"expectations:\n"
"  - expect: watchdog_quiet\n";

/*
 * An hour of edges every 500 ms cannot be drawn one by one in 800 columns:
 * the caption says they were aggregated, with the count; the single
 * watchdog firing and the single mismatched echo are still drawn.
 */
static void
test_chart_aggregates_but_keeps_failures(void **state)
{
	struct scenario *sc = parse(hour_yaml);
	struct capture cap;
	struct facts f;
	tc_us_t t;
	char *out;

	(void)state;
	facts_init(&f);
	f.connected = 1;
	f.end = 3600 * SEC;
	facts_add_span(&f.links, 50 * MS, 600 * SEC);
	facts_add_span(&f.links, 600 * SEC + 80 * MS, FACTS_OPEN);
	facts_add_time(&f.disconnects, 600 * SEC);
	for (t = 500 * MS; t < 3600 * SEC; t += 500 * MS) {
		facts_add_time(&f.edges, t);
		facts_add_echo(&f.echoes, t, t == 1800 * SEC ?
		    FACTS_ECHO_MISMATCH : FACTS_ECHO_OK);
	}
	facts_add_time(&f.watchdogs, 1234 * SEC + 500 * MS);
	/* The faults as the engine played them. */
	facts_add_fault(&f, 0, 600 * SEC, 600 * SEC);
	capture_open(&cap);
	assert_int_equal(chart_write(cap.fp, sc, &f), 0);
	out = capture_close(&cap);
	assert_contains(out, "<svg");
	assert_contains(out, "Aggregated for display");
	assert_contains(out, "7199 life-bit edges in");
	/* One firing, one mark; one mismatch, one mark. */
	assert_int_equal(count_of(out, "class=\"c-watchdog\""), 1);
	assert_int_equal(count_of(out, "class=\"c-mismatch\""), 1);
	assert_int_equal(count_of(out, "class=\"c-end\""), 1);
	/* The fault row: rst (line 6) at 600 s, column 133 of 800. */
	assert_contains(out, "rst (line 6)");
	assert_contains(out, "class=\"c-fault\" x=\"313\"");
	assert_contains(out, "1 watchdog firing.");
	/* The axis in the units of an hour: 10min ... 1h. */
	assert_contains(out, ">10min</text>");
	assert_contains(out, ">1h</text>");
	assert_int_equal(count_of(out, "class=\"c-tick\""), 7);
	free(out);
	facts_free(&f);
	scenario_free(sc);
}

static const char when_yaml[] =
"name: when\n"
"duration: 4s\n"
"timeline:\n"
"  - action: rst\n"
"    when: {edge: rising, nth: every}\n"
"  - action: blackhole\n"
"    when: {reconnect: 1}\n"
"    for: 3s\n";

/* Faults started by events are drawn as they were played, a window that
 * would outlast the run cut at its end; one never played is not drawn. */
static void
test_chart_faults_started_by_events(void **state)
{
	struct scenario *sc = parse(when_yaml);
	struct capture cap;
	struct facts f;
	char *out;

	(void)state;
	facts_init(&f);
	f.connected = 1;
	f.end = 4 * SEC;
	facts_add_fault(&f, 0, 1 * SEC, 1 * SEC);
	facts_add_fault(&f, 0, 2 * SEC, 2 * SEC);
	facts_add_fault(&f, 1, 3 * SEC, 6 * SEC);
	capture_open(&cap);
	assert_int_equal(chart_write(cap.fp, sc, &f), 0);
	out = capture_close(&cap);
	assert_contains(out, "rst (line 4)");
	assert_contains(out, "blackhole (line 6)");
	assert_int_equal(count_of(out, "class=\"c-fault\""), 3);
	/* 3 s to the end, 4 s: columns 600..800. */
	assert_contains(out, "class=\"c-fault\" x=\"780\"");
	free(out);
	facts_free(&f);
	scenario_free(sc);
}

static const char short_yaml[] =
"name: short\n"
"description: \"<script>x</script> & 'q'\"\n"
"duration: 4s\n"
"timeline:\n"
"  - action: blackhole\n"
"    at: 1s\n"
"    for: 1s\n"
"expectations:\n"
"  - expect: frames\n"
"    at_least: 1000\n";

/* Few events, each in its own column: nothing said to be aggregated. */
static void
test_chart_exact_when_it_fits(void **state)
{
	struct scenario *sc = parse(short_yaml);
	struct capture cap;
	struct facts f;
	char *out;

	(void)state;
	facts_init(&f);
	f.connected = 1;
	f.end = 3 * SEC;	/* the client left a second early */
	facts_add_time(&f.edges, 500 * MS);
	facts_add_time(&f.edges, 1000 * MS);
	facts_add_echo(&f.echoes, 1100 * MS, FACTS_ECHO_NONE);
	facts_add_fault(&f, 0, 1 * SEC, 2 * SEC);
	capture_open(&cap);
	assert_int_equal(chart_write(cap.fp, sc, &f), 0);
	out = capture_close(&cap);
	assert_true(strstr(out, "Aggregated") == NULL);
	assert_int_equal(count_of(out, "class=\"c-edge\""), 2);
	assert_int_equal(count_of(out, "class=\"c-none\""), 1);
	/* The black hole's window, 1 s to 2 s of 4 s: columns 200..400. */
	assert_contains(out, "class=\"c-fault\" x=\"380\" y=\"22\" "
	    "width=\"201\"");
	/* After the run's end, greyed. */
	assert_contains(out, "after the run ended");
	assert_contains(out, ">500ms</text>");
	assert_contains(out, ">4s</text>");
	assert_contains(out, "the run ended at 3.000s");
	free(out);
	facts_free(&f);
	scenario_free(sc);
}

/* ---- the page ---- */

static void
test_page_escapes_and_records(void **state)
{
	struct scenario *sc = parse(short_yaml);
	struct scenario *list[1];
	struct html_record rec;
	struct report_counts n;
	struct verdict v;
	struct facts f;
	struct plc_cycle_stats cs;
	struct capture cap;
	char *argv[] = { "run", "--html", "it's é.html", NULL };
	char *out;

	(void)state;
	facts_init(&f);
	memset(&cs, 0, sizeof cs);
	memset(&v, 0, sizeof v);
	assert_true(expect_judge(sc, &f, &v) > 0);
	memset(&n, 0, sizeof n);
	n.tests = 1;
	n.failures = 1;
	list[0] = sc;
	memset(&rec, 0, sizeof rec);
	rec.prog = "plcsim";
	rec.argc = 3;
	rec.argv = argv;
	rec.nfiles = 1;
	rec.sc = list;
	rec.started_wall_us = 1795775341ULL * SEC;
	rec.ended_wall_us = rec.started_wall_us + 12 * SEC;
	rec.counts = &n;
	capture_open(&cap);
	html_begin(cap.fp, &rec);
	assert_int_equal(html_case(cap.fp, 0, sc, &v, 1.5, 7, &cs, &f), 0);
	/* Then a client that came, with 12 frames of the 1000 expected. */
	verdict_free(&v);
	f.connected = 1;
	f.end = 3 * SEC;
	f.frames = 12;
	assert_true(expect_judge(sc, &f, &v) > 0);
	assert_int_equal(html_case(cap.fp, 1, sc, &v, 3.5, 7, &cs, &f), 0);
	html_end(cap.fp);
	out = capture_close(&cap);
	assert_true(strstr(out, "<script") == NULL);
	assert_contains(out, "&lt;script&gt;x&lt;/script&gt; &amp; "
	    "&apos;q&apos;");
	/* The command line as a shell reads it back, UTF-8 whole. */
	assert_contains(out, "plcsim run --html &apos;it&apos;\\&apos;&apos;s "
	    "é.html&apos;");
	assert_contains(out, "2026-11-27 ");
	assert_contains(out, "(12s)");
	assert_contains(out, "FAILED</span>0 passed, 1 failed of 1 scenario");
	assert_contains(out, "data-verdict=\"fail\"");
	assert_contains(out, "data-expect=\"frames\" data-line=\"9\" "
	    "data-passed=\"false\"");
	/* The judge's margin, as the other reports give it. */
	assert_contains(out, "frames: not judged, no client connected");
	assert_contains(out, "data-margin=\"-988\"><td>9</td>");
	assert_contains(out, "<td class=\"margin\">-988</td>");
	assert_contains(out, "No client connected");
	assert_contains(out, "Content-Security-Policy");
	assert_contains(out, "@page{size:A4");
	assert_contains(out, "(not read from a file)");
	free(out);
	verdict_free(&v);
	facts_free(&f);
	scenario_free(sc);
}

/* A scenario not played, one never started; a run before a real PLC. */
static void
test_sections_error_skipped_proxied(void **state)
{
	struct scenario *sc = parse(short_yaml);
	struct plc_cycle_stats cs;
	struct capture cap;
	struct verdict v;
	struct facts f;
	int i;
	char *out;

	(void)state;
	facts_init(&f);
	f.connected = 1;
	f.end = 4 * SEC;
	f.plc.proxied = 1;
	f.plc.frames = 40;
	f.plc.echoes = 40;
	for (i = 0; i < 40; i++)
		hist_add(&f.plc.rtt, 15 * MS + (tc_us_t)i * 100);
	memset(&cs, 0, sizeof cs);
	cs.cycle_us = 10 * MS;
	cs.ticks = 400;
	memset(&v, 0, sizeof v);
	assert_true(expect_judge(sc, &f, &v) >= 0);
	capture_open(&cap);
	html_error(cap.fp, 0, sc, 0.2, "the scenario could not be played: "
	    "<bind> & fail");
	html_skipped(cap.fp, 1, sc, "not run: interrupted");
	assert_int_equal(html_case(cap.fp, 2, sc, &v, 4.1, 1, &cs, &f), 0);
	out = capture_close(&cap);
	assert_contains(out, "id=\"s0\" data-verdict=\"error\"");
	assert_contains(out, "&lt;bind&gt; &amp; fail");
	assert_contains(out, "id=\"s1\" data-verdict=\"skipped\"");
	assert_contains(out, "NOT RUN");
	/* Before a real PLC: its round trips and cycle, not the proxy's. */
	assert_contains(out, "Real PLC's round trips");
	assert_contains(out, "40: min 15ms");
	assert_contains(out, "40 frames, 40 echoes, 0 mismatched, 0 late");
	assert_true(strstr(out, "Emulated PLC") == NULL);
	free(out);
	/* Round trips spread over more than an octave: no range, no
	 * settings (once "between 1644us and 250us"). */
	hist_reset(&f.plc.rtt);
	for (i = 0; i < 40; i++)
		hist_add(&f.plc.rtt, i < 12 ? 250 : 3300);
	capture_open(&cap);
	assert_int_equal(html_case(cap.fp, 3, sc, &v, 4.1, 1, &cs, &f), 0);
	out = capture_close(&cap);
	assert_contains(out, "<th>Its task cycle</th><td colspan=\"3\">not "
	    "estimated: round trips spread over more than an octave (p10 "
	    "250us, p90 ");
	assert_true(strstr(out, "emulated by") == NULL);
	free(out);
	verdict_free(&v);
	facts_free(&f);
	scenario_free(sc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_echo_runs),
		cmocka_unit_test(test_chart_aggregates_but_keeps_failures),
		cmocka_unit_test(test_chart_exact_when_it_fits),
		cmocka_unit_test(test_chart_faults_started_by_events),
		cmocka_unit_test(test_page_escapes_and_records),
		cmocka_unit_test(test_sections_error_skipped_proxied),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
