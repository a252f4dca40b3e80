/*
 * events: what happened, with times since the start.
 *
 * Each event is printed as a text line (stdout, unless quiet), written as a
 * JSON line to the --events file, and kept in memory so that a caller can
 * judge a run afterwards. Memory is bounded: the newest `capacity` events
 * are kept, older ones are counted as dropped. Per-frame events are only
 * printed and written at -vv and never kept.
 *
 * A flood of connections must not fill the disk. Of the kinds that come
 * once or so per connection (listen, restart, connect, waiting, disconnect,
 * rejected, short_read), the first EVENTS_BURST of a second are printed and
 * written; the rest of that second are counted, and one "flood" line with
 * the kind and the count is written when the second is over (at the next
 * event) or at events_flush. While the flood goes on (each second more than
 * EVENTS_BURST), only that line is written, once a second; a second with
 * fewer ends it. Every event is still kept in memory, each one.
 *
 * Some lines are not a kind of event of their own but fold as one, each
 * kind apart from the others (events_add_as): the real PLC's faults behind
 * a proxy, which can come with every echo of a faulty PLC, and the proxy's
 * lines that come once a connection.
 */
#ifndef PLCSIM_EVENTS_H
#define PLCSIM_EVENTS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "clock.h"

enum sim_event_type {
	SIM_EV_LISTEN = 0,	/* listener open; detail: address */
	SIM_EV_RESTART,		/* error path; value: window; detail: reason */
	SIM_EV_CONNECT,		/* a connection is served; detail: peer */
	SIM_EV_WAITING,		/* taken from the backlog at a restart; detail: peer */
	SIM_EV_DISCONNECT,	/* value: time connected; detail: reason */
	SIM_EV_REJECTED,	/* over the connection limit; detail: peer */
	SIM_EV_EDGE,		/* bit: new value; value: interval; detail
				   "first" (value 0) for a connection's first */
	SIM_EV_WATCHDOG,	/* value: silence so far */
	SIM_EV_RESUMED,		/* the life bit moves again; value: silence */
	SIM_EV_SHORT_READ,	/* value: bytes received */
	SIM_EV_FRAME,		/* -vv only; bit: bit 0; detail: hex */
	SIM_EV_ECHO,		/* -vv only; detail: hex */
	SIM_EV_ERROR,		/* detail: message */
	SIM_EV_INFO,		/* anything else worth a line; detail: text */
	SIM_EV_TYPE_MAX
};

/* What a line folds with: its type, or one of these (events_add_as). */
enum sim_event_fold {
	SIM_FOLD_PLC_MISMATCH = SIM_EV_TYPE_MAX, /* an echo unlike its frame */
	SIM_FOLD_PLC_UNASKED,	/* an echo with no frame to answer */
	SIM_FOLD_PLC_LATE,	/* an echo later than --plc-late */
	SIM_FOLD_PLC_SILENT,	/* a connection ended with an echo owed */
	SIM_FOLD_PLC_UNREACHABLE, /* a connection to the PLC not taken */
	SIM_FOLD_PLC_CLOSED,	/* ... or closed, or reset, by the PLC */
	/* The proxy's lines that come once a connection, as connects do. */
	SIM_FOLD_PLC_CONNECTED,	/* its PLC side connected */
	SIM_FOLD_PLC_KEPT_UP,	/* its PLC side kept up behind a cut */
	SIM_FOLD_PLC_BESIDE,	/* echoes owed beside another connection */
	SIM_FOLD_MAX
};

#define SIM_EVENT_DETAIL 64
/* Lines of one foldable kind written per EVENTS_BURST_US; the rest counted. */
#define EVENTS_BURST 10
#define EVENTS_BURST_US TC_US_PER_SEC

struct sim_event {
	tc_us_t			t;	/* since the start */
	enum sim_event_type	type;
	unsigned		conn;	/* 0: not about a connection */
	int			bit;
	uint64_t		value;
	char			detail[SIM_EVENT_DETAIL];
};

struct sim_events;

/* Times are counted from `start`. capacity 0: a default (65536). */
struct sim_events *events_new(tc_us_t start, size_t capacity);
void events_free(struct sim_events *ev);

/* Text lines to `out` (NULL: none); frames too when verbose >= 2. */
void events_set_text(struct sim_events *ev, FILE *out, int verbose);
/* JSON lines to a new file at `path`; -1 and a message in err on failure. */
int events_open_json(struct sim_events *ev, const char *path, char *err,
    size_t errlen);
/*
 * Writes what is pending and closes the JSON output: -1 and a message when
 * any line of it could not be written (a full disk), so that a run whose
 * record is incomplete does not end as if it were whole.
 */
int events_close_json(struct sim_events *ev, char *err, size_t errlen);
/* 1 when per-frame events are wanted by some output (avoid the work). */
int events_want_frames(const struct sim_events *ev);

void events_add(struct sim_events *ev, tc_us_t now, enum sim_event_type type,
    unsigned conn, int bit, uint64_t value, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));
/*
 * The same, folded as `fold` (an enum sim_event_type whose lines fold, or
 * an enum sim_event_fold) rather than as its type; the flood line names
 * the fold ("plc_mismatch").
 */
void events_add_as(struct sim_events *ev, tc_us_t now,
    enum sim_event_type type, int fold, unsigned conn, int bit,
    uint64_t value, const char *fmt, ...)
    __attribute__((format(printf, 8, 9)));
/*
 * Writes the counts of events folded so far, and starts counting afresh.
 * Call it before the last lines (the summary) and while the text output is
 * still open; events_free writes what is left to the JSON file only.
 */
void events_flush(struct sim_events *ev, tc_us_t now);
/* Writes the count of every flood second that is over by `now`: called
 * often (the task cycle does), a flood's last count is never late by more
 * than that. */
void events_tick(struct sim_events *ev, tc_us_t now);
/* Writes a raw JSON object (one line, no newline) to the JSON output. */
void events_json_raw(struct sim_events *ev, const char *json);

tc_us_t events_since_start(const struct sim_events *ev, tc_us_t now);
const char *events_type_name(enum sim_event_type type);
/* Events kept in memory, oldest first. */
size_t events_count(const struct sim_events *ev);
const struct sim_event *events_get(const struct sim_events *ev, size_t i);
uint64_t events_dropped(const struct sim_events *ev);

#endif
