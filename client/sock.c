/* sock: TCP connect, options and waits; see sock.h. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sock.h"

/*
 * No single ppoll is longer than this. One that a stop (SIGSTOP, a paused
 * machine) interrupts is restarted with the time it had left when it
 * stopped: without slices a deadline would be missed by as long as the
 * stop lasted (a toggler asleep for a 2 s cycle would stay silent up to
 * 2 s after the process runs again). In slices, by at most one slice.
 */
#define SOCK_WAIT_SLICE_US (100 * TC_US_PER_MS)

int
sock_wait(int fd, short events, int stop_fd, tc_us_t deadline)
{
	struct pollfd pfd[2];
	struct timespec ts;
	tc_us_t now, left;
	int n, r;

	pfd[0].fd = stop_fd;
	pfd[0].events = POLLIN;
	pfd[1].fd = fd;
	pfd[1].events = events;
	n = fd >= 0 ? 2 : 1;
	for (;;) {
		pfd[0].revents = pfd[1].revents = 0;
		now = clock_now_us();
		left = deadline > now ? deadline - now : 0;
		ts = clock_us_to_timespec(left < SOCK_WAIT_SLICE_US ? left :
		    SOCK_WAIT_SLICE_US);
		r = ppoll(pfd, (nfds_t)n, &ts, NULL);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (pfd[0].revents) {
			errno = ECANCELED;
			return -1;
		}
		if (r > 0)
			return 1;
		/* A slice is over, or ppoll woke a little early (some
		 * kernels do): wait on. */
		if (clock_now_us() >= deadline)
			return 0;
	}
}

/*
 * A read that waits for an echo blocks for a slice (SO_RCVTIMEO) before it
 * looks at the stop request again, instead of being ended at once by the
 * stop pipe as a poll is. The kernel ends a receive timeout on one of its
 * ticks, up to two ticks late (20 ms at HZ=100; seen up to 13 ms late on a
 * virtual machine at HZ=250): a stop ends such a wait within about 30 ms,
 * and slices are used only while the deadline is further than a slice and
 * that lateness, so that the last stretch, a poll, ends on the deadline.
 */
#define SOCK_READ_SLICE_US    (10 * TC_US_PER_MS)
#define SOCK_READ_LATE_US     (30 * TC_US_PER_MS)

/*
 * The kernel lets a poll timeout of T run late by up to T/1000 (100 us for
 * a 100 ms cycle), so a long wait polls until shortly before the deadline
 * and sleeps the last stretch with clock_nanosleep, whose only slack is the
 * thread's timer slack. The stretch is short enough that a stop request
 * is still seen promptly.
 */
#define SOCK_FINE_SLEEP_US 2000

int
sock_sleep_until(int wake_fd, int stop_fd, tc_us_t deadline)
{
	struct timespec ts;
	tc_us_t now, remaining;
	int r;

	for (;;) {
		now = clock_now_us();
		if (now >= deadline)
			break;
		remaining = deadline - now;
		if (remaining <= SOCK_FINE_SLEEP_US)
			break;
		r = sock_wait(wake_fd, POLLIN, stop_fd, deadline -
		    SOCK_FINE_SLEEP_US / 2 - remaining / 500);
		if (r != 0)
			return r;
	}
	ts = clock_us_to_timespec(deadline);
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) ==
	    EINTR)
		;
	if (sock_wait(-1, 0, stop_fd, 0) < 0)
		return -1;
	return 0;
}

