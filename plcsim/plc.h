/*
 * plc: the TwinCAT server model, pure (no sockets, no libevent, no clock).
 *
 * Every function takes `now` (microseconds of the monotonic clock) from the
 * caller, so that unit tests can step time by hand.
 *
 * The PLC as a whole is in one of two states: LISTEN (the listener is open;
 * a connection is accepted while fewer than max_clients stations are busy,
 * the others wait in the kernel backlog) or RESTART (the error path: the
 * listener is closed until the re-listen time, so connections are refused).
 *
 * A station is one served connection. Its task runs one step per task
 * cycle, like the TwinCAT state machine: RECEIVE takes at most frame_len
 * bytes of what the connection delivered by the task's boundary and copies
 * them over the front of the send buffer (a short read keeps stale bytes of
 * the previous frame in the rest); the next step, SEND, echoes the whole
 * buffer. So an echo leaves one cycle after the cycle that received it,
 * never sooner than a cycle after its frame came: a task that runs late
 * leaves what came after its boundary to the next one. With cycle 0 the
 * caller steps a station as soon as it has input, until it has nothing left
 * to do.
 */
#ifndef PLCSIM_PLC_H
#define PLCSIM_PLC_H

#include <stddef.h>
#include <stdint.h>

#include "clock.h"
#include "hist.h"
#include "wire.h"

/* Input a station buffers before its connection stops being read. */
#define PLC_INPUT_MAX 2048

/*
 * The PLC's defaults, as the plant's TwinCAT runs it: written here once,
 * for `plcsim serve` and for the plc: section of a scenario. The plain
 * numbers are for help texts; the _US forms for code.
 */
#define PLC_DEFAULT_CYCLE_MS	    10	/* task cycle */
#define PLC_DEFAULT_RELISTEN_CYCLES 5	/* error path: listener closed this
					   many cycles */
#define PLC_DEFAULT_RECV_TIMEOUT_S  300	/* TwinCAT's receive timeout */
#define PLC_DEFAULT_CYCLE_US	    (PLC_DEFAULT_CYCLE_MS * TC_US_PER_MS)
#define PLC_DEFAULT_RECV_TIMEOUT_US (PLC_DEFAULT_RECV_TIMEOUT_S * TC_US_PER_SEC)

struct plc_config {
	tc_us_t	 cycle_us;	/* task cycle; 0: answer at once */
	size_t	 frame_len;	/* bytes per frame: LENGTH / 8 */
	unsigned max_clients;	/* stations served at once */
	tc_us_t	 relisten_us;	/* listener closed this long on the error path */
	tc_us_t	 recv_timeout_us; /* no byte for this long: error (0: never) */
};

enum plc_state {
	PLC_LISTEN = 0,	/* listener open, accepting while a station is free */
	PLC_RESTART,	/* error path: listener closed until relisten_at */
	PLC_STATE_MAX
};

enum plc_station_state {
	PLC_ST_RECEIVE = 0,	/* polling for up to frame_len bytes */
	PLC_ST_SEND,		/* the buffer goes out on the next step */
	PLC_ST_STATE_MAX
};

/* What one step did (flags). */
#define PLC_STEP_RECEIVED 0x1	/* bytes were taken into the buffer */
#define PLC_STEP_SHORT	  0x2	/* ... fewer than frame_len of them */
#define PLC_STEP_SENT	  0x4	/* the buffer was echoed */

struct plc_step {
	unsigned	 flags;
	size_t		 taken;	/* bytes received in this step */
	const uint8_t	*frame;	/* the buffer (frame_len bytes), valid until the next step */
	size_t		 len;
};

struct plc_station_stats {
	uint64_t frames;	/* receive steps that took bytes */
	uint64_t short_reads;	/* ... fewer than frame_len */
	uint64_t echoes;	/* send steps */
	uint64_t bytes_in;	/* bytes taken by receive steps */
	uint64_t bytes_out;	/* bytes echoed */
};

struct plc;
struct plc_station;

/* Creates a PLC in LISTEN whose task cycles start at `now`. NULL on ENOMEM. */
struct plc *plc_new(const struct plc_config *cfg, tc_us_t now);
/* Frees the PLC; every station must have been detached. */
void plc_free(struct plc *plc);

