/* options: defaults, config file, environment, flags; see options.h. */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "options.h"
#include "parse.h"
#include "payload.h"
#include "wire.h"

enum option_type {
	OPT_HOST, OPT_PORT, OPT_LENGTH, OPT_DURATION, OPT_POSITIVE_DURATION,
	OPT_MODE, OPT_BOOL, OPT_PAYLOAD, OPT_COUNT, OPT_SEED, OPT_PATH
};

/* Every setting, once: flag name = config key, its type, its help. */
static const struct option_def {
	const char	*name;
	enum option_type type;
	size_t		 offset;
	const char	*arg;
	const char	*help;
} option_defs[] = {
#define CFG(f) offsetof(struct options, cfg.f)
	{ "server", OPT_HOST, CFG(server), "HOST",
	  "PLC address or name (192.168.17.100)" },
	{ "port", OPT_PORT, CFG(port), "PORT", "PLC port (5050)" },
	{ "length", OPT_LENGTH, CFG(length_bits), "BITS",
	  "frame length, a multiple of 8 in 8..1024 (32)" },
	{ "send-cycle", OPT_POSITIVE_DURATION, CFG(send_cycle_us), "DUR",
	  "one frame every DUR (100ms)" },
	{ "toggle-cycle", OPT_POSITIVE_DURATION, CFG(toggle_cycle_us), "DUR",
	  "flip the life bit every DUR (500ms)" },
	{ "mode", OPT_MODE, CFG(mode), "0|1",
	  "0: send and toggle; 1: send only, bit 0 fixed (0)" },
	{ "send-on-toggle", OPT_BOOL, CFG(send_on_toggle), NULL,
	  "send a frame at once when bit 0 flips" },
	{ "payload", OPT_PAYLOAD, 0, "KIND",
	  "random | counter | fixed:0xHEX (random)" },
	{ "echo-timeout", OPT_POSITIVE_DURATION, CFG(echo_timeout_us), "DUR",
	  "an echo later than DUR drops the link (1s)" },
	{ "connect-timeout", OPT_POSITIVE_DURATION, CFG(connect_timeout_us),
	  "DUR", "give up a connection attempt after DUR (2s)" },
	{ "backoff-min", OPT_POSITIVE_DURATION, CFG(backoff_min_us), "DUR",
	  "first reconnect delay (100ms)" },
	{ "backoff-max", OPT_POSITIVE_DURATION, CFG(backoff_max_us), "DUR",
	  "longest reconnect delay (5s)" },
	{ "count", OPT_COUNT, CFG(count), "N", "stop after N frames" },
	{ "seed", OPT_SEED, CFG(seed), "N",
	  "seed of the random payload and jitter" },
	{ "duration", OPT_DURATION, offsetof(struct options, duration_us),
	  "DUR", "stop after DUR" },
	{ "stats-interval", OPT_DURATION,
	  offsetof(struct options, stats_interval_us), "DUR",
	  "a status line every DUR; 0 for none (10s)" },
	{ "stats-json", OPT_PATH, offsetof(struct options, stats_json),
	  "FILE", "write the statistics as JSON to FILE" },
#undef CFG
};
#define OPTION_DEFS (sizeof option_defs / sizeof option_defs[0])

/* The original's configuration names, for config files written for it. */
static const struct {
	const char *original;
	const char *key;
} option_aliases[] = {
	{ "LENGTH", "length" }, { "PORT", "port" }, { "SERVER", "server" },
};

static const struct option_def *
option_find(const char *key)
{
	size_t i;

	for (i = 0; i < sizeof option_aliases / sizeof option_aliases[0]; i++)
		if (strcmp(key, option_aliases[i].original) == 0)
			key = option_aliases[i].key;
	for (i = 0; i < OPTION_DEFS; i++)
		if (strcmp(key, option_defs[i].name) == 0)
			return &option_defs[i];
	return NULL;
}

static int
option_bool(const char *v, int *out)
{
	if (!strcmp(v, "1") || !strcmp(v, "true") || !strcmp(v, "yes") ||
	    !strcmp(v, "on"))
		*out = 1;
	else if (!strcmp(v, "0") || !strcmp(v, "false") || !strcmp(v, "no") ||
	    !strcmp(v, "off"))
		*out = 0;
	else
		return -1;
	return 0;
}

