/* tcpcom: the client's life cycle (new, start, stop, join, free). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "client.h"
#include "log.h"
#include "wire.h"

_Static_assert(TCPCOM_FRAME_MAX == WIRE_MAX_BYTES, "frame sizes differ");

#ifndef TCPCOM_VERSION
#define TCPCOM_VERSION "0.0.0"
#endif

const char *
tcpcom_version(void)
{
	return TCPCOM_VERSION;
}

void
tcpcom_config_init(struct tcpcom_config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	snprintf(cfg->server, sizeof cfg->server, "192.168.17.100");
	cfg->port = WIRE_DEFAULT_PORT;
	cfg->length_bits = WIRE_DEFAULT_BITS;
	cfg->send_cycle_us = 100 * TC_US_PER_MS;
	cfg->toggle_cycle_us = 500 * TC_US_PER_MS;
	cfg->mode = 0;
	cfg->payload = TCPCOM_PAYLOAD_RANDOM;
	/* A PLC silent for a second is a dead link (about ten send cycles). */
	cfg->echo_timeout_us = 1 * TC_US_PER_SEC;
	cfg->connect_timeout_us = 2 * TC_US_PER_SEC;
	cfg->backoff_min_us = 100 * TC_US_PER_MS;
	cfg->backoff_max_us = 5 * TC_US_PER_SEC;
}

static int
tcpcom_check_config(const struct tcpcom_config *cfg, char *err, size_t errlen)
{
	if (!wire_length_valid((long)cfg->length_bits)) {
		snprintf(err, errlen, "length %u is invalid (a multiple of 8 "
		    "from 8 to 1024 bits)", cfg->length_bits);
		return -1;
	}
	if (cfg->port == 0) {
		snprintf(err, errlen, "port 0 is invalid (1..65535)");
		return -1;
	}
	if (cfg->send_cycle_us == 0 || cfg->toggle_cycle_us == 0) {
		snprintf(err, errlen, "send and toggle cycles must be > 0");
		return -1;
	}
	if (cfg->echo_timeout_us == 0 || cfg->connect_timeout_us == 0) {
		snprintf(err, errlen, "timeouts must be > 0");
		return -1;
	}
	if (cfg->mode != 0 && cfg->mode != 1) {
		snprintf(err, errlen, "mode %d is invalid (0 or 1)", cfg->mode);
		return -1;
	}
	if (cfg->backoff_min_us == 0 || cfg->backoff_max_us <
	    cfg->backoff_min_us) {
		snprintf(err, errlen, "back-off must be 0 < min <= max");
		return -1;
	}
	return 0;
}

static int
tcpcom_pipe(int fds[2])
{
	if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0)
		return -1;
	return 0;
}

