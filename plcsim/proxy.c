/* proxy: the `plcsim proxy` command's options; see proxy.h. */
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "log.h"
#include "monitor.h"
#include "parse.h"
#include "proxy.h"
#include "run.h"
#include "upstream.h"
#include "wire.h"

/* An echo from the PLC later than this is its fault: half the client's
 * default echo timeout, so that a PLC near it is named before the client
 * drops the link over it. */
#define PROXY_DEFAULT_LATE_US	   (500 * TC_US_PER_MS)
/* As the client gives up a connection attempt (its --connect-timeout). */
#define PROXY_DEFAULT_CONNECT_US   (2 * TC_US_PER_SEC)

struct proxy_opts {
	char		host[256];
	uint16_t	port;
	const char     *upstream;
	tc_us_t		late;
	tc_us_t		connect_timeout;
	unsigned	max_open;
	const char     *events_path;
	const char     *html_path;
	tc_us_t		status;		/* PROXY_STATUS_UNSET: not given */
	struct monitor_addr metrics;
	int		quiet, verbose;
};

#define PROXY_STATUS_UNSET UINT64_MAX

static int
proxy_listen(const char *value, void *field, char *err, size_t errlen)
{
	struct proxy_opts *o = field;

	return parse_host_port(value, o->host, sizeof o->host, &o->port, err,
	    errlen);
}

enum proxy_opt {
	PROXY_LISTEN = 0, PROXY_UPSTREAM, PROXY_PLC_LATE, PROXY_CONNECT,
	PROXY_MAX_OPEN, PROXY_EVENTS, PROXY_HTML, PROXY_STATUS, PROXY_METRICS,
	PROXY_QUIET, PROXY_VERBOSE, PROXY_HELP, PROXY_OPT_MAX
};

#define OPT(f)	offsetof(struct proxy_opts, f)
static const struct cli_option proxy_options[PROXY_OPT_MAX] = {
	[PROXY_LISTEN] = { "listen", 0, CLI_CUSTOM, 0, 0, 0, proxy_listen,
	    "HOST:PORT", "where the client connects (127.0.0.1:"
	    CLI_NUM(WIRE_DEFAULT_PORT) "; port 0: a free one)", 0 },
	[PROXY_UPSTREAM] = { "upstream", 0, CLI_STRING, OPT(upstream), 0, 0,
	    NULL, "HOST:PORT", "the real PLC (required)", 0 },
	[PROXY_PLC_LATE] = { "plc-late", 0, CLI_DURATION, OPT(late), 1, 0,
	    NULL, "DUR", "a PLC echo later than DUR is the PLC's fault "
	    "(500ms)", 0 },
	[PROXY_CONNECT] = { "connect-timeout", 0, CLI_DURATION,
	    OPT(connect_timeout), 1, 0, NULL, "DUR",
	    "give up connecting to the PLC after DUR (2s)", 0 },
	[PROXY_MAX_OPEN] = { "max-open", 0, CLI_UINT, OPT(max_open), 1,
	    1000000, NULL, "N",
	    "open client connections at most; more are closed at "
	    "once\n(--max-clients + 128, within the open-file limit)", 0 },
	[PROXY_EVENTS] = { "events", 0, CLI_STRING, OPT(events_path), 0, 0,
	    NULL, "FILE", "write every event as a JSON line to FILE", 0 },
	[PROXY_HTML] = { "html", 0, CLI_STRING, OPT(html_path), 0, 0, NULL,
	    "FILE", "write the report to sign to FILE (one HTML page)", 0 },
	[PROXY_STATUS] = { "status", 0, CLI_DURATION, OPT(status), 0, 0, NULL,
	    "DUR", "print a status line every DUR (5s when stdout is a\n"
	    "terminal and not -q, else 0: never)", 0 },
	[PROXY_METRICS] = { "metrics", 0, CLI_CUSTOM, OPT(metrics), 0, 0,
	    monitor_parse_addr, "[HOST:]PORT", "serve the same figures for\n"
	    "Prometheus at http://HOST:PORT/metrics (host: 127.0.0.1;\n"
	    "port 0: a free one)", 0 },
	[PROXY_QUIET] = { "quiet", 'q', CLI_COUNT, OPT(quiet), 0, 0, NULL,
	    NULL, "print only the first lines, errors and the verdict", 0 },
	[PROXY_VERBOSE] = { "verbose", 'v', CLI_COUNT, OPT(verbose), 0, 0,
	    NULL, NULL, "more detail; -vv prints every frame and echo", 0 },
	[PROXY_HELP] = { "help", 'h', CLI_HELP, 0, 0, 0, NULL, NULL,
	    "print this help and exit", 0 },
};
#undef OPT

