/* listener: the listening socket; see listener.h. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "listener.h"
#include "log.h"

/* Accepts per wake-up, so that a flood cannot starve served clients. */
#define LISTENER_BATCH 32
/* Port 0: drawn from [LISTENER_QUIET_LOW, the ephemeral range), tries. */
#define LISTENER_QUIET_LOW 10000
#define LISTENER_QUIET_TRIES 32
/* Pause after EMFILE/ENFILE before accepting again. */
#define LISTENER_RETRY_US (100 * TC_US_PER_MS)

struct sim_listener {
	struct sim_loop	   *loop;
	int		    fd;
	struct sim_watch   *watch;
	struct sim_timer   *retry;
	int		    paused;
	int		    exhausted;	/* waiting for fds after EMFILE */
	uint16_t	    port;
	listener_accept_cb  cb;
	void		   *arg;
	char		    address[LISTENER_ADDR_MAX];
};

void
listener_format_addr(const void *sa, unsigned salen, char *out, size_t outlen)
{
	const struct sockaddr *s = sa;
	char host[NI_MAXHOST], serv[NI_MAXSERV];

	if (getnameinfo(s, (socklen_t)salen, host, sizeof host, serv,
	    sizeof serv, NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
		snprintf(out, outlen, "?");
		return;
	}
	if (s->sa_family == AF_INET6)
		snprintf(out, outlen, "[%s]:%s", host, serv);
	else
		snprintf(out, outlen, "%s:%s", host, serv);
}

static void
listener_update(struct sim_listener *l)
{
	sim_watch_set(l->watch, l->paused || l->exhausted ? 0 : SIM_READ);
}

/* Accepts up to `max` connections; returns -1 on fd exhaustion. */
static int
listener_accept_some(struct sim_listener *l, listener_accept_cb cb, void *arg,
    int max)
{
	struct sockaddr_storage ss;
	socklen_t sslen;
	char peer[LISTENER_ADDR_MAX];
	int fd, i;

	for (i = 0; max == 0 || i < max; i++) {
		sslen = sizeof ss;
		fd = accept4(l->fd, (struct sockaddr *)&ss, &sslen,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			if (errno == EMFILE || errno == ENFILE ||
			    errno == ENOBUFS || errno == ENOMEM) {
				log_warn("accept: %s; pausing the listener",
				    strerror(errno));
				return -1;
			}
			log_warn("accept: %s", strerror(errno));
			return 0;
		}
		listener_format_addr(&ss, sslen, peer, sizeof peer);
		cb(fd, peer, arg);
	}
	return 0;
}

static uint64_t
listener_retry_timer(void *arg)
{
	struct sim_listener *l = arg;

	l->exhausted = 0;
	listener_update(l);
	return SIM_TIMER_STOP;
}

static void
listener_ready_cb(int fd, int ready, void *arg)
{
	struct sim_listener *l = arg;

	(void)fd;
	(void)ready;
	if (listener_accept_some(l, l->cb, l->arg, LISTENER_BATCH) < 0) {
		/* Come back later rather than spin on a full fd table. */
		l->exhausted = 1;
		listener_update(l);
		sim_timer_start(l->retry, LISTENER_RETRY_US);
	}
}

/*
 * Port 0 asks for a free port. The kernel would draw it from its ephemeral
 * range, where any connection made on this machine, or any other bind to
 * port 0, may take it while the PLC's listener is closed for TwinCAT's
 * error path, and then the PLC cannot listen again. So a free port is
 * drawn below that range first: the kernel never hands those out by
 * itself. The range's low end, or 0 when it cannot be read.
 */
static unsigned
listener_ephemeral_low(void)
{
	FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "r");
	unsigned low = 0, high = 0;

	if (f == NULL)
		return 0;
	if (fscanf(f, "%u %u", &low, &high) != 2)
		low = 0;
	fclose(f);
	return low;
}

