/* html: the report to sign, as one self-contained page; see html.h. */
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "chart.h"
#include "digest.h"
#include "html.h"
#include "loop.h"
#include "plcjudge.h"
#include "parse.h"

#ifndef TCPCOM_VERSION
#define TCPCOM_VERSION "dev"
#endif

/* Nothing may be fetched: a browser reports any attempt as an error. */
#define HTML_CSP "default-src 'none'; style-src 'unsafe-inline'; img-src data:"

static const char page_css[] =
"body{font:14px/1.4 sans-serif;color:#111;max-width:1100px;margin:1em auto;"
"padding:0 1em}\n"
"h1{font-size:1.5em;margin:.2em 0}h2{font-size:1.2em;margin:1.2em 0 .3em}\n"
"table{border-collapse:collapse;margin:.4em 0}th,td{text-align:left;"
"vertical-align:top;padding:.15em .5em;border-bottom:1px solid #ddd}\n"
"th{font-weight:600;white-space:nowrap}code,.hash{font-family:monospace;"
"word-break:break-all}\n"
".verdict{display:inline-block;min-width:4.5em;text-align:center;"
"font-weight:700;border-radius:3px;padding:0 .3em;margin-right:.4em}\n"
".pass .verdict,.verdict.pass{background:#d7f0d2;color:#1d5e16}\n"
".fail .verdict,.verdict.fail{background:#f8d3cf;color:#8a1c12}\n"
".error .verdict,.verdict.error{background:#f3d7f5;color:#6b1d70}\n"
".skipped .verdict,.verdict.skipped{background:#e4e4e4;color:#444}\n"
"p.overall{font-size:1.15em;font-weight:700}\n"
"table.verdicts{width:100%}table.verdicts td.msg{word-break:break-word}\n"
"tr.fail td{background:#fdf0ee}td.margin{white-space:nowrap}\n"
"tr.detail td{font-size:.85em;color:#444;border-top:0;padding-top:0}\n"
"table.verdicts tr:not(.detail) td{border-bottom:0}p.note{font-size:.8em;"
"color:#555}\n"
"section.scenario{border-top:2px solid #888;margin-top:1.5em}\n"
"figure{margin:.5em 0}figcaption{font-size:.85em;color:#333}\n"
"table.sign{width:100%;margin-top:2em}table.sign td{height:2.5em;"
"width:35%}\n"
"@page{size:A4;margin:12mm}\n"
"@media print{body{font-size:9pt;max-width:none;margin:0;padding:0;"
"-webkit-print-color-adjust:exact;print-color-adjust:exact}"
"section.scenario{break-inside:avoid-page}h2{break-after:avoid}"
"table.sign{break-inside:avoid}}\n";

static void
esc(FILE *out, const char *s)
{
	report_xml_escape(out, s, strlen(s));
}

/* "2026-11-27 10:29:01 UTC" */
static void
put_wall(FILE *out, uint64_t us)
{
	char buf[64];
	time_t t = (time_t)(us / TC_US_PER_SEC);
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		snprintf(buf, sizeof buf, "%llu s after the epoch",
		    (unsigned long long)t);
	fputs(buf, out);
}

/* An argument as a POSIX shell reads it back: quoted when it must be. */
static void
put_arg(FILE *out, const char *a)
{
	const char *p;
	size_t n;

	if (*a != '\0' && strspn(a, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklm"
	    "nopqrstuvwxyz0123456789_-+=/.,:@%{}") == strlen(a)) {
		esc(out, a);
		return;
	}
	/* '...' with each ' written as '\'' (escaped whole runs: UTF-8
	   stays whole). */
	fputs("&apos;", out);
	for (p = a; *p != '\0'; p += n) {
		n = strcspn(p, "'");
		report_xml_escape(out, p, n);
		if (p[n] == '\'') {
			fputs("&apos;\\&apos;&apos;", out);
			n++;
		}
	}
	fputs("&apos;", out);
}

