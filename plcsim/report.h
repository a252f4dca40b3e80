/*
 * report: one scenario's result written as fragments.
 *
 * Each scenario runs in its own worker process, which writes its fragments
 * to files; the parent concatenates them in scenario order between a
 * header and a footer. So every writer here is self-contained: a text
 * block, one JUnit <testcase>, or one JSON object.
 *
 * Whatever bytes reach a report (a client's output, a peer's address, a
 * reason) are escaped: control characters and invalid UTF-8 never leak
 * into XML or JSON, which stay well-formed. Writers report nothing on I/O
 * errors: the caller checks ferror() if it cares.
 */
#ifndef PLCSIM_REPORT_H
#define PLCSIM_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "events.h"
#include "expect.h"
#include "plc.h"
#include "scenario.h"

/* The client output kept in a JUnit report: its last bytes. */
#define REPORT_OUTPUT_MAX (64 * 1024)

/*
 * What a run of several scenarios came to. A failure is a client that did
 * not meet the scenario; an error is the harness's (a worker that crashed,
 * a scenario that could not be played or was interrupted); a skipped
 * scenario was never started (the run was interrupted first).
 */
struct report_counts {
	int	tests;
	int	failures;
	int	errors;
	int	skipped;
};

/*
 * The emulator's own fidelity goes with every verdict: `cycle` is how late
 * the PLC's task ran during the scenario (play_result.cycle); NULL when
 * it is not known, and then nothing is said of it.
 */

/*
 * Text: "PASS name (12.3s, seed 42; task cycle 10ms: 300 ticks, 0 skipped,
 * late p50 35us, p99 98us, max 248us; watchdog 1s: longest silence
 * 507.6ms from 0.000s, margin 492.4ms)" or "FAIL ...", then one indented
 * line per failed item, "    line 14: reconnect: drop at 3.000s, ...;
 * margin -1.3s", and per passed expectation that has what it expected,
 * "    line 16: ok frames at least 30: seen 117, margin 87".
 */
void report_text(FILE *out, const struct scenario *sc,
    const struct verdict *v, double seconds, uint64_t seed,
    const struct plc_cycle_stats *cycle);
/* "ERROR name (1.2s)" and why, indented: no verdict, the harness failed. */
void report_text_error(FILE *out, const struct scenario *sc, double seconds,
    const char *why);
/* "SKIP name" and why, indented: never started. */
void report_text_skipped(FILE *out, const struct scenario *sc,
    const char *why);

/*
 * JUnit: one <testcase classname="plcsim" name=... time=...>, with
 * <properties> cycle_us, cycle_ticks, cycle_skipped and (when a task ran)
 * cycle_late_p50_us, cycle_late_p99_us, cycle_late_max_us, then
 * watchdog_margin_us (a run with a watchdog) and one
 * lineN_KIND_margin_UNIT per expectation with a margin; a <failure>
 * listing the failed items when any; and <system-out> with the scenario,
 * the seed, the task cycle's and the watchdog's lines and the items' lines
 * as in the text, and the last REPORT_OUTPUT_MAX bytes of the client's
 * output (NULL: none).
 */
void report_junit_case(FILE *out, const struct scenario *sc,
    const struct verdict *v, double seconds, uint64_t seed,
    const struct plc_cycle_stats *cycle, const char *output,
    size_t output_len);
/* A testcase with an <error>: the scenario could not be played at all. */
void report_junit_error(FILE *out, const struct scenario *sc, double seconds,
    const char *why);
/* A testcase with <skipped>: the scenario was never started. */
void report_junit_skipped(FILE *out, const struct scenario *sc,
    const char *why);
/* Around the concatenated testcases; errors are counted apart from
 * failures, as JUnit readers expect. */
void report_junit_begin(FILE *out, const struct report_counts *n,
    double seconds);
void report_junit_end(FILE *out);

/*
 * JSON: one object {"name", "file", "seed", "passed", "duration_s",
 * "cycle": {"cycle_us", "ticks", "skipped", "late_p50_us", "late_p99_us",
 * "late_max_us"}, "watchdog": {"timeout_us", "longest_silence_us",
 * "silence_from_s", "margin_us"}, "expectations": [{"expect", "line",
 * "passed", "judged", "message", "expected", "seen", "margin", "unit",
 * "margin_text"}], "events": [...], "events_dropped"}. The run's own item
 * has "expect": "run" and "line": null. "cycle" is null when not known,
 * its late_* null when no task ran (cycle 0); "watchdog" null without
 * one; "margin", "unit" and "margin_text" null for an item without a
 * margin. `events` may be NULL (none).
 */
void report_json_case(FILE *out, const struct scenario *sc,
    const struct verdict *v, double seconds, uint64_t seed,
    const struct plc_cycle_stats *cycle, const struct sim_events *events);
/* An object for a scenario that could not be played ("error": why;
 * "cycle": null). */
void report_json_error(FILE *out, const struct scenario *sc, double seconds,
    const char *why);
/* The same, with "skipped": true, for a scenario never started. */
void report_json_skipped(FILE *out, const struct scenario *sc,
    const char *why);
/* "[", then "," before every object but the first written (i > 0), "]". */
void report_json_begin(FILE *out);
void report_json_separator(FILE *out, int i);
void report_json_end(FILE *out);
/* A number as the JSON report writes a margin (whole ones exactly). */
void report_json_number(FILE *out, double v);

/*
 * Escapers, for any bytes: invalid UTF-8 and characters XML cannot hold
 * become U+FFFD; JSON control characters become \uXXXX.
 */
void report_xml_escape(FILE *out, const char *s, size_t len);

#endif
