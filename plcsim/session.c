/* session: one connection's socket I/O; see session.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "session.h"

/* Bytes read per wake-up at most. */
#define SESSION_READ_CHUNK 4096

/*
 * Echoes queued while nothing else waits to go out are kept in the session
 * itself, up to this much, and written with one send: an evbuffer would
 * allocate a chain for them and free it once written, for every burst of
 * echoes (a fifth of what plcsim does per echo at cycle 0). What the send
 * does not take stays there; what does not fit, or comes while older bytes
 * wait in the evbuffer, goes through the evbuffer, after them.
 */
#define SESSION_INLINE_OUT 256

struct sim_session {
	int			 fd;
	struct sim_watch	*watch;
	struct sim_timer	*report;	/* tells the owner of a failure */
	struct sim_buf		*out;
	uint8_t			 inline_out[SESSION_INLINE_OUT];
	size_t			 inline_len;	/* > 0: `out` is empty */
	const struct session_ops *ops;
	void			*arg;
	int			 started;
	int			 paused;	/* SIM_READ | SIM_WRITE */
	int			 failed;	/* I/O failed or the peer closed */
	int			 corked;	/* queue without writing */
	int			 discarding;	/* read and drop, write nothing */
	char			 peer[SESSION_PEER_MAX];
	char			 reason[96];	/* why it failed */
};

/*
 * The owner hears of a failure from the loop, never from inside the call
 * that met it: a write fails inside session_queue, which the owner (or a
 * hook of the owner's owner) called and still holds state around. Telling
 * it there would let it end the connection, and free what the caller is
 * about to use, under the caller's feet.
 */
static uint64_t
session_report_timer(void *arg)
{
	struct sim_session *s = arg;

	if (s->fd >= 0)
		s->ops->failed(s, s->reason, s->arg);
	return SIM_TIMER_STOP;
}

static void
session_fail(struct sim_session *s, const char *reason)
{
	if (s->failed || s->fd < 0)
		return;
	s->failed = 1;
	snprintf(s->reason, sizeof s->reason, "%s", reason);
	sim_watch_set(s->watch, 0);
	sim_timer_start(s->report, 0);
}

static void
session_do_read(struct sim_session *s)
{
	uint8_t buf[SESSION_READ_CHUNK];
	char reason[96];
	size_t room = s->discarding ? sizeof buf : s->ops->room(s, s->arg);
	ssize_t n;

	if (room == 0)
		return;
	if (room > sizeof buf)
		room = sizeof buf;
	n = recv(s->fd, buf, room, 0);
	if (n > 0) {
		if (!s->discarding)
			s->ops->input(s, buf, (size_t)n, s->arg);
		return;
	}
	if (n == 0) {
		session_fail(s, "peer closed");
		return;
	}
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
		return;
	if (errno == ECONNRESET)
		session_fail(s, "reset by peer");
	else {
		snprintf(reason, sizeof reason, "receive failed: %s",
		    strerror(errno));
		session_fail(s, reason);
	}
}

/* Moves the inline bytes into the evbuffer: 0, or -1 (then kept). */
static int
session_spill(struct sim_session *s)
{
	if (s->inline_len > 0 &&
	    sim_buf_add(s->out, s->inline_out, s->inline_len) != 0)
		return -1;
	s->inline_len = 0;
	return 0;
}

/* Writes the inline bytes with one send; what it did not take stays. */
static ssize_t
session_write_inline(struct sim_session *s)
{
	ssize_t n = send(s->fd, s->inline_out, s->inline_len,
	    MSG_NOSIGNAL | MSG_DONTWAIT);

	if (n > 0) {
		s->inline_len -= (size_t)n;
		memmove(s->inline_out, s->inline_out + n, s->inline_len);
	}
	return n;
}

static void
session_do_write(struct sim_session *s, int notify)
{
	char reason[96];
	ssize_t n;

	n = s->inline_len > 0 ? session_write_inline(s) :
	    sim_buf_write_fd(s->out, s->fd, 0);
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return;
		if (errno == ECONNRESET || errno == EPIPE)
			session_fail(s, "reset by peer");
		else {
			snprintf(reason, sizeof reason, "send failed: %s",
			    strerror(errno));
			session_fail(s, reason);
		}
		return;
	}
	if (notify && session_out_len(s) == 0 && s->ops->drained != NULL)
		s->ops->drained(s, s->arg);
}

