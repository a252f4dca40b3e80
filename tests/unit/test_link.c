/*
 * Unit tests of the frame reader and writer (client/link.c) over a fake
 * stream: the fake's recv and send play a script of chunks, and its wait
 * returns what each test queues with will_return.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "link.h"
#include "wire.h"

#define DEADLINE 123456789ULL

/* One step of the script: bytes, or an error (n == 0: end of stream). */
struct step {
	const uint8_t *data;
	size_t	       n;	/* bytes in data (recv) or accepted (send) */
	int	       err;	/* when non-zero: return -1 with this errno */
	uint64_t       stamp;	/* the arrival stamp recv_wait gives */
};

#define STEP_BYTES(d, len) { (d), (len), 0, 0 }
#define STEP_AGAIN         { NULL, 0, EAGAIN, 0 }
#define STEP_ERR(e)        { NULL, 0, (e), 0 }
#define STEP_EOF           { NULL, 0, 0, 0 }
#define STEP_TAKE(len)     { NULL, (len), 0, 0 }
#define STEP_STAMPED(d, len, t) { (d), (len), 0, (t) }

struct fake {
	const struct step *steps;
	size_t		   nsteps;
	size_t		   at;		/* next step */
	size_t		   offset;	/* bytes of steps[at] already given */
	uint8_t		   sent[2 * WIRE_MAX_BYTES];
	size_t		   nsent;
	size_t		   calls;
	size_t		   max_ask;	/* largest len a recv asked for */
	size_t		   stamps_asked;	/* recv_waits that wanted one */
};

static void
fake_init(struct fake *f, const struct step *steps, size_t nsteps)
{
	memset(f, 0, sizeof *f);
	f->steps = steps;
	f->nsteps = nsteps;
}

static ssize_t
fake_recv(void *io, uint8_t *buf, size_t len)
{
	struct fake *f = io;
	const struct step *s;
	size_t n;

	f->calls++;
	if (len > f->max_ask)
		f->max_ask = len;
	/* Past the script the stream is quiet. */
	if (f->at >= f->nsteps) {
		errno = EAGAIN;
		return -1;
	}
	s = &f->steps[f->at];
	if (s->err != 0) {
		f->at++;
		errno = s->err;
		return -1;
	}
	if (s->n == 0) {
		f->at++;
		return 0;
	}
	/* A chunk larger than the room left is given in pieces. */
	n = s->n - f->offset;
	if (n > len)
		n = len;
	memcpy(buf, s->data + f->offset, n);
	f->offset += n;
	if (f->offset == s->n) {
		f->at++;
		f->offset = 0;
	}
	return (ssize_t)n;
}

static ssize_t
fake_send(void *io, const uint8_t *buf, size_t len)
{
	struct fake *f = io;
	const struct step *s;
	size_t n;

	f->calls++;
	assert_true(f->at < f->nsteps);	/* no write beyond the script */
	s = &f->steps[f->at++];
	if (s->err != 0) {
		errno = s->err;
		return -1;
	}
	n = s->n < len ? s->n : len;
	assert_true(f->nsent + n <= sizeof f->sent);
	memcpy(f->sent + f->nsent, buf, n);
	f->nsent += n;
	return (ssize_t)n;
}

/* Returns the queued result; -1 is followed by the errno to set. */
static int
fake_wait(void *io, enum link_wait what, tc_us_t deadline)
{
	int r;

	(void)io;
	check_expected(what);
	check_expected(deadline);
	r = mock_type(int);
	if (r < 0)
		errno = mock_type(int);
	return r;
}

/*
 * recv_wait over the script, as sock.c's does it: a read, and when it
 * finds nothing (EAGAIN, EINTR) the wait the test queued, then the read
 * again; a wait that reports the deadline passed is EAGAIN.
 */
static ssize_t
fake_recv_wait(void *io, uint8_t *buf, size_t len, tc_us_t deadline,
    uint64_t *stamp_ns)
{
	struct fake *f = io;
	uint64_t stamp;
	ssize_t n;
	int w;

	assert_int_equal(deadline, DEADLINE);
	if (stamp_ns != NULL) {
		f->stamps_asked++;
		*stamp_ns = 0;
	}
	for (;;) {
		stamp = f->at < f->nsteps ? f->steps[f->at].stamp : 0;
		n = fake_recv(io, buf, len);
		if (n > 0 && stamp_ns != NULL)
			*stamp_ns = stamp;
		if (n >= 0 || (errno != EAGAIN && errno != EINTR))
			return n;
		w = fake_wait(io, LINK_WAIT_READ, deadline);
		if (w == 1)
			continue;
		if (w == 0)
			errno = EAGAIN;
		return -1;
	}
}

