/*
 * lifemon: the life-bit monitor, pure (the caller passes `now`).
 *
 * It watches bit 0 of every frame a client sends. An edge is a frame whose
 * bit 0 differs from the previous frame's on the same connection; the time
 * between two edges of one connection is an interval.
 *
 * The watchdog is the PLC's, one for the whole PLC: it watches the life-bit
 * variable that every connection's frames feed, as a PLC program does, so
 * a client cannot restart it by reconnecting. It fires when no edge came on
 * any connection for `timeout`, counted from the last edge (or from the
 * first connection ever served): once per silence, whether a client is
 * connected or not; the next edge ends that silence.
 *
 * One lifemon_stats gathers every connection (a histogram is 44 KB, so it is
 * not per connection); each connection has a small lifemon_track.
 */
#ifndef PLCSIM_LIFEMON_H
#define PLCSIM_LIFEMON_H

#include <stdint.h>

#include "clock.h"
#include "hist.h"

struct lifemon_stats {
	uint64_t    frames;	/* frames judged */
	uint64_t    edges;	/* rising + falling */
	uint64_t    rising;
	uint64_t    falling;
	uint64_t    watchdogs;	/* silences longer than the timeout */
	struct hist intervals;	/* microseconds between edges */
	tc_us_t	    last_interval; /* the latest of them (intervals.count > 0) */
};

struct lifemon_track {
	int	have_bit;	/* a frame was seen */
	int	bit;		/* bit 0 of the last frame */
	int	have_edge;	/* last_edge is set */
	tc_us_t	last_edge;
};

struct lifemon_watchdog {
	int	started;	/* a client was served: the watch is on */
	int	barking;	/* it fired; no edge since */
	tc_us_t	since;		/* start of the current silence */
};

/* What a frame meant. */
struct lifemon_edge {
	int	bit;		/* the new value */
	int	has_interval;	/* a previous edge exists on this connection */
	tc_us_t	interval;	/* ... this long ago */
};

void lifemon_stats_reset(struct lifemon_stats *s);
/* Starts watching a connection at `now`. */
void lifemon_track_start(struct lifemon_track *t);

/* Judges one frame's bit 0; returns 1 and fills `edge` on an edge, else 0. */
int lifemon_frame(struct lifemon_stats *s, struct lifemon_track *t, tc_us_t now,
    int bit, struct lifemon_edge *edge);

/* A client is served: the watch starts, from now, unless it already runs. */
void lifemon_watchdog_start(struct lifemon_watchdog *w, tc_us_t now);
/*
 * An edge on any connection: the silence ends. Returns 1, with its length
 * in *silent, when the watchdog had fired for that silence.
 */
int lifemon_watchdog_edge(struct lifemon_watchdog *w, tc_us_t now,
    tc_us_t *silent);
/*
 * The watchdog: returns 1 (once per silence) when no edge came for
 * `timeout` up to `now`, and sets *silent to how long it has been. A
 * timeout of 0 disables it.
 */
int lifemon_watchdog(struct lifemon_stats *s, struct lifemon_watchdog *w,
    tc_us_t now, tc_us_t timeout, tc_us_t *silent);

/* How the watchdog stands at `now`, for whoever watches the PLC live. */
enum lifemon_wd_state {
	LIFEMON_WD_OFF = 0,	/* a timeout of 0 */
	LIFEMON_WD_IDLE,	/* no client served yet: not watching */
	LIFEMON_WD_ARMED,	/* *t: how long until it fires */
	LIFEMON_WD_FIRED	/* *t: how long bit 0 has been still */
};
enum lifemon_wd_state lifemon_watchdog_state(const struct lifemon_watchdog *w,
    tc_us_t now, tc_us_t timeout, tc_us_t *t);

#endif