static void
session_ready_cb(int fd, int ready, void *arg)
{
	struct sim_session *s = arg;

	(void)fd;
	if ((ready & SIM_WRITE) && s->fd >= 0 && !s->failed &&
	    !s->discarding)
		session_do_write(s, 1);
	if ((ready & SIM_READ) && s->fd >= 0 && !s->failed)
		session_do_read(s);
	if (s->fd >= 0 && !s->failed)
		session_update(s);
}

struct sim_session *
session_create(struct sim_loop *loop, int fd, const char *peer,
    const struct session_ops *ops, void *arg)
{
	struct sim_session *s;

	if ((s = calloc(1, sizeof *s)) == NULL)
		return NULL;
	s->fd = fd;
	s->ops = ops;
	s->arg = arg;
	snprintf(s->peer, sizeof s->peer, "%s", peer);
	s->watch = sim_watch_new(loop, fd, session_ready_cb, s);
	s->report = sim_timer_new(loop, session_report_timer, s);
	s->out = sim_buf_new();
	if (s->watch == NULL || s->report == NULL || s->out == NULL) {
		sim_watch_free(s->watch);
		sim_timer_free(s->report);
		sim_buf_free(s->out);
		free(s);
		return NULL;
	}
	return s;
}

void
session_destroy(struct sim_session *s)
{
	if (s == NULL)
		return;
	session_close(s, SESSION_CLOSE_FIN);
	sim_timer_free(s->report);
	sim_buf_free(s->out);
	free(s);
}

void
session_start(struct sim_session *s)
{
	s->started = 1;
	session_update(s);
}

void
session_update(struct sim_session *s)
{
	int what = 0;

	if (s->fd < 0 || s->failed || !s->started)
		return;
	if (s->discarding) {
		sim_watch_set(s->watch, SIM_READ);
		return;
	}
	if (!(s->paused & SIM_READ) && s->ops->room(s, s->arg) > 0)
		what |= SIM_READ;
	/* Corked: the uncork writes, and watches only what it cannot. */
	if (!(s->paused & SIM_WRITE) && !s->corked && session_out_len(s) > 0)
		what |= SIM_WRITE;
	sim_watch_set(s->watch, what);
}

void
session_pause(struct sim_session *s, int what)
{
	s->paused |= what;
	session_update(s);
}

void
session_resume(struct sim_session *s, int what)
{
	s->paused &= ~what;
	session_update(s);
}

void
session_discard(struct sim_session *s)
{
	s->discarding = 1;
	session_update(s);
}

int
session_queue(struct sim_session *s, const uint8_t *data, size_t len)
{
	if (s->fd < 0 || s->failed || s->discarding)
		return -1;
	if (s->inline_len + len <= sizeof s->inline_out &&
	    sim_buf_len(s->out) == 0) {
		memcpy(s->inline_out + s->inline_len, data, len);
		s->inline_len += len;
	} else if (session_spill(s) != 0 ||
	    sim_buf_add(s->out, data, len) != 0)
		return -1;
	/* Write at once when the socket takes it: no extra loop turn. */
	if (!(s->paused & SIM_WRITE) && s->started && !s->corked)
		session_do_write(s, 0);
	if (s->fd >= 0 && !s->failed)
		session_update(s);
	return 0;
}

void
session_cork(struct sim_session *s, int corked)
{
	s->corked = corked;
	if (corked || s->fd < 0 || s->failed)
		return;
	if (!(s->paused & SIM_WRITE) && s->started && !s->discarding)
		session_do_write(s, 0);
	if (s->fd >= 0 && !s->failed)
		session_update(s);
}

size_t
session_out_len(const struct sim_session *s)
{
	return s->inline_len + sim_buf_len(s->out);
}

void
session_close(struct sim_session *s, enum session_close how)
{
	struct linger lg = { 1, 0 };

	if (s->fd < 0)
		return;
	sim_watch_free(s->watch);
	s->watch = NULL;
	/* A failure not yet reported is moot: the owner has let go. */
	sim_timer_stop(s->report);
	if (how == SESSION_CLOSE_RST)
		setsockopt(s->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
	close(s->fd);
	s->fd = -1;
}

const char *
session_peer(const struct sim_session *s)
{
	return s->peer;
}

int
session_peer_gone(const struct sim_session *s)
{
	char c;
	ssize_t n;

	if (s->fd < 0)
		return 1;
	n = recv(s->fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
	if (n > 0)
		return 0;
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK ||
	    errno == EINTR))
		return 0;
	return 1;
}
