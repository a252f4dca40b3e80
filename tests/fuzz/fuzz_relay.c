/*
 * fuzz_relay: libFuzzer target for the proxy's relay (plcsim/relay.c), the
 * part of plcsim proxy that takes bytes from both peers: a client's cut
 * into frames, a PLC's into echoes paired with the frames in flight.
 *
 * An input is
 *   byte 0    the frame length: 1 + byte % WIRE_MAX_BYTES bytes;
 *   then      steps: one byte, its low bits the step (client bytes, PLC
 *             bytes, the time moves on), its high bits how many bytes the
 *             step takes from the input (1 + n * 3).
 *
 * Every whole client frame goes in flight while there is room, as the
 * proxy sends it; every byte the PLC sends is taken. What it checks: the
 * relay takes every byte it is given, never more than its room upward,
 * keeps at most RELAY_INFLIGHT_MAX frames in flight, and pairs echoes with
 * frames in the order they went: a model of the flight (the frames and
 * their times) is kept beside it and must agree on every echo.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "relay.h"

struct model {
	uint8_t	f[RELAY_INFLIGHT_MAX][WIRE_MAX_BYTES];
	tc_us_t	t[RELAY_INFLIGHT_MAX];
	size_t	head, n;
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct relay r;
	static struct model m;
	struct relay_echo x;
	uint8_t frame[WIRE_MAX_BYTES];
	size_t len, i = 1, n, take, k, room;
	tc_us_t now = 1;
	int whole;

	if (size < 1)
		return 0;
	len = 1 + (size_t)data[0] % WIRE_MAX_BYTES;
	relay_init(&r, len);
	memset(&m, 0, sizeof m);
	while (i < size) {
		unsigned step = data[i] & 3;

		n = 1 + (size_t)(data[i] >> 2) * 3;
		i++;
		if (n > size - i)
			n = size - i;
		switch (step) {
		case 0:		/* the client: what the relay has room for */
			room = relay_room(&r);
			if (n > room)
				n = room;
			for (k = 0; k < n; k += take) {
				take = relay_up(&r, data + i + k, n - k, frame,
				    &whole);
				if (take == 0 || take > n - k)
					abort();
				if (!whole)
					continue;
				if (relay_sent(&r, frame, now) != 0)
					abort();	/* room was given */
				memcpy(m.f[(m.head + m.n) % RELAY_INFLIGHT_MAX],
				    frame, len);
				m.t[(m.head + m.n) % RELAY_INFLIGHT_MAX] = now;
				m.n++;
			}
			break;
		case 1:		/* the PLC: everything */
			for (k = 0; k < n; k += take) {
				take = relay_down(&r, data + i + k, n - k, now,
				    &x);
				if (take == 0 || take > n - k)
					abort();
				if (x.len == 0)
					continue;
				if (x.len != len || x.asked != (m.n > 0))
					abort();
				if (!x.asked)
					continue;
				if (memcmp(x.frame, m.f[m.head], len) != 0 ||
				    x.rtt != now - m.t[m.head] ||
				    x.matches != (memcmp(x.echo, x.frame,
				    len) == 0))
					abort();
				m.head = (m.head + 1) % RELAY_INFLIGHT_MAX;
				m.n--;
			}
			break;
		default:	/* time goes on */
			now += n;
			n = 0;
			break;
		}
		i += n;
		if (relay_inflight(&r) != m.n || m.n > RELAY_INFLIGHT_MAX ||
		    relay_up_partial(&r) >= len ||
		    relay_down_partial(&r) >= len)
			abort();
	}
	return 0;
}
