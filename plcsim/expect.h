/*
 * expect: the judge. It compares what a run saw (struct facts) with what the
 * scenario expected and gives one verdict item per expectation, each with a
 * message that says what was expected and what was seen, with times. Pure:
 * no loop, no socket, no file (the player hands over the client's stats
 * JSON as text in the facts).
 *
 * The semantics of each expectation are those of scenarios/README.md
 * ("Judging" states the choices the format leaves open).
 */
#ifndef PLCSIM_EXPECT_H
#define PLCSIM_EXPECT_H

#include <stddef.h>

#include "facts.h"
#include "scenario.h"

#define VERDICT_MESSAGE 512
#define VERDICT_PHRASE	160

/*
 * The unit of a margin. Durations are in microseconds whatever the
 * scenario wrote; a duty cycle in percentage points; frames, counters and
 * exit codes in their own numbers.
 */
enum verdict_unit {
	VERDICT_NO_MARGIN = 0,	/* nothing measured: not judged, no data */
	VERDICT_US,
	VERDICT_COUNT,
	VERDICT_PERCENT,
	VERDICT_UNIT_MAX
};

struct verdict_item {
	/* The expectation judged; NULL for the run itself (a client that
	   never connected, exited early or hung). */
	const struct scenario_expect *e;
	int	passed;
	/* 0 when the run could not judge it (a client plcsim did not start
	   has no exit code); the message says why. Such an item passes. */
	int	judged;
	char	message[VERDICT_MESSAGE];	/* one line, no newline */
	/*
	 * How close it came. `expected` and `seen` are short phrases ("500ms
	 * ± 5ms at 95%", "499.8ms … 503ms"); "" for the run's own item.
	 * `margin` is the distance from what was seen to the nearest bound
	 * of what was expected, in `unit`: >= 0 inside (it passed, with that
	 * much to spare), < 0 outside (it failed, by that much). Its exact
	 * meaning for each expectation is in scenarios/README.md ("Margins").
	 */
	char	expected[VERDICT_PHRASE];
	char	seen[VERDICT_PHRASE];
	enum verdict_unit unit;		/* VERDICT_NO_MARGIN: margin unset */
	double	margin;
	/* 1: it judges the real PLC behind `plcsim proxy`, not the client
	   (plcjudge.h); e is NULL then. */
	int	plc;
};

struct verdict {
	struct verdict_item *items;	/* run item first, then file order */
	size_t		nitems;
	size_t		nfailed;
	size_t		nfailed_plc;	/* of them, the real PLC's */
	/*
	 * The PLC's watchdog, in every run that has one and a connection
	 * (watchdog 0: none): the longest silence of the life bit as it
	 * counts it (from time 0 or an edge on any connection to the next
	 * edge or the end), where it began, and so the margin, watchdog less
	 * that silence (<= 0: it fired). A silence whose firing a fault
	 * window excuses (the scenario's doing: a pause, an outage) is left
	 * out of it; the longest of those, when longer, is fault_silence
	 * (0: none).
	 */
	tc_us_t		watchdog;
	tc_us_t		longest_silence;
	tc_us_t		silence_from;
	tc_us_t		fault_silence;
	tc_us_t		fault_silence_from;
	/* The real PLC's figures behind `plcsim proxy` (borrowed from the
	   facts, set by plcjudge_verdict); NULL without a proxy. */
	const struct facts_plc *plc;
	int		plc_length;	/* its frame length, in bits */
};

/*
 * Judges every expectation of `sc` against `f` into `v` (which the caller
 * releases with verdict_free, also on error). `v->items` borrows pointers
 * into `sc`, which must outlive it. Returns the number of failed items
 * (0: the run passed), or -1 when memory ran out.
 */
int expect_judge(const struct scenario *sc, const struct facts *f,
    struct verdict *v);
void verdict_free(struct verdict *v);

/* "us", "count", "percent" (NULL for VERDICT_NO_MARGIN): JSON's names. */
const char *verdict_unit_name(enum verdict_unit unit);
/*
 * An item's margin for people: "2ms", "-195ms", "-3", "+4.2%"... in
 * `buf`; "" when it has none.
 */
const char *verdict_margin_text(const struct verdict_item *it, char *buf,
    size_t len);

/*
 * Finds the number at `name` ("mismatches", "rtt_us.p99": dots reach into
 * nested objects) in the JSON text of a client's stats file. true and
 * false count as 1 and 0. Returns 0 and the value, or -1 and a message.
 */
int expect_stats_number(const char *json, size_t len, const char *name,
    double *out, char *err, size_t errlen);

#endif
