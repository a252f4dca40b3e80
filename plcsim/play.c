/* play: one scenario played once, and judged; see play.h. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "log.h"
#include "monitor.h"
#include "parse.h"
#include "play.h"
#include "plcjudge.h"
#include "server.h"

#define PLAY_MAX_ARGS 256
#define PLAY_ARG_MAX 4096
#define PLAY_MAX_ENV (8 + SCENARIO_MAX_ARGS)
#define PLAY_REAP_US (10 * TC_US_PER_MS)
#define PLAY_STATS_MAX (1024 * 1024)	/* a stats file is a few hundred bytes */
/* A proxy serves this many clients at once; the real PLC takes or keeps
 * waiting each one's own connection. */
#define PLAY_PROXY_CLIENTS 64
/* A PLC refusing no longer than this after a client went is in its error
 * path (TwinCAT: a few task cycles), which is its design: the proxy tries
 * again meanwhile, and the client sees a connection taken late. */
#define PLAY_PLC_ERROR_PATH TC_US_PER_SEC

/* SIGCHLD last: the others may arrive before there is a client. */
static const int play_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGUSR1,
    SIGCHLD };
#define PLAY_NSIGS (sizeof play_signals / sizeof play_signals[0])

struct play {
	const struct play_options *o;
	struct play_result *res;
	struct sim_loop	   *loop;
	struct sim_server  *srv;
	struct engine	   *engine;
	struct child	   *client;
	struct monitor	   *monitor;	/* status lines, when asked for */
	struct sim_timer   *startup;
	struct sim_timer   *grace;
	struct sim_timer   *reap;	/* looks for the end of the group */
	struct sim_timer   *announce;	/* "listening on", once the loop runs */
	struct sim_timer   *restart;	/* client_restart: waits for the old
					   group to be gone */
	int		    restarting;
	int		    paused;	/* a client_pause holds the client:
					   a restart waits for its end */
	char		   *earlier;	/* what restarted clients wrote, the
					   newest CHILD_OUTPUT_MAX bytes */
	size_t		    earlier_len;
	struct sim_signal  *sigs[PLAY_NSIGS];
	tc_us_t		    start;
	int		    ending;
};

/* The client's whole group is gone: the run is over. */
static void
play_stopped(struct play *p)
{
	sim_timer_stop(p->grace);
	sim_timer_stop(p->reap);
	sim_loop_stop(p->loop);
}

/*
 * Stops the run: the client's group gets SIGTERM, even when its leader has
 * already exited (what it left behind is the client too); the loop ends
 * once the group is gone, or after the grace period and SIGKILL.
 */
static void
play_end(struct play *p, const char *reason)
{
	if (reason != NULL && p->res->reason[0] == '\0')
		snprintf(p->res->reason, sizeof p->res->reason, "%s", reason);
	if (p->ending)
		return;
	p->ending = 1;
	if (p->client == NULL) {
		sim_loop_stop(p->loop);
		return;
	}
	child_signal(p->client, SIGTERM);
	/* A client paused by the scenario must run to hear it. */
	child_signal(p->client, SIGCONT);
	if (!child_group_alive(p->client)) {
		sim_loop_stop(p->loop);
		return;
	}
	sim_timer_start(p->grace, p->o->grace);
	/* Only the leader's end comes as SIGCHLD everywhere; the rest is
	 * looked for. */
	sim_timer_start(p->reap, PLAY_REAP_US);
}

static uint64_t
play_reap_timer(void *arg)
{
	struct play *p = arg;

	if (child_group_alive(p->client))
		return PLAY_REAP_US;
	play_stopped(p);
	return SIM_TIMER_STOP;
}

static void
play_engine_end_cb(void *arg)
{
	play_end(arg, NULL);
}

static uint64_t
play_startup_timer(void *arg)
{
	struct play *p = arg;
	char d[32], why[96];

	if (!engine_started(p->engine)) {
		format_duration(p->o->sc->startup_timeout, d, sizeof d);
		snprintf(why, sizeof why, "client never connected within %s", d);
		play_end(p, why);
	}
	return SIM_TIMER_STOP;
}

