/*
 * link_client: the smallest program that uses the library: runs the link
 * to SERVER:PORT for a while, stops it, and says what it counted and how
 * long the stop took. For the end-to-end tests of what a program linked
 * with libtcpcom gets (tests/e2e/test_library_link.py).
 *
 *	link_client SERVER PORT SEND_MS TOGGLE_MS MODE RUN_MS
 *
 * It prints on stdout, after the stop:
 *
 *	stats frames_sent=N echoes_ok=N mismatches=N skipped_cycles=N
 *	    connects=N late_max_us=N protocol_errors=N
 *	stop_us=N	(tcpcom_stop to the end of tcpcom_join)
 *
 * With LINK_CLIENT_NSS=SERVICE in the environment, names are looked up
 * only through that name service (libnss_SERVICE.so.2, found on the
 * library path): tests/helpers/nss/tcpcomtest.c's test names.
 * LINK_CLIENT_SEND_US=N sets the send cycle in microseconds instead of
 * SEND_MS. LINK_CLIENT_HOLD=SEQ:MS holds the sender MS milliseconds in the
 * echo callback after frame SEQ's echo (1: the first frame's), before its
 * next frame: a window, as long as the test wants, between the read of an
 * echo and the next send.
 *
 * Exit 0, 1 with a reason on stderr, 2 on bad arguments.
 */
#include <inttypes.h>
#include <nss.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tcpcom.h"

static uint64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

struct hold {
	uint64_t seq;
	unsigned long long ms;
};

static void
hold_after_echo(const struct tcpcom_echo *e, void *arg)
{
	const struct hold *h = arg;
	struct timespec ts;

	if (e->seq != h->seq)
		return;
	ts.tv_sec = (time_t)(h->ms / 1000);
	ts.tv_nsec = (long)(h->ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) != 0)
		;
}

static int
number(const char *s, unsigned long long *out)
{
	char *end;

	*out = strtoull(s, &end, 10);
	return *s >= '0' && *s <= '9' && *end == '\0' ? 0 : -1;
}

int
main(int argc, char **argv)
{
	struct tcpcom_config cfg;
	struct tcpcom_stats st;
	struct tcpcom *tc;
	unsigned long long port, send_ms, toggle_ms, mode, run_ms;
	uint64_t t_stop, t_joined;
	const char *nss, *env;
	struct hold hold = { 0, 0 };
	unsigned long long send_us = 0, seq;
	char err[256], *colon;

	if (argc != 7 || number(argv[2], &port) != 0 ||
	    number(argv[3], &send_ms) != 0 ||
	    number(argv[4], &toggle_ms) != 0 ||
	    number(argv[5], &mode) != 0 || number(argv[6], &run_ms) != 0 ||
	    port == 0 || port > 65535 || strlen(argv[1]) >= TCPCOM_HOST_MAX) {
		fprintf(stderr, "usage: link_client SERVER PORT SEND_MS "
		    "TOGGLE_MS MODE RUN_MS\n");
		return 2;
	}
	nss = getenv("LINK_CLIENT_NSS");
	if (nss != NULL && __nss_configure_lookup("hosts", nss) != 0) {
		fprintf(stderr, "link_client: cannot use name service %s\n",
		    nss);
		return 1;
	}
	env = getenv("LINK_CLIENT_SEND_US");
	if (env != NULL && (number(env, &send_us) != 0 || send_us == 0)) {
		fprintf(stderr, "link_client: bad LINK_CLIENT_SEND_US\n");
		return 2;
	}
	env = getenv("LINK_CLIENT_HOLD");
	if (env != NULL) {
		colon = strchr(env, ':');
		if (colon == NULL || number(colon + 1, &hold.ms) != 0) {
			fprintf(stderr, "link_client: bad LINK_CLIENT_HOLD\n");
			return 2;
		}
		*colon = '\0';
		if (number(env, &seq) != 0 || seq == 0) {
			fprintf(stderr, "link_client: bad LINK_CLIENT_HOLD\n");
			return 2;
		}
		hold.seq = seq;
	}
	tcpcom_config_init(&cfg);
	snprintf(cfg.server, sizeof cfg.server, "%s", argv[1]);
	cfg.port = (uint16_t)port;
	cfg.send_cycle_us = send_us > 0 ? send_us : send_ms * 1000;
	cfg.toggle_cycle_us = toggle_ms * 1000;
	cfg.mode = (int)mode;
	cfg.payload = TCPCOM_PAYLOAD_COUNTER;
	tc = tcpcom_new(&cfg, err, sizeof err);
	if (tc == NULL) {
		fprintf(stderr, "link_client: %s\n", err);
		return 1;
	}
	if (hold.seq > 0 && tcpcom_on_echo(tc, hold_after_echo, &hold) != 0) {
		fprintf(stderr, "link_client: cannot set the echo callback\n");
		tcpcom_free(tc);
		return 1;
	}
	if (tcpcom_start(tc, err, sizeof err) != 0) {
		fprintf(stderr, "link_client: %s\n", err);
		tcpcom_free(tc);
		return 1;
	}
	if (tcpcom_wait(tc, run_ms * 1000)) {
		fprintf(stderr, "link_client: stopped before its time\n");
		tcpcom_join(tc);
		tcpcom_free(tc);
		return 1;
	}
	t_stop = now_us();
	tcpcom_stop(tc);
	tcpcom_join(tc);
	t_joined = now_us();
	tcpcom_get_stats(tc, &st);
	printf("stats frames_sent=%" PRIu64 " echoes_ok=%" PRIu64
	    " mismatches=%" PRIu64 " skipped_cycles=%" PRIu64
	    " connects=%" PRIu64 " late_max_us=%" PRIu64
	    " protocol_errors=%" PRIu64 "\n",
	    st.frames_sent, st.echoes_ok, st.mismatches, st.skipped_cycles,
	    st.connects, st.late_max_us, st.protocol_errors);
	printf("stop_us=%" PRIu64 "\n", t_joined - t_stop);
	tcpcom_free(tc);
	return 0;
}
