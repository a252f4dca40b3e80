/*
 * run: `plcsim run [-j N] [--junit FILE] [--json FILE] [--seed N]
 *       [--grace DUR] [-v] SCENARIO... -- CMD ARGS...`
 *
 * Every scenario is validated first (a bad file stops everything: exit 2).
 * Then each is played in a worker process of its own (play.h), at most N at
 * once: a scenario cannot disturb another, and a crash is one FAIL, not a
 * lost run. A worker writes its report fragments (text, JUnit, JSON) into a
 * private temporary folder; the parent prints each text fragment as its
 * scenario ends and joins the fragments in scenario order at the end.
 * Exit: 0 all passed, 1 any failed, 2 usage or scenario errors.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "parse.h"
#include "play.h"
#include "report.h"
#include "run.h"

#define RUN_EXIT_FAILED 1
#define RUN_EXIT_USAGE 2
#define RUN_EXIT_ERROR 3
#define RUN_MAX_JOBS 64

struct run_opts {
	int	    jobs;
	const char *junit;
	const char *json;
	uint64_t    seed;
	int	    seed_set;
	tc_us_t	    grace;
	int	    verbose;
	char	  **files;
	int	    nfiles;
	char	  **cmd;
};

struct run_job {
	pid_t	pid;
	int	index;
	double	started;
};

static void
run_usage(FILE *f)
{
	fprintf(f,
	    "usage: plcsim run [-j N] [--junit FILE] [--json FILE] [--seed N]\n"
	    "                  [--grace DUR] [-v] SCENARIO... -- CMD ARGS...\n"
	    "In CMD, {host} {port} {stats} {scenario} are replaced; the client\n"
	    "also finds PLCSIM_HOST, PLCSIM_PORT, TCPCOM_SERVER, TCPCOM_PORT in\n"
	    "its environment. Exit: 0 all passed, 1 any failed, 2 bad usage.\n");
}

static int run_bad(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int
run_bad(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "plcsim run: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	run_usage(stderr);
	return RUN_EXIT_USAGE;
}

static int
run_parse(int argc, char **argv, struct run_opts *o)
{
	static const struct option lo[] = {
		{ "jobs", required_argument, NULL, 'j' },
		{ "junit", required_argument, NULL, 'J' },
		{ "json", required_argument, NULL, 'S' },
		{ "seed", required_argument, NULL, 's' },
		{ "grace", required_argument, NULL, 'g' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	char err[256], *end;
	int c, i, dash = -1;
	long n;

	memset(o, 0, sizeof *o);
	o->jobs = 1;
	o->grace = 5 * TC_US_PER_SEC;
	/* Everything after "--" is the client's, untouched by getopt. */
	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0) {
			dash = i;
			break;
		}
	if (dash < 0)
		return run_bad("%s", "missing '-- CLIENT COMMAND...'");
	if (dash + 1 >= argc)
		return run_bad("%s", "no client command after '--'");
	o->cmd = argv + dash + 1;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(dash, argv, ":j:vh", lo, NULL)) != -1) {
		switch (c) {
		case 'j':
			if (parse_long(optarg, 1, RUN_MAX_JOBS, &n, err,
			    sizeof err) != 0)
				return run_bad("-j: %s", err);
			o->jobs = (int)n;
			break;
		case 'J':
			o->junit = optarg;
			break;
		case 'S':
			o->json = optarg;
			break;
		case 's':
			errno = 0;
			o->seed = strtoull(optarg, &end, 0);
			if (*optarg == '-' || *optarg == '\0' || *end != '\0' ||
			    errno != 0)
				return run_bad("--seed '%s' is not a whole "
				    "number", optarg);
			o->seed_set = 1;
			break;
		case 'g':
			if (parse_duration(optarg, &o->grace, err,
			    sizeof err) != 0)
				return run_bad("--grace: %s", err);
			break;
		case 'v':
			o->verbose++;
			break;
		case 'h':
			run_usage(stdout);
			return 0;
		case ':':
			return run_bad("option '%s' needs a value",
			    argv[optind - 1]);
		default:
			return run_bad("unknown option '%s'", argv[optind - 1]);
		}
	}
	o->files = argv + optind;
	o->nfiles = dash - optind;
	if (o->nfiles <= 0)
		return run_bad("%s", "no scenario file given");
	return -1;
}

static double
run_now(void)
{
	return (double)clock_now_us() / 1e6;
}

static void
run_fragment_path(char *out, size_t outlen, const char *dir, int i,
    const char *ext)
{
	snprintf(out, outlen, "%s/%04d.%s", dir, i, ext);
}

