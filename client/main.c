/*
 * tcpcom: the program. Reads its settings, runs the client until a signal,
 * --duration or --count stops it, reports, and exits:
 *   0 stopped cleanly, 1 a fatal error, 2 a usage error.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "log.h"
#include "options.h"
#include "parse.h"
#include "stats.h"
#include "tcpcom.h"

static struct tcpcom *running;

static void
on_stop_signal(int sig)
{
	(void)sig;
	if (running != NULL)
		tcpcom_stop(running);
}

static const char *
real_getenv(const char *name)
{
	return getenv(name);
}

static void
install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_stop_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}

/* Status line and JSON file; returns -1 when the JSON cannot be written. */
static int
report(const struct tcpcom_stats *st, const struct options *o,
    int status_line)
{
	char line[512];

	if (status_line) {
		stats_format_line(st, line, sizeof line);
		log_notice("status: %s", line);
	}
	if (o->stats_json[0] != '\0' &&
	    tcpcom_write_stats_json(st, &o->cfg, o->stats_json) != 0) {
		log_error("cannot write %s: %s", o->stats_json,
		    strerror(errno));
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static struct options o;
	struct tcpcom_stats st;
	struct tcpcom *tc;
	char err[1024];
	tc_us_t start, now, end, next_report, wake;
	int rc = 0;

	log_init(LOG_NOTICE);
	switch (options_parse(argc, argv, real_getenv, &o, err, sizeof err)) {
	case OPTIONS_DONE:
		return 0;
	case OPTIONS_BAD:
		/* One line that names the bad value; --help says the rest. */
		return cli_usage_error("tcpcom", "%s", err);
	case OPTIONS_RUN:
		break;
	}
	log_set_level(o.log_level);

	/* Mostly a server name that does not resolve: a usage error too. */
	tc = tcpcom_new(&o.cfg, err, sizeof err);
	if (tc == NULL)
		return cli_usage_error("tcpcom", "%s", err);
	running = tc;
	install_signals();
	if (tcpcom_start(tc, err, sizeof err) != 0) {
		log_error("%s", err);
		tcpcom_free(tc);
		return 1;
	}
	log_notice("tcpcom %s: %s:%u, %u bits, send every %llums, %s",
	    tcpcom_version(), o.cfg.server, (unsigned)o.cfg.port,
	    o.cfg.length_bits,
	    (unsigned long long)(o.cfg.send_cycle_us / TC_US_PER_MS),
	    o.cfg.mode == 0 ? "toggling bit 0" : "bit 0 fixed (mode 1)");

	start = clock_now_us();
	end = o.duration_us ? start + o.duration_us : UINT64_MAX;
	next_report = o.stats_interval_us ? start + o.stats_interval_us :
	    UINT64_MAX;
	for (;;) {
		now = clock_now_us();
		if (now >= end) {
			log_info("duration reached; stopping");
			tcpcom_stop(tc);
			break;
		}
		if (now >= next_report) {
			tcpcom_get_stats(tc, &st);
			if (report(&st, &o, 1) != 0)
				rc = 1;
			next_report += o.stats_interval_us;
			continue;
		}
		wake = end < next_report ? end : next_report;
		if (tcpcom_wait(tc, wake == UINT64_MAX ? 3600 * TC_US_PER_SEC :
		    wake - now))
			break;
	}
	tcpcom_join(tc);
	running = NULL;
	tcpcom_get_stats(tc, &st);
	if (report(&st, &o, 0) != 0)
		rc = 1;
	if (o.log_level > LOG_ERROR)
		stats_print_summary(&st, stdout);
	tcpcom_free(tc);
	return rc;
}
