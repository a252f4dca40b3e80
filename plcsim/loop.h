/*
 * loop: the emulator's event loop, the only file that knows libevent.
 *
 * One loop per process, one thread. Everything the emulator waits for is one
 * of four things, each owned by the object that created it and released by
 * the matching _free:
 *
 *   sim_watch   an fd, readable and/or writable (level-triggered). The owner
 *               changes what it waits for with sim_watch_set; 0 stops it.
 *   sim_timer   a one-shot timer whose callback returns the next delay in
 *               microseconds, or SIM_TIMER_STOP; the adapter re-arms it, so
 *               no callback ever re-arms itself.
 *   signals     SIGINT, SIGTERM, ... turned into ordinary callbacks.
 *   sim_buf     a growable byte queue (an evbuffer) with fd read/write.
 *
 * Callbacks run inside sim_loop_run. Freeing a watch or timer from its own
 * callback is allowed; freeing the object that owns it is not (mark it dead
 * and reap it from a zero-delay timer).
 */
#ifndef PLCSIM_LOOP_H
#define PLCSIM_LOOP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "clock.h"

#define SIM_READ  0x1
#define SIM_WRITE 0x2

#define SIM_TIMER_STOP UINT64_MAX

struct sim_loop;
struct sim_watch;
struct sim_timer;
struct sim_signal;
struct sim_buf;

/* Creates the loop; libevent's own messages go to log.h. NULL on failure. */
struct sim_loop *sim_loop_new(void);
/* Frees the loop; every watch, timer and signal must be freed first. */
void sim_loop_free(struct sim_loop *loop);
/* Runs until sim_loop_stop or until nothing is left to wait for. -1 on error. */
int sim_loop_run(struct sim_loop *loop);
/* Makes sim_loop_run return after the current callback. */
void sim_loop_stop(struct sim_loop *loop);
/* The libevent base under the loop, for the one other file that speaks
 * libevent, its HTTP server (httpd.c). */
struct event_base;
struct event_base *sim_loop_base(struct sim_loop *loop);

/* Called with the fd's ready set (SIM_READ | SIM_WRITE). */
typedef void (*sim_watch_cb)(int fd, int ready, void *arg);

struct sim_watch *sim_watch_new(struct sim_loop *loop, int fd, sim_watch_cb cb,
    void *arg);
/* Waits for `what` (SIM_READ | SIM_WRITE, or 0 for nothing). Cheap when unchanged. */
void sim_watch_set(struct sim_watch *w, int what);
/* Stops watching and frees; does not close the fd. NULL is allowed. */
void sim_watch_free(struct sim_watch *w);

/* Returns the next delay in microseconds, or SIM_TIMER_STOP. */
typedef uint64_t (*sim_timer_cb)(void *arg);

struct sim_timer *sim_timer_new(struct sim_loop *loop, sim_timer_cb cb,
    void *arg);
/* (Re)arms the timer to fire after delay_us (0: on the next loop turn). */
void sim_timer_start(struct sim_timer *t, uint64_t delay_us);
void sim_timer_stop(struct sim_timer *t);
/* NULL is allowed. */
void sim_timer_free(struct sim_timer *t);

typedef void (*sim_signal_cb)(int signo, void *arg);

/* Turns signo into a callback run by the loop. */
struct sim_signal *sim_signal_new(struct sim_loop *loop, int signo,
    sim_signal_cb cb, void *arg);
void sim_signal_free(struct sim_signal *s);

/* A byte queue. */
struct sim_buf *sim_buf_new(void);
void sim_buf_free(struct sim_buf *b);
size_t sim_buf_len(const struct sim_buf *b);
int sim_buf_add(struct sim_buf *b, const void *data, size_t len);
/* Writes up to max bytes (0: all) to fd; returns bytes written or -1 + errno. */
ssize_t sim_buf_write_fd(struct sim_buf *b, int fd, size_t max);

/* libevent's version, for the report's record ("2.1.12-stable"). */
const char *sim_loop_library_version(void);

#endif
