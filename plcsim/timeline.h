/*
 * timeline: what a scenario's timeline does, decided without a loop, a
 * server, a socket or a clock. The caller (engine.c) passes times relative
 * to time 0, the first client connection, and carries the answers out:
 *
 *   - timeline_advance: what begins or ends by now, queued for
 *     timeline_change, and when to look again;
 *   - timeline_echo: what becomes of an echo leaving now (its bytes altered,
 *     held, merged, duplicated, shortened; its delay, pieces and gap; whether
 *     it is swallowed; after how many bytes it counts as an injected
 *     mismatch);
 *   - timeline_accept_wait: how long an arriving connection waits;
 *   - timeline_blackholed: whether a black hole swallows everything now;
 *   - timeline_edge, timeline_frame: the events that start actions given
 *     `when:` instead of `at:`, each adding an occurrence when it matches.
 *
 * Occurrences come from scenario_occurrences (the one expansion `plcsim
 * check` validates) and every default was resolved by the parser: nothing
 * is re-applied here. Random choices (echo delay jitter) come from one
 * generator seeded with the run's seed, so one seed replays one schedule.
 *
 * Ownership: timeline_new borrows the scenario, which must outlive it.
 */
#ifndef PLCSIM_TIMELINE_H
#define PLCSIM_TIMELINE_H

#include <stddef.h>
#include <stdint.h>

#include "clock.h"
#include "scenario.h"
#include "wire.h"

/* Nothing more is planned. */
#define TIMELINE_NEVER UINT64_MAX

struct timeline;

/* An occurrence that begins or ends. */
struct tl_change {
	const struct scenario_action *a;
	size_t	 occ;		/* which occurrence, stably: 0 ..
				   timeline_count() - 1 */
	int	 begins;	/* 1: it begins; 0: it ends */
	tc_us_t	 start;		/* its planned window, since time 0 */
	tc_us_t	 end;		/* == start when instant or counted in frames */
};

/* What the timeline remembers of one connection's echoes. The caller zeroes
 * it for each new connection. */
struct tl_conn {
	int	have_echo_bit;
	int	echo_bit;		/* bit 0 of the last echo that left */
	uint8_t	held[WIRE_MAX_BYTES];	/* echo_merge: the echo held back */
	size_t	held_len;
	int	held_altered;		/* ... and it was altered */
};

/* What becomes of one echo. */
struct tl_echo {
	uint8_t	data[3 * WIRE_MAX_BYTES]; /* what leaves, in order */
	size_t	len;		/* bytes of data to send */
	int	untouched;	/* data is the frame, leaving now, whole */
	int	swallowed;	/* a black hole: nothing leaves */
	int	held;		/* echo_merge keeps it for the next echo */
	tc_us_t	delay;		/* before the first byte */
	int	drawn;		/* echo_delay drew `delay` from the seed */
	uint32_t pieces;	/* writes: 0 or 1, all in one */
	size_t	first;		/* bytes of the first write (0: the pieces
				   as even as can be) */
	tc_us_t	gap;		/* between two writes */
	/*
	 * An altered echo counts as injected once it is whole on the wire:
	 * after whole[i] bytes have left (0: nothing to count). Two when a
	 * held echo leaves with the next.
	 */
	size_t	whole[2];
};

/* NULL when memory is out. */
struct timeline *timeline_new(const struct scenario *sc, uint64_t seed);
void timeline_free(struct timeline *tl);

/*
 * The number of occurrences made so far (for callers that keep data per
 * occurrence): those planned by time, then one more for each event that
 * starts an action. It grows as events are told.
 */
size_t timeline_count(const struct timeline *tl);
/* 1 when memory ran out for an occurrence or a change: what was played is
 * not what the scenario says. */
int timeline_failed(const struct timeline *tl);

/*
 * Events that start actions (`when:`), told as they happen, `rel` since time
 * 0 and never going back. An action they start begins `after` later, or at
 * once; the caller then advances the timeline (timeline_echo does) to carry
 * it out. Each returns the number of occurrences it added.
 *
 * timeline_edge: a life-bit edge of any connection, rising (0 -> 1) or not.
 * timeline_frame: frame number `frame` (1: the one that served it) of the
 * `conn`-th connection served (1: the first).
 */
int timeline_edge(struct timeline *tl, tc_us_t rel, int rising);
int timeline_frame(struct timeline *tl, tc_us_t rel, uint32_t conn,
    uint32_t frame);

/*
 * Begins every occurrence whose start is <= rel and ends every windowed one
 * whose end is <= rel, queueing each change. Returns the next time worth
 * advancing to (TIMELINE_NEVER when nothing more is planned by time).
 */
tc_us_t timeline_advance(struct timeline *tl, tc_us_t rel);
/* Takes the oldest queued change: 1 and *out filled, or 0. */
int timeline_change(struct timeline *tl, struct tl_change *out);
/* 1 when a change is queued. */
int timeline_pending(const struct timeline *tl);

/*
 * The echo of `frame` (len bytes, at most WIRE_MAX_BYTES) leaves at `rel`
 * on connection `c`: fills *out. Echoes counted in frames are counted here;
 * an occurrence that has touched its last one ends (a queued change).
 */
void timeline_echo(struct timeline *tl, struct tl_conn *c, tc_us_t rel,
    const uint8_t *frame, size_t len, struct tl_echo *out);

/* How long a connection that arrived at `arrived` waits to be served. */
tc_us_t timeline_accept_wait(struct timeline *tl, tc_us_t arrived);
/* 1 while a black hole swallows everything. (The queries count what they
 * look at: see timeline_scanned.) */
int timeline_blackholed(struct timeline *tl, tc_us_t rel);
/* 1 while an occurrence of `kind` acts at `rel`. */
int timeline_acting(struct timeline *tl, enum scenario_action_kind kind,
    tc_us_t rel);

/*
 * How many occurrences the timeline has looked at so far, over all its
 * calls: what the tests bound, so that the work of one echo or one event
 * is seen to depend on the occurrences in force or pending, not on all
 * that ever were.
 */
size_t timeline_scanned(const struct timeline *tl);

#endif
