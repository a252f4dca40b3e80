/*
 * rng: a small seeded generator (splitmix64) so that every random choice
 * (payload bits, back-off jitter, the emulator's injected jitter) replays
 * exactly from its seed. Not for cryptography. Not thread-safe: each thread
 * owns its own state.
 */
#ifndef TCPCOM_RNG_H
#define TCPCOM_RNG_H

#include <stdint.h>

struct rng {
	uint64_t state;
};

void rng_seed(struct rng *r, uint64_t seed);
uint64_t rng_next(struct rng *r);
/* Uniform in [lo, hi] (inclusive); lo when hi <= lo. */
uint64_t rng_range(struct rng *r, uint64_t lo, uint64_t hi);
/* Uniform in [0, 1). */
double rng_unit(struct rng *r);
/* Normal with the given mean and standard deviation (Box-Muller). */
double rng_normal(struct rng *r, double mean, double stddev);

#endif
