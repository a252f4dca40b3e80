/*
 * fuzz_station: libFuzzer target for the emulator's input path: bytes from a
 * peer into a served station, under each echo and link fault.
 *
 * An input is
 *   byte 0    the fault set: one entry of fuzz_faults[] below, played as a
 *             scenario from time 0, the peer's connection;
 *   byte 1    how the peer behaves (PEER_* below), the frame length and
 *             the PLC task cycle;
 *   byte 2    bytes written per loop turn (0: everything in one write);
 *   the rest  what the peer sends.
 *
 * A real server (127.0.0.1, a free port) and the scenario engine run on a
 * loop; the peer is a plain socket written from a zero-delay timer, one
 * chunk per loop turn. When the bytes are out the loop runs a little longer
 * so that delayed and split echoes leave, the peer ends (reset or FIN), and
 * everything is freed. An input takes a few milliseconds, FUZZ_MAX_US at
 * most, whatever it holds.
 *
 * FUZZ_VERBOSE=1 prints the emulator's events, frames and echoes included,
 * when replaying an input: build-fuzz/fuzz_station FILE.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "engine.h"
#include "events.h"
#include "facts.h"
#include "log.h"
#include "loop.h"
#include "scenario.h"
#include "server.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* byte 1 */
#define PEER_END_MASK	0x03	/* how the peer ends: */
#define PEER_END_RST	0x00	/* ... a reset once the echoes settled */
#define PEER_END_FIN	0x01	/* ... a FIN, then a reset after settling */
#define PEER_END_RST_NOW 0x02	/* ... a reset right after the last write */
#define PEER_END_NONE	0x03	/* ... open until the teardown resets it */
#define PEER_NO_READ	0x04	/* never reads its echoes (small buffer) */
#define PEER_RECONNECT	0x08	/* connects again after a dropped link */
#define PEER_LENGTH(f)	(((f) >> 4) & 0x03)	/* index in fuzz_lengths */
#define PEER_WAITER	0x40	/* a second peer waits in the backlog */
#define PEER_SLOW_PLC	0x80	/* the PLC task cycle is FUZZ_CYCLE, not 0 */

#define FUZZ_MAX_CONNECTS 4
#define FUZZ_MAX_TURNS	  4000
#define FUZZ_MAX_US	  (50 * TC_US_PER_MS)	/* per input, whatever happens */
#define FUZZ_MIN_TURNS	  4	/* per phase after the writes */
#define FUZZ_CYCLE	  "20us"
#define FUZZ_SLOW_SETTLE_US 1000

/*
 * The fault sets: timelines of scenarios/README.md, each acting from time 0
 * for the whole run. settle_us is how long the loop runs after the last
 * write (and after the end) so that echoes held by timers leave.
 */
