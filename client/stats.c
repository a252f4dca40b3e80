/*
 * stats: counters, histograms, status line, summary, JSON and Prometheus
 * text; see stats.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "json.h"
#include "parse.h"
#include "stats.h"
#include "wire.h"

void
stats_init(struct stats *st, tc_us_t now)
{
	memset(st, 0, sizeof *st);
	pthread_mutex_init(&st->lock, NULL);
	hist_reset(&st->rtt);
	hist_reset(&st->late);
	st->start_us = now;
	st->down_since_us = now;
	st->up = 0;
}

void
stats_destroy(struct stats *st)
{
	pthread_mutex_destroy(&st->lock);
}

void
stats_add(struct stats *st, enum stat_counter c, uint64_t n)
{
	pthread_mutex_lock(&st->lock);
	st->counters[c] += n;
	pthread_mutex_unlock(&st->lock);
}

void
stats_inc(struct stats *st, enum stat_counter c)
{
	stats_add(st, c, 1);
}

void
stats_frame_sent(struct stats *st, uint64_t skipped)
{
	pthread_mutex_lock(&st->lock);
	st->counters[STAT_frames_sent]++;
	st->counters[STAT_skipped_cycles] += skipped;
	pthread_mutex_unlock(&st->lock);
}

void
stats_exchange(struct stats *st, tc_us_t rtt_us, tc_us_t late_us,
    enum stat_counter outcome)
{
	pthread_mutex_lock(&st->lock);
	st->counters[outcome]++;
	hist_add(&st->rtt, rtt_us);
	hist_add(&st->late, late_us);
	pthread_mutex_unlock(&st->lock);
}

void
stats_link_up(struct stats *st, tc_us_t now)
{
	pthread_mutex_lock(&st->lock);
	if (!st->up) {
		st->down_total_us += now - st->down_since_us;
		st->up = 1;
	}
	st->counters[STAT_connects]++;
	pthread_mutex_unlock(&st->lock);
}

static void
stats_link_end(struct stats *st, tc_us_t now, int lost)
{
	pthread_mutex_lock(&st->lock);
	if (st->up) {
		st->up = 0;
		st->down_since_us = now;
		if (lost)
			st->counters[STAT_disconnects]++;
	}
	pthread_mutex_unlock(&st->lock);
}

void
stats_link_down(struct stats *st, tc_us_t now)
{
	stats_link_end(st, now, 1);
}

void
stats_link_closed(struct stats *st, tc_us_t now)
{
	stats_link_end(st, now, 0);
}

void
stats_snapshot(struct stats *st, tc_us_t now, struct tcpcom_stats *out)
{
	memset(out, 0, sizeof *out);
	pthread_mutex_lock(&st->lock);
#define STAT_COPY(name, doc) out->name = st->counters[STAT_##name];
	TCPCOM_COUNTERS(STAT_COPY)
#undef STAT_COPY
	out->link_up = st->up;
	out->link_down_us = st->down_total_us +
	    (st->up ? 0 : now - st->down_since_us);
	out->elapsed_us = now - st->start_us;
	out->rtt_count = st->rtt.count;
	out->rtt_min_us = st->rtt.min;
	out->rtt_p50_us = hist_quantile(&st->rtt, 0.50);
	out->rtt_p99_us = hist_quantile(&st->rtt, 0.99);
	out->rtt_max_us = st->rtt.max;
	out->late_count = st->late.count;
	out->late_p50_us = hist_quantile(&st->late, 0.50);
	out->late_p99_us = hist_quantile(&st->late, 0.99);
	out->late_max_us = st->late.max;
	pthread_mutex_unlock(&st->lock);
}

void
stats_format_line(const struct tcpcom_stats *s, char *out, size_t outlen)
{
	snprintf(out, outlen,
	    "%s frames=%llu ok=%llu mismatch=%llu timeout=%llu proto=%llu "
	    "connects=%llu toggles=%llu rtt_p50=%lluus rtt_p99=%lluus "
	    "late_p99=%lluus down=%llums",
	    s->link_up ? "up" : "down",
	    (unsigned long long)s->frames_sent,
	    (unsigned long long)s->echoes_ok,
	    (unsigned long long)s->mismatches,
	    (unsigned long long)s->echo_timeouts,
	    (unsigned long long)s->protocol_errors,
	    (unsigned long long)s->connects,
	    (unsigned long long)s->toggles,
	    (unsigned long long)s->rtt_p50_us,
	    (unsigned long long)s->rtt_p99_us,
	    (unsigned long long)s->late_p99_us,
	    (unsigned long long)(s->link_down_us / TC_US_PER_MS));
}

void
stats_print_summary(const struct tcpcom_stats *s, void *file)
{
	FILE *f = file;
	char d[32];

	format_duration(s->elapsed_us, d, sizeof d);
	fprintf(f, "tcpcom summary after %s:\n", d);
#define STAT_PRINT(name, doc) \
	fprintf(f, "  %-19s %10llu  %s\n", #name, \
	    (unsigned long long)s->name, doc);
	TCPCOM_COUNTERS(STAT_PRINT)
#undef STAT_PRINT
	fprintf(f, "  %-19s %10llu  %s\n", "link_down_ms",
	    (unsigned long long)(s->link_down_us / TC_US_PER_MS),
	    "time without a link");
	fprintf(f, "  rtt_us              min=%llu p50=%llu p99=%llu max=%llu "
	    "(%llu echoes)\n",
	    (unsigned long long)s->rtt_min_us, (unsigned long long)s->rtt_p50_us,
	    (unsigned long long)s->rtt_p99_us, (unsigned long long)s->rtt_max_us,
	    (unsigned long long)s->rtt_count);
	fprintf(f, "  send_late_us        p50=%llu p99=%llu max=%llu\n",
	    (unsigned long long)s->late_p50_us,
	    (unsigned long long)s->late_p99_us,
	    (unsigned long long)s->late_max_us);
	fflush(f);
}

static const char *
payload_name(enum tcpcom_payload p)
{
	switch (p) {
	case TCPCOM_PAYLOAD_RANDOM:  return "random";
	case TCPCOM_PAYLOAD_COUNTER: return "counter";
	case TCPCOM_PAYLOAD_FIXED:   return "fixed";
	}
	return "?";
}

static void
stats_write_json(FILE *f, const struct tcpcom_stats *s,
    const struct tcpcom_config *cfg)
{
	fprintf(f, "{\n  \"version\": \"%s\",\n", tcpcom_version());
	fprintf(f, "  \"config\": {\"server\": ");
	json_string(f, cfg->server);
	fprintf(f, ", \"port\": %u, \"length\": %u, \"send_cycle_us\": %llu, "
	    "\"toggle_cycle_us\": %llu, \"mode\": %d, \"payload\": \"%s\"},\n",
	    (unsigned)cfg->port, cfg->length_bits,
	    (unsigned long long)cfg->send_cycle_us,
	    (unsigned long long)cfg->toggle_cycle_us, cfg->mode,
	    payload_name(cfg->payload));
	fprintf(f, "  \"elapsed_us\": %llu,\n  \"link_up\": %s,\n",
	    (unsigned long long)s->elapsed_us, s->link_up ? "true" : "false");
#define STAT_JSON(name, doc) \
	fprintf(f, "  \"%s\": %llu,\n", #name, (unsigned long long)s->name);
	TCPCOM_COUNTERS(STAT_JSON)
#undef STAT_JSON
	fprintf(f, "  \"link_down_us\": %llu,\n",
	    (unsigned long long)s->link_down_us);
	fprintf(f, "  \"rtt_us\": {\"count\": %llu, \"min\": %llu, "
	    "\"p50\": %llu, \"p99\": %llu, \"max\": %llu},\n",
	    (unsigned long long)s->rtt_count, (unsigned long long)s->rtt_min_us,
	    (unsigned long long)s->rtt_p50_us, (unsigned long long)s->rtt_p99_us,
	    (unsigned long long)s->rtt_max_us);
	fprintf(f, "  \"send_late_us\": {\"count\": %llu, \"p50\": %llu, "
	    "\"p99\": %llu, \"max\": %llu}\n}\n",
	    (unsigned long long)s->late_count,
	    (unsigned long long)s->late_p50_us,
	    (unsigned long long)s->late_p99_us,
	    (unsigned long long)s->late_max_us);
}

int
stats_json_target_check(const char *path, char *err, size_t errlen)
{
	struct stat sb;
	const char *what;

	if (lstat(path, &sb) != 0)
		return 0;	/* nothing there yet, or found out when writing */
	if (S_ISREG(sb.st_mode))
		return 0;
	if (S_ISLNK(sb.st_mode)) {
		what = "a symbolic link";
		errno = ELOOP;
	} else if (S_ISDIR(sb.st_mode)) {
		what = "a directory";
		errno = EISDIR;
	} else {
		what = S_ISFIFO(sb.st_mode) ? "a FIFO" :
		    S_ISSOCK(sb.st_mode) ? "a socket" : "a device";
		errno = EEXIST;
	}
	snprintf(err, errlen, "'%s' is %s; the statistics replace a regular "
	    "file only", path, what);
	return -1;
}