static void
record_versions(FILE *out)
{
	fputs("<tr><th>Versions</th><td>plcsim " TCPCOM_VERSION, out);
	fputs("; libevent ", out);
	esc(out, sim_loop_library_version());
	fputs("; libyaml ", out);
	esc(out, scenario_library_version());
	fputs("; ", out);
	esc(out, digest_library_version());
	fputs("</td></tr>\n", out);
}

static void
record_host(FILE *out)
{
	char name[256];
	struct utsname u;

	fputs("<tr><th>Host</th><td>", out);
	if (gethostname(name, sizeof name) == 0) {
		name[sizeof name - 1] = '\0';
		esc(out, name);
	} else
		fputs("(unknown)", out);
	if (uname(&u) == 0) {
		fputs(" (", out);
		esc(out, u.sysname);
		fputc(' ', out);
		esc(out, u.release);
		fputc(' ', out);
		esc(out, u.machine);
		fputc(')', out);
	}
	fputs("</td></tr>\n", out);
}

/* The real PLC, when plcsim stood in front of one. */
static void
record_upstream(FILE *out, const struct html_record *r)
{
	if (r->upstream == NULL)
		return;
	fputs("<tr><th>Real PLC</th><td>", out);
	esc(out, r->upstream);
	fputs(" (plcsim stood between the client and it; its round trips "
	    "and verdict are given with each scenario)</td></tr>\n", out);
}

static void
record_files(FILE *out, const struct html_record *r)
{
	int i;

	fputs("<h2>Scenario files</h2>\n<table class=\"files\"><thead><tr>"
	    "<th>#</th><th>File</th><th>SHA-256</th></tr></thead><tbody>\n",
	    out);
	for (i = 0; i < r->nfiles; i++) {
		fprintf(out, "<tr><td><a href=\"#s%d\">%d</a></td><td><code>",
		    i * (r->repeat > 1 ? r->repeat : 1), i + 1);
		esc(out, r->sc[i]->file);
		fputs("</code></td><td class=\"hash\">", out);
		esc(out, r->sc[i]->sha256[0] != '\0' ? r->sc[i]->sha256 :
		    "(not read from a file)");
		fputs("</td></tr>\n", out);
	}
	fputs("</tbody></table>\n", out);
}

static void
overall(FILE *out, const struct report_counts *n)
{
	int passed = n->tests - n->failures - n->errors - n->skipped;
	int ok = n->failures == 0 && n->errors == 0 && n->skipped == 0;

	fprintf(out, "<p class=\"overall %s\" id=\"overall\"><span class="
	    "\"verdict\">%s</span>%d passed, %d failed", ok ? "pass" : "fail",
	    ok ? "PASSED" : "FAILED", passed, n->failures);
	if (n->errors > 0)
		fprintf(out, ", %d error%s", n->errors, n->errors == 1 ? "" :
		    "s");
	if (n->skipped > 0)
		fprintf(out, ", %d not run", n->skipped);
	fprintf(out, " of %d scenario%s</p>\n", n->tests, n->tests == 1 ? "" :
	    "s");
}

