/* upstream: the proxy's connection to the real PLC; see upstream.h. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "listener.h"
#include "parse.h"
#include "upstream.h"

/* A refused connect is tried again this often while retry_for lasts. */
#define UPSTREAM_RETRY_US (10 * TC_US_PER_MS)

enum upstream_state {
	UP_CONNECTING = 0,
	UP_RETRYING,	/* refused: tries again on the timer */
	UP_CONNECTED,
	UP_FAILED,	/* the end is being reported */
	UP_CLOSED,
};

struct upstream {
	struct sim_loop		  *loop;
	const struct upstream_ops *ops;
	void			  *arg;
	enum upstream_state	   state;
	int			   fd;		/* while connecting */
	struct sim_watch	  *watch;	/* while connecting */
	struct sim_timer	  *timer;	/* connect timeout; reports */
	struct sim_session	  *s;		/* once connected */
	enum upstream_end	   end;
	tc_us_t			   timeout;	/* to connect */
	const struct upstream_addr *addr;
	tc_us_t			   opened;	/* the first attempt */
	tc_us_t			   retry_for;	/* refusals retried this long */
	unsigned		   refusals;	/* ... so far */
	char			   reason[128];
	char			   local[LISTENER_ADDR_MAX];
};

int
upstream_resolve(const char *text, struct upstream_addr *out, char *err,
    size_t errlen)
{
	struct addrinfo hints, *res;
	char host[256], port[8];
	uint16_t p;
	int rc;

	memset(out, 0, sizeof *out);
	if (parse_host_port(text, host, sizeof host, &p, err, errlen) != 0)
		return -1;
	if (host[0] == '\0' || p == 0) {
		snprintf(err, errlen, "'%s': the PLC's host and port are both "
		    "needed", text);
		return -1;
	}
	snprintf(port, sizeof port, "%u", (unsigned)p);
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if ((rc = getaddrinfo(host, port, &hints, &res)) != 0) {
		snprintf(err, errlen, "cannot resolve '%s': %s", host,
		    gai_strerror(rc));
		return -1;
	}
	memcpy(&out->ss, res->ai_addr, res->ai_addrlen);
	out->len = res->ai_addrlen;
	freeaddrinfo(res);
	listener_format_addr(&out->ss, out->len, out->name, sizeof out->name);
	return 0;
}

static void upstream_attempt(struct upstream *u);

/* Tells the owner, from the loop, how the PLC's side ended. */
static void
upstream_fail(struct upstream *u, enum upstream_end how, const char *reason)
{
	if (u->state == UP_FAILED || u->state == UP_CLOSED)
		return;
	u->state = UP_FAILED;
	u->end = how;
	snprintf(u->reason, sizeof u->reason, "%s", reason);
	sim_timer_start(u->timer, 0);
}

static uint64_t
upstream_timer(void *arg)
{
	struct upstream *u = arg;
	char d[32], why[96];

	if (u->state == UP_RETRYING) {
		u->state = UP_CONNECTING;
		upstream_attempt(u);
		return SIM_TIMER_STOP;
	}
	if (u->state == UP_CONNECTING) {
		snprintf(why, sizeof why, "no answer to connect within %s",
		    format_duration(u->timeout, d, sizeof d));
		sim_watch_free(u->watch);
		u->watch = NULL;
		upstream_fail(u, UPSTREAM_UNREACHABLE, why);
		/* Told on the next turn (a callback never re-arms itself). */
		return 0;
	}
	if (u->state == UP_FAILED) {
		u->state = UP_CLOSED;
		u->ops->failed(u->arg, u->end, u->reason);
	}
	return SIM_TIMER_STOP;
}

static size_t
up_room_cb(struct sim_session *s, void *arg)
{
	struct upstream *u = arg;

	(void)s;
	return u->state == UP_CONNECTED ? u->ops->room(u->arg) : 0;
}

static void
up_input_cb(struct sim_session *s, const uint8_t *data, size_t len, void *arg)
{
	struct upstream *u = arg;

	(void)s;
	if (u->state == UP_CONNECTED)
		u->ops->input(u->arg, data, len);
}

static void
up_drained_cb(struct sim_session *s, void *arg)
{
	struct upstream *u = arg;

	(void)s;
	if (u->state == UP_CONNECTED && u->ops->drained != NULL)
		u->ops->drained(u->arg);
}

static void
up_failed_cb(struct sim_session *s, const char *reason, void *arg)
{
	struct upstream *u = arg;
	char why[128];

	(void)s;
	if (u->state != UP_CONNECTED)
		return;
	/* Already from the loop: told at once. */
	u->state = UP_CLOSED;
	snprintf(why, sizeof why, "%s", reason);
	u->ops->failed(u->arg, strcmp(reason, "peer closed") == 0 ?
	    UPSTREAM_CLOSED : UPSTREAM_RESET, why);
}

static const struct session_ops up_session_ops = {
	.room = up_room_cb,
	.input = up_input_cb,
	.drained = up_drained_cb,
	.failed = up_failed_cb,
};

/*
 * A connect that failed with `err`: a refusal within retry_for of the first
 * attempt is tried again (a PLC in its error path listens again in a few
 * cycles); anything else, or later, is the end.
 */
