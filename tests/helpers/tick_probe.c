/*
 * tick_probe: the machine's own floor for a task cycle, for `make bench`.
 * Sleeps to each boundary of a CYCLE_US grid (absolute deadlines, no timer
 * slack) and times how late it woke, for SECONDS; a wake-up past the next
 * boundary skips the boundaries missed, as plcsim's task cycle does:
 *
 *   ticks=N skipped=N late_p50_us=A late_p99_us=B late_max_us=C
 *
 * usage: tick_probe CYCLE_US SECONDS
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <time.h>

#include "clock.h"
#include "probe.h"

int
main(int argc, char **argv)
{
	struct timespec ts;
	tc_us_t cycle, end, boundary, now, *late;
	size_t n = 0, cap;
	unsigned long long skipped = 0;

	if (argc != 3 || (cycle = strtoull(argv[1], NULL, 10)) == 0) {
		fprintf(stderr, "usage: tick_probe CYCLE_US SECONDS\n");
		return 2;
	}
	/* The default 50 us of slack would be the probe's, not the machine's. */
	prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
	boundary = clock_now_us();
	end = boundary + strtoull(argv[2], NULL, 10) * TC_US_PER_SEC;
	cap = (size_t)((end - boundary) / cycle) + 2;
	if ((late = calloc(cap, sizeof *late)) == NULL)
		return 1;
	for (;;) {
		boundary += cycle;
		if (boundary > end || n == cap)
			break;
		ts.tv_sec = (time_t)(boundary / TC_US_PER_SEC);
		ts.tv_nsec = (long)(boundary % TC_US_PER_SEC) * 1000;
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts,
		    NULL) == EINTR)
			;
		now = clock_now_us();
		if (now >= boundary + cycle) {
			/* Late past the next boundary: serve the last one. */
			skipped += (now - boundary) / cycle;
			boundary += (now - boundary) / cycle * cycle;
		}
		late[n++] = now - boundary;
	}
	probe_sort(late, n);
	printf("ticks=%zu skipped=%llu late_p50_us=%llu late_p99_us=%llu "
	    "late_max_us=%llu\n", n, skipped,
	    (unsigned long long)probe_quantile(late, n, 0.5),
	    (unsigned long long)probe_quantile(late, n, 0.99),
	    (unsigned long long)(n ? late[n - 1] : 0));
	free(late);
	return 0;
}