void
html_begin(FILE *out, const struct html_record *r)
{
	const struct report_counts *n = r->counts;
	int i, ok = n->failures == 0 && n->errors == 0 && n->skipped == 0;
	char secs[32];

	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset="
	    "\"utf-8\">\n<meta http-equiv=\"Content-Security-Policy\" "
	    "content=\"" HTML_CSP "\">\n<title>plcsim report: ", out);
	fprintf(out, "%s, %d scenario%s, ", ok ? "passed" : "failed",
	    n->tests, n->tests == 1 ? "" : "s");
	put_wall(out, r->started_wall_us);
	fprintf(out, "</title>\n<style>\n%s%s</style></head>\n<body>\n",
	    page_css, chart_css);
	fputs("<header><h1>plcsim report</h1>\n", out);
	overall(out, n);
	fputs("<table class=\"record\"><tbody>\n<tr><th>Command</th><td>"
	    "<code>", out);
	esc(out, r->prog);
	for (i = 0; i < r->argc; i++) {
		fputc(' ', out);
		put_arg(out, r->argv[i]);
	}
	fputs("</code></td></tr>\n", out);
	record_versions(out);
	record_host(out);
	fputs("<tr><th>Started</th><td>", out);
	put_wall(out, r->started_wall_us);
	fputs("</td></tr>\n<tr><th>Ended</th><td>", out);
	put_wall(out, r->ended_wall_us);
	format_measured(r->ended_wall_us > r->started_wall_us ?
	    r->ended_wall_us - r->started_wall_us : 0, secs, sizeof secs);
	fprintf(out, " (%s)</td></tr>\n<tr><th>Seed</th><td>", secs);
	if (r->seed_set)
		fprintf(out, "%llu, for every scenario (--seed)",
		    (unsigned long long)r->seed);
	else
		fputs("each scenario's own, given with it below", out);
	if (r->repeat > 1)
		fprintf(out, "</td></tr>\n<tr><th>Repeated</th><td>each "
		    "scenario played %d times (--repeat), each play with a "
		    "seed of its own derived from that one; every play has "
		    "its section, NAME#K", r->repeat);
	fputs("</td></tr>\n", out);
	record_upstream(out, r);
	fputs("</tbody></table>\n", out);
	record_files(out, r);
	fputs("</header>\n<main>\n", out);
}

void
html_repeat(FILE *out, const char *scenario, int runs, int passed,
    int failed, int other, uint64_t seed, const struct html_repeat_row *rows,
    size_t nrows)
{
	size_t i;
	int k;

	fprintf(out, "<section class=\"repeat %s\">\n<h2>Repeated: ",
	    passed == runs ? "pass" : "fail");
	esc(out, scenario);
	fprintf(out, "</h2>\n<p>%d of %d plays passed", passed, runs);
	if (failed > 0)
		fprintf(out, ", %d failed", failed);
	if (other > 0)
		fprintf(out, ", %d not judged (errors or not run)", other);
	fprintf(out, " (seed %llu and derived)</p>\n<table class=\"repeat\">"
	    "<thead><tr><th>Line</th><th>Expectation</th><th>Expected</th>"
	    "<th>Passed</th><th>Margin min</th><th>median</th><th>max</th>"
	    "</tr></thead><tbody>\n", (unsigned long long)seed);
	for (i = 0; i < nrows; i++) {
		fprintf(out, "<tr><td>%d</td><td>", rows[i].line);
		esc(out, rows[i].kind);
		if (rows[i].name[0] != '\0') {
			fputc(' ', out);
			esc(out, rows[i].name);
		}
		fputs("</td><td>", out);
		esc(out, rows[i].expected);
		fprintf(out, "</td><td>%d of %d</td>", rows[i].passed,
		    passed + failed);
		for (k = 0; k < 3; k++) {
			fputs("<td>", out);
			esc(out, rows[i].margin[k]);
			fputs("</td>", out);
		}
		fputs("</tr>\n", out);
	}
	fputs("</tbody></table>\n</section>\n", out);
}

void
html_end(FILE *out)
{
	fputs("</main>\n<footer><table class=\"sign\"><tbody>\n"
	    "<tr><th>Tested by</th><td></td><th>Date</th><td></td></tr>\n"
	    "<tr><th>Witnessed by</th><td></td><th>Signature</th><td></td>"
	    "</tr>\n</tbody></table></footer>\n</body></html>\n", out);
}

/* ---- one scenario ---- */

static void
section_open(FILE *out, int index, const struct scenario *sc,
    const char *cls, const char *word)
{
	fprintf(out, "<section class=\"scenario %s\" id=\"s%d\" "
	    "data-verdict=\"%s\">\n<h2><span class=\"verdict\">%s</span>",
	    cls, index, cls, word);
	esc(out, sc->name);
	fputs("</h2>\n", out);
	if (sc->description != NULL && sc->description[0] != '\0') {
		fputs("<p class=\"description\">", out);
		esc(out, sc->description);
		fputs("</p>\n", out);
	}
}

