/* hist: log-linear histogram; see hist.h. */
#include <math.h>
#include <string.h>

#include "hist.h"

static unsigned
hist_index(uint64_t v)
{
	unsigned msb, shift, idx;

	if (v < HIST_SUB)
		return (unsigned)v;
	msb = 63u - (unsigned)__builtin_clzll(v);
	shift = msb - HIST_SUB_BITS;
	idx = HIST_SUB + shift * HIST_SUB + (unsigned)((v >> shift) - HIST_SUB);
	return idx < HIST_BUCKETS ? idx : HIST_BUCKETS - 1;
}

/* The middle of a bucket: the value a percentile falling in it reports. */
static uint64_t
hist_value(unsigned idx)
{
	unsigned shift, sub;
	uint64_t low;

	if (idx < HIST_SUB)
		return idx;
	shift = (idx - HIST_SUB) / HIST_SUB;
	sub = (idx - HIST_SUB) % HIST_SUB;
	low = (uint64_t)(HIST_SUB + sub) << shift;
	return low + (((uint64_t)1 << shift) >> 1);
}

void
hist_reset(struct hist *h)
{
	memset(h, 0, sizeof *h);
}

void
hist_add(struct hist *h, uint64_t value)
{
	if (h->count == 0 || value < h->min)
		h->min = value;
	if (value > h->max)
		h->max = value;
	h->count++;
	h->sum += value;
	h->buckets[hist_index(value)]++;
}

uint64_t
hist_quantile(const struct hist *h, double q)
{
	uint64_t rank, seen = 0, v;
	unsigned i;

	if (h->count == 0)
		return 0;
	if (q <= 0)
		return h->min;
	if (q >= 1)
		return h->max;
	rank = (uint64_t)ceil(q * (double)h->count);
	if (rank == 0)
		rank = 1;
	for (i = 0; i < HIST_BUCKETS; i++) {
		seen += h->buckets[i];
		if (seen >= rank) {
			v = hist_value(i);
			/* A bucket's middle may lie outside what was seen. */
			if (v < h->min)
				v = h->min;
			if (v > h->max)
				v = h->max;
			return v;
		}
	}
	return h->max;
}

double
hist_mean(const struct hist *h)
{
	return h->count ? (double)h->sum / (double)h->count : 0.0;
}

/* Found by bisection over ranks, so that only hist_quantile is relied on. */
uint64_t
hist_count_le(const struct hist *h, uint64_t x)
{
	uint64_t lo = 0, hi = h->count, mid;

	while (lo < hi) {
		mid = lo + (hi - lo + 1) / 2;
		/* (mid - 0.5) / count asks for rank mid exactly. */
		if (hist_quantile(h, ((double)mid - 0.5) /
		    (double)h->count) <= x)
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo;
}

uint64_t
hist_count_in(const struct hist *h, uint64_t lo, uint64_t hi)
{
	uint64_t below;

	if (lo > hi)
		return 0;
	below = lo > 0 ? hist_count_le(h, lo - 1) : 0;
	return hist_count_le(h, hi) - below;
}

uint64_t
hist_deviation_p99(const struct hist *h, uint64_t centre)
{
	uint64_t need = (uint64_t)ceil(0.99 * (double)h->count);
	uint64_t lo = 0, hi, mid, from;

	if (h->count == 0)
		return 0;
	hi = h->max > centre ? h->max - centre : 0;
	if (centre > h->min && centre - h->min > hi)
		hi = centre - h->min;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		from = centre > mid ? centre - mid : 0;
		if (hist_count_in(h, from, centre + mid) >= need)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}
