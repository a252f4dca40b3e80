/*
 * run: `plcsim run [-j N] [--junit FILE] [--json FILE] [--html FILE]
 *       [--seed N] [--repeat N] [--grace DUR] [-v] SCENARIO... -- CMD ARGS...`
 *
 * With --repeat N each scenario is played N times, each repetition a
 * scenario run of its own ("name#k", its own worker, its own fragments,
 * its own seed: see run_repeat_seed); the units of work below are these
 * runs, in scenario order, then repetition order.
 *
 * Every scenario is validated first (a bad file stops everything: exit 2).
 * Then each is played in a worker process of its own (play.h), at most N at
 * once: a scenario cannot disturb another, and a crash is one error, not a
 * lost run. A worker writes its report fragments (text, JUnit, JSON) into a
 * private temporary folder under $TMPDIR (the HTML section only when
 * --html asked for it); the parent prints each text
 * fragment as its scenario ends and joins the fragments in scenario order
 * at the end.
 *
 * SIGINT, SIGTERM and SIGHUP reach the parent through a self-pipe. It
 * passes SIGTERM on to every worker (a CI cancel may signal the parent
 * alone), and each worker stops its client's group as at the end of a
 * scenario. The parent starts nothing more and waits for the workers; one
 * still there after the grace and a margin is killed, its client's group
 * first (each worker leaves its client's pid in the folder, so that a
 * stuck worker cannot leave its client behind). Then it reports what
 * completed, the interrupted scenarios as errors and those never started
 * as skipped, removes its folder and exits 128 + N.
 *
 * Exit: 0 all passed, 1 any failed, 2 usage or scenario errors, 3 an
 * internal or I/O error (a scenario the harness could not judge, a report
 * that could not be written), 128 + N interrupted by signal N.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "json.h"
#include "html.h"
#include "log.h"
#include "parse.h"
#include "play.h"
#include "progress.h"
#include "plcjudge.h"
#include "report.h"
#include "rng.h"
#include "run.h"
#include "stall.h"

#define RUN_EXIT_FAILED	1
#define RUN_EXIT_USAGE	2
#define RUN_EXIT_ERROR	3
#define RUN_EXIT_PLC	4	/* plcsim proxy: the real PLC failed */
/* --upstream: as plcsim proxy's defaults (proxy.c). */
#define RUN_DEFAULT_PLC_LATE	(500 * TC_US_PER_MS)
#define RUN_PLC_CONNECT_TIMEOUT	(2 * TC_US_PER_SEC)
#define RUN_MAX_JOBS	64
#define RUN_MAX_REPEAT	10000
#define RUN_PATH_MAX	4096
/* What an interrupted worker gets beyond the grace to stop its client. */
#define RUN_STOP_MARGIN	(2 * TC_US_PER_SEC)

/*
 * A worker's exit status. Passed and failed have written their fragments;
 * so has an error, with its reason. Broken wrote nothing; nor did a run cut
 * short by signal N (128 + N): the parent reports those.
 */
#define WORKER_PASSED	0
#define WORKER_FAILED	1
#define WORKER_ERROR	2
#define WORKER_BROKEN	3
#define WORKER_STALLED	4	/* an error: the emulator's lateness could
				   have made its failure (stall.h) */
#define WORKER_SIGNALED	128

enum run_outcome {
	RUN_PENDING = 0,	/* not started yet */
	RUN_RUNNING,
	RUN_PASSED,
	RUN_FAILED,		/* the client did not meet the scenario */
	RUN_ERROR,		/* the harness's: crashed, not played, interrupted */
	RUN_SKIPPED		/* never started: the run was interrupted first */
};

enum run_frag { FRAG_TEXT, FRAG_JUNIT, FRAG_JSON, FRAG_HTML, FRAG_MAX };
static const char *const run_frag_ext[FRAG_MAX] = { "txt", "xml", "json",
    "html" };

struct run_opts {
	int	    jobs;
	const char *junit;
	const char *json;
	const char *html;
	uint64_t    seed;
	int	    seed_set;
	tc_us_t	    grace;
	int	    verbose;
	const char *shard;	/* "K/N", or NULL */
	int	    repeat;	/* plays of each scenario, >= 1 */
	char	  **files;
	int	    nfiles;
	int	    nlibrary;	/* files given, before --shard kept some */
	char	  **cmd;
	int	    argc;	/* the command line, for the HTML record */
	char	  **argv;
	const char *upstream;	/* --upstream, as given */
	struct upstream_addr plc; /* ... resolved */
	tc_us_t	    plc_late;
};

struct run_job {
	pid_t	pid;
	int	index;
	tc_us_t	started;
};

/* What the repetitions of one expectation (or the run itself) came to. */
struct run_tally {
	int		  line;
	enum scenario_expect_kind kind;
	const char	 *name;		/* a counter's, else "" */
	int		  passed;
	int		  judged;	/* repetitions that judged it */
	enum verdict_unit unit;
	double		 *margins;	/* one per repetition with a margin */
	int		  nmargins;
	int		  alloc;
	int		  lost;		/* margins not kept: out of memory */
	char		  expected[VERDICT_PHRASE]; /* the first judged one */
};

struct run {
	const struct run_opts *o;
	struct scenario	     **sc;
	int		       nunits;	/* scenarios times repetitions */
	enum run_outcome      *outcome;	/* per unit */
	struct run_tally     **tally;	/* per scenario, per expectation;
					   NULL without --repeat */
	char		       dir[RUN_PATH_MAX - 64];
	struct run_job	       jobs[RUN_MAX_JOBS];
	int		       running;
	int		       next;	/* the next unit to start */
	int		      *again;	/* units to play once more, a stack */
	int		       nagain;
	unsigned char	      *replayed; /* per unit: played once more */
	int		       signo;	/* the first stop signal; 0 */
	tc_us_t		       stop_by;	/* workers left are killed then */
	int		       killed;
	int		       ioerr;	/* something could not be written */
	struct progress	       progress; /* the live line on a terminal */
	uint64_t	       started_wall; /* for the HTML record */
};

/* What one scenario's fragments say: a verdict, or an error or a skip. */
struct run_frag_ctx {
	const struct scenario	 *sc;
	const struct play_result *res;	/* NULL: why says what went wrong */
	uint64_t		  seed;
	double			  seconds;
	const char		 *why;
	int			  skipped;
	int			  index;	/* the scenario's rank */
	int			  html;		/* its HTML section too */
};

/* ---- options ---- */

enum run_opt {
	RUN_JOBS = 0, RUN_JUNIT, RUN_JSON, RUN_HTML, RUN_SEED, RUN_GRACE,
	RUN_SHARD, RUN_REPEAT, RUN_VERBOSE, RUN_UPSTREAM, RUN_PLC_LATE,
	RUN_HELP, RUN_OPT_MAX
};

