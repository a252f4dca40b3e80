/*
 * monitor: the live view of a serving plcsim, for the engineer at the
 * machine and for a plant's dashboard during a long test: a status line
 * (status.h) every `every` on `out`, and, with a metrics address, the same
 * figures over HTTP in the Prometheus text format (httpd.h), at
 * GET /metrics.
 *
 * It keeps no figure of its own: each time it asks `fill`, which reads the
 * counters where they are kept (server_status, engine_status), so that
 * whatever serves (the emulated PLC, with or without a scenario, or a
 * proxy in front of a real PLC) can feed it with plain figures.
 *
 * Ownership: monitor_new borrows the loop and `out`, which must outlive
 * it; monitor_free closes the HTTP endpoint and stops the timer.
 */
#ifndef PLCSIM_MONITOR_H
#define PLCSIM_MONITOR_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "clock.h"
#include "loop.h"
#include "status.h"

/* Fills `out` (zeroed by the monitor) with the figures at `now`. */
typedef void (*monitor_fill_cb)(void *arg, tc_us_t now, struct status *out);

struct monitor_config {
	FILE	   *out;		/* status lines; NULL: none */
	tc_us_t	    every;		/* between status lines; 0: none */
	const char *metrics_host;	/* NULL: no HTTP endpoint */
	uint16_t    metrics_port;	/* 0: a free port */
};

/* Where the metrics are served, as an option gives it. */
struct monitor_addr {
	char	 host[256];	/* "": every address */
	uint16_t port;		/* 0: a free one */
	int	 set;		/* the option was given */
};

/*
 * Reads `--metrics [HOST:]PORT` into a struct monitor_addr (`field`), in
 * the form of a command-line table's custom parser (cli.h): a port alone
 * is on 127.0.0.1, the loopback, as the emulator listens by default.
 */
int monitor_parse_addr(const char *value, void *field, char *err,
    size_t errlen);
/* The status line's interval unless one is given: every 5 s when standard
 * output is a terminal and `quiet` is not set, else none (0). */
tc_us_t monitor_default_every(int quiet);

/*
 * Starts the status lines and the HTTP endpoint. NULL with a message in
 * err when the metrics address cannot be listened on or memory is out.
 */
struct monitor *monitor_new(struct sim_loop *loop,
    const struct monitor_config *cfg, monitor_fill_cb fill, void *arg,
    char *err, size_t errlen);
/* "host:port" the metrics are served on, or NULL when they are not (or
 * m is NULL). */
const char *monitor_metrics_address(const struct monitor *m);
/* NULL is allowed. */
void monitor_free(struct monitor *m);

#endif
