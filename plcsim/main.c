/*
 * plcsim: the PLC emulator. Arguments, start-up, the loop, the summary and
 * the exit code; everything else is in the modules.
 */
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "clock.h"
#include "events.h"
#include "log.h"
#include "loop.h"
#include "monitor.h"
#include "parse.h"
#include "plc.h"
#include "plcjudge.h"
#include "proxy.h"
#include "run.h"
#include "scenario.h"
#include "server.h"
#include "wire.h"

/* An output (the events file, the summary) could not be written. */
#define EXIT_IO 3

#ifndef TCPCOM_VERSION
#define TCPCOM_VERSION "dev"
#endif

struct serve_opts {
	struct sim_server_config srv;
	tc_us_t			 duration_us;
	const char		*events_path;
	tc_us_t			 status_us;	/* 0: no status lines */
	const char		*html_path;
	struct monitor_addr	 metrics;
	uint64_t		 given;		/* bit SERVE_x: option x seen */
	int			 quiet, verbose; /* -q and -v, counted */
	const char		*scenario;
	int			 argc;		/* as given, for --html */
	char		       **argv;
};

struct serve_ctx {
	struct sim_loop	  *loop;
	struct sim_server *srv;
	struct monitor	  *monitor;
	struct sim_events *events;
	int		   verbose;
	int		   signo;
};

/* `--listen HOST:PORT`: both into the server's settings. */
static int
serve_listen(const char *value, void *field, char *err, size_t errlen)
{
	struct sim_server_config *c = field;

	return parse_host_port(value, c->host, sizeof c->host, &c->port, err,
	    errlen);
}

/* The rows of serve's table, by name: `given` has their bits. */
enum serve_opt {
	SERVE_LISTEN = 0, SERVE_CYCLE, SERVE_LENGTH, SERVE_MAX_CLIENTS,
	SERVE_RELISTEN, SERVE_RECV_TIMEOUT, SERVE_MAX_OPEN, SERVE_WATCHDOG,
	SERVE_DURATION, SERVE_EVENTS, SERVE_STATUS, SERVE_METRICS, SERVE_HTML,
	SERVE_QUIET, SERVE_VERBOSE, SERVE_HELP, SERVE_VERSION, SERVE_OPT_MAX
};
#define SERVE_GIVEN(o, opt)	(((o)->given >> (opt)) & 1)