struct tcpcom *
tcpcom_new(const struct tcpcom_config *cfg, char *err, size_t errlen)
{
	struct tcpcom *tc;

	if (tcpcom_check_config(cfg, err, errlen) != 0)
		return NULL;
	tc = calloc(1, sizeof *tc);
	if (tc == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	atomic_init(&tc->refs, 1);	/* before any tcpcom_free */
	tc->cfg = *cfg;
	if (tc->cfg.seed == 0)
		tc->cfg.seed = clock_wall_us() ^ ((uint64_t)getpid() << 32);
	tc->stop_pipe[0] = tc->stop_pipe[1] = -1;
	tc->toggle_pipe[0] = tc->toggle_pipe[1] = -1;
	/* Only the syntax: the name is resolved at every connect. */
	if (sock_host_check(cfg->server, err, errlen) != 0)
		goto fail;
	if (tcpcom_pipe(tc->stop_pipe) != 0 ||
	    tcpcom_pipe(tc->toggle_pipe) != 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		goto fail;
	}
	atomic_init(&tc->stopping, 0);
	atomic_init(&tc->resolving, 0);
	payload_data_init(&tc->data, cfg->length_bits / 8);
	pthread_mutex_init(&tc->last_lock, NULL);
	tc->locks = 1;
	return tc;
fail:
	tcpcom_free(tc);
	return NULL;
}

void
client_thread_setup(const char *name)
{
	log_set_thread_name(name);
	/* Never wait for stderr on the link's time: lines go to the queue,
	 * which client_log_flush writes out between frames. */
	log_queue_thread();
#ifdef __linux__
	/* Wake-ups within microseconds of a deadline, not the default 50. */
	prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
#endif
}

void
client_log_flush(void)
{
	if (log_queue_waiting() > 0)
		log_queue_flush(0);
}

int
tcpcom_start(struct tcpcom *tc, char *err, size_t errlen)
{
	sigset_t all, old;
	int rc;

	tc->t0_us = clock_now_us();
	stats_init(&tc->stats, tc->t0_us);
	lifebit_init(&tc->lifebit, tc->cfg.mode == 0 ?
	    tc->t0_us + tc->cfg.toggle_cycle_us : LIFEBIT_NO_TOGGLER);

	/* The threads take no signals: those belong to the caller. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	atomic_fetch_add(&tc->refs, 1);		/* the sender's */
	rc = pthread_create(&tc->sender, NULL, sender_main, tc);
	if (rc != 0)
		atomic_fetch_sub(&tc->refs, 1);
	if (rc == 0) {
		tc->threads = 1;
		pthread_setname_np(tc->sender, "tcpcom-send");
		if (tc->cfg.mode == 0) {
			rc = pthread_create(&tc->toggler, NULL, toggler_main,
			    tc);
			if (rc == 0) {
				tc->threads = 2;
				pthread_setname_np(tc->toggler,
				    "tcpcom-toggle");
			}
		}
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		snprintf(err, errlen, "cannot start a thread: %s",
		    strerror(rc));
		tcpcom_stop(tc);
		tcpcom_join(tc);
		return -1;
	}
	return 0;
}

void
tcpcom_stop(struct tcpcom *tc)
{
	char one = 1;
	ssize_t n;

	atomic_store(&tc->stopping, 1);
	/* The pipe is never drained: every wait sees it readable from now. */
	n = write(tc->stop_pipe[1], &one, 1);
	(void)n;
}

int
tcpcom_wait(struct tcpcom *tc, uint64_t timeout_us)
{
	if (atomic_load(&tc->stopping))
		return 1;
	return sock_wait(-1, 0, tc->stop_pipe[0],
	    clock_now_us() + timeout_us) != 0;
}

int
tcpcom_stop_fd(struct tcpcom *tc)
{
	return tc->stop_pipe[0];
}

/*
 * A name lookup cannot be interrupted, and may take the resolver's full
 * timeout (seconds, per name server and attempt): a stop never waits for
 * it. A sender inside getaddrinfo when the client stops is detached, not
 * joined; it ends by itself when the lookup returns, touching nothing but
 * its own reference to `tc` (see client_release). The stop request was set
 * before `resolving` is read here, and the sender sets `resolving` before
 * it reads the request: a sender seen outside a lookup never starts one.
 */
void
tcpcom_join(struct tcpcom *tc)
{
	if (tc->threads >= 1 && atomic_load(&tc->stopping) &&
	    atomic_load(&tc->resolving))
		pthread_detach(tc->sender);
	else if (tc->threads >= 1)
		pthread_join(tc->sender, NULL);
	if (tc->threads >= 2)
		pthread_join(tc->toggler, NULL);
	tc->threads = 0;
	/* The threads' last lines, unless the program writes its own queue
	 * out (the tcpcom program does, after its report). */
	if (!log_queue_started() && log_queue_waiting() > 0)
		log_queue_flush(clock_now_us() + CLIENT_LOG_JOIN_US);
}

void
tcpcom_get_stats(struct tcpcom *tc, struct tcpcom_stats *out)
{
	stats_snapshot(&tc->stats, clock_now_us(), out);
}

int
tcpcom_set_data(struct tcpcom *tc, const uint8_t *bytes, size_t len)
{
	return payload_data_set(&tc->data, bytes, len);
}

int
tcpcom_last_echo(struct tcpcom *tc, struct tcpcom_echo *out)
{
	pthread_mutex_lock(&tc->last_lock);
	*out = tc->last;
	pthread_mutex_unlock(&tc->last_lock);
	return out->status != TCPCOM_ECHO_NONE;
}

int
tcpcom_on_echo(struct tcpcom *tc, tcpcom_echo_fn fn, void *arg)
{
	if (tc->t0_us != 0) {
		errno = EBUSY;
		return -1;
	}
	tc->on_echo = fn;
	tc->on_echo_arg = arg;
	return 0;
}

/* The sender: one exchange is over; keep it and tell the callback. */
void
client_echo_done(struct tcpcom *tc, const struct tcpcom_echo *e)
{
	pthread_mutex_lock(&tc->last_lock);
	tc->last = *e;
	pthread_mutex_unlock(&tc->last_lock);
	if (tc->on_echo != NULL)
		tc->on_echo(e, tc->on_echo_arg);
}

void
tcpcom_free(struct tcpcom *tc)
{
	if (tc != NULL)
		client_release(tc);
}

void
client_release(struct tcpcom *tc)
{
	int i;

	if (atomic_fetch_sub(&tc->refs, 1) != 1)
		return;
	if (tc->t0_us != 0) {
		lifebit_destroy(&tc->lifebit);
		stats_destroy(&tc->stats);
	}
	if (tc->locks) {
		payload_data_destroy(&tc->data);
		pthread_mutex_destroy(&tc->last_lock);
	}
	for (i = 0; i < 2; i++) {
		if (tc->stop_pipe[i] >= 0)
			close(tc->stop_pipe[i]);
		if (tc->toggle_pipe[i] >= 0)
			close(tc->toggle_pipe[i]);
	}
	free(tc);
}