/* The event log's text output starts, with the scenario's first line. */
static void
play_log_begins(struct play *p)
{
	const struct play_options *o = p->o;

	events_set_text(p->res->events, o->text, o->verbose);
	events_add(p->res->events, p->start, SIM_EV_INFO, 0, 0, o->seed,
	    "scenario '%s' (%s), seed %llu", o->sc->name, o->sc->file,
	    (unsigned long long)o->seed);
}

static uint64_t
play_announce_timer(void *arg)
{
	struct play *p = arg;

	/* The first line, then the events. */
	printf("listening on %s\n", server_address(p->srv));
	if (p->o->upstream != NULL)
		printf("proxy to the PLC at %s\n", p->o->upstream->name);
	if (p->monitor != NULL && monitor_metrics_address(p->monitor) != NULL)
		printf("metrics on http://%s/metrics\n",
		    monitor_metrics_address(p->monitor));
	fflush(stdout);
	play_log_begins(p);
	return SIM_TIMER_STOP;
}

static uint64_t
play_grace_timer(void *arg)
{
	struct play *p = arg;
	char d[32];

	if (p->client != NULL && child_group_alive(p->client)) {
		size_t n = strlen(p->res->reason);
		format_duration(p->o->grace, d, sizeof d);
		/* After why it ended, if anything: both are the client's. */
		snprintf(p->res->reason + n, sizeof p->res->reason - n,
		    "%sclient hung: %s %s after SIGTERM; killed", n > 0 ?
		    "; " : "", child_poll(p->client) ?
		    "a process it started still running" : "still running", d);
		child_signal(p->client, SIGKILL);
		child_poll(p->client);
	}
	play_stopped(p);
	return SIM_TIMER_STOP;
}

static void
play_signal_cb(int signo, void *arg)
{
	struct play *p = arg;

	if (signo == SIGCHLD) {
		if (p->client == NULL)
			return;
		if (p->ending) {
			if (!child_group_alive(p->client))
				play_stopped(p);
			return;
		}
		/* The end of a client killed to restart it is no exit. */
		if (p->restarting)
			return;
		if (!child_poll(p->client))
			return;
		{
			char why[128], at[32];
			tc_us_t t = clock_now_us() - p->start;
			format_duration(t, at, sizeof at);
			snprintf(why, sizeof why, "client exited early with "
			    "status %d after %s", child_status(p->client), at);
			play_end(p, why);
		}
		return;
	}
	if (signo == SIGUSR1) {
		/* As `plcsim serve` does; a harness run has nobody to tell. */
		if (p->o->client_argv == NULL)
			server_summary(p->srv, stdout);
		return;
	}
	/* A run already ending was not cut short by the signal. */
	if (!p->ending)
		p->res->signo = signo;
	/* A FAT engineer's Ctrl-C ends a served scenario; it is judged on
	 * what was seen. A harness run cut short is not a pass. */
	if (p->o->client_argv == NULL)
		play_end(p, NULL);
	else
		play_end(p, signo == SIGINT ? "interrupted (SIGINT)" :
		    signo == SIGHUP ? "hung up (SIGHUP)" :
		    "terminated (SIGTERM)");
}

/* The values that replace {host}, {port}, {stats} and {scenario}. */
struct play_subst {
	const char *host;
	char	    port[8];
	const char *stats;
	const char *file;
};

/*
 * Replaces every {name} in `in` by its value, into `out`. -1 when the
 * result does not fit: a cut argument would run another command.
 */
static int
play_substitute(const struct play_subst *v, const char *in, char *out,
    size_t outlen)
{
	const char *keys[] = { "{host}", "{port}", "{stats}", "{scenario}" };
	const char *vals[4];
	size_t o = 0, k, n;

	vals[0] = v->host;
	vals[1] = v->port;
	vals[2] = v->stats != NULL ? v->stats : "";
	vals[3] = v->file;
	while (*in != '\0') {
		for (k = 0; k < 4; k++)
			if (strncmp(in, keys[k], strlen(keys[k])) == 0)
				break;
		n = k < 4 ? strlen(vals[k]) : 1;
		if (o + n >= outlen)
			return -1;
		memcpy(out + o, k < 4 ? vals[k] : in, n);
		o += n;
		in += k < 4 ? strlen(keys[k]) : 1;
	}
	out[o] = '\0';
	return 0;
}