static const struct link_ops fake_ops = {
	fake_send, fake_recv, fake_wait, fake_recv_wait
};

/* A wait that is expected and reports readiness. */
static void
expect_wait(enum link_wait what, int result)
{
	expect_value(fake_wait, what, what);
	expect_value(fake_wait, deadline, DEADLINE);
	will_return(fake_wait, result);
}

static void
expect_wait_error(enum link_wait what, int err)
{
	expect_wait(what, -1);
	will_return(fake_wait, err);
}

static const uint8_t ECHO[4] = { 0xde, 0xad, 0xbe, 0xef };
static const uint8_t TWO_ECHOES[8] = { 0xde, 0xad, 0xbe, 0xef,
				       0x12, 0x34, 0x56, 0x78 };

static enum link_result
read_echo(struct fake *f, uint8_t *echo, size_t len, size_t *extra)
{
	return link_await_echo(&fake_ops, f, echo, len, DEADLINE, extra, NULL);
}

static void
test_link_echo_whole(void **state)
{
	static const struct step steps[] = { STEP_BYTES(ECHO, 4) };
	struct fake f;
	uint8_t echo[4];
	size_t extra = 99;

	(void)state;
	fake_init(&f, steps, 1);
	assert_int_equal(read_echo(&f, echo, 4, &extra), LINK_OK);
	assert_memory_equal(echo, ECHO, 4);
	assert_int_equal(extra, 0);
	/* It asked for room beyond the echo, to see merged bytes at once. */
	assert_true(f.max_ask > 4);
}

static void
test_link_echo_split_1_1_1_1(void **state)
{
	static const struct step steps[] = {
		STEP_BYTES(ECHO, 1), STEP_AGAIN,
		STEP_BYTES(ECHO + 1, 1), STEP_AGAIN,
		STEP_BYTES(ECHO + 2, 1), STEP_AGAIN,
		STEP_BYTES(ECHO + 3, 1),
	};
	struct fake f;
	uint8_t echo[4];
	size_t extra;

	(void)state;
	fake_init(&f, steps, sizeof steps / sizeof steps[0]);
	expect_wait(LINK_WAIT_READ, 1);
	expect_wait(LINK_WAIT_READ, 1);
	expect_wait(LINK_WAIT_READ, 1);
	assert_int_equal(read_echo(&f, echo, 4, &extra), LINK_OK);
	assert_memory_equal(echo, ECHO, 4);
	assert_int_equal(extra, 0);
	assert_int_equal(f.at, f.nsteps);
}

static void
test_link_echo_split_2_2(void **state)
{
	static const struct step steps[] = {
		STEP_BYTES(ECHO, 2), STEP_AGAIN, STEP_BYTES(ECHO + 2, 2),
	};
	struct fake f;
	uint8_t echo[4];

	(void)state;
	fake_init(&f, steps, 3);
	expect_wait(LINK_WAIT_READ, 1);
	assert_int_equal(read_echo(&f, echo, 4, NULL), LINK_OK);
	assert_memory_equal(echo, ECHO, 4);
}

/* Pieces that follow each other without a pause need no wait. */
static void
test_link_echo_split_back_to_back(void **state)
{
	static const struct step steps[] = {
		STEP_BYTES(ECHO, 1), STEP_BYTES(ECHO + 1, 3),
	};
	struct fake f;
	uint8_t echo[4];

	(void)state;
	fake_init(&f, steps, 2);
	assert_int_equal(read_echo(&f, echo, 4, NULL), LINK_OK);
	assert_memory_equal(echo, ECHO, 4);
}

static void
test_link_echo_again_then_data(void **state)
{
	static const struct step steps[] = {
		STEP_AGAIN, STEP_ERR(EINTR), STEP_BYTES(ECHO, 4),
	};
	struct fake f;
	uint8_t echo[4];

	(void)state;
	fake_init(&f, steps, 3);
	expect_wait(LINK_WAIT_READ, 1);
	expect_wait(LINK_WAIT_READ, 1);
	assert_int_equal(read_echo(&f, echo, 4, NULL), LINK_OK);
	assert_memory_equal(echo, ECHO, 4);
}

