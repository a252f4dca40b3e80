/*
 * run: the scenario harness, `plcsim run ... SCENARIO... -- CMD...`, and
 * `plcsim serve SCENARIO`, which plays one scenario for a client started
 * elsewhere and prints the verdict.
 */
#ifndef PLCSIM_RUN_H
#define PLCSIM_RUN_H

#include <stdint.h>

#include "clock.h"
#include "upstream.h"

/*
 * `plcsim run`: 0 all passed, 1 any failed, 2 usage or scenario errors,
 * 3 an internal or I/O error, 128 + N interrupted by signal N.
 */
int run_main(int argc, char **argv);

/* What `plcsim serve` passes on to a scenario it serves. */
struct serve_scenario {
	const char     *file;
	const char     *host;
	uint16_t	port;
	int		verbose;	/* -1 quiet, 0, 1, 2 (every frame) */
	const char     *events_path;	/* NULL: none */
	int		recv_timeout_set; /* overrides plc.recv_timeout */
	tc_us_t		recv_timeout;
	unsigned	max_open;	/* 0: automatic */
	tc_us_t		status_every;	/* status lines; 0: none */
	const char     *html_path;	/* the report to sign; NULL: none */
	int		argc;		/* the command line, for its record */
	char	      **argv;
	/* `plcsim proxy`: the real PLC behind (NULL: serve as the PLC). */
	const struct upstream_addr *upstream;
	tc_us_t		plc_late;
	tc_us_t		plc_connect_timeout;
	const char     *metrics_host;	/* Prometheus figures; NULL: none */
	uint16_t	metrics_port;
};

/*
 * `plcsim serve SCENARIO`: plays the scenario for a client started
 * elsewhere (a factory acceptance test) on host:port, prints what happens
 * and, at the end (its duration after the first connection, or SIGINT,
 * SIGTERM or SIGHUP), the verdict. 0 when it passed, 1 when it failed, 2
 * when the file is not a valid scenario, 3 when it could not be played
 * (the address cannot be listened on) or its HTML report could not be
 * written. As `plcsim proxy` (upstream set) it
 * refuses a scenario that cannot apply in front of a real PLC (2), prints
 * the PLC's figures after the verdict, and exits 4 when the PLC failed.
 */
int run_serve_scenario(const struct serve_scenario *s);

#endif
