/*
 * toggler: the second thread of the original, flipping the life bit on its
 * own absolute deadlines, t0 + n * toggle_cycle.
 *
 * Woken late by more than half a toggle cycle (the process was stopped, the
 * machine paused), it flips at once and makes the next flip on the first
 * deadline at least half a toggle cycle and one send cycle away: two flips
 * closer than a send cycle could both fall between two frames, and the PLC
 * would see no edge for a whole cycle. (With --send-on-toggle each flip
 * sends its own frame: half a toggle cycle is enough.)
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "client.h"
#include "log.h"
#include "cycle.h"

void *
toggler_main(void *arg)
{
	struct tcpcom *tc = arg;
	struct cycle sched;
	uint64_t skipped;
	tc_us_t gap = tc->cfg.toggle_cycle_us / 2;
	char one = 1;

	client_thread_setup("toggler");
	if (!tc->cfg.send_on_toggle && gap < tc->cfg.send_cycle_us)
		gap = tc->cfg.send_cycle_us;
	cycle_init(&sched, tc->t0_us, tc->cfg.toggle_cycle_us);
	sched.index = 1;	/* the first flip is one cycle after t0 */
	for (;;) {
		if (sock_sleep_until(-1, tc->stop_pipe[0],
		    cycle_deadline(&sched)) != 0)
			break;	/* stopping */
		skipped = cycle_advance_spaced(&sched, clock_now_us(), gap);
		if (skipped > 0)
			log_warn("toggler %llu cycle(s) late; skipped them",
			    (unsigned long long)skipped);
		lifebit_flip(&tc->lifebit, cycle_deadline(&sched));
		stats_inc(&tc->stats, STAT_toggles);
		if (tc->cfg.send_on_toggle &&
		    write(tc->toggle_pipe[1], &one, 1) < 0 && errno != EAGAIN)
			log_warn("toggler: cannot wake the sender: %s",
			    strerror(errno));
		client_log_flush();
	}
	lifebit_retire(&tc->lifebit);
	return NULL;
}