/* Two echoes in one read: the first is returned, the rest is an error. */
static void
test_link_echo_merged(void **state)
{
	static const struct step steps[] = { STEP_BYTES(TWO_ECHOES, 8) };
	struct fake f;
	uint8_t echo[4];
	size_t extra = 0;

	(void)state;
	fake_init(&f, steps, 1);
	assert_int_equal(read_echo(&f, echo, 4, &extra), LINK_EXTRA);
	assert_memory_equal(echo, ECHO, 4);
	assert_int_equal(extra, 4);
}

/* The second piece of a split echo brings one byte too many. */
static void
test_link_echo_extra_byte(void **state)
{
	static const struct step steps[] = {
		STEP_BYTES(TWO_ECHOES, 2), STEP_AGAIN,
		STEP_BYTES(TWO_ECHOES + 2, 3),
	};
	struct fake f;
	uint8_t echo[4];
	size_t extra = 0;

	(void)state;
	fake_init(&f, steps, 3);
	expect_wait(LINK_WAIT_READ, 1);
	assert_int_equal(read_echo(&f, echo, 4, &extra), LINK_EXTRA);
	assert_memory_equal(echo, ECHO, 4);
	assert_int_equal(extra, 1);
	/* `extra` may be NULL. */
	fake_init(&f, steps, 3);
	expect_wait(LINK_WAIT_READ, 1);
	assert_int_equal(read_echo(&f, echo, 4, NULL), LINK_EXTRA);
}

/* The longest frame, in uneven pieces, and two of them merged. */
static void
test_link_echo_long_frames(void **state)
{
	static uint8_t big[2 * WIRE_MAX_BYTES];
	static struct step steps[2 * WIRE_MAX_BYTES / 7 + 2];
	struct fake f;
	uint8_t echo[WIRE_MAX_BYTES];
	size_t i, n = 0, extra = 0;

	(void)state;
	for (i = 0; i < sizeof big; i++)
		big[i] = (uint8_t)(i * 13 + 1);
	for (i = 0; i < WIRE_MAX_BYTES; i += 7) {
		steps[n++] = (struct step)STEP_BYTES(big + i,
		    WIRE_MAX_BYTES - i < 7 ? WIRE_MAX_BYTES - i : 7);
		steps[n++] = (struct step)STEP_AGAIN;
	}
	fake_init(&f, steps, n - 1);
	for (i = 0; i < n / 2 - 1; i++)
		expect_wait(LINK_WAIT_READ, 1);
	assert_int_equal(read_echo(&f, echo, WIRE_MAX_BYTES, &extra), LINK_OK);
	assert_memory_equal(echo, big, WIRE_MAX_BYTES);

	steps[0] = (struct step)STEP_BYTES(big, sizeof big);
	fake_init(&f, steps, 1);
	assert_int_equal(read_echo(&f, echo, WIRE_MAX_BYTES, &extra),
	    LINK_EXTRA);
	assert_int_equal(extra, WIRE_MAX_BYTES);
	assert_memory_equal(echo, big, WIRE_MAX_BYTES);
}

static void
test_link_echo_eof(void **state)
{
	static const struct step at_once[] = { STEP_EOF };
	static const struct step half[] = {
		STEP_BYTES(ECHO, 2), STEP_AGAIN, STEP_EOF,
	};
	struct fake f;
	uint8_t echo[4];

	(void)state;
	fake_init(&f, at_once, 1);
	assert_int_equal(read_echo(&f, echo, 4, NULL), LINK_CLOSED);
	fake_init(&f, half, 3);
	expect_wait(LINK_WAIT_READ, 1);
	assert_int_equal(read_echo(&f, echo, 4, NULL), LINK_CLOSED);
}

static void
test_link_echo_socket_errors(void **state)
{
	static const struct step reset[] = { STEP_ERR(ECONNRESET) };
	static const struct step eio[] = { STEP_BYTES(ECHO, 1), STEP_ERR(EIO) };
	struct fake f;
	uint8_t echo[4];

	(void)state;
	fake_init(&f, reset, 1);
	assert_int_equal(read_echo(&f, echo, 4, NULL), LINK_CLOSED);
	fake_init(&f, eio, 2);
	assert_int_equal(read_echo(&f, echo, 4, NULL), LINK_ERROR);
	assert_int_equal(errno, EIO);
}