static void
upstream_refused(struct upstream *u, int err)
{
	char why[128];

	sim_watch_free(u->watch);
	u->watch = NULL;
	if (u->fd >= 0) {
		close(u->fd);
		u->fd = -1;
	}
	if (err == ECONNREFUSED &&
	    clock_now_us() + UPSTREAM_RETRY_US < u->opened + u->retry_for) {
		u->refusals++;
		u->state = UP_RETRYING;
		sim_timer_start(u->timer, UPSTREAM_RETRY_US);
		return;
	}
	snprintf(why, sizeof why, "cannot connect: %s%s", strerror(err),
	    u->refusals > 0 ? " (refused throughout)" : "");
	upstream_fail(u, UPSTREAM_UNREACHABLE, why);
}

/* The connect finished one way or the other. */
static void
upstream_connect_cb(int fd, int ready, void *arg)
{
	struct upstream *u = arg;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	int soerr = 0, one = 1;
	socklen_t len = sizeof soerr;

	(void)ready;
	if (u->state != UP_CONNECTING)
		return;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) != 0)
		soerr = errno;
	if (soerr == EINPROGRESS || soerr == EALREADY)
		return;
	sim_watch_free(u->watch);
	u->watch = NULL;
	sim_timer_stop(u->timer);
	if (soerr != 0) {
		upstream_refused(u, soerr);
		return;
	}
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0)
		listener_format_addr(&ss, sl, u->local, sizeof u->local);
	/* Frames are small and timed: no Nagle delay on the way up. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	u->s = session_create(u->loop, fd, u->local, &up_session_ops, u);
	if (u->s == NULL) {
		upstream_fail(u, UPSTREAM_RESET, "out of memory");
		return;
	}
	u->fd = -1;	/* the session's now */
	u->state = UP_CONNECTED;
	session_start(u->s);
	u->ops->connected(u->arg);
}

/* One attempt to connect; its end comes to upstream_connect_cb. */
static void
upstream_attempt(struct upstream *u)
{
	const struct upstream_addr *addr = u->addr;
	char why[128];
	tc_us_t now;
	int fl;

	u->fd = socket(addr->ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (u->fd < 0 || (fl = fcntl(u->fd, F_GETFL)) < 0 ||
	    fcntl(u->fd, F_SETFL, fl | O_NONBLOCK) != 0) {
		snprintf(why, sizeof why, "cannot make a socket: %s",
		    strerror(errno));
		upstream_fail(u, UPSTREAM_UNREACHABLE, why);
		return;
	}
	if (connect(u->fd, (const struct sockaddr *)&addr->ss, addr->len) != 0
	    && errno != EINPROGRESS) {
		upstream_refused(u, errno);
		return;
	}
	if ((u->watch = sim_watch_new(u->loop, u->fd, upstream_connect_cb, u))
	    == NULL) {
		upstream_fail(u, UPSTREAM_UNREACHABLE, "out of memory");
		return;
	}
	/* Writable once the handshake is done or has failed. */
	sim_watch_set(u->watch, SIM_WRITE);
	now = clock_now_us();
	sim_timer_start(u->timer, now < u->opened + u->timeout ?
	    u->opened + u->timeout - now : 0);
}

struct upstream *
upstream_open(struct sim_loop *loop, const struct upstream_addr *addr,
    tc_us_t timeout, tc_us_t retry_for, const struct upstream_ops *ops,
    void *arg)
{
	struct upstream *u = calloc(1, sizeof *u);

	if (u == NULL)
		return NULL;
	u->loop = loop;
	u->ops = ops;
	u->arg = arg;
	u->fd = -1;
	u->addr = addr;
	u->timeout = timeout;
	u->retry_for = retry_for;
	u->opened = clock_now_us();
	if ((u->timer = sim_timer_new(loop, upstream_timer, u)) == NULL) {
		free(u);
		return NULL;
	}
	upstream_attempt(u);
	return u;
}

void
upstream_close(struct upstream *u, enum session_close how)
{
	if (u == NULL)
		return;
	u->state = UP_CLOSED;
	sim_timer_stop(u->timer);
	sim_watch_free(u->watch);
	u->watch = NULL;
	if (u->fd >= 0) {
		close(u->fd);
		u->fd = -1;
	}
	if (u->s != NULL)
		session_close(u->s, how);
}

void
upstream_free(struct upstream *u)
{
	if (u == NULL)
		return;
	upstream_close(u, SESSION_CLOSE_FIN);
	session_destroy(u->s);
	sim_timer_free(u->timer);
	free(u);
}

int
upstream_connected(const struct upstream *u)
{
	return u->state == UP_CONNECTED;
}

int
upstream_send(struct upstream *u, const uint8_t *data, size_t len)
{
	if (u->state != UP_CONNECTED)
		return -1;
	return session_queue(u->s, data, len);
}

size_t
upstream_out_len(const struct upstream *u)
{
	return u->s != NULL ? session_out_len(u->s) : 0;
}

void
upstream_update(struct upstream *u)
{
	if (u->state == UP_CONNECTED)
		session_update(u->s);
}

void
upstream_set_owner(struct upstream *u, const struct upstream_ops *ops,
    void *arg)
{
	u->ops = ops;
	u->arg = arg;
}

unsigned
upstream_refusals(const struct upstream *u)
{
	return u->refusals;
}

const char *
upstream_local(const struct upstream *u)
{
	return u->local;
}