#define SRV(f)	offsetof(struct serve_opts, srv.f)
#define OPT(f)	offsetof(struct serve_opts, f)
static const struct cli_option serve_options[SERVE_OPT_MAX] = {
	[SERVE_LISTEN] = { "listen", 0, CLI_CUSTOM, OPT(srv), 0, 0,
	    serve_listen, "HOST:PORT", "address to listen on (127.0.0.1:"
	    CLI_NUM(WIRE_DEFAULT_PORT) "; port 0: a free one)", 0 },
	[SERVE_CYCLE] = { "cycle", 0, CLI_DURATION, SRV(cycle_us), 0, 0,
	    NULL, "DUR", "PLC task cycle (" CLI_NUM(PLC_DEFAULT_CYCLE_MS)
	    "ms; 0: answer at once)", 0 },
	[SERVE_LENGTH] = { "length", 0, CLI_FRAME_LENGTH, SRV(length_bits),
	    0, 0, NULL, "BITS", "frame length in bits, a multiple of 8 ("
	    CLI_NUM(WIRE_DEFAULT_BITS) ")", 0 },
	[SERVE_MAX_CLIENTS] = { "max-clients", 0, CLI_UINT, SRV(max_clients),
	    1, 100000, NULL, "N",
	    "clients served at once (1; others wait in the backlog)", 0 },
	[SERVE_RELISTEN] = { "relisten", 0, CLI_DURATION, SRV(relisten_us),
	    0, 0, NULL, "DUR", "listener closed this long after a client "
	    "goes (" CLI_NUM(PLC_DEFAULT_RELISTEN_CYCLES) " cycles)", 0 },
	[SERVE_RECV_TIMEOUT] = { "recv-timeout", 0, CLI_DURATION,
	    SRV(recv_timeout_us), 0, 0, NULL, "DUR",
	    "drop a client silent this long ("
	    CLI_NUM(PLC_DEFAULT_RECV_TIMEOUT_S) "s; 0: never)", 0 },
	[SERVE_MAX_OPEN] = { "max-open", 0, CLI_UINT, SRV(max_open), 1,
	    1000000, NULL, "N",
	    "open connections at most; more are closed at once\n"
	    "(--max-clients + 128, within the open-file limit)", 0 },
	[SERVE_WATCHDOG] = { "watchdog", 0, CLI_DURATION, SRV(watchdog_us),
	    0, 0, NULL, "DUR",
	    "record a watchdog event when bit 0 does not move for DUR", 0 },
	[SERVE_DURATION] = { "duration", 0, CLI_DURATION, OPT(duration_us),
	    0, 0, NULL, "DUR", "stop after DUR (default: at SIGINT, "
	    "SIGTERM or SIGHUP)", 0 },
	[SERVE_EVENTS] = { "events", 0, CLI_STRING, OPT(events_path), 0, 0,
	    NULL, "FILE", "write every event as a JSON line to FILE", 0 },
	[SERVE_STATUS] = { "status", 0, CLI_DURATION, OPT(status_us), 0, 0,
	    NULL, "DUR", "print a status line every DUR (5s when stdout is a\n"
	    "terminal and not -q, else 0: never)", 0 },
	[SERVE_METRICS] = { "metrics", 0, CLI_CUSTOM, OPT(metrics), 0, 0,
	    monitor_parse_addr, "[HOST:]PORT", "serve the same figures for\n"
	    "Prometheus at http://HOST:PORT/metrics (host: 127.0.0.1;\n"
	    "port 0: a free one)", 0 },
	[SERVE_HTML] = { "html", 0, CLI_STRING, OPT(html_path), 0, 0, NULL,
	    "FILE", "with a SCENARIO: write the report to sign to FILE\n"
	    "(one HTML page)", 0 },
	[SERVE_QUIET] = { "quiet", 'q', CLI_COUNT, OPT(quiet), 0, 0, NULL,
	    NULL, "print only the first line, errors and the summary", 0 },
	[SERVE_VERBOSE] = { "verbose", 'v', CLI_COUNT, OPT(verbose), 0, 0,
	    NULL, NULL, "more detail; -vv prints every frame and echo", 0 },
	/* In plcsim's usage line rather than among serve's options. */
	[SERVE_HELP] = { "help", 'h', CLI_HELP, 0, 0, 0, NULL, NULL, NULL, 0 },
	[SERVE_VERSION] = { "version", 0, CLI_VERSION, 0, 0, 0, NULL, NULL,
	    NULL, 0 },
};
#undef OPT
#undef SRV

static const struct cli serve_cli = {
	"plcsim serve", serve_options, SERVE_OPT_MAX
};

/*
 * What a scenario's plc: section (or its duration) decides, and so what
 * serve refuses with one rather than silently dropping it.
 */
static const struct {
	enum serve_opt opt;
	const char    *key;
} serve_scenario_keys[] = {
	{ SERVE_CYCLE, "plc.cycle" },
	{ SERVE_LENGTH, "plc.length" },
	{ SERVE_MAX_CLIENTS, "plc.max_clients" },
	{ SERVE_RELISTEN, "plc.relisten" },
	{ SERVE_WATCHDOG, "plc.watchdog" },
	{ SERVE_DURATION, "duration" },
};

static void
usage(FILE *f)
{
	fprintf(f,
"usage: plcsim serve [options] [SCENARIO]\n"
"       plcsim check SCENARIO...\n"
"       plcsim run [options] SCENARIO... -- CLIENT COMMAND...\n"
"       plcsim proxy [options] SCENARIO --upstream PLC_HOST:PORT\n"
"       plcsim --help | --version\n"
"\n"
"serve: be the TwinCAT PLC for a client started elsewhere.\n");
	cli_print_options(f, &serve_cli);
	fprintf(f,
"\n"
"With a SCENARIO, its plc: settings and duration apply: --cycle, --length,\n"
"--max-clients, --relisten, --watchdog and --duration are refused.\n"
"\n"
"check: validate scenario files without playing them.\n"
"run: 'plcsim run --help' lists its options.\n"
"proxy: stand before the real PLC; 'plcsim proxy --help'.\n"
"\n"
"Durations are written 500us, 100ms, 2s. The first line on stdout is\n"
"'listening on HOST:PORT' (then, with --metrics, 'metrics on URL'); the\n"
"summary comes last. See plcsim(1).\n");
}