#define OPT(f)	offsetof(struct run_opts, f)
static const struct cli_option run_options[RUN_OPT_MAX] = {
	[RUN_JOBS] = { "jobs", 'j', CLI_INT, OPT(jobs), 1, RUN_MAX_JOBS, NULL,
	    "N", "play N scenarios at once, each in its own process\n"
	    "(1; at most " CLI_NUM(RUN_MAX_JOBS) ")", 0 },
	[RUN_JUNIT] = { "junit", 0, CLI_STRING, OPT(junit), 0, 0, NULL,
	    "FILE", "write a JUnit XML report to FILE", 0 },
	[RUN_JSON] = { "json", 0, CLI_STRING, OPT(json), 0, 0, NULL, "FILE",
	    "write a JSON report, with every event, to FILE", 0 },
	[RUN_HTML] = { "html", 0, CLI_STRING, OPT(html), 0, 0, NULL, "FILE",
	    "write the report to sign to FILE: one HTML page, a\n"
	    "timeline and the verdicts of each scenario", 0 },
	[RUN_SEED] = { "seed", 0, CLI_U64, OPT(seed), 0, 0, NULL, "N",
	    "seed every scenario with N instead of its own seed", 0 },
	[RUN_GRACE] = { "grace", 0, CLI_DURATION, OPT(grace), 0, 0, NULL,
	    "DUR", "how long a client has to stop after SIGTERM before\n"
	    "SIGKILL (5s)", 0 },
	[RUN_SHARD] = { "shard", 0, CLI_STRING, OPT(shard), 0, 0, NULL, "K/N",
	    "play only shard K of N (1 <= K <= N): every N-th file\n"
	    "by name, so that N jobs share the files between them", 0 },
	[RUN_REPEAT] = { "repeat", 0, CLI_INT, OPT(repeat), 1, RUN_MAX_REPEAT,
	    NULL, "N", "play each scenario N times (1; at most "
	    CLI_NUM(RUN_MAX_REPEAT) "), each\nrepetition a test of its own "
	    "(NAME#K) with a seed derived\nfrom the scenario's; then how many "
	    "passed and the\nspread of each margin", 0 },
	[RUN_VERBOSE] = { "verbose", 'v', CLI_COUNT, OPT(verbose), 0, 0, NULL,
	    NULL, "print each run's events on stderr; -vv every frame", 0 },
	[RUN_UPSTREAM] = { "upstream", 0, CLI_STRING, OPT(upstream), 0, 0,
	    NULL, "HOST:PORT", "play through a proxy before the real PLC\n"
	    "there (plcsim proxy): the PLC is judged too", 0 },
	[RUN_PLC_LATE] = { "plc-late", 0, CLI_DURATION, OPT(plc_late), 1, 0,
	    NULL, "DUR", "with --upstream: a PLC echo later than DUR\n"
	    "is the PLC's fault (500ms)", 0 },
	[RUN_HELP] = { "help", 'h', CLI_HELP, 0, 0, 0, NULL, NULL,
	    "print this help and exit", 0 },
};
#undef OPT

static const struct cli run_cli = { "plcsim run", run_options, RUN_OPT_MAX };

static void
run_usage(FILE *f)
{
	fprintf(f,
"usage: plcsim run [options] SCENARIO... -- CMD ARGS...\n"
"Plays each scenario against the client command, started afresh for each,\n"
"and judges it.\n");
	cli_print_options(f, &run_cli);
	fprintf(f,
"In CMD, {host} {port} {stats} {scenario} are replaced; the client also\n"
"finds PLCSIM_HOST, PLCSIM_PORT, TCPCOM_SERVER, TCPCOM_PORT in its\n"
"environment. Temporary files go under $TMPDIR (default /tmp). On a\n"
"terminal the last line shows the progress and the time left.\n"
"Exit: 0 all passed, 1 a scenario (or any repetition of one) failed, 2 usage\n"
"or scenario-file error, "
"3 internal or I/O error,\n128+N interrupted by signal N. See plcsim(1).\n");
}

/*
 * --shard K/N keeps the files whose rank by name is K-1 modulo N, in the
 * order given: every job of a CI matrix computes the same split from the
 * same files, whatever order its shell lists them in, and the N shards
 * together are the whole list. Returns -1 to go on, or an exit code.
 */
static int
run_shard(struct run_opts *o)
{
	long k, n;
	char *slash, *end, **given;
	int i, j, rank, kept = 0;

	errno = 0;
	k = strtol(o->shard, &slash, 10);
	if (slash == o->shard || *slash != '/' || errno != 0)
		return cli_usage_error(run_cli.prog, "--shard: '%s' is not "
		    "K/N", o->shard);
	n = strtol(slash + 1, &end, 10);
	if (end == slash + 1 || *end != '\0' || errno != 0 || n < 1 ||
	    k < 1 || k > n || n > 100000)
		return cli_usage_error(run_cli.prog, "--shard: '%s' is not "
		    "K/N with 1 <= K <= N", o->shard);
	/* Ranks from the list as given, kept files to the front in order. */
	if ((given = malloc((size_t)o->nfiles * sizeof *given)) == NULL)
		return RUN_EXIT_ERROR;
	memcpy(given, o->files, (size_t)o->nfiles * sizeof *given);
	for (i = 0; i < o->nfiles; i++) {
		for (rank = 0, j = 0; j < o->nfiles; j++) {
			int c = strcmp(given[j], given[i]);
			if (c < 0 || (c == 0 && j < i))
				rank++;
		}
		if (rank % n == k - 1)
			o->files[kept++] = given[i];
	}
	free(given);
	if (kept == 0)
		return cli_usage_error(run_cli.prog, "--shard %s: no file "
		    "falls in it (%d files for %ld shards)", o->shard,
		    o->nfiles, n);
	o->nfiles = kept;
	return -1;
}

/* Returns -1 to go on, or an exit code. */
static int
run_parse(int argc, char **argv, struct run_opts *o)
{
	char err[512];
	uint64_t given;
	int i, first, dash = -1;

	memset(o, 0, sizeof *o);
	o->argc = argc;
	o->argv = argv;
	o->jobs = 1;
	o->repeat = 1;
	o->grace = 5 * TC_US_PER_SEC;
	/* Everything after "--" is the client's, untouched by getopt. */
	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0) {
			dash = i;
			break;
		}
	switch (cli_parse(&run_cli, dash < 0 ? argc : dash, argv, o, &given,
	    &first, err, sizeof err)) {
	case CLI_BAD:
		return cli_usage_error(run_cli.prog, "%s", err);
	case CLI_SHOW_HELP:
	case CLI_SHOW_VERSION:
		run_usage(stdout);
		return 0;
	case CLI_OK:
		break;
	}
	o->seed_set = (given >> RUN_SEED) & 1;
	if (((given >> RUN_PLC_LATE) & 1) && o->upstream == NULL)
		return cli_usage_error(run_cli.prog, "--plc-late judges the "
		    "real PLC: it needs --upstream");
	if (!((given >> RUN_PLC_LATE) & 1))
		o->plc_late = RUN_DEFAULT_PLC_LATE;
	if (o->upstream != NULL &&
	    upstream_resolve(o->upstream, &o->plc, err, sizeof err) != 0)
		return cli_usage_error(run_cli.prog, "--upstream: %s", err);
	/* One client leaving runs the PLC's error path for every other. */
	if (o->upstream != NULL && o->jobs > 1)
		return cli_usage_error(run_cli.prog, "--upstream plays one "
		    "scenario at a time: the real PLC is one (-j %d)", o->jobs);
	if (dash < 0)
		return cli_usage_error(run_cli.prog,
		    "missing '-- CLIENT COMMAND...'");
	if (dash + 1 >= argc)
		return cli_usage_error(run_cli.prog,
		    "no client command after '--'");
	o->cmd = argv + dash + 1;
	o->files = argv + first;
	o->nfiles = dash - first;
	o->nlibrary = o->nfiles;
	if (o->nfiles <= 0)
		return cli_usage_error(run_cli.prog, "no scenario file given");
	if (o->shard != NULL)
		return run_shard(o);
	return -1;
}

static const char *
run_signame(int signo)
{
	switch (signo) {
	case SIGINT:
		return "SIGINT";
	case SIGTERM:
		return "SIGTERM";
	case SIGHUP:
		return "SIGHUP";
	case SIGKILL:
		return "SIGKILL";
	}
	return "a signal";
}

/* ---- repetitions ---- */

/* Unit u is repetition run_unit_rep (1-based) of scenario run_unit_sc. */
static int
run_unit_sc(const struct run_opts *o, int u)
{
	return u / o->repeat;
}

