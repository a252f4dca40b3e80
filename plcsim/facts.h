/*
 * facts: what one scenario run saw, gathered by the engine while it plays
 * and by the runner when the client ends, and judged afterwards by expect.c.
 * Plain data: no loop, no socket. Arrays are bounded (FACTS_MAX_TIMES); what
 * does not fit is counted in `overflow`, so memory stays bounded on any run.
 *
 * Every time below is microseconds since time 0, the first client connection,
 * except `t0` itself (since the emulator started).
 */
#ifndef PLCSIM_FACTS_H
#define PLCSIM_FACTS_H

#include <stddef.h>
#include <stdint.h>

#include "clock.h"
#include "hist.h"

#define FACTS_MAX_TIMES 4096

struct facts_times {
	tc_us_t	t[FACTS_MAX_TIMES];
	size_t	n;
	size_t	overflow;
};

struct facts_window {
	tc_us_t	from, to;	/* a fault was being injected in [from, to) */
};

struct facts {
	int		   connected;		/* a client ever connected */
	tc_us_t		   t0;			/* first connection, since start */
	tc_us_t		   end;			/* when the run ended */

	struct facts_times connects;		/* served connections */
	struct facts_times disconnects;		/* served connections ending */
	struct facts_times drops;		/* injected link faults */
	struct facts_window windows[FACTS_MAX_TIMES];	/* injected faults */
	size_t		   nwindows;
	struct facts_times edges;		/* bit-0 edges */
	struct hist	   edge_intervals;	/* between edges of one conn */
	struct facts_times watchdogs;		/* watchdog fired */

	uint64_t	   frames;		/* whole frames received */
	struct hist	   send_intervals;	/* between frames of one conn */
	uint64_t	   injected_mismatches;	/* echoes changed on purpose */

	int		   client_ran;		/* a client command was run */
	int		   client_exited;	/* it ended by itself */
	int		   client_status;	/* exit code, or 128 + signal */
	const char	  *client_reason;	/* why the run judged it early,
						   NULL when it did not */
	const char	  *stats_path;		/* the client's stats JSON; NULL */
};

void facts_init(struct facts *f);
/* Appends a time; counted in overflow when full. */
void facts_add_time(struct facts_times *ts, tc_us_t t);
void facts_add_window(struct facts *f, tc_us_t from, tc_us_t to);

#endif
