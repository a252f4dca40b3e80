/* options: defaults, config file, environment, flags; see options.h. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "options.h"
#include "parse.h"
#include "payload.h"
#include "stats.h"
#include "wire.h"

static int
option_host(const char *value, void *field, char *err, size_t errlen)
{
	if (value[0] == '\0' || strlen(value) >= TCPCOM_HOST_MAX) {
		snprintf(err, errlen, "server '%s' is not a host", value);
		return -1;
	}
	snprintf(field, TCPCOM_HOST_MAX, "%s", value);
	return 0;
}

static int
option_port(const char *value, void *field, char *err, size_t errlen)
{
	return parse_port(value, field, err, errlen);
}

static int
option_mode(const char *value, void *field, char *err, size_t errlen)
{
	char inner[200];
	long n;

	if (parse_long(value, 0, 1, &n, inner, sizeof inner) != 0) {
		snprintf(err, errlen, "mode '%s' is invalid (0: send and "
		    "toggle, 1: send only)", value);
		return -1;
	}
	*(int *)field = (int)n;
	return 0;
}

/* Kept as text: what it means depends on the length, known at the end. */
static int
option_payload(const char *value, void *field, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	snprintf(field, sizeof ((struct options *)0)->payload, "%s", value);
	return 0;
}

/*
 * Every option, once: its flag, which is also its config-file key (except
 * the argv_only rows), how it is read, its help line.
 */
#define CFG(f)	offsetof(struct options, cfg.f)
#define OPT(f)	offsetof(struct options, f)
#define POSITIVE 1, 0	/* a duration of more than 0 */
static const struct cli_option option_defs[] = {
	{ "server", 0, CLI_CUSTOM, CFG(server), 0, 0, option_host, "HOST",
	  "PLC address or name (192.168.17.100)", 0 },
	{ "port", 0, CLI_CUSTOM, CFG(port), 0, 0, option_port, "PORT",
	  "PLC port (" CLI_NUM(WIRE_DEFAULT_PORT) ")", 0 },
	{ "length", 0, CLI_FRAME_LENGTH, CFG(length_bits), 0, 0, NULL, "BITS",
	  "frame length, a multiple of 8 in 8..1024 ("
	  CLI_NUM(WIRE_DEFAULT_BITS) ")", 0 },
	{ "send-cycle", 0, CLI_DURATION, CFG(send_cycle_us), POSITIVE, NULL,
	  "DUR", "one frame every DUR (100ms)", 0 },
	{ "toggle-cycle", 0, CLI_DURATION, CFG(toggle_cycle_us), POSITIVE,
	  NULL, "DUR", "flip the life bit every DUR (500ms)", 0 },
	{ "mode", 0, CLI_CUSTOM, CFG(mode), 0, 0, option_mode, "0|1",
	  "0: send and toggle; 1: send only, bit 0 fixed (0)", 0 },
	{ "send-on-toggle", 0, CLI_BOOL, CFG(send_on_toggle), 0, 0, NULL,
	  NULL, "send a frame at once when bit 0 flips", 0 },
	{ "payload", 0, CLI_CUSTOM, OPT(payload), 0, 0, option_payload,
	  "KIND", "random | counter | fixed:0xHEX | stdin (random)", 0 },
	{ "echo-timeout", 0, CLI_DURATION, CFG(echo_timeout_us), POSITIVE,
	  NULL, "DUR", "an echo later than DUR drops the link (1s)", 0 },
	{ "connect-timeout", 0, CLI_DURATION, CFG(connect_timeout_us),
	  POSITIVE, NULL, "DUR",
	  "give up a connection attempt after DUR (2s)", 0 },
	{ "backoff-min", 0, CLI_DURATION, CFG(backoff_min_us), POSITIVE,
	  NULL, "DUR", "first reconnect delay (100ms)", 0 },
	{ "backoff-max", 0, CLI_DURATION, CFG(backoff_max_us), POSITIVE,
	  NULL, "DUR", "longest reconnect delay (5s)", 0 },
	{ "count", 0, CLI_U64, CFG(count), 0, 0, NULL, "N",
	  "stop after N frames", 0 },
	{ "seed", 0, CLI_U64, CFG(seed), 0, 0, NULL, "N",
	  "seed of the random payload and jitter", 0 },
	{ "duration", 0, CLI_DURATION, OPT(duration_us), 0, 0, NULL, "DUR",
	  "stop after DUR", 0 },
	{ "stats-interval", 0, CLI_DURATION, OPT(stats_interval_us), 0, 0,
	  NULL, "DUR", "a status line every DUR; 0 for none (10s)", 0 },
	{ "stats-json", 0, CLI_PATH, OPT(stats_json), 0, OPTIONS_PATH_MAX,
	  NULL, "FILE", "write the statistics as JSON to FILE", 0 },
	{ "stats-prom", 0, CLI_PATH, OPT(stats_prom), 0, OPTIONS_PATH_MAX,
	  NULL, "FILE", "write the statistics for Prometheus to FILE", 0 },
	/* The command line's own. */
	{ "config", 0, CLI_PATH, OPT(config), 0, OPTIONS_PATH_MAX, NULL,
	  "FILE", "read key = value settings from FILE", 1 },
	{ "quiet", 'q', CLI_COUNT, OPT(quiet), 0, 0, NULL, NULL,
	  "errors only", 1 },
	{ "verbose", 'v', CLI_COUNT, OPT(verbose), 0, 0, NULL, NULL,
	  "more detail; -vv: a line per frame", 1 },
	{ "help", 'h', CLI_HELP, 0, 0, 0, NULL, NULL, "this text", 1 },
	{ "version", 0, CLI_VERSION, 0, 0, 0, NULL, NULL, "the version", 1 },
};
#undef POSITIVE
#undef OPT
#undef CFG