static int
run_unit_rep(const struct run_opts *o, int u)
{
	return u % o->repeat + 1;
}

/*
 * The seed of repetition k (1-based) of a scenario whose seed is `base`
 * (its own, or --seed N): the first plays `base` itself, so that a run
 * without --repeat is unchanged; repetition k >= 2 plays the (k-1)-th
 * number of the splitmix64 generator seeded with `base` (rng.h, the one
 * that draws every random choice). So the seeds follow from the
 * scenario's alone, and any repetition replays with --seed.
 */
static uint64_t
run_repeat_seed(uint64_t base, int k)
{
	struct rng g;
	uint64_t seed = base;
	int i;

	rng_seed(&g, base);
	for (i = 1; i < k; i++)
		seed = rng_next(&g);
	return seed;
}

static uint64_t
run_unit_seed(const struct run_opts *o, const struct scenario *sc, int u)
{
	return run_repeat_seed(o->seed_set ? o->seed : sc->seed,
	    run_unit_rep(o, u));
}

/*
 * The scenario as unit u shows it in every report: itself without
 * --repeat, else a shallow copy named "NAME#K" (the name in buf), so that
 * each repetition is a test case of its own.
 */
static const struct scenario *
run_shown(const struct run_opts *o, const struct scenario *sc, int u,
    struct scenario *copy, char *buf, size_t len)
{
	if (o->repeat == 1)
		return sc;
	*copy = *sc;
	snprintf(buf, len, "%s#%d", sc->name, run_unit_rep(o, u));
	copy->name = buf;
	return copy;
}

/* ---- fragments ---- */

static void
run_fragment_path(char *out, size_t outlen, const char *dir, int i,
    const char *ext)
{
	snprintf(out, outlen, "%s/%04d.%s", dir, i, ext);
}

/* Closes a file written to; -1 with a message when any of it was lost. */
static int
run_close(FILE *f, const char *path)
{
	int lost = ferror(f);

	errno = 0;
	if (fclose(f) != 0 || lost) {
		fprintf(stderr, "plcsim run: cannot write %s: %s\n", path,
		    errno != 0 ? strerror(errno) : "write error");
		return -1;
	}
	return 0;
}

static void
run_frag_write(FILE *f, enum run_frag k, const struct run_frag_ctx *c)
{
	const struct play_result *res = c->res;

	switch (k) {
	case FRAG_TEXT:
		if (res != NULL && res->facts.plc.proxied) {
			/* The proxy's task cycle is none: the PLC's is its. */
			report_text(f, c->sc, &res->verdict, res->seconds,
			    c->seed, NULL);
			plcjudge_text(f, &res->facts.plc, c->sc->plc.length,
			    &res->verdict);
		} else if (res != NULL)
			report_text(f, c->sc, &res->verdict, res->seconds,
			    c->seed, &res->cycle);
		else if (c->skipped)
			report_text_skipped(f, c->sc, c->why);
		else
			report_text_error(f, c->sc, c->seconds, c->why);
		break;
	case FRAG_JUNIT:
		if (res != NULL)
			report_junit_case(f, c->sc, &res->verdict,
			    res->seconds, c->seed, &res->cycle, res->output,
			    res->output_len);
		else if (c->skipped)
			report_junit_skipped(f, c->sc, c->why);
		else
			report_junit_error(f, c->sc, c->seconds, c->why);
		break;
	case FRAG_JSON:
		if (res != NULL)
			report_json_case(f, c->sc, &res->verdict,
			    res->seconds, c->seed, &res->cycle, res->events);
		else if (c->skipped)
			report_json_skipped(f, c->sc, c->why);
		else
			report_json_error(f, c->sc, c->seconds, c->why);
		break;
	case FRAG_HTML:
		if (res != NULL)
			html_case(f, c->index, c->sc, &res->verdict,
			    res->seconds, c->seed, &res->cycle, &res->facts);
		else if (c->skipped)
			html_skipped(f, c->index, c->sc, c->why);
		else
			html_error(f, c->index, c->sc, c->seconds, c->why);
		break;
	default:
		break;
	}
}

/* Writes scenario i's fragments; -1 when any is lost (with a message). */
static int
run_frags(const char *dir, int i, const struct run_frag_ctx *c)
{
	char path[RUN_PATH_MAX];
	FILE *f;
	int k, rc = 0;

	for (k = 0; k < FRAG_MAX; k++) {
		if (k == FRAG_HTML && !c->html)
			continue;
		run_fragment_path(path, sizeof path, dir, i, run_frag_ext[k]);
		if ((f = fopen(path, "w")) == NULL) {
			fprintf(stderr, "plcsim run: cannot write %s: %s\n",
			    path, strerror(errno));
			rc = -1;
			continue;
		}
		run_frag_write(f, (enum run_frag)k, c);
		if (run_close(f, path) != 0)
			rc = -1;
	}
	return rc;
}

/* Appends a fragment to `to`; -1 with a message when it cannot be read. */
static int
run_copy_file(FILE *to, const char *path)
{
	char buf[8192];
	size_t n;
	FILE *f = fopen(path, "r");
	int rc = 0;

	if (f == NULL) {
		fprintf(stderr, "plcsim run: cannot read %s: %s\n", path,
		    strerror(errno));
		return -1;
	}
	while ((n = fread(buf, 1, sizeof buf, f)) > 0)
		if (fwrite(buf, 1, n, to) != n)
			break;
	if (ferror(f)) {
		fprintf(stderr, "plcsim run: cannot read %s\n", path);
		rc = -1;
	}
	fclose(f);
	return rc;
}

/* ---- the worker ---- */

struct run_worker_ctx {
	const char *dir;
	int	    index;
};

/* Leaves the client's pid where the parent finds it (run_timeout). */
static void
run_client_started(pid_t pid, void *arg)
{
	const struct run_worker_ctx *w = arg;
	char path[RUN_PATH_MAX], tmp[RUN_PATH_MAX];
	FILE *f;

	run_fragment_path(path, sizeof path, w->dir, w->index, "pid");
	run_fragment_path(tmp, sizeof tmp, w->dir, w->index, "pid.tmp");
	if ((f = fopen(tmp, "w")) == NULL) {
		fprintf(stderr, "plcsim run: cannot write %s: %s\n", tmp,
		    strerror(errno));
		return;
	}
	fprintf(f, "%ld\n", (long)pid);
	/* Renamed whole: the parent never reads half of it. */
	if (run_close(f, tmp) == 0 && rename(tmp, path) != 0)
		fprintf(stderr, "plcsim run: cannot rename %s: %s\n", tmp,
		    strerror(errno));
}

/*
 * For the repetitions' summary: one line per expectation, in file order,
 * "PASSED JUDGED UNIT MARGIN EXPECTED" (run_tally_read; the phrase to the
 * end of the line). -1 when it is lost.
 */
static int
run_write_sum(const char *dir, int i, const struct verdict *v)
{
	char path[RUN_PATH_MAX];
	FILE *f;
	size_t k;

	run_fragment_path(path, sizeof path, dir, i, "sum");
	if ((f = fopen(path, "w")) == NULL) {
		fprintf(stderr, "plcsim run: cannot write %s: %s\n", path,
		    strerror(errno));
		return -1;
	}
	for (k = 0; k < v->nitems; k++)
		if (v->items[k].e != NULL)
			fprintf(f, "%d %d %d %.17g %s\n", v->items[k].passed,
			    v->items[k].judged, (int)v->items[k].unit,
			    v->items[k].margin, v->items[k].expected);
	return run_close(f, path);
}

/* Why unit i cannot be judged, on one line, for the parent to say. */
static int
run_write_why(const char *dir, int i, const char *why)
{
	char path[RUN_PATH_MAX];
	FILE *f;

	run_fragment_path(path, sizeof path, dir, i, "why");
	if ((f = fopen(path, "w")) == NULL) {
		fprintf(stderr, "plcsim run: cannot write %s: %s\n", path,
		    strerror(errno));
		return -1;
	}
	fprintf(f, "%s\n", why);
	return run_close(f, path);
}

