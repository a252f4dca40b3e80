/* clock: monotonic microseconds; see clock.h. */
#include "clock.h"

tc_us_t
clock_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (tc_us_t)ts.tv_sec * TC_US_PER_SEC + (tc_us_t)ts.tv_nsec / 1000;
}

uint64_t
clock_wall_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * TC_US_PER_SEC + (uint64_t)ts.tv_nsec / 1000;
}

uint64_t
clock_wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

struct timespec
clock_us_to_timespec(tc_us_t us)
{
	struct timespec ts;

	ts.tv_sec = (time_t)(us / TC_US_PER_SEC);
	ts.tv_nsec = (long)(us % TC_US_PER_SEC) * 1000;
	return ts;
}