/* The worker: plays scenario `i` and writes its fragments. Never returns. */
static void
run_worker(const struct run_opts *o, struct scenario *sc, int i,
    const char *dir)
{
	struct play_options po;
	struct play_result res;
	char path[4096], stats[4096], err[512];
	FILE *f;
	int passed;

	memset(&po, 0, sizeof po);
	po.sc = sc;
	po.seed = o->seed_set ? o->seed : sc->seed;
	po.listen_host = "127.0.0.1";
	po.client_argv = o->cmd;
	run_fragment_path(stats, sizeof stats, dir, i, "stats.json");
	po.stats_path = stats;
	po.grace = o->grace;
	po.text = o->verbose ? stderr : NULL;
	po.verbose = o->verbose > 1 ? 2 : 0;
	if (play_run(&po, &res, err, sizeof err) != 0) {
		fprintf(stderr, "plcsim run: %s: %s\n", sc->file, err);
		play_result_free(&res);
		_exit(3);
	}
	passed = res.verdict.nfailed == 0;

	run_fragment_path(path, sizeof path, dir, i, "txt");
	if ((f = fopen(path, "w")) != NULL) {
		report_text(f, sc, &res.verdict, res.seconds, po.seed);
		fclose(f);
	}
	run_fragment_path(path, sizeof path, dir, i, "xml");
	if ((f = fopen(path, "w")) != NULL) {
		report_junit_case(f, sc, &res.verdict, res.seconds, po.seed,
		    res.output, res.output_len);
		fclose(f);
	}
	run_fragment_path(path, sizeof path, dir, i, "json");
	if ((f = fopen(path, "w")) != NULL) {
		report_json_case(f, sc, &res.verdict, res.seconds, po.seed,
		    res.events);
		fclose(f);
	}
	play_result_free(&res);
	fflush(NULL);
	_exit(passed ? 0 : 1);
}

static void
run_copy_file(FILE *to, const char *path)
{
	char buf[8192];
	size_t n;
	FILE *f = fopen(path, "r");

	if (f == NULL)
		return;
	while ((n = fread(buf, 1, sizeof buf, f)) > 0)
		fwrite(buf, 1, n, to);
	fclose(f);
}

/* A worker that crashed or failed to play still gets a report. */
static void
run_write_crash(const char *dir, const struct scenario *sc, int i,
    int status, double secs)
{
	char path[4096], why[128];
	FILE *f;

	if (WIFSIGNALED(status))
		snprintf(why, sizeof why, "the scenario worker died of signal "
		    "%d", WTERMSIG(status));
	else
		snprintf(why, sizeof why, "the scenario could not be played "
		    "(status %d)", WEXITSTATUS(status));
	run_fragment_path(path, sizeof path, dir, i, "txt");
	if ((f = fopen(path, "w")) != NULL) {
		fprintf(f, "FAIL %s (%.1fs)\n    %s\n", sc->name, secs, why);
		fclose(f);
	}
	run_fragment_path(path, sizeof path, dir, i, "xml");
	if ((f = fopen(path, "w")) != NULL) {
		report_junit_error(f, sc, secs, why);
		fclose(f);
	}
	run_fragment_path(path, sizeof path, dir, i, "json");
	if ((f = fopen(path, "w")) != NULL) {
		report_json_error(f, sc, secs, why);
		fclose(f);
	}
}

static int
run_write_reports(const struct run_opts *o, const char *dir, int passed,
    int failed, double secs)
{
	char path[4096];
	FILE *f;
	int i, rc = 0;

	if (o->junit != NULL) {
		if ((f = fopen(o->junit, "w")) == NULL) {
			fprintf(stderr, "plcsim run: cannot write %s: %s\n",
			    o->junit, strerror(errno));
			rc = -1;
		} else {
			report_junit_begin(f, passed + failed, failed, secs);
			for (i = 0; i < o->nfiles; i++) {
				run_fragment_path(path, sizeof path, dir, i,
				    "xml");
				run_copy_file(f, path);
			}
			report_junit_end(f);
			fclose(f);
		}
	}
	if (o->json != NULL) {
		if ((f = fopen(o->json, "w")) == NULL) {
			fprintf(stderr, "plcsim run: cannot write %s: %s\n",
			    o->json, strerror(errno));
			rc = -1;
		} else {
			int written = 0;
			report_json_begin(f);
			for (i = 0; i < o->nfiles; i++) {
				run_fragment_path(path, sizeof path, dir, i,
				    "json");
				if (access(path, R_OK) != 0)
					continue;
				report_json_separator(f, written++);
				run_copy_file(f, path);
			}
			report_json_end(f);
			fclose(f);
		}
	}
	return rc;
}

static void
run_remove_dir(const char *dir, int n)
{
	static const char *const exts[] = { "txt", "xml", "json",
	    "stats.json" };
	char path[4096];
	size_t e;
	int i;

	for (i = 0; i < n; i++)
		for (e = 0; e < sizeof exts / sizeof exts[0]; e++) {
			run_fragment_path(path, sizeof path, dir, i, exts[e]);
			unlink(path);
		}
	rmdir(dir);
}