static const struct cli options_cli = {
	"tcpcom", option_defs, sizeof option_defs / sizeof option_defs[0]
};

/* The original's configuration names, for config files written for it. */
static const struct {
	const char *original;
	const char *key;
} option_aliases[] = {
	{ "LENGTH", "length" }, { "PORT", "port" }, { "SERVER", "server" },
};

int
options_set(struct options *o, const char *key, const char *value,
    char *err, size_t errlen)
{
	const struct cli_option *d;
	size_t i;

	for (i = 0; i < sizeof option_aliases / sizeof option_aliases[0]; i++)
		if (strcmp(key, option_aliases[i].original) == 0)
			key = option_aliases[i].key;
	d = cli_find(&options_cli, key);
	if (d == NULL || d->argv_only) {
		snprintf(err, errlen, "unknown setting '%s'", key);
		return -1;
	}
	return cli_set(d, o, value, err, errlen);
}

static char *
trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/* Strips one pair of matching quotes, as in SERVER = "192.168.17.100". */
static char *
unquote(char *s)
{
	size_t n = strlen(s);

	if (n >= 2 && (s[0] == '"' || s[0] == '\'') && s[n - 1] == s[0]) {
		s[n - 1] = '\0';
		return s + 1;
	}
	return s;
}

/*
 * The '#' that starts a comment, or NULL: one before the '=' or after the
 * value, not one inside a quoted value (SERVER = "plc#2" # the second).
 */
static char *
comment_start(char *line)
{
	char *hash, *eq, *p, *close;

	hash = strchr(line, '#');
	eq = strchr(line, '=');
	if (hash == NULL || eq == NULL || hash < eq)
		return hash;
	for (p = eq + 1; *p == ' ' || *p == '\t'; p++)
		;
	if ((*p == '"' || *p == '\'') && (close = strchr(p + 1, *p)) != NULL)
		return strchr(close + 1, '#');
	return hash;
}

