/*
 * facts: what one scenario run saw, gathered live by the engine while it
 * plays and by the player when the client ends (its exit, its stats file),
 * and judged afterwards by expect.c. Plain data: no loop, no socket, no
 * file.
 *
 * Nothing here is bounded: every list grows for as long as the run lasts
 * (a day of edges every 500 ms, with their intervals, is about 5.5 MB), because a verdict judged on
 * a part of what happened can pass a client that failed. If memory runs out
 * the loss is counted (`lost`) and the judge refuses to pass the run.
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

struct facts_times {
	tc_us_t	*t;		/* ascending: appended as they happen */
	size_t	 n;
	size_t	 alloc;
	size_t	 lost;		/* not recorded: out of memory */
};

struct facts_window {
	tc_us_t	from, to;	/* a fault was being injected in [from, to) */
};

/*
 * One interval of the life bit: between two edges of one connection, the
 * time the bit held a value. It ends in an edge to `bit`: 1 (rising) when
 * the bit was low for `len`, 0 (falling) when it was high.
 */
struct facts_interval {
	tc_us_t	end;
	tc_us_t	len;
	int	bit;
};

struct facts_intervals {
	struct facts_interval *v;	/* in the order they ended */
	size_t		 n;
	size_t		 alloc;
	size_t		 lost;
};

struct facts_windows {
	struct facts_window *w;
	size_t		     n;
	size_t		     alloc;
	size_t		     lost;
};

/* The times of the whole frames of each connection, one list per connection
 * in the order they sent their first frame. */
struct facts_frames {
	struct facts_times  *conn;
	size_t		     n;
	size_t		     alloc;
	size_t		     lost;
};

/*
 * What became of an echo as it left for the client: the drawing's echo
 * lane (html.c). Echoes in a row with one status, none more than
 * FACTS_ECHO_GAP after the one before, make one run.
 */
enum facts_echo {
	FACTS_ECHO_OK = 0,	/* the frame, back at once */
	FACTS_ECHO_SHAPED,	/* whole but delayed, split, merged or doubled */
	FACTS_ECHO_MISMATCH,	/* its bits altered, and it left whole */
	FACTS_ECHO_NONE,	/* nothing whole left: the client times out */
	FACTS_ECHO_MAX
};

#define FACTS_ECHO_GAP	TC_US_PER_SEC

struct facts_echo_run {
	tc_us_t		 from, to;	/* its first and last echo */
	uint64_t	 count;
	enum facts_echo	 status;
};

struct facts_echoes {
	struct facts_echo_run *r;
	size_t		 n;
	size_t		 alloc;
	size_t		 lost;
};

/*
 * A fault as the engine played it: its action (index in the scenario's
 * list) and its window; `to` is FACTS_OPEN while one counted in echoes
 * lasts, and equals `from` for an instant one. Actions started by events
 * (`when:`) are only known here.
 */
struct facts_fault {
	size_t	 action;
	tc_us_t	 from, to;
};

struct facts_faults {
	struct facts_fault *f;
	size_t		    n;
	size_t		    alloc;
	size_t		    lost;
};

/* A served connection's life: `to` is FACTS_OPEN while it lasts. */
#define FACTS_OPEN	UINT64_MAX

/*
 * The real PLC behind `plcsim proxy`, seen on its own connections before
 * the timeline touches anything: judged apart from the client (plcjudge.h).
 * Counted between time 0 and the end, as the client's facts are.
 */
/* The PLC's verdict items (plcjudge.h), each with its own first fault. */
enum facts_plc_item {
	FACTS_PLC_ECHOES = 0,	/* mismatched, or not asked for */
	FACTS_PLC_TIMING,	/* late, or owed at a connection's end */
	FACTS_PLC_LINK,		/* not taken, closed or reset */
	FACTS_PLC_ITEMS
};