/* The fake's wait says the deadline passed: nothing more is read. */
static void
test_link_echo_timeout(void **state)
{
	static const struct step steps[] = {
		STEP_BYTES(ECHO, 3), STEP_AGAIN, STEP_BYTES(ECHO + 3, 1),
	};
	struct fake f;
	uint8_t echo[4];

	(void)state;
	fake_init(&f, steps, 3);
	expect_wait(LINK_WAIT_READ, 0);
	assert_int_equal(read_echo(&f, echo, 4, NULL), LINK_TIMEOUT);
	assert_int_equal(f.at, 2);	/* the last byte was never read */
}

static void
test_link_echo_stop(void **state)
{
	static const struct step steps[] = { STEP_AGAIN };
	struct fake f;
	uint8_t echo[4];

	(void)state;
	fake_init(&f, steps, 1);
	expect_wait_error(LINK_WAIT_READ, ECANCELED);
	assert_int_equal(read_echo(&f, echo, 4, NULL), LINK_STOPPED);
	/* A wait that fails otherwise is a socket error. */
	fake_init(&f, steps, 1);
	expect_wait_error(LINK_WAIT_READ, EBADF);
	assert_int_equal(read_echo(&f, echo, 4, NULL), LINK_ERROR);
}

static void
test_link_send_whole(void **state)
{
	static const struct step steps[] = { STEP_TAKE(64) };
	struct fake f;

	(void)state;
	fake_init(&f, steps, 1);
	assert_int_equal(link_send_all(&fake_ops, &f, ECHO, 4, DEADLINE),
	    LINK_OK);
	assert_int_equal(f.nsent, 4);
	assert_memory_equal(f.sent, ECHO, 4);
	assert_int_equal(f.calls, 1);
}

/* Partial writes, a full buffer and an interrupted call: all bytes go out,
 * in order, once. */
static void
test_link_send_partial(void **state)
{
	static const struct step steps[] = {
		STEP_TAKE(1), STEP_AGAIN, STEP_TAKE(2), STEP_ERR(EINTR),
		STEP_TAKE(3), STEP_TAKE(64),
	};
	struct fake f;

	(void)state;
	fake_init(&f, steps, sizeof steps / sizeof steps[0]);
	expect_wait(LINK_WAIT_WRITE, 1);
	expect_wait(LINK_WAIT_WRITE, 1);
	assert_int_equal(link_send_all(&fake_ops, &f, TWO_ECHOES, 8, DEADLINE),
	    LINK_OK);
	assert_int_equal(f.nsent, 8);
	assert_memory_equal(f.sent, TWO_ECHOES, 8);
	assert_int_equal(f.at, f.nsteps);
}

static void
test_link_send_failures(void **state)
{
	static const struct step pipe_[] = { STEP_TAKE(2), STEP_ERR(EPIPE) };
	static const struct step reset[] = { STEP_ERR(ECONNRESET) };
	static const struct step eio[] = { STEP_ERR(EIO) };
	static const struct step full[] = { STEP_TAKE(1), STEP_AGAIN };
	struct fake f;

	(void)state;
	fake_init(&f, pipe_, 2);
	assert_int_equal(link_send_all(&fake_ops, &f, ECHO, 4, DEADLINE),
	    LINK_CLOSED);
	fake_init(&f, reset, 1);
	assert_int_equal(link_send_all(&fake_ops, &f, ECHO, 4, DEADLINE),
	    LINK_CLOSED);
	fake_init(&f, eio, 1);
	assert_int_equal(link_send_all(&fake_ops, &f, ECHO, 4, DEADLINE),
	    LINK_ERROR);

	fake_init(&f, full, 2);
	expect_wait(LINK_WAIT_WRITE, 0);
	assert_int_equal(link_send_all(&fake_ops, &f, ECHO, 4, DEADLINE),
	    LINK_TIMEOUT);
	assert_int_equal(f.nsent, 1);

	fake_init(&f, full, 2);
	expect_wait_error(LINK_WAIT_WRITE, ECANCELED);
	assert_int_equal(link_send_all(&fake_ops, &f, ECHO, 4, DEADLINE),
	    LINK_STOPPED);
}

