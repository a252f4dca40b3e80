/*
 * Unit tests of a session's output (plcsim/session.c) on a real libevent
 * loop and a socket pair: what is queued reaches the peer whole and in
 * order whichever way it leaves, the session's own small buffer (echoes
 * queued while nothing else waits) or the evbuffer behind it (what the
 * socket did not take at once), and the owner is told when all is out.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "loop.h"
#include "session.h"

/* Far more than a socket pair buffers, so that writes stop part way. */
#define TOTAL	 (512 * 1024)
#define BURST	 3		/* frames queued in one cork */
#define FRAME	 4

struct peer {
	struct sim_loop	 *loop;
	struct sim_watch *watch;
	int		  fd;
	uint8_t		 *got;
	size_t		  ngot;
	size_t		  want;
	int		  reading;	/* the peer reads (else it stalls) */
};

struct owner {
	int drained;
	int failed;
};

static size_t
no_room(struct sim_session *s, void *arg)
{
	(void)s;
	(void)arg;
	return 0;
}

static void
no_input(struct sim_session *s, const uint8_t *data, size_t len, void *arg)
{
	(void)s;
	(void)data;
	(void)len;
	(void)arg;
}

static void
owner_drained(struct sim_session *s, void *arg)
{
	(void)s;
	((struct owner *)arg)->drained++;
}

static void
owner_failed(struct sim_session *s, const char *reason, void *arg)
{
	(void)s;
	(void)reason;
	((struct owner *)arg)->failed++;
}

static const struct session_ops owner_ops = {
	no_room, no_input, owner_drained, owner_failed
};

/* Reads at most `max` bytes that are there, as the peer: how many. */
static ssize_t
peer_read_some(struct peer *p, size_t max)
{
	ssize_t n;

	if (max > p->want - p->ngot)
		max = p->want - p->ngot;
	n = read(p->fd, p->got + p->ngot, max);
	if (n > 0)
		p->ngot += (size_t)n;
	return n;
}

static void
peer_read_cb(int fd, int ready, void *arg)
{
	struct peer *p = arg;

	(void)fd;
	(void)ready;
	while (p->ngot < p->want && peer_read_some(p, p->want) > 0)
		;
	if (p->ngot >= p->want)
		sim_loop_stop(p->loop);
}

/* The byte at `i` of the stream: never the same for 251 bytes. */
static uint8_t
stream_byte(size_t i)
{
	return (uint8_t)(i % 251);
}

/* Queues `n` bytes of the stream from `*at`, in corked bursts of frames. */
static void
queue_stream(struct sim_session *s, size_t *at, size_t n)
{
	uint8_t frame[FRAME];
	size_t end = *at + n, k;
	int i;

	while (*at < end) {
		session_cork(s, 1);
		for (i = 0; i < BURST && *at < end; i++) {
			for (k = 0; k < FRAME; k++)
				frame[k] = stream_byte(*at + k);
			assert_int_equal(session_queue(s, frame, FRAME), 0);
			*at += FRAME;
		}
		session_cork(s, 0);
	}
}

static void
test_session_output_whole_and_in_order(void **state)
{
	struct sim_loop *loop = sim_loop_new();
	struct sim_session *s;
	struct owner own = { 0, 0 };
	struct peer p;
	size_t at = 0, i, peak = 0;
	int sv[2], small = 4096;

	(void)state;
	assert_non_null(loop);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0,
	    sv), 0);
	setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
	memset(&p, 0, sizeof p);
	p.loop = loop;
	p.fd = sv[1];
	p.want = TOTAL;
	p.got = malloc(TOTAL);
	assert_non_null(p.got);
	s = session_create(loop, sv[0], "pair", &owner_ops, &own);
	assert_non_null(s);
	session_start(s);

	/*
	 * The peer reads half as fast as the session is given bytes, between
	 * the bursts and not from the loop: the socket is full and has room by
	 * turns, so that bytes queue behind others that wait while the socket
	 * could take them, as well as into an empty queue.
	 */
	while (at < TOTAL) {
		queue_stream(s, &at, 4 * 1024);
		if (session_out_len(s) > peak)
			peak = session_out_len(s);
		peer_read_some(&p, 2 * 1024);
	}
	assert_true(peak > 0);

	/* The peer reads all: everything comes, whole and in order. */
	p.watch = sim_watch_new(loop, sv[1], peer_read_cb, &p);
	assert_non_null(p.watch);
	sim_watch_set(p.watch, SIM_READ);
	assert_int_equal(sim_loop_run(loop), 0);
	assert_int_equal(p.ngot, TOTAL);
	for (i = 0; i < TOTAL; i++)
		if (p.got[i] != stream_byte(i))
			fail_msg("byte %zu: %u, expected %u", i, p.got[i],
			    stream_byte(i));
	assert_int_equal(session_out_len(s), 0);
	assert_true(own.drained >= 1);
	assert_int_equal(own.failed, 0);

	/* With the socket empty again, a burst leaves at once. */
	p.ngot = 0;
	p.want = BURST * FRAME;
	at = 0;
	queue_stream(s, &at, BURST * FRAME);
	assert_int_equal(session_out_len(s), 0);
	assert_int_equal(sim_loop_run(loop), 0);
	assert_int_equal(p.ngot, BURST * FRAME);
	for (i = 0; i < BURST * FRAME; i++)
		assert_int_equal(p.got[i], stream_byte(i));

	sim_watch_free(p.watch);
	session_destroy(s);
	close(sv[1]);
	free(p.got);
	sim_loop_free(loop);
}

/* A peer that is gone: the write fails, reported by the loop, not here. */
static void
test_session_write_to_a_closed_peer(void **state)
{
	struct sim_loop *loop = sim_loop_new();
	struct sim_session *s;
	struct owner own = { 0, 0 };
	uint8_t frame[FRAME] = { 1, 2, 3, 4 };
	int sv[2];

	(void)state;
	assert_non_null(loop);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0,
	    sv), 0);
	s = session_create(loop, sv[0], "pair", &owner_ops, &own);
	assert_non_null(s);
	session_start(s);
	close(sv[1]);
	assert_int_equal(session_queue(s, frame, FRAME), 0);
	assert_int_equal(own.failed, 0);	/* not from inside the call */
	/* Now the session has failed: more is refused. */
	assert_int_equal(session_queue(s, frame, FRAME), -1);
	session_destroy(s);
	sim_loop_free(loop);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_session_output_whole_and_in_order),
		cmocka_unit_test(test_session_write_to_a_closed_peer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