/* Plays unit `i` (a scenario, or one repetition of it) and writes its
 * fragments. Never returns. */
static void
run_worker(const struct run_opts *o, struct scenario *sc, int i,
    const char *dir)
{
	struct play_options po;
	struct play_result res;
	struct run_frag_ctx c;
	struct run_worker_ctx w;
	struct scenario copy;
	const struct scenario *shown;
	char stats[RUN_PATH_MAX], err[512], why[600];
	char name[SCENARIO_MAX_NAME + 16];
	int code, signo;

	shown = run_shown(o, sc, i, &copy, name, sizeof name);
	w.dir = dir;
	w.index = i;
	memset(&po, 0, sizeof po);
	po.sc = shown;
	po.seed = run_unit_seed(o, sc, i);
	po.listen_host = "127.0.0.1";
	po.client_argv = o->cmd;
	if (o->upstream != NULL) {
		po.upstream = &o->plc;
		po.plc_late = o->plc_late;
		po.plc_connect_timeout = RUN_PLC_CONNECT_TIMEOUT;
	}
	run_fragment_path(stats, sizeof stats, dir, i, "stats.json");
	po.stats_path = stats;
	po.grace = o->grace;
	po.text = o->verbose ? stderr : NULL;
	po.verbose = o->verbose > 1 ? 2 : 0;
	po.client_started = run_client_started;
	po.client_arg = &w;
	memset(&c, 0, sizeof c);
	c.sc = shown;
	c.seed = po.seed;
	c.index = i;
	c.html = o->html != NULL;
	if (play_run(&po, &res, err, sizeof err) != 0) {
		snprintf(why, sizeof why, "the scenario could not be played: "
		    "%s", err);
		fprintf(stderr, "plcsim run: %s: %s\n", sc->file, err);
		c.why = why;
		c.seconds = res.seconds;
		code = WORKER_ERROR;
	} else if ((signo = res.signo) != 0) {
		/* Cut short: the parent reports it, knowing why. */
		play_result_free(&res);
		_exit(WORKER_SIGNALED + signo);
	} else if (!res.facts.plc.proxied && stall_excuses(shown,
	    &res.facts, &res.verdict, &res.cycle, why, sizeof why)) {
		c.why = why;
		c.seconds = res.seconds;
		code = WORKER_STALLED;
	} else {
		c.res = &res;
		code = res.verdict.nfailed == 0 ? WORKER_PASSED : WORKER_FAILED;
	}
	if (run_frags(dir, i, &c) != 0 || (o->repeat > 1 && c.res != NULL &&
	    run_write_sum(dir, i, &res.verdict) != 0) ||
	    (code == WORKER_STALLED && run_write_why(dir, i, why) != 0))
		code = WORKER_BROKEN;
	play_result_free(&res);
	_exit(code);
}

/* ---- signals ---- */

static int run_wake[2] = { -1, -1 };
static volatile sig_atomic_t run_caught;
static const int run_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGCHLD };
#define RUN_NSIGNALS (sizeof run_signals / sizeof run_signals[0])

/* Async-signal-safe: a flag and a byte down the pipe, nothing more. */
static void
run_signal_handler(int signo)
{
	int saved = errno;
	char b = 0;
	ssize_t n;

	if (signo != SIGCHLD && run_caught == 0)
		run_caught = signo;
	n = write(run_wake[1], &b, 1);	/* full: a wake-up is pending */
	(void)n;
	errno = saved;
}

static int
run_signals_set(void (*handler)(int))
{
	struct sigaction sa;
	size_t i;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = handler;
	sigemptyset(&sa.sa_mask);
	/* Restarted: a signal during a report's write is not a lost write. */
	sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
	for (i = 0; i < RUN_NSIGNALS; i++)
		if (sigaction(run_signals[i], &sa, NULL) != 0)
			return -1;
	return 0;
}

static int
run_signals_install(void)
{
	int i;

	if (pipe(run_wake) != 0)
		return -1;
	for (i = 0; i < 2; i++)
		if (fcntl(run_wake[i], F_SETFL, O_NONBLOCK) != 0 ||
		    fcntl(run_wake[i], F_SETFD, FD_CLOEXEC) != 0)
			return -1;
	return run_signals_set(run_signal_handler);
}

static void
run_signals_remove(void)
{
	int i;

	run_signals_set(SIG_DFL);
	for (i = 0; i < 2; i++)
		if (run_wake[i] >= 0) {
			close(run_wake[i]);
			run_wake[i] = -1;
		}
}

static void
run_signals_block(sigset_t *old)
{
	sigset_t set;
	size_t i;

	sigemptyset(&set);
	for (i = 0; i < RUN_NSIGNALS; i++)
		sigaddset(&set, run_signals[i]);
	sigprocmask(SIG_BLOCK, &set, old);
}

/* Sleeps until a signal or a worker's end, or the timeout (ms, -1: none). */
static void
run_wait(int timeout_ms)
{
	struct pollfd pfd;
	char buf[64];

	pfd.fd = run_wake[0];
	pfd.events = POLLIN;
	if (poll(&pfd, 1, timeout_ms) > 0)
		while (read(run_wake[0], buf, sizeof buf) > 0)
			;
}

/* ---- the repetitions' summary ---- */

/* One tally per expectation of every scenario, with --repeat. */
static int
run_tally_init(struct run *r)
{
	struct run_tally *t;
	size_t j;
	int i;

	if (r->tally == NULL)
		return 0;
	for (i = 0; i < r->o->nfiles; i++) {
		if (r->sc[i]->nexpects == 0)
			continue;
		t = calloc(r->sc[i]->nexpects, sizeof *t);
		if (t == NULL)
			return -1;
		for (j = 0; j < r->sc[i]->nexpects; j++) {
			t[j].line = r->sc[i]->expects[j].line;
			t[j].kind = r->sc[i]->expects[j].kind;
			t[j].name = t[j].kind == EXPECT_COUNTER ?
			    r->sc[i]->expects[j].name : "";
		}
		r->tally[i] = t;
	}
	return 0;
}

static void
run_tally_add(struct run_tally *t, int passed, int judged,
    enum verdict_unit unit, double margin)
{
	double *m;
	int want;

	t->passed += passed != 0;
	t->judged += judged != 0;
	if (unit == VERDICT_NO_MARGIN)
		return;
	t->unit = unit;
	if (t->nmargins == t->alloc) {
		want = t->alloc > 0 ? 2 * t->alloc : 8;
		if ((m = realloc(t->margins, (size_t)want * sizeof *m)) ==
		    NULL) {
			t->lost++;
			return;
		}
		t->margins = m;
		t->alloc = want;
	}
	t->margins[t->nmargins++] = margin;
}