static void
test_link_check_quiet(void **state)
{
	static const struct step quiet[] = { STEP_AGAIN };
	static const struct step dup[] = { STEP_BYTES(ECHO, 4) };
	static const struct step eof[] = { STEP_EOF };
	static const struct step reset[] = { STEP_ERR(ECONNRESET) };
	static const struct step eio[] = { STEP_ERR(EIO) };
	struct fake f;
	size_t extra = 99;

	(void)state;
	fake_init(&f, quiet, 1);
	assert_int_equal(link_check_quiet(&fake_ops, &f, &extra), LINK_OK);
	assert_int_equal(extra, 0);
	fake_init(&f, dup, 1);
	assert_int_equal(link_check_quiet(&fake_ops, &f, &extra), LINK_EXTRA);
	assert_int_equal(extra, 4);
	fake_init(&f, dup, 1);
	assert_int_equal(link_check_quiet(&fake_ops, &f, NULL), LINK_EXTRA);
	fake_init(&f, eof, 1);
	assert_int_equal(link_check_quiet(&fake_ops, &f, &extra), LINK_CLOSED);
	fake_init(&f, reset, 1);
	assert_int_equal(link_check_quiet(&fake_ops, &f, &extra), LINK_CLOSED);
	fake_init(&f, eio, 1);
	assert_int_equal(link_check_quiet(&fake_ops, &f, &extra), LINK_ERROR);
}

/* A duplicated echo that arrives after its original was read whole is
 * caught before the next frame goes out. */
static void
test_link_duplicate_after_echo(void **state)
{
	static const struct step steps[] = {
		STEP_BYTES(ECHO, 4), STEP_AGAIN, STEP_BYTES(ECHO, 4),
	};
	struct fake f;
	uint8_t echo[4];
	size_t extra = 0;

	(void)state;
	fake_init(&f, steps, 3);
	assert_int_equal(read_echo(&f, echo, 4, &extra), LINK_OK);
	/* The reader stopped at the echo: the pause is still unread. */
	assert_int_equal(link_check_quiet(&fake_ops, &f, &extra), LINK_OK);
	assert_int_equal(link_check_quiet(&fake_ops, &f, &extra), LINK_EXTRA);
	assert_int_equal(extra, 4);
}

/*
 * An echo just asked for: one read that waits takes it, with no wait of
 * its own, and the first read's arrival stamp comes with it.
 */
static void
test_link_await_echo(void **state)
{
	static const struct step steps[] = { STEP_STAMPED(ECHO, 4, 777) };
	static const struct step merged[] = { STEP_BYTES(TWO_ECHOES, 8) };
	struct fake f;
	uint8_t echo[4];
	uint64_t stamp = 1;
	size_t extra = 99;

	(void)state;
	fake_init(&f, steps, 1);
	assert_int_equal(link_await_echo(&fake_ops, &f, echo, 4, DEADLINE,
	    &extra, &stamp), LINK_OK);
	assert_memory_equal(echo, ECHO, 4);
	assert_int_equal(extra, 0);
	assert_int_equal(f.calls, 1);	/* one read, no wait before it */
	assert_int_equal(stamp, 777);
	/* Whatever came with it is still an error. */
	fake_init(&f, merged, 1);
	assert_int_equal(link_await_echo(&fake_ops, &f, echo, 4, DEADLINE,
	    &extra, NULL), LINK_EXTRA);
	assert_int_equal(extra, 4);
}

/* An echo in pieces: the stamp is the first piece's, asked for once. */
static void
test_link_await_echo_split(void **state)
{
	static const struct step steps[] = {
		STEP_STAMPED(ECHO, 1, 100), STEP_STAMPED(ECHO + 1, 3, 200)
	};
	static const struct step late_extra[] = {
		STEP_STAMPED(ECHO, 2, 100), STEP_STAMPED(TWO_ECHOES + 2, 6, 200)
	};
	struct fake f;
	uint8_t echo[4];
	uint64_t stamp = 1;
	size_t extra = 99;

	(void)state;
	fake_init(&f, steps, 2);
	assert_int_equal(link_await_echo(&fake_ops, &f, echo, 4, DEADLINE,
	    &extra, &stamp), LINK_OK);
	assert_memory_equal(echo, ECHO, 4);
	assert_int_equal(stamp, 100);
	assert_int_equal(f.stamps_asked, 1);
	/* More than the rest of the echo in the second piece. */
	fake_init(&f, late_extra, 2);
	assert_int_equal(link_await_echo(&fake_ops, &f, echo, 4, DEADLINE,
	    &extra, &stamp), LINK_EXTRA);
	assert_int_equal(extra, 4);
}

