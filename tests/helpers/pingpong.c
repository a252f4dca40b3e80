/*
 * pingpong: the loopback limit for one connection, the yardstick for
 * `tcpcom --send-cycle 1us` in `make bench`. Two minimal processes:
 *
 *   pingpong serve
 *	prints "listening on 127.0.0.1:PORT", then serves one connection
 *	at a time with blocking reads and writes, each byte echoed at once,
 *	until SIGTERM;
 *   pingpong ping PORT SECONDS
 *	one connection: a 4-byte frame written, its echo read whole with
 *	blocking calls, the next frame, for SECONDS; then
 *	  round_trips=N seconds=S rate=R errors=E
 *
 * Nothing else per round trip: no clock read, no poll, no lock, so that
 * what tcpcom takes more per frame than this is its own cost.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"

#define PP_FRAME 4

static volatile sig_atomic_t stopping;

static void
stop_cb(int signo)
{
	(void)signo;
	stopping = 1;
}

static void
nodelay(int fd)
{
	int one = 1;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

static int
serve(void)
{
	struct sockaddr_in a;
	socklen_t alen = sizeof a;
	struct sigaction sa;
	uint8_t buf[4096];
	ssize_t n;
	int lfd, fd, one = 1;

	/* No SA_RESTART: SIGTERM ends a blocking accept or read. */
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = stop_cb;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0)
		return perror("socket"), 2;
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(lfd, (struct sockaddr *)&a, sizeof a) != 0 ||
	    listen(lfd, 16) != 0 ||
	    getsockname(lfd, (struct sockaddr *)&a, &alen) != 0)
		return perror("listen"), 2;
	printf("listening on 127.0.0.1:%u\n", ntohs(a.sin_port));
	fflush(stdout);
	while (!stopping) {
		fd = accept(lfd, NULL, NULL);
		if (fd < 0)
			continue;
		nodelay(fd);
		while (!stopping && (n = read(fd, buf, sizeof buf)) > 0)
			if (write(fd, buf, (size_t)n) != n)
				break;
		close(fd);
	}
	close(lfd);
	return 0;
}

static int
ping(const char *port, const char *secs)
{
	struct sockaddr_in a;
	uint8_t out[PP_FRAME], in[PP_FRAME];
	uint64_t n = 0, errors = 0, x = 0;
	tc_us_t start, end, now;
	double seconds;
	size_t got;
	ssize_t r;
	int fd;

	seconds = atof(secs);
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = htons((uint16_t)atoi(port));
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0)
		return perror("connect"), 2;
	nodelay(fd);
	start = clock_now_us();
	end = start + (tc_us_t)(seconds * 1e6);
	/* The clock is read once per 1024 round trips, not per trip. */
	for (now = start; now < end; ) {
		x += 2;		/* bit 0 clear: no life-bit edge */
		out[0] = (uint8_t)(x >> 24);
		out[1] = (uint8_t)(x >> 16);
		out[2] = (uint8_t)(x >> 8);
		out[3] = (uint8_t)x;
		if (write(fd, out, sizeof out) != (ssize_t)sizeof out) {
			errors++;
			break;
		}
		for (got = 0; got < sizeof in; got += (size_t)r) {
			r = read(fd, in + got, sizeof in - got);
			if (r <= 0)
				break;
		}
		if (got < sizeof in) {
			errors++;
			break;
		}
		if (memcmp(in, out, sizeof in) != 0)
			errors++;
		if ((++n & 1023) == 0)
			now = clock_now_us();
	}
	now = clock_now_us();
	close(fd);
	printf("round_trips=%llu seconds=%.2f rate=%.0f errors=%llu\n",
	    (unsigned long long)n, (double)(now - start) / 1e6,
	    (double)n * 1e6 / (double)(now - start),
	    (unsigned long long)errors);
	return errors ? 1 : 0;
}

int
main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "serve") == 0)
		return serve();
	if (argc == 4 && strcmp(argv[1], "ping") == 0)
		return ping(argv[2], argv[3]);
	fprintf(stderr, "usage: pingpong serve | pingpong ping PORT SECONDS\n");
	return 2;
}
