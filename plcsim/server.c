/* server: the emulated PLC on the network; see server.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "parse.h"
#include "plc.h"
#include "server.h"
#include "wire.h"

/* Housekeeping (watchdog, timeouts) when the task cycle is 0. */
#define SERVER_IDLE_TICK_US (10 * TC_US_PER_MS)
/* Retry after the port could not be listened on again. */
#define SERVER_RELISTEN_RETRY_US (100 * TC_US_PER_MS)

enum conn_state {
	CONN_WAITING = 0,	/* accepted at a restart, not served yet */
	CONN_SERVED,		/* a station of the PLC */
	CONN_DEAD,		/* closed; freed by the reaper */
};

struct sim_conn {
	struct sim_server	*srv;
	struct sim_session	*s;
	struct plc_station	*st;	/* CONN_SERVED only */
	struct lifemon_track	 lb;
	enum conn_state		 state;
	unsigned		 id;
	tc_us_t			 arrived;	/* accepted */
	tc_us_t			 since;		/* served, or accepted */
	struct upstream		*up;		/* proxy: its PLC side */
	struct relay		*relay;		/* proxy: frames in flight */
	int			 plc_ended;	/* proxy: the PLC ended its side */
	tc_us_t			 plc_hold_until; /* proxy: the cable is cut */
	struct sim_conn		*prev, *next;
};

/* Proxy: a PLC side kept up, silent, after its client's side ended. */
struct plc_linger {
	struct sim_server	*srv;
	struct upstream		*up;
	struct sim_timer	*timer;
	int			 done;		/* closed: free it */
	struct plc_linger	*next;
};

struct sim_server {
	struct sim_loop		 *loop;
	struct sim_server_config  cfg;
	struct sim_events	 *ev;
	struct plc		 *plc;
	struct sim_listener	 *listener;	/* NULL while restarting */
	struct sim_timer	 *tick;
	struct sim_timer	 *relisten;
	struct sim_timer	 *reap;
	struct sim_conn		 *head, *tail;	/* oldest first */
	struct plc_linger	 *lingering;
	unsigned		  served;
	unsigned		  open;		/* served + waiting */
	unsigned		  next_id;
	int			  stopping;
	int			  quiet_restart; /* drops without an error path */
	int			  listen_failing; /* cannot listen again, now */
	uint64_t		  listen_failures;
	char			  listen_error[256]; /* the first such failure */
	tc_us_t			  start;
	char			  address[LISTENER_ADDR_MAX];
	struct sim_hooks	  hooks;
	void			 *hooks_arg;
	struct sim_counters	  c;
	struct lifemon_stats	  lm;
	struct lifemon_watchdog	  wd;
};

static void server_error_path(struct sim_server *srv, tc_us_t window,
    const char *reason);
static void server_update_accepting(struct sim_server *srv);
static void conn_run(struct sim_conn *c, tc_us_t now);
static int proxy_open(struct sim_conn *c);
static int proxy_linger(struct sim_conn *c, tc_us_t left);

static const struct session_ops conn_session_ops;

static void
conn_link(struct sim_server *srv, struct sim_conn *c)
{
	c->prev = srv->tail;
	c->next = NULL;
	if (srv->tail != NULL)
		srv->tail->next = c;
	else
		srv->head = c;
	srv->tail = c;
}

static void
conn_unlink(struct sim_server *srv, struct sim_conn *c)
{
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		srv->head = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	else
		srv->tail = c->prev;
}

static uint64_t
server_reap_timer(void *arg)
{
	struct sim_server *srv = arg;
	struct sim_conn *c, *next;

	for (c = srv->head; c != NULL; c = next) {
		next = c->next;
		if (c->state != CONN_DEAD)
			continue;
		conn_unlink(srv, c);
		session_destroy(c->s);
		upstream_free(c->up);
		free(c->relay);
		free(c);
	}
	return SIM_TIMER_STOP;
}

/* Ends a connection: close, account, and (for a served one) the error path. */
static void
conn_end(struct sim_conn *c, const char *reason, enum session_close how)
{
	struct sim_server *srv = c->srv;
	tc_us_t now = clock_now_us();
	int was_served = c->state == CONN_SERVED;
	char why[96];

	if (c->state == CONN_DEAD)
		return;
	snprintf(why, sizeof why, "%s", reason);
	session_close(c->s, how);
	if (c->up != NULL && !c->plc_ended && c->plc_hold_until > now &&
	    proxy_linger(c, c->plc_hold_until - now) == 0) {
		/* Through a cut cable the PLC hears nothing of it. */
	} else if (c->up != NULL && !c->plc_ended) {
		/* The PLC sees the client's side end as the client saw it. */
		upstream_close(c->up, how == SESSION_CLOSE_RST ||
		    strcmp(why, "reset by peer") == 0 ? SESSION_CLOSE_RST :
		    SESSION_CLOSE_FIN);
	}
	if (was_served) {
		plc_detach(srv->plc, c->st);
		c->st = NULL;
		srv->served--;
		srv->c.disconnects++;
	} else
		srv->c.left_waiting++;
	c->state = CONN_DEAD;
	srv->open--;
	sim_timer_start(srv->reap, 0);
	events_add(srv->ev, now, SIM_EV_DISCONNECT, c->id, 0,
	    now - c->since, "%s", why);
	if (was_served && srv->hooks.disconnect != NULL)
		srv->hooks.disconnect(srv->hooks_arg, c, why, now);
	if (srv->stopping)
		return;
	/* A quiet restart goes to the error path itself: serving the
	 * waiting connections now would only drop them with the rest. */
	if (srv->quiet_restart)
		return;
	/* A proxy has no error path of its own: the real PLC's is real. */
	if (was_served && srv->cfg.upstream == NULL)
		server_error_path(srv, srv->cfg.relisten_us, why);
	else
		server_update_accepting(srv);
}