static const struct {
	const char *timeline;
	tc_us_t	    settle_us;
} fuzz_faults[] = {
	{ "", 0 },
	{ "  - {action: echo_split, at: 0, for: 30m, pieces: 2, gap: 100us}\n",
	  500 },
	{ "  - {action: echo_split, at: 0, for: 30m, pieces: 4, gap: 0}\n", 300 },
	{ "  - {action: echo_merge, at: 0, for: 30m}\n", 0 },
	{ "  - {action: echo_merge, at: 0, frames: 3}\n", 0 },
	{ "  - {action: echo_duplicate, at: 0, for: 30m}\n", 1500 },
	{ "  - {action: echo_duplicate, at: 0, frames: 2}\n", 1500 },
	{ "  - {action: echo_delay, at: 0, for: 30m, delay: 300us, "
	  "jitter: 200us, distribution: normal}\n", 1500 },
	{ "  - {action: echo_delay, at: 0, delay: 0, jitter: 100us}\n", 500 },
	{ "  - {action: echo_short, at: 0, for: 30m}\n", 0 },
	{ "  - {action: echo_short, at: 0, frames: 2, bytes: 1}\n", 0 },
	{ "  - {action: corrupt, at: 0, for: 30m, mask: '0x01'}\n", 0 },
	{ "  - {action: bit0_force, at: 0, for: 30m, value: 1}\n", 0 },
	{ "  - {action: bit0_invert, at: 0, frames: 5}\n", 0 },
	{ "  - {action: bit0_stuck, at: 0, for: 30m}\n", 0 },
	{ "  - {action: blackhole, at: 0, for: 30m}\n", 0 },
	{ "  - {action: blackhole, at: 200us, for: 500us}\n"
	  "  - {action: echo_merge, at: 0, for: 30m}\n", 1000 },
	{ "  - {action: half_open, at: 0, for: 1ms}\n", 1500 },
	{ "  - {action: half_open, at: 300us}\n", 500 },
	{ "  - {action: rst, at: 0, every: 300us, count: 5}\n", 1000 },
	{ "  - {action: fin, at: 0, every: 300us, count: 5}\n", 1000 },
	{ "  - {action: plc_restart, at: 0, every: 500us, count: 3, "
	  "for: 100us}\n", 1000 },
	{ "  - {action: refuse, at: 0, for: 500us}\n"
	  "  - {action: rst, at: 100us}\n", 1000 },
	{ "  - {action: accept_delay, at: 0, delay: 300us}\n"
	  "  - {action: fin, at: 200us}\n", 1000 },
	{ "  - {action: plc_cycle, at: 0, for: 30m, cycle: 20us}\n", 1000 },
	{ "  - {action: plc_cycle, at: 200us, for: 500us, cycle: 50us}\n"
	  "  - {action: echo_merge, at: 0, for: 30m}\n", 1000 },
	{ "  - {action: bit0_invert, at: 0, for: 30m}\n"
	  "  - {action: corrupt, at: 0, for: 30m, mask: '0x80'}\n"
	  "  - {action: echo_split, at: 0, for: 30m, pieces: 2, gap: 50us}\n",
	  500 },
	{ "  - {action: echo_merge, at: 0, for: 30m}\n"
	  "  - {action: corrupt, at: 0, for: 30m, mask: '0x03'}\n"
	  "  - {action: half_open, at: 500us}\n", 1000 },
	{ "  - {action: echo_duplicate, at: 0, for: 30m}\n"
	  "  - {action: bit0_stuck, at: 0, for: 30m}\n"
	  "  - {action: rst, at: 700us}\n", 1500 },
	{ "  - {action: echo_delay, at: 0, for: 30m, delay: 200us}\n"
	  "  - {action: echo_merge, at: 0, for: 30m}\n"
	  "  - {action: fin, at: 600us}\n", 1000 },
	{ "  - {action: echo_short, at: 0, for: 30m, bytes: 1}\n"
	  "  - {action: bit0_force, at: 0, for: 30m, value: 0}\n"
	  "  - {action: plc_restart, at: 400us}\n", 1000 },	/* Started by events: every edge the peer makes, every connection. */
	{ "  - {action: rst, when: {edge: rising, nth: every, "
	  "after: 100us}}\n"
	  "  - {action: corrupt, when: {connect: every, frame: 2}, "
	  "frames: 2, mask: '0x01'}\n"
	  "  - {action: echo_split, when: {edge: falling, nth: every}, "
	  "pieces: 2, gap: 50us}\n", 1000 },
	{ "  - {action: blackhole, when: {edge: any, nth: 3}, for: 300us}\n"
	  "  - {action: echo_delay, when: {reconnect: every}, for: 200us, "
	  "delay: 100us}\n", 1000 },
};
#define FUZZ_NFAULTS (sizeof fuzz_faults / sizeof fuzz_faults[0])

/* Frame lengths in bits; a set that cannot take one falls back to 32. */
static const unsigned fuzz_lengths[] = { 32, 8, 16, 1024 };

enum fuzz_phase {
	PHASE_SEND = 0,	/* writing the input, a chunk per turn */
	PHASE_SETTLE,	/* letting held echoes leave */
	PHASE_AFTER,	/* the peer has ended; the server notices */
	PHASE_MAX
};

struct fuzz_run {
	struct sim_loop	   *loop;
	struct sim_server  *srv;
	const uint8_t	   *data;
	size_t		    len;
	size_t		    off;
	size_t		    chunk;
	unsigned	    peer;	/* byte 1 */
	tc_us_t		    settle_us;
	int		    fd;		/* the peer; -1 while it has none */
	int		    waiter;	/* the second peer, or -1 */
	int		    connects;
	enum fuzz_phase	    phase;
	unsigned	    turns;
	unsigned	    phase_turns;
	tc_us_t		    start;
	tc_us_t		    phase_start;
};

static struct facts fuzz_facts;	/* large: not on the stack */
static int fuzz_verbose;	/* FUZZ_VERBOSE=1: the event log on stderr */

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	signal(SIGPIPE, SIG_IGN);
	log_set_level(LOG_ERROR);
	fuzz_verbose = getenv("FUZZ_VERBOSE") != NULL;
	return 0;
}

