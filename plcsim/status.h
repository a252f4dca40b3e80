/*
 * status: what the engineer at the machine sees while plcsim serves, as
 * plain figures filled by whoever serves (the emulated PLC and its
 * scenario engine: server_status, engine_status; a proxy its own), and
 * written two ways: one line of text for a person, and the Prometheus text
 * exposition format for a plant's dashboard. Pure: no clock, no socket.
 *
 * The line, after the time since the start as on the event lines:
 *
 *   12.500000 status scenario=2.5s/30s link=up clients=1 frames=25
 *       echoes=25 lifebit_interval=500ms watchdog_left=1.5s
 *       faults=echo_delay
 *
 * scenario= is there when one is played (`waiting` before time 0, `over`
 * after its end); lifebit_interval is the latest interval between two
 * edges of one connection (`none` before the first); watchdog_left is the
 * time before the watchdog fires (`off`, `idle` before a client was
 * served, `fired` while the silence lasts); faults lists those in force
 * (`none`). Before a real PLC (plcsim proxy) the PLC's side follows the
 * echoes, since time 0: plc_echoes, plc_faults (mismatched, late,
 * unasked, silent, unreachable, closed) and the median round trip plc_rtt
 * (`none` before the first).
 */
#ifndef PLCSIM_STATUS_H
#define PLCSIM_STATUS_H

#include <stddef.h>
#include <stdint.h>

#include "clock.h"

/* More than there are kinds of action: each is listed once. */
#define STATUS_MAX_FAULTS 32

enum status_link {
	STATUS_LINK_DOWN = 0,	/* listening, no client served */
	STATUS_LINK_UP,		/* a client is served */
	STATUS_LINK_RESTARTING,	/* the error path: the listener is closed */
	STATUS_LINK_MAX
};

enum status_watchdog {
	STATUS_WD_OFF = 0,
	STATUS_WD_IDLE,		/* not watching yet: nobody was served */
	STATUS_WD_ARMED,	/* watchdog_t: the time left before it fires */
	STATUS_WD_FIRED		/* watchdog_t: how long bit 0 has been still */
};

/* What a real PLC behind a proxy did wrong, by kind (facts.h). */
enum status_plc_fault {
	STATUS_PLC_MISMATCH = 0, STATUS_PLC_LATE, STATUS_PLC_UNASKED,
	STATUS_PLC_SILENT, STATUS_PLC_UNREACHABLE, STATUS_PLC_CLOSED,
	STATUS_PLC_FAULT_MAX
};

/* A kind of fault the scenario plays, and whether it acts now. */
struct status_fault {
	const char *name;	/* the action's name: static */
	int	    active;
};

struct status {
	tc_us_t		     uptime;	/* since plcsim started */
	enum status_link     link;
	unsigned	     clients;	/* served now */
	uint64_t	     connections; /* served, ever */
	uint64_t	     disconnects;
	uint64_t	     frames;	/* received (whole or short) */
	uint64_t	     echoes;	/* sent */
	uint64_t	     edges;	/* bit-0 edges */
	int		     have_interval;
	tc_us_t		     last_interval; /* the latest between two edges */
	enum status_watchdog watchdog;
	tc_us_t		     watchdog_timeout;
	tc_us_t		     watchdog_t;
	uint64_t	     watchdogs;	/* times it fired */

	/* A scenario played: the rest means something. */
	int		     scenario;
	const char	    *scenario_name;	/* borrowed */
	int		     started;	/* time 0 has passed */
	int		     ended;	/* its duration too */
	tc_us_t		     time;	/* since time 0 */
	tc_us_t		     duration;
	struct status_fault  faults[STATUS_MAX_FAULTS];
	size_t		     nfaults;

	/* A real PLC behind a proxy, since time 0: the rest means something. */
	int		     plc;
	uint64_t	     plc_frames;	/* handed to it */
	uint64_t	     plc_echoes;	/* whole echoes from it */
	uint64_t	     plc_faults[STATUS_PLC_FAULT_MAX];
	uint64_t	     plc_rtts;		/* round trips measured */
	tc_us_t		     plc_rtt_p50, plc_rtt_p99, plc_rtt_max;
};

const char *status_link_name(enum status_link link);

/*
 * The status line (with its time column and newline) into buf; returns
 * the length it needed, as snprintf does.
 */
size_t status_line(const struct status *s, char *buf, size_t len);
/*
 * The figures in the Prometheus text format, every metric with its HELP
 * and TYPE lines (prefix plcsim_); returns the length it needed, as
 * snprintf does (STATUS_PROM_MAX is always enough).
 */
#define STATUS_PROM_MAX 16384
size_t status_prom(const struct status *s, char *buf, size_t len);

#endif
