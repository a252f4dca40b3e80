/*
 * backoff: the delay before each reconnect attempt. Bounded exponential
 * with "equal jitter": attempt n waits a uniform time in [b/2, b] where
 * b = min(max, min * 2^n), so that many clients losing one PLC at once do not
 * come back in lock-step, and the first attempt is within `min` of the loss.
 * Pure: no clock, no sleeping.
 */
#ifndef TCPCOM_BACKOFF_H
#define TCPCOM_BACKOFF_H

#include "clock.h"
#include "rng.h"

struct backoff {
	tc_us_t	   min_us;
	tc_us_t	   max_us;
	unsigned   attempt;	/* attempts since the last success */
	struct rng rng;
};

void backoff_init(struct backoff *b, tc_us_t min_us, tc_us_t max_us,
    uint64_t seed);
/* After a successful connection: the next loss starts from `min` again. */
void backoff_reset(struct backoff *b);
/* The delay before the next attempt; counts the attempt. */
tc_us_t backoff_next(struct backoff *b);
/* The same, with the ceiling held at `cap` (the sequence still advances). */
tc_us_t backoff_next_within(struct backoff *b, tc_us_t cap);
/* The upper bound of the next delay (without jitter). */
tc_us_t backoff_ceiling(const struct backoff *b);

#endif
