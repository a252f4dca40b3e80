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
 *	    connects=N late_max_us=N
 *	stop_us=N	(tcpcom_stop to the end of tcpcom_join)
 *
 * With LINK_CLIENT_NSS=SERVICE in the environment, names are looked up
 * only through that name service (libnss_SERVICE.so.2, found on the
 * library path): tests/helpers/nss/tcpcomtest.c's test names.
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
	const char *nss;
	char err[256];

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
	tcpcom_config_init(&cfg);
	snprintf(cfg.server, sizeof cfg.server, "%s", argv[1]);
	cfg.port = (uint16_t)port;
	cfg.send_cycle_us = send_ms * 1000;
	cfg.toggle_cycle_us = toggle_ms * 1000;
	cfg.mode = (int)mode;
	cfg.payload = TCPCOM_PAYLOAD_COUNTER;
	tc = tcpcom_new(&cfg, err, sizeof err);
	if (tc == NULL) {
		fprintf(stderr, "link_client: %s\n", err);
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
	    " connects=%" PRIu64 " late_max_us=%" PRIu64 "\n",
	    st.frames_sent, st.echoes_ok, st.mismatches, st.skipped_cycles,
	    st.connects, st.late_max_us);
	printf("stop_us=%" PRIu64 "\n", t_joined - t_stop);
	tcpcom_free(tc);
	return 0;
}
