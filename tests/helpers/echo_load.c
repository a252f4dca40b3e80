/*
 * echo_load: the load generator of `make bench`. CONNECTIONS connections
 * driven by one thread on epoll, each with one 4-byte frame in flight:
 * send, wait for the echo, check it, send the next, for SECONDS. A frame
 * is a pseudo-random word whose bit 0, the life bit, flips at about every
 * other frame: a life-bit edge that a PLC model records, judges and counts
 * at every other echo, far more often than any client's (every 500 ms),
 * so that the model's cost per edge is in the figure too. A thread
 * waiting on many sockets costs far less CPU than a thread per connection,
 * so that the server, not this program, is what runs out of CPU; to show
 * it, its own CPU time is printed beside the rate:
 *
 *   echoes=N seconds=S rate=R cpu_s=C cpu_pct=P errors=E
 *
 * cpu_pct is CPU time over wall time: 100 is one core kept busy.
 *
 * usage: echo_load PORT CONNECTIONS SECONDS
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"

#define LOAD_FRAME 4

struct load_conn {
	int	 fd;
	uint32_t x;			/* the frame in flight */
	uint8_t	 out[LOAD_FRAME];
	uint8_t	 in[LOAD_FRAME];
	size_t	 got;
};

static tc_us_t
cpu_us(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) != 0)
		return 0;
	return (tc_us_t)ru.ru_utime.tv_sec * TC_US_PER_SEC +
	    (tc_us_t)ru.ru_utime.tv_usec +
	    (tc_us_t)ru.ru_stime.tv_sec * TC_US_PER_SEC +
	    (tc_us_t)ru.ru_stime.tv_usec;
}

static int
load_connect(int port)
{
	struct sockaddr_in sin;
	int fd, one = 1;

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons((uint16_t)port);
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sin, sizeof sin) != 0) {
		close(fd);
		return -1;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	return fd;
}

/* Sends the connection's next frame; -1 when it cannot. */
static int
load_send(struct load_conn *c)
{
	c->x = c->x * 1103515245u + 12345u;
	memcpy(c->out, &c->x, LOAD_FRAME);
	c->got = 0;
	/* 4 bytes into an empty socket buffer: all or an error. */
	return write(c->fd, c->out, LOAD_FRAME) == LOAD_FRAME ? 0 : -1;
}

/* Reads what came; returns the echoes completed, or -1 on an error. */
static int
load_read(struct load_conn *c)
{
	ssize_t r;
	int done = 0;

	for (;;) {
		r = read(c->fd, c->in + c->got, LOAD_FRAME - c->got);
		if (r < 0 && (errno == EAGAIN || errno == EINTR))
			return done;
		if (r <= 0)
			return -1;
		c->got += (size_t)r;
		if (c->got < LOAD_FRAME)
			continue;
		if (memcmp(c->in, c->out, LOAD_FRAME) != 0 ||
		    load_send(c) != 0)
			return -1;
		done++;
	}
}

int
main(int argc, char **argv)
{
	struct epoll_event ev, evs[256];
	struct load_conn *conns;
	unsigned long long echoes = 0;
	tc_us_t t0, t1, c0, c1, end;
	int port, n, seconds, ep, i, k, errors = 0;

	if (argc != 4) {
		fprintf(stderr, "usage: echo_load PORT CONNECTIONS SECONDS\n");
		return 2;
	}
	port = atoi(argv[1]);
	n = atoi(argv[2]);
	seconds = atoi(argv[3]);
	if (n < 1 || seconds < 1 ||
	    (conns = calloc((size_t)n, sizeof *conns)) == NULL)
		return 2;
	signal(SIGPIPE, SIG_IGN);
	if ((ep = epoll_create1(0)) < 0) {
		perror("echo_load: epoll");
		return 1;
	}
	for (i = 0; i < n; i++) {
		conns[i].x = (uint32_t)(i + 1) * 2654435761u;
		if ((conns[i].fd = load_connect(port)) < 0) {
			perror("echo_load: connect");
			return 1;
		}
		ev.events = EPOLLIN;
		ev.data.ptr = &conns[i];
		epoll_ctl(ep, EPOLL_CTL_ADD, conns[i].fd, &ev);
	}
	t0 = clock_now_us();
	c0 = cpu_us();
	end = t0 + (tc_us_t)seconds * TC_US_PER_SEC;
	for (i = 0; i < n; i++)
		if (load_send(&conns[i]) != 0)
			errors++;
	while (errors == 0 && clock_now_us() < end) {
		k = epoll_wait(ep, evs, 256, 50);
		if (k < 0 && errno != EINTR) {
			perror("echo_load: epoll_wait");
			return 1;
		}
		for (i = 0; i < k; i++) {
			int done = load_read(evs[i].data.ptr);

			if (done < 0)
				errors++;
			else
				echoes += (unsigned long long)done;
		}
	}
	t1 = clock_now_us();
	c1 = cpu_us();
	printf("echoes=%llu seconds=%.2f rate=%.0f cpu_s=%.2f cpu_pct=%.0f "
	    "errors=%d\n", echoes, (double)(t1 - t0) / 1e6,
	    (double)echoes * 1e6 / (double)(t1 - t0), (double)(c1 - c0) / 1e6,
	    100.0 * (double)(c1 - c0) / (double)(t1 - t0), errors);
	for (i = 0; i < n; i++)
		close(conns[i].fd);
	free(conns);
	return errors ? 1 : 0;
}
