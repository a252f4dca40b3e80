/*
 * progress: the live line of `plcsim run` on a terminal. One line, redrawn
 * in place ("\r", then erase to the end of the line): scenarios done out of
 * all, failed so far, the time elapsed and an estimate of the time left.
 * The caller clears it before it prints a report line and draws it again
 * after, so that the report reads as it would without it. Not on a
 * terminal nothing is drawn: each scenario's report line, as it ends, is
 * the progress, and a log or a CI system gets no control characters.
 *
 * The estimate of the time left: what is still to play (a scenario's
 * duration, less what has already run of it) shared among the jobs, scaled
 * by how long the finished scenarios took against their own durations (the
 * client's start and stop, a slow machine). Before any has finished the
 * durations are taken as they are.
 *
 * Pure apart from the drawing: the caller passes `now`.
 */
#ifndef PLCSIM_PROGRESS_H
#define PLCSIM_PROGRESS_H

#include <stddef.h>
#include <stdio.h>

#include "clock.h"

struct progress_item;

struct progress {
	FILE		     *out;
	int		      live;	/* a terminal: the line is drawn */
	int		      shown;	/* the line is on the screen now */
	int		      total, done, failed, errors, running, jobs;
	tc_us_t		      start;
	tc_us_t		      done_planned;	/* the durations of ... */
	tc_us_t		      done_took;	/* ... and the time of the
						   finished ones */
	struct progress_item *items;
	char		      drawn[256];	/* the line on the screen */
};

/*
 * Starts the count of `total` scenarios played `jobs` at a time, from
 * `start`. `live`: draw the line on `out` (a terminal). -1 when memory is
 * out (nothing is drawn then, and the calls below do nothing).
 */
int progress_init(struct progress *p, FILE *out, int live, int total,
    int jobs, tc_us_t start);
void progress_free(struct progress *p);
/* Scenario i lasts `planned` (its duration). */
void progress_plan(struct progress *p, int i, tc_us_t planned);
void progress_begin(struct progress *p, int i, tc_us_t now);
/* Scenario i ended: passed (0), failed (1) or not judged (2). */
void progress_end(struct progress *p, int i, tc_us_t now, int outcome);

/* The estimated time left. */
tc_us_t progress_left(const struct progress *p, tc_us_t now);
/* The line, at most `len` - 1 characters (cut, never wrapped). */
size_t progress_format(const struct progress *p, tc_us_t now, char *buf,
    size_t len);

/* Draws the line in place of the last (live only). */
void progress_draw(struct progress *p, tc_us_t now);
/* Takes the line off the screen (live only), before other output. */
void progress_clear(struct progress *p);
/* Microseconds until the line next changes by itself (its clock). */
tc_us_t progress_next_draw(const struct progress *p, tc_us_t now);

#endif
