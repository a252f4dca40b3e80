/*
 * rtt_probe: round trips at random phases, for `make bench`. One
 * connection: a 4-byte frame (bit 0 clear, so that a PLC's life-bit
 * monitor sees no edge), its echo, then a pause drawn uniformly below GAP
 * (10 ms by default), so that the frames fall at every phase of a PLC's
 * task cycle. After SECONDS, the exact round-trip times:
 *
 *   exchanges=N min_us=A p50_us=B p99_us=C max_us=D errors=E
 *
 * usage: rtt_probe PORT SECONDS [GAP_US]
 */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "probe.h"
#include "rng.h"

#define PROBE_FRAME 4
#define PROBE_TIMEOUT_MS 2000

int
main(int argc, char **argv)
{
	struct sockaddr_in sin;
	struct rng rng;
	struct timespec ts;
	uint8_t out[PROBE_FRAME], in[PROBE_FRAME];
	tc_us_t *rtt = NULL, *grown, end, t0, gap = 10 * TC_US_PER_MS;
	size_t n = 0, cap = 0;
	uint32_t x;
	int fd, one = 1, errors = 0;

	if (argc != 3 && argc != 4) {
		fprintf(stderr, "usage: rtt_probe PORT SECONDS [GAP_US]\n");
		return 2;
	}
	if (argc == 4)
		gap = (tc_us_t)strtoull(argv[3], NULL, 10);
	signal(SIGPIPE, SIG_IGN);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons((uint16_t)atoi(argv[1]));
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sin, sizeof sin) != 0) {
		perror("rtt_probe: connect");
		return 1;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	rng_seed(&rng, clock_now_us());
	end = clock_now_us() + (tc_us_t)atoi(argv[2]) * TC_US_PER_SEC;
	while (clock_now_us() < end) {
		x = (uint32_t)rng_next(&rng) & ~1u;
		out[0] = (uint8_t)(x >> 24);
		out[1] = (uint8_t)(x >> 16);
		out[2] = (uint8_t)(x >> 8);
		out[3] = (uint8_t)x;
		t0 = clock_now_us();
		if (write(fd, out, sizeof out) != (ssize_t)sizeof out ||
		    probe_read(fd, in, sizeof in, PROBE_TIMEOUT_MS) != 0 ||
		    memcmp(in, out, sizeof in) != 0) {
			errors++;
			break;
		}
		if (n == cap) {
			cap = cap ? 2 * cap : 1024;
			if ((grown = realloc(rtt, cap * sizeof *rtt)) == NULL)
				return 1;
			rtt = grown;
		}
		rtt[n++] = clock_now_us() - t0;
		ts = clock_us_to_timespec(rng_range(&rng, 0, gap));
		nanosleep(&ts, NULL);
	}
	close(fd);
	if (n > 0)
		probe_sort(rtt, n);
	printf("exchanges=%zu min_us=%llu p50_us=%llu p99_us=%llu max_us=%llu "
	    "errors=%d\n", n,
	    (unsigned long long)(n ? rtt[0] : 0),
	    (unsigned long long)probe_quantile(rtt, n, 0.5),
	    (unsigned long long)probe_quantile(rtt, n, 0.99),
	    (unsigned long long)(n ? rtt[n - 1] : 0), errors);
	free(rtt);
	return errors ? 1 : 0;
}
