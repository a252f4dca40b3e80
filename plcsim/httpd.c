/* httpd: a small, bounded, read-only HTTP endpoint on evhttp; see httpd.h. */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>

#include "httpd.h"
#include "listener.h"

/*
 * One connection. evhttp tells nobody when it frees a connection, so each
 * one's bufferevent (made here, for evhttp) is held by one more reference:
 * when evhttp frees it, it stays, disabled and without callbacks, until a
 * sweep sees that and lets it go, closing its socket. The count of open
 * connections is the count of these, so it never runs below the sockets
 * open.
 */
struct httpd_conn {
	struct bufferevent *bev;
	struct timeval	    opened;	/* the loop's cached time */
	int		    cut;	/* told it failed: open too long */
	struct httpd_conn  *next;
};

struct sim_httpd {
	struct event_base	   *base;
	struct evhttp		   *http;
	struct evhttp_bound_socket *bound;
	struct event		   *sweep;
	char			    address[LISTENER_ADDR_MAX];
	char			   *path;
	char			   *content_type;
	char			   *buf;	/* body_max bytes */
	size_t			    body_max;
	httpd_body_cb		    body;
	void			   *arg;
	unsigned		    open;
	int			    paused;	/* accepting nothing: full */
	struct httpd_conn	   *conns;
};

static void
httpd_pause(struct sim_httpd *h, int paused)
{
	struct evconnlistener *l = evhttp_bound_socket_get_listener(h->bound);

	if (paused == h->paused || l == NULL)
		return;
	h->paused = paused;
	if (paused)
		evconnlistener_disable(l);
	else
		evconnlistener_enable(l);
}

/* 1 once evhttp has freed the connection (bufferevent_free clears the
 * callbacks; evhttp keeps its error callback set while it lives). */
static int
conn_released(const struct httpd_conn *c)
{
	bufferevent_event_cb eventcb;

	bufferevent_getcb(c->bev, NULL, NULL, &eventcb, NULL);
	return eventcb == NULL;
}

/*
 * Lets go of the connections evhttp has freed, and has evhttp fail those
 * open longer than their lifetime (a peer that trickles its request a byte
 * at a time never goes idle): from the loop, after this, as any failed
 * connection.
 */
static void
httpd_sweep(struct sim_httpd *h)
{
	struct httpd_conn **p = &h->conns, *c;
	struct timeval now, age;

	event_base_gettimeofday_cached(h->base, &now);
	while ((c = *p) != NULL) {
		if (conn_released(c)) {
			*p = c->next;
			bufferevent_decref(c->bev);
			free(c);
			h->open--;
			continue;
		}
		evutil_timersub(&now, &c->opened, &age);
		if (!c->cut && age.tv_sec >= HTTPD_LIFETIME_S) {
			c->cut = 1;
			bufferevent_trigger_event(c->bev, BEV_EVENT_ERROR |
			    BEV_EVENT_READING, BEV_TRIG_DEFER_CALLBACKS);
		}
		p = &c->next;
	}
	httpd_pause(h, h->open >= HTTPD_MAX_CONNS);
}

static void
httpd_sweep_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sim_httpd *h = arg;
	struct timeval again = { 0, HTTPD_SWEEP_MS * 1000 };

	(void)fd;
	(void)what;
	httpd_sweep(h);
	if (h->conns != NULL)
		evtimer_add(h->sweep, &again);
}

/* evhttp accepted a connection and asks for its bufferevent. */
static struct bufferevent *
httpd_new_conn(struct event_base *base, void *arg)
{
	struct sim_httpd *h = arg;
	struct httpd_conn *c;
	struct timeval again = { 0, HTTPD_SWEEP_MS * 1000 };

	/* Without memory for ours, evhttp makes a plain one: served, not
	 * counted, and still closed when idle. */
	if ((c = calloc(1, sizeof *c)) == NULL)
		return NULL;
	c->bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL) {
		free(c);
		return NULL;
	}
	bufferevent_incref(c->bev);
	event_base_gettimeofday_cached(base, &c->opened);
	if (h->conns == NULL)
		evtimer_add(h->sweep, &again);
	c->next = h->conns;
	h->conns = c;
	/* Not swept now: evhttp sets its callbacks once this returns. */
	if (++h->open >= HTTPD_MAX_CONNS)
		httpd_pause(h, 1);
	return c->bev;
}

