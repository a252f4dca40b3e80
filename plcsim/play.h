/*
 * play: one scenario, played once. It owns an emulated PLC (server.h) on a
 * free port of 127.0.0.1 (or the address given), the engine that plays the
 * timeline, and, for `plcsim run`, the client command it starts and stops.
 * At the end it judges the run (expect.h).
 *
 * The end comes when the scenario's duration has passed since time 0, when
 * no client connected within the start-up timeout, when the client exits
 * before the end, or on SIGINT, SIGTERM or SIGHUP. The client's process
 * group is then sent SIGTERM, and SIGKILL after the grace period if any of
 * it is left (a hung client). The signal handlers are in place before
 * "listening on" is printed; SIGUSR1 prints the PLC's summary when serving
 * a client started elsewhere.
 */
#ifndef PLCSIM_PLAY_H
#define PLCSIM_PLAY_H

#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "child.h"
#include "events.h"
#include "expect.h"
#include "facts.h"
#include "plc.h"
#include "scenario.h"
#include "upstream.h"

struct play_options {
	const struct scenario *sc;
	uint64_t	seed;		/* the scenario's, or --seed */
	const char     *listen_host;	/* "127.0.0.1" unless told */
	uint16_t	listen_port;	/* 0: a free port */
	char	      **client_argv;	/* NULL: serve a client started elsewhere */
	const char     *stats_path;	/* replaces {stats} */
	tc_us_t		grace;		/* SIGTERM to SIGKILL */
	FILE	       *text;		/* event lines; NULL: none */
	int		verbose;
	const char     *events_path;	/* JSON lines; NULL: none */
	int		print_listening; /* print "listening on HOST:PORT" */
	int		recv_timeout_set; /* recv_timeout overrides the
					   scenario's plc.recv_timeout */
	tc_us_t		recv_timeout;
	unsigned	max_open;	/* 0: automatic */
	tc_us_t		status_every;	/* a status line on stdout; 0: none */
	/*
	 * `plcsim proxy` and `run --upstream`: the real PLC behind the
	 * listener (NULL: the emulated PLC). The scenario must apply in front
	 * of it (plcjudge_applies); its echoes are judged too (facts.plc).
	 */
	const struct upstream_addr *upstream;
	tc_us_t		plc_late;	/* a PLC echo slower is late */
	tc_us_t		plc_connect_timeout;
	const char     *metrics_host;	/* the same over HTTP; NULL: none */
	uint16_t	metrics_port;
	/* Told the client's pid, also its process group's id, once started. */
	void	      (*client_started)(pid_t pid, void *arg);
	void	       *client_arg;
};

struct play_result {
	struct facts	  facts;
	struct verdict	  verdict;
	double		  seconds;	/* wall time of the run */
	struct sim_events *events;	/* the event log, for reports */
	char		 *output;	/* the client's captured output */
	size_t		  output_len;
	char		  reason[256];	/* why the run ended early; "" */
	int		  signo;	/* the signal that cut it short; 0 */
	struct plc_cycle_stats cycle;	/* how late the PLC's task ran */
};

/*
 * Plays the scenario. Returns 0 when it could be played (the verdict says
 * whether it passed), or -1 with a message in err (the address cannot be
 * listened on, the client cannot be started). `res` is the caller's, to be
 * released with play_result_free in either case.
 */
int play_run(const struct play_options *o, struct play_result *res,
    char *err, size_t errlen);
void play_result_free(struct play_result *res);

#endif
