/*
 * tcpcom: the program. Reads its settings, runs the client until a signal,
 * --duration or --count stops it, reports, and exits:
 *   0 stopped cleanly, 1 a fatal error, 2 a usage error.
 * With --payload stdin the main thread also reads standard input between
 * its waits: each line is the data of the frames from the next one on.
 * Every thread's log lines are queued (log_queue_start); this thread
 * writes them out too (log_queue_flush), its own included, and gives the
 * last ones a bounded time at exit.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "log.h"
#include "options.h"
#include "parse.h"
#include "payload.h"
#include "sock.h"
#include "wire.h"
#include "stats.h"
#include "tcpcom.h"

/* How often queued log lines are written out, and how long the exit waits
 * for a stderr that does not take them. */
#define MAIN_LOG_EVERY_US (50 * TC_US_PER_MS)
#define MAIN_LOG_EXIT_US  (200 * TC_US_PER_MS)

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

/* Standard input as lines of data (--payload stdin). */
struct input {
	int	 open;			/* 0 after EOF or an error */
	size_t	 len;			/* bytes in `line` */
	int	 too_long;		/* discarding up to the next newline */
	uint64_t lineno;
	char	 line[1024];
};

/* One whole line: the data from the next frame on, or an error said. */
static void
input_line(struct tcpcom *tc, struct input *in, unsigned length_bits)
{
	uint8_t data[TCPCOM_FRAME_MAX];
	char err[256];
	size_t len = length_bits / 8;

	in->lineno++;
	if (in->too_long) {
		log_error("stdin line %llu: longer than %zu bytes; ignored",
		    (unsigned long long)in->lineno, sizeof in->line - 1);
		return;
	}
	in->line[in->len] = '\0';
	switch (payload_parse_value(in->line, len, data, err, sizeof err)) {
	case 0:
		wire_set_bit0(data, len, 0);	/* the life bit's, as logged */
		if (tcpcom_set_data(tc, data, len) != 0)
			log_error("stdin line %llu: %s",
			    (unsigned long long)in->lineno, strerror(errno));
		else if (log_enabled(LOG_INFO)) {
			char hex[2 * sizeof data + 3];
			wire_to_hex(data, len, hex, sizeof hex);
			log_info("data %s from the next frame", hex);
		}
		break;
	case 1:
		break;	/* a blank line */
	default:
		log_error("stdin line %llu: %s; ignored",
		    (unsigned long long)in->lineno, err);
		break;
	}
}

/* Reads what standard input has (poll said readable); never blocks. */
static void
input_read(struct tcpcom *tc, struct input *in, unsigned length_bits)
{
	char buf[4096];
	ssize_t n, i;

	n = read(STDIN_FILENO, buf, sizeof buf);
	if (n < 0) {
		if (errno == EINTR || errno == EAGAIN)
			return;
		log_error("stdin: %s; keeping the last value", strerror(errno));
		in->open = 0;
		return;
	}
	for (i = 0; i < n; i++) {
		if (buf[i] == '\n') {
			input_line(tc, in, length_bits);
			in->len = 0;
			in->too_long = 0;
		} else if (in->len < sizeof in->line - 1) {
			in->line[in->len++] = buf[i];
		} else {
			in->too_long = 1;
		}
	}
	if (n == 0) {
		if (in->len > 0 || in->too_long)
			input_line(tc, in, length_bits);
		log_info("end of stdin; keeping the last value");
		in->open = 0;
	}
}

/*
 * Waits up to `timeout_us` for the client to stop, reading standard input
 * meanwhile when it is open. 1 when stopping, 0 at the timeout.
 */
static int
wait_reading(struct tcpcom *tc, struct input *in, unsigned length_bits,
    uint64_t timeout_us)
{
	tc_us_t deadline = clock_now_us() + timeout_us;
	int w;

	if (!in->open)
		return tcpcom_wait(tc, timeout_us);
	while (in->open) {
		w = sock_wait(STDIN_FILENO, POLLIN, tcpcom_stop_fd(tc),
		    deadline);
		if (w < 0 && errno == ECANCELED)
			return 1;
		if (w == 0)
			return 0;
		if (w < 0) {
			log_error("stdin: %s; keeping the last value",
			    strerror(errno));
			in->open = 0;
			break;
		}
		input_read(tc, in, length_bits);
	}
	return tcpcom_wait(tc, deadline > clock_now_us() ?
	    deadline - clock_now_us() : 0);
}

/* Logs why a statistics file could not be written (errno `saved`). */
static int
report_failed(const char *path, int saved)
{
	char why[512];

	/* Something put at the path since the start: say what. */
	if (stats_json_target_check(path, why, sizeof why) != 0)
		log_error("cannot write %s: %s", path, why);
	else
		log_error("cannot write %s: %s", path, strerror(saved));
	return -1;
}

/*
 * Status line, JSON and Prometheus files; returns -1 when a file cannot be
 * written. `last`: the report at exit.
 */
static int
report(const struct tcpcom_stats *st, const struct options *o, int last)
{
	char line[512];
	int rc = 0;

	if (!last) {
		stats_format_line(st, line, sizeof line);
		log_notice("status: %s", line);
	}
	if (o->stats_json[0] != '\0' &&
	    tcpcom_write_stats_json(st, &o->cfg, o->stats_json) != 0)
		rc = report_failed(o->stats_json, errno);
	if (o->stats_prom[0] != '\0' &&
	    stats_write_prom(st, &o->cfg, o->stats_prom, !last) != 0)
		rc = report_failed(o->stats_prom, errno);
	return rc;
}

int
main(int argc, char **argv)
{
	static struct options o;
	static struct input in;
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

	/* A server that cannot be a host name: a usage error too. */
	tc = tcpcom_new(&o.cfg, err, sizeof err);
	if (tc == NULL)
		return cli_usage_error("tcpcom", "%s", err);
	running = tc;
	in.open = strcmp(o.payload, "stdin") == 0;
	install_signals();
	/* The threads never wait for stderr: this thread writes their lines. */
	log_queue_start();
	if (tcpcom_start(tc, err, sizeof err) != 0) {
		log_error("%s", err);
		log_queue_flush(clock_now_us() + MAIN_LOG_EXIT_US);
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
		log_queue_flush(0);
		now = clock_now_us();
		if (now >= end) {
			log_info("duration reached; stopping");
			tcpcom_stop(tc);
			break;
		}
		if (now >= next_report) {
			tcpcom_get_stats(tc, &st);
			if (report(&st, &o, 0) != 0)
				rc = 1;
			next_report += o.stats_interval_us;
			continue;
		}
		wake = end < next_report ? end : next_report;
		if (wake > now + MAIN_LOG_EVERY_US)
			wake = now + MAIN_LOG_EVERY_US;
		if (wait_reading(tc, &in, o.cfg.length_bits,
		    wake == UINT64_MAX ? 3600 * TC_US_PER_SEC : wake - now))
			break;
	}
	tcpcom_join(tc);
	running = NULL;
	tcpcom_get_stats(tc, &st);
	if (report(&st, &o, 1) != 0)
		rc = 1;
	log_queue_flush(clock_now_us() + MAIN_LOG_EXIT_US);
	if (o.log_level > LOG_ERROR)
		stats_print_summary(&st, stdout);
	tcpcom_free(tc);
	return rc;
}
