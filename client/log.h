/*
 * log: one logging module for both programs.
 *
 * Lines go to stderr, each stamped with seconds since log_init (monotonic)
 * and the name of the thread that wrote it. The level is global: -q shows
 * only errors, the default adds warnings and notices, -v adds info, -vv adds
 * debug (a line per frame). Safe to call from any thread: a line is written
 * with one write(2), so lines never interleave.
 *
 * A thread that must never wait for stderr (a full pipe, a stalled
 * journal) queues its lines instead: every thread once a program calls
 * log_queue_start (the tcpcom program, before its threads start), or the
 * threads that call log_queue_thread (the link's own, in any program that
 * uses the library). Queued lines wait in a bounded queue in memory until
 * some thread writes them out with log_queue_flush, only as far as stderr
 * takes them without blocking. When the queue is full a line is dropped and
 * counted, and the count is said ("N log lines dropped") once there is room.
 */
#ifndef TCPCOM_LOG_H
#define TCPCOM_LOG_H

#include <stdarg.h>

enum log_level {
	LOG_ERROR = 0,	/* something failed; always shown unless -qq */
	LOG_WARN,	/* link errors, mismatches: the run goes on */
	LOG_NOTICE,	/* start, stop, connects: shown by default */
	LOG_INFO,	/* -v: status detail */
	LOG_DEBUG,	/* -vv: every frame, every state change */
	LOG_LEVEL_MAX
};

/* Sets the start of time and the level; call once before threads start. */
void log_init(enum log_level level);
void log_set_level(enum log_level level);
int log_enabled(enum log_level level);

/* Names the calling thread in its log lines (a string with static life). */
void log_set_thread_name(const char *name);

/* From now on, lines of every thread are queued for log_queue_flush,
 * never written by the thread that logs them. */
void log_queue_start(void);
int log_queue_started(void);

/* From now on, the calling thread's lines are queued. */
void log_queue_thread(void);

/* Lines (and a drop notice) waiting; cheap, for "is a flush worth it". */
unsigned log_queue_waiting(void);

/*
 * Writes queued lines to stderr while it takes them without blocking, and
 * waits for it up to the absolute `deadline` (CLOCK_MONOTONIC, us). With
 * `deadline` 0 it never waits, not even for another thread's flush (it
 * returns at once if one is under way). One thread writes at a time, so
 * lines keep their order. Returns how many lines are left in the queue.
 */
unsigned log_queue_flush(unsigned long long deadline_us);

void log_msg(enum log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void log_vmsg(enum log_level level, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

#define log_error(...)  log_msg(LOG_ERROR, __VA_ARGS__)
#define log_warn(...)   log_msg(LOG_WARN, __VA_ARGS__)
#define log_notice(...) log_msg(LOG_NOTICE, __VA_ARGS__)
#define log_info(...)   log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...)  log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