/* The file, the seed, how long it ran and the emulator's own timing. */
/* The real PLC's round trips and the task cycle they tell. */
static void
section_plc(FILE *out, const struct facts_plc *p, int length_bits)
{
	const struct hist *h = &p->rtt;
	struct plcjudge_cycle c;
	char d[6][32];

	fputs("<tr><th>Real PLC's round trips</th><td colspan=\"3\">", out);
	if (h->count == 0)
		fputs("none measured", out);
	else
		fprintf(out, "%llu: min %s, p50 %s, p90 %s, p99 %s, max %s",
		    (unsigned long long)h->count,
		    format_measured(h->min, d[0], sizeof d[0]),
		    format_measured(hist_quantile(h, 0.5), d[1], sizeof d[1]),
		    format_measured(hist_quantile(h, 0.9), d[2], sizeof d[2]),
		    format_measured(hist_quantile(h, 0.99), d[3], sizeof d[3]),
		    format_measured(h->max, d[4], sizeof d[4]));
	fprintf(out, "; %llu frames, %llu echoes, %llu mismatched, %llu "
	    "late</td></tr>\n<tr><th>Its task cycle</th><td colspan=\"3\">",
	    (unsigned long long)p->frames, (unsigned long long)p->echoes,
	    (unsigned long long)p->mismatches, (unsigned long long)p->late);
	plcjudge_cycle(h, &c);
	if (!c.known)
		fprintf(out, "not estimated: %llu round trips are too few",
		    (unsigned long long)c.rtts);
	else if (c.at_once)
		fprintf(out, "none: it answers at once; emulated by "
		    "<code>plcsim serve --cycle 0 --length %d</code>",
		    length_bits);
	else if (!c.fits)
		fprintf(out, "not estimated: %s (p10 %s, p90 %s): no one task "
		    "cycle makes that", PLCJUDGE_SPREAD,
		    format_duration(c.p10, d[0], sizeof d[0]),
		    format_duration(c.p90, d[1], sizeof d[1]));
	else
		fprintf(out, "between %s and %s, estimated from its round "
		    "trips; emulated by <code>plcsim serve --cycle %s "
		    "--length %d</code>", format_duration(c.lo, d[0],
		    sizeof d[0]), format_duration(c.hi, d[1], sizeof d[1]),
		    format_duration(c.cycle, d[2], sizeof d[2]), length_bits);
	fputs("</td></tr>\n", out);
}

static void
section_facts(FILE *out, const struct scenario *sc, double seconds,
    uint64_t seed, const struct plc_cycle_stats *cs,
    const struct facts *f)
{
	char d[4][32];

	fputs("<table class=\"about\"><tbody><tr><th>File</th><td><code>",
	    out);
	esc(out, sc->file != NULL ? sc->file : "");
	fprintf(out, "</code></td><th>Seed</th><td>%llu</td></tr>\n"
	    "<tr><th>Duration</th><td>%s from time 0</td><th>Played for</th>"
	    "<td>%.1fs</td></tr>\n", (unsigned long long)seed,
	    format_duration(sc->duration, d[0], sizeof d[0]), seconds);
	if (f != NULL && f->plc.proxied)
		section_plc(out, &f->plc, sc->plc.length);
	if (cs == NULL) {
		fputs("</tbody></table>\n", out);
		return;
	}
	fputs("<tr><th>Emulated PLC's task</th><td colspan=\"3\">", out);
	if (cs->cycle_us == 0 && cs->ticks == 0)
		fputs("no task cycle: frames answered at once", out);
	else if (cs->ticks == 0)
		fprintf(out, "cycle %s: no task ran",
		    format_duration(cs->cycle_us, d[0], sizeof d[0]));
	else
		fprintf(out, "cycle %s: %llu ticks, %llu skipped; late after "
		    "its boundary p50 %s, p99 %s, max %s",
		    format_duration(cs->cycle_us, d[0], sizeof d[0]),
		    (unsigned long long)cs->ticks,
		    (unsigned long long)cs->skipped,
		    format_measured(cs->late_p50_us, d[1], sizeof d[1]),
		    format_measured(cs->late_p99_us, d[2], sizeof d[2]),
		    format_measured(cs->late_max_us, d[3], sizeof d[3]));
	fputs("</td></tr>\n</tbody></table>\n", out);
}

