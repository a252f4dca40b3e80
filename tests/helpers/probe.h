/*
 * What the timing probes of make bench (grid_client, rtt_probe,
 * tick_probe) share: exact quantiles of the times they measured, and
 * reading one whole echo within a timeout. Static, in a header, because
 * each helper is a program of one source file.
 */
#ifndef TCPCOM_TESTS_PROBE_H
#define TCPCOM_TESTS_PROBE_H

#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "clock.h"

static inline int
probe_cmp_us(const void *a, const void *b)
{
	tc_us_t x = *(const tc_us_t *)a, y = *(const tc_us_t *)b;

	return x < y ? -1 : x > y;
}

/* Sorts the n times of v in place, for probe_quantile. */
static inline void
probe_sort(tc_us_t *v, size_t n)
{
	qsort(v, n, sizeof *v, probe_cmp_us);
}

/* The nearest-rank quantile q (0..1) of n sorted times; 0 for none. */
static inline tc_us_t
probe_quantile(const tc_us_t *v, size_t n, double q)
{
	size_t rank = (size_t)ceil(q * (double)n);

	if (n == 0)
		return 0;
	if (rank < 1)
		rank = 1;
	return v[(rank > n ? n : rank) - 1];
}

/* Reads exactly len bytes, each wait at most timeout_ms; -1 otherwise. */
static inline int
probe_read(int fd, uint8_t *buf, size_t len, int timeout_ms)
{
	struct pollfd p = { fd, POLLIN, 0 };
	size_t got = 0;
	ssize_t r;

	while (got < len) {
		if (poll(&p, 1, timeout_ms) <= 0)
			return -1;
		r = read(fd, buf + got, len - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	return 0;
}

#endif
