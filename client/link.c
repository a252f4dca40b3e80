/* link: whole frames over a stream, with deadlines; see link.h. */
#include <errno.h>
#include <string.h>

#include "link.h"
#include "wire.h"

const char *
link_result_name(enum link_result r)
{
	switch (r) {
	case LINK_OK:      return "ok";
	case LINK_TIMEOUT: return "timeout";
	case LINK_CLOSED:  return "closed by peer";
	case LINK_EXTRA:   return "unexpected bytes";
	case LINK_ERROR:   return "socket error";
	case LINK_STOPPED: return "stopping";
	}
	return "?";
}

/* Maps a wait that did not report readiness to a result. */
static enum link_result
link_wait_result(int w)
{
	if (w == 0)
		return LINK_TIMEOUT;
	return errno == ECANCELED ? LINK_STOPPED : LINK_ERROR;
}

enum link_result
link_send_all(const struct link_ops *ops, void *io, const uint8_t *buf,
    size_t len, tc_us_t deadline)
{
	size_t done = 0;
	ssize_t n;
	int w;

	while (done < len) {
		n = ops->send(io, buf + done, len - done);
		if (n > 0) {
			done += (size_t)n;
			continue;
		}
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK &&
		    errno != EINTR)
			return errno == EPIPE || errno == ECONNRESET ?
			    LINK_CLOSED : LINK_ERROR;
		w = ops->wait(io, LINK_WAIT_WRITE, deadline);
		if (w != 1)
			return link_wait_result(w);
	}
	return LINK_OK;
}

enum link_result
link_await_echo(const struct link_ops *ops, void *io, uint8_t *echo,
    size_t len, tc_us_t deadline, size_t *extra, uint64_t *first_stamp_ns)
{
	/* Room for more than one echo, so that a merged one is seen at once. */
	uint8_t buf[2 * WIRE_MAX_BYTES];
	size_t have = 0;
	ssize_t n;

	if (extra != NULL)
		*extra = 0;
	if (first_stamp_ns != NULL)
		*first_stamp_ns = 0;
	while (have < len) {
		n = ops->recv_wait(io, buf + have, sizeof buf - have, deadline,
		    have == 0 ? first_stamp_ns : NULL);
		if (n > 0) {
			have += (size_t)n;
			continue;
		}
		if (n == 0)
			return LINK_CLOSED;
		switch (errno) {
		case EAGAIN:		return LINK_TIMEOUT;
		case ECANCELED:		return LINK_STOPPED;
		case ECONNRESET:	return LINK_CLOSED;
		default:		return LINK_ERROR;
		}
	}
	memcpy(echo, buf, len);
	if (have > len) {
		if (extra != NULL)
			*extra = have - len;
		return LINK_EXTRA;
	}
	return LINK_OK;
}

void
link_clocks_read(struct link_clocks *c)
{
	c->wall_before_ns = clock_wall_ns();
	c->mono_us = clock_now_us();
	c->wall_after_ns = clock_wall_ns();
}

/*
 * Whether the wall clock moved with the monotonic one from `a` to `b`: by
 * as much, to within 2 us (the monotonic one is read in us), 500 ppm of
 * the time between (a slew) and how far apart each pair of wall readings
 * was.
 */
static int
link_clocks_steady(const struct link_clocks *a, const struct link_clocks *b)
{
	int64_t mono = (int64_t)(b->mono_us - a->mono_us);
	int64_t bound = 2 + mono / 2000, lo, hi;

	/* How much more the wall clock moved, at least and at most. */
	lo = (int64_t)(b->wall_before_ns / 1000) -
	    (int64_t)(a->wall_after_ns / 1000) - mono;
	hi = (int64_t)(b->wall_after_ns / 1000) -
	    (int64_t)(a->wall_before_ns / 1000) - mono;
	return lo <= bound && hi >= -bound;
}

enum link_stamp
link_stamp_judge(uint64_t stamp_ns, const struct link_clocks *last,
    const struct link_clocks *sent, const struct link_clocks *read)
{
	if (stamp_ns == 0)
		return LINK_STAMP_NONE;
	/* Each stretch on its own, so that the exchange, often far shorter
	 * than the wait before it, is held to its own 500 ppm. */
	if (!link_clocks_steady(last, sent) || !link_clocks_steady(sent, read))
		return LINK_STAMP_UNSURE;
	if (stamp_ns + LINK_STAMP_SLACK_NS < last->wall_before_ns ||
	    stamp_ns > read->wall_after_ns)
		return LINK_STAMP_FOREIGN;
	/* The send came after the last wall reading before it. */
	return stamp_ns < sent->wall_after_ns ? LINK_STAMP_BEFORE :
	    LINK_STAMP_AFTER;
}

enum link_result
link_check_quiet(const struct link_ops *ops, void *io, size_t *extra)
{
	uint8_t buf[WIRE_MAX_BYTES];
	ssize_t n;

	if (extra != NULL)
		*extra = 0;
	n = ops->recv(io, buf, sizeof buf);
	if (n > 0) {
		if (extra != NULL)
			*extra = (size_t)n;
		return LINK_EXTRA;
	}
	if (n == 0)
		return LINK_CLOSED;
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
		return LINK_OK;
	return errno == ECONNRESET ? LINK_CLOSED : LINK_ERROR;
}
