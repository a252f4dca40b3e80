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
};

/*
 * Starts the status lines and the HTTP endpoint. NULL with a message in
 * err when the metrics address cannot be listened on or memory is out.
 */
struct monitor *monitor_new(struct sim_loop *loop,
    const struct monitor_config *cfg, monitor_fill_cb fill, void *arg,
    char *err, size_t errlen);
/* NULL is allowed. */
void monitor_free(struct monitor *m);

#endif