int
options_load_file(struct options *o, const char *path, char *err,
    size_t errlen)
{
	char line[1024], inner[512], *key, *value, *eq, *hash;
	unsigned lineno = 0;
	FILE *f;
	int rc = 0;

	f = fopen(path, "r");
	if (f == NULL) {
		snprintf(err, errlen, "cannot read config file '%s': %s", path,
		    strerror(errno));
		return -1;
	}
	while (rc == 0 && fgets(line, sizeof line, f) != NULL) {
		lineno++;
		if (strchr(line, '\n') == NULL && !feof(f)) {
			snprintf(err, errlen, "%s:%u: line too long", path,
			    lineno);
			rc = -1;
			break;
		}
		if ((hash = comment_start(line)) != NULL)
			*hash = '\0';
		key = trim(line);
		if (*key == '\0')
			continue;
		eq = strchr(key, '=');
		if (eq == NULL) {
			snprintf(err, errlen, "%s:%u: expected 'key = value', "
			    "got '%s'", path, lineno, key);
			rc = -1;
			break;
		}
		*eq = '\0';
		key = trim(key);
		value = unquote(trim(eq + 1));
		if (strcmp(key, "FORMAT") == 0)
			continue;	/* the original's; nothing uses it */
		if (options_set(o, key, value, inner, sizeof inner) != 0) {
			snprintf(err, errlen, "%s:%u: %s", path, lineno, inner);
			rc = -1;
		}
	}
	if (rc == 0 && ferror(f)) {
		snprintf(err, errlen, "cannot read config file '%s': %s", path,
		    strerror(errno));
		rc = -1;
	}
	fclose(f);
	return rc;
}

void
options_usage(void *file)
{
	FILE *f = file;

	fprintf(f,
	    "usage: tcpcom [OPTIONS]\n"
	    "Sends a frame to the PLC every send cycle, checks its echo, and\n"
	    "flips bit 0 (the life bit) every toggle cycle. Reconnects for ever.\n"
	    "Durations: 500us, 100ms, 2s, 1.5s, 1m.\n\n");
	cli_print_options(f, &options_cli);
	fprintf(f, "\nPrecedence: flags > TCPCOM_SERVER/TCPCOM_PORT > "
	    "config file > defaults.\nExit: 0 stopped cleanly, 1 fatal "
	    "error, 2 usage error.\n");
}

static void
options_defaults(struct options *o)
{
	memset(o, 0, sizeof *o);
	tcpcom_config_init(&o->cfg);
	o->stats_interval_us = 10 * TC_US_PER_SEC;
	o->log_level = LOG_NOTICE;
	snprintf(o->payload, sizeof o->payload, "random");
}

int
options_check_cycles(const struct tcpcom_config *cfg, char *err,
    size_t errlen)
{
	char send[32], toggle[32];

	/* Without a toggler, or with a frame on every flip, any will do. */
	if (cfg->mode != 0 || cfg->send_on_toggle)
		return 0;
	format_duration(cfg->send_cycle_us, send, sizeof send);
	format_duration(cfg->toggle_cycle_us, toggle, sizeof toggle);
	if (cfg->toggle_cycle_us < cfg->send_cycle_us) {
		snprintf(err, errlen, "toggle-cycle %s is shorter than "
		    "send-cycle %s: bit 0 would flip more than once between "
		    "two frames and the PLC would miss its edges (make "
		    "toggle-cycle at least send-cycle, or add --send-on-toggle)",
		    toggle, send);
		return -1;
	}
	if (cfg->toggle_cycle_us % cfg->send_cycle_us != 0)
		log_warn("toggle-cycle %s is not a multiple of send-cycle %s: "
		    "the PLC sees the flips one send cycle early or late",
		    toggle, send);
	return 0;
}

