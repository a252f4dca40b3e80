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
	/* Reads up to len bytes, waiting for the first one until `deadline`:
	 * one call where the wait and the read would be two. 0 at end of
	 * stream; -1 with errno EAGAIN (the deadline passed), ECANCELED
	 * (stop requested) or another error. When `stamp_ns` is not NULL it
	 * gets when the last of the bytes read arrived, in nanoseconds of
	 * CLOCK_REALTIME as the kernel stamped them, or 0 without a stamp. */
	ssize_t	(*recv_wait)(void *io, uint8_t *buf, size_t len,
		    tc_us_t deadline, uint64_t *stamp_ns);
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
 * bytes arrive (one by one, split, or all at once), with recv_wait: a read
 * that waits, so that an echo costs one system call whether it is there
 * already or still to come. Bytes beyond `len` that arrive with it are a
 * protocol error: LINK_EXTRA, and `*extra` (when not NULL) says how many
 * were seen. `*first_stamp_ns` (when not NULL) gets the arrival stamp of
 * the first read (see recv_wait), 0 without one.
 */
enum link_result link_await_echo(const struct link_ops *ops, void *io,
    uint8_t *echo, size_t len, tc_us_t deadline, size_t *extra,
    uint64_t *first_stamp_ns);

/* What the arrival stamp of an echo's first read says. */
enum link_stamp {
	LINK_STAMP_NONE,	/* no stamp came */
	LINK_STAMP_UNSURE,	/* the wall clock was stepped meanwhile */
	LINK_STAMP_FOREIGN,	/* not a wall-clock stamp: never to be used */
	LINK_STAMP_AFTER,	/* the bytes came after the frame left */
	LINK_STAMP_BEFORE	/* they were there before: nobody asked for them */
};

/*
 * A reading of the monotonic clock between two of the wall clock: where
 * the wall clock stood at that instant, to within the two.
 */
struct link_clocks {
	uint64_t wall_before_ns;
	tc_us_t	 mono_us;
	uint64_t wall_after_ns;
};

/* Reads the clocks: wall, monotonic, wall. */
void link_clocks_read(struct link_clocks *c);

/*
 * Judges the stamp `stamp_ns` of an echo's first read (wall clock, ns; 0:
 * none) by the clocks at the link's previous read (`last`), just before
 * the frame was sent (`sent`) and just after its echo was read (`read`).
 *
 * The wall clock can be stepped (NTP, PTP): a stamp is compared only when
 * the wall clock moved with the monotonic one from `last` to `sent` and
 * from `sent` to `read`, each within 2 us (the monotonic one is read in
 * microseconds), 500 ppm of it (a slew) and how far apart each pair of
 * wall readings was. Bytes older than the
 * previous read would have been read by it, give or take how long that
 * read took: a stamp more than LINK_STAMP_SLACK_NS before it, or after
 * `read`, is another clock's (a kernel that stamps with one).
 */
#define LINK_STAMP_SLACK_NS 1000000000ULL

enum link_stamp link_stamp_judge(uint64_t stamp_ns,
    const struct link_clocks *last, const struct link_clocks *sent,
    const struct link_clocks *read);

/*
 * Before a frame is sent nothing should be waiting: LINK_OK when the stream
 * is quiet, LINK_EXTRA when bytes nobody asked for are there (a duplicated
 * echo), LINK_CLOSED when the peer has closed it.
 */
enum link_result link_check_quiet(const struct link_ops *ops, void *io,
    size_t *extra);

#endif
