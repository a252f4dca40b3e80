/* events: the event log; see events.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "events.h"
#include "json.h"
#include "parse.h"

#define EVENTS_DEFAULT_CAPACITY 65536

/*
 * The current second of one kind of event, for the rate limit. A second
 * begins at the first event after the previous one ended; it is hot when the
 * second just before it had more than EVENTS_BURST events: the flood goes on,
 * and it prints none of its own.
 */
struct events_burst {
	int	 open;
	int	 hot;
	tc_us_t	 from;		/* its first event, since the start */
	tc_us_t	 hot_until;	/* a second that begins before this is hot */
	unsigned printed;	/* lines printed in it */
	uint64_t folded;	/* events counted instead of printed */
};

struct sim_events {
	tc_us_t		  start;
	FILE		 *text;
	int		  verbose;
	FILE		 *json;
	char		  json_path[256];	/* for messages */
	int		  json_errno;		/* the first write that failed */
	struct sim_event *ring;
	size_t		  alloc;	/* slots allocated, grows to capacity */
	size_t		  capacity;
	size_t		  first;	/* index of the oldest kept */
	size_t		  count;
	uint64_t	  dropped;
	struct events_burst burst[SIM_FOLD_MAX];	/* by fold */
};

static const struct {
	const char *name;
	const char *detail_key;	/* NULL: no detail */
	const char *value_key;	/* NULL: no value */
	int	    has_bit;
	int	    per_frame;
	int	    foldable;	/* one or so per connection: a flood folds */
} event_kinds[SIM_EV_TYPE_MAX] = {
	[SIM_EV_LISTEN] = { "listen", "address", NULL, 0, 0, 1 },
	[SIM_EV_RESTART] = { "restart", "reason", "window_us", 0, 0, 1 },
	[SIM_EV_CONNECT] = { "connect", "peer", NULL, 0, 0, 1 },
	[SIM_EV_WAITING] = { "waiting", "peer", NULL, 0, 0, 1 },
	[SIM_EV_DISCONNECT] = { "disconnect", "reason", "connected_us", 0, 0,
	    1 },
	[SIM_EV_REJECTED] = { "rejected", "peer", NULL, 0, 0, 1 },
	[SIM_EV_EDGE] = { "edge", NULL, "interval_us", 1, 0, 0 },
	[SIM_EV_WATCHDOG] = { "watchdog", NULL, "silent_us", 0, 0, 0 },
	[SIM_EV_RESUMED] = { "resumed", NULL, "silent_us", 0, 0, 0 },
	[SIM_EV_SHORT_READ] = { "short_read", NULL, "bytes", 0, 0, 1 },
	[SIM_EV_FRAME] = { "frame", "hex", NULL, 1, 1, 0 },
	[SIM_EV_ECHO] = { "echo", "hex", NULL, 0, 1, 0 },
	[SIM_EV_ERROR] = { "error", "message", NULL, 0, 0, 0 },
	[SIM_EV_INFO] = { "info", "message", NULL, 0, 0, 0 },
};

/* The folds that are not a type of event, as their flood lines name them. */
static const char *const fold_names[SIM_FOLD_MAX - SIM_EV_TYPE_MAX] = {
	[SIM_FOLD_PLC_MISMATCH - SIM_EV_TYPE_MAX] = "plc_mismatch",
	[SIM_FOLD_PLC_UNASKED - SIM_EV_TYPE_MAX] = "plc_unasked",
	[SIM_FOLD_PLC_LATE - SIM_EV_TYPE_MAX] = "plc_late",
	[SIM_FOLD_PLC_SILENT - SIM_EV_TYPE_MAX] = "plc_silent",
	[SIM_FOLD_PLC_UNREACHABLE - SIM_EV_TYPE_MAX] = "plc_unreachable",
	[SIM_FOLD_PLC_CLOSED - SIM_EV_TYPE_MAX] = "plc_closed",
	[SIM_FOLD_PLC_CONNECTED - SIM_EV_TYPE_MAX] = "plc_connected",
	[SIM_FOLD_PLC_KEPT_UP - SIM_EV_TYPE_MAX] = "plc_kept_up",
	[SIM_FOLD_PLC_BESIDE - SIM_EV_TYPE_MAX] = "plc_owed_beside",
};

