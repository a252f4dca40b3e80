/* log: levelled, timestamped lines on stderr; see log.h. */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"

static atomic_int log_level = LOG_NOTICE;
static _Atomic tc_us_t log_start_us;
static _Thread_local const char *log_thread_name = "main";

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
	char line[1024];
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
	/* One write per line: lines from several threads never interleave. */
	if (write(STDERR_FILENO, line, (size_t)n) < 0)
		return;
}

void
log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}
