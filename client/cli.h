/*
 * cli: command lines read from a table, for every command of the project
 * (tcpcom, plcsim serve, plcsim run, plcsim check), so that they all take
 * flags, print --help and refuse bad ones the same way.
 *
 * Each command keeps its own table of options, one row per option: its long
 * name (which, for tcpcom, is also its config-file key), its letter, how its
 * value is read and into which field of the command's settings struct, and
 * its line in --help. cli_parse walks argv with getopt_long and sets each
 * field as its option comes; a command that reads other sources between the
 * flags (tcpcom: a config file, the environment) walks argv itself with
 * cli_scan_* and applies each option with cli_set when it chooses.
 *
 * A usage error is one line naming what is wrong, then a pointer to --help,
 * and exit status 2, from every command:
 *
 *	PROG: MESSAGE
 *	PROG: try 'PROG --help'
 *
 * Nothing here exits; cli_usage_error prints and returns the status.
 */
#ifndef TCPCOM_CLI_H
#define TCPCOM_CLI_H

#include <getopt.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define CLI_EXIT_USAGE	2
#define CLI_MAX_OPTIONS	64	/* rows of a table: `given` has a bit each */

/* A number macro as text, for help: "(" CLI_NUM(WIRE_DEFAULT_PORT) ")". */
#define CLI_NUM(x)	CLI_NUM_(x)
#define CLI_NUM_(x)	#x

enum cli_type {
	CLI_COUNT = 0,	/* no value: adds 1 to an int (-v -v) */
	CLI_BOOL,	/* int: a flag sets 1; a file says true/false, 1/0... */
	CLI_STRING,	/* const char *: the argument itself (argv's storage) */
	CLI_PATH,	/* char[max]: a copy, not empty */
	CLI_DURATION,	/* tc_us_t (parse_duration); min 1: more than 0 */
	CLI_INT,	/* int in [min, max] */
	CLI_UINT,	/* unsigned in [min, max] */
	CLI_U64,	/* uint64_t, whole (decimal, 0x hex, 0 octal) */
	CLI_FRAME_LENGTH, /* unsigned: bits, a multiple of 8 in 8..1024 */
	CLI_CUSTOM,	/* set() reads it */
	CLI_HELP,	/* stops the walk: the command prints its help */
	CLI_VERSION,	/* stops the walk: the command prints its version */
	CLI_TYPE_MAX
};

struct cli_option {
	const char     *name;	/* long flag without "--"; a config key too */
	int		letter;	/* its short flag ('v'), or 0 */
	enum cli_type	type;
	size_t		offset;	/* of its field in the settings struct */
	long		min, max; /* CLI_INT, CLI_UINT; CLI_PATH: max is the
				   field's size; CLI_DURATION: min 1 */
	/* CLI_CUSTOM: reads `value` into `field`; 0, or -1 and a message. */
	int	      (*set)(const char *value, void *field, char *err,
			    size_t errlen);
	const char     *arg;	/* its value's name in --help ("DUR");
				   NULL: it takes none */
	const char     *help;	/* its --help text, '\n' for more lines;
				   NULL: left out of --help */
	int		argv_only; /* a flag only, never a config-file key */
};

struct cli {
	const char		*prog;	/* "tcpcom", "plcsim run": starts every
					   message and names the --help */
	const struct cli_option *opts;
	size_t			 nopts;	/* at most CLI_MAX_OPTIONS */
};

enum cli_result {
	CLI_BAD = -1,		/* a usage error, described in err */
	CLI_OK = 0,		/* go on */
	CLI_SHOW_HELP,		/* --help came: print it, exit 0 */
	CLI_SHOW_VERSION	/* --version came: print it, exit 0 */
};

/*
 * Reads argv[1..argc) against the table, setting each option's field in
 * `settings` as it comes (the last of a repeated option wins). Stops at the
 * first --help or --version, or at the first error: an unknown option, a
 * missing or unexpected value, a value its row refuses ("--NAME: why").
 * Operands are moved after the options (GNU getopt; "--" ends the
 * options); *operand is the index of the first. *given gets bit i for each
 * row i seen. `given` and `operand` may be NULL.
 */
enum cli_result cli_parse(const struct cli *c, int argc, char **argv,
    void *settings, uint64_t *given, int *operand, char *err, size_t errlen);

/*
 * Sets the field of row `o` from `value` (NULL for a row that takes no
 * value). 0, or -1 and a message naming the value (without the flag, which
 * the caller adds: "--port: ...", "FILE:3: ...", "TCPCOM_PORT: ...").
 */
int cli_set(const struct cli_option *o, void *settings, const char *value,
    char *err, size_t errlen);

/* The row named `name`, or NULL. */
const struct cli_option *cli_find(const struct cli *c, const char *name);

/* A walk over argv's options, for a command that applies them itself. */
struct cli_scan {
	const struct cli *c;
	int		  argc;
	char		**argv;
	struct option	  lo[CLI_MAX_OPTIONS + 1];
	char		  shorts[2 * CLI_MAX_OPTIONS + 2];
};

/* Starts (or restarts) a walk; a walk changes getopt's globals. */
void cli_scan_start(struct cli_scan *s, const struct cli *c, int argc,
    char **argv);
/*
 * The next option: 1, its row and its value (NULL when it takes none); 0 at
 * the end of the options; -1 and a message on an unknown option or a
 * missing or unexpected value.
 */
int cli_scan_next(struct cli_scan *s, const struct cli_option **o,
    const char **value, char *err, size_t errlen);
/* After the walk: the index of the first operand. */
int cli_scan_operand(const struct cli_scan *s);

/* The table's --help lines, aligned: "  -v, --verbose   more detail". */
void cli_print_options(FILE *f, const struct cli *c);

/*
 * A usage error: "PROG: MESSAGE" and "PROG: try 'PROG --help'" on stderr.
 * Returns CLI_EXIT_USAGE, for `return cli_usage_error(...)`.
 */
int cli_usage_error(const char *prog, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