static void events_fold_flush(struct sim_events *ev, tc_us_t t, int text);

static const char *
events_fold_name(int fold)
{
	return fold < SIM_EV_TYPE_MAX ? event_kinds[fold].name :
	    fold_names[fold - SIM_EV_TYPE_MAX];
}

struct sim_events *
events_new(tc_us_t start, size_t capacity)
{
	struct sim_events *ev;

	if ((ev = calloc(1, sizeof *ev)) == NULL)
		return NULL;
	ev->start = start;
	ev->capacity = capacity ? capacity : EVENTS_DEFAULT_CAPACITY;
	return ev;
}

void
events_free(struct sim_events *ev)
{
	if (ev == NULL)
		return;
	/* The text output may be closed by now; the JSON file is ours. */
	events_fold_flush(ev, events_since_start(ev, clock_now_us()), 0);
	if (ev->json != NULL)
		fclose(ev->json);
	free(ev->ring);
	free(ev);
}

void
events_set_text(struct sim_events *ev, FILE *out, int verbose)
{
	ev->text = out;
	ev->verbose = verbose;
}

int
events_open_json(struct sim_events *ev, const char *path, char *err,
    size_t errlen)
{
	FILE *f;

	if ((f = fopen(path, "w")) == NULL) {
		snprintf(err, errlen, "cannot write events to '%s': %s", path,
		    strerror(errno));
		return -1;
	}
	setvbuf(f, NULL, _IOLBF, 0);
	if (ev->json != NULL)
		fclose(ev->json);
	ev->json = f;
	snprintf(ev->json_path, sizeof ev->json_path, "%s", path);
	return 0;
}

int
events_close_json(struct sim_events *ev, char *err, size_t errlen)
{
	int bad;

	if (ev->json == NULL)
		return 0;
	events_fold_flush(ev, events_since_start(ev, clock_now_us()), 0);
	/* Any write that failed on the way leaves the stream in error. */
	bad = fflush(ev->json) != 0 || ferror(ev->json);
	if (bad && ev->json_errno == 0)
		ev->json_errno = errno;
	if (fclose(ev->json) != 0) {
		if (!bad)
			ev->json_errno = errno;
		bad = 1;
	}
	ev->json = NULL;
	if (bad) {
		snprintf(err, errlen, "cannot write events to '%s': %s",
		    ev->json_path, ev->json_errno != 0 ?
		    strerror(ev->json_errno) : "write error");
		return -1;
	}
	return 0;
}

int
events_want_frames(const struct sim_events *ev)
{
	return ev->verbose >= 2;
}

tc_us_t
events_since_start(const struct sim_events *ev, tc_us_t now)
{
	return now > ev->start ? now - ev->start : 0;
}

const char *
events_type_name(enum sim_event_type type)
{
	return type < SIM_EV_TYPE_MAX ? event_kinds[type].name : "?";
}

static void
events_keep(struct sim_events *ev, const struct sim_event *e)
{
	size_t slot;

	if (ev->count == ev->alloc && ev->alloc < ev->capacity) {
		size_t n = ev->alloc ? ev->alloc * 2 : 256;
		struct sim_event *r;

		if (n > ev->capacity)
			n = ev->capacity;
		/* The ring has not wrapped yet: first is 0, a plain copy. */
		if ((r = realloc(ev->ring, n * sizeof *r)) != NULL) {
			ev->ring = r;
			ev->alloc = n;
		}
	}
	if (ev->alloc == 0) {
		ev->dropped++;
		return;
	}
	if (ev->count == ev->alloc) {
		ev->first = (ev->first + 1) % ev->alloc;
		ev->count--;
		ev->dropped++;
	}
	slot = (ev->first + ev->count) % ev->alloc;
	ev->ring[slot] = *e;
	ev->count++;
}