struct facts_plc {
	int		proxied;	/* a real PLC stood behind the run */
	tc_us_t		late_after;	/* an echo slower than this is late */
	struct hist	rtt;		/* round trips of the echoes it owed */
	uint64_t	frames;		/* frames handed to it */
	uint64_t	echoes;		/* whole echoes from it */
	uint64_t	mismatches;	/* echoes unlike the frame they answer */
	uint64_t	late;		/* echoes slower than late_after */
	uint64_t	unasked;	/* echoes with no frame in flight */
	uint64_t	silent;		/* connections ended with a frame it
					   owed for longer than late_after */
	uint64_t	unreachable;	/* connections it did not take */
	uint64_t	refused_restarting; /* taken after refusals that
					   lasted less than its error path
					   may: its design, not a fault */
	uint64_t	closed;		/* connections it closed or reset */
	/* Per verdict item, its first fault, with its time. */
	char		first[FACTS_PLC_ITEMS][160];
};

struct facts {
	int		   connected;		/* a client ever connected */
	tc_us_t		   t0;			/* first connection, since start */
	tc_us_t		   end;			/* when the run ended */

	struct facts_times connects;		/* connections served: the
						   first frame the PLC took */
	struct facts_times disconnects;		/* served connections ending */
	struct facts_times drops;		/* injected link faults */
	struct facts_windows windows;		/* injected faults */
	struct facts_windows links;		/* served connections, from
						   their first frame */
	struct facts_echoes echoes;		/* what the echoes were */
	struct facts_faults played;		/* every fault as played */
	struct facts_windows pauses;		/* client_pause: the client's
						   group stopped in [from, to) */
	struct facts_times edges;		/* bit-0 edges, any connection */
	int		   last_bit;		/* bit 0 after the last edge;
						   -1 before any */
	struct facts_intervals intervals;	/* between edges of one conn,
						   exactly */
	struct facts_times watchdogs;		/* watchdog fired */

	uint64_t	   frames;		/* whole frames received */
	struct hist	   send_intervals;	/* between frames of one conn */
	struct facts_frames frame_times;	/* every whole frame's time */
	uint64_t	   injected_mismatches;	/* altered echoes delivered whole
						   on a live connection */
	size_t		   unplayed;		/* connections the timeline could
						   not act on (out of memory) */

	int		   client_ran;		/* a client command was run */
	int		   client_exited;	/* it ended by itself */
	int		   client_status;	/* exit code, or 128 + signal */
	const char	  *client_reason;	/* why the run judged it early,
						   NULL when it did not */
	/*
	 * The client's stats JSON, read by the player once the client
	 * stopped (NUL-terminated; the player frees it with its result), so
	 * that the judge opens no file. NULL when there is none to read, and
	 * then stats_error says why ("" when none was asked of the client).
	 */
	char		  *stats_json;
	size_t		   stats_len;
	char		   stats_error[320];

	struct facts_plc   plc;
};

void facts_init(struct facts *f);
/* Frees the lists; the facts can be initialised again. */
void facts_free(struct facts *f);

/* Appends a time (counted in `lost` when memory runs out). */
void facts_add_time(struct facts_times *ts, tc_us_t t);
/* Starts the list of a new connection's frames; returns its index, or
 * SIZE_MAX when it was lost. */
size_t facts_add_conn(struct facts *f);
/* Appends an interval (counted in `lost` when memory runs out). */
void facts_add_interval(struct facts *f, tc_us_t end, tc_us_t len, int bit);
/* Appends a window; returns its index, or SIZE_MAX when it was lost. */
size_t facts_add_window(struct facts *f, tc_us_t from, tc_us_t to);
/* Appends a span to a list of them; its index, or SIZE_MAX when lost. */
size_t facts_add_span(struct facts_windows *ws, tc_us_t from, tc_us_t to);
/* Appends a fault played; its index, or SIZE_MAX when it was lost. */
size_t facts_add_fault(struct facts *f, size_t action, tc_us_t from,
    tc_us_t to);
/* One echo left at `t` with `status` (appended to the last run if it
 * continues it). */
void facts_add_echo(struct facts_echoes *es, tc_us_t t,
    enum facts_echo status);
const char *facts_echo_name(enum facts_echo status);
/* The index of the first time strictly after `t`, or -1 (times are
 * appended as they happen, so they ascend: a bisection). */
long facts_next(const struct facts_times *ts, tc_us_t t);
/* Facts that could not be recorded, over every list. */
size_t facts_lost(const struct facts *f);

#endif
