/* cycle: absolute-deadline periodic schedule; see cycle.h. */
#include "cycle.h"

void
cycle_init(struct cycle *s, tc_us_t start_us, tc_us_t period_us)
{
	s->start_us = start_us;
	s->period_us = period_us ? period_us : 1;
	s->index = 0;
}

tc_us_t
cycle_deadline(const struct cycle *s)
{
	return s->start_us + s->index * s->period_us;
}

uint64_t
cycle_advance(struct cycle *s, tc_us_t now)
{
	uint64_t next = s->index + 1, needed;

	if (s->start_us + next * s->period_us < now) {
		/* Overrun: the first deadline at or after now. */
		needed = (now - s->start_us + s->period_us - 1) / s->period_us;
		if (needed > next) {
			uint64_t skipped = needed - next;
			s->index = needed;
			return skipped;
		}
	}
	s->index = next;
	return 0;
}

uint64_t
cycle_advance_spaced(struct cycle *s, tc_us_t now, tc_us_t min_gap)
{
	tc_us_t due = cycle_deadline(s);
	uint64_t from = s->index, want;

	/* On time, or late as a loaded machine is: the grid as it is. */
	if (now <= due || now - due <= s->period_us / 2)
		return cycle_advance(s, now);
	/* The first deadline at or after now + min_gap (due <= now). */
	want = (now + min_gap - s->start_us + s->period_us - 1) /
	    s->period_us;
	if (want <= from)
		want = from + 1;
	s->index = want;
	return want - from - 1;
}
