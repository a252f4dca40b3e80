/*
 * plcsim: the PLC emulator. Arguments, start-up, the loop, the summary and
 * the exit code; everything else is in the modules.
 */
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "events.h"
#include "log.h"
#include "loop.h"
#include "parse.h"
#include "run.h"
#include "scenario.h"
#include "server.h"
#include "wire.h"

#ifndef TCPCOM_VERSION
#define TCPCOM_VERSION "dev"
#endif

#define EXIT_USAGE 2

struct serve_opts {
	struct sim_server_config srv;
	tc_us_t			 duration_us;
	const char		*events_path;
	unsigned		 given;		/* OPT_BIT of each option seen */
	int			 verbose;	/* -1 quiet, 0, 1, 2 */
	const char		*scenario;
};

struct serve_ctx {
	struct sim_loop	  *loop;
	struct sim_server *srv;
	int		   signo;
};

static void
usage(FILE *f)
{
	fprintf(f,
"usage: plcsim serve [options] [SCENARIO]\n"
"       plcsim check SCENARIO...\n"
"       plcsim run [options] SCENARIO... -- CLIENT COMMAND...\n"
"       plcsim --help | --version\n"
"\n"
"serve: be the TwinCAT PLC for a client started elsewhere.\n"
"  --listen HOST:PORT   address to listen on (127.0.0.1:5050; port 0: a free one)\n"
"  --cycle DUR          PLC task cycle (10ms; 0: answer at once)\n"
"  --length BITS        frame length in bits, a multiple of 8 (32)\n"
"  --max-clients N      clients served at once (1; others wait in the backlog)\n"
"  --relisten DUR       listener closed this long after a client goes (5 cycles)\n"
"  --recv-timeout DUR   drop a client silent this long (300s; 0: never)\n"
"  --max-open N         open connections at most; more are closed at once\n"
"  --watchdog DUR       record a watchdog event when bit 0 does not move for DUR\n"
"  --duration DUR       stop after DUR (default: at SIGINT or SIGTERM)\n"
"  --events FILE        write every event as a JSON line to FILE\n"
"  -q, --quiet          print only the first line, errors and the summary\n"
"  -v, --verbose        more detail; -vv prints every frame and echo\n"
"\n"
"With a SCENARIO, its plc: settings and duration apply: --cycle, --length,\n"
"--max-clients, --relisten, --watchdog and --duration are refused.\n"
"\n"
"run: 'plcsim run --help' lists its options.\n"
"\n"
"Durations are written 500us, 100ms, 2s. The first line on stdout is\n"
"'listening on HOST:PORT'; the summary comes last. See plcsim(1).\n");
}

static int bad(const char *, ...) __attribute__((format(printf, 1, 2)));

/* A usage error: one line, a hint, and the exit code. */
static int
bad(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "plcsim: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nplcsim: try 'plcsim --help'\n");
	return EXIT_USAGE;
}

static int
opt_duration(const char *name, const char *text, tc_us_t *out)
{
	char err[256];

	if (parse_duration(text, out, err, sizeof err) != 0)
		return bad("%s: %s", name, err);
	return 0;
}

static int
opt_long(const char *name, const char *text, long min, long max, long *out)
{
	char err[256];

	if (parse_long(text, min, max, out, err, sizeof err) != 0)
		return bad("%s: %s", name, err);
	return 0;
}

enum {
	OPT_LISTEN = 256, OPT_CYCLE, OPT_LENGTH, OPT_MAX_CLIENTS, OPT_RELISTEN,
	OPT_RECV_TIMEOUT, OPT_MAX_OPEN, OPT_WATCHDOG, OPT_DURATION, OPT_EVENTS,
	OPT_HELP, OPT_VERSION
};
#define OPT_BIT(opt) (1u << ((opt) - OPT_LISTEN))

/*
 * What a scenario's plc: section (or its duration) decides, and so what
 * serve refuses with one rather than silently dropping it.
 */
static const struct {
	int	    opt;
	const char *name;
	const char *key;
} serve_scenario_keys[] = {
	{ OPT_CYCLE, "--cycle", "plc.cycle" },
	{ OPT_LENGTH, "--length", "plc.length" },
	{ OPT_MAX_CLIENTS, "--max-clients", "plc.max_clients" },
	{ OPT_RELISTEN, "--relisten", "plc.relisten" },
	{ OPT_WATCHDOG, "--watchdog", "plc.watchdog" },
	{ OPT_DURATION, "--duration", "duration" },
};

static const struct option serve_long[] = {
	{ "listen", required_argument, NULL, OPT_LISTEN },
	{ "cycle", required_argument, NULL, OPT_CYCLE },
	{ "length", required_argument, NULL, OPT_LENGTH },
	{ "max-clients", required_argument, NULL, OPT_MAX_CLIENTS },
	{ "relisten", required_argument, NULL, OPT_RELISTEN },
	{ "recv-timeout", required_argument, NULL, OPT_RECV_TIMEOUT },
	{ "max-open", required_argument, NULL, OPT_MAX_OPEN },
	{ "watchdog", required_argument, NULL, OPT_WATCHDOG },
	{ "duration", required_argument, NULL, OPT_DURATION },
	{ "events", required_argument, NULL, OPT_EVENTS },
	{ "quiet", no_argument, NULL, 'q' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, OPT_HELP },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 }
};

