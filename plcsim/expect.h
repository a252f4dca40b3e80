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

struct verdict_item {
	/* The expectation judged; NULL for the run itself (a client that
	   never connected, exited early or hung). */
	const struct scenario_expect *e;
	int	passed;
	/* 0 when the run could not judge it (a client plcsim did not start
	   has no exit code); the message says why. Such an item passes. */
	int	judged;
	char	message[VERDICT_MESSAGE];	/* one line, no newline */
};

struct verdict {
	struct verdict_item *items;	/* run item first, then file order */
	size_t		nitems;
	size_t		nfailed;
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

/*
 * Finds the number at `name` ("mismatches", "rtt_us.p99": dots reach into
 * nested objects) in the JSON text of a client's stats file. true and
 * false count as 1 and 0. Returns 0 and the value, or -1 and a message.
 */
int expect_stats_number(const char *json, size_t len, const char *name,
    double *out, char *err, size_t errlen);

#endif