static void
conn_serve(struct sim_conn *c, tc_us_t now)
{
	struct sim_server *srv = c->srv;

	c->st = plc_attach(srv->plc, now);
	if (c->st == NULL) {
		conn_end(c, "out of memory", SESSION_CLOSE_RST);
		return;
	}
	/*
	 * The PLC side first: a connection that could not have one was never
	 * served, and is not ended as one (nor counted off `served`, which
	 * it never joined).
	 */
	if (srv->cfg.upstream != NULL && proxy_open(c) != 0) {
		plc_detach(srv->plc, c->st);
		c->st = NULL;
		conn_end(c, "out of memory", SESSION_CLOSE_RST);
		return;
	}
	c->state = CONN_SERVED;
	c->since = now;
	lifemon_track_start(&c->lb);
	lifemon_watchdog_start(&srv->wd, now);
	srv->served++;
	srv->c.connections++;
	if (srv->served > srv->c.max_clients)
		srv->c.max_clients = srv->served;
	events_add(srv->ev, now, SIM_EV_CONNECT, c->id, 0, 0, "%s",
	    session_peer(c->s));
	if (srv->hooks.connect != NULL)
		srv->hooks.connect(srv->hooks_arg, c, now);
	if (c->state == CONN_SERVED)
		session_start(c->s);
}

static void
conn_received(struct sim_conn *c, const struct plc_step *step, tc_us_t now)
{
	struct sim_server *srv = c->srv;
	struct lifemon_edge e;
	char hex[2 * WIRE_MAX_BYTES + 4];
	int bit = wire_get_bit0(step->frame, step->len);
	tc_us_t silent;

	srv->c.frames++;
	srv->c.bytes_in += step->taken;
	if (events_want_frames(srv->ev)) {
		wire_to_hex(step->frame, step->len, hex, sizeof hex);
		events_add(srv->ev, now, SIM_EV_FRAME, c->id, bit, 0, "%s",
		    hex);
	}
	if (step->flags & PLC_STEP_SHORT) {
		srv->c.short_reads++;
		events_add(srv->ev, now, SIM_EV_SHORT_READ, c->id, 0,
		    step->taken, NULL);
	} else if (lifemon_frame(&srv->lm, &c->lb, now, bit, &e)) {
		/* Only whole frames: a short read's bit 0 is a stale byte. */
		if (lifemon_watchdog_edge(&srv->wd, now, &silent))
			events_add(srv->ev, now, SIM_EV_RESUMED, c->id, 0,
			    silent, NULL);
		if (e.has_interval)
			events_add(srv->ev, now, SIM_EV_EDGE, c->id, e.bit,
			    e.interval, NULL);
		else	/* the connection's first: no interval to give */
			events_add(srv->ev, now, SIM_EV_EDGE, c->id, e.bit, 0,
			    "first");
		if (srv->hooks.edge != NULL)
			srv->hooks.edge(srv->hooks_arg, c, &e, now);
	}
	/* A hook that ended the connection freed its station and frame. */
	if (srv->hooks.frame != NULL && c->state == CONN_SERVED)
		srv->hooks.frame(srv->hooks_arg, c, step->frame, step->len,
		    step->taken, now);
}

static void
conn_echo(struct sim_conn *c, const uint8_t *echo, size_t len, tc_us_t now)
{
	struct sim_server *srv = c->srv;
	char hex[2 * WIRE_MAX_BYTES + 4];

	srv->c.echoes++;
	srv->c.bytes_out += len;
	if (events_want_frames(srv->ev)) {
		wire_to_hex(echo, len, hex, sizeof hex);
		events_add(srv->ev, now, SIM_EV_ECHO, c->id, 0, 0, "%s", hex);
	}
	/* The one place where a scenario can change an echo. */
	if (srv->hooks.echo != NULL &&
	    srv->hooks.echo(srv->hooks_arg, c, echo, len, now))
		return;
	sim_conn_send(c, echo, len);
}

/* One task step; returns its flags, 0 when it did nothing or cannot. */
static unsigned
conn_step(struct sim_conn *c, tc_us_t now)
{
	struct plc_step step;
	unsigned f;

	if (c->state != CONN_SERVED)
		return 0;
	/* What a hook still holds to send on it counts too (delayed echoes). */
	if (session_out_len(c->s) + (c->srv->hooks.held == NULL ? 0 :
	    c->srv->hooks.held(c->srv->hooks_arg, c)) >= SESSION_OUT_MAX) {
		/* Like a blocked TwinCAT send: wait, take nothing more. */
		c->srv->c.stalls++;
		return 0;
	}
	f = plc_station_step(c->st, now, &step);
	if (f & PLC_STEP_RECEIVED) {
		conn_received(c, &step, now);
		if (c->state == CONN_SERVED)
			session_update(c->s);
	}
	if ((f & PLC_STEP_SENT) && c->state == CONN_SERVED)
		conn_echo(c, step.frame, step.len, now);
	return f;
}