/* Adds unit i's verdict, as its worker wrote it, to its scenario's tally. */
static void
run_tally_read(struct run *r, int i)
{
	const struct scenario *sc = r->sc[run_unit_sc(r->o, i)];
	struct run_tally *t = r->tally[run_unit_sc(r->o, i)];
	char path[RUN_PATH_MAX];
	char line[VERDICT_PHRASE + 128], expected[VERDICT_PHRASE];
	int passed, judged, unit, at;
	double margin;
	size_t j = 0;
	FILE *f;

	run_fragment_path(path, sizeof path, r->dir, i, "sum");
	if ((f = fopen(path, "r")) == NULL) {
		fprintf(stderr, "plcsim run: cannot read %s: %s\n", path,
		    strerror(errno));
		r->ioerr = 1;
		return;
	}
	while (j < sc->nexpects && fgets(line, sizeof line, f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (sscanf(line, "%d %d %d %lf %n", &passed, &judged, &unit,
		    &margin, &at) != 4 || unit < 0 || unit >= VERDICT_UNIT_MAX)
			break;
		snprintf(expected, sizeof expected, "%s", line + at);
		if (t[j].expected[0] == '\0' && judged)
			memcpy(t[j].expected, expected, sizeof expected);
		run_tally_add(&t[j++], passed, judged, (enum verdict_unit)unit,
		    margin);
	}
	fclose(f);
	if (j != sc->nexpects) {
		fprintf(stderr, "plcsim run: %s: %zu of %zu expectations "
		    "read\n", path, j, sc->nexpects);
		r->ioerr = 1;
	}
}

static int
run_double_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/*
 * The smallest, median and largest of a tally's margins (sorting them);
 * returns how many there are (0: none, the three unset).
 */
static int
run_tally_spread(struct run_tally *t, double m[3])
{
	int n = t->nmargins;

	if (n == 0)
		return 0;
	qsort(t->margins, (size_t)n, sizeof *t->margins, run_double_cmp);
	m[0] = t->margins[0];
	m[1] = n % 2 ? t->margins[n / 2] :
	    (t->margins[n / 2 - 1] + t->margins[n / 2]) / 2;
	m[2] = t->margins[n - 1];
	return n;
}

/* A tally's smallest, median and largest margin as text; 0: none. */
static int
run_spread_text(struct run_tally *t, char m[3][48])
{
	struct verdict_item it;
	double v[3];
	int k;

	for (k = 0; k < 3; k++)
		m[k][0] = '\0';
	if (run_tally_spread(t, v) == 0)
		return 0;
	memset(&it, 0, sizeof it);
	it.unit = t->unit;
	for (k = 0; k < 3; k++) {
		it.margin = v[k];
		verdict_margin_text(&it, m[k], sizeof m[k]);
	}
	return 1;
}

/* "; margin min 48ms, median 49.9ms, max 50ms" of a tally's margins. */
static void
run_spread(char *buf, size_t len, struct run_tally *t)
{
	char m[3][48];

	buf[0] = '\0';
	if (!run_spread_text(t, m))
		return;
	snprintf(buf, len, "; margin min %s, median %s, max %s%s", m[0], m[1],
	    m[2], t->lost > 0 ? " (some margins not kept: out of memory)" :
	    "");
}

/* How scenario i's repetitions came out. */
struct run_reps {
	int	passed;
	int	verdicts;	/* passed or failed */
	int	other;		/* errors or not run */
};

static void
run_reps(const struct run *r, int i, struct run_reps *c)
{
	int k, u;

	memset(c, 0, sizeof *c);
	for (k = 0; k < r->o->repeat; k++) {
		u = i * r->o->repeat + k;
		if (r->outcome[u] == RUN_PASSED || r->outcome[u] == RUN_FAILED)
			c->verdicts++;
		else
			c->other++;
		c->passed += r->outcome[u] == RUN_PASSED;
	}
}

static uint64_t
run_base_seed(const struct run *r, int i)
{
	return r->o->seed_set ? r->o->seed : r->sc[i]->seed;
}

/*
 * With --repeat, after every repetition's own report: per scenario, how
 * many repetitions passed; per expectation, how many passed and the
 * spread of its margins over them.
 */
static void
run_summary(struct run *r)
{
	const struct run_opts *o = r->o;
	struct run_tally *t;
	struct run_reps c;
	char spread[256];
	int i;
	size_t j;

	if (o->repeat == 1)
		return;
	for (i = 0; i < o->nfiles; i++) {
		run_reps(r, i, &c);
		printf("REPEAT %s: %d of %d passed", r->sc[i]->name, c.passed,
		    o->repeat);
		if (c.verdicts > c.passed)
			printf(", %d failed", c.verdicts - c.passed);
		if (c.other > 0)
			printf(", %d not judged (errors or not run)", c.other);
		printf(" (seed %llu and derived)\n",
		    (unsigned long long)run_base_seed(r, i));
		for (j = 0; r->tally[i] != NULL && j < r->sc[i]->nexpects;
		    j++) {
			t = &r->tally[i][j];
			run_spread(spread, sizeof spread, t);
			printf("    line %d: %s%s%s%s%s: %d of %d passed%s\n",
			    t->line, scenario_expect_name(t->kind),
			    t->name[0] != '\0' ? " " : "", t->name,
			    t->expected[0] != '\0' ? " " : "", t->expected,
			    t->passed, c.verdicts, spread);
		}
	}
	fflush(stdout);
}

/* One expectation's tally as JSON. */
static void
run_json_tally(FILE *f, struct run_tally *t, int verdicts)
{
	const char *unit = verdict_unit_name(t->unit);
	double m[3];
	int n = run_tally_spread(t, m);

	fprintf(f, "{\"expect\": \"%s\", \"line\": %d, \"name\": ",
	    scenario_expect_name(t->kind), t->line);
	if (t->name[0] != '\0')
		json_string(f, t->name);
	else
		fputs("null", f);
	fputs(", \"expected\": ", f);
	json_string(f, t->expected);
	fprintf(f, ", \"passed\": %d, \"of\": %d, \"judged\": %d, "
	    "\"margins\": %d, \"margins_lost\": %d", t->passed, verdicts,
	    t->judged, n, t->lost);
	if (n == 0 || unit == NULL) {
		fputs(", \"unit\": null, \"margin_min\": null, "
		    "\"margin_median\": null, \"margin_max\": null}", f);
		return;
	}
	fprintf(f, ", \"unit\": \"%s\", \"margin_min\": ", unit);
	report_json_number(f, m[0]);
	fputs(", \"margin_median\": ", f);
	report_json_number(f, m[1]);
	fputs(", \"margin_max\": ", f);
	report_json_number(f, m[2]);
	fputc('}', f);
}

/*
 * With --repeat, the JSON report ends with one object per scenario that
 * says what run_summary prints: {"name", "file", "repeat": {...}}.
 */
static void
run_json_summary(FILE *f, const struct run *r)
{
	struct run_reps c;
	int i;
	size_t j;

	if (r->o->repeat == 1)
		return;
	for (i = 0; i < r->o->nfiles; i++) {
		run_reps(r, i, &c);
		report_json_separator(f, r->nunits + i);
		fputs("{\"name\": ", f);
		json_string(f, r->sc[i]->name);
		fputs(", \"file\": ", f);
		json_string(f, r->sc[i]->file != NULL ? r->sc[i]->file : "");
		fprintf(f, ", \"repeat\": {\"runs\": %d, \"passed\": %d, "
		    "\"failed\": %d, \"not_judged\": %d, \"seed\": %llu, "
		    "\"expectations\": [", r->o->repeat, c.passed,
		    c.verdicts - c.passed, c.other,
		    (unsigned long long)run_base_seed(r, i));
		for (j = 0; r->tally[i] != NULL && j < r->sc[i]->nexpects;
		    j++) {
			fputs(j > 0 ? ",\n      " : "\n      ", f);
			run_json_tally(f, &r->tally[i][j], c.verdicts);
		}
		fputs(j > 0 ? "\n    ]}}" : "]}}", f);
	}
}

/* With --repeat, the HTML report's summaries, after the plays. */
static int
run_html_summary(FILE *f, const struct run *r)
{
	struct html_repeat_row *rows;
	struct run_tally *t;
	struct run_reps c;
	size_t j, n;
	int i;

	if (r->o->repeat == 1)
		return 0;
	for (i = 0; i < r->o->nfiles; i++) {
		n = r->tally[i] != NULL ? r->sc[i]->nexpects : 0;
		rows = calloc(n > 0 ? n : 1, sizeof *rows);
		if (rows == NULL) {
			fprintf(stderr, "plcsim run: out of memory\n");
			return -1;
		}
		for (j = 0; j < n; j++) {
			t = &r->tally[i][j];
			rows[j].line = t->line;
			rows[j].kind = scenario_expect_name(t->kind);
			rows[j].name = t->name;
			rows[j].expected = t->expected;
			rows[j].passed = t->passed;
			run_spread_text(t, rows[j].margin);
		}
		run_reps(r, i, &c);
		html_repeat(f, r->sc[i]->name, r->o->repeat, c.passed,
		    c.verdicts - c.passed, c.other, run_base_seed(r, i), rows,
		    n);
		free(rows);
	}
	return 0;
}

/* ---- the parent ---- */

/* Prints scenario i's text as it ends, under the live line if any. */
static void
run_show(struct run *r, int i)
{
	char path[RUN_PATH_MAX];

	progress_clear(&r->progress);
	run_fragment_path(path, sizeof path, r->dir, i, "txt");
	if (run_copy_file(stdout, path) != 0)
		r->ioerr = 1;
	fflush(stdout);
	progress_end(&r->progress, i, clock_now_us(),
	    r->outcome[i] == RUN_PASSED ? 0 : r->outcome[i] == RUN_FAILED ?
	    1 : 2);
	progress_draw(&r->progress, clock_now_us());
}

/* Reports scenario i as an error (or skipped) and prints its text. */
static void
run_error(struct run *r, int i, double seconds, const char *why,
    int skipped)
{
	struct run_frag_ctx c;
	struct scenario copy;
	const struct scenario *sc = r->sc[run_unit_sc(r->o, i)];
	char name[SCENARIO_MAX_NAME + 16];

	memset(&c, 0, sizeof c);
	c.sc = run_shown(r->o, sc, i, &copy, name, sizeof name);
	c.seed = run_unit_seed(r->o, sc, i);
	c.index = i;
	c.html = r->o->html != NULL;
	c.seconds = seconds;
	c.why = why;
	c.skipped = skipped;
	r->outcome[i] = skipped ? RUN_SKIPPED : RUN_ERROR;
	if (run_frags(r->dir, i, &c) != 0) {
		r->ioerr = 1;
		return;
	}
	run_show(r, i);
}

/*
 * Kills the client group of scenario i, whose worker cannot (stuck, or
 * dead of a signal). The id names no other group while any of this one
 * lives or its leader is not reaped; otherwise it is gone, unless taken
 * again in these few seconds.
 */
static void
run_kill_client(const struct run *r, int i)
{
	char path[RUN_PATH_MAX];
	FILE *f;
	long pid;

	run_fragment_path(path, sizeof path, r->dir, i, "pid");
	if ((f = fopen(path, "r")) == NULL)
		return;		/* no client started */
	if (fscanf(f, "%ld", &pid) == 1 && pid > 1)
		kill(-(pid_t)pid, SIGKILL);
	fclose(f);
}

/*
 * Unit i could not be judged, the emulator too late: the first time it is
 * played once more (its name and why on a line of their own), the second
 * it is an error.
 */
static void
run_stalled(struct run *r, int i, double secs)
{
	char path[RUN_PATH_MAX], why[1024], name[SCENARIO_MAX_NAME + 16];
	struct scenario copy;
	const struct scenario *sc;
	FILE *f;

	if (r->replayed[i]) {
		r->outcome[i] = RUN_ERROR;
		run_show(r, i);
		return;
	}
	why[0] = '\0';
	run_fragment_path(path, sizeof path, r->dir, i, "why");
	if ((f = fopen(path, "r")) != NULL) {
		if (fgets(why, sizeof why, f) == NULL)
			why[0] = '\0';
		fclose(f);
	}
	why[strcspn(why, "\n")] = '\0';
	sc = run_shown(r->o, r->sc[run_unit_sc(r->o, i)], i, &copy, name,
	    sizeof name);
	progress_clear(&r->progress);
	printf("AGAIN %s (%.1fs): %s; played once more\n", sc->name, secs,
	    why);
	fflush(stdout);
	r->replayed[i] = 1;
	r->outcome[i] = RUN_PENDING;
	r->again[r->nagain++] = i;
}

/* A worker ended with `status`: its scenario's outcome. */
static void
run_finished(struct run *r, int i, int status, double secs)
{
	char why[160];
	int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;

	if (code == WORKER_STALLED) {
		run_stalled(r, i, secs);
		return;
	}
	if (code == WORKER_PASSED || code == WORKER_FAILED ||
	    code == WORKER_ERROR) {
		r->outcome[i] = code == WORKER_PASSED ? RUN_PASSED :
		    code == WORKER_FAILED ? RUN_FAILED : RUN_ERROR;
		if (r->outcome[i] != RUN_ERROR && r->tally != NULL)
			run_tally_read(r, i);
		run_show(r, i);
		return;
	}
	if (WIFSIGNALED(status))
		run_kill_client(r, i);
	if (r->killed && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
		snprintf(why, sizeof why, "interrupted by %s after %.1fs; its "
		    "worker did not stop in time and was killed",
		    run_signame(r->signo), secs);
	else if (r->signo != 0 && (code == -1 || code > WORKER_SIGNALED))
		snprintf(why, sizeof why, "interrupted by %s after %.1fs",
		    run_signame(r->signo), secs);
	else if (code > WORKER_SIGNALED)
		snprintf(why, sizeof why, "interrupted: its worker got %s",
		    run_signame(code - WORKER_SIGNALED));
	else if (WIFSIGNALED(status))
		snprintf(why, sizeof why, "the scenario worker died of signal "
		    "%d", WTERMSIG(status));
	else
		snprintf(why, sizeof why, "the scenario worker could not "
		    "write its report (status %d)", code);
	run_error(r, i, secs, why, 0);
}

static void
run_start(struct run *r)
{
	sigset_t old;
	pid_t pid;
	int i = r->nagain > 0 ? r->again[--r->nagain] : r->next++, saved;
	char why[160];

	fflush(stdout);
	fflush(stderr);
	/* No handler of ours may run in the worker before it drops them. */
	run_signals_block(&old);
	pid = fork();
	if (pid == 0) {
		run_signals_remove();
		sigprocmask(SIG_SETMASK, &old, NULL);
		run_worker(r->o, r->sc[run_unit_sc(r->o, i)], i, r->dir);
	}
	saved = errno;
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (pid < 0) {
		snprintf(why, sizeof why, "could not start its worker: fork: "
		    "%s", strerror(saved));
		run_error(r, i, 0, why, 0);
		return;
	}
	r->jobs[r->running].pid = pid;
	r->jobs[r->running].index = i;
	r->jobs[r->running].started = clock_now_us();
	r->running++;
	r->outcome[i] = RUN_RUNNING;
	progress_begin(&r->progress, i, r->jobs[r->running - 1].started);
}

static void
run_reap(struct run *r)
{
	struct run_job *job;
	int status, j;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (j = 0; j < r->running; j++)
			if (r->jobs[j].pid == pid)
				break;
		if (j == r->running)
			continue;
		job = &r->jobs[j];
		run_finished(r, job->index, status,
		    (double)(clock_now_us() - job->started) / 1e6);
		r->jobs[j] = r->jobs[--r->running];
	}
}

/* The first stop signal: every worker is told to stop its scenario. */
static void
run_interrupt(struct run *r)
{
	int j;

	if (r->signo != 0 || run_caught == 0)
		return;
	r->signo = run_caught;
	fprintf(stderr, "plcsim run: %s: stopping %d running scenario%s\n",
	    run_signame(r->signo), r->running, r->running == 1 ? "" : "s");
	for (j = 0; j < r->running; j++)
		kill(r->jobs[j].pid, SIGTERM);
	r->stop_by = clock_now_us() + r->o->grace + RUN_STOP_MARGIN;
}

/*
 * A worker that outlives its grace and the margin is killed, after its
 * client. Returns how long to wait for that, in ms (-1: no limit).
 */
static int
run_timeout(struct run *r)
{
	tc_us_t now;
	int j;

	if (r->signo == 0 || r->killed)
		return -1;
	now = clock_now_us();
	if (now < r->stop_by)
		return (r->stop_by - now) / 1000 < INT_MAX ?
		    (int)((r->stop_by - now + 999) / 1000) : INT_MAX;
	for (j = 0; j < r->running; j++) {
		run_kill_client(r, r->jobs[j].index);
		kill(r->jobs[j].pid, SIGKILL);
	}
	r->killed = 1;
	return -1;
}

/* Plays every scenario, or stops on a signal. */
static void
run_all(struct run *r)
{
	int wait_ms;

	for (;;) {
		run_interrupt(r);
		run_reap(r);
		while (r->signo == 0 && r->running < r->o->jobs &&
		    (r->nagain > 0 || r->next < r->nunits))
			run_start(r);
		if (r->running == 0 && (r->signo != 0 ||
		    (r->nagain == 0 && r->next >= r->nunits)))
			break;
		progress_draw(&r->progress, clock_now_us());
		wait_ms = run_timeout(r);
		/* The live line's clock moves by the second. */
		if (r->progress.live) {
			int tick = (int)(progress_next_draw(&r->progress,
			    clock_now_us()) / 1000) + 1;
			if (wait_ms < 0 || tick < wait_ms)
				wait_ms = tick;
		}
		run_wait(wait_ms);
	}
	progress_clear(&r->progress);
}

/* What makes the HTML report a record of this run. */
static void
run_html_record(const struct run *r, const struct report_counts *n,
    struct html_record *rec)
{
	memset(rec, 0, sizeof *rec);
	rec->prog = "plcsim";
	rec->argc = r->o->argc;
	rec->argv = r->o->argv;
	rec->seed_set = r->o->seed_set;
	rec->seed = r->o->seed;
	rec->nfiles = r->o->nfiles;
	rec->sc = r->sc;
	rec->repeat = r->o->repeat;
	rec->upstream = r->o->upstream != NULL ? r->o->plc.name : NULL;
	rec->started_wall_us = r->started_wall;
	rec->ended_wall_us = clock_wall_us();
	rec->counts = n;
}

/* The JUnit, JSON or HTML report: the fragments in scenario order. */
static int
run_write_report(const struct run *r, const char *file, enum run_frag k,
    const struct report_counts *n, double secs)
{
	struct html_record rec;
	char path[RUN_PATH_MAX];
	FILE *f;
	int i, rc = 0;

	if ((f = fopen(file, "w")) == NULL) {
		fprintf(stderr, "plcsim run: cannot write %s: %s\n", file,
		    strerror(errno));
		return -1;
	}
	if (k == FRAG_JUNIT)
		report_junit_begin(f, n, secs);
	else if (k == FRAG_HTML) {
		run_html_record(r, n, &rec);
		html_begin(f, &rec);
	} else
		report_json_begin(f);
	for (i = 0; i < r->nunits; i++) {
		if (k == FRAG_JSON)
			report_json_separator(f, i);
		run_fragment_path(path, sizeof path, r->dir, i,
		    run_frag_ext[k]);
		if (run_copy_file(f, path) != 0)
			rc = -1;
	}
	if (k == FRAG_JSON)
		run_json_summary(f, r);
	if (k == FRAG_HTML && run_html_summary(f, r) != 0)
		rc = -1;
	if (k == FRAG_JUNIT)
		report_junit_end(f);
	else if (k == FRAG_HTML)
		html_end(f);
	else
		report_json_end(f);
	if (run_close(f, file) != 0)
		rc = -1;
	return rc;
}

/* The reports and the last line; n is filled with the counts. */
static void
run_report(struct run *r, double secs, struct report_counts *n)
{
	int i, passed = 0;

	memset(n, 0, sizeof *n);
	n->tests = r->nunits;
	for (i = 0; i < r->nunits; i++) {
		switch (r->outcome[i]) {
		case RUN_PASSED:
			passed++;
			break;
		case RUN_FAILED:
			n->failures++;
			break;
		case RUN_SKIPPED:
			n->skipped++;
			break;
		default:
			n->errors++;
			break;
		}
	}
	if (r->o->junit != NULL &&
	    run_write_report(r, r->o->junit, FRAG_JUNIT, n, secs) != 0)
		r->ioerr = 1;
	if (r->o->json != NULL &&
	    run_write_report(r, r->o->json, FRAG_JSON, n, secs) != 0)
		r->ioerr = 1;
	if (r->o->html != NULL &&
	    run_write_report(r, r->o->html, FRAG_HTML, n, secs) != 0)
		r->ioerr = 1;
	printf("%d passed, %d failed", passed, n->failures);
	if (n->errors > 0)
		printf(", %d error%s", n->errors, n->errors == 1 ? "" : "s");
	if (n->skipped > 0)
		printf(", %d not run", n->skipped);
	printf("\n");
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "plcsim run: cannot write the standard "
		    "output: %s\n", strerror(errno));
		r->ioerr = 1;
	}
}