int
run_main(int argc, char **argv)
{
	struct run_opts o;
	struct scenario **sc;
	struct run_job jobs[RUN_MAX_JOBS];
	char err[512], dir[] = "/tmp/plcsim-run.XXXXXX", path[4096];
	int rc, i, next = 0, running = 0, passed = 0, failed = 0, bad = 0;
	double t_start = run_now();

	if ((rc = run_parse(argc, argv, &o)) >= 0)
		return rc;
	log_init(LOG_NOTICE);
	sc = calloc((size_t)o.nfiles, sizeof *sc);
	if (sc == NULL)
		return 1;
	for (i = 0; i < o.nfiles; i++) {
		sc[i] = scenario_load(o.files[i], err, sizeof err);
		if (sc[i] == NULL) {
			fprintf(stderr, "%s\n", err);
			bad++;
		}
	}
	if (bad > 0 || mkdtemp(dir) == NULL) {
		if (bad == 0)
			fprintf(stderr, "plcsim run: mkdtemp: %s\n",
			    strerror(errno));
		for (i = 0; i < o.nfiles; i++)
			scenario_free(sc[i]);
		free(sc);
		return RUN_EXIT_USAGE;
	}
	signal(SIGPIPE, SIG_IGN);
	fflush(NULL);

	while (next < o.nfiles || running > 0) {
		while (running < o.jobs && next < o.nfiles) {
			pid_t pid = fork();
			if (pid < 0) {
				fprintf(stderr, "plcsim run: fork: %s\n",
				    strerror(errno));
				break;
			}
			if (pid == 0)
				run_worker(&o, sc[next], next, dir);
			jobs[running].pid = pid;
			jobs[running].index = next;
			jobs[running].started = run_now();
			running++;
			next++;
		}
		if (running == 0)
			break;
		{
			int status, j;
			pid_t pid = wait(&status);
			if (pid < 0) {
				if (errno == EINTR)
					continue;
				break;
			}
			for (j = 0; j < running; j++)
				if (jobs[j].pid == pid)
					break;
			if (j == running)
				continue;
			i = jobs[j].index;
			if (!WIFEXITED(status) || WEXITSTATUS(status) > 1)
				run_write_crash(dir, sc[i], i, status,
				    run_now() - jobs[j].started);
			if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
				passed++;
			else
				failed++;
			run_fragment_path(path, sizeof path, dir, i, "txt");
			run_copy_file(stdout, path);
			fflush(stdout);
			jobs[j] = jobs[--running];
		}
	}
	rc = run_write_reports(&o, dir, passed, failed, run_now() - t_start);
	printf("%d passed, %d failed\n", passed, failed);
	fflush(stdout);
	run_remove_dir(dir, o.nfiles);
	for (i = 0; i < o.nfiles; i++)
		scenario_free(sc[i]);
	free(sc);
	if (failed > 0 || passed + failed < o.nfiles)
		return 1;
	return rc == 0 ? 0 : 1;
}

int
run_serve_scenario(const struct serve_scenario *s)
{
	struct play_options po;
	struct play_result res;
	struct scenario *sc;
	char err[512];
	int rc;

	if ((sc = scenario_load(s->file, err, sizeof err)) == NULL) {
		fprintf(stderr, "%s\n", err);
		return RUN_EXIT_USAGE;
	}
	if (s->max_open != 0 && s->max_open < (unsigned)sc->plc.max_clients) {
		fprintf(stderr, "plcsim: --max-open %u is below the scenario's "
		    "plc.max_clients %d\n", s->max_open, sc->plc.max_clients);
		scenario_free(sc);
		return RUN_EXIT_USAGE;
	}
	memset(&po, 0, sizeof po);
	po.sc = sc;
	po.seed = sc->seed;
	po.listen_host = s->host;
	po.listen_port = s->port;
	po.text = s->verbose < 0 ? NULL : stdout;
	po.verbose = s->verbose < 0 ? 0 : s->verbose;
	po.events_path = s->events_path;
	po.print_listening = 1;
	po.grace = 5 * TC_US_PER_SEC;
	po.recv_timeout_set = s->recv_timeout_set;
	po.recv_timeout = s->recv_timeout;
	po.max_open = s->max_open;
	if (play_run(&po, &res, err, sizeof err) != 0) {
		fprintf(stderr, "plcsim: %s\n", err);
		rc = RUN_EXIT_ERROR;
	} else {
		report_text(stdout, sc, &res.verdict, res.seconds, po.seed);
		rc = res.verdict.nfailed == 0 ? 0 : RUN_EXIT_FAILED;
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "plcsim: cannot write the standard output: "
		    "%s\n", strerror(errno));
		rc = RUN_EXIT_ERROR;
	}
	play_result_free(&res);
	scenario_free(sc);
	return rc;
}