static void
version(void)
{
	printf("plcsim %s\n", TCPCOM_VERSION);
}

/* Returns -1 to go on, or an exit code. */
static int
serve_parse(int argc, char **argv, struct serve_opts *o)
{
	char err[512];
	int first;
	size_t i;

	memset(o, 0, sizeof *o);
	snprintf(o->srv.host, sizeof o->srv.host, "127.0.0.1");
	o->srv.port = WIRE_DEFAULT_PORT;
	o->srv.cycle_us = PLC_DEFAULT_CYCLE_US;
	o->srv.length_bits = WIRE_DEFAULT_BITS;
	o->srv.max_clients = 1;
	o->srv.recv_timeout_us = PLC_DEFAULT_RECV_TIMEOUT_US;
	o->srv.backlog = 128;
	switch (cli_parse(&serve_cli, argc, argv, o, &o->given, &first, err,
	    sizeof err)) {
	case CLI_BAD:
		return cli_usage_error(serve_cli.prog, "%s", err);
	case CLI_SHOW_HELP:
		usage(stdout);
		return 0;
	case CLI_SHOW_VERSION:
		version();
		return 0;
	case CLI_OK:
		break;
	}
	o->verbose = o->quiet ? -1 : o->verbose > 2 ? 2 : o->verbose;
	o->argc = argc;
	o->argv = argv;
	if (first < argc)
		o->scenario = argv[first++];
	if (first < argc)
		return cli_usage_error(serve_cli.prog,
		    "unexpected argument '%s'", argv[first]);
	for (i = 0; o->scenario != NULL && i < sizeof serve_scenario_keys /
	    sizeof serve_scenario_keys[0]; i++)
		if (SERVE_GIVEN(o, serve_scenario_keys[i].opt))
			return cli_usage_error(serve_cli.prog, "--%s cannot "
			    "be used with a scenario: set %s in the scenario",
			    serve_options[serve_scenario_keys[i].opt].name,
			    serve_scenario_keys[i].key);
	if (o->scenario == NULL && o->html_path != NULL)
		return cli_usage_error(serve_cli.prog, "--html needs a "
		    "SCENARIO: the report is a scenario's verdict");
	if (o->scenario == NULL && o->srv.max_open != 0 &&
	    o->srv.max_open < o->srv.max_clients)
		return cli_usage_error(serve_cli.prog, "--max-open %u is below "
		    "--max-clients %u", o->srv.max_open, o->srv.max_clients);
	if (!SERVE_GIVEN(o, SERVE_STATUS))
		o->status_us = monitor_default_every(o->verbose < 0);
	/* TwinCAT takes a few cycles to close, init and listen again. */
	if (!SERVE_GIVEN(o, SERVE_RELISTEN))
		o->srv.relisten_us = PLC_DEFAULT_RELISTEN_CYCLES *
		    o->srv.cycle_us;
	return -1;
}

static void
serve_signal_cb(int signo, void *arg)
{
	struct serve_ctx *ctx = arg;

	if (signo == SIGUSR1) {
		server_summary(ctx->srv, stdout);
		return;
	}
	ctx->signo = signo;
	sim_loop_stop(ctx->loop);
}

/* "listening on" first, then the events. */
static uint64_t
serve_announce_timer(void *arg)
{
	struct serve_ctx *ctx = arg;

	printf("listening on %s\n", server_address(ctx->srv));
	if (monitor_metrics_address(ctx->monitor) != NULL)
		printf("metrics on http://%s/metrics\n",
		    monitor_metrics_address(ctx->monitor));
	fflush(stdout);
	events_set_text(ctx->events, ctx->verbose < 0 ? NULL : stdout,
	    ctx->verbose < 0 ? 0 : ctx->verbose);
	return SIM_TIMER_STOP;
}

static uint64_t
serve_duration_timer(void *arg)
{
	struct serve_ctx *ctx = arg;

	sim_loop_stop(ctx->loop);
	return SIM_TIMER_STOP;
}

