/*
 * grid_client: the drift-free reference client of `make bench`. One
 * connection; frame n is due at t0 + n * PERIOD_US and waits for it with
 * clock_nanosleep(TIMER_ABSTIME) (timer slack 1 ns, as tcpcom sets), so
 * that no cycle's lateness carries into the next one. A frame is 4 bytes,
 * big-endian: the frame number shifted left once, and bit 0 the life bit,
 * which changes at every multiple of TOGGLE_US, carried by the first frame
 * due at or after it. Each echo is read whole before the next frame. After
 * SECONDS:
 *
 *   frames=N late_p50_us=A late_p99_us=B late_max_us=C errors=E
 *
 * "late" being how long after its deadline each frame was written, as the
 * program itself saw it; the bench times the frames on the wire instead.
 *
 * usage: grid_client PORT PERIOD_US TOGGLE_US SECONDS
 */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "probe.h"

#define GRID_FRAME 4
#define GRID_TIMEOUT_MS 2000

int
main(int argc, char **argv)
{
	struct sockaddr_in a;
	struct timespec ts;
	uint8_t out[GRID_FRAME], in[GRID_FRAME];
	tc_us_t period, toggle, t0, due, now, *late;
	uint64_t n, frames, errors = 0, x;
	double seconds;
	int fd, one = 1;

	if (argc != 5 || (period = strtoull(argv[2], NULL, 10)) == 0 ||
	    (toggle = strtoull(argv[3], NULL, 10)) == 0 ||
	    (seconds = atof(argv[4])) <= 0) {
		fprintf(stderr, "usage: grid_client PORT PERIOD_US TOGGLE_US "
		    "SECONDS\n");
		return 2;
	}
	frames = (uint64_t)(seconds * 1e6 / (double)period);
	late = calloc(frames ? frames : 1, sizeof *late);
	if (late == NULL)
		return perror("grid_client"), 1;
	prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = htons((uint16_t)atoi(argv[1]));
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0)
		return perror("grid_client: connect"), 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	t0 = clock_now_us() + period;
	for (n = 0; n < frames; n++) {
		due = t0 + n * period;
		ts = clock_us_to_timespec(due);
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts,
		    NULL) == EINTR)
			;
		x = (n << 1) | ((n * period / toggle) & 1);
		out[0] = (uint8_t)(x >> 24);
		out[1] = (uint8_t)(x >> 16);
		out[2] = (uint8_t)(x >> 8);
		out[3] = (uint8_t)x;
		now = clock_now_us();
		late[n] = now > due ? now - due : 0;
		if (write(fd, out, sizeof out) != (ssize_t)sizeof out ||
		    probe_read(fd, in, sizeof in, GRID_TIMEOUT_MS) != 0) {
			errors++;
			break;
		}
		if (memcmp(in, out, sizeof in) != 0)
			errors++;
	}
	close(fd);
	probe_sort(late, n);
	printf("frames=%llu late_p50_us=%llu late_p99_us=%llu "
	    "late_max_us=%llu errors=%llu\n", (unsigned long long)n,
	    (unsigned long long)probe_quantile(late, n, 0.5),
	    (unsigned long long)probe_quantile(late, n, 0.99),
	    (unsigned long long)(n ? late[n - 1] : 0),
	    (unsigned long long)errors);
	free(late);
	return errors ? 1 : 0;
}
