/* relay: frames up, echoes down, paired; see relay.h. */
#include <string.h>

#include "relay.h"

void
relay_init(struct relay *r, size_t frame_len)
{
	memset(r, 0, sizeof *r);
	r->frame_len = frame_len > WIRE_MAX_BYTES ? WIRE_MAX_BYTES :
	    frame_len;
}

size_t
relay_room(const struct relay *r)
{
	if (r->n >= RELAY_INFLIGHT_MAX)
		return 0;
	return (RELAY_INFLIGHT_MAX - r->n) * r->frame_len - r->up_have;
}

size_t
relay_up(struct relay *r, const uint8_t *data, size_t len, uint8_t *frame,
    int *whole)
{
	size_t n = r->frame_len - r->up_have;

	*whole = 0;
	if (n > len)
		n = len;
	memcpy(r->up + r->up_have, data, n);
	r->up_have += n;
	if (r->up_have == r->frame_len) {
		memcpy(frame, r->up, r->frame_len);
		r->up_have = 0;
		*whole = 1;
	}
	return n;
}

int
relay_full(const struct relay *r)
{
	return r->n >= RELAY_INFLIGHT_MAX;
}

int
relay_sent(struct relay *r, const uint8_t *frame, tc_us_t now)
{
	struct relay_frame *f;

	if (relay_full(r))
		return -1;
	f = &r->q[(r->head + r->n) % RELAY_INFLIGHT_MAX];
	memcpy(f->bytes, frame, r->frame_len);
	f->sent = now;
	r->n++;
	return 0;
}

size_t
relay_inflight(const struct relay *r)
{
	return r->n;
}

size_t
relay_up_partial(const struct relay *r)
{
	return r->up_have;
}

size_t
relay_down_partial(const struct relay *r)
{
	return r->down_have;
}

tc_us_t
relay_oldest(const struct relay *r)
{
	return r->n > 0 ? r->q[r->head].sent : 0;
}

size_t
relay_down(struct relay *r, const uint8_t *data, size_t len, tc_us_t now,
    struct relay_echo *out)
{
	size_t n = r->frame_len - r->down_have;
	struct relay_frame *f;

	out->len = 0;
	if (n > len)
		n = len;
	memcpy(r->down + r->down_have, data, n);
	r->down_have += n;
	if (r->down_have < r->frame_len)
		return n;
	r->down_have = 0;
	memset(out, 0, sizeof *out);
	out->len = r->frame_len;
	memcpy(out->echo, r->down, r->frame_len);
	if (r->n == 0)
		return n;
	f = &r->q[r->head];
	r->head = (r->head + 1) % RELAY_INFLIGHT_MAX;
	r->n--;
	out->asked = 1;
	memcpy(out->frame, f->bytes, r->frame_len);
	out->matches = memcmp(out->echo, out->frame, r->frame_len) == 0;
	out->rtt = now > f->sent ? now - f->sent : 0;
	return n;
}
