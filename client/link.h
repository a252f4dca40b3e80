/*
 * link: moving whole frames over a byte stream, with deadlines.
 *
 * The stream is reached through `struct link_ops`, so that the same code
 * runs over a real socket (sock.c) and over an in-memory fake in the unit
 * tests. Nothing here logs or counts: each function returns what happened
 * and the sender decides.
 */
#ifndef TCPCOM_LINK_H
#define TCPCOM_LINK_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "clock.h"

enum link_wait {
	LINK_WAIT_READ,
	LINK_WAIT_WRITE
};

struct link_ops {
	/* Writes up to len bytes without blocking; -1 with errno EAGAIN when
	 * nothing fits now. */
	ssize_t	(*send)(void *io, const uint8_t *buf, size_t len);
	/* Reads up to len bytes without blocking; 0 at end of stream; -1 with
	 * errno EAGAIN when nothing is there. */
	ssize_t	(*recv)(void *io, uint8_t *buf, size_t len);
	/* Waits until ready or the absolute `deadline`: 1 ready, 0 deadline
	 * passed, -1 stop requested (errno ECANCELED) or error. */
	int	(*wait)(void *io, enum link_wait what, tc_us_t deadline);
};

enum link_result {
	LINK_OK = 0,
	LINK_TIMEOUT,	/* the deadline passed first */
	LINK_CLOSED,	/* the peer closed the stream */
	LINK_EXTRA,	/* bytes beyond the echo: a protocol error */
	LINK_ERROR,	/* a socket error; errno says which */
	LINK_STOPPED	/* the client is stopping */
};

const char *link_result_name(enum link_result r);

/* Writes all `len` bytes before `deadline`. */
enum link_result link_send_all(const struct link_ops *ops, void *io,
    const uint8_t *buf, size_t len, tc_us_t deadline);

/*
 * Reads exactly one echo of `len` bytes before `deadline`, however the
 * bytes arrive (one by one, split, or all at once). Bytes beyond `len` that
 * arrive with it are a protocol error: LINK_EXTRA, and `*extra` (when not
 * NULL) says how many were seen.
 */
enum link_result link_read_echo(const struct link_ops *ops, void *io,
    uint8_t *echo, size_t len, tc_us_t deadline, size_t *extra);

/*
 * link_read_echo for an echo just asked for: waits for readability before
 * the first read, since an echo is never there the instant its frame
 * left, and a read that can only say EAGAIN costs a system call per frame.
 */
enum link_result link_await_echo(const struct link_ops *ops, void *io,
    uint8_t *echo, size_t len, tc_us_t deadline, size_t *extra);

/*
 * Before a frame is sent nothing should be waiting: LINK_OK when the stream
 * is quiet, LINK_EXTRA when bytes nobody asked for are there (a duplicated
 * echo), LINK_CLOSED when the peer has closed it.
 */
enum link_result link_check_quiet(const struct link_ops *ops, void *io,
    size_t *extra);

#endif