/* The client's argv and environment, built in one block the caller frees. */
struct play_launch {
	char  args[PLAY_MAX_ARGS][PLAY_ARG_MAX];
	char  envs[PLAY_MAX_ENV][PLAY_ARG_MAX];
	char *argv[PLAY_MAX_ARGS + 1];
	char *env[PLAY_MAX_ENV + 1];
	size_t nargs, nenv;
};

static int
launch_arg(struct play_launch *l, const struct play_subst *v, const char *in)
{
	if (l->nargs >= PLAY_MAX_ARGS ||
	    play_substitute(v, in, l->args[l->nargs], PLAY_ARG_MAX) != 0)
		return -1;
	l->argv[l->nargs] = l->args[l->nargs];
	l->nargs++;
	return 0;
}

static int
launch_env(struct play_launch *l, const struct play_subst *v,
    const char *name, const char *in)
{
	char *out;
	size_t len;

	if (l->nenv >= PLAY_MAX_ENV)
		return -1;
	out = l->envs[l->nenv];
	len = name != NULL ? (size_t)snprintf(out, PLAY_ARG_MAX, "%s=", name) :
	    0;
	if (play_substitute(v, in, out + len, PLAY_ARG_MAX - len) != 0)
		return -1;
	l->env[l->nenv] = out;
	l->nenv++;
	return 0;
}

