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
 * With -f FAULT (and -l) it is a faulty PLC, for the tests of the
 * proxy that stands before one; N counts each connection's frames:
 *   wrong:N    every N-th echo has bit 1 of its last byte flipped
 *   slow:MS    every read is echoed MS milliseconds late
 *   reset:N    the connection is reset after its N-th frame, unechoed
 *   silent:N   frames after the N-th are read and never echoed
 *   half:N     as silent:N, but half of the next echo is sent first
 *   flood:N    every echo is followed by N echoes nobody asked for
 *
 * With -t (and -l) it stamps every whole frame when it is read, and prints
 * one line "frame_us T" per frame (T on the monotonic clock, in order)
 * after the intervals: the send times as the wire saw them, for the
 * deviation of a client's frames from its grid.
 *
 * usage: echo_epoll [-l BYTES] [-t] [-f FAULT] [PORT]
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
	unsigned long frames;	/* whole frames so far */
	unsigned long long bytes; /* bytes so far */
	int	half_sent;	/* half:N: the half echo has left */
};

enum fault { F_NONE = 0, F_WRONG, F_SLOW, F_RESET, F_SILENT, F_FLOOD,
	F_HALF };
static enum fault fault;
static unsigned long fault_n;

static volatile sig_atomic_t stopping;
static size_t frame_len;	/* 0: no timing */
static struct track tracks[TRACK_FDS];
static int stamp_frames;

/* A growing list of values; a value that finds no room ends the program,
 * since a list with holes would be a wrong figure. */
struct series {
	tc_us_t	*v;
	size_t	 n, cap;
};

static struct series intervals, frames;

static int
fault_parse(const char *text)
{
	static const char *const names[] = { "", "wrong:", "slow:", "reset:",
	    "silent:", "flood:", "half:" };
	size_t i, len;
	char *end;

	for (i = 1; i < sizeof names / sizeof names[0]; i++) {
		len = strlen(names[i]);
		if (strncmp(text, names[i], len) != 0)
			continue;
		fault_n = strtoul(text + len, &end, 10);
		if (end == text + len || *end != '\0' || fault_n == 0)
			return -1;
		fault = (enum fault)i;
		return 0;
	}
	return -1;
}

/*
 * What a faulty PLC makes of the bytes it read (the frames of them that
 * became whole are already counted); returns the bytes to echo, -1 to
 * reset the connection.
 */
static ssize_t
fault_apply(int fd, unsigned char *buf, size_t r, unsigned long before,
    unsigned long long base)
{
	unsigned long now_frames = tracks[fd].frames, k;
	unsigned long long end;

	switch (fault) {
	case F_WRONG:
		/* Frame k (from 1) ends at byte k * frame_len - 1 of the
		 * connection; base bytes came before this read. */
		for (k = before + 1; k <= now_frames; k++) {
			end = (unsigned long long)k * frame_len - 1;
			if (k % fault_n == 0 && end >= base && end - base < r)
				buf[end - base] ^= 0x02;
		}
		return (ssize_t)r;
	case F_SLOW:
		usleep((useconds_t)(fault_n * 1000));
		return (ssize_t)r;
	case F_RESET:
		return now_frames >= fault_n ? -1 : (ssize_t)r;
	case F_SILENT:
	case F_HALF:
		if (before >= fault_n) {
			if (fault == F_SILENT || tracks[fd].half_sent)
				return 0;
			tracks[fd].half_sent = 1;
			return (ssize_t)(frame_len / 2);
		}
		if (now_frames > fault_n) {
			tracks[fd].half_sent = fault == F_HALF;
			return (ssize_t)((fault_n - before) * frame_len +
			    (fault == F_HALF ? frame_len / 2 : 0));
		}
		return (ssize_t)r;
	default:
		return (ssize_t)r;
	}
}

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
series_add(struct series *s, tc_us_t v)
{
	tc_us_t *grown;

	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 256;
		grown = realloc(s->v, s->cap * sizeof *s->v);
		if (grown == NULL) {
			fprintf(stderr, "echo_epoll: out of memory\n");
			exit(1);
		}
		s->v = grown;
	}
	s->v[s->n++] = v;
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
	t->bytes += len;
	for (i = 0; i < len; i++) {
		if (++t->have < frame_len)
			continue;
		t->have = 0;
		t->frames++;
		if (stamp_frames)
			series_add(&frames, now);
		bit = p[i] & 1;
		if (t->bit >= 0 && bit != t->bit) {
			if (t->have_edge)
				series_add(&intervals, now - t->last_edge);
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

	while ((ch = getopt(argc, argv, "l:tf:")) != -1) {
		if ((ch == 'l' && (frame_len = (size_t)atoi(optarg)) != 0) ||
		    (ch == 'f' && fault_parse(optarg) == 0))
			continue;
		if (ch == 't') {
			stamp_frames = 1;
			continue;
		}
		fprintf(stderr, "usage: echo_epoll [-l BYTES] [-t] [-f FAULT] "
		    "[PORT]\n");
		return 2;
	}
	if (fault != F_NONE && frame_len == 0) {
		fprintf(stderr, "echo_epoll: -f needs -l BYTES\n");
		return 2;
	}
	if (stamp_frames && frame_len == 0) {
		fprintf(stderr, "echo_epoll: -t needs -l BYTES\n");
		return 2;
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
				unsigned long before = 0;
				unsigned long long base = 0;
				ssize_t w = r;

				if (fd < TRACK_FDS) {
					before = tracks[fd].frames;
					base = tracks[fd].bytes;
				}
				if (frame_len > 0)
					track_bytes(fd, (unsigned char *)buf,
					    (size_t)r, clock_now_us());
				if (fault != F_NONE && fd < TRACK_FDS)
					w = fault_apply(fd, (unsigned char *)buf,
					    (size_t)r, before, base);
				if (w < 0) {
					struct linger lg = { 1, 0 };
					setsockopt(fd, SOL_SOCKET, SO_LINGER,
					    &lg, sizeof lg);
					close(fd);
					continue;
				}
				/* Small echoes on loopback: the socket takes them. */
				if (w > 0 && write(fd, buf, (size_t)w) != w) {
					close(fd);
					continue;
				}
				for (i = 0; fault == F_FLOOD && w > 0 &&
				    i < fault_n; i++)
					if (write(fd, buf, (size_t)w) != w)
						break;
			} else if (r == 0 || (errno != EAGAIN && errno != EINTR))
				close(fd);
		}
	}
	for (i = 0; i < intervals.n; i++)
		printf("interval_us %llu\n", (unsigned long long)intervals.v[i]);
	for (i = 0; i < frames.n; i++)
		printf("frame_us %llu\n", (unsigned long long)frames.v[i]);
	free(intervals.v);
	free(frames.v);
	return 0;
}