/* A read that waits and gets no echo: each way it can end. */
static void
test_link_await_echo_no_data(void **state)
{
	static const struct step cancelled[] = { STEP_ERR(ECANCELED) };
	static const struct step badf[] = { STEP_ERR(EBADF) };
	static const struct step reset[] = { STEP_ERR(ECONNRESET) };
	/* The kernel's own: TCP_USER_TIMEOUT or keepalive gave up. */
	static const struct step gone[] = { STEP_ERR(ETIMEDOUT) };
	static const struct step eof[] = { STEP_BYTES(ECHO, 2), STEP_EOF };
	struct fake f;
	uint8_t echo[4];
	uint64_t stamp = 1;
	size_t extra = 99;

	(void)state;
	fake_init(&f, NULL, 0);
	expect_wait(LINK_WAIT_READ, 0);
	assert_int_equal(link_await_echo(&fake_ops, &f, echo, 4, DEADLINE,
	    &extra, &stamp), LINK_TIMEOUT);
	assert_int_equal(extra, 0);
	assert_int_equal(stamp, 0);
	fake_init(&f, cancelled, 1);
	assert_int_equal(link_await_echo(&fake_ops, &f, echo, 4, DEADLINE,
	    NULL, NULL), LINK_STOPPED);
	fake_init(&f, badf, 1);
	assert_int_equal(link_await_echo(&fake_ops, &f, echo, 4, DEADLINE,
	    NULL, NULL), LINK_ERROR);
	fake_init(&f, reset, 1);
	assert_int_equal(link_await_echo(&fake_ops, &f, echo, 4, DEADLINE,
	    NULL, NULL), LINK_CLOSED);
	/* A socket error, not the echo timeout. */
	fake_init(&f, gone, 1);
	assert_int_equal(link_await_echo(&fake_ops, &f, echo, 4, DEADLINE,
	    NULL, NULL), LINK_ERROR);
	fake_init(&f, eof, 2);
	assert_int_equal(link_await_echo(&fake_ops, &f, echo, 4, DEADLINE,
	    NULL, NULL), LINK_CLOSED);
}

/*
 * The stamp's verdict. Times in ns of a wall clock that runs with the
 * monotonic one (1 us of it per us, from 5 s at wall 1 s): the link was
 * last read at 1 s, the frame sent at 2 s, its echo read 100 us later.
 */
#define S_NS  1000000000ULL
#define LAST  (1 * S_NS)
#define SENT  (2 * S_NS)
#define READ  (SENT + 100000)

/* Clocks read at wall time `wall` (ns), the wall clock `moved_ns` off its
 * monotonic course, the two wall readings `width_ns` apart. */
static struct link_clocks
clocks_at(uint64_t wall, int64_t moved_ns, uint64_t width_ns)
{
	struct link_clocks c;

	c.wall_before_ns = (uint64_t)((int64_t)wall + moved_ns);
	c.mono_us = (wall + 4 * S_NS) / 1000;
	c.wall_after_ns = c.wall_before_ns + width_ns;
	return c;
}

/*
 * The verdict on `stamp` when the wall clock moved `sent_moved` ns more than
 * the monotonic one from the last read to the send, and `read_moved` more
 * from the send to the read; the last read's wall readings `width` apart.
 */
static enum link_stamp
judge(uint64_t stamp, int64_t sent_moved, int64_t read_moved, uint64_t width)
{
	struct link_clocks last = clocks_at(LAST, 0, width);
	struct link_clocks sent = clocks_at(SENT, sent_moved, 50);
	struct link_clocks read = clocks_at(READ, sent_moved + read_moved, 50);

	return link_stamp_judge(stamp, &last, &sent, &read);
}

