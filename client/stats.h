/*
 * stats: the client's counters and timing histograms, shared by the sender,
 * the toggler and the thread that reports them, under one lock. The names
 * come from TCPCOM_COUNTERS in tcpcom.h, written once.
 */
#ifndef TCPCOM_STATS_H
#define TCPCOM_STATS_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "clock.h"
#include "hist.h"
#include "tcpcom.h"

enum stat_counter {
#define STAT_ENUM(name, doc) STAT_##name,
	TCPCOM_COUNTERS(STAT_ENUM)
#undef STAT_ENUM
	STAT_MAX
};

struct stats {
	pthread_mutex_t lock;
	uint64_t	counters[STAT_MAX];
	struct hist	rtt;
	struct hist	late;
	tc_us_t		start_us;
	tc_us_t		down_since_us;	/* valid while !up */
	tc_us_t		down_total_us;
	int		up;
};

void stats_init(struct stats *st, tc_us_t now);
void stats_destroy(struct stats *st);

void stats_inc(struct stats *st, enum stat_counter c);
void stats_add(struct stats *st, enum stat_counter c, uint64_t n);
/* A frame sent, and the cycles skipped before it: one lock for both. */
void stats_frame_sent(struct stats *st, uint64_t skipped);
/* One echo received (`outcome`: STAT_echoes_ok or STAT_mismatches): its
 * round-trip time and how late its frame left. */
void stats_exchange(struct stats *st, tc_us_t rtt_us, tc_us_t late_us,
    enum stat_counter outcome);
void stats_link_up(struct stats *st, tc_us_t now);
/* The link was lost (counted in disconnects), or closed at a stop (not). */
void stats_link_down(struct stats *st, tc_us_t now);
void stats_link_closed(struct stats *st, tc_us_t now);

void stats_snapshot(struct stats *st, tc_us_t now, struct tcpcom_stats *out);

/* The one-line status: "up frames=... ok=... rtt p50=...". */
void stats_format_line(const struct tcpcom_stats *s, char *out, size_t outlen);
/* The multi-line summary printed at exit, into a FILE. */
void stats_print_summary(const struct tcpcom_stats *s, void *file);

/*
 * Writes the statistics in the Prometheus text exposition format (for
 * node_exporter's textfile collector) to `path`, atomically and only over a
 * regular file, as tcpcom_write_stats_json does. `running`: tcpcom_up's
 * value, 1 while the client runs, 0 at its exit. 0, or -1 with errno set.
 */
int stats_write_prom(const struct tcpcom_stats *st,
    const struct tcpcom_config *cfg, const char *path, int running);

/*
 * Whether tcpcom_write_stats_json or stats_write_prom may replace what is
 * at `path`: 0 when nothing or a regular file is there; -1 with a message
 * in `err` and errno ELOOP (a symbolic link), EISDIR (a directory) or
 * EEXIST (a FIFO, a socket, a device) otherwise.
 */
int stats_json_target_check(const char *path, char *err, size_t errlen);

#endif
