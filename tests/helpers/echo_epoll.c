/*
 * echo_epoll: the smallest reasonable epoll echo server, the yardstick for
 * plcsim in `make bench`. Prints "listening on 127.0.0.1:PORT" and echoes
 * every byte at once until SIGTERM.
 *
 * With -l BYTES it also times the life bit on the wire: each connection's
 * bytes are cut into frames of BYTES, and every change of bit 0 (the last
 * byte's lowest bit) is an edge, stamped when it is read. On SIGTERM it
 * prints one line "interval_us N" per pair of edges of a connection, then
 * exits 0.
 *
 * usage: echo_epoll [-l BYTES] [PORT]
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"

/* Connections whose life bit is timed: those with a smaller fd. */
#define TRACK_FDS 1024

struct track {
	size_t	have;		/* bytes of the current frame */
	int	bit;		/* -1: no frame yet */
	int	have_edge;
	tc_us_t	last_edge;
};

static volatile sig_atomic_t stopping;
static size_t frame_len;	/* 0: no timing */
static struct track tracks[TRACK_FDS];
static tc_us_t *intervals;
static size_t nintervals, capintervals;

static void
stop_cb(int signo)
{
	(void)signo;
	stopping = 1;
}

static void
track_start(int fd)
{
	if (fd >= 0 && fd < TRACK_FDS) {
		memset(&tracks[fd], 0, sizeof tracks[fd]);
		tracks[fd].bit = -1;
	}
}

static void
track_interval(tc_us_t v)
{
	tc_us_t *grown;

	if (nintervals == capintervals) {
		capintervals = capintervals ? 2 * capintervals : 256;
		grown = realloc(intervals, capintervals * sizeof *intervals);
		if (grown == NULL)
			return;
		intervals = grown;
	}
	intervals[nintervals++] = v;
}

/* Bytes read at `now` on fd: the edges of bit 0 among whole frames. */
static void
track_bytes(int fd, const unsigned char *p, size_t len, tc_us_t now)
{
	struct track *t;
	size_t i;
	int bit;

	if (fd < 0 || fd >= TRACK_FDS)
		return;
	t = &tracks[fd];
	for (i = 0; i < len; i++) {
		if (++t->have < frame_len)
			continue;
		t->have = 0;
		bit = p[i] & 1;
		if (t->bit >= 0 && bit != t->bit) {
			if (t->have_edge)
				track_interval(now - t->last_edge);
			t->have_edge = 1;
			t->last_edge = now;
		}
		t->bit = bit;
	}
}

int
main(int argc, char **argv)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof sin;
	struct sigaction sa;
	struct epoll_event ev, evs[256];
	char buf[65536];
	size_t i;
	int lfd, ep, one = 1, n, k, ch;

	while ((ch = getopt(argc, argv, "l:")) != -1) {
		if (ch != 'l' || (frame_len = (size_t)atoi(optarg)) == 0) {
			fprintf(stderr, "usage: echo_epoll [-l BYTES] [PORT]\n");
			return 2;
		}
	}
	signal(SIGPIPE, SIG_IGN);
	if (frame_len > 0) {
		/* No SA_RESTART: the signal ends the wait. */
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = stop_cb;
		sigaction(SIGTERM, &sa, NULL);
	}
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons(optind < argc ? (uint16_t)atoi(argv[optind]) : 0);
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sin, sizeof sin) != 0 ||
	    listen(lfd, 1024) != 0 ||
	    getsockname(lfd, (struct sockaddr *)&sin, &len) != 0) {
		perror("echo_epoll: listen");
		return 1;
	}
	printf("listening on 127.0.0.1:%u\n", ntohs(sin.sin_port));
	fflush(stdout);
	ep = epoll_create1(0);
	ev.events = EPOLLIN;
	ev.data.fd = lfd;
	epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
	while (!stopping) {
		n = epoll_wait(ep, evs, 256, -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return 1;
		for (k = 0; k < n; k++) {
			int fd = evs[k].data.fd;
			ssize_t r;

			if (fd == lfd) {
				int c;

				while ((c = accept4(lfd, NULL, NULL,
				    SOCK_NONBLOCK)) >= 0) {
					setsockopt(c, IPPROTO_TCP, TCP_NODELAY,
					    &one, sizeof one);
					if (frame_len > 0)
						track_start(c);
					ev.events = EPOLLIN;
					ev.data.fd = c;
					epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev);
				}
				continue;
			}
			r = read(fd, buf, sizeof buf);
			if (r > 0) {
				if (frame_len > 0)
					track_bytes(fd, (unsigned char *)buf,
					    (size_t)r, clock_now_us());
				/* Small echoes on loopback: the socket takes them. */
				if (write(fd, buf, (size_t)r) != r) {
					close(fd);
				}
			} else if (r == 0 || (errno != EAGAIN && errno != EINTR))
				close(fd);
		}
	}
	for (i = 0; i < nintervals; i++)
		printf("interval_us %llu\n", (unsigned long long)intervals[i]);
	free(intervals);
	return 0;
}
