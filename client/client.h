/*
 * client: the inside of a running tcpcom client, shared by tcpcom.c (its
 * life cycle), sender.c and toggler.c. Not installed: users see tcpcom.h.
 *
 * Ownership: tcpcom_new makes everything here; tcpcom_free releases it.
 * Threads: `cfg` and `t0_us` are written before the threads start
 * and only read after, and so are `on_echo` and `on_echo_arg`; `lifebit`,
 * `stats`, `data` and `last` have their own locks; `stopping` is atomic;
 * the pipes are written with single write(2)s. The sender holds a
 * reference of its own: a sender left in a name lookup at tcpcom_join is
 * detached, and frees the client if it ends last.
 */
#ifndef TCPCOM_CLIENT_H
#define TCPCOM_CLIENT_H

#include <pthread.h>
#include <stdatomic.h>

#include "lifebit.h"
#include "payload.h"
#include "sock.h"
#include "stats.h"
#include "tcpcom.h"

struct tcpcom {
	struct tcpcom_config cfg;
	tc_us_t		     t0_us;	/* both schedules start here */

	atomic_int	     stopping;
	atomic_int	     resolving;	/* the sender is in getaddrinfo */
	atomic_int	     refs;	/* the caller's, and a running sender's:
					   the last one frees */
	int		     stop_pipe[2];	/* readable once stopping */
	int		     toggle_pipe[2];	/* --send-on-toggle wake-ups */

	struct lifebit	     lifebit;
	struct stats	     stats;
	struct payload_data  data;	/* tcpcom_set_data */

	pthread_mutex_t	     last_lock;
	struct tcpcom_echo   last;	/* the last exchange, under last_lock */
	tcpcom_echo_fn	     on_echo;
	void		    *on_echo_arg;
	int		     locks;	/* data and last_lock initialised */

	pthread_t	     sender;
	pthread_t	     toggler;
	int		     threads;	/* how many were started */
};

void *sender_main(void *arg);

/* Drops a reference to `tc`; the last one frees it. The sender's last act. */
void client_release(struct tcpcom *tc);
void *toggler_main(void *arg);

/* The sender: records exchange `e` as the last and calls the callback. */
void client_echo_done(struct tcpcom *tc, const struct tcpcom_echo *e);

/* The calling thread (sender or toggler) names itself in the log, queues
 * its log lines and asks for high timer precision (Linux timer slack). */
void client_thread_setup(const char *name);

/*
 * Writes out queued log lines as far as stderr takes them without blocking;
 * the link's threads call it between frames. tcpcom_join waits up to
 * CLIENT_LOG_JOIN_US for the last ones.
 */
void client_log_flush(void);
#define CLIENT_LOG_JOIN_US (200 * TC_US_PER_MS)

#endif