/*
 * The live line: on a terminal only, and not under -v, whose event lines
 * on the same screen would tear it apart. Without memory for it the run
 * goes on without it.
 */
static void
run_progress_init(struct run *r, tc_us_t start)
{
	const char *term = getenv("TERM");
	int i, live = isatty(STDOUT_FILENO) && r->o->verbose == 0 &&
	    !(term != NULL && strcmp(term, "dumb") == 0);

	if (progress_init(&r->progress, stdout, live, r->nunits,
	    r->o->jobs, start) != 0)
		return;
	for (i = 0; i < r->nunits; i++)
		progress_plan(&r->progress, i,
		    r->sc[run_unit_sc(r->o, i)]->duration);
}

static int
run_mkdtemp(char *dir, size_t len)
{
	const char *tmp = getenv("TMPDIR");

	if (tmp == NULL || *tmp == '\0')
		tmp = "/tmp";
	if ((size_t)snprintf(dir, len, "%s/plcsim-run.XXXXXX", tmp) >= len) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return mkdtemp(dir) != NULL ? 0 : -1;
}

/* Empties and removes the folder: whatever a client left in it too. */
static void
run_remove_dir(const char *dir)
{
	struct dirent *de;
	DIR *d;

	if ((d = opendir(dir)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 ||
			    strcmp(de->d_name, "..") == 0)
				continue;
			if (unlinkat(dirfd(d), de->d_name, 0) != 0)
				unlinkat(dirfd(d), de->d_name, AT_REMOVEDIR);
		}
		closedir(d);
	}
	if (rmdir(dir) != 0)
		fprintf(stderr, "plcsim run: cannot remove %s: %s\n", dir,
		    strerror(errno));
}