/* A connection's first life-bit edge has no interval: said as "first". */
static int
events_first_edge(const struct sim_event *e)
{
	return e->type == SIM_EV_EDGE && strcmp(e->detail, "first") == 0;
}

static void
events_print(struct sim_events *ev, const struct sim_event *e)
{
	const char *dk = event_kinds[e->type].detail_key;
	const char *vk = event_kinds[e->type].value_key;

	if (ev->text != NULL) {
		fprintf(ev->text, "%4llu.%06llu %s",
		    (unsigned long long)(e->t / TC_US_PER_SEC),
		    (unsigned long long)(e->t % TC_US_PER_SEC),
		    event_kinds[e->type].name);
		if (e->conn != 0)
			fprintf(ev->text, " conn=%u", e->conn);
		if (event_kinds[e->type].has_bit)
			fprintf(ev->text, " bit=%d", e->bit);
		if (events_first_edge(e))
			fputs(" first", ev->text);
		else if (vk != NULL)
			fprintf(ev->text, " %s=%llu", vk,
			    (unsigned long long)e->value);
		if (dk != NULL && e->detail[0] != '\0')
			fprintf(ev->text, " %s=%s", dk, e->detail);
		fputc('\n', ev->text);
	}
	if (ev->json != NULL) {
		fprintf(ev->json, "{\"t\":%llu.%06llu,\"event\":\"%s\"",
		    (unsigned long long)(e->t / TC_US_PER_SEC),
		    (unsigned long long)(e->t % TC_US_PER_SEC),
		    event_kinds[e->type].name);
		if (e->conn != 0)
			fprintf(ev->json, ",\"conn\":%u", e->conn);
		if (event_kinds[e->type].has_bit)
			fprintf(ev->json, ",\"bit\":%d", e->bit);
		if (vk != NULL)
			fprintf(ev->json, ",\"%s\":%llu", vk,
			    (unsigned long long)e->value);
		if (events_first_edge(e))
			fputs(",\"first\":true", ev->json);
		if (dk != NULL) {
			fprintf(ev->json, ",\"%s\":", dk);
			json_string(ev->json, e->detail);
		}
		if (fputs("}\n", ev->json) == EOF && ev->json_errno == 0)
			ev->json_errno = errno;
	}
}

/*
 * Writes one line counting `count` events of `fold` folded over `span`: to
 * the JSON output, and to the text output too when `text`.
 */
static void
events_print_folded(struct sim_events *ev, tc_us_t t, int fold,
    uint64_t count, tc_us_t span, int text)
{
	char d[32];

	if (text && ev->text != NULL) {
		format_duration(span, d, sizeof d);
		fprintf(ev->text, "%4llu.%06llu flood kind=%s count=%llu in %s\n",
		    (unsigned long long)(t / TC_US_PER_SEC),
		    (unsigned long long)(t % TC_US_PER_SEC),
		    events_fold_name(fold), (unsigned long long)count, d);
	}
	if (ev->json != NULL)
		fprintf(ev->json, "{\"t\":%llu.%06llu,\"event\":\"flood\","
		    "\"kind\":\"%s\",\"count\":%llu,\"span_us\":%llu}\n",
		    (unsigned long long)(t / TC_US_PER_SEC),
		    (unsigned long long)(t % TC_US_PER_SEC),
		    events_fold_name(fold), (unsigned long long)count,
		    (unsigned long long)span);
}

/* Ends the second of `fold` at `t`: its count, then whether a flood goes on. */
static void
events_fold_end(struct sim_events *ev, int fold, tc_us_t t, int text)
{
	struct events_burst *b = &ev->burst[fold];

	if (b->folded > 0)
		events_print_folded(ev, t, fold, b->folded,
		    t > b->from ? t - b->from : 0, text);
	b->hot_until = b->printed + b->folded > EVENTS_BURST ?
	    t + EVENTS_BURST_US : 0;
	b->open = 0;
}