static ssize_t
sock_send_cb(void *io, const uint8_t *buf, size_t len)
{
	struct sock *s = io;

	return send(s->fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
}

/* The kernel's stamp in a received message's control data, or 0. */
static uint64_t
sock_stamp_of(struct msghdr *msg)
{
#ifdef SO_TIMESTAMPNS
	struct cmsghdr *c;
	struct timespec ts;

	for (c = CMSG_FIRSTHDR(msg); c != NULL; c = CMSG_NXTHDR(msg, c)) {
		if (c->cmsg_level != SOL_SOCKET ||
		    c->cmsg_type != SCM_TIMESTAMPNS ||
		    c->cmsg_len < CMSG_LEN(sizeof ts))
			continue;
		memcpy(&ts, CMSG_DATA(c), sizeof ts);
		return (uint64_t)ts.tv_sec * 1000000000ULL +
		    (uint64_t)ts.tv_nsec;
	}
#else
	(void)msg;
#endif
	return 0;
}

/* recvmsg for one buffer, with the arrival stamp when asked for. */
static ssize_t
sock_recv_stamped(struct sock *s, uint8_t *buf, size_t len, int flags,
    uint64_t *stamp_ns)
{
	union {
		struct cmsghdr align;
		char	       space[CMSG_SPACE(sizeof(struct timespec)) * 2];
	} control;
	struct iovec iov;
	struct msghdr msg;
	ssize_t n;

	if (stamp_ns == NULL)
		return recv(s->fd, buf, len, flags);
	*stamp_ns = 0;
	iov.iov_base = buf;
	iov.iov_len = len;
	memset(&msg, 0, sizeof msg);
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = control.space;
	msg.msg_controllen = sizeof control.space;
	n = recvmsg(s->fd, &msg, flags);
	if (n > 0 && !(msg.msg_flags & MSG_CTRUNC))
		*stamp_ns = sock_stamp_of(&msg);
	return n;
}

/*
 * A read that waits: while the deadline is further than a slice and the
 * kernel's rounding away, a blocking read that SO_RCVTIMEO ends after a
 * slice, so that the stop request is looked at between slices; the last
 * stretch, exactly to the deadline, with a poll that the stop pipe also
 * ends.
 */
static ssize_t
sock_recv_wait_cb(void *io, uint8_t *buf, size_t len, tc_us_t deadline,
    uint64_t *stamp_ns)
{
	struct sock *s = io;
	tc_us_t now;
	ssize_t n;
	int w, slice;

	for (;;) {
		if (s->stopping != NULL && atomic_load(s->stopping)) {
			errno = ECANCELED;
			return -1;
		}
		now = clock_now_us();
		slice = s->sliced && deadline > now && deadline - now >
		    SOCK_READ_SLICE_US + SOCK_READ_LATE_US;
		n = sock_recv_stamped(s, buf, len, slice ? 0 : MSG_DONTWAIT,
		    stamp_ns);
		if (n >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK &&
		    errno != EINTR))
			return n;
		if (slice)
			continue;	/* a slice ended, or a signal (SIGSTOP) */
		w = sock_wait(s->fd, POLLIN, s->stop_fd, deadline);
		if (w == 0)
			errno = EAGAIN;	/* the deadline passed */
		if (w != 1)
			return -1;
	}
}

static int
sock_wait_cb(void *io, enum link_wait what, tc_us_t deadline)
{
	struct sock *s = io;

	return sock_wait(s->fd, what == LINK_WAIT_READ ? POLLIN : POLLOUT,
	    s->stop_fd, deadline);
}

static ssize_t
sock_recv_cb(void *io, uint8_t *buf, size_t len)
{
	return sock_recv_stamped(io, buf, len, MSG_DONTWAIT, NULL);
}

const struct link_ops sock_link_ops = {
	sock_send_cb, sock_recv_cb, sock_wait_cb, sock_recv_wait_cb
};

static void
sock_addr_format(struct sock_addr *a)
{
	char host[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;

	if (a->ss.ss_family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)&a->ss;
		inet_ntop(AF_INET, &in->sin_addr, host, sizeof host);
		port = ntohs(in->sin_port);
		snprintf(a->text, sizeof a->text, "%s:%u", host, port);
	} else if (a->ss.ss_family == AF_INET6) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&a->ss;
		inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof host);
		port = ntohs(in6->sin6_port);
		snprintf(a->text, sizeof a->text, "[%s]:%u", host, port);
	}
}

