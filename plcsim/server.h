/*
 * server: the emulated PLC on the network. It ties the pure TwinCAT model
 * (plc.h) and the life-bit monitor (lifemon.h) to the listener and the
 * sessions, drives the task cycle from a timer, and records events.
 *
 * Hooks let a scenario engine change what the PLC does without touching
 * this file's logic: every echo passes through hooks.echo before it is
 * queued, every received frame is shown to hooks.frame, and the engine can
 * drop a connection, restart the PLC, change the cycle or pause a session.
 *
 * With an upstream (sim_server_config.upstream) the server is a proxy
 * before a real PLC instead: the echoes come from the PLC's connections
 * (upstream.h, relay.h) and go through the same hooks; hooks.forward,
 * plc_echo and plc_end let the engine act on the way up and judge the PLC.
 */
#ifndef PLCSIM_SERVER_H
#define PLCSIM_SERVER_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "clock.h"
#include "events.h"
#include "lifemon.h"
#include "listener.h"
#include "loop.h"
#include "plc.h"
#include "relay.h"
#include "session.h"
#include "status.h"
#include "upstream.h"

struct sim_server_config {
	char	 host[256];	/* "" is every address */
	uint16_t port;		/* 0: a free port */
	tc_us_t	 cycle_us;	/* PLC task cycle; 0: answer at once */
	unsigned length_bits;	/* frame length */
	unsigned max_clients;	/* served at once */
	tc_us_t	 relisten_us;	/* listener closed this long on the error path */
	tc_us_t	 watchdog_us;	/* life-bit watchdog (0: off) */
	tc_us_t	 recv_timeout_us; /* TwinCAT receive timeout (0: off) */
	unsigned max_open;	/* open connections at most (0: automatic) */
	int	 backlog;	/* listen(2) backlog */
	/*
	 * A proxy in front of a real PLC instead of an emulated one: each
	 * served connection gets one of its own to the PLC, whole frames go
	 * up at once and the PLC's bytes, cut into echoes, come down through
	 * hooks.echo as the model's would. The model then only counts
	 * stations (max_clients); the PLC's cycle, error path and receive
	 * timeout are the real PLC's. NULL: the emulated PLC.
	 */
	const struct upstream_addr *upstream;
	tc_us_t	 upstream_timeout_us;	/* to connect to the PLC */
	tc_us_t	 upstream_retry_us;	/* its refusals retried this long */
};

/* The counters, written once (name, meaning). */
#define SIM_COUNTERS(X)							\
	X(connections,	"connections served")				\
	X(disconnects,	"served connections that ended")		\
	X(rejected,	"accepted and closed at once: over the limit")	\
	X(waited,	"taken from the backlog at a restart")		\
	X(left_waiting,	"closed by the peer while waiting")		\
	X(restarts,	"error paths: listener closed and reopened")	\
	X(timeouts,	"receive timeouts")				\
	X(frames,	"receive steps that took bytes")		\
	X(short_reads,	"receive steps with less than a frame")		\
	X(echoes,	"echoes sent")					\
	X(bytes_in,	"bytes taken from clients")			\
	X(bytes_out,	"bytes echoed")					\
	X(stalls,	"cycles a station waited on a peer not reading")\
	X(max_clients,	"most clients served at once")

struct sim_counters {
#define SIM_COUNTER_FIELD(name, text) uint64_t name;
	SIM_COUNTERS(SIM_COUNTER_FIELD)
#undef SIM_COUNTER_FIELD
};

struct sim_server;
struct sim_conn;

/* Hooks for a scenario engine; any of them may be NULL. */
struct sim_hooks {
	/*
	 * An echo is about to be queued on `conn`. Return 0 to let it go
	 * as is; return 1 when the hook took care of it (queued a changed,
	 * split, delayed or no echo with sim_conn_send / timers of its own).
	 */
	int (*echo)(void *arg, struct sim_conn *conn, const uint8_t *frame,
	    size_t len, tc_us_t now);
	/* A frame was received (taken < len: a short read). */
	void (*frame)(void *arg, struct sim_conn *conn, const uint8_t *frame,
	    size_t len, size_t taken, tc_us_t now);
	/* A connection is served, or has ended. */
	void (*connect)(void *arg, struct sim_conn *conn, tc_us_t now);
	void (*disconnect)(void *arg, struct sim_conn *conn,
	    const char *reason, tc_us_t now);
	/* The life bit moved on `conn` (as lifemon.h judged it). */
	void (*edge)(void *arg, struct sim_conn *conn,
	    const struct lifemon_edge *edge, tc_us_t now);
	/* The PLC's watchdog fired: no edge on any connection for `silent`. */
	void (*watchdog)(void *arg, tc_us_t silent, tc_us_t now);
	/* Bytes the hooks still hold to send on `conn` (delayed echoes):
	 * they count against its output bound, as queued ones do. */
	size_t (*held)(void *arg, struct sim_conn *conn);
	/* Proxy only. A whole frame may go to the PLC now: 0 drops it. */
	int (*forward)(void *arg, struct sim_conn *conn, tc_us_t now);
	/* Proxy only. The PLC's echo, as it came, before hooks.echo. */
	void (*plc_echo)(void *arg, struct sim_conn *conn,
	    const struct relay_echo *x, tc_us_t now);
	/*
	 * Proxy only. The PLC's side ended without the proxy ending it, with
	 * `unanswered` frames in flight (UPSTREAM_UNREACHABLE: it was still
	 * refused after upstream_retry_us). The client's side ends right
	 * after.
	 */
	void (*plc_end)(void *arg, struct sim_conn *conn,
	    enum upstream_end how, const char *reason, size_t unanswered,
	    tc_us_t now);
};