/* Returns -1 to go on, or an exit code. */
static int
serve_parse(int argc, char **argv, struct serve_opts *o)
{
	char err[256];
	size_t i;
	long v;
	int ch, rc;

	memset(o, 0, sizeof *o);
	snprintf(o->srv.host, sizeof o->srv.host, "127.0.0.1");
	o->srv.port = 5050;
	o->srv.cycle_us = 10 * TC_US_PER_MS;
	o->srv.length_bits = 32;
	o->srv.max_clients = 1;
	o->srv.recv_timeout_us = 300 * TC_US_PER_SEC;
	o->srv.backlog = 128;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "qvh", serve_long, NULL)) != -1) {
		rc = 0;
		if (ch >= OPT_LISTEN && ch <= OPT_EVENTS)
			o->given |= OPT_BIT(ch);
		switch (ch) {
		case OPT_LISTEN:
			if (parse_host_port(optarg, o->srv.host,
			    sizeof o->srv.host, &o->srv.port, err,
			    sizeof err) != 0)
				return bad("--listen: %s", err);
			break;
		case OPT_CYCLE:
			rc = opt_duration("--cycle", optarg, &o->srv.cycle_us);
			break;
		case OPT_LENGTH:
			if ((rc = opt_long("--length", optarg, 8, 1024,
			    &v)) != 0)
				break;
			if (!wire_length_valid(v))
				return bad("--length: '%s' is not a multiple "
				    "of 8 in 8..1024", optarg);
			o->srv.length_bits = (unsigned)v;
			break;
		case OPT_MAX_CLIENTS:
			rc = opt_long("--max-clients", optarg, 1, 100000, &v);
			o->srv.max_clients = (unsigned)v;
			break;
		case OPT_RELISTEN:
			rc = opt_duration("--relisten", optarg,
			    &o->srv.relisten_us);
			break;
		case OPT_RECV_TIMEOUT:
			rc = opt_duration("--recv-timeout", optarg,
			    &o->srv.recv_timeout_us);
			break;
		case OPT_MAX_OPEN:
			rc = opt_long("--max-open", optarg, 1, 1000000, &v);
			o->srv.max_open = (unsigned)v;
			break;
		case OPT_WATCHDOG:
			rc = opt_duration("--watchdog", optarg,
			    &o->srv.watchdog_us);
			break;
		case OPT_DURATION:
			rc = opt_duration("--duration", optarg,
			    &o->duration_us);
			break;
		case OPT_EVENTS:
			o->events_path = optarg;
			break;
		case 'q':
			o->verbose = -1;
			break;
		case 'v':
			if (o->verbose < 2)
				o->verbose++;
			break;
		case 'h':
		case OPT_HELP:
			usage(stdout);
			return 0;
		case OPT_VERSION:
			printf("plcsim %s\n", TCPCOM_VERSION);
			return 0;
		default:
			return bad("unknown option");
		}
		if (rc != 0)
			return rc;
	}
	if (optind < argc)
		o->scenario = argv[optind++];
	if (optind < argc)
		return bad("unexpected argument '%s'", argv[optind]);
	for (i = 0; o->scenario != NULL && i < sizeof serve_scenario_keys /
	    sizeof serve_scenario_keys[0]; i++)
		if (o->given & OPT_BIT(serve_scenario_keys[i].opt))
			return bad("%s cannot be used with a scenario: set %s "
			    "in the scenario", serve_scenario_keys[i].name,
			    serve_scenario_keys[i].key);
	if (o->scenario == NULL && o->srv.max_open != 0 &&
	    o->srv.max_open < o->srv.max_clients)
		return bad("--max-open %u is below --max-clients %u",
		    o->srv.max_open, o->srv.max_clients);
	/* TwinCAT takes a few cycles to close, init and listen again. */
	if (!(o->given & OPT_BIT(OPT_RELISTEN)))
		o->srv.relisten_us = 5 * o->srv.cycle_us;
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
	s.recv_timeout_set = (o->given & OPT_BIT(OPT_RECV_TIMEOUT)) != 0;
	s.recv_timeout = o->srv.recv_timeout_us;
	s.max_open = o->srv.max_open;
	return run_serve_scenario(&s);
}

static int
cmd_serve(int argc, char **argv)
{
	struct serve_opts o;
	struct serve_ctx ctx;
	struct sim_events *events;
	struct sim_signal *sigs[4];
	struct sim_timer *stop = NULL;
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
		fprintf(stderr, "plcsim: --events: %s\n", err);
		events_free(events);
		return EXIT_USAGE;
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
	printf("listening on %s\n", server_address(ctx.srv));
	fflush(stdout);
	events_set_text(events, o.verbose < 0 ? NULL : stdout,
	    o.verbose < 0 ? 0 : o.verbose);

	rc = sim_loop_run(ctx.loop);
	if (ctx.signo != 0)
		log_notice("stopping on signal %d", ctx.signo);
	/* Connections end (and are logged) before the summary is written. */
	server_stop(ctx.srv);
	server_summary(ctx.srv, stdout);
out:
	server_free(ctx.srv);
	sim_timer_free(stop);
	for (i = 0; i < 4; i++)
		sim_signal_free(sigs[i]);
	sim_loop_free(ctx.loop);
	events_free(events);
	return rc == 0 ? 0 : 1;
}

int
main(int argc, char **argv)
{
	const char *cmd;

	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	cmd = argv[1];
	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(cmd, "--version") == 0) {
		printf("plcsim %s\n", TCPCOM_VERSION);
		return 0;
	}
	if (strcmp(cmd, "serve") == 0)
		return cmd_serve(argc - 1, argv + 1);
	if (strcmp(cmd, "check") == 0)
		return scenario_check_main(argc - 1, argv + 1);
	if (strcmp(cmd, "run") == 0)
		return run_main(argc - 1, argv + 1);
	fprintf(stderr, "plcsim: unknown command '%s' (serve, check, run)\n",
	    cmd);
	return EXIT_USAGE;
}
