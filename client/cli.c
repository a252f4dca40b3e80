/* cli: command lines read from a table; see cli.h. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "clock.h"
#include "parse.h"

/* getopt_long's value for row i; short flags keep their letter. */
#define CLI_VAL_BASE 256

static int
cli_takes_value(const struct cli_option *o)
{
	return o->arg != NULL;
}

static int
cli_bool(const char *v, int *out)
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
cli_set(const struct cli_option *o, void *settings, const char *value,
    char *err, size_t errlen)
{
	void *field = (char *)settings + o->offset;
	unsigned long long u;
	tc_us_t us;
	char *end;
	long n;

	if (value == NULL && o->type != CLI_COUNT && o->type != CLI_BOOL &&
	    o->type != CLI_HELP && o->type != CLI_VERSION) {
		snprintf(err, errlen, "%s needs a value", o->name);
		return -1;
	}
	switch (o->type) {
	case CLI_COUNT:
		(*(int *)field)++;
		return 0;
	case CLI_BOOL:
		if (value == NULL) {
			*(int *)field = 1;
			return 0;
		}
		if (cli_bool(value, field) != 0) {
			snprintf(err, errlen, "%s '%s' is not true or false",
			    o->name, value);
			return -1;
		}
		return 0;
	case CLI_STRING:
		*(const char **)field = value;
		return 0;
	case CLI_PATH:
		if (value[0] == '\0' || strlen(value) >= (size_t)o->max) {
			snprintf(err, errlen, "%s '%s' is not a usable path",
			    o->name, value);
			return -1;
		}
		snprintf(field, (size_t)o->max, "%s", value);
		return 0;
	case CLI_DURATION:
		if (parse_duration(value, &us, err, errlen) != 0)
			return -1;
		if (o->min > 0 && us < (tc_us_t)o->min) {
			snprintf(err, errlen, "%s '%s' must be more than 0",
			    o->name, value);
			return -1;
		}
		*(tc_us_t *)field = us;
		return 0;
	case CLI_INT:
	case CLI_UINT:
		if (parse_long(value, o->min, o->max, &n, err, errlen) != 0)
			return -1;
		if (o->type == CLI_INT)
			*(int *)field = (int)n;
		else
			*(unsigned *)field = (unsigned)n;
		return 0;
	case CLI_U64:
		errno = 0;
		u = strtoull(value, &end, 10);	/* 010 is ten, not eight */
		if (!isdigit((unsigned char)value[0]) || *end != '\0' ||
		    errno == ERANGE) {
			snprintf(err, errlen, "%s '%s' is not a whole number",
			    o->name, value);
			return -1;
		}
		*(uint64_t *)field = u;
		return 0;
	case CLI_FRAME_LENGTH:
		return parse_frame_length(value, field, err, errlen);
	case CLI_CUSTOM:
		return o->set(value, field, err, errlen);
	case CLI_HELP:
	case CLI_VERSION:
		return 0;
	case CLI_TYPE_MAX:
		break;
	}
	snprintf(err, errlen, "%s: unknown kind of option", o->name);
	return -1;
}

const struct cli_option *
cli_find(const struct cli *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->nopts; i++)
		if (strcmp(name, c->opts[i].name) == 0)
			return &c->opts[i];
	return NULL;
}

void
cli_scan_start(struct cli_scan *s, const struct cli *c, int argc,
    char **argv)
{
	size_t i, n = 0, k = 0;

	memset(s, 0, sizeof *s);
	s->c = c;
	s->argc = argc;
	s->argv = argv;
	s->shorts[k++] = ':';	/* a missing value is ':', not '?' */
	for (i = 0; i < c->nopts && i < CLI_MAX_OPTIONS; i++) {
		s->lo[n].name = c->opts[i].name;
		s->lo[n].has_arg = cli_takes_value(&c->opts[i]) ?
		    required_argument : no_argument;
		s->lo[n].flag = NULL;
		s->lo[n].val = CLI_VAL_BASE + (int)i;
		n++;
		if (c->opts[i].letter != 0) {
			s->shorts[k++] = (char)c->opts[i].letter;
			if (cli_takes_value(&c->opts[i]))
				s->shorts[k++] = ':';
		}
	}
	s->shorts[k] = '\0';
	/* lo[n] stays zero: the end of the table. */
	opterr = 0;
	optind = 0;	/* GNU: start afresh, whatever a walk left behind */
}