static void
test_link_stamp_judge(void **state)
{
	struct link_clocks boot_last, boot_sent, boot_read;

	(void)state;
	assert_int_equal(judge(0, 0, 0, 50), LINK_STAMP_NONE);
	/* Arrived 30 us after the send: its own echo. */
	assert_int_equal(judge(SENT + 30000, 0, 0, 50), LINK_STAMP_AFTER);
	/* Arrived before the last wall reading before the send, or just
	 * after the last read: there before the frame left. */
	assert_int_equal(judge(SENT + 49, 0, 0, 50), LINK_STAMP_BEFORE);
	assert_int_equal(judge(LAST + 1, 0, 0, 50), LINK_STAMP_BEFORE);
	/* Stamped while the last read was still returning (it took 0.5 s,
	 * the thread preempted): still before, not another clock. */
	assert_int_equal(judge(LAST - S_NS / 2, 0, 0, 50), LINK_STAMP_BEFORE);
	/* After the echo was read: not the wall clock. */
	assert_int_equal(judge(READ + 51, 0, 0, 50), LINK_STAMP_FOREIGN);
	/* A boot-time clock's stamp (5 h) on a wall clock of 2026. */
	boot_last = clocks_at(1780000000 * S_NS, 0, 50);
	boot_sent = clocks_at(1780000001 * S_NS, 0, 50);
	boot_read = clocks_at(1780000001 * S_NS + 100000, 0, 50);
	assert_int_equal(link_stamp_judge(5 * 3600 * S_NS, &boot_last,
	    &boot_sent, &boot_read), LINK_STAMP_FOREIGN);
	/*
	 * Stepped 50 us back or forth during the 100 us exchange: not
	 * judged (a step back of 50 us would make an echo that came 30 us
	 * after the send look older than the send).
	 */
	assert_int_equal(judge(SENT + 30000 - 50000, 0, -50000, 50),
	    LINK_STAMP_UNSURE);
	assert_int_equal(judge(SENT + 30000, 0, 50000, 50), LINK_STAMP_UNSURE);
	/* Within 2 us (the monotonic clock is read in us) it is the same
	 * clock. */
	assert_int_equal(judge(SENT + 30000, 0, 1500, 50), LINK_STAMP_AFTER);
	assert_int_equal(judge(SENT + 30000, 0, -1500, 50), LINK_STAMP_AFTER);
	/* Over the 1 s between the last read and the send, 500 ppm is a
	 * slew (450 us, the stamp 30 us after the send on the clock as it
	 * then was); 560 us is a step, which may have moved a stamp of bytes
	 * that came in that second against the send. */
	assert_int_equal(judge(SENT + 480000, 450000, 0, 50), LINK_STAMP_AFTER);
	assert_int_equal(judge(SENT - 420000, -450000, 0, 50),
	    LINK_STAMP_AFTER);
	assert_int_equal(judge(SENT + 590000, 560000, 0, 50), LINK_STAMP_UNSURE);
	assert_int_equal(judge(SENT - 530000, -560000, 0, 50),
	    LINK_STAMP_UNSURE);
	/* The last read's wall readings 100 us apart (the thread preempted
	 * between them): the clock is known no better than that there. */
	assert_int_equal(judge(SENT + 610000, 580000, 0, 100000),
	    LINK_STAMP_AFTER);
	assert_int_equal(judge(SENT + 650000, 620000, 0, 100000),
	    LINK_STAMP_UNSURE);
}

static void
test_link_result_names(void **state)
{
	int r;

	(void)state;
	for (r = LINK_OK; r <= LINK_STOPPED; r++) {
		assert_non_null(link_result_name((enum link_result)r));
		assert_string_not_equal(link_result_name((enum link_result)r),
		    "?");
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_link_echo_whole),
		cmocka_unit_test(test_link_echo_split_1_1_1_1),
		cmocka_unit_test(test_link_echo_split_2_2),
		cmocka_unit_test(test_link_echo_split_back_to_back),
		cmocka_unit_test(test_link_echo_again_then_data),
		cmocka_unit_test(test_link_echo_merged),
		cmocka_unit_test(test_link_echo_extra_byte),
		cmocka_unit_test(test_link_echo_long_frames),
		cmocka_unit_test(test_link_echo_eof),
		cmocka_unit_test(test_link_echo_socket_errors),
		cmocka_unit_test(test_link_echo_timeout),
		cmocka_unit_test(test_link_echo_stop),
		cmocka_unit_test(test_link_send_whole),
		cmocka_unit_test(test_link_send_partial),
		cmocka_unit_test(test_link_send_failures),
		cmocka_unit_test(test_link_check_quiet),
		cmocka_unit_test(test_link_duplicate_after_echo),
		cmocka_unit_test(test_link_await_echo),
		cmocka_unit_test(test_link_await_echo_split),
		cmocka_unit_test(test_link_await_echo_no_data),
		cmocka_unit_test(test_link_stamp_judge),
		cmocka_unit_test(test_link_result_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