/* Cycle 0: steps until the station has nothing left to do. */
static void
conn_run(struct sim_conn *c, tc_us_t now)
{
	/* Echoes of one burst of input leave in one write. */
	session_cork(c->s, 1);
	while (c->state == CONN_SERVED && conn_step(c, now) != 0)
		;
	session_cork(c->s, 0);
}

/* ---- the proxy: a real PLC behind each served connection ---- */

/* What is still to go to the client, queued or held by a hook. */
static size_t
proxy_client_out(struct sim_conn *c)
{
	return session_out_len(c->s) + (c->srv->hooks.held == NULL ? 0 :
	    c->srv->hooks.held(c->srv->hooks_arg, c));
}

/*
 * Client bytes taken now: none until the PLC is connected, none while it
 * has not answered what it was sent or has not read it, and none while
 * the client has not read what came back. A client that stops reading is
 * stopped here, on its own side: never by leaving the PLC's echoes unread
 * (proxy_up_room), which would make them look owed, or late, by the PLC.
 */
static size_t
proxy_client_room(struct sim_conn *c)
{
	if (!upstream_connected(c->up) ||
	    upstream_out_len(c->up) >= SESSION_OUT_MAX ||
	    proxy_client_out(c) >= SESSION_OUT_MAX)
		return 0;
	return relay_room(c->relay);
}

/* Whole frames from the client: seen as the PLC model sees them, then up. */
static void
proxy_client_input(struct sim_conn *c, const uint8_t *data, size_t len,
    tc_us_t now)
{
	struct sim_server *srv = c->srv;
	uint8_t frame[WIRE_MAX_BYTES];
	struct plc_step step;
	size_t n;
	int whole;

	while (len > 0 && c->state == CONN_SERVED) {
		n = relay_up(c->relay, data, len, frame, &whole);
		data += n;
		len -= n;
		if (!whole)
			continue;
		memset(&step, 0, sizeof step);
		step.flags = PLC_STEP_RECEIVED;
		step.taken = step.len = c->relay->frame_len;
		step.frame = frame;
		conn_received(c, &step, now);
		if (c->state != CONN_SERVED)
			break;
		if (srv->hooks.forward != NULL &&
		    !srv->hooks.forward(srv->hooks_arg, c, now))
			continue;
		/* Room was only given for what the flight holds. */
		if (relay_sent(c->relay, frame, now) == 0)
			upstream_send(c->up, frame, c->relay->frame_len);
	}
}

/*
 * PLC bytes taken now. What answers the frames in flight is always taken,
 * whatever waits for the client: the round trips are timed, and the PLC
 * judged, when an echo is read, so an echo left unread by the proxy would
 * be blamed on the PLC. This bounds the client's queue all the same: no
 * frame is taken from the client while its queue is full, so at most the
 * echoes of a full flight (RELAY_INFLIGHT_MAX frames, each as a fault may
 * multiply it) come on top of SESSION_OUT_MAX. Bytes beyond those (echoes
 * nobody asked for) wait for room.
 */
static size_t
proxy_up_room(void *arg)
{
	struct sim_conn *c = arg;
	size_t out, owed, room;

	if (c->state != CONN_SERVED)
		return 0;
	/* Part of an echo already come belongs to the oldest in flight. */
	owed = relay_inflight(c->relay) == 0 ? 0 :
	    relay_inflight(c->relay) * c->relay->frame_len -
	    relay_down_partial(c->relay);
	out = proxy_client_out(c);
	room = out >= SESSION_OUT_MAX ? 0 : SESSION_OUT_MAX - out;
	return room > owed ? room : owed;
}

static void
proxy_up_connected(void *arg)
{
	struct sim_conn *c = arg;

	/* One a connection: folded in a flood of them, as connects are. */
	events_add_as(c->srv->ev, clock_now_us(), SIM_EV_INFO,
	    SIM_FOLD_PLC_CONNECTED, c->id, 0, upstream_refusals(c->up),
	    "PLC connected from %s%s",
	    upstream_local(c->up), upstream_refusals(c->up) > 0 ?
	    " after refusals" : "");
	if (c->state == CONN_SERVED)
		session_update(c->s);
}

/* The PLC's bytes, cut into echoes: each judged, then down as the model's. */
static void
proxy_up_input(void *arg, const uint8_t *data, size_t len)
{
	struct sim_conn *c = arg;
	struct sim_server *srv = c->srv;
	struct relay_echo x;
	tc_us_t now = clock_now_us();
	size_t n;

	while (len > 0 && c->state == CONN_SERVED) {
		n = relay_down(c->relay, data, len, now, &x);
		data += n;
		len -= n;
		if (x.len == 0)
			continue;
		if (srv->hooks.plc_echo != NULL)
			srv->hooks.plc_echo(srv->hooks_arg, c, &x, now);
		if (c->state == CONN_SERVED)
			conn_echo(c, x.echo, x.len, now);
	}
	/* Flight room freed: the client may be read again. */
	if (c->state == CONN_SERVED)
		session_update(c->s);
}

static void
proxy_up_drained(void *arg)
{
	struct sim_conn *c = arg;

	if (c->state == CONN_SERVED)
		session_update(c->s);
}