static void
run_free(struct run *r)
{
	size_t j;
	int i;

	for (i = 0; i < r->o->nfiles; i++) {
		if (r->tally != NULL && r->tally[i] != NULL) {
			for (j = 0; j < r->sc[i]->nexpects; j++)
				free(r->tally[i][j].margins);
			free(r->tally[i]);
		}
		scenario_free(r->sc[i]);
	}
	free(r->tally);
	free(r->sc);
	free(r->outcome);
	free(r->again);
	free(r->replayed);
}

int
run_main(int argc, char **argv)
{
	struct run_opts o;
	struct run r;
	struct report_counts n;
	char err[512];
	int rc, i, bad = 0;
	tc_us_t t_start = clock_now_us();

	if ((rc = run_parse(argc, argv, &o)) >= 0)
		return rc;
	log_init(LOG_NOTICE);
	memset(&r, 0, sizeof r);
	r.o = &o;
	r.started_wall = clock_wall_us();
	if ((size_t)o.nfiles > (size_t)INT_MAX / (size_t)o.repeat) {
		fprintf(stderr, "plcsim run: %d files played %d times each "
		    "are too many runs\n", o.nfiles, o.repeat);
		return RUN_EXIT_USAGE;
	}
	r.nunits = o.nfiles * o.repeat;
	r.sc = calloc((size_t)o.nfiles, sizeof *r.sc);
	r.outcome = calloc((size_t)r.nunits, sizeof *r.outcome);
	r.again = calloc((size_t)r.nunits, sizeof *r.again);
	r.replayed = calloc((size_t)r.nunits, sizeof *r.replayed);
	if (o.repeat > 1)
		r.tally = calloc((size_t)o.nfiles, sizeof *r.tally);
	if (r.sc == NULL || r.outcome == NULL || r.again == NULL ||
	    r.replayed == NULL || (o.repeat > 1 && r.tally == NULL)) {
		fprintf(stderr, "plcsim run: out of memory\n");
		free(r.sc);
		free(r.outcome);
		free(r.again);
		free(r.replayed);
		free(r.tally);
		return RUN_EXIT_ERROR;
	}
	for (i = 0; i < o.nfiles; i++) {
		r.sc[i] = scenario_load(o.files[i], err, sizeof err);
		if (r.sc[i] == NULL) {
			fprintf(stderr, "%s\n", err);
			bad++;
		} else if (o.upstream != NULL &&
		    plcjudge_refuse(r.sc[i], stderr) > 0) {
			/* As `plcsim check --proxy` says it. */
			bad++;
		}
	}
	if (bad > 0) {
		run_free(&r);
		return RUN_EXIT_USAGE;
	}
	if (run_tally_init(&r) != 0) {
		fprintf(stderr, "plcsim run: out of memory\n");
		run_free(&r);
		return RUN_EXIT_ERROR;
	}
	signal(SIGPIPE, SIG_IGN);
	/* Before the folder exists: a signal can never leave it behind. */
	if (run_signals_install() != 0 ||
	    run_mkdtemp(r.dir, sizeof r.dir) != 0) {
		fprintf(stderr, "plcsim run: cannot make a temporary folder: "
		    "%s\n", strerror(errno));
		run_signals_remove();
		run_free(&r);
		return RUN_EXIT_ERROR;
	}
	run_progress_init(&r, t_start);
	run_all(&r);
	progress_free(&r.progress);
	for (i = 0; i < r.nunits; i++)
		if (r.outcome[i] == RUN_PENDING) {
			snprintf(err, sizeof err, "not run: the run was "
			    "interrupted by %s", run_signame(r.signo));
			run_error(&r, i, 0, err, 1);
		}
	run_summary(&r);
	run_report(&r, (double)(clock_now_us() - t_start) / 1e6, &n);
	run_remove_dir(r.dir);
	run_signals_remove();
	run_free(&r);
	if (r.signo != 0) {
		fprintf(stderr, "plcsim run: interrupted by %s\n",
		    run_signame(r.signo));
		return 128 + r.signo;
	}
	/* A scenario the harness could not judge makes no verdict whole. */
	if (r.ioerr || n.errors > 0)
		return RUN_EXIT_ERROR;
	return n.failures > 0 ? RUN_EXIT_FAILED : 0;
}