int
sock_host_check(const char *host, char *err, size_t errlen)
{
	struct in6_addr a6;
	size_t n = strlen(host), label = 0, i;
	unsigned char c;

	if (inet_pton(AF_INET6, host, &a6) == 1)
		return 0;
	if (n == 0 || n > 253)
		goto bad;
	for (i = 0; i < n; i++) {
		c = (unsigned char)host[i];
		if (c == '.') {
			if (label == 0)
				goto bad;
			label = 0;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_'))
			goto bad;
		if (++label > 63)
			goto bad;
	}
	return 0;
bad:
	snprintf(err, errlen, "server '%s' is not a host name or address",
	    host);
	return -1;
}

/*
 * Around getaddrinfo: the flag is set before the stop request is read, and
 * tcpcom_join sets the request before it reads the flag (both sequentially
 * consistent), so that one of the two always sees the other. -1 when the
 * client is stopping.
 */
static int
sock_lookup_begin(struct sock *s)
{
	if (s->resolving == NULL)
		return 0;
	atomic_store(s->resolving, 1);
	if (atomic_load(s->stopping)) {
		atomic_store(s->resolving, 0);
		return -1;
	}
	return 0;
}

static int
sock_lookup_end(struct sock *s)
{
	if (s->resolving == NULL)
		return 0;
	atomic_store(s->resolving, 0);
	return atomic_load(s->stopping) ? -1 : 0;
}

int
sock_connect_host(struct sock *s, const char *host, uint16_t port,
    tc_us_t deadline, tc_us_t user_timeout_us, struct sock_addr *out,
    enum sock_fail *why, char *err, size_t errlen)
{
	struct addrinfo hints, *res = NULL, *ai;
	char service[8], one[256];
	size_t left = 0, used;
	tc_us_t now, until;
	int rc, all_refused = 1, saved = 0;

	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_protocol = IPPROTO_TCP;
	snprintf(service, sizeof service, "%u", (unsigned)port);
	memset(out, 0, sizeof *out);
	snprintf(out->text, sizeof out->text, "%.48s:%u", host,
	    (unsigned)port);
	if (sock_lookup_begin(s) != 0)
		goto stopped;
	rc = getaddrinfo(host, service, &hints, &res);
	if (sock_lookup_end(s) != 0) {
		if (res != NULL)
			freeaddrinfo(res);
		goto stopped;
	}
	if (rc != 0 || res == NULL) {
		snprintf(err, errlen, "server '%s' does not resolve: %s", host,
		    rc == EAI_SYSTEM ? strerror(errno) : rc != 0 ?
		    gai_strerror(rc) : "no address");
		if (res != NULL)
			freeaddrinfo(res);
		*why = SOCK_FAIL_RESOLVE;
		errno = EHOSTUNREACH;
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next)
		left++;
	snprintf(err, errlen, "connect to %s:", host);
	for (ai = res; ai != NULL; ai = ai->ai_next, left--) {
		if (ai->ai_addrlen > sizeof out->ss)
			continue;
		memset(out, 0, sizeof *out);
		memcpy(&out->ss, ai->ai_addr, ai->ai_addrlen);
		out->len = ai->ai_addrlen;
		sock_addr_format(out);
		/* An even share of what is left, so that a silent first
		 * address leaves time for the others. */
		now = clock_now_us();
		until = deadline > now ? now + (deadline - now) / left : now;
		if (sock_connect(s, out, until, user_timeout_us, one,
		    sizeof one) == 0) {
			freeaddrinfo(res);
			*why = SOCK_FAIL_NONE;
			return 0;
		}
		saved = errno;
		if (saved == ECANCELED)
			break;
		if (saved != ECONNREFUSED)
			all_refused = 0;
		used = strlen(err);
		if (used < errlen)
			snprintf(err + used, errlen - used, " %s;",
			    strncmp(one, "connect to ", 11) == 0 ? one + 11 :
			    one);
	}
	freeaddrinfo(res);
	if (saved == ECANCELED)
		goto stopped;
	used = strlen(err);
	if (used > 0 && err[used - 1] == ';')
		err[used - 1] = '\0';
	*why = SOCK_FAIL_CONNECT;
	errno = all_refused ? ECONNREFUSED : saved;
	return -1;
stopped:
	*why = SOCK_FAIL_STOP;
	errno = ECANCELED;
	return -1;
}

static void
sock_set_options(int fd, tc_us_t user_timeout_us)
{
	int one = 1, idle = 2, intvl = 1, cnt = 3;
	unsigned int uto = (unsigned int)(user_timeout_us / TC_US_PER_MS);

	/* A frame is tiny and latency matters: never wait to coalesce. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	/* An idle link to a dead peer is noticed within idle + intvl * cnt. */
	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof intvl);
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof cnt);
#ifdef SO_TIMESTAMPNS
	/* Received bytes carry when they arrived: an echo that was there
	 * before its frame left is told apart without a read before every
	 * frame (see sender.c). Without it, that read is made. */
	setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof one);
#endif
#ifdef TCP_USER_TIMEOUT
	/* Unacknowledged data for this long means the peer is gone. */
	if (uto > 0)
		setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &uto, sizeof uto);
#endif
}

/*
 * Reads that wait block in the kernel, in slices, when the stop request can
 * be looked at between them; writes and the other reads say MSG_DONTWAIT.
 * 1 when set up, 0 when reads must poll first (still correct, a system
 * call more per echo).
 */
static int
sock_read_in_slices(struct sock *s)
{
	struct timeval tv;
	int flags;

	if (s->stopping == NULL)
		return 0;
	tv.tv_sec = 0;
	tv.tv_usec = (suseconds_t)SOCK_READ_SLICE_US;
	if (setsockopt(s->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) != 0)
		return 0;
	flags = fcntl(s->fd, F_GETFL);
	if (flags < 0 || fcntl(s->fd, F_SETFL, flags & ~O_NONBLOCK) != 0)
		return 0;
	return 1;
}

int
sock_connect(struct sock *s, const struct sock_addr *addr, tc_us_t deadline,
    tc_us_t user_timeout_us, char *err, size_t errlen)
{
	int fd, w, soerr = 0;
	socklen_t slen = sizeof soerr;

	fd = socket(addr->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, IPPROTO_TCP);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	sock_set_options(fd, user_timeout_us);
	if (connect(fd, (const struct sockaddr *)&addr->ss, addr->len) != 0) {
		if (errno != EINPROGRESS) {
			soerr = errno;
			goto fail;
		}
		w = sock_wait(fd, POLLOUT, s->stop_fd, deadline);
		if (w == 0) {
			soerr = ETIMEDOUT;
			goto fail;
		}
		if (w < 0) {
			soerr = errno;
			goto fail;
		}
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &slen) != 0)
			soerr = errno;
		if (soerr != 0)
			goto fail;
	}
	s->fd = fd;
	s->sliced = sock_read_in_slices(s);
	return 0;
fail:
	close(fd);
	snprintf(err, errlen, "connect to %s: %s", addr->text,
	    soerr == ETIMEDOUT ? "timed out" : strerror(soerr));
	errno = soerr;
	return -1;
}

void
sock_close(struct sock *s)
{
	if (s->fd >= 0) {
		close(s->fd);
		s->fd = -1;
	}
}