static void
proxy_up_failed(void *arg, enum upstream_end how, const char *reason)
{
	struct sim_conn *c = arg;
	struct sim_server *srv = c->srv;
	tc_us_t now = clock_now_us();
	char why[96];

	if (c->state != CONN_SERVED)
		return;
	snprintf(why, sizeof why, "PLC %s: %s", how == UPSTREAM_UNREACHABLE ?
	    "unreachable" : how == UPSTREAM_CLOSED ? "closed" : "reset",
	    reason);
	if (srv->hooks.plc_end != NULL)
		srv->hooks.plc_end(srv->hooks_arg, c, how, reason,
		    relay_inflight(c->relay), now);
	/*
	 * The client sees what it would have seen of the PLC: a refusal or
	 * a reset as a reset, a close as a close. The PLC's side is over:
	 * it is not closed again.
	 */
	c->plc_ended = 1;
	conn_end(c, why, how == UPSTREAM_CLOSED ? SESSION_CLOSE_FIN :
	    SESSION_CLOSE_RST);
}

static const struct upstream_ops proxy_up_ops = {
	.room = proxy_up_room,
	.connected = proxy_up_connected,
	.input = proxy_up_input,
	.drained = proxy_up_drained,
	.failed = proxy_up_failed,
};

/* ---- PLC sides that outlive their client's, behind a cut cable ---- */

static void
linger_free(struct sim_server *srv, struct plc_linger *l)
{
	struct plc_linger **p;

	for (p = &srv->lingering; *p != NULL; p = &(*p)->next)
		if (*p == l) {
			*p = l->next;
			break;
		}
	upstream_free(l->up);
	sim_timer_free(l->timer);
	free(l);
}

/* The cut is over (or the PLC closed): close and free, from the loop. */
static uint64_t
linger_timer(void *arg)
{
	struct plc_linger *l = arg;

	/* Freeing a timer from its own callback is allowed by loop.h. */
	linger_free(l->srv, l);
	return SIM_TIMER_STOP;
}

static size_t
linger_room(void *arg)
{
	(void)arg;
	return SESSION_OUT_MAX;	/* whatever it says goes nowhere */
}

static void
linger_connected(void *arg)
{
	(void)arg;
}

static void
linger_input(void *arg, const uint8_t *data, size_t len)
{
	(void)arg;
	(void)data;
	(void)len;
}

static void
linger_failed(void *arg, enum upstream_end how, const char *reason)
{
	struct plc_linger *l = arg;

	(void)how;
	(void)reason;
	/* Not freed under the upstream's own callback: on the next turn. */
	l->done = 1;
	sim_timer_start(l->timer, 0);
}

static const struct upstream_ops linger_ops = {
	.room = linger_room,
	.connected = linger_connected,
	.input = linger_input,
	.failed = linger_failed,
};

/* Keeps c's PLC side up, silent, for `left`; -1 when memory is out. */
static int
proxy_linger(struct sim_conn *c, tc_us_t left)
{
	struct sim_server *srv = c->srv;
	struct plc_linger *l = calloc(1, sizeof *l);

	if (l == NULL || (l->timer = sim_timer_new(srv->loop, linger_timer,
	    l)) == NULL) {
		free(l);
		return -1;
	}
	l->srv = srv;
	l->up = c->up;
	c->up = NULL;	/* the reaper leaves it alone */
	upstream_set_owner(l->up, &linger_ops, l);
	upstream_update(l->up);
	l->next = srv->lingering;
	srv->lingering = l;
	sim_timer_start(l->timer, left);
	events_add_as(srv->ev, clock_now_us(), SIM_EV_INFO,
	    SIM_FOLD_PLC_KEPT_UP, c->id, 0, left,
	    "PLC side kept up, silent, behind the cut");
	return 0;
}

/* Opens the PLC side of a newly served connection; -1: out of memory. */
static int
proxy_open(struct sim_conn *c)
{
	struct sim_server *srv = c->srv;

	if ((c->relay = malloc(sizeof *c->relay)) == NULL)
		return -1;
	relay_init(c->relay, srv->cfg.length_bits / 8);
	c->up = upstream_open(srv->loop, srv->cfg.upstream,
	    srv->cfg.upstream_timeout_us, srv->cfg.upstream_retry_us,
	    &proxy_up_ops, c);
	return c->up != NULL ? 0 : -1;
}

static size_t
conn_room_cb(struct sim_session *s, void *arg)
{
	struct sim_conn *c = arg;

	(void)s;
	if (c->state != CONN_SERVED)
		return 0;
	if (c->up != NULL)
		return proxy_client_room(c);
	return plc_station_room(c->st);
}

static void
conn_input_cb(struct sim_session *s, const uint8_t *data, size_t len,
    void *arg)
{
	struct sim_conn *c = arg;
	tc_us_t now = clock_now_us();

	(void)s;
	if (c->state != CONN_SERVED)
		return;
	if (c->up != NULL) {
		proxy_client_input(c, data, len, now);
		return;
	}
	plc_station_input(c->st, data, len, now);
	if (plc_config(c->srv->plc)->cycle_us == 0)
		conn_run(c, now);
}

static void
conn_drained_cb(struct sim_session *s, void *arg)
{
	struct sim_conn *c = arg;

	(void)s;
	if (c->state == CONN_SERVED && c->up != NULL)
		upstream_update(c->up);	/* room for the PLC's echoes again */
	else if (c->state == CONN_SERVED &&
	    plc_config(c->srv->plc)->cycle_us == 0)
		conn_run(c, clock_now_us());
}

static void
conn_failed_cb(struct sim_session *s, const char *reason, void *arg)
{
	(void)s;
	conn_end(arg, reason, SESSION_CLOSE_FIN);
}