/*
 * Opens the listener and starts the task cycle. The events log is the
 * caller's and must outlive the server. NULL and a message in err when the
 * address cannot be listened on.
 */
struct sim_server *server_new(struct sim_loop *loop,
    const struct sim_server_config *cfg, struct sim_events *events,
    char *err, size_t errlen);
/*
 * Stops serving: every connection ends (reason "shutdown", logged and
 * counted) and nothing more is accepted. Idempotent; call it before the
 * summary, so that the summary counts them and comes last.
 */
void server_stop(struct sim_server *srv);
/* Stops (if not yet) and frees everything, the listener too. */
void server_free(struct sim_server *srv);

void server_set_hooks(struct sim_server *srv, const struct sim_hooks *hooks,
    void *arg);
/* "host:port" actually listened on, and the port (fixed across restarts). */
const char *server_address(const struct sim_server *srv);
uint16_t server_port(const struct sim_server *srv);

/* The error path on purpose: listener closed for `window` (a PLC restart
 * also drops its clients when drop_clients is set). */
void server_restart(struct sim_server *srv, tc_us_t window, int drop_clients,
    const char *reason);
/*
 * Why the listener could not be opened again after the error path (the
 * first such failure), or NULL when it never failed. The emulator then was
 * not the PLC it claims to be: a run with such a failure is not judged.
 */
const char *server_listen_error(const struct sim_server *srv);

/* A new task cycle from now on. */
void server_set_cycle(struct sim_server *srv, tc_us_t cycle_us);

/*
 * Prints the summary as text and writes it as a JSON line to the events:
 * "summary:" (the counters), "lifebit:" and "cycle:" (the task cycle's
 * fidelity, server_cycle_stats).
 */
void server_summary(struct sim_server *srv, FILE *out);
/*
 * The PLC's part of a live status (status.h) at `now`: link, clients,
 * counters, the life bit and the watchdog. The rest of `out` is left alone.
 */
void server_status(const struct sim_server *srv, tc_us_t now,
    struct status *out);
/* How late the task cycle ran, so far (plc.h); for reports. */
void server_cycle_stats(const struct sim_server *srv,
    struct plc_cycle_stats *out);

/* A served connection, for hooks. */
unsigned sim_conn_id(const struct sim_conn *conn);
/* When the connection was accepted (before it waited to be served). */
tc_us_t sim_conn_arrived(const struct sim_conn *conn);
/* Queues bytes on the connection as they are (bypassing hooks). */
int sim_conn_send(struct sim_conn *conn, const uint8_t *data, size_t len);
/* Holds the connection back: nothing is read from it or written to it. */
void sim_conn_hold(struct sim_conn *conn);
void sim_conn_release(struct sim_conn *conn);
/* A vanished PLC's socket from now on: what comes is dropped, nothing
 * leaves, and the connection ends when the peer closes (session.h). */
void sim_conn_vanish(struct sim_conn *conn);
/* 1 when the peer has closed or failed, as far as can be told unread. */
int sim_conn_peer_gone(const struct sim_conn *conn);
/*
 * Proxy: frames the PLC owes an echo for on this connection, and when the
 * oldest of them left (*oldest); 0 when none, or the PLC ended its side.
 */
size_t sim_conn_plc_owed(const struct sim_conn *conn, tc_us_t *oldest);
/*
 * Proxy: the cable is cut until `until` (monotonic): when the client's side
 * ends before then, the PLC's stays up and hears nothing (not the client's
 * FIN or reset) until then, and is closed (FIN) at that time.
 */
void sim_conn_plc_hold(struct sim_conn *conn, tc_us_t until);
/* Proxy: how often the PLC refused this connection before it took it. */
unsigned sim_conn_plc_refusals(const struct sim_conn *conn);
/* Ends the connection with a reason; FIN or RST. Safe from any hook. */
void sim_conn_drop(struct sim_conn *conn, const char *reason,
    enum session_close how);

#endif