/* What a flag stands for, once every source has been read. */
static int
options_finish(struct options *o, char *err, size_t errlen)
{
	char inner[512];

	if (payload_parse(o->payload, o->cfg.length_bits, &o->cfg.payload,
	    o->cfg.fixed, err, errlen) != 0)
		return -1;
	if (o->cfg.backoff_max_us < o->cfg.backoff_min_us) {
		snprintf(err, errlen, "backoff-max must not be below "
		    "backoff-min");
		return -1;
	}
	if (options_check_cycles(&o->cfg, err, errlen) != 0)
		return -1;
	/* Found now, a usage error; planted later, a failed write. */
	if (o->stats_json[0] != '\0' &&
	    stats_json_target_check(o->stats_json, inner, sizeof inner) != 0) {
		snprintf(err, errlen, "--stats-json: %s", inner);
		return -1;
	}
	if (o->stats_prom[0] != '\0' &&
	    stats_json_target_check(o->stats_prom, inner, sizeof inner) != 0) {
		snprintf(err, errlen, "--stats-prom: %s", inner);
		return -1;
	}
	return 0;
}

/* Applies the flags of argv: those `argv_only` says, or the others. */
static enum options_result
options_flags(int argc, char **argv, struct options *o, int argv_only,
    char *err, size_t errlen)
{
	const struct cli_option *d;
	struct cli_scan s;
	const char *value;
	char inner[512];
	int r;

	cli_scan_start(&s, &options_cli, argc, argv);
	while ((r = cli_scan_next(&s, &d, &value, err, errlen)) > 0) {
		if (d->type == CLI_HELP) {
			options_usage(stdout);
			return OPTIONS_DONE;
		}
		if (d->type == CLI_VERSION) {
			printf("tcpcom %s\n", tcpcom_version());
			return OPTIONS_DONE;
		}
		if (d->argv_only != argv_only)
			continue;
		if (cli_set(d, o, value, inner, sizeof inner) != 0) {
			snprintf(err, errlen, "--%s: %s", d->name, inner);
			return OPTIONS_BAD;
		}
	}
	if (r < 0)
		return OPTIONS_BAD;
	if (cli_scan_operand(&s) < argc) {
		snprintf(err, errlen, "unexpected argument '%s'",
		    argv[cli_scan_operand(&s)]);
		return OPTIONS_BAD;
	}
	return OPTIONS_RUN;
}

enum options_result
options_parse(int argc, char **argv, const char *(*getenv_fn)(const char *),
    struct options *o, char *err, size_t errlen)
{
	enum options_result r;
	char inner[512];
	const char *env;

	options_defaults(o);
	/* First pass: --config, -q, -v, --help, --version, syntax errors. */
	if ((r = options_flags(argc, argv, o, 1, err, errlen)) != OPTIONS_RUN)
		return r;

	if (o->config[0] != '\0' &&
	    options_load_file(o, o->config, err, errlen) != 0)
		return OPTIONS_BAD;

	if ((env = getenv_fn("TCPCOM_SERVER")) != NULL && *env != '\0' &&
	    options_set(o, "server", env, inner, sizeof inner) != 0) {
		snprintf(err, errlen, "TCPCOM_SERVER: %s", inner);
		return OPTIONS_BAD;
	}
	if ((env = getenv_fn("TCPCOM_PORT")) != NULL && *env != '\0' &&
	    options_set(o, "port", env, inner, sizeof inner) != 0) {
		snprintf(err, errlen, "TCPCOM_PORT: %s", inner);
		return OPTIONS_BAD;
	}

	/* Second pass: the settings given as flags, over everything else. */
	if ((r = options_flags(argc, argv, o, 0, err, errlen)) != OPTIONS_RUN)
		return r;

	if (o->quiet)
		o->log_level = LOG_ERROR;
	else if (o->verbose >= 2)
		o->log_level = LOG_DEBUG;
	else if (o->verbose == 1)
		o->log_level = LOG_INFO;
	if (options_finish(o, err, errlen) != 0)
		return OPTIONS_BAD;
	return OPTIONS_RUN;
}