/* Closes a peer with a reset, so that no socket lingers in TIME_WAIT. */
static void
fuzz_reset(int *fd)
{
	struct linger lg = { 1, 0 };

	if (*fd < 0)
		return;
	setsockopt(*fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
	close(*fd);
	*fd = -1;
}

/* A blocking connect (loopback: done or refused at once), then non-blocking. */
static int
fuzz_connect(uint16_t port, int small_rcvbuf)
{
	struct sockaddr_in sin;
	int fd, one = 1, rcv = 1;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (small_rcvbuf)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof rcv);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sin, sizeof sin) != 0) {
		close(fd);
		return -1;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) != 0) {
		fuzz_reset(&fd);
		return -1;
	}
	return fd;
}

/* Reads what came back (unless told not to); notices a close or a reset. */
static void
fuzz_peer_poll(struct fuzz_run *r)
{
	struct pollfd pfd;
	uint8_t buf[4096];
	ssize_t n;

	if (r->fd < 0)
		return;
	pfd.fd = r->fd;
	pfd.events = POLLIN | POLLRDHUP;
	pfd.revents = 0;
	if (poll(&pfd, 1, 0) <= 0)
		return;
	if (r->peer & PEER_NO_READ) {
		if (pfd.revents & (POLLRDHUP | POLLHUP | POLLERR))
			fuzz_reset(&r->fd);
		return;
	}
	while ((n = recv(r->fd, buf, sizeof buf, 0)) > 0)
		;
	if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK &&
	    errno != EINTR))
		fuzz_reset(&r->fd);
}

/* Writes the next chunk of the input; the rest waits for the next turn. */
static void
fuzz_peer_write(struct fuzz_run *r)
{
	size_t n = r->len - r->off;
	ssize_t w;

	if (r->chunk > 0 && n > r->chunk)
		n = r->chunk;
	w = send(r->fd, r->data + r->off, n, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (w > 0)
		r->off += (size_t)w;
	else if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK &&
	    errno != EINTR)
		fuzz_reset(&r->fd);
}

static int
fuzz_can_connect(const struct fuzz_run *r)
{
	return (r->peer & PEER_RECONNECT) && r->connects < FUZZ_MAX_CONNECTS;
}

static void
fuzz_set_phase(struct fuzz_run *r, enum fuzz_phase phase, tc_us_t now)
{
	r->phase = phase;
	r->phase_turns = 0;
	r->phase_start = now;
}

static int
fuzz_settled(const struct fuzz_run *r, tc_us_t now)
{
	return r->phase_turns >= FUZZ_MIN_TURNS &&
	    now - r->phase_start >= r->settle_us;
}

/* Ends the peer the way byte 1 says, once the echoes have settled. */
static void
fuzz_peer_end(struct fuzz_run *r)
{
	switch (r->peer & PEER_END_MASK) {
	case PEER_END_FIN:
		if (r->fd >= 0)
			shutdown(r->fd, SHUT_WR);
		break;
	case PEER_END_NONE:
		break;
	default:
		fuzz_reset(&r->fd);
		break;
	}
}

/* One loop turn of the peer. */
static uint64_t
fuzz_turn_timer(void *arg)
{
	struct fuzz_run *r = arg;
	tc_us_t now = clock_now_us();

	r->turns++;
	r->phase_turns++;
	fuzz_peer_poll(r);
	switch (r->phase) {
	case PHASE_SEND:
		if (r->fd < 0 && r->off < r->len && fuzz_can_connect(r)) {
			r->fd = fuzz_connect(server_port(r->srv),
			    r->peer & PEER_NO_READ);
			if (r->fd >= 0)
				r->connects++;
		}
		if (r->fd >= 0 && r->off < r->len)
			fuzz_peer_write(r);
		if (r->off < r->len && (r->fd >= 0 || fuzz_can_connect(r)))
			break;
		if ((r->peer & PEER_END_MASK) == PEER_END_RST_NOW) {
			fuzz_reset(&r->fd);
			fuzz_set_phase(r, PHASE_AFTER, now);
		} else
			fuzz_set_phase(r, PHASE_SETTLE, now);
		break;
	case PHASE_SETTLE:
		if (fuzz_settled(r, now)) {
			fuzz_peer_end(r);
			fuzz_set_phase(r, PHASE_AFTER, now);
		}
		break;
	default:
		if (fuzz_settled(r, now))
			goto stop;
		break;
	}
	if (r->turns < FUZZ_MAX_TURNS && now - r->start < FUZZ_MAX_US)
		return 0;
stop:
	sim_loop_stop(r->loop);
	return SIM_TIMER_STOP;
}

