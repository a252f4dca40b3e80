/*
 * Unit tests of the proxy's side of the server (plcsim/server.c with an
 * upstream) when the PLC side of a connection cannot be opened: only
 * memory running out does that, which no peer can cause on demand, so
 * upstream.c is replaced here by a stand-in whose upstream_open fails.
 * The connection must then end as one never served: the count of served
 * clients stays 0 (it had wrapped to UINT_MAX).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "clock.h"
#include "events.h"
#include "loop.h"
#include "server.h"
#include "status.h"
#include "upstream.h"

/* ---- the stand-in for upstream.c: nothing can be opened ---- */

static int opens;

int
upstream_resolve(const char *text, struct upstream_addr *out, char *err,
    size_t errlen)
{
	(void)text;
	(void)out;
	(void)err;
	(void)errlen;
	fail_msg("not used by the server");
	return -1;
}

struct upstream *
upstream_open(struct sim_loop *loop, const struct upstream_addr *addr,
    tc_us_t timeout, tc_us_t retry_for, const struct upstream_ops *ops,
    void *arg)
{
	(void)loop;
	(void)addr;
	(void)timeout;
	(void)retry_for;
	(void)ops;
	(void)arg;
	opens++;
	return NULL;	/* out of memory */
}

/* The rest is never reached with no upstream open (free takes NULL). */
void
upstream_free(struct upstream *u)
{
	assert_null(u);
}

void
upstream_close(struct upstream *u, enum session_close how)
{
	(void)how;
	assert_null(u);
}

void
upstream_set_owner(struct upstream *u, const struct upstream_ops *ops,
    void *arg)
{
	(void)ops;
	(void)arg;
	assert_null(u);
}

unsigned
upstream_refusals(const struct upstream *u)
{
	assert_null(u);
	return 0;
}

int
upstream_connected(const struct upstream *u)
{
	assert_null(u);
	return 0;
}

int
upstream_send(struct upstream *u, const uint8_t *data, size_t len)
{
	(void)data;
	(void)len;
	assert_null(u);
	return -1;
}

size_t
upstream_out_len(const struct upstream *u)
{
	assert_null(u);
	return 0;
}

void
upstream_update(struct upstream *u)
{
	assert_null(u);
}

const char *
upstream_local(const struct upstream *u)
{
	assert_null(u);
	return "";
}

/* ---- the test ---- */

static uint64_t
stop_timer(void *arg)
{
	sim_loop_stop(arg);
	return SIM_TIMER_STOP;
}

/* A client connects; the loop runs 200 ms. Returns its socket. */
static int
client_comes(struct sim_loop *loop, struct sim_server *srv)
{
	struct sockaddr_in sin;
	struct sim_timer *t;
	int fd;

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons(server_port(srv));
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&sin, sizeof sin), 0);
	assert_non_null(t = sim_timer_new(loop, stop_timer, loop));
	sim_timer_start(t, 200 * TC_US_PER_MS);
	assert_int_equal(sim_loop_run(loop), 0);
	sim_timer_free(t);
	return fd;
}

static void
test_a_plc_side_not_opened_is_never_served(void **state)
{
	struct sim_server_config cfg;
	struct upstream_addr addr;
	struct sim_loop *loop;
	struct sim_events *ev;
	struct sim_server *srv;
	struct status st;
	char err[256], b;
	int fd[2], i;

	(void)state;
	memset(&cfg, 0, sizeof cfg);
	memset(&addr, 0, sizeof addr);
	snprintf(cfg.host, sizeof cfg.host, "127.0.0.1");
	cfg.length_bits = 32;
	cfg.max_clients = 1;
	cfg.upstream = &addr;
	assert_non_null(loop = sim_loop_new());
	assert_non_null(ev = events_new(clock_now_us(), 0));
	srv = server_new(loop, &cfg, ev, err, sizeof err);
	assert_non_null(srv);
	for (i = 0; i < 2; i++) {
		fd[i] = client_comes(loop, srv);
		assert_int_equal(opens, i + 1);
		memset(&st, 0, sizeof st);
		server_status(srv, clock_now_us(), &st);
		assert_int_equal(st.clients, 0);
		assert_int_equal(st.connections, 0);
		assert_int_equal(st.disconnects, 0);
		/* The client was let go, with a reset. */
		assert_int_equal(recv(fd[i], &b, 1, 0), -1);
		assert_int_equal(errno, ECONNRESET);
		close(fd[i]);
	}
	server_free(srv);
	events_free(ev);
	sim_loop_free(loop);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_plc_side_not_opened_is_never_served),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