int
options_set(struct options *o, const char *key, const char *value,
    char *err, size_t errlen)
{
	const struct option_def *d = option_find(key);
	char inner[200];
	void *field;
	long n;
	unsigned long long u;
	char *end;

	if (d == NULL) {
		snprintf(err, errlen, "unknown setting '%s'", key);
		return -1;
	}
	field = (char *)o + d->offset;
	switch (d->type) {
	case OPT_HOST:
		if (value[0] == '\0' || strlen(value) >= TCPCOM_HOST_MAX) {
			snprintf(err, errlen, "%s '%s' is not a host", key,
			    value);
			return -1;
		}
		snprintf(field, TCPCOM_HOST_MAX, "%s", value);
		return 0;
	case OPT_PORT:
		if (parse_port(value, field, err, errlen) != 0)
			return -1;
		return 0;
	case OPT_LENGTH:
		if (parse_long(value, 0, 1000000, &n, inner, sizeof inner) != 0
		    || !wire_length_valid(n)) {
			snprintf(err, errlen, "length '%s' is invalid: a "
			    "multiple of 8 from 8 to 1024 bits", value);
			return -1;
		}
		*(unsigned *)field = (unsigned)n;
		return 0;
	case OPT_DURATION:
	case OPT_POSITIVE_DURATION:
		if (parse_duration(value, field, inner, sizeof inner) != 0) {
			snprintf(err, errlen, "%s", inner);
			return -1;
		}
		if (d->type == OPT_POSITIVE_DURATION &&
		    *(tc_us_t *)field == 0) {
			snprintf(err, errlen, "%s '%s' must be more than 0",
			    key, value);
			return -1;
		}
		return 0;
	case OPT_MODE:
		if (parse_long(value, 0, 1, &n, inner, sizeof inner) != 0) {
			snprintf(err, errlen, "mode '%s' is invalid (0: send "
			    "and toggle, 1: send only)", value);
			return -1;
		}
		*(int *)field = (int)n;
		return 0;
	case OPT_BOOL:
		if (option_bool(value, field) != 0) {
			snprintf(err, errlen, "%s '%s' is not true or false",
			    key, value);
			return -1;
		}
		return 0;
	case OPT_PAYLOAD:
		snprintf(o->payload, sizeof o->payload, "%s", value);
		return 0;
	case OPT_COUNT:
	case OPT_SEED:
		errno = 0;
		u = strtoull(value, &end, 0);
		if (value[0] == '-' || !isdigit((unsigned char)value[0]) ||
		    *end != '\0' || errno == ERANGE) {
			snprintf(err, errlen, "%s '%s' is not a whole number",
			    key, value);
			return -1;
		}
		*(uint64_t *)field = u;
		return 0;
	case OPT_PATH:
		if (value[0] == '\0' || strlen(value) >= OPTIONS_PATH_MAX) {
			snprintf(err, errlen, "%s '%s' is not a usable path",
			    key, value);
			return -1;
		}
		snprintf(field, OPTIONS_PATH_MAX, "%s", value);
		return 0;
	}
	return -1;
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
		if ((hash = strchr(line, '#')) != NULL)
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
	char flag[64];
	size_t i;

	fprintf(f,
	    "usage: tcpcom [OPTIONS]\n"
	    "Sends a frame to the PLC every send cycle, checks its echo, and\n"
	    "flips bit 0 (the life bit) every toggle cycle. Reconnects for ever.\n"
	    "Durations: 500us, 100ms, 2s, 1.5s, 1m.\n\n");
	for (i = 0; i < OPTION_DEFS; i++) {
		snprintf(flag, sizeof flag, "--%s%s%s", option_defs[i].name,
		    option_defs[i].arg ? " " : "",
		    option_defs[i].arg ? option_defs[i].arg : "");
		fprintf(f, "  %-26s %s\n", flag, option_defs[i].help);
	}
	fprintf(f,
	    "  %-26s %s\n  %-26s %s\n  %-26s %s\n  %-26s %s\n  %-26s %s\n",
	    "--config FILE", "read key = value settings from FILE",
	    "-q, --quiet", "errors only",
	    "-v, --verbose", "more detail; -vv: a line per frame",
	    "-h, --help", "this text", "--version", "the version");
	fprintf(f, "\nPrecedence: flags > TCPCOM_SERVER/TCPCOM_PORT > "
	    "config file > defaults.\nExit: 0 stopped cleanly, 1 fatal "
	    "error, 2 usage error.\n");
}

