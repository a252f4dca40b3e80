/*
 * session: one accepted connection, its socket I/O and its output queue.
 *
 * A session reads only as much as its owner has room for (ops->room) and
 * hands the bytes over (ops->input); it writes what is queued with
 * session_queue. When the peer closes or an I/O call fails it stops reading
 * and writing and tells its owner (ops->failed) and does nothing else: the
 * owner decides, calls session_close and later session_destroy, never from
 * inside a callback of the same session.
 *
 * The rule that keeps callers safe: a failure is reported from the loop, on
 * a turn of its own, never from inside the call that met it. A write that
 * fails inside session_queue (called by the owner, or by a hook deep in the
 * owner's caller) only marks the session; ops->failed runs after every
 * caller has returned, so no callback frees an object under a caller that
 * still uses it. The same holds for any owner built on sessions: report
 * ends through the loop, not through the stack.
 *
 * Output is bounded by the owner: it checks session_out_len against
 * SESSION_OUT_MAX before queueing more, so a peer that never reads is
 * back-pressured (its input stops being taken, then read) instead of
 * buffered.
 */
#ifndef PLCSIM_SESSION_H
#define PLCSIM_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "loop.h"

/* Output queued beyond this stops the owner from producing more. */
#define SESSION_OUT_MAX 4096
#define SESSION_PEER_MAX 64

enum session_close {
	SESSION_CLOSE_FIN = 0,	/* an orderly close */
	SESSION_CLOSE_RST,	/* abort: the peer sees a reset */
};

struct sim_session;

struct session_ops {
	/* Bytes the owner will take now (0: stop reading). */
	size_t (*room)(struct sim_session *s, void *arg);
	/* Bytes read from the peer, at most what room said. */
	void (*input)(struct sim_session *s, const uint8_t *data, size_t len,
	    void *arg);
	/* The queue fell to zero after a write. NULL: not wanted. */
	void (*drained)(struct sim_session *s, void *arg);
	/* End of file or an I/O error; reason is a short text. */
	void (*failed)(struct sim_session *s, const char *reason, void *arg);
};

/* Wraps a connected non-blocking fd (owned from now on). Starts idle. */
struct sim_session *session_create(struct sim_loop *loop, int fd,
    const char *peer, const struct session_ops *ops, void *arg);
/* Closes (if still open) and frees. */
void session_destroy(struct sim_session *s);

/* Starts reading and writing as needed (after create, or after a pause). */
void session_start(struct sim_session *s);
/* Recomputes what the socket waits for; call when room may have changed. */
void session_update(struct sim_session *s);
/* Stops reading and/or writing (SIM_READ | SIM_WRITE) without closing. */
void session_pause(struct sim_session *s, int what);
void session_resume(struct sim_session *s, int what);

/*
 * From now on the session is a vanished peer's socket: it reads and drops
 * whatever comes and writes nothing, so that it still learns when the peer
 * closes (reported as a failure). There is no way back.
 */
void session_discard(struct sim_session *s);

/*
 * Queues bytes for the peer; -1 when the session is closed, has failed, or
 * is out of memory. A write failure met here is reported later (see above).
 */
int session_queue(struct sim_session *s, const uint8_t *data, size_t len);
/* While corked, queued bytes wait; uncorking writes them in one go. */
void session_cork(struct sim_session *s, int corked);
size_t session_out_len(const struct sim_session *s);

/* Closes the socket now (FIN or RST); callbacks stop, a failure not yet
 * reported is not. Idempotent. */
void session_close(struct sim_session *s, enum session_close how);

const char *session_peer(const struct sim_session *s);
/* Peeks whether the peer has closed or failed (1) while we did not read. */
int session_peer_gone(const struct sim_session *s);

#endif
