/*
 * upstream: one connection from the proxy to the real PLC. It connects
 * without blocking the loop (within a timeout), then carries bytes both
 * ways through a session (session.h), reading only as much as its owner
 * has room for.
 *
 * Every end the PLC causes (the connection cannot be made, is closed, is
 * reset) reaches the owner through ops->failed from the loop, on a turn of
 * its own, never from inside a call of the owner's: the owner may end both
 * sides there. An end the owner asks for (upstream_close) is never reported.
 *
 * Ownership: the owner frees it with upstream_free, not from inside one of
 * its callbacks (mark it dead and reap it later, as for sessions).
 */
#ifndef PLCSIM_UPSTREAM_H
#define PLCSIM_UPSTREAM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "clock.h"
#include "loop.h"
#include "session.h"

/* The PLC's address, resolved once. */
struct upstream_addr {
	struct sockaddr_storage ss;
	socklen_t		len;
	char			name[300];	/* "host:port" as printed */
};

/* How the PLC's side ended, when the proxy did not end it. */
enum upstream_end {
	UPSTREAM_UNREACHABLE = 0,	/* refused, or no answer in time */
	UPSTREAM_CLOSED,		/* the PLC closed it (FIN) */
	UPSTREAM_RESET,			/* reset, or an I/O error */
};

struct upstream_ops {
	/* Bytes the owner takes from the PLC now (0: stop reading). */
	size_t (*room)(void *arg);
	/* The connection is made: bytes may be sent. */
	void (*connected)(void *arg);
	/* Bytes from the PLC, at most what room said. */
	void (*input)(void *arg, const uint8_t *data, size_t len);
	/* Everything queued has been written. NULL: not wanted. */
	void (*drained)(void *arg);
	/* The PLC's side ended (see above); reason is a short text. */
	void (*failed)(void *arg, enum upstream_end how, const char *reason);
};

struct upstream;

/*
 * "HOST:PORT" to an address (a name is resolved now, once). -1 and a
 * message when it cannot be.
 */
int upstream_resolve(const char *text, struct upstream_addr *out, char *err,
    size_t errlen);

/*
 * Starts connecting (addr must outlive it); the connection is made within
 * `timeout` or it is unreachable. A refusal within `retry_for` is tried
 * again every few milliseconds: a TwinCAT PLC closes its listener for a few
 * cycles after a client goes (its error path), which is its design, not a
 * fault. NULL only when memory is out.
 */
struct upstream *upstream_open(struct sim_loop *loop,
    const struct upstream_addr *addr, tc_us_t timeout, tc_us_t retry_for,
    const struct upstream_ops *ops, void *arg);
/* Hands the connection to another owner (its callbacks from now on). */
void upstream_set_owner(struct upstream *u, const struct upstream_ops *ops,
    void *arg);
/* Refusals tried again so far. */
unsigned upstream_refusals(const struct upstream *u);
void upstream_free(struct upstream *u);

/* 1 once connected (and not closed since). */
int upstream_connected(const struct upstream *u);
/* Queues bytes for the PLC; -1 when not connected or closed. */
int upstream_send(struct upstream *u, const uint8_t *data, size_t len);
size_t upstream_out_len(const struct upstream *u);
/* The owner's room may have grown: read again if it had stopped. */
void upstream_update(struct upstream *u);
/* Closes the connection now (FIN or RST), reporting nothing. Idempotent. */
void upstream_close(struct upstream *u, enum session_close how);
/* The local "host:port" of the connection ("" before it is made). */
const char *upstream_local(const struct upstream *u);

#endif