static const struct session_ops conn_session_ops = {
	.room = conn_room_cb,
	.input = conn_input_cb,
	.drained = conn_drained_cb,
	.failed = conn_failed_cb,
};

static void
server_reject(struct sim_server *srv, int fd, const char *peer)
{
	struct linger lg = { 1, 0 };

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
	close(fd);
	srv->c.rejected++;
	events_add(srv->ev, clock_now_us(), SIM_EV_REJECTED, 0, 0, 0, "%s",
	    peer);
}

static void
server_accept_cb(int fd, const char *peer, void *arg)
{
	struct sim_server *srv = arg;
	struct sim_conn *c;
	tc_us_t now = clock_now_us();

	if (srv->open >= srv->cfg.max_open) {
		server_reject(srv, fd, peer);
		return;
	}
	if ((c = calloc(1, sizeof *c)) == NULL) {
		server_reject(srv, fd, peer);
		return;
	}
	c->srv = srv;
	c->arrived = now;
	c->since = now;
	c->id = srv->next_id++;
	c->s = session_create(srv->loop, fd, peer, &conn_session_ops, c);
	if (c->s == NULL) {
		free(c);
		server_reject(srv, fd, peer);
		return;
	}
	conn_link(srv, c);
	srv->open++;
	if (plc_accepting(srv->plc))
		conn_serve(c, now);
	else {
		c->state = CONN_WAITING;
		srv->c.waited++;
		events_add(srv->ev, now, SIM_EV_WAITING, c->id, 0, 0, "%s",
		    peer);
	}
	if (!srv->stopping && srv->listener != NULL)
		listener_pause(srv->listener, !plc_accepting(srv->plc));
}

/* Serves waiting connections, oldest first, while stations are free. */
static void
server_serve_waiting(struct sim_server *srv, tc_us_t now)
{
	struct sim_conn *c, *next;

	for (c = srv->head; c != NULL && plc_accepting(srv->plc); c = next) {
		next = c->next;
		if (c->state != CONN_WAITING)
			continue;
		if (session_peer_gone(c->s))
			conn_end(c, "left while waiting", SESSION_CLOSE_FIN);
		else
			conn_serve(c, now);
	}
}

static void
server_update_accepting(struct sim_server *srv)
{
	if (srv->stopping)
		return;
	if (plc_accepting(srv->plc))
		server_serve_waiting(srv, clock_now_us());
	if (srv->listener != NULL)
		listener_pause(srv->listener, !plc_accepting(srv->plc));
}

static uint64_t
server_relisten_timer(void *arg)
{
	struct sim_server *srv = arg;
	char err[256];
	tc_us_t now = clock_now_us();

	if (srv->stopping)
		return SIM_TIMER_STOP;
	if (!plc_poll(srv->plc, now)) {
		if (plc_state(srv->plc) != PLC_RESTART)
			return SIM_TIMER_STOP;
		return plc_relisten_at(srv->plc) - now;
	}
	if (srv->listener == NULL) {
		srv->listener = listener_open(srv->loop, srv->cfg.host,
		    srv->cfg.port, srv->cfg.backlog, server_accept_cb, srv,
		    err, sizeof err);
		if (srv->listener == NULL) {
			/* Said once per streak; the run knows it failed. */
			if (srv->listen_failures++ == 0 ||
			    !srv->listen_failing)
				events_add(srv->ev, now, SIM_EV_ERROR, 0, 0, 0,
				    "cannot listen again: %s", err);
			if (srv->listen_error[0] == '\0')
				snprintf(srv->listen_error,
				    sizeof srv->listen_error, "%s", err);
			srv->listen_failing = 1;
			plc_restart(srv->plc, now, SERVER_RELISTEN_RETRY_US);
			return SERVER_RELISTEN_RETRY_US;
		}
		srv->listen_failing = 0;
		events_add(srv->ev, now, SIM_EV_LISTEN, 0, 0, 0, "%s",
		    srv->address);
	}
	server_update_accepting(srv);
	return SIM_TIMER_STOP;
}

/* The TwinCAT error path: listener closed for `window`, then listen again. */
static void
server_error_path(struct sim_server *srv, tc_us_t window, const char *reason)
{
	tc_us_t now = clock_now_us();

	srv->c.restarts++;
	plc_restart(srv->plc, now, window);
	events_add(srv->ev, now, SIM_EV_RESTART, 0, 0, window, "%s", reason);
	if (srv->listener != NULL) {
		listener_pause(srv->listener, 1);
		if (window > 0) {
			/*
			 * Peers already waiting in the backlog keep their
			 * place: take them over before the port closes.
			 */
			listener_drain(srv->listener, server_accept_cb, srv);
			listener_close(srv->listener);
			srv->listener = NULL;
		}
	}
	sim_timer_start(srv->relisten, plc_relisten_at(srv->plc) - now);
}