/*
 * `serve SCENARIO --html FILE`: the page for one scenario, played (res) or
 * not (why). -1 with a message when it could not be written.
 */
static int
run_serve_html(const struct serve_scenario *s, struct scenario *sc,
    const struct play_result *res, uint64_t seed, uint64_t started,
    const char *why)
{
	struct html_record rec;
	struct report_counts n;
	FILE *f;

	memset(&n, 0, sizeof n);
	n.tests = 1;
	if (res == NULL)
		n.errors = 1;
	else if (res->verdict.nfailed > 0)
		n.failures = 1;
	memset(&rec, 0, sizeof rec);
	rec.prog = "plcsim";
	rec.argc = s->argc;
	rec.argv = s->argv;
	rec.nfiles = 1;
	rec.sc = &sc;
	rec.repeat = 1;
	rec.started_wall_us = started;
	rec.ended_wall_us = clock_wall_us();
	rec.counts = &n;
	rec.upstream = s->upstream != NULL ? s->upstream->name : NULL;
	if ((f = fopen(s->html_path, "w")) == NULL) {
		fprintf(stderr, "plcsim: cannot write %s: %s\n", s->html_path,
		    strerror(errno));
		return -1;
	}
	html_begin(f, &rec);
	if (res != NULL)
		html_case(f, 0, sc, &res->verdict, res->seconds, seed,
		    s->upstream == NULL ? &res->cycle : NULL, &res->facts);
	else
		html_error(f, 0, sc, 0, why);
	html_end(f);
	if (run_close(f, s->html_path) != 0)
		return -1;
	return 0;
}

int
run_serve_scenario(const struct serve_scenario *s)
{
	const struct scenario_action *a;
	struct play_options po;
	struct play_result res;
	struct scenario *sc;
	char err[512];
	uint64_t started = clock_wall_us();
	int rc, played;

	if ((sc = scenario_load(s->file, err, sizeof err)) == NULL) {
		fprintf(stderr, "%s\n", err);
		return RUN_EXIT_USAGE;
	}
	if (s->upstream != NULL && plcjudge_refuse(sc, stderr) > 0) {
		scenario_free(sc);
		return RUN_EXIT_USAGE;
	}
	if ((a = scenario_client_action(sc)) != NULL) {
		rc = cli_usage_error(s->upstream != NULL ? "plcsim proxy" :
		    "plcsim serve", "%s:%d: %s acts on the "
		    "client's process, which only plcsim run starts",
		    sc->file, a->line, scenario_action_name(a->kind));
		scenario_free(sc);
		return rc;
	}
	if (s->upstream == NULL && s->max_open != 0 &&
	    s->max_open < (unsigned)sc->plc.max_clients) {
		rc = cli_usage_error("plcsim serve", "--max-open %u is below "
		    "the scenario's plc.max_clients %d", s->max_open,
		    sc->plc.max_clients);
		scenario_free(sc);
		return rc;
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
	po.upstream = s->upstream;
	po.plc_late = s->plc_late;
	po.plc_connect_timeout = s->plc_connect_timeout;
	po.status_every = s->status_every;
	po.metrics_host = s->metrics_host;
	po.metrics_port = s->metrics_port;
	played = play_run(&po, &res, err, sizeof err) == 0;
	if (!played) {
		fprintf(stderr, "plcsim: %s\n", err);
		rc = RUN_EXIT_ERROR;
	} else {
		/* A proxy's own task cycle is none: the PLC's is its own. */
		report_text(stdout, sc, &res.verdict, res.seconds, po.seed,
		    s->upstream == NULL ? &res.cycle : NULL);
		rc = res.verdict.nfailed == 0 ? 0 : RUN_EXIT_FAILED;
		if (s->upstream != NULL) {
			plcjudge_text(stdout, &res.facts.plc, sc->plc.length,
			    &res.verdict);
			if (res.verdict.nfailed_plc > 0)
				rc = RUN_EXIT_PLC;
		}
	}
	if (s->html_path != NULL && run_serve_html(s, sc, played ? &res :
	    NULL, po.seed, started, err) != 0)
		rc = RUN_EXIT_ERROR;
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "plcsim: cannot write the standard output: "
		    "%s\n", strerror(errno));
		rc = RUN_EXIT_ERROR;
	}
	play_result_free(&res);
	scenario_free(sc);
	return rc;
}