/* One expectation: what was expected, seen, the margin; then the judge's
 * sentence, with its times. */
static void
verdict_row(FILE *out, const struct verdict_item *it)
{
	const char *name = it->e != NULL ?
	    scenario_expect_name(it->e->kind) : it->plc ? "plc" : "run";
	const char *word = !it->passed ? "FAIL" : it->judged ? "pass" :
	    "not judged";
	char m[64];

	verdict_margin_text(it, m, sizeof m);
	fprintf(out, "<tr class=\"%s\" data-expect=\"%s\" data-line=\"",
	    it->passed ? "pass" : "fail", name);
	if (it->e != NULL)
		fprintf(out, "%d", it->e->line);
	fprintf(out, "\" data-passed=\"%s\" data-judged=\"%s\" "
	    "data-margin=\"", it->passed ? "true" : "false",
	    it->judged ? "true" : "false");
	esc(out, m);
	fputs("\"><td>", out);
	if (it->e != NULL)
		fprintf(out, "%d", it->e->line);
	fprintf(out, "</td><td>%s</td><td>%s</td><td>", name, word);
	esc(out, it->expected);
	fputs("</td><td>", out);
	esc(out, it->seen);
	fputs("</td><td class=\"margin\">", out);
	esc(out, m);
	fprintf(out, "</td></tr>\n<tr class=\"detail %s\"><td></td>"
	    "<td colspan=\"5\">", it->passed ? "pass" : "fail");
	esc(out, it->message);
	fputs("</td></tr>\n", out);
}

static void
verdict_table(FILE *out, const struct verdict *v)
{
	size_t i;

	fputs("<table class=\"verdicts\"><thead><tr><th>Line</th>"
	    "<th>Expectation</th><th>Result</th><th>Expected</th>"
	    "<th>Seen</th><th>Margin</th></tr></thead><tbody>\n", out);
	for (i = 0; i < v->nitems; i++)
		verdict_row(out, &v->items[i]);
	fputs("</tbody></table>\n<p class=\"note\">The margin is the "
	    "distance from what was seen to the nearest bound of what was "
	    "expected: at least 0 when it passed, below 0 by as much as it "
	    "failed.</p>\n", out);
}

int
html_case(FILE *out, int index, const struct scenario *sc,
    const struct verdict *v, double seconds, uint64_t seed,
    const struct plc_cycle_stats *cycle, const struct facts *f)
{
	int rc = 0;

	/* Before a real PLC the proxy has no task: the PLC's is its own. */
	if (f->plc.proxied)
		cycle = NULL;
	if (v->nfailed == 0)
		section_open(out, index, sc, "pass", "PASS");
	else
		section_open(out, index, sc, "fail", "FAIL");
	section_facts(out, sc, seconds, seed, cycle, f);
	if (chart_write(out, sc, f) != 0) {
		fputs("<p>(out of memory: the timeline could not be drawn)"
		    "</p>\n", out);
		rc = -1;
	}
	verdict_table(out, v);
	fputs("</section>\n", out);
	return rc;
}

static void
section_why(FILE *out, const char *why)
{
	fputs("<p class=\"why\">", out);
	esc(out, why);
	fputs("</p>\n</section>\n", out);
}

void
html_error(FILE *out, int index, const struct scenario *sc, double seconds,
    const char *why)
{
	section_open(out, index, sc, "error", "ERROR");
	section_facts(out, sc, seconds, sc->seed, NULL, NULL);
	section_why(out, why);
}

void
html_skipped(FILE *out, int index, const struct scenario *sc,
    const char *why)
{
	section_open(out, index, sc, "skipped", "NOT RUN");
	section_why(out, why);
}
