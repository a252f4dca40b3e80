/* status: the live figures as a line and as Prometheus text; see status.h. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "parse.h"
#include "status.h"

/* A scenario's name as a label value is cut here: a label, not a file. */
#define STATUS_LABEL_MAX 256

static const char *const status_link_names[STATUS_LINK_MAX] = {
	[STATUS_LINK_DOWN] = "down",
	[STATUS_LINK_UP] = "up",
	[STATUS_LINK_RESTARTING] = "restarting",
};

static const char *const status_plc_fault_names[STATUS_PLC_FAULT_MAX] = {
	[STATUS_PLC_MISMATCH] = "mismatch",
	[STATUS_PLC_LATE] = "late",
	[STATUS_PLC_UNASKED] = "unasked",
	[STATUS_PLC_SILENT] = "silent",
	[STATUS_PLC_UNREACHABLE] = "unreachable",
	[STATUS_PLC_CLOSED] = "closed",
};

const char *
status_link_name(enum status_link link)
{
	return link < STATUS_LINK_MAX ? status_link_names[link] : "?";
}

/* Text appended to a buffer of `len`; `need` counts what did not fit too. */
struct status_out {
	char   *buf;
	size_t	len;
	size_t	need;
};

static void
out_printf(struct status_out *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
out_printf(struct status_out *o, const char *fmt, ...)
{
	va_list ap;
	size_t room = o->need < o->len ? o->len - o->need : 0;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(room > 0 ? o->buf + o->need : NULL, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->need += (size_t)n;
}

static void
out_begin(struct status_out *o, char *buf, size_t len)
{
	o->buf = buf;
	o->len = len;
	o->need = 0;
	if (len > 0)
		buf[0] = '\0';
}

/* ---- the line ---- */

static void
line_duration(struct status_out *o, const char *key, tc_us_t us)
{
	char d[32];

	out_printf(o, " %s=%s", key, format_measured(us, d, sizeof d));
}

size_t
status_line(const struct status *s, char *buf, size_t len)
{
	struct status_out o;
	char d[32], span[32];
	size_t i, n = 0;
	uint64_t plc_faults = 0;

	out_begin(&o, buf, len);
	out_printf(&o, "%4llu.%06llu status",
	    (unsigned long long)(s->uptime / TC_US_PER_SEC),
	    (unsigned long long)(s->uptime % TC_US_PER_SEC));
	if (s->scenario && !s->started)
		out_printf(&o, " scenario=waiting");
	else if (s->scenario && s->ended)
		out_printf(&o, " scenario=over");
	else if (s->scenario)
		out_printf(&o, " scenario=%s/%s", format_measured(s->time, d,
		    sizeof d), format_duration(s->duration, span,
		    sizeof span));
	out_printf(&o, " link=%s clients=%u frames=%llu echoes=%llu",
	    status_link_name(s->link), s->clients,
	    (unsigned long long)s->frames, (unsigned long long)s->echoes);
	if (s->plc) {
		for (i = 0; i < STATUS_PLC_FAULT_MAX; i++)
			plc_faults += s->plc_faults[i];
		out_printf(&o, " plc_echoes=%llu plc_faults=%llu",
		    (unsigned long long)s->plc_echoes,
		    (unsigned long long)plc_faults);
		if (s->plc_rtts > 0)
			line_duration(&o, "plc_rtt", s->plc_rtt_p50);
		else
			out_printf(&o, " plc_rtt=none");
	}
	if (s->have_interval)
		line_duration(&o, "lifebit_interval", s->last_interval);
	else
		out_printf(&o, " lifebit_interval=none");
	switch (s->watchdog) {
	case STATUS_WD_OFF:
		out_printf(&o, " watchdog_left=off");
		break;
	case STATUS_WD_IDLE:
		out_printf(&o, " watchdog_left=idle");
		break;
	case STATUS_WD_ARMED:
		line_duration(&o, "watchdog_left", s->watchdog_t);
		break;
	case STATUS_WD_FIRED:
		out_printf(&o, " watchdog_left=fired");
		break;
	}
	if (s->scenario) {
		out_printf(&o, " faults=");
		for (i = 0; i < s->nfaults; i++)
			if (s->faults[i].active)
				out_printf(&o, "%s%s", n++ > 0 ? "," : "",
				    s->faults[i].name);
		if (n == 0)
			out_printf(&o, "none");
	}
	out_printf(&o, "\n");
	return o.need;
}

/* ---- Prometheus ---- */

static void
prom_head(struct status_out *o, const char *name, const char *type,
    const char *help)
{
	/* Every HELP text here is plain: no backslash, no newline. */
	out_printf(o, "# HELP plcsim_%s %s\n# TYPE plcsim_%s %s\n", name, help,
	    name, type);
}

static void
prom_seconds(struct status_out *o, const char *name, tc_us_t us)
{
	out_printf(o, "plcsim_%s %llu.%06llu\n", name,
	    (unsigned long long)(us / TC_US_PER_SEC),
	    (unsigned long long)(us % TC_US_PER_SEC));
}

static void
prom_count(struct status_out *o, const char *name, const char *type,
    const char *help, uint64_t v)
{
	prom_head(o, name, type, help);
	out_printf(o, "plcsim_%s %llu\n", name, (unsigned long long)v);
}

/* A label value, quoted, with \, " and newline escaped, and cut. */
static void
prom_label(struct status_out *o, const char *v)
{
	size_t i;

	out_printf(o, "\"");
	for (i = 0; v[i] != '\0' && i < STATUS_LABEL_MAX; i++) {
		if (v[i] == '\\')
			out_printf(o, "\\\\");
		else if (v[i] == '"')
			out_printf(o, "\\\"");
		else if (v[i] == '\n')
			out_printf(o, "\\n");
		else
			out_printf(o, "%c", v[i]);
	}
	out_printf(o, "\"");
}

static void
prom_watchdog(struct status_out *o, const struct status *s)
{
	prom_head(o, "watchdog_timeout_seconds", "gauge",
	    "The life-bit watchdog's timeout; 0: off.");
	prom_seconds(o, "watchdog_timeout_seconds", s->watchdog_timeout);
	prom_head(o, "watchdog_left_seconds", "gauge",
	    "Time left before the watchdog fires; 0 while it has fired; NaN "
	    "when off or before a client was served.");
	if (s->watchdog == STATUS_WD_ARMED)
		prom_seconds(o, "watchdog_left_seconds", s->watchdog_t);
	else if (s->watchdog == STATUS_WD_FIRED)
		out_printf(o, "plcsim_watchdog_left_seconds 0\n");
	else
		out_printf(o, "plcsim_watchdog_left_seconds NaN\n");
	prom_count(o, "watchdog_firing", "gauge", "1 while the life bit has "
	    "been still for longer than the watchdog's timeout.",
	    s->watchdog == STATUS_WD_FIRED);
	prom_count(o, "watchdogs_total", "counter",
	    "Times the watchdog fired.", s->watchdogs);
}

static void
prom_scenario(struct status_out *o, const struct status *s)
{
	size_t i;

	prom_head(o, "scenario_info", "gauge",
	    "The scenario played, by name; always 1.");
	out_printf(o, "plcsim_scenario_info{name=");
	prom_label(o, s->scenario_name != NULL ? s->scenario_name : "");
	out_printf(o, "} 1\n");
	prom_head(o, "scenario_state", "gauge", "The scenario's state: "
	    "waiting for time 0 (the first connection), running, or over.");
	out_printf(o, "plcsim_scenario_state{state=\"waiting\"} %d\n",
	    !s->started);
	out_printf(o, "plcsim_scenario_state{state=\"running\"} %d\n",
	    s->started && !s->ended);
	out_printf(o, "plcsim_scenario_state{state=\"over\"} %d\n",
	    s->started && s->ended);
	prom_head(o, "scenario_elapsed_seconds", "gauge",
	    "Time since time 0, the first connection.");
	prom_seconds(o, "scenario_elapsed_seconds", s->time);
	prom_head(o, "scenario_duration_seconds", "gauge",
	    "The scenario's duration from time 0.");
	prom_seconds(o, "scenario_duration_seconds", s->duration);
	if (s->nfaults == 0)
		return;
	prom_head(o, "fault_active", "gauge",
	    "1 while a fault of this kind is in force.");
	for (i = 0; i < s->nfaults; i++)
		out_printf(o, "plcsim_fault_active{action=\"%s\"} %d\n",
		    s->faults[i].name, s->faults[i].active != 0);
}

static void
prom_quantile(struct status_out *o, const char *q, const struct status *s,
    tc_us_t us)
{
	out_printf(o, "plcsim_plc_rtt_seconds{quantile=\"%s\"} ", q);
	if (s->plc_rtts == 0)
		out_printf(o, "NaN\n");
	else
		out_printf(o, "%llu.%06llu\n",
		    (unsigned long long)(us / TC_US_PER_SEC),
		    (unsigned long long)(us % TC_US_PER_SEC));
}

/* The real PLC behind a proxy, as the proxy saw it since time 0. */
static void
prom_plc(struct status_out *o, const struct status *s)
{
	int i;

	prom_count(o, "plc_frames_total", "counter",
	    "Frames handed to the real PLC since time 0.", s->plc_frames);
	prom_count(o, "plc_echoes_total", "counter",
	    "Whole echoes from the real PLC since time 0.", s->plc_echoes);
	prom_head(o, "plc_faults_total", "counter", "The real PLC's faults "
	    "since time 0, by kind: an echo unlike its frame, later than "
	    "--plc-late or not asked for; a connection it left owing an "
	    "echo, did not take, or closed.");
	for (i = 0; i < STATUS_PLC_FAULT_MAX; i++)
		out_printf(o, "plcsim_plc_faults_total{kind=\"%s\"} %llu\n",
		    status_plc_fault_names[i],
		    (unsigned long long)s->plc_faults[i]);
	prom_head(o, "plc_rtt_seconds", "gauge", "The real PLC's round "
	    "trips by quantile (1: the longest); NaN before the first.");
	prom_quantile(o, "0.5", s, s->plc_rtt_p50);
	prom_quantile(o, "0.99", s, s->plc_rtt_p99);
	prom_quantile(o, "1", s, s->plc_rtt_max);
}

size_t
status_prom(const struct status *s, char *buf, size_t len)
{
	struct status_out o;
	int i;

	out_begin(&o, buf, len);
	prom_head(&o, "uptime_seconds", "gauge", "Time since plcsim started.");
	prom_seconds(&o, "uptime_seconds", s->uptime);
	prom_head(&o, "link_state", "gauge", "The link: down (listening, no "
	    "client), up (a client served) or restarting (the error path: "
	    "the listener closed).");
	for (i = 0; i < STATUS_LINK_MAX; i++)
		out_printf(&o, "plcsim_link_state{state=\"%s\"} %d\n",
		    status_link_names[i], (int)s->link == i);
	prom_count(&o, "clients", "gauge", "Clients served now.", s->clients);
	prom_count(&o, "connections_total", "counter",
	    "Connections served.", s->connections);
	prom_count(&o, "disconnects_total", "counter",
	    "Served connections that ended.", s->disconnects);
	prom_count(&o, "frames_total", "counter",
	    "Frames received (receive steps that took bytes).", s->frames);
	prom_count(&o, "echoes_total", "counter", "Echoes sent.", s->echoes);
	prom_count(&o, "lifebit_edges_total", "counter",
	    "Edges of bit 0, rising and falling.", s->edges);
	prom_head(&o, "lifebit_last_interval_seconds", "gauge",
	    "The latest interval between two edges of one connection; NaN "
	    "before the first.");
	if (s->have_interval)
		prom_seconds(&o, "lifebit_last_interval_seconds",
		    s->last_interval);
	else
		out_printf(&o, "plcsim_lifebit_last_interval_seconds NaN\n");
	prom_watchdog(&o, s);
	if (s->scenario)
		prom_scenario(&o, s);
	if (s->plc)
		prom_plc(&o, s);
	return o.need;
}
