/*
 * data_client: drives tcpcom_set_data, tcpcom_last_echo and tcpcom_on_echo
 * against a PLC on 127.0.0.1:PORT, for tests/e2e/test_payload.py, which
 * compares what it prints with what the PLC saw.
 *
 *	data_client PORT
 *	data_client sizes
 *
 * The second prints the sizes and some offsets of the public structs, which
 * tests/e2e/test_python.py compares with the ctypes mirror in python/.
 *
 * Frames 1-10 carry 0x12345678 (set before the start), 11-20 0xcafebab0
 * (set by the echo callback after frame 10), 21-30 0x0000f00e (set by the
 * callback after frame 20 as 0x0000f00f: bit 0 is not the data's), then
 * 0xabcc (two bytes, 0xab 0xcd) set by the main thread; the line
 * "main-set after=N" says that every frame after N + 1 carries it. Twelve
 * frames later it stops and prints "echoes ok=N other=N" and
 * "last seq=N status=N frame=HEX echo=HEX". Exit 0, or 1 with a reason.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcpcom.h"

static atomic_uint_fast64_t echoes_ok, echoes_other;

static void
on_echo(const struct tcpcom_echo *e, void *arg)
{
	static const uint8_t b[] = { 0xca, 0xfe, 0xba, 0xb0 };
	static const uint8_t c[] = { 0x00, 0x00, 0xf0, 0x0f };
	struct tcpcom *tc = arg;

	if (e->status == TCPCOM_ECHO_OK)
		atomic_fetch_add(&echoes_ok, 1);
	else
		atomic_fetch_add(&echoes_other, 1);
	if (e->seq == 10 && tcpcom_set_data(tc, b, sizeof b) != 0)
		abort();
	if (e->seq == 20 && tcpcom_set_data(tc, c, sizeof c) != 0)
		abort();
}

static uint64_t
last_seq(struct tcpcom *tc)
{
	struct tcpcom_echo e;

	return tcpcom_last_echo(tc, &e) ? e.seq : 0;
}

static void
hex(const uint8_t *b, size_t len, char *out)
{
	size_t i;

	for (i = 0; i < len; i++)
		sprintf(out + 2 * i, "%02x", b[i]);
}

int
main(int argc, char **argv)
{
	static const uint8_t a[] = { 0x12, 0x34, 0x56, 0x78 };
	static const uint8_t d[] = { 0xab, 0xcd };
	static const uint8_t five[5];
	struct tcpcom_config cfg;
	struct tcpcom_echo e;
	struct tcpcom *tc;
	char err[256];
	char fh[2 * TCPCOM_FRAME_MAX + 1], eh[2 * TCPCOM_FRAME_MAX + 1];
	uint64_t after;

	if (argc == 2 && strcmp(argv[1], "sizes") == 0) {
		printf("config %zu %zu %zu\n", sizeof cfg,
		    offsetof(struct tcpcom_config, fixed),
		    offsetof(struct tcpcom_config, seed));
		printf("stats %zu %zu %zu\n", sizeof(struct tcpcom_stats),
		    offsetof(struct tcpcom_stats, link_up),
		    offsetof(struct tcpcom_stats, late_max_us));
		printf("echo %zu %zu %zu\n", sizeof e,
		    offsetof(struct tcpcom_echo, echo),
		    offsetof(struct tcpcom_echo, rtt_us));
		return 0;
	}
	if (argc != 2) {
		fprintf(stderr, "usage: data_client PORT\n");
		return 2;
	}
	tcpcom_config_init(&cfg);
	snprintf(cfg.server, sizeof cfg.server, "127.0.0.1");
	cfg.port = (uint16_t)atoi(argv[1]);
	cfg.send_cycle_us = 30000;
	cfg.toggle_cycle_us = 90000;
	cfg.payload = TCPCOM_PAYLOAD_COUNTER;	/* replaced by the data */
	tc = tcpcom_new(&cfg, err, sizeof err);
	if (tc == NULL) {
		fprintf(stderr, "tcpcom_new: %s\n", err);
		return 1;
	}
	if (tcpcom_set_data(tc, a, 0) != -1 || errno != EINVAL ||
	    tcpcom_set_data(tc, five, sizeof five) != -1 || errno != EINVAL ||
	    tcpcom_set_data(tc, NULL, 4) != -1 || errno != EINVAL) {
		fprintf(stderr, "a bad length was accepted\n");
		return 1;
	}
	if (tcpcom_last_echo(tc, &e) != 0 || e.status != TCPCOM_ECHO_NONE) {
		fprintf(stderr, "an echo before the start\n");
		return 1;
	}
	if (tcpcom_set_data(tc, a, sizeof a) != 0 ||
	    tcpcom_on_echo(tc, on_echo, tc) != 0 ||
	    tcpcom_start(tc, err, sizeof err) != 0) {
		fprintf(stderr, "start: %s\n", err);
		return 1;
	}
	if (tcpcom_on_echo(tc, on_echo, tc) != -1 || errno != EBUSY) {
		fprintf(stderr, "a callback was accepted after the start\n");
		tcpcom_stop(tc);
		tcpcom_join(tc);
		return 1;
	}
	while (last_seq(tc) < 30 && !tcpcom_wait(tc, 5000))
		;
	if (tcpcom_set_data(tc, d, sizeof d) != 0)
		abort();
	after = last_seq(tc);
	printf("main-set after=%" PRIu64 "\n", after);
	while (last_seq(tc) < after + 12 && !tcpcom_wait(tc, 5000))
		;
	tcpcom_stop(tc);
	tcpcom_join(tc);
	printf("echoes ok=%" PRIu64 " other=%" PRIu64 "\n",
	    (uint64_t)atomic_load(&echoes_ok),
	    (uint64_t)atomic_load(&echoes_other));
	tcpcom_last_echo(tc, &e);
	hex(e.frame, e.len, fh);
	hex(e.echo, e.len, eh);
	printf("last seq=%" PRIu64 " status=%d frame=%s echo=%s rtt=%" PRIu64
	    " sent=%" PRIu64 " done=%" PRIu64 "\n", e.seq, e.status, fh, eh,
	    e.rtt_us, e.sent_us, e.done_us);
	tcpcom_free(tc);
	return 0;
}
