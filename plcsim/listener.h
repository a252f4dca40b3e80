/*
 * listener: the listening socket. It accepts connections and hands each to
 * a callback; it knows nothing of the PLC model. Errors are returned with a
 * message in the caller's buffer, never printed here.
 */
#ifndef PLCSIM_LISTENER_H
#define PLCSIM_LISTENER_H

#include <stddef.h>
#include <stdint.h>

#include "loop.h"

#define LISTENER_ADDR_MAX 300

/* A new connection: a non-blocking fd the callee owns, and "host:port". */
typedef void (*listener_accept_cb)(int fd, const char *peer, void *arg);

struct sim_listener;

/*
 * Listens on host:port (port 0: a free one; host "": every address). The
 * listener starts paused; listener_pause(l, 0) starts accepting.
 */
struct sim_listener *listener_open(struct sim_loop *loop, const char *host,
    uint16_t port, int backlog, listener_accept_cb cb, void *arg, char *err,
    size_t errlen);
/* Closes the socket: the port refuses connections from now on. */
void listener_close(struct sim_listener *l);

/* Stops (1) or resumes (0) accepting; waiting peers stay in the backlog. */
void listener_pause(struct sim_listener *l, int paused);
/* Accepts everything waiting in the backlog now, each handed to cb. */
void listener_drain(struct sim_listener *l, listener_accept_cb cb, void *arg);

/* The port actually bound, and "host:port" as printed. */
uint16_t listener_port(const struct sim_listener *l);
const char *listener_address(const struct sim_listener *l);

/* Formats a socket address as "host:port" or "[v6]:port". */
void listener_format_addr(const void *sa, unsigned salen, char *out,
    size_t outlen);

#endif
