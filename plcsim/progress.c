/* progress: the live line of `plcsim run`; see progress.h. */
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "progress.h"

enum progress_state { ITEM_PENDING = 0, ITEM_RUNNING, ITEM_DONE };

struct progress_item {
	tc_us_t		    planned;
	tc_us_t		    began;
	enum progress_state state;
};

int
progress_init(struct progress *p, FILE *out, int live, int total, int jobs,
    tc_us_t start)
{
	memset(p, 0, sizeof *p);
	p->out = out;
	p->total = total;
	p->jobs = jobs > 0 ? jobs : 1;
	p->start = start;
	p->items = calloc(total > 0 ? (size_t)total : 1, sizeof *p->items);
	if (p->items == NULL)
		return -1;
	p->live = live;
	return 0;
}

void
progress_free(struct progress *p)
{
	free(p->items);
	p->items = NULL;
	p->live = 0;
}

static struct progress_item *
progress_item(struct progress *p, int i)
{
	return p->items != NULL && i >= 0 && i < p->total ? &p->items[i] :
	    NULL;
}

void
progress_plan(struct progress *p, int i, tc_us_t planned)
{
	struct progress_item *it = progress_item(p, i);

	if (it != NULL)
		it->planned = planned;
}

void
progress_begin(struct progress *p, int i, tc_us_t now)
{
	struct progress_item *it = progress_item(p, i);

	if (it == NULL || it->state != ITEM_PENDING)
		return;
	it->state = ITEM_RUNNING;
	it->began = now;
	p->running++;
}

void
progress_end(struct progress *p, int i, tc_us_t now, int outcome)
{
	struct progress_item *it = progress_item(p, i);

	if (it == NULL || it->state == ITEM_DONE)
		return;
	if (it->state == ITEM_RUNNING) {
		p->running--;
		/* Only what played counts towards the pace. */
		p->done_planned += it->planned;
		p->done_took += now > it->began ? now - it->began : 0;
	}
	it->state = ITEM_DONE;
	p->done++;
	if (outcome == 1)
		p->failed++;
	else if (outcome > 1)
		p->errors++;
}

tc_us_t
progress_left(const struct progress *p, tc_us_t now)
{
	const struct progress_item *it;
	double work = 0, pace = 1;
	int i, open = 0;

	if (p->items == NULL)
		return 0;
	for (i = 0; i < p->total; i++) {
		it = &p->items[i];
		if (it->state == ITEM_DONE)
			continue;
		open++;
		if (it->state == ITEM_PENDING)
			work += (double)it->planned;
		else if (now >= it->began && now - it->began < it->planned)
			work += (double)(it->planned - (now - it->began));
	}
	if (p->done_planned > 0)
		pace = (double)p->done_took / (double)p->done_planned;
	/* Fewer scenarios left than jobs: only those run side by side. */
	return (tc_us_t)(work * pace / (open < p->jobs ? (open > 0 ? open :
	    1) : p->jobs) + 0.5);
}

/* "1:05" or "1:02:05": a clock a person reads at a glance. */
static void
progress_clock(tc_us_t us, char *buf, size_t len)
{
	unsigned long long s = us / TC_US_PER_SEC;

	if (s >= 3600)
		snprintf(buf, len, "%llu:%02llu:%02llu", s / 3600,
		    s / 60 % 60, s % 60);
	else
		snprintf(buf, len, "%llu:%02llu", s / 60, s % 60);
}

size_t
progress_format(const struct progress *p, tc_us_t now, char *buf,
    size_t len)
{
	char took[32], left[32], errs[32] = "";
	int n;

	if (len == 0)
		return 0;
	progress_clock(now > p->start ? now - p->start : 0, took,
	    sizeof took);
	/* Rounded up: "0:00 left" while something still runs would lie. */
	progress_clock(progress_left(p, now) + TC_US_PER_SEC - 1, left,
	    sizeof left);
	if (p->errors > 0)
		snprintf(errs, sizeof errs, ", %d error%s", p->errors,
		    p->errors == 1 ? "" : "s");
	n = snprintf(buf, len, "%d/%d done, %d failed%s, %d running, %s "
	    "elapsed, about %s left", p->done, p->total, p->failed, errs,
	    p->running, took, left);
	if (n < 0) {
		buf[0] = '\0';
		return 0;
	}
	return (size_t)n < len ? (size_t)n : len - 1;
}

/* The terminal's width, to keep the line on one row; 0: not known. */
static size_t
progress_columns(FILE *out)
{
	struct winsize ws;

	if (ioctl(fileno(out), TIOCGWINSZ, &ws) != 0)
		return 0;
	return ws.ws_col;
}

void
progress_draw(struct progress *p, tc_us_t now)
{
	char line[256];
	size_t n, cols;

	if (!p->live)
		return;
	n = progress_format(p, now, line, sizeof line);
	/* A line that wraps cannot be redrawn with "\r": cut it. */
	cols = progress_columns(p->out);
	if (cols > 1 && n > cols - 1)
		line[cols - 1] = '\0';
	if (p->shown && strcmp(line, p->drawn) == 0)
		return;
	fprintf(p->out, "\r%s\033[K", line);
	fflush(p->out);
	memcpy(p->drawn, line, sizeof p->drawn);
	p->shown = 1;
}

void
progress_clear(struct progress *p)
{
	if (!p->live || !p->shown)
		return;
	fputs("\r\033[K", p->out);
	fflush(p->out);
	p->shown = 0;
}

tc_us_t
progress_next_draw(const struct progress *p, tc_us_t now)
{
	tc_us_t ran = now > p->start ? now - p->start : 0;

	return TC_US_PER_SEC - ran % TC_US_PER_SEC;
}
