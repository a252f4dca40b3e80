/* loop: libevent behind a small interface; see loop.h. */
#include <errno.h>
#include <stdlib.h>
#include <sys/time.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "log.h"
#include "loop.h"

struct sim_loop {
	struct event_base *base;
};

struct sim_watch {
	struct sim_loop *loop;
	struct event	*ev;
	int		 fd;
	int		 what;
	sim_watch_cb	 cb;
	void		*arg;
};

struct sim_timer {
	struct event_base *base;
	struct event	*ev;
	tc_us_t		 deadline;	/* on clock_now_us()'s clock */
	sim_timer_cb	 cb;
	void		*arg;
};

struct sim_signal {
	struct event	*ev;
	sim_signal_cb	 cb;
	void		*arg;
};

struct sim_buf {
	struct evbuffer *eb;
};

static void
loop_log_cb(int severity, const char *msg)
{
	switch (severity) {
	case EVENT_LOG_ERR:
		log_error("libevent: %s", msg);
		break;
	case EVENT_LOG_WARN:
		log_warn("libevent: %s", msg);
		break;
	default:
		log_debug("libevent: %s", msg);
		break;
	}
}

static struct timeval
loop_tv(uint64_t us)
{
	struct timeval tv;

	tv.tv_sec = (time_t)(us / TC_US_PER_SEC);
	tv.tv_usec = (suseconds_t)(us % TC_US_PER_SEC);
	return tv;
}

struct sim_loop *
sim_loop_new(void)
{
	struct sim_loop *loop;
	struct event_config *cfg;

	event_set_log_callback(loop_log_cb);
	if ((loop = calloc(1, sizeof *loop)) == NULL)
		return NULL;
	if ((cfg = event_config_new()) == NULL) {
		free(loop);
		return NULL;
	}
	/*
	 * One thread: no locks. Timers on the precise monotonic clock: the
	 * default coarse one moves in steps of a few milliseconds, so a 10 ms
	 * task cycle would tick early.
	 */
	event_config_set_flag(cfg, EVENT_BASE_FLAG_NOLOCK |
	    EVENT_BASE_FLAG_PRECISE_TIMER);
	loop->base = event_base_new_with_config(cfg);
	event_config_free(cfg);
	if (loop->base == NULL) {
		free(loop);
		return NULL;
	}
	return loop;
}

void
sim_loop_free(struct sim_loop *loop)
{
	if (loop == NULL)
		return;
	event_base_free(loop->base);
	free(loop);
}

int
sim_loop_run(struct sim_loop *loop)
{
	return event_base_dispatch(loop->base) < 0 ? -1 : 0;
}

void
sim_loop_stop(struct sim_loop *loop)
{
	event_base_loopbreak(loop->base);
}

struct event_base *
sim_loop_base(struct sim_loop *loop)
{
	return loop->base;
}

static void
watch_event_cb(evutil_socket_t fd, short events, void *arg)
{
	struct sim_watch *w = arg;
	int ready = 0;

	if (events & EV_READ)
		ready |= SIM_READ;
	if (events & EV_WRITE)
		ready |= SIM_WRITE;
	w->cb((int)fd, ready, w->arg);
}

struct sim_watch *
sim_watch_new(struct sim_loop *loop, int fd, sim_watch_cb cb, void *arg)
{
	struct sim_watch *w;

	if ((w = calloc(1, sizeof *w)) == NULL)
		return NULL;
	w->loop = loop;
	w->fd = fd;
	w->cb = cb;
	w->arg = arg;
	return w;
}

void
sim_watch_set(struct sim_watch *w, int what)
{
	short flags = EV_PERSIST;

	if (w->what == what)
		return;
	if (w->ev == NULL) {
		w->ev = event_new(w->loop->base, w->fd, EV_READ | EV_PERSIST,
		    watch_event_cb, w);
		if (w->ev == NULL) {
			log_error("cannot watch fd %d: out of memory", w->fd);
			return;
		}
	} else
		event_del(w->ev);
	w->what = what;
	if (what == 0)
		return;
	if (what & SIM_READ)
		flags |= EV_READ;
	if (what & SIM_WRITE)
		flags |= EV_WRITE;
	/* The event is not pending here, so it may be assigned again. */
	event_assign(w->ev, w->loop->base, w->fd, flags, watch_event_cb, w);
	if (event_add(w->ev, NULL) != 0) {
		log_error("cannot watch fd %d", w->fd);
		w->what = 0;
	}
}

