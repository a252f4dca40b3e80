/*
 * relay: the frames a proxy carries between a client and the real PLC, and
 * the PLC's echoes of them, decided without a socket or a clock.
 *
 * Upward, the client's byte stream is cut into whole frames (the bytes of
 * a frame not yet complete wait here). Each frame handed to the PLC is
 * remembered, with when it left, until its echo comes back. Downward, the
 * PLC's byte stream is cut into echoes; each is paired with the oldest
 * frame in flight: whether it equals that frame and how long the round
 * trip took. An echo with no frame in flight is one the PLC was not asked
 * for.
 *
 * Frames in flight are bounded (RELAY_INFLIGHT_MAX): the caller stops
 * reading the client while relay_full, as a PLC that does not answer
 * stops a client by not answering, so nothing is dropped or forgotten.
 */
#ifndef PLCSIM_RELAY_H
#define PLCSIM_RELAY_H

#include <stddef.h>
#include <stdint.h>

#include "clock.h"
#include "wire.h"

/* Frames sent to the PLC and not echoed yet, at most. */
#define RELAY_INFLIGHT_MAX 64

struct relay_frame {
	uint8_t	bytes[WIRE_MAX_BYTES];
	tc_us_t	sent;		/* when it was handed to the PLC */
};

struct relay {
	size_t		   frame_len;
	struct relay_frame q[RELAY_INFLIGHT_MAX];	/* a ring */
	size_t		   head, n;
	uint8_t		   up[WIRE_MAX_BYTES];	/* a client's frame, in part */
	size_t		   up_have;
	uint8_t		   down[WIRE_MAX_BYTES];	/* a PLC's echo, in part */
	size_t		   down_have;
};

/* One echo from the PLC, whole. */
struct relay_echo {
	uint8_t	echo[WIRE_MAX_BYTES];
	uint8_t	frame[WIRE_MAX_BYTES];	/* what it answers (asked only) */
	size_t	len;
	int	asked;		/* a frame was in flight for it */
	int	matches;	/* asked, and equal to that frame */
	tc_us_t	rtt;		/* from the frame's leaving to now (asked) */
};

void relay_init(struct relay *r, size_t frame_len);

/*
 * Takes client bytes (at most relay_room) towards the next frame. Returns
 * the bytes taken; when a frame became whole, *whole is 1 and frame holds
 * it (call again with the rest).
 */
size_t relay_up(struct relay *r, const uint8_t *data, size_t len,
    uint8_t *frame, int *whole);
/* Client bytes the relay takes now: none while the flight is full. */
size_t relay_room(const struct relay *r);
/* The frame went to the PLC at `now`; -1 when the flight is full. */
int relay_sent(struct relay *r, const uint8_t *frame, tc_us_t now);
int relay_full(const struct relay *r);
/* Frames in flight, and the bytes of a frame or echo only partly come. */
size_t relay_inflight(const struct relay *r);
size_t relay_up_partial(const struct relay *r);
size_t relay_down_partial(const struct relay *r);
/* When the oldest frame in flight left (0 when none is). */
tc_us_t relay_oldest(const struct relay *r);

/*
 * Takes PLC bytes towards the next echo. Returns the bytes taken; when an
 * echo became whole, out->len is the frame length and the rest of *out
 * says what it answers (call again with the rest); otherwise out->len is 0.
 */
size_t relay_down(struct relay *r, const uint8_t *data, size_t len,
    tc_us_t now, struct relay_echo *out);

#endif