static void
httpd_request(struct evhttp_request *req, void *arg)
{
	struct sim_httpd *h = arg;
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *path = uri != NULL ? evhttp_uri_get_path(uri) : NULL;
	size_t n;

	if (path == NULL || strcmp(path, h->path) != 0) {
		evhttp_send_error(req, HTTP_NOTFOUND, NULL);
		return;
	}
	n = h->body(h->arg, h->buf, h->body_max);
	if (n >= h->body_max) {
		evhttp_send_error(req, HTTP_INTERNAL, NULL);
		return;
	}
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", h->content_type);
	evbuffer_add(evhttp_request_get_output_buffer(req), h->buf, n);
	evhttp_send_reply(req, HTTP_OK, "OK", NULL);
}

struct sim_httpd *
httpd_open(struct sim_loop *loop, const char *host, uint16_t port,
    const char *path, const char *content_type, size_t body_max,
    httpd_body_cb body, void *arg, char *err, size_t errlen)
{
	struct sim_httpd *h;
	struct sockaddr_storage ss;
	socklen_t sslen = sizeof ss;

	if ((h = calloc(1, sizeof *h)) == NULL ||
	    (h->path = strdup(path)) == NULL ||
	    (h->content_type = strdup(content_type)) == NULL ||
	    (h->buf = malloc(body_max)) == NULL) {
		snprintf(err, errlen, "out of memory");
		httpd_close(h);
		return NULL;
	}
	h->base = sim_loop_base(loop);
	h->body_max = body_max;
	h->body = body;
	h->arg = arg;
	if ((h->http = evhttp_new(h->base)) == NULL ||
	    (h->sweep = evtimer_new(h->base, httpd_sweep_cb, h)) == NULL) {
		snprintf(err, errlen, "cannot create the HTTP server");
		httpd_close(h);
		return NULL;
	}
	evhttp_set_allowed_methods(h->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD);
	evhttp_set_max_headers_size(h->http, HTTPD_MAX_HEADERS);
	evhttp_set_max_body_size(h->http, 1024);
	evhttp_set_timeout(h->http, HTTPD_IDLE_S);
	evhttp_set_bevcb(h->http, httpd_new_conn, h);
	evhttp_set_gencb(h->http, httpd_request, h);
	h->bound = evhttp_bind_socket_with_handle(h->http,
	    host[0] != '\0' ? host : NULL, port);
	if (h->bound == NULL) {
		snprintf(err, errlen, "cannot listen on %s%s%s:%u for the "
		    "metrics", strchr(host, ':') != NULL ? "[" : "", host,
		    strchr(host, ':') != NULL ? "]" : "", (unsigned)port);
		httpd_close(h);
		return NULL;
	}
	if (getsockname(evhttp_bound_socket_get_fd(h->bound),
	    (struct sockaddr *)&ss, &sslen) == 0)
		listener_format_addr(&ss, sslen, h->address,
		    sizeof h->address);
	return h;
}

const char *
httpd_address(const struct sim_httpd *h)
{
	return h->address;
}

unsigned
httpd_open_connections(const struct sim_httpd *h)
{
	return h->open;
}

void
httpd_close(struct sim_httpd *h)
{
	struct httpd_conn *c;

	if (h == NULL)
		return;
	/* evhttp frees its connections; ours are let go after. */
	if (h->http != NULL)
		evhttp_free(h->http);
	while ((c = h->conns) != NULL) {
		h->conns = c->next;
		bufferevent_decref(c->bev);
		free(c);
	}
	if (h->sweep != NULL)
		event_free(h->sweep);
	free(h->path);
	free(h->content_type);
	free(h->buf);
	free(h);
}
