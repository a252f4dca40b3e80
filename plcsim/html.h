/*
 * html: the report to sign, one self-contained HTML page: the record of
 * the run (versions, command line, seed, each scenario file's SHA-256, host,
 * start and end), then per scenario its timeline (chart.h), its verdict
 * table and the emulator's own task lateness, then room for signatures.
 *
 * It is the fourth rendering of the same results as report.h's text, JUnit
 * and JSON: a worker writes a scenario's section as a fragment from the
 * very verdict and facts the other three are written from, and the page is
 * the fragments in scenario order between html_begin and html_end.
 *
 * No script, no external file, no network: the page's own Content Security
 * Policy forbids loading anything, so a browser shows an attempt as an
 * error. Styles are inline; @page and @media print lay it out on A4.
 * Every string from a file, a command line or a peer is escaped.
 */
#ifndef PLCSIM_HTML_H
#define PLCSIM_HTML_H

#include <stdint.h>
#include <stdio.h>

#include "expect.h"
#include "facts.h"
#include "plc.h"
#include "report.h"
#include "scenario.h"

/* What makes the page a record of one run of plcsim. */
struct html_record {
	int		 argc;		/* the command line, as given */
	char *const	*argv;
	int		 seed_set;	/* --seed N replaced each scenario's */
	uint64_t	 seed;
	const char	*prog;		/* "plcsim", before argv */
	int		 nfiles;	/* the scenarios, in order: each one's
					   file and SHA-256 */
	struct scenario *const *sc;
	int		 repeat;	/* plays of each (--repeat): the
					   sections are file by file, each
					   file's plays in a row */
	uint64_t	 started_wall_us; /* clock_wall_us() */
	uint64_t	 ended_wall_us;
	const struct report_counts *counts;
	/* In front of a real PLC (plcsim proxy): its address; NULL when
	 * there is none. Its round trips, cycle and verdict are each
	 * scenario's (facts.plc). */
	const char	*upstream;
};

void html_begin(FILE *out, const struct html_record *r);
void html_end(FILE *out);

/*
 * With --repeat, after the plays' sections: what the REPEAT summary says
 * of one scenario, a table with a row per expectation (margins as text,
 * "" when none).
 */
struct html_repeat_row {
	int	    line;
	const char *kind;	/* scenario_expect_name */
	const char *name;	/* a counter's, else "" */
	const char *expected;
	int	    passed;
	char	    margin[3][48];	/* min, median, max */
};

void html_repeat(FILE *out, const char *scenario, int runs, int passed,
    int failed, int other, uint64_t seed, const struct html_repeat_row *rows,
    size_t nrows);

/*
 * Scenario `index`'s section: what report_json_case says, drawn; in front
 * of a real PLC (f->plc.proxied) its round trips and estimated task cycle
 * too (and `cycle`, the emulated PLC's, is not shown). -1 when
 * memory ran out for the drawing (the section is then written without it,
 * saying so).
 */
int html_case(FILE *out, int index, const struct scenario *sc,
    const struct verdict *v, double seconds, uint64_t seed,
    const struct plc_cycle_stats *cycle, const struct facts *f);
/* A scenario that could not be played, or was never started. */
void html_error(FILE *out, int index, const struct scenario *sc,
    double seconds, const char *why);
void html_skipped(FILE *out, int index, const struct scenario *sc,
    const char *why);

#endif