static int
play_start_client(struct play *p, char *err, size_t errlen)
{
	const struct play_options *o = p->o;
	const struct scenario *sc = o->sc;
	struct play_launch *l;
	struct play_subst v;
	size_t i;
	int bad = 0;

	v.host = "127.0.0.1";
	if (o->listen_host != NULL && o->listen_host[0] != '\0' &&
	    strcmp(o->listen_host, "0.0.0.0") != 0 &&
	    strcmp(o->listen_host, "::") != 0)
		v.host = o->listen_host;
	snprintf(v.port, sizeof v.port, "%u", (unsigned)server_port(p->srv));
	v.stats = o->stats_path;
	v.file = sc->file;
	if ((l = calloc(1, sizeof *l)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (i = 0; o->client_argv[i] != NULL; i++)
		bad |= launch_arg(l, &v, o->client_argv[i]);
	for (i = 0; i < sc->client.nargs; i++)
		bad |= launch_arg(l, &v, sc->client.args[i]);
	bad |= launch_env(l, &v, "PLCSIM_HOST", v.host);
	bad |= launch_env(l, &v, "PLCSIM_PORT", v.port);
	bad |= launch_env(l, &v, "TCPCOM_SERVER", v.host);
	bad |= launch_env(l, &v, "TCPCOM_PORT", v.port);
	if (o->stats_path != NULL)
		bad |= launch_env(l, &v, "PLCSIM_STATS", o->stats_path);
	for (i = 0; i < sc->client.nenv; i++)
		bad |= launch_env(l, &v, NULL, sc->client.env[i]);
	if (bad) {
		snprintf(err, errlen, "the client command is too long (at most "
		    "%d arguments of %d bytes)", PLAY_MAX_ARGS, PLAY_ARG_MAX);
		free(l);
		return -1;
	}
	p->client = child_start(p->loop, l->argv, l->env, err, errlen);
	free(l);	/* the child has its own copy now */
	if (p->client == NULL)
		return -1;
	if (o->client_started != NULL)
		o->client_started(child_pid(p->client), o->client_arg);
	return 0;
}

/* Keeps what a client that is being replaced wrote, with a line that
 * says when it was restarted. */
static void
play_keep_output(struct play *p)
{
	const char *out;
	char note[96], at[32], *all;
	size_t len, n, keep;

	out = child_output(p->client, &len);
	/* On the scenario's clock: a restart comes after time 0. */
	format_at(clock_now_us() - p->start - p->res->facts.t0, at, sizeof at);
	n = (size_t)snprintf(note, sizeof note, "plcsim: client_restart: "
	    "the client killed, started again at %s\n", at);
	if ((all = malloc(p->earlier_len + len + n + 1)) == NULL)
		return;
	if (p->earlier_len > 0)		/* the first restart: none yet */
		memcpy(all, p->earlier, p->earlier_len);
	memcpy(all + p->earlier_len, out, len);
	memcpy(all + p->earlier_len + len, note, n);
	len += p->earlier_len + n;
	keep = len > CHILD_OUTPUT_MAX ? CHILD_OUTPUT_MAX : len;
	memmove(all, all + len - keep, keep);
	all[keep] = '\0';
	free(p->earlier);
	p->earlier = all;
	p->earlier_len = keep;
}

static int play_start_client(struct play *p, char *err, size_t errlen);

/* The killed group is gone: the command starts again. */
static uint64_t
play_restart_timer(void *arg)
{
	struct play *p = arg;
	char err[192], why[256];

	if (p->ending)
		return SIM_TIMER_STOP;
	if (child_group_alive(p->client))
		return PLAY_REAP_US;
	/*
	 * A pause that began while the old group was dying holds the PC:
	 * the command starts when it ends (play_client_cb starts this timer
	 * again). Not started and stopped at once: stopped before its exec,
	 * the child would hold the PLC's listening socket.
	 */
	if (p->paused)
		return SIM_TIMER_STOP;
	play_keep_output(p);
	child_free(p->client);
	p->client = NULL;
	p->restarting = 0;
	if (play_start_client(p, err, sizeof err) != 0) {
		snprintf(why, sizeof why, "client_restart: cannot start the "
		    "client again: %s", err);
		play_end(p, why);
	}
	return SIM_TIMER_STOP;
}

/* The engine's client_pause and client_restart, carried out. */
static void
play_client_cb(void *arg, enum scenario_action_kind kind, int begins)
{
	struct play *p = arg;

	if (kind == ACTION_CLIENT_PAUSE)
		p->paused = begins;
	if (p->client == NULL || p->ending)
		return;
	if (kind == ACTION_CLIENT_PAUSE) {
		/* The group being killed for a restart is left alone: its
		 * successor starts when the pause is over. */
		if (!p->restarting)
			child_signal(p->client, begins ? SIGSTOP : SIGCONT);
		else if (!begins)
			sim_timer_start(p->restart, 0);
		return;
	}
	if (kind != ACTION_CLIENT_RESTART || p->restarting)
		return;
	/* SIGKILL: as sudden as a power cut or a crash; stopped or not. */
	p->restarting = 1;
	child_signal(p->client, SIGKILL);
	sim_timer_start(p->restart, 0);
}

static void
play_server_config(const struct play_options *o, struct sim_server_config *c)
{
	const struct scenario *sc = o->sc;

	memset(c, 0, sizeof *c);
	snprintf(c->host, sizeof c->host, "%s", o->listen_host != NULL ?
	    o->listen_host : "127.0.0.1");
	c->port = o->listen_port;
	c->cycle_us = sc->plc.cycle;
	c->length_bits = (unsigned)sc->plc.length;
	c->max_clients = (unsigned)sc->plc.max_clients;
	c->relisten_us = sc->plc.relisten;
	c->watchdog_us = sc->plc.watchdog;
	c->recv_timeout_us = o->recv_timeout_set ? o->recv_timeout :
	    sc->plc.recv_timeout;
	c->max_open = o->max_open;
	c->backlog = 16;
	if (o->upstream != NULL) {
		/*
		 * The real PLC decides its cycle, its clients, its error path
		 * and its receive timeout: the proxy answers at once, serves
		 * whoever comes and has no error path of its own.
		 */
		c->upstream = o->upstream;
		c->upstream_timeout_us = o->plc_connect_timeout;
		c->upstream_retry_us = PLAY_PLC_ERROR_PATH;
		c->cycle_us = 0;
		c->max_clients = PLAY_PROXY_CLIENTS;
		c->relisten_us = 0;
		c->recv_timeout_us = 0;
	}
}

/*
 * Reads the client's stats file, once it has stopped, into the facts: the
 * judge reads the text, never the file. A file that cannot be read leaves
 * the reason in stats_error.
 */
static void
play_read_stats(const char *path, struct facts *f)
{
	char *buf, *more;
	size_t n = 0, alloc = 0, got;
	FILE *fp;

	if (path == NULL)
		return;
	if ((fp = fopen(path, "r")) == NULL) {
		snprintf(f->stats_error, sizeof f->stats_error, "no stats file "
		    "from the client (%s: %s)", path, strerror(errno));
		return;
	}
	buf = NULL;
	do {
		if (n == alloc) {
			alloc = alloc ? alloc * 2 : 4096;
			if ((more = realloc(buf, alloc + 1)) == NULL) {
				snprintf(f->stats_error, sizeof f->stats_error,
				    "out of memory reading %s", path);
				goto fail;
			}
			buf = more;
		}
		got = fread(buf + n, 1, alloc - n, fp);
		n += got;
		if (n > PLAY_STATS_MAX) {
			snprintf(f->stats_error, sizeof f->stats_error, "the "
			    "client's stats file %s is larger than %d bytes",
			    path, PLAY_STATS_MAX);
			goto fail;
		}
	} while (got > 0);
	if (ferror(fp)) {
		snprintf(f->stats_error, sizeof f->stats_error, "cannot read "
		    "the client's stats file %s", path);
		goto fail;
	}
	fclose(fp);
	buf[n] = '\0';
	f->stats_json = buf;
	f->stats_len = n;
	return;
fail:
	free(buf);
	fclose(fp);
}

/* The live status: the PLC's figures and the scenario's. */
static void
play_status_fill(void *arg, tc_us_t now, struct status *out)
{
	struct play *p = arg;

	server_status(p->srv, now, out);
	engine_status(p->engine, now, out);
}

static int
play_monitor(struct play *p, char *err, size_t errlen)
{
	struct monitor_config mc;

	if (p->o->status_every == 0 && p->o->metrics_host == NULL)
		return 0;
	memset(&mc, 0, sizeof mc);
	mc.out = stdout;
	mc.every = p->o->status_every;
	mc.metrics_host = p->o->metrics_host;
	mc.metrics_port = p->o->metrics_port;
	p->monitor = monitor_new(p->loop, &mc, play_status_fill, p, err,
	    errlen);
	return p->monitor != NULL ? 0 : -1;
}

static void
play_cleanup(struct play *p)
{
	size_t i;

	if (p->client != NULL) {
		size_t len;
		const char *out = child_output(p->client, &len);
		/* After what restarted clients wrote, if any. */
		p->res->output = malloc(p->earlier_len + len + 1);
		if (p->res->output != NULL) {
			/* No restart: no earlier output, and no pointer. */
			if (p->earlier_len > 0)
				memcpy(p->res->output, p->earlier,
				    p->earlier_len);
			memcpy(p->res->output + p->earlier_len, out, len + 1);
			p->res->output_len = p->earlier_len + len;
		}
		child_free(p->client);
	}
	monitor_free(p->monitor);
	free(p->earlier);
	sim_timer_free(p->restart);
	engine_free(p->engine);
	if (p->srv != NULL)
		server_free(p->srv);
	sim_timer_free(p->startup);
	sim_timer_free(p->grace);
	sim_timer_free(p->reap);
	sim_timer_free(p->announce);
	for (i = 0; i < PLAY_NSIGS; i++)
		sim_signal_free(p->sigs[i]);
	if (p->loop != NULL)
		sim_loop_free(p->loop);
}

int
play_run(const struct play_options *o, struct play_result *res, char *err,
    size_t errlen)
{
	struct sim_server_config cfg;
	struct play p;
	size_t i;
	int rc = -1;

	memset(res, 0, sizeof *res);
	memset(&p, 0, sizeof p);
	facts_init(&res->facts);
	p.o = o;
	p.res = res;
	p.start = clock_now_us();
	res->facts.plc.proxied = o->upstream != NULL;
	res->facts.plc.late_after = o->plc_late;
	res->events = events_new(p.start, 0);
	if (res->events == NULL || (p.loop = sim_loop_new()) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (o->events_path != NULL &&
	    events_open_json(res->events, o->events_path, err, errlen) != 0)
		goto out;
	/* Before "listening on": a signal right after it is not fatal. */
	p.startup = sim_timer_new(p.loop, play_startup_timer, &p);
	p.grace = sim_timer_new(p.loop, play_grace_timer, &p);
	p.reap = sim_timer_new(p.loop, play_reap_timer, &p);
	p.announce = sim_timer_new(p.loop, play_announce_timer, &p);
	p.restart = sim_timer_new(p.loop, play_restart_timer, &p);
	for (i = 0; i < PLAY_NSIGS; i++) {
		p.sigs[i] = sim_signal_new(p.loop, play_signals[i],
		    play_signal_cb, &p);
		if (p.sigs[i] == NULL) {
			snprintf(err, errlen, "cannot handle signal %d",
			    play_signals[i]);
			goto out;
		}
	}
	if (p.startup == NULL || p.grace == NULL || p.reap == NULL ||
	    p.announce == NULL || p.restart == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	play_server_config(o, &cfg);
	p.srv = server_new(p.loop, &cfg, res->events, err, errlen);
	if (p.srv == NULL)
		goto out;
	/*
	 * "listening on" is said from the loop's first turn: whoever reads it
	 * may signal at once, and the signal then finds the loop waiting for
	 * it (a signal that came while the run was still being set up was
	 * seen lost under ThreadSanitizer's deferred delivery).
	 */
	if (o->print_listening)
		sim_timer_start(p.announce, 0);
	else
		play_log_begins(&p);
	p.engine = engine_new(p.loop, p.srv, o->sc, o->seed, res->events,
	    &res->facts, play_engine_end_cb, &p);
	if (p.engine == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (play_monitor(&p, err, errlen) != 0)
		goto out;
	if (o->client_argv != NULL)
		engine_set_client(p.engine, play_client_cb, &p);
	if (o->client_argv != NULL && play_start_client(&p, err, errlen) != 0)
		goto out;
	/* A client started elsewhere may take a person's time to start. */
	if (o->client_argv != NULL)
		sim_timer_start(p.startup, o->sc->startup_timeout);
	if (sim_loop_run(p.loop) != 0) {
		snprintf(err, errlen, "event loop failed");
		goto out;
	}
	/* A PLC that could not listen again broke the run, not the client. */
	if (server_listen_error(p.srv) != NULL) {
		snprintf(err, errlen, "the emulated PLC could not listen again "
		    "on %s: %s", server_address(p.srv),
		    server_listen_error(p.srv));
		goto out;
	}
	server_cycle_stats(p.srv, &res->cycle);
	engine_finish(p.engine, clock_now_us());
	res->facts.client_ran = p.client != NULL;
	if (p.client != NULL) {
		res->facts.client_exited = child_poll(p.client);
		res->facts.client_status = child_status(p.client);
	}
	res->facts.client_reason = res->reason[0] != '\0' ? res->reason : NULL;
	if (p.client != NULL)
		play_read_stats(o->stats_path, &res->facts);
	if (expect_judge(o->sc, &res->facts, &res->verdict) < 0 ||
	    plcjudge_verdict(&res->facts, o->sc->plc.length,
	    &res->verdict) < 0) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	rc = 0;
out:
	res->seconds = (double)(clock_now_us() - p.start) / 1e6;
	play_cleanup(&p);
	/* The event record is part of the result: incomplete is an error. */
	if (rc == 0 && res->events != NULL &&
	    events_close_json(res->events, err, errlen) != 0)
		rc = -1;
	return rc;
}

void
play_result_free(struct play_result *res)
{
	verdict_free(&res->verdict);
	free(res->facts.stats_json);	/* the player's, not the facts' */
	facts_free(&res->facts);
	events_free(res->events);
	free(res->output);
	memset(res, 0, sizeof *res);
}