/* Flushes the directory entry of a rename to disk. */
static int
sync_dir(const char *dir)
{
	int fd, rc, saved;

	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	rc = fsync(fd);
	saved = errno;
	close(fd);
	errno = saved;
	return rc;
}

/* What a statistics file holds, and the function that writes it. */
struct stats_doc {
	const struct tcpcom_stats  *st;
	const struct tcpcom_config *cfg;
	int			    running;
	void			  (*format)(FILE *, const struct stats_doc *);
};

static void
stats_doc_json(FILE *f, const struct stats_doc *d)
{
	stats_write_json(f, d->st, d->cfg);
}

/* One number of microseconds as seconds, exactly: "1.000250". */
static void
prom_seconds(FILE *f, uint64_t us)
{
	fprintf(f, "%llu.%06llu", (unsigned long long)(us / TC_US_PER_SEC),
	    (unsigned long long)(us % TC_US_PER_SEC));
}

/* A # HELP text: backslash and newline escaped. */
static void
prom_help(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s ", name);
	for (; *help != '\0'; help++) {
		if (*help == '\\')
			fputs("\\\\", f);
		else if (*help == '\n')
			fputs("\\n", f);
		else
			fputc(*help, f);
	}
	fprintf(f, "\n# TYPE %s %s\n", name, type);
}