static const struct cli proxy_cli = {
	"plcsim proxy", proxy_options, PROXY_OPT_MAX
};

static void
proxy_usage(FILE *f)
{
	fprintf(f,
"usage: plcsim proxy [options] SCENARIO --upstream PLC_HOST:PORT\n"
"Stands between a client and the real PLC: each client connection gets one\n"
"of its own to the PLC, frames go up at once, the PLC's echoes come down\n"
"through the scenario's faults. The client is judged on the scenario's\n"
"expectations, the PLC on its echoes (equal to the frames, in time), and\n"
"the PLC's task cycle is estimated from its round trips.\n");
	cli_print_options(f, &proxy_cli);
	fprintf(f,
"The scenario's plc.cycle, plc.max_clients, plc.relisten, plc.recv_timeout\n"
"and plc_cycle actions model the emulated PLC: they are refused.\n"
"Exit: 0 passed, 1 the client failed, 2 usage or scenario error, 3 could\n"
"not be played, 4 the PLC failed. See plcsim(1).\n");
}

/* The upstream is the listening address itself (or one of a wildcard's). */
static int
proxy_is_itself(const struct proxy_opts *o, const struct upstream_addr *up)
{
	struct upstream_addr me;
	char text[300], err[256];
	const char *colon;

	if (o->port == 0 || (colon = strrchr(up->name, ':')) == NULL ||
	    (unsigned)atoi(colon + 1) != o->port)
		return 0;
	if (o->host[0] == '\0' || strcmp(o->host, "0.0.0.0") == 0 ||
	    strcmp(o->host, "::") == 0)
		return 1;
	snprintf(text, sizeof text, strchr(o->host, ':') != NULL ?
	    "[%s]:%u" : "%s:%u", o->host, (unsigned)o->port);
	return upstream_resolve(text, &me, err, sizeof err) == 0 &&
	    strcmp(me.name, up->name) == 0;
}

int
proxy_main(int argc, char **argv)
{
	struct proxy_opts o;
	struct serve_scenario s;
	struct upstream_addr up;
	char err[512];
	int first;

	memset(&o, 0, sizeof o);
	snprintf(o.host, sizeof o.host, "127.0.0.1");
	o.port = WIRE_DEFAULT_PORT;
	o.late = PROXY_DEFAULT_LATE_US;
	o.connect_timeout = PROXY_DEFAULT_CONNECT_US;
	o.status = PROXY_STATUS_UNSET;
	switch (cli_parse(&proxy_cli, argc, argv, &o, NULL, &first, err,
	    sizeof err)) {
	case CLI_BAD:
		return cli_usage_error(proxy_cli.prog, "%s", err);
	case CLI_SHOW_HELP:
	case CLI_SHOW_VERSION:
		proxy_usage(stdout);
		return 0;
	case CLI_OK:
		break;
	}
	if (first >= argc)
		return cli_usage_error(proxy_cli.prog, "no scenario file given");
	if (first + 1 < argc)
		return cli_usage_error(proxy_cli.prog,
		    "unexpected argument '%s'", argv[first + 1]);
	if (o.upstream == NULL)
		return cli_usage_error(proxy_cli.prog, "--upstream "
		    "PLC_HOST:PORT is required: the real PLC to stand before");
	if (upstream_resolve(o.upstream, &up, err, sizeof err) != 0)
		return cli_usage_error(proxy_cli.prog, "--upstream: %s", err);
	if (proxy_is_itself(&o, &up))
		return cli_usage_error(proxy_cli.prog, "--upstream %s is where "
		    "the proxy listens: it would connect to itself without "
		    "end", up.name);
	log_init(o.quiet ? LOG_ERROR : LOG_NOTICE);
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	memset(&s, 0, sizeof s);
	s.file = argv[first];
	s.host = o.host;
	s.port = o.port;
	s.verbose = o.quiet ? -1 : o.verbose > 2 ? 2 : o.verbose;
	s.events_path = o.events_path;
	s.html_path = o.html_path;
	s.argc = argc;
	s.argv = argv;
	s.max_open = o.max_open;
	s.upstream = &up;
	s.plc_late = o.late;
	s.plc_connect_timeout = o.connect_timeout;
	s.status_every = o.status != PROXY_STATUS_UNSET ? o.status :
	    monitor_default_every(o.quiet);
	if (o.metrics.set) {
		s.metrics_host = o.metrics.host;
		s.metrics_port = o.metrics.port;
	}
	return run_serve_scenario(&s);
}
