/* backoff: bounded exponential back-off with jitter; see backoff.h. */
#include "backoff.h"

void
backoff_init(struct backoff *b, tc_us_t min_us, tc_us_t max_us, uint64_t seed)
{
	b->min_us = min_us;
	b->max_us = max_us < min_us ? min_us : max_us;
	b->attempt = 0;
	rng_seed(&b->rng, seed);
}

void
backoff_reset(struct backoff *b)
{
	b->attempt = 0;
}

tc_us_t
backoff_ceiling(const struct backoff *b)
{
	tc_us_t ceiling = b->min_us;
	unsigned i;

	for (i = 0; i < b->attempt && ceiling < b->max_us; i++)
		ceiling *= 2;
	return ceiling > b->max_us ? b->max_us : ceiling;
}

tc_us_t
backoff_next(struct backoff *b)
{
	return backoff_next_within(b, b->max_us);
}

tc_us_t
backoff_next_within(struct backoff *b, tc_us_t cap)
{
	tc_us_t ceiling = backoff_ceiling(b);

	if (ceiling > cap)
		ceiling = cap < b->min_us ? b->min_us : cap;

	if (b->attempt < 64)
		b->attempt++;
	return rng_range(&b->rng, ceiling / 2, ceiling);
}