/* `value` as a quoted label value. */
static void
prom_label(FILE *f, const char *value)
{
	fputc('"', f);
	for (; *value != '\0'; value++) {
		if (*value == '\\')
			fputs("\\\\", f);
		else if (*value == '"')
			fputs("\\\"", f);
		else if (*value == '\n')
			fputs("\\n", f);
		else
			fputc(*value, f);
	}
	fputc('"', f);
}

/* A quantile gauge's sample; NaN before the first value. */
static void
prom_quantile(FILE *f, const char *name, const char *q, uint64_t count,
    uint64_t us)
{
	fprintf(f, "%s{quantile=\"%s\"} ", name, q);
	if (count == 0)
		fputs("NaN", f);
	else
		prom_seconds(f, us);
	fputc('\n', f);
}

static void
stats_doc_prom(FILE *f, const struct stats_doc *d)
{
	const struct tcpcom_stats *s = d->st;

	prom_help(f, "tcpcom_up", "gauge",
	    "1 while the client runs; 0 in the file written at its exit");
	fprintf(f, "tcpcom_up %d\n", d->running ? 1 : 0);
	prom_help(f, "tcpcom_info", "gauge",
	    "the client's version and PLC as labels; always 1");
	fputs("tcpcom_info{version=", f);
	prom_label(f, tcpcom_version());
	fputs(",server=", f);
	prom_label(f, d->cfg->server);
	fprintf(f, ",port=\"%u\"} 1\n", (unsigned)d->cfg->port);
	prom_help(f, "tcpcom_elapsed_seconds", "gauge",
	    "seconds since the client started");
	fputs("tcpcom_elapsed_seconds ", f);
	prom_seconds(f, s->elapsed_us);
	fputc('\n', f);
	prom_help(f, "tcpcom_link_up", "gauge",
	    "1 while the link to the PLC is up, else 0");
	fprintf(f, "tcpcom_link_up %d\n", s->link_up ? 1 : 0);
	prom_help(f, "tcpcom_link_down_seconds_total", "counter",
	    "seconds without a link, a current outage included");
	fputs("tcpcom_link_down_seconds_total ", f);
	prom_seconds(f, s->link_down_us);
	fputc('\n', f);
#define STAT_PROM(name, doc) \
	prom_help(f, "tcpcom_" #name "_total", "counter", doc); \
	fprintf(f, "tcpcom_" #name "_total %llu\n", \
	    (unsigned long long)s->name);
	TCPCOM_COUNTERS(STAT_PROM)
#undef STAT_PROM
	prom_help(f, "tcpcom_rtt_seconds", "gauge",
	    "round-trip time of the echoes by quantile (0: least, 1: most)");
	prom_quantile(f, "tcpcom_rtt_seconds", "0", s->rtt_count,
	    s->rtt_min_us);
	prom_quantile(f, "tcpcom_rtt_seconds", "0.5", s->rtt_count,
	    s->rtt_p50_us);
	prom_quantile(f, "tcpcom_rtt_seconds", "0.99", s->rtt_count,
	    s->rtt_p99_us);
	prom_quantile(f, "tcpcom_rtt_seconds", "1", s->rtt_count,
	    s->rtt_max_us);
	prom_help(f, "tcpcom_rtt_measured_total", "counter",
	    "round-trip times measured");
	fprintf(f, "tcpcom_rtt_measured_total %llu\n",
	    (unsigned long long)s->rtt_count);
	prom_help(f, "tcpcom_send_late_seconds", "gauge",
	    "how late frames left after their deadline by quantile "
	    "(1: the latest)");
	prom_quantile(f, "tcpcom_send_late_seconds", "0.5", s->late_count,
	    s->late_p50_us);
	prom_quantile(f, "tcpcom_send_late_seconds", "0.99", s->late_count,
	    s->late_p99_us);
	prom_quantile(f, "tcpcom_send_late_seconds", "1", s->late_count,
	    s->late_max_us);
}

/*
 * Writes `d` to `path` atomically: every statistics file goes through here.
 * 0, or -1 with errno set.
 */
static int
stats_write_file(const struct stats_doc *d, const char *path)
{
	char dir[4096], tmp[4096], msg[64];
	const char *base, *slash;
	FILE *f;
	int fd, n, saved;

	/* The temporary file beside the target, so that rename stays atomic,
	 * and made by mkstemp: O_EXCL, never through a planted link. */
	slash = strrchr(path, '/');
	base = slash != NULL ? slash + 1 : path;
	if (slash == NULL)
		n = snprintf(dir, sizeof dir, ".");
	else if (slash == path)
		n = snprintf(dir, sizeof dir, "/");
	else
		n = snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
	if (*base == '\0') {
		errno = EISDIR;
		return -1;
	}
	if (n < 0 || (size_t)n >= sizeof dir ||
	    (n = snprintf(tmp, sizeof tmp, "%s/.%s.XXXXXX", dir, base)) < 0 ||
	    (size_t)n >= sizeof tmp) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (stats_json_target_check(path, msg, sizeof msg) != 0)
		return -1;
	fd = mkstemp(tmp);
	if (fd < 0)
		return -1;
	if (fchmod(fd, 0644) != 0 || (f = fdopen(fd, "w")) == NULL) {
		saved = errno;
		close(fd);
		unlink(tmp);
		errno = saved;
		return -1;
	}
	d->format(f, d);
	/* Readers see the old file or the new one, never half of one. */
	if (fflush(f) != 0 || fsync(fileno(f)) != 0 || ferror(f)) {
		saved = errno;
		fclose(f);
		unlink(tmp);
		errno = saved;
		return -1;
	}
	if (fclose(f) != 0) {
		saved = errno;
		unlink(tmp);
		errno = saved;
		return -1;
	}
	/* Once more, as late as can be: rename replaces whatever is there. */
	if (stats_json_target_check(path, msg, sizeof msg) != 0 ||
	    rename(tmp, path) != 0) {
		saved = errno;
		unlink(tmp);
		errno = saved;
		return -1;
	}
	return sync_dir(dir);
}

int
tcpcom_write_stats_json(const struct tcpcom_stats *st,
    const struct tcpcom_config *cfg, const char *path)
{
	struct stats_doc d = { st, cfg, 1, stats_doc_json };

	return stats_write_file(&d, path);
}

int
stats_write_prom(const struct tcpcom_stats *st,
    const struct tcpcom_config *cfg, const char *path, int running)
{
	struct stats_doc d = { st, cfg, running, stats_doc_prom };

	return stats_write_file(&d, path);
}
