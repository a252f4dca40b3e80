/*
 * options: the tcpcom program's settings, from four places in rising
 * precedence: built-in defaults (the original's), a config file (--config),
 * the environment (TCPCOM_SERVER, TCPCOM_PORT), command-line flags.
 *
 * A config file holds `key = value` lines whose keys are the long flag
 * names (server, port, send-cycle, ...); the original's names LENGTH, PORT
 * and SERVER are accepted too. '#' starts a comment.
 */
#ifndef TCPCOM_OPTIONS_H
#define TCPCOM_OPTIONS_H

#include <stddef.h>

#include "clock.h"
#include "log.h"
#include "tcpcom.h"

#define OPTIONS_PATH_MAX 1024

struct options {
	struct tcpcom_config cfg;
	tc_us_t		     duration_us;	/* 0: run until stopped */
	tc_us_t		     stats_interval_us;	/* 0: no status lines */
	char		     stats_json[OPTIONS_PATH_MAX];	/* "" : none */
	char		     stats_prom[OPTIONS_PATH_MAX];	/* "" : none */
	char		     config[OPTIONS_PATH_MAX];
	char		     payload[300];	/* parsed once length is known */
	int		     quiet, verbose;	/* -q and -v, counted */
	enum log_level	     log_level;		/* what they make */
};

enum options_result {
	OPTIONS_RUN = 0,	/* go on and run */
	OPTIONS_DONE = 1,	/* --help or --version was printed: exit 0 */
	OPTIONS_BAD = -1	/* a usage error, described in err: exit 2 */
};

/*
 * Fills `o` from defaults, the file named by --config, the environment and
 * argv. `getenv_fn` is getenv in the program (a fake in tests).
 */
enum options_result options_parse(int argc, char **argv,
    const char *(*getenv_fn)(const char *), struct options *o, char *err,
    size_t errlen);

/* Sets one key from a file or a flag. 0, or -1 and `err`. */
int options_set(struct options *o, const char *key, const char *value,
    char *err, size_t errlen);

/* Reads a config file. 0, or -1 and "FILE:LINE: problem" in `err`. */
int options_load_file(struct options *o, const char *path, char *err,
    size_t errlen);

/*
 * Whether the PLC can see every flip of the life bit: refuses (-1 and
 * `err`) a toggle cycle shorter than the send cycle, when a toggler runs
 * (mode 0) and frames are not sent on every flip (send_on_toggle); warns
 * when the toggle cycle is not a multiple of the send cycle.
 */
int options_check_cycles(const struct tcpcom_config *cfg, char *err,
    size_t errlen);

void options_usage(void *file);

#endif
