/* monitor: status lines and the metrics endpoint; see monitor.h. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "httpd.h"
#include "monitor.h"
#include "parse.h"

/* What Prometheus asks for and expects back. */
#define MONITOR_METRICS_PATH	"/metrics"
#define MONITOR_METRICS_TYPE	"text/plain; version=0.0.4; charset=utf-8"
/* A person watching a terminal sees the test live this often. */
#define MONITOR_TTY_EVERY_US	(5 * TC_US_PER_SEC)

struct monitor {
	struct monitor_config cfg;
	monitor_fill_cb	      fill;
	void		     *arg;
	struct sim_timer     *tick;
	struct sim_httpd     *httpd;
};

int
monitor_parse_addr(const char *value, void *field, char *err, size_t errlen)
{
	struct monitor_addr *a = field;
	long port;

	if (value[0] != '\0' && strspn(value, "0123456789") == strlen(value)) {
		if (parse_long(value, 0, 65535, &port, err, errlen) != 0)
			return -1;
		snprintf(a->host, sizeof a->host, "127.0.0.1");
		a->port = (uint16_t)port;
	} else if (parse_host_port(value, a->host, sizeof a->host, &a->port,
	    err, errlen) != 0)
		return -1;
	a->set = 1;
	return 0;
}

tc_us_t
monitor_default_every(int quiet)
{
	return isatty(STDOUT_FILENO) && !quiet ? MONITOR_TTY_EVERY_US : 0;
}

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

/* A scrape: the figures of this moment, as Prometheus text. */
static size_t
monitor_metrics(void *arg, char *buf, size_t len)
{
	struct monitor *m = arg;
	struct status s;

	monitor_figures(m, &s);
	return status_prom(&s, buf, len);
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
	if (cfg->metrics_host != NULL) {
		m->httpd = httpd_open(loop, cfg->metrics_host,
		    cfg->metrics_port, MONITOR_METRICS_PATH,
		    MONITOR_METRICS_TYPE, STATUS_PROM_MAX, monitor_metrics, m,
		    err, errlen);
		if (m->httpd == NULL) {
			monitor_free(m);
			return NULL;
		}
	}
	return m;
}

const char *
monitor_metrics_address(const struct monitor *m)
{
	return m != NULL && m->httpd != NULL ? httpd_address(m->httpd) : NULL;
}

void
monitor_free(struct monitor *m)
{
	if (m == NULL)
		return;
	sim_timer_free(m->tick);
	httpd_close(m->httpd);
	free(m);
}