/* `serve SCENARIO`: the serve options a scenario leaves open, passed on. */
static int
serve_scenario(const struct serve_opts *o)
{
	struct serve_scenario s;

	log_init(o->verbose < 0 ? LOG_ERROR : LOG_NOTICE);
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	memset(&s, 0, sizeof s);
	s.file = o->scenario;
	s.host = o->srv.host;
	s.port = o->srv.port;
	s.verbose = o->verbose;
	s.events_path = o->events_path;
	s.recv_timeout_set = SERVE_GIVEN(o, SERVE_RECV_TIMEOUT);
	s.recv_timeout = o->srv.recv_timeout_us;
	s.max_open = o->srv.max_open;
	s.status_every = o->status_us;
	s.html_path = o->html_path;
	s.argc = o->argc;
	s.argv = o->argv;
	if (o->metrics.set) {
		s.metrics_host = o->metrics.host;
		s.metrics_port = o->metrics.port;
	}
	return run_serve_scenario(&s);
}

static void
serve_status_fill(void *arg, tc_us_t now, struct status *out)
{
	server_status(arg, now, out);
}

static int
cmd_serve(int argc, char **argv)
{
	struct serve_opts o;
	struct serve_ctx ctx;
	struct sim_events *events;
	struct sim_signal *sigs[4];
	struct sim_timer *stop = NULL, *announce = NULL;
	struct monitor *mon = NULL;
	struct monitor_config mc;
	char err[320];
	int rc, i;

	if ((rc = serve_parse(argc, argv, &o)) >= 0)
		return rc;
	if (o.scenario != NULL)
		return serve_scenario(&o);
	log_init(o.verbose < 0 ? LOG_ERROR : o.verbose == 0 ? LOG_NOTICE :
	    o.verbose == 1 ? LOG_INFO : LOG_DEBUG);
	log_set_thread_name("plcsim");
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* A peer that goes away mid-write must cost an error, not the process. */
	signal(SIGPIPE, SIG_IGN);

	memset(&ctx, 0, sizeof ctx);
	if ((events = events_new(clock_now_us(), 0)) == NULL) {
		fprintf(stderr, "plcsim: out of memory\n");
		return 1;
	}
	if (o.events_path != NULL &&
	    events_open_json(events, o.events_path, err, sizeof err) != 0) {
		events_free(events);
		return cli_usage_error(serve_cli.prog, "--events: %s", err);
	}
	if ((ctx.loop = sim_loop_new()) == NULL) {
		fprintf(stderr, "plcsim: cannot create the event loop\n");
		events_free(events);
		return 1;
	}
	ctx.srv = server_new(ctx.loop, &o.srv, events, err, sizeof err);
	if (ctx.srv == NULL) {
		fprintf(stderr, "plcsim: %s\n", err);
		sim_loop_free(ctx.loop);
		events_free(events);
		return 1;
	}
	/*
	 * Before "listening on": whoever read that line may signal at once,
	 * and must get the summary, not a process killed by the default
	 * action.
	 */
	sigs[0] = sim_signal_new(ctx.loop, SIGINT, serve_signal_cb, &ctx);
	sigs[1] = sim_signal_new(ctx.loop, SIGTERM, serve_signal_cb, &ctx);
	sigs[2] = sim_signal_new(ctx.loop, SIGUSR1, serve_signal_cb, &ctx);
	/* A closing terminal ends it as cleanly as Ctrl-C. */
	sigs[3] = sim_signal_new(ctx.loop, SIGHUP, serve_signal_cb, &ctx);
	if (o.duration_us > 0) {
		stop = sim_timer_new(ctx.loop, serve_duration_timer, &ctx);
		if (stop != NULL)
			sim_timer_start(stop, o.duration_us);
	}
	if (sigs[0] == NULL || sigs[1] == NULL || sigs[2] == NULL ||
	    sigs[3] == NULL ||
	    (o.duration_us > 0 && stop == NULL)) {
		fprintf(stderr, "plcsim: cannot set up signals and timers\n");
		rc = -1;
		goto out;
	}
	memset(&mc, 0, sizeof mc);
	mc.out = stdout;
	mc.every = o.status_us;
	if (o.metrics.set) {
		mc.metrics_host = o.metrics.host;
		mc.metrics_port = o.metrics.port;
	}
	if ((mon = monitor_new(ctx.loop, &mc, serve_status_fill, ctx.srv, err,
	    sizeof err)) == NULL) {
		fprintf(stderr, "plcsim: %s\n", err);
		rc = -1;
		goto out;
	}
	ctx.monitor = mon;
	ctx.events = events;
	ctx.verbose = o.verbose;
	announce = sim_timer_new(ctx.loop, serve_announce_timer, &ctx);
	if (announce == NULL) {
		fprintf(stderr, "plcsim: out of memory\n");
		rc = -1;
		goto out;
	}
	/* Said from the loop's first turn: a signal sent right after the
	 * line then always finds the loop waiting for it. */
	sim_timer_start(announce, 0);
	rc = sim_loop_run(ctx.loop);
	if (ctx.signo != 0)
		log_notice("stopping on signal %d", ctx.signo);
	/* Connections end (and are logged) before the summary is written. */
	server_stop(ctx.srv);
	server_summary(ctx.srv, stdout);
out:
	monitor_free(mon);
	server_free(ctx.srv);
	sim_timer_free(stop);
	sim_timer_free(announce);
	for (i = 0; i < 4; i++)
		sim_signal_free(sigs[i]);
	sim_loop_free(ctx.loop);
	/* A record that could not be written whole is an I/O error. */
	if (events_close_json(events, err, sizeof err) != 0) {
		fprintf(stderr, "plcsim: %s\n", err);
		rc = EXIT_IO;
	} else if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "plcsim: cannot write the summary: %s\n",
		    strerror(errno));
		rc = EXIT_IO;
	}
	events_free(events);
	return rc == 0 ? 0 : rc == EXIT_IO ? EXIT_IO : 1;
}

