/* log: levelled, timestamped lines on stderr; see log.h. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"

static atomic_int log_level = LOG_NOTICE;
static _Atomic tc_us_t log_start_us;
static _Thread_local const char *log_thread_name = "main";

/* Lines waiting for log_queue_flush; under log_queue_lock. */
#define LOG_LINE_MAX	1024
#define LOG_QUEUE_LINES	256

struct log_line {
	size_t	len;
	char	text[LOG_LINE_MAX];
};

static atomic_int log_queued;	/* log_queue_start was called */
static _Thread_local int log_thread_queued;	/* log_queue_thread */
static pthread_mutex_t log_queue_lock = PTHREAD_MUTEX_INITIALIZER;
static struct log_line log_queue[LOG_QUEUE_LINES];
static unsigned log_queue_head, log_queue_count;
static uint64_t log_queue_dropped;
/* Lines and drop notices waiting, as of the last change: read without the
 * lock by log_queue_waiting, written under it. */
static atomic_uint log_queue_pending;
/* One writer at a time, so that lines leave in the order they came. */
static pthread_mutex_t log_flush_lock = PTHREAD_MUTEX_INITIALIZER;

static void log_queue_push(const char *line, size_t len);

static const char *const log_level_names[LOG_LEVEL_MAX] = {
	"error", "warn", "notice", "info", "debug"
};

void
log_init(enum log_level level)
{
	atomic_store(&log_start_us, clock_now_us());
	atomic_store(&log_level, (int)level);
}

void
log_set_level(enum log_level level)
{
	atomic_store(&log_level, (int)level);
}

int
log_enabled(enum log_level level)
{
	return (int)level <= atomic_load(&log_level);
}

void
log_set_thread_name(const char *name)
{
	log_thread_name = name;
}

void
log_vmsg(enum log_level level, const char *fmt, va_list ap)
{
	char line[LOG_LINE_MAX];
	tc_us_t t;
	int n, m;

	if (!log_enabled(level))
		return;
	t = clock_now_us() - atomic_load(&log_start_us);
	n = snprintf(line, sizeof line, "[%6llu.%06llu] %s: %s: ",
	    (unsigned long long)(t / TC_US_PER_SEC),
	    (unsigned long long)(t % TC_US_PER_SEC), log_thread_name,
	    log_level_names[level]);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof line - 1)
		n = (int)sizeof line - 2;
	m = vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
	if (m < 0)
		m = 0;
	n += m;
	if ((size_t)n > sizeof line - 2)
		n = (int)sizeof line - 2;
	line[n++] = '\n';
	if (log_thread_queued || atomic_load(&log_queued)) {
		log_queue_push(line, (size_t)n);
		return;
	}
	/* One write per line: lines from several threads never interleave. */
	if (write(STDERR_FILENO, line, (size_t)n) < 0)
		return;
}

void
log_queue_start(void)
{
	atomic_store(&log_queued, 1);
}

int
log_queue_started(void)
{
	return atomic_load(&log_queued);
}

void
log_queue_thread(void)
{
	log_thread_queued = 1;
}

unsigned
log_queue_waiting(void)
{
	return atomic_load_explicit(&log_queue_pending, memory_order_relaxed);
}

/* Under log_queue_lock: publishes how much is waiting. */
static void
log_queue_publish(void)
{
	atomic_store_explicit(&log_queue_pending, log_queue_count +
	    (log_queue_dropped > 0), memory_order_relaxed);
}

/* Queues one line, or counts it dropped; never waits for stderr. */
static void
log_queue_push(const char *line, size_t len)
{
	struct log_line *slot;

	pthread_mutex_lock(&log_queue_lock);
	if (log_queue_count < LOG_QUEUE_LINES) {
		slot = &log_queue[(log_queue_head + log_queue_count) %
		    LOG_QUEUE_LINES];
		memcpy(slot->text, line, len);
		slot->len = len;
		log_queue_count++;
	} else {
		log_queue_dropped++;
	}
	log_queue_publish();
	pthread_mutex_unlock(&log_queue_lock);
}

/* Waits until stderr takes a line without blocking: 1, or 0 at deadline. */
static int
log_stderr_ready(tc_us_t deadline)
{
	struct pollfd pfd;
	tc_us_t now, wait;
	int r;

	for (;;) {
		pfd.fd = STDERR_FILENO;
		pfd.events = POLLOUT;
		pfd.revents = 0;
		now = clock_now_us();
		wait = deadline > now ? deadline - now : 0;
		if (wait > TC_US_PER_SEC)
			wait = TC_US_PER_SEC;
		r = poll(&pfd, 1, (int)((wait + 999) / 1000));
		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0 && clock_now_us() < deadline)
			continue;
		/* An error or a hang-up: the write fails at once, no wait. */
		return r > 0;
	}
}

/* log_queue_flush with log_flush_lock held. */
static unsigned
log_queue_write_out(tc_us_t deadline_us)
{
	struct log_line out;
	uint64_t dropped;
	unsigned left;

	for (;;) {
		pthread_mutex_lock(&log_queue_lock);
		left = log_queue_count;
		dropped = log_queue_dropped;
		pthread_mutex_unlock(&log_queue_lock);
		if (left == 0 && dropped == 0)
			return 0;
		/* A line at most PIPE_BUF long, and poll said there is room:
		 * the write does not block. */
		if (!log_stderr_ready(deadline_us))
			return left;
		pthread_mutex_lock(&log_queue_lock);
		if (log_queue_count > 0) {
			out = log_queue[log_queue_head];
			log_queue_head = (log_queue_head + 1) % LOG_QUEUE_LINES;
			log_queue_count--;
		} else {
			/* Said where the lines went missing: after the ones
			 * queued before them. */
			tc_us_t t = clock_now_us() -
			    atomic_load(&log_start_us);
			out.len = (size_t)snprintf(out.text, sizeof out.text,
			    "[%6llu.%06llu] log: warn: %llu log lines dropped"
			    " (stderr was not taking them)\n",
			    (unsigned long long)(t / TC_US_PER_SEC),
			    (unsigned long long)(t % TC_US_PER_SEC),
			    (unsigned long long)dropped);
			log_queue_dropped -= dropped;
		}
		log_queue_publish();
		pthread_mutex_unlock(&log_queue_lock);
		if (write(STDERR_FILENO, out.text, out.len) < 0 &&
		    errno != EAGAIN && errno != EINTR) {
			/* stderr is gone: nothing more can be said. */
			pthread_mutex_lock(&log_queue_lock);
			log_queue_count = 0;
			log_queue_dropped = 0;
			log_queue_publish();
			pthread_mutex_unlock(&log_queue_lock);
			return 0;
		}
	}
}

unsigned
log_queue_flush(unsigned long long deadline_us)
{
	unsigned left;

	/* Without a deadline the caller must not wait, not even for another
	 * thread's flush: that one writes the lines anyway. */
	if (deadline_us == 0) {
		if (pthread_mutex_trylock(&log_flush_lock) != 0)
			return log_queue_waiting();
	} else {
		pthread_mutex_lock(&log_flush_lock);
	}
	left = log_queue_write_out(deadline_us);
	pthread_mutex_unlock(&log_flush_lock);
	return left;
}

void
log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}
