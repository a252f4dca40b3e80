/*
 * toggler: the second thread of the original, flipping the life bit on its
 * own absolute deadlines, t0 + n * toggle_cycle.
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
	char one = 1;

	client_thread_setup("toggler");
	cycle_init(&sched, tc->t0_us, tc->cfg.toggle_cycle_us);
	sched.index = 1;	/* the first flip is one cycle after t0 */
	for (;;) {
		if (sock_sleep_until(-1, tc->stop_pipe[0],
		    cycle_deadline(&sched)) != 0)
			break;	/* stopping */
		skipped = cycle_advance(&sched, clock_now_us());
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
