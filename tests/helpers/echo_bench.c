/*
 * echo_bench: N concurrent synchronous clients, each sending a 4-byte frame
 * and waiting for its 4-byte echo, for a given time. Prints
 * "echoes=N seconds=S rate=R" (echoes per second, all clients together).
 *
 * usage: echo_bench PORT CLIENTS SECONDS
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"

static int bench_port;
static atomic_int bench_stop;
static atomic_ullong bench_echoes;
static atomic_int bench_errors;

static void *
bench_client(void *arg)
{
	struct sockaddr_in sin;
	unsigned char f[4], e[4];
	unsigned long long n = 0;
	uint32_t x = (uint32_t)(uintptr_t)arg * 2654435761u;
	int fd, one = 1;

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons((uint16_t)bench_port);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sin, sizeof sin) != 0) {
		atomic_fetch_add(&bench_errors, 1);
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	while (!atomic_load(&bench_stop)) {
		size_t got = 0;

		x = x * 1103515245u + 12345u;
		memcpy(f, &x, 4);
		if (write(fd, f, 4) != 4)
			break;
		while (got < 4) {
			ssize_t r = read(fd, e + got, 4 - got);

			if (r <= 0)
				goto out;
			got += (size_t)r;
		}
		if (memcmp(f, e, 4) != 0) {
			atomic_fetch_add(&bench_errors, 1);
			break;
		}
		n++;
	}
out:
	atomic_fetch_add(&bench_echoes, n);
	close(fd);
	return NULL;
}

int
main(int argc, char **argv)
{
	pthread_t *th;
	int clients, seconds, i;
	tc_us_t t0, t1;

	if (argc != 4) {
		fprintf(stderr, "usage: echo_bench PORT CLIENTS SECONDS\n");
		return 2;
	}
	bench_port = atoi(argv[1]);
	clients = atoi(argv[2]);
	seconds = atoi(argv[3]);
	if (clients < 1 || seconds < 1 ||
	    (th = calloc((size_t)clients, sizeof *th)) == NULL)
		return 2;
	t0 = clock_now_us();
	for (i = 0; i < clients; i++)
		pthread_create(&th[i], NULL, bench_client,
		    (void *)(uintptr_t)(i + 1));
	sleep((unsigned)seconds);
	atomic_store(&bench_stop, 1);
	for (i = 0; i < clients; i++)
		pthread_join(th[i], NULL);
	t1 = clock_now_us();
	printf("echoes=%llu seconds=%.2f rate=%.0f errors=%d\n",
	    (unsigned long long)atomic_load(&bench_echoes),
	    (double)(t1 - t0) / 1e6,
	    (double)atomic_load(&bench_echoes) * 1e6 / (double)(t1 - t0),
	    atomic_load(&bench_errors));
	free(th);
	return atomic_load(&bench_errors) ? 1 : 0;
}
