/*
 * httpd: a small read-only HTTP endpoint on libevent's HTTP server
 * (evhttp), for the metrics: GET or HEAD of one path is answered with the
 * text a callback writes; any other path is 404, any other method 405.
 * With loop.c, the only file that knows libevent (and the only one that
 * needs libevent_extra, linked into plcsim alone).
 *
 * It shares the emulated PLC's loop and thread, so no HTTP peer may cost
 * the PLC its timing or its file descriptors: request headers of at most
 * 8 KB, a request body (never read) of at most 1 KB, a connection silent
 * for 2 s or open for 5 s closed, at most 8 connections at once (more
 * wait in the kernel's backlog, costing nothing here, until one closes).
 * A scraper asks at once and is answered in a moment: these bounds only
 * ever cut a peer that does not.
 *
 * Ownership: httpd_open borrows the loop, which must outlive it.
 */
#ifndef PLCSIM_HTTPD_H
#define PLCSIM_HTTPD_H

#include <stddef.h>
#include <stdint.h>

#include "loop.h"

#define HTTPD_MAX_CONNS		8
#define HTTPD_MAX_HEADERS	8192
#define HTTPD_MAX_BODY		1024
#define HTTPD_IDLE_S		2
#define HTTPD_LIFETIME_S	5
/* How soon a closed connection's socket is let go of. */
#define HTTPD_SWEEP_MS		100

/*
 * Writes the answer's body into buf (at most len - 1 bytes and a NUL);
 * returns the length it needed, as snprintf does. One that did not fit is
 * answered with 500, never cut.
 */
typedef size_t (*httpd_body_cb)(void *arg, char *buf, size_t len);

struct sim_httpd;

/*
 * Listens on host:port (port 0: a free one; host "": every address) and
 * answers GET `path` with
 * what `body` writes (`body_max` bytes at most), as `content_type`. NULL
 * with a message in err when the address cannot be listened on.
 */
struct sim_httpd *httpd_open(struct sim_loop *loop, const char *host,
    uint16_t port, const char *path, const char *content_type,
    size_t body_max, httpd_body_cb body, void *arg, char *err,
    size_t errlen);
/* "host:port" actually listened on. */
const char *httpd_address(const struct sim_httpd *h);
/* Connections open now (for tests of the bound). */
unsigned httpd_open_connections(const struct sim_httpd *h);
/* Closes the listener and every connection. NULL is allowed. */
void httpd_close(struct sim_httpd *h);

#endif
