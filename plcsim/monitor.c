/* monitor: status lines and the metrics endpoint; see monitor.h. */
#include <stdlib.h>
#include <string.h>

#include "monitor.h"

struct monitor {
	struct monitor_config cfg;
	monitor_fill_cb	      fill;
	void		     *arg;
	struct sim_timer     *tick;
};

static void
monitor_figures(struct monitor *m, struct status *s)
{
	memset(s, 0, sizeof *s);
	m->fill(m->arg, clock_now_us(), s);
}

static uint64_t
monitor_tick(void *arg)
{
	struct monitor *m = arg;
	struct status s;
	char line[1024];

	monitor_figures(m, &s);
	/* Cut (never past the buffer) in the unlikely case it is longer. */
	if (status_line(&s, line, sizeof line) >= sizeof line)
		line[sizeof line - 2] = '\n';
	fputs(line, m->cfg.out);
	fflush(m->cfg.out);
	return m->cfg.every;
}

struct monitor *
monitor_new(struct sim_loop *loop, const struct monitor_config *cfg,
    monitor_fill_cb fill, void *arg, char *err, size_t errlen)
{
	struct monitor *m;

	if ((m = calloc(1, sizeof *m)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	m->cfg = *cfg;
	m->fill = fill;
	m->arg = arg;
	if (cfg->out != NULL && cfg->every > 0) {
		if ((m->tick = sim_timer_new(loop, monitor_tick, m)) == NULL) {
			snprintf(err, errlen, "out of memory");
			monitor_free(m);
			return NULL;
		}
		sim_timer_start(m->tick, cfg->every);
	}
	return m;
}

void
monitor_free(struct monitor *m)
{
	if (m == NULL)
		return;
	sim_timer_free(m->tick);
	free(m);
}