static uint64_t
server_tick_timer(void *arg)
{
	struct sim_server *srv = arg;
	struct sim_conn *c, *next;
	tc_us_t now = clock_now_us(), silent, cycle, t;
	int due;

	cycle = plc_config(srv->plc)->cycle_us;
	due = plc_cycle_due(srv->plc, now);
	for (c = srv->head; c != NULL; c = next) {
		next = c->next;
		if (c->state != CONN_SERVED)
			continue;
		/*
		 * At cycle 0 stations run on input and on drained output; the
		 * tick also runs what neither woke (a frame left in flight by
		 * a change of cycle, an output bound freed by a hook).
		 */
		if (cycle == 0)
			conn_run(c, now);
		else if (due)
			conn_step(c, now);
		if (c->state == CONN_SERVED &&
		    plc_station_timed_out(c->st, now)) {
			srv->c.timeouts++;
			conn_end(c, "receive timeout", SESSION_CLOSE_FIN);
		}
	}
	events_tick(srv->ev, now);
	if (lifemon_watchdog(&srv->lm, &srv->wd, now, srv->cfg.watchdog_us,
	    &silent)) {
		events_add(srv->ev, now, SIM_EV_WATCHDOG, 0, 0, silent, NULL);
		if (srv->hooks.watchdog != NULL)
			srv->hooks.watchdog(srv->hooks_arg, silent, now);
	}
	if (cycle == 0)
		return SERVER_IDLE_TICK_US;
	t = clock_now_us();
	return plc_next_cycle(srv->plc, t) - t;
}

static unsigned
server_auto_max_open(unsigned max_clients)
{
	struct rlimit rl;
	rlim_t want, fds;

	/* Use what the hard limit allows, then leave room for the rest. */
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return max_clients + 128;
	want = (rlim_t)max_clients + 128 + 32;
	if (rl.rlim_cur < want && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max == RLIM_INFINITY ? want :
		    (want < rl.rlim_max ? want : rl.rlim_max);
		(void)setrlimit(RLIMIT_NOFILE, &rl);
		(void)getrlimit(RLIMIT_NOFILE, &rl);
	}
	fds = rl.rlim_cur > 64 ? rl.rlim_cur - 32 : 32;
	if ((rlim_t)max_clients + 128 < fds)
		fds = (rlim_t)max_clients + 128;
	return (unsigned)fds;
}

struct sim_server *
server_new(struct sim_loop *loop, const struct sim_server_config *cfg,
    struct sim_events *events, char *err, size_t errlen)
{
	struct sim_server *srv;
	struct plc_config pc;
	tc_us_t now = clock_now_us();

