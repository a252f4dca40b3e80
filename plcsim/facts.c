/* facts: what a run saw; see facts.h. */
#include <string.h>

#include "facts.h"

void
facts_init(struct facts *f)
{
	memset(f, 0, sizeof *f);
	hist_reset(&f->edge_intervals);
	hist_reset(&f->send_intervals);
}

void
facts_add_time(struct facts_times *ts, tc_us_t t)
{
	if (ts->n < FACTS_MAX_TIMES)
		ts->t[ts->n++] = t;
	else
		ts->overflow++;
}

void
facts_add_window(struct facts *f, tc_us_t from, tc_us_t to)
{
	if (f->nwindows < FACTS_MAX_TIMES) {
		f->windows[f->nwindows].from = from;
		f->windows[f->nwindows].to = to;
		f->nwindows++;
	}
}