/* How many rows' names begin with the flag `arg` ("--re" or "--re=x"). */
static size_t
cli_prefix_matches(const struct cli *c, const char *arg)
{
	size_t i, len, n = 0;

	if (strncmp(arg, "--", 2) != 0)
		return 0;
	arg += 2;
	len = strcspn(arg, "=");
	for (i = 0; i < c->nopts; i++)
		if (strncmp(c->opts[i].name, arg, len) == 0)
			n++;
	return n;
}

int
cli_scan_next(struct cli_scan *s, const struct cli_option **o,
    const char **value, char *err, size_t errlen)
{
	const char *arg;
	size_t i;
	int ch;

	ch = getopt_long(s->argc, s->argv, s->shorts, s->lo, NULL);
	if (ch == -1)
		return 0;
	arg = optind > 0 && optind <= s->argc ? s->argv[optind - 1] : "?";
	if (ch == ':') {
		snprintf(err, errlen, "option '%s' needs a value", arg);
		return -1;
	}
	if (ch == '?') {
		if (optopt >= CLI_VAL_BASE)
			snprintf(err, errlen, "option '--%s' takes no value",
			    s->c->opts[optopt - CLI_VAL_BASE].name);
		else if (optopt != 0)
			snprintf(err, errlen, "unknown option '-%c'", optopt);
		else if (cli_prefix_matches(s->c, arg) > 1)
			snprintf(err, errlen, "ambiguous option '%s'", arg);
		else
			snprintf(err, errlen, "unknown option '%s'", arg);
		return -1;
	}
	if (ch >= CLI_VAL_BASE) {
		i = (size_t)(ch - CLI_VAL_BASE);
	} else {
		for (i = 0; i < s->c->nopts; i++)
			if (s->c->opts[i].letter == ch)
				break;
		if (i == s->c->nopts) {
			snprintf(err, errlen, "unknown option '-%c'", ch);
			return -1;
		}
	}
	*o = &s->c->opts[i];
	*value = cli_takes_value(*o) ? optarg : NULL;
	return 1;
}

int
cli_scan_operand(const struct cli_scan *s)
{
	(void)s;
	return optind;
}

enum cli_result
cli_parse(const struct cli *c, int argc, char **argv, void *settings,
    uint64_t *given, int *operand, char *err, size_t errlen)
{
	struct cli_scan s;
	const struct cli_option *o;
	const char *value;
	char inner[512];
	int r;

	if (given != NULL)
		*given = 0;
	cli_scan_start(&s, c, argc, argv);
	while ((r = cli_scan_next(&s, &o, &value, err, errlen)) > 0) {
		if (given != NULL)
			*given |= (uint64_t)1 << (o - c->opts);
		if (o->type == CLI_HELP)
			return CLI_SHOW_HELP;
		if (o->type == CLI_VERSION)
			return CLI_SHOW_VERSION;
		if (cli_set(o, settings, value, inner, sizeof inner) != 0) {
			snprintf(err, errlen, "--%s: %s", o->name, inner);
			return CLI_BAD;
		}
	}
	if (r < 0)
		return CLI_BAD;
	if (operand != NULL)
		*operand = cli_scan_operand(&s);
	return CLI_OK;
}

/* "-v, --verbose" or "--listen HOST:PORT": a row's flag in --help. */
static int
cli_flag_text(const struct cli_option *o, char *buf, size_t len)
{
	char letter[8] = "";

	if (o->letter != 0)
		snprintf(letter, sizeof letter, "-%c, ", o->letter);
	return snprintf(buf, len, "%s--%s%s%s", letter, o->name,
	    o->arg != NULL ? " " : "", o->arg != NULL ? o->arg : "");
}

void
cli_print_options(FILE *f, const struct cli *c)
{
	char flag[96];
	const char *h, *nl;
	int width = 0, w;
	size_t i;

	for (i = 0; i < c->nopts; i++) {
		if (c->opts[i].help == NULL)
			continue;
		w = cli_flag_text(&c->opts[i], flag, sizeof flag);
		if (w > width)
			width = w;
	}
	for (i = 0; i < c->nopts; i++) {
		if ((h = c->opts[i].help) == NULL)
			continue;
		cli_flag_text(&c->opts[i], flag, sizeof flag);
		fprintf(f, "  %-*s  ", width, flag);
		/* Further lines of the help start under the first. */
		while ((nl = strchr(h, '\n')) != NULL) {
			fprintf(f, "%.*s\n  %-*s  ", (int)(nl - h), h, width,
			    "");
			h = nl + 1;
		}
		fprintf(f, "%s\n", h);
	}
}

int
cli_usage_error(const char *prog, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n%s: try '%s --help'\n", prog, prog);
	return CLI_EXIT_USAGE;
}