	if (!wire_length_valid((long)cfg->length_bits)) {
		snprintf(err, errlen, "bad frame length %u", cfg->length_bits);
		return NULL;
	}
	if ((srv = calloc(1, sizeof *srv)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	srv->loop = loop;
	srv->cfg = *cfg;
	if (srv->cfg.max_clients == 0)
		srv->cfg.max_clients = 1;
	if (srv->cfg.max_open == 0)
		srv->cfg.max_open = server_auto_max_open(srv->cfg.max_clients);
	if (srv->cfg.backlog <= 0)
		srv->cfg.backlog = 128;
	srv->ev = events;
	srv->next_id = 1;
	srv->start = now;
	lifemon_stats_reset(&srv->lm);
	memset(&pc, 0, sizeof pc);
	pc.cycle_us = cfg->cycle_us;
	pc.frame_len = cfg->length_bits / 8;
	pc.max_clients = srv->cfg.max_clients;
	pc.relisten_us = cfg->relisten_us;
	pc.recv_timeout_us = cfg->recv_timeout_us;
	srv->plc = plc_new(&pc, now);
	srv->tick = sim_timer_new(loop, server_tick_timer, srv);
	srv->relisten = sim_timer_new(loop, server_relisten_timer, srv);
	srv->reap = sim_timer_new(loop, server_reap_timer, srv);
	if (srv->plc == NULL || srv->tick == NULL || srv->relisten == NULL ||
	    srv->reap == NULL) {
		snprintf(err, errlen, "out of memory");
		server_free(srv);
		return NULL;
	}
	srv->listener = listener_open(loop, cfg->host, cfg->port,
	    srv->cfg.backlog, server_accept_cb, srv, err, errlen);
	if (srv->listener == NULL) {
		server_free(srv);
		return NULL;
	}
	/* Re-listening after the error path binds the same port. */
	srv->cfg.port = listener_port(srv->listener);
	snprintf(srv->address, sizeof srv->address, "%s",
	    listener_address(srv->listener));
	events_add(srv->ev, now, SIM_EV_LISTEN, 0, 0, 0, "%s", srv->address);
	listener_pause(srv->listener, 0);
	sim_timer_start(srv->tick, cfg->cycle_us > 0 ?
	    plc_next_cycle(srv->plc, now) - now : SERVER_IDLE_TICK_US);
	return srv;
}

void
server_stop(struct sim_server *srv)
{
	struct sim_conn *c;

	if (srv->stopping)
		return;
	srv->stopping = 1;
	for (c = srv->head; c != NULL; c = c->next)
		conn_end(c, "shutdown", SESSION_CLOSE_FIN);
	if (srv->listener != NULL)
		listener_pause(srv->listener, 1);
	/* The counts of a flood of those lines, before the outputs close. */
	events_flush(srv->ev, clock_now_us());
}

void
server_free(struct sim_server *srv)
{
	if (srv == NULL)
		return;
	server_stop(srv);
	while (srv->lingering != NULL)
		linger_free(srv, srv->lingering);
	server_reap_timer(srv);
	listener_close(srv->listener);
	sim_timer_free(srv->tick);
	sim_timer_free(srv->relisten);
	sim_timer_free(srv->reap);
	plc_free(srv->plc);
	free(srv);
}

void
server_set_hooks(struct sim_server *srv, const struct sim_hooks *hooks,
    void *arg)
{
	if (hooks != NULL)
		srv->hooks = *hooks;
	else
		memset(&srv->hooks, 0, sizeof srv->hooks);
	srv->hooks_arg = arg;
}

const char *
server_address(const struct sim_server *srv)
{
	return srv->address;
}

uint16_t
server_port(const struct sim_server *srv)
{
	return srv->cfg.port;
}

void
server_restart(struct sim_server *srv, tc_us_t window, int drop_clients,
    const char *reason)
{
	struct sim_conn *c;

	if (drop_clients) {
		srv->quiet_restart = 1;
		for (c = srv->head; c != NULL; c = c->next)
			if (c->state == CONN_SERVED)
				conn_end(c, reason, SESSION_CLOSE_FIN);
		srv->quiet_restart = 0;
	}
	server_error_path(srv, window, reason);
}

void
server_set_cycle(struct sim_server *srv, tc_us_t cycle_us)
{
	tc_us_t now = clock_now_us();

	/* The same cycle again keeps its grid. */
	if (cycle_us == plc_config(srv->plc)->cycle_us)
		return;
	plc_set_cycle(srv->plc, cycle_us, now);
	/* At cycle 0 stations run on input: the next tick runs what a task
	 * cycle left in flight. */
	sim_timer_start(srv->tick, cycle_us > 0 ?
	    plc_next_cycle(srv->plc, now) - now : 0);
}

void
server_status(const struct sim_server *srv, tc_us_t now, struct status *out)
{
	static const enum status_watchdog wd[] = {
		[LIFEMON_WD_OFF] = STATUS_WD_OFF,
		[LIFEMON_WD_IDLE] = STATUS_WD_IDLE,
		[LIFEMON_WD_ARMED] = STATUS_WD_ARMED,
		[LIFEMON_WD_FIRED] = STATUS_WD_FIRED,
	};

	out->uptime = now > srv->start ? now - srv->start : 0;
	out->link = srv->served > 0 ? STATUS_LINK_UP :
	    plc_state(srv->plc) == PLC_RESTART ? STATUS_LINK_RESTARTING :
	    STATUS_LINK_DOWN;
	out->clients = srv->served;
	out->connections = srv->c.connections;
	out->disconnects = srv->c.disconnects;
	out->frames = srv->c.frames;
	out->echoes = srv->c.echoes;
	out->edges = srv->lm.edges;
	out->have_interval = srv->lm.intervals.count > 0;
	out->last_interval = srv->lm.last_interval;
	out->watchdog = wd[lifemon_watchdog_state(&srv->wd, now,
	    srv->cfg.watchdog_us, &out->watchdog_t)];
	out->watchdog_timeout = srv->cfg.watchdog_us;
	out->watchdogs = srv->lm.watchdogs;
}

void
server_cycle_stats(const struct sim_server *srv, struct plc_cycle_stats *out)
{
	plc_cycle_stats(srv->plc, out);
}

/* "cycle:": how late the task cycle ran; plainly nothing with cycle 0. */
static void
server_cycle_text(const struct plc_cycle_stats *cs, FILE *out)
{
	char d[5][32];

	format_duration(cs->cycle_us, d[0], sizeof d[0]);
	fprintf(out, "cycle: cycle=%s ticks=%llu skipped=%llu", d[0],
	    (unsigned long long)cs->ticks, (unsigned long long)cs->skipped);
	if (cs->ticks == 0) {
		fputs(cs->cycle_us == 0 ? " (no task cycle: every frame is "
		    "answered at once, so nothing runs late)\n" :
		    " (no task cycle has run yet)\n", out);
		return;
	}
	format_duration(cs->late_p50_us, d[1], sizeof d[1]);
	format_duration(cs->late_p99_us, d[2], sizeof d[2]);
	format_duration(cs->late_max_us, d[3], sizeof d[3]);
	format_duration(cs->stall_max_us, d[4], sizeof d[4]);
	fprintf(out, " late_p50=%s late_p99=%s late_max=%s stall_max=%s\n",
	    d[1], d[2], d[3], d[4]);
}

/* The same as a JSON member; the lateness is null when no task ran. */
static size_t
server_cycle_json(const struct plc_cycle_stats *cs, char *out, size_t len)
{
	int n;

	if (cs->ticks == 0)
		n = snprintf(out, len, ",\"cycle\":{\"cycle_us\":%llu,"
		    "\"ticks\":0,\"skipped\":%llu,\"late_p50_us\":null,"
		    "\"late_p99_us\":null,\"late_max_us\":null,"
		    "\"stall_max_us\":null}",
		    (unsigned long long)cs->cycle_us,
		    (unsigned long long)cs->skipped);
	else
		n = snprintf(out, len, ",\"cycle\":{\"cycle_us\":%llu,"
		    "\"ticks\":%llu,\"skipped\":%llu,\"late_p50_us\":%llu,"
		    "\"late_p99_us\":%llu,\"late_max_us\":%llu,"
		    "\"stall_max_us\":%llu}",
		    (unsigned long long)cs->cycle_us,
		    (unsigned long long)cs->ticks,
		    (unsigned long long)cs->skipped,
		    (unsigned long long)cs->late_p50_us,
		    (unsigned long long)cs->late_p99_us,
		    (unsigned long long)cs->late_max_us,
		    (unsigned long long)cs->stall_max_us);
	return n < 0 ? 0 : (size_t)n;
}

void
server_summary(struct sim_server *srv, FILE *out)
{
	const struct hist *h = &srv->lm.intervals;
	struct plc_cycle_stats cs;
	tc_us_t dur = clock_now_us() - srv->start;
	char d[5][32], json[2048];
	size_t n = 0;

	/* Events folded in a flood are counted before the summary. */
	events_flush(srv->ev, srv->start + dur);
	format_duration(dur, d[0], sizeof d[0]);
	fprintf(out, "summary: duration=%s", d[0]);
#define SIM_COUNTER_PRINT(name, text) \
	fprintf(out, " %s=%llu", #name, (unsigned long long)srv->c.name);
	SIM_COUNTERS(SIM_COUNTER_PRINT)
#undef SIM_COUNTER_PRINT
	fputc('\n', out);
	format_duration((tc_us_t)hist_mean(h), d[1], sizeof d[1]);
	format_duration(hist_quantile(h, 0.5), d[2], sizeof d[2]);
	format_duration(hist_quantile(h, 0.99), d[3], sizeof d[3]);
	format_duration(h->max, d[4], sizeof d[4]);
	fprintf(out, "lifebit: frames=%llu edges=%llu rising=%llu "
	    "falling=%llu intervals=%llu mean=%s p50=%s p99=%s max=%s "
	    "watchdog=%llu\n",
	    (unsigned long long)srv->lm.frames,
	    (unsigned long long)srv->lm.edges,
	    (unsigned long long)srv->lm.rising,
	    (unsigned long long)srv->lm.falling,
	    (unsigned long long)h->count, d[1], d[2], d[3], d[4],
	    (unsigned long long)srv->lm.watchdogs);
	plc_cycle_stats(srv->plc, &cs);
	server_cycle_text(&cs, out);
	fflush(out);

	n += (size_t)snprintf(json + n, sizeof json - n,
	    "{\"t\":%llu.%06llu,\"event\":\"summary\",\"duration_us\":%llu",
	    (unsigned long long)(dur / TC_US_PER_SEC),
	    (unsigned long long)(dur % TC_US_PER_SEC),
	    (unsigned long long)dur);
#define SIM_COUNTER_JSON(name, text)					\
	if (n < sizeof json)						\
		n += (size_t)snprintf(json + n, sizeof json - n,	\
		    ",\"%s\":%llu", #name,				\
		    (unsigned long long)srv->c.name);
	SIM_COUNTERS(SIM_COUNTER_JSON)
#undef SIM_COUNTER_JSON
	if (n < sizeof json)
		n += server_cycle_json(&cs, json + n, sizeof json - n);
	if (n < sizeof json)
		snprintf(json + n, sizeof json - n,
		    ",\"lifebit\":{\"frames\":%llu,\"edges\":%llu,"
		    "\"intervals\":%llu,\"mean_us\":%llu,\"p50_us\":%llu,"
		    "\"p99_us\":%llu,\"max_us\":%llu,\"watchdogs\":%llu},"
		    "\"events_dropped\":%llu}",
		    (unsigned long long)srv->lm.frames,
		    (unsigned long long)srv->lm.edges,
		    (unsigned long long)h->count,
		    (unsigned long long)hist_mean(h),
		    (unsigned long long)hist_quantile(h, 0.5),
		    (unsigned long long)hist_quantile(h, 0.99),
		    (unsigned long long)h->max,
		    (unsigned long long)srv->lm.watchdogs,
		    (unsigned long long)events_dropped(srv->ev));
	events_json_raw(srv->ev, json);
}

unsigned
sim_conn_id(const struct sim_conn *conn)
{
	return conn->id;
}

tc_us_t
sim_conn_arrived(const struct sim_conn *conn)
{
	return conn->arrived;
}

int
sim_conn_send(struct sim_conn *conn, const uint8_t *data, size_t len)
{
	if (conn->state != CONN_SERVED)
		return -1;
	return session_queue(conn->s, data, len);
}

void
sim_conn_drop(struct sim_conn *conn, const char *reason,
    enum session_close how)
{
	conn_end(conn, reason, how);
}

void
sim_conn_hold(struct sim_conn *conn)
{
	if (conn->state == CONN_SERVED)
		session_pause(conn->s, SIM_READ | SIM_WRITE);
}

void
sim_conn_release(struct sim_conn *conn)
{
	if (conn->state == CONN_SERVED)
		session_resume(conn->s, SIM_READ | SIM_WRITE);
}

void
sim_conn_vanish(struct sim_conn *conn)
{
	if (conn->state == CONN_SERVED)
		session_discard(conn->s);
}

int
sim_conn_peer_gone(const struct sim_conn *conn)
{
	return conn->state != CONN_SERVED || session_peer_gone(conn->s);
}

void
sim_conn_plc_hold(struct sim_conn *conn, tc_us_t until)
{
	if (conn->up != NULL && until > conn->plc_hold_until)
		conn->plc_hold_until = until;
}

unsigned
sim_conn_plc_refusals(const struct sim_conn *conn)
{
	return conn->up != NULL ? upstream_refusals(conn->up) : 0;
}

size_t
sim_conn_plc_owed(const struct sim_conn *conn, tc_us_t *oldest)
{
	if (conn->relay == NULL || conn->plc_ended ||
	    relay_inflight(conn->relay) == 0)
		return 0;
	*oldest = relay_oldest(conn->relay);
	return relay_inflight(conn->relay);
}

const char *
server_listen_error(const struct sim_server *srv)
{
	return srv->listen_failures > 0 ? srv->listen_error : NULL;
}