enum { FLAG_CONFIG = 1000, FLAG_VERSION, FLAG_DEF_BASE = 2000 };

/* The getopt table, built from option_defs. */
static void
options_long_table(struct option *lo)
{
	size_t i, n = 0;

	for (i = 0; i < OPTION_DEFS; i++) {
		lo[n].name = option_defs[i].name;
		lo[n].has_arg = option_defs[i].type == OPT_BOOL ?
		    no_argument : required_argument;
		lo[n].flag = NULL;
		lo[n].val = FLAG_DEF_BASE + (int)i;
		n++;
	}
	lo[n++] = (struct option){ "config", required_argument, NULL,
	    FLAG_CONFIG };
	lo[n++] = (struct option){ "version", no_argument, NULL, FLAG_VERSION };
	lo[n++] = (struct option){ "help", no_argument, NULL, 'h' };
	lo[n++] = (struct option){ "quiet", no_argument, NULL, 'q' };
	lo[n++] = (struct option){ "verbose", no_argument, NULL, 'v' };
	lo[n] = (struct option){ NULL, 0, NULL, 0 };
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

/* What a flag stands for, once every source has been read. */
static int
options_finish(struct options *o, char *err, size_t errlen)
{
	if (payload_parse(o->payload, o->cfg.length_bits, &o->cfg.payload,
	    o->cfg.fixed, err, errlen) != 0)
		return -1;
	if (o->cfg.backoff_max_us < o->cfg.backoff_min_us) {
		snprintf(err, errlen, "backoff-max must not be below "
		    "backoff-min");
		return -1;
	}
	return 0;
}

enum options_result
options_parse(int argc, char **argv, const char *(*getenv_fn)(const char *),
    struct options *o, char *err, size_t errlen)
{
	struct option lo[OPTION_DEFS + 6];
	char inner[512];
	const char *env;
	int c, verbose = 0, quiet = 0;

	options_defaults(o);
	options_long_table(lo);

	/* First pass: --config, --help, --version and syntax errors. */
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":hqv", lo, NULL)) != -1) {
		switch (c) {
		case 'h':
			options_usage(stdout);
			return OPTIONS_DONE;
		case FLAG_VERSION:
			printf("tcpcom %s\n", tcpcom_version());
			return OPTIONS_DONE;
		case FLAG_CONFIG:
			snprintf(o->config, sizeof o->config, "%s", optarg);
			break;
		case 'q':
			quiet++;
			break;
		case 'v':
			verbose++;
			break;
		case ':':
			snprintf(err, errlen, "option '%s' needs a value",
			    argv[optind - 1]);
			return OPTIONS_BAD;
		case '?':
			if (optopt != 0)
				snprintf(err, errlen, "unknown option '-%c'",
				    optopt);
			else
				snprintf(err, errlen, "unknown option '%s'",
				    argv[optind - 1]);
			return OPTIONS_BAD;
		default:
			break;
		}
	}
	if (optind < argc) {
		snprintf(err, errlen, "unexpected argument '%s'", argv[optind]);
		return OPTIONS_BAD;
	}

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

	/* Second pass: the flags, over everything else. */
	optind = 1;
	while ((c = getopt_long(argc, argv, ":hqv", lo, NULL)) != -1) {
		if (c < FLAG_DEF_BASE)
			continue;
		if (options_set(o, option_defs[c - FLAG_DEF_BASE].name,
		    option_defs[c - FLAG_DEF_BASE].type == OPT_BOOL ? "1" :
		    optarg, inner, sizeof inner) != 0) {
			snprintf(err, errlen, "--%s: %s",
			    option_defs[c - FLAG_DEF_BASE].name, inner);
			return OPTIONS_BAD;
		}
	}
	optind = 1;

	if (quiet)
		o->log_level = LOG_ERROR;
	else if (verbose >= 2)
		o->log_level = LOG_DEBUG;
	else if (verbose == 1)
		o->log_level = LOG_INFO;
	if (options_finish(o, err, errlen) != 0)
		return OPTIONS_BAD;
	return OPTIONS_RUN;
}