void
sim_watch_free(struct sim_watch *w)
{
	if (w == NULL)
		return;
	if (w->ev != NULL)
		event_free(w->ev);
	free(w);
}

/* Arms the libevent timer for what is left until t->deadline. */
static void
timer_arm(struct sim_timer *t, tc_us_t now)
{
	struct timeval tv = loop_tv(t->deadline > now ? t->deadline - now : 0);

	evtimer_add(t->ev, &tv);
}

static void
timer_event_cb(evutil_socket_t fd, short events, void *arg)
{
	struct sim_timer *t = arg;
	tc_us_t now = clock_now_us();
	uint64_t next;

	(void)fd;
	(void)events;
	/*
	 * Never early, whatever libevent's clock did: a task cycle that ran
	 * before its boundary would run twice for it.
	 */
	if (now < t->deadline) {
		timer_arm(t, now);
		return;
	}
	next = t->cb(t->arg);
	if (next != SIM_TIMER_STOP)
		sim_timer_start(t, next);
}

struct sim_timer *
sim_timer_new(struct sim_loop *loop, sim_timer_cb cb, void *arg)
{
	struct sim_timer *t;

	if ((t = calloc(1, sizeof *t)) == NULL)
		return NULL;
	t->base = loop->base;
	t->cb = cb;
	t->arg = arg;
	t->ev = evtimer_new(loop->base, timer_event_cb, t);
	if (t->ev == NULL) {
		free(t);
		return NULL;
	}
	return t;
}

void
sim_timer_start(struct sim_timer *t, uint64_t delay_us)
{
	tc_us_t now = clock_now_us();

	t->deadline = delay_us > UINT64_MAX - now ? UINT64_MAX : now + delay_us;
	/*
	 * libevent adds the delay to the time it cached before the callbacks
	 * ran; refresh it, or the timer fires early by as long as they took.
	 */
	event_base_update_cache_time(t->base);
	timer_arm(t, now);
}

void
sim_timer_stop(struct sim_timer *t)
{
	evtimer_del(t->ev);
}

void
sim_timer_free(struct sim_timer *t)
{
	if (t == NULL)
		return;
	event_free(t->ev);
	free(t);
}

static void
signal_event_cb(evutil_socket_t signo, short events, void *arg)
{
	struct sim_signal *s = arg;

	(void)events;
	s->cb((int)signo, s->arg);
}

struct sim_signal *
sim_signal_new(struct sim_loop *loop, int signo, sim_signal_cb cb, void *arg)
{
	struct sim_signal *s;

	if ((s = calloc(1, sizeof *s)) == NULL)
		return NULL;
	s->cb = cb;
	s->arg = arg;
	s->ev = evsignal_new(loop->base, signo, signal_event_cb, s);
	if (s->ev == NULL || evsignal_add(s->ev, NULL) != 0) {
		if (s->ev != NULL)
			event_free(s->ev);
		free(s);
		return NULL;
	}
	return s;
}

void
sim_signal_free(struct sim_signal *s)
{
	if (s == NULL)
		return;
	event_free(s->ev);
	free(s);
}

struct sim_buf *
sim_buf_new(void)
{
	struct sim_buf *b;

	if ((b = calloc(1, sizeof *b)) == NULL)
		return NULL;
	if ((b->eb = evbuffer_new()) == NULL) {
		free(b);
		return NULL;
	}
	return b;
}

void
sim_buf_free(struct sim_buf *b)
{
	if (b == NULL)
		return;
	evbuffer_free(b->eb);
	free(b);
}

size_t
sim_buf_len(const struct sim_buf *b)
{
	return evbuffer_get_length(b->eb);
}

int
sim_buf_add(struct sim_buf *b, const void *data, size_t len)
{
	return evbuffer_add(b->eb, data, len) == 0 ? 0 : -1;
}

ssize_t
sim_buf_write_fd(struct sim_buf *b, int fd, size_t max)
{
	int n;

	if (evbuffer_get_length(b->eb) == 0)
		return 0;
	n = evbuffer_write_atmost(b->eb, fd, max == 0 ? -1 : (ev_ssize_t)max);
	return n < 0 ? -1 : (ssize_t)n;
}

const char *
sim_loop_library_version(void)
{
	return event_get_version();
}
