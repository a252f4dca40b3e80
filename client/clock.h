/*
 * clock: the only place that reads real time.
 *
 * Every time in tcpcom is a uint64_t count of microseconds of CLOCK_MONOTONIC
 * (tc_us_t), so that sums and differences never need struct timespec. The
 * epoch is unspecified (boot); only differences mean anything.
 *
 * The pure cores (scheduler, backoff, PLC model, life-bit monitor) take `now`
 * as an argument and never call these functions; the thin loops that do call
 * them can be tested by wrapping clock_now_us at link time.
 */
#ifndef TCPCOM_CLOCK_H
#define TCPCOM_CLOCK_H

#include <stdint.h>
#include <time.h>

typedef uint64_t tc_us_t;

#define TC_US_PER_MS  1000ULL
#define TC_US_PER_SEC 1000000ULL

/* Microseconds of CLOCK_MONOTONIC. Thread-safe. */
tc_us_t clock_now_us(void);

/* Microseconds of CLOCK_REALTIME, for wall-clock stamps in reports only. */
uint64_t clock_wall_us(void);
/* Nanoseconds of CLOCK_REALTIME: the clock the kernel stamps received
 * bytes with, to compare with those stamps only. */
uint64_t clock_wall_ns(void);

/* Converts a relative number of microseconds to a timespec. */
struct timespec clock_us_to_timespec(tc_us_t us);

#endif
