/*
 * play: one scenario, played once. It owns an emulated PLC (server.h) on a
 * free port of 127.0.0.1 (or the address given), the engine that plays the
 * timeline, and, for `plcsim run`, the client command it starts and stops.
 * At the end it judges the run (expect.h).
 *
 * The end comes when the scenario's duration has passed since time 0, when
 * no client connected within the start-up timeout, when the client exits
 * before the end, or on SIGINT/SIGTERM. The client is then sent SIGTERM, and
 * SIGKILL after the grace period if it has not stopped (a hung client).
 */
#ifndef PLCSIM_PLAY_H
#define PLCSIM_PLAY_H

#include <stdint.h>
#include <stdio.h>

#include "child.h"
#include "events.h"
#include "expect.h"
#include "facts.h"
#include "scenario.h"

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
};

struct play_result {
	struct facts	  facts;
	struct verdict	  verdict;
	double		  seconds;	/* wall time of the run */
	struct sim_events *events;	/* the event log, for reports */
	char		 *output;	/* the client's captured output */
	size_t		  output_len;
	char		  reason[256];	/* why the run ended early; "" */
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