/* Ends every second that is over at `t`, oldest first, stamped at its end. */
static void
events_fold_close(struct sim_events *ev, tc_us_t t, int text)
{
	struct events_burst *b;
	int i, oldest;

	for (;;) {
		oldest = -1;
		for (i = 0; i < SIM_FOLD_MAX; i++) {
			b = &ev->burst[i];
			if (b->open && t >= b->from + EVENTS_BURST_US &&
			    (oldest < 0 || b->from < ev->burst[oldest].from))
				oldest = i;
		}
		if (oldest < 0)
			return;
		events_fold_end(ev, oldest,
		    ev->burst[oldest].from + EVENTS_BURST_US, text);
	}
}

/* Writes what every kind folded so far, at `t`. */
static void
events_fold_flush(struct sim_events *ev, tc_us_t t, int text)
{
	int i;

	events_fold_close(ev, t, text);
	for (i = 0; i < SIM_FOLD_MAX; i++)
		if (ev->burst[i].open)
			events_fold_end(ev, i, t, text);
}

/*
 * 1 when `e` is printed, 0 when it is only counted (a flood of its fold).
 * fold: its type's, or one of enum sim_event_fold.
 */
static int
events_fold_admit(struct sim_events *ev, const struct sim_event *e, int fold)
{
	struct events_burst *b = &ev->burst[fold];

	if (fold < SIM_EV_TYPE_MAX && !event_kinds[fold].foldable)
		return 1;
	if (!b->open) {
		b->open = 1;
		b->hot = e->t < b->hot_until;
		b->from = e->t;
		b->printed = 0;
		b->folded = 0;
	}
	if (!b->hot && b->printed < EVENTS_BURST) {
		b->printed++;
		return 1;
	}
	b->folded++;
	return 0;
}

void
events_tick(struct sim_events *ev, tc_us_t now)
{
	events_fold_close(ev, events_since_start(ev, now), 1);
}

void
events_flush(struct sim_events *ev, tc_us_t now)
{
	events_fold_flush(ev, events_since_start(ev, now), 1);
}

static void events_vadd(struct sim_events *, tc_us_t, enum sim_event_type,
    int, unsigned, int, uint64_t, const char *, va_list)
    __attribute__((format(printf, 8, 0)));

static void
events_vadd(struct sim_events *ev, tc_us_t now, enum sim_event_type type,
    int fold, unsigned conn, int bit, uint64_t value, const char *fmt,
    va_list ap)
{
	struct sim_event e;

	if (type >= SIM_EV_TYPE_MAX || fold < 0 || fold >= SIM_FOLD_MAX)
		return;
	if (event_kinds[type].per_frame && !events_want_frames(ev))
		return;
	memset(&e, 0, sizeof e);
	e.t = events_since_start(ev, now);
	e.type = type;
	e.conn = conn;
	e.bit = bit;
	e.value = value;
	if (fmt != NULL)
		vsnprintf(e.detail, sizeof e.detail, fmt, ap);
	if (!event_kinds[type].per_frame)
		events_keep(ev, &e);
	events_fold_close(ev, e.t, 1);
	if (events_fold_admit(ev, &e, fold))
		events_print(ev, &e);
}

void
events_add(struct sim_events *ev, tc_us_t now, enum sim_event_type type,
    unsigned conn, int bit, uint64_t value, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	events_vadd(ev, now, type, (int)type, conn, bit, value, fmt, ap);
	va_end(ap);
}

void
events_add_as(struct sim_events *ev, tc_us_t now, enum sim_event_type type,
    int fold, unsigned conn, int bit, uint64_t value, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	events_vadd(ev, now, type, fold, conn, bit, value, fmt, ap);
	va_end(ap);
}

void
events_json_raw(struct sim_events *ev, const char *json)
{
	if (ev->json != NULL && fprintf(ev->json, "%s\n", json) < 0 &&
	    ev->json_errno == 0)
		ev->json_errno = errno;
}

size_t
events_count(const struct sim_events *ev)
{
	return ev->count;
}

const struct sim_event *
events_get(const struct sim_events *ev, size_t i)
{
	if (i >= ev->count)
		return NULL;
	return &ev->ring[(ev->first + i) % ev->alloc];
}

uint64_t
events_dropped(const struct sim_events *ev)
{
	return ev->dropped;
}