/* `plcsim check SCENARIO...`: the scenario format's validation, alone. */
struct check_opts {
	int proxy;
};

static const struct cli_option check_options[] = {
	{ "proxy", 0, CLI_BOOL, offsetof(struct check_opts, proxy), 0, 0,
	    NULL, NULL, "also refuse what cannot apply in front of a real "
	    "PLC", 1 },
	{ "help", 'h', CLI_HELP, 0, 0, 0, NULL, NULL, "this text", 0 },
};

static const struct cli check_cli = {
	"plcsim check", check_options,
	sizeof check_options / sizeof check_options[0]
};

static int
cmd_check(int argc, char **argv)
{
	struct check_opts o;
	struct scenario *s;
	char err[1024];
	int i, first, bad = 0;

	memset(&o, 0, sizeof o);
	switch (cli_parse(&check_cli, argc, argv, &o, NULL, &first, err,
	    sizeof err)) {
	case CLI_BAD:
		return cli_usage_error(check_cli.prog, "%s", err);
	case CLI_SHOW_HELP:
	case CLI_SHOW_VERSION:
		printf("usage: plcsim check [--proxy] SCENARIO...\n"
		    "Validates scenario files without playing them: prints "
		    "'FILE: ok' or\n'FILE:LINE: problem' for each; exits 0 "
		    "when all are valid, 2 otherwise.\n--proxy: also refuses "
		    "what models the emulated PLC (plc.cycle,\nplc.max_clients, "
		    "plc.relisten, plc.recv_timeout, plc_cycle), which\ncannot "
		    "apply in front of a real PLC (plcsim proxy).\n");
		return 0;
	case CLI_OK:
		break;
	}
	if (first >= argc)
		return cli_usage_error(check_cli.prog,
		    "no scenario file given");
	for (i = first; i < argc; i++) {
		if ((s = scenario_load(argv[i], err, sizeof err)) == NULL) {
			fprintf(stderr, "%s\n", err);
			bad++;
			continue;
		}
		if (o.proxy && plcjudge_refuse(s, stderr) > 0) {
			bad++;
			scenario_free(s);
			continue;
		}
		printf("%s: ok\n", argv[i]);
		scenario_free(s);
	}
	fflush(stdout);
	return bad ? CLI_EXIT_USAGE : 0;
}

int
main(int argc, char **argv)
{
	const char *cmd;

	if (argc < 2)
		return cli_usage_error("plcsim", "no command given (serve, "
		    "check, run, proxy)");
	cmd = argv[1];
	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(cmd, "--version") == 0) {
		version();
		return 0;
	}
	if (strcmp(cmd, "serve") == 0)
		return cmd_serve(argc - 1, argv + 1);
	if (strcmp(cmd, "check") == 0)
		return cmd_check(argc - 1, argv + 1);
	if (strcmp(cmd, "run") == 0)
		return run_main(argc - 1, argv + 1);
	if (strcmp(cmd, "proxy") == 0)
		return proxy_main(argc - 1, argv + 1);
	return cli_usage_error("plcsim", "unknown command '%s' (serve, check, "
	    "run, proxy)", cmd);
}
