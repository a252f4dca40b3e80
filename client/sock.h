/*
 * sock: the real TCP side of a link: name resolution, connect with a
 * timeout, the socket options of a control link, and the link_ops that
 * link.c uses. Every poll here also watches `stop_fd` (the read end of the
 * client's stop pipe), so that stopping interrupts it at once; a read that
 * waits for an echo looks at `stopping` every 10 ms (see sock.c).
 * Errors are returned (and described in `err`), never logged.
 */
#ifndef TCPCOM_SOCK_H
#define TCPCOM_SOCK_H

#include <poll.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "clock.h"
#include "link.h"

struct sock {
	int fd;		/* -1 when closed */
	int stop_fd;	/* readable once the client is stopping */
	/* Optional (NULL: none): set while getaddrinfo runs, which nothing
	 * interrupts, and the client's stop request, checked after setting
	 * it; tcpcom_join reads them the other way round (see tcpcom.c). */
	atomic_int *resolving;
	const atomic_int *stopping;
	int sliced;	/* reads that wait block in slices (sock.c) */
};

struct sock_addr {
	struct sockaddr_storage ss;
	socklen_t len;
	char text[64];	/* "192.0.2.1:5050" or "[::1]:5050" */
};

extern const struct link_ops sock_link_ops;	/* io is a struct sock * */

/*
 * Whether `host` can be a server at all: an IPv4 or IPv6 address, or a name
 * of letters, digits, '-', '_' and '.' (labels of 1 to 63, 253 in all).
 * Whether the name resolves is for each connect to find out. 0, or -1 and
 * `err`.
 */
int sock_host_check(const char *host, char *err, size_t errlen);

/* Why sock_connect_host failed. */
enum sock_fail {
	SOCK_FAIL_NONE = 0,
	SOCK_FAIL_RESOLVE,	/* the name has no address now */
	SOCK_FAIL_CONNECT,	/* no address took the connection */
	SOCK_FAIL_STOP		/* the client is stopping */
};

/*
 * Resolves host and port afresh and tries each address in turn until one
 * connects, all before `deadline` (a silent address leaves time for the
 * rest); then as sock_connect. `out` names the address connected to, or
 * the last one tried. 0, or -1 with `*why`, `err` and errno (ECONNREFUSED
 * when every address refused; ECANCELED when stopping, also when the stop
 * came during the lookup).
 */
int sock_connect_host(struct sock *s, const char *host, uint16_t port,
    tc_us_t deadline, tc_us_t user_timeout_us, struct sock_addr *out,
    enum sock_fail *why, char *err, size_t errlen);

/*
 * Connects before `deadline` and sets TCP_NODELAY, keepalive and
 * TCP_USER_TIMEOUT (user_timeout_us) so that a dead peer is noticed even
 * when no echo is pending. 0, or -1 with `err` (errno ECANCELED when the
 * client is stopping).
 */
int sock_connect(struct sock *s, const struct sock_addr *addr,
    tc_us_t deadline, tc_us_t user_timeout_us, char *err, size_t errlen);

void sock_close(struct sock *s);

/*
 * Waits for `events` on `fd` (or only for time when fd is -1), the stop pipe
 * or the absolute `deadline`, whichever comes first: 1 fd ready, 0 deadline,
 * -1 stopping (errno ECANCELED) or error.
 */
int sock_wait(int fd, short events, int stop_fd, tc_us_t deadline);

/*
 * Sleeps until the absolute `deadline` with microsecond precision, unless
 * `wake_fd` (may be -1) becomes readable or the client stops: 0 deadline,
 * 1 wake_fd readable, -1 stopping (errno ECANCELED).
 */
int sock_sleep_until(int wake_fd, int stop_fd, tc_us_t deadline);

#endif