/* The scenario of a fault set; a length it cannot take falls back to 32. */
static struct scenario *
fuzz_scenario(size_t set, unsigned length, const char *cycle)
{
	const char *tl = fuzz_faults[set].timeline;
	char text[2048], err[512];
	struct scenario *sc;
	int n;

	n = snprintf(text, sizeof text, "name: fuzz-station\n"
	    "duration: 1h\n"
	    "plc:\n  cycle: %s\n  length: %u\n  relisten: 200us\n%s%s",
	    cycle, length, tl[0] != '\0' ? "timeline:\n" : "", tl);
	if (n < 0 || (size_t)n >= sizeof text)
		abort();
	sc = scenario_parse(text, (size_t)n, "fuzz", err, sizeof err);
	if (sc == NULL && length != 32)
		return fuzz_scenario(set, 32, cycle);
	if (sc == NULL) {
		/* A fault set of this file is wrong, not the input. */
		fprintf(stderr, "fuzz_station: fault set %zu: %s\n", set, err);
		abort();
	}
	return sc;
}

static void
fuzz_server_config(const struct scenario *sc, struct sim_server_config *c)
{
	memset(c, 0, sizeof *c);
	snprintf(c->host, sizeof c->host, "127.0.0.1");
	c->cycle_us = sc->plc.cycle;
	c->length_bits = (unsigned)sc->plc.length;
	c->max_clients = (unsigned)sc->plc.max_clients;
	c->relisten_us = sc->plc.relisten;
	c->watchdog_us = sc->plc.watchdog;
	c->backlog = 16;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sim_server_config cfg;
	struct sim_events *ev = NULL;
	struct sim_timer *turn = NULL;
	struct engine *e = NULL;
	struct scenario *sc;
	struct fuzz_run r;
	char err[512];

	if (size < 3)
		return 0;
	memset(&r, 0, sizeof r);
	r.fd = r.waiter = -1;
	r.peer = data[1];
	r.chunk = data[2];
	r.data = data + 3;
	r.len = size - 3;
	sc = fuzz_scenario(data[0] % FUZZ_NFAULTS,
	    fuzz_lengths[PEER_LENGTH(r.peer)],
	    (r.peer & PEER_SLOW_PLC) ? FUZZ_CYCLE : "0");
	r.settle_us = fuzz_faults[data[0] % FUZZ_NFAULTS].settle_us;
	/* A few dozen task cycles, for the echoes to go or the reset to be met. */
	if ((r.peer & PEER_SLOW_PLC) && r.settle_us < FUZZ_SLOW_SETTLE_US)
		r.settle_us = FUZZ_SLOW_SETTLE_US;
	r.start = clock_now_us();
	facts_init(&fuzz_facts);
	fuzz_server_config(sc, &cfg);
	if ((r.loop = sim_loop_new()) == NULL ||
	    (ev = events_new(r.start, 256)) == NULL)
		goto out;
	if (fuzz_verbose)
		events_set_text(ev, stderr, 2);
	/* No free port, no fd: the machine's trouble, not a finding. */
	if ((r.srv = server_new(r.loop, &cfg, ev, err, sizeof err)) == NULL)
		goto out;
	e = engine_new(r.loop, r.srv, sc, sc->seed, ev, &fuzz_facts, NULL,
	    NULL);
	turn = sim_timer_new(r.loop, fuzz_turn_timer, &r);
	if (e == NULL || turn == NULL)
		goto out;
	if ((r.fd = fuzz_connect(server_port(r.srv),
	    r.peer & PEER_NO_READ)) < 0)
		goto out;
	r.connects = 1;
	if (r.peer & PEER_WAITER)
		r.waiter = fuzz_connect(server_port(r.srv), 0);
	sim_timer_start(turn, 0);
	r.phase_start = clock_now_us();
	if (sim_loop_run(r.loop) == 0)
		engine_finish(e, clock_now_us());
out:
	fuzz_reset(&r.fd);
	fuzz_reset(&r.waiter);
	sim_timer_free(turn);
	engine_free(e);
	server_free(r.srv);
	sim_loop_free(r.loop);
	facts_free(&fuzz_facts);
	events_free(ev);
	scenario_free(sc);
	return 0;
}