static struct sim_listener *listener_open_port(struct sim_loop *, const char *,
    uint16_t, int, listener_accept_cb, void *, char *, size_t, int *);

struct sim_listener *
listener_open(struct sim_loop *loop, const char *host, uint16_t port,
    int backlog, listener_accept_cb cb, void *arg, char *err, size_t errlen)
{
	struct sim_listener *l;
	struct timespec ts;
	unsigned low = LISTENER_QUIET_LOW, high, state, i;
	int saved;

	high = port == 0 ? listener_ephemeral_low() : 0;
	if (high > low + LISTENER_QUIET_TRIES) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		state = (unsigned)ts.tv_nsec ^ ((unsigned)getpid() << 16);
		for (i = 0; i < LISTENER_QUIET_TRIES; i++) {
			/* A step of an LCG: spread, not secret. */
			state = state * 1103515245u + 12345u;
			l = listener_open_port(loop, host,
			    (uint16_t)(low + (state >> 8) % (high - low)),
			    backlog, cb, arg, err, errlen, &saved);
			if (l != NULL)
				return l;
			if (saved != EADDRINUSE)
				break;
		}
	}
	return listener_open_port(loop, host, port, backlog, cb, arg, err,
	    errlen, &saved);
}

static struct sim_listener *
listener_open_port(struct sim_loop *loop, const char *host, uint16_t port,
    int backlog, listener_accept_cb cb, void *arg, char *err, size_t errlen,
    int *errnop)
{
	struct addrinfo hints, *res = NULL, *ai;
	struct sim_listener *l;
	struct sockaddr_storage ss;
	socklen_t sslen = sizeof ss;
	char portstr[16];
	int fd = -1, one = 1, rc, saved = 0;

	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	snprintf(portstr, sizeof portstr, "%u", (unsigned)port);
	rc = getaddrinfo(host[0] != '\0' ? host : NULL, portstr, &hints, &res);
	*errnop = 0;
	if (rc != 0) {
		snprintf(err, errlen, "cannot resolve '%s': %s", host,
		    gai_strerror(rc));
		return NULL;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family,
		    ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    ai->ai_protocol);
		if (fd < 0) {
			saved = errno;
			continue;
		}
		/* Re-listening on the same port must work at once. */
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 &&
		    listen(fd, backlog) == 0)
			break;
		saved = errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0) {
		*errnop = saved;
		snprintf(err, errlen, "cannot listen on %s:%u: %s", host,
		    (unsigned)port, strerror(saved));
		return NULL;
	}
	if ((l = calloc(1, sizeof *l)) == NULL) {
		close(fd);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	l->loop = loop;
	l->fd = fd;
	l->cb = cb;
	l->arg = arg;
	l->paused = 1;
	if (getsockname(fd, (struct sockaddr *)&ss, &sslen) == 0) {
		listener_format_addr(&ss, sslen, l->address,
		    sizeof l->address);
		if (ss.ss_family == AF_INET)
			l->port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
		else if (ss.ss_family == AF_INET6)
			l->port = ntohs(
			    ((struct sockaddr_in6 *)&ss)->sin6_port);
	}
	l->watch = sim_watch_new(loop, fd, listener_ready_cb, l);
	l->retry = sim_timer_new(loop, listener_retry_timer, l);
	if (l->watch == NULL || l->retry == NULL) {
		listener_close(l);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	return l;
}

void
listener_close(struct sim_listener *l)
{
	if (l == NULL)
		return;
	sim_watch_free(l->watch);
	sim_timer_free(l->retry);
	close(l->fd);
	free(l);
}

void
listener_pause(struct sim_listener *l, int paused)
{
	l->paused = paused;
	listener_update(l);
}

void
listener_drain(struct sim_listener *l, listener_accept_cb cb, void *arg)
{
	(void)listener_accept_some(l, cb, arg, 0);
}

uint16_t
listener_port(const struct sim_listener *l)
{
	return l->port;
}

const char *
listener_address(const struct sim_listener *l)
{
	return l->address;
}