enum plc_state plc_state(const struct plc *plc);
const char *plc_state_name(enum plc_state state);
const struct plc_config *plc_config(const struct plc *plc);
unsigned plc_active(const struct plc *plc);
/* 1 when the listener is open and a station is free. */
int plc_accepting(const struct plc *plc);

/*
 * Takes the next task-cycle boundary strictly after `now`: cycles sit on a
 * grid from the start (or the last cycle change), and missed ones are
 * skipped, never run in a burst. SIM_TIMER-style callers sleep until it.
 * Returns 0 when the cycle is 0.
 */
tc_us_t plc_next_cycle(const struct plc *plc, tc_us_t now);
/* Changes the task cycle from `now` on (a new grid starts at now). */
void plc_set_cycle(struct plc *plc, tc_us_t cycle_us, tc_us_t now);
/*
 * The last boundary at or before `now`: the one a task running at `now`
 * serves. 0 when the cycle is 0 or `now` is before the first boundary.
 */
tc_us_t plc_cycle_boundary(const struct plc *plc, tc_us_t now);
/*
 * 1 when `now` has reached a boundary whose task has not run yet, which it
 * then counts as run: the task runs at most once per boundary and never
 * before it, however early or often its timer fires. Missed boundaries are
 * skipped. The first boundary is one cycle after the start (or the change).
 * A task that runs is recorded in the cycle statistics: `now` minus the
 * boundary is how late it ran, and the boundaries passed over since the
 * last run are counted as skipped.
 */
int plc_cycle_due(struct plc *plc, tc_us_t now);

/*
 * How faithful the task cycle was: a real PLC's task starts on its
 * boundary to within microseconds; the emulator's starts when its loop
 * gets to it. Counted since plc_new, across cycle changes.
 */
struct plc_cycle_stats {
	tc_us_t	 cycle_us;	/* the task cycle now; 0: answers at once */
	uint64_t ticks;		/* boundaries whose task ran */
	uint64_t skipped;	/* boundaries passed without their task: the
				   loop was busy for more than a cycle */
	tc_us_t	 late_p50_us;	/* how late a task ran after its boundary; */
	tc_us_t	 late_p99_us;	/* all 0 when no task ran (ticks == 0) */
	tc_us_t	 late_max_us;
	/* The longest a due task waited, from the first boundary it missed
	   (late_max_us counts from the last one): how long the emulator's
	   loop was kept from running, which no timing it measured can be
	   trusted to less than. */
	tc_us_t	 stall_max_us;
};

void plc_cycle_stats(const struct plc *plc, struct plc_cycle_stats *out);

/*
 * The error path: the listener closes until now + window (a later call
 * extends it, never shortens it). Stations already served are not touched.
 */
void plc_restart(struct plc *plc, tc_us_t now, tc_us_t window);
/* The time RESTART ends; meaningful in RESTART only. */
tc_us_t plc_relisten_at(const struct plc *plc);
/* Moves RESTART to LISTEN once its time has come; returns 1 when it did. */
int plc_poll(struct plc *plc, tc_us_t now);

/* Serves a new connection: NULL when not accepting. */
struct plc_station *plc_attach(struct plc *plc, tc_us_t now);
/* Ends a station and frees it (the caller decides about plc_restart). */
void plc_detach(struct plc *plc, struct plc_station *st);

unsigned plc_station_id(const struct plc_station *st);
enum plc_station_state plc_station_state(const struct plc_station *st);
const struct plc_station_stats *plc_station_stats(const struct plc_station *st);
/* Bytes of input the station will still take (0: stop reading). */
size_t plc_station_room(const struct plc_station *st);
/* Bytes of input waiting for receive steps. */
size_t plc_station_pending(const struct plc_station *st);
/* Hands over bytes read from the connection at `now`; at most
 * plc_station_room. */
size_t plc_station_input(struct plc_station *st, const uint8_t *data,
    size_t len, tc_us_t now);
/*
 * Runs one task step at `now`, for the boundary plc_cycle_boundary(now):
 * a receive takes only input that came by that boundary. Returns the
 * step's flags (0: nothing to do).
 */
unsigned plc_station_step(struct plc_station *st, tc_us_t now,
    struct plc_step *step);
/* 1 when no byte came for recv_timeout_us (the TwinCAT receive timeout). */
int plc_station_timed_out(const struct plc_station *st, tc_us_t now);

#endif
