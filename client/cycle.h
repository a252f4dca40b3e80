/*
 * cycle: a periodic schedule on absolute deadlines, start + n * period.
 *
 * Deadlines are computed from the start, never from the previous wake-up,
 * so that lateness in one cycle never accumulates into drift. After an
 * overrun the schedule skips the deadlines already past instead of bursting
 * to catch up. Pure: the caller passes `now`.
 */
#ifndef TCPCOM_CYCLE_H
#define TCPCOM_CYCLE_H

#include <stdint.h>

#include "clock.h"

struct cycle {
	tc_us_t	 start_us;
	tc_us_t	 period_us;
	uint64_t index;		/* the deadline now due is number `index` */
};

void cycle_init(struct cycle *s, tc_us_t start_us, tc_us_t period_us);
/* The deadline now due. */
tc_us_t cycle_deadline(const struct cycle *s);
/*
 * Moves to the first deadline after the current one that is not before
 * `now`; returns how many deadlines were skipped (0 when on time).
 */
uint64_t cycle_advance(struct cycle *s, tc_us_t now);
/*
 * The same for work that must be spaced out, done at `now` for the
 * deadline now due (the toggler's flip, which the PLC sees only in
 * frames): woken up to half a period late, as cycle_advance; later than
 * that (the process was stopped, the machine paused), the next deadline
 * is the first at least `min_gap` after now, so that the late work and
 * the next are never closer than that. Deadlines stay on the grid.
 * Returns how many deadlines were skipped.
 */
uint64_t cycle_advance_spaced(struct cycle *s, tc_us_t now, tc_us_t min_gap);

#endif
