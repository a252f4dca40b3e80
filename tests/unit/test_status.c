/* Unit tests of the live status's text (plcsim/status.c): figures by hand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "status.h"

#define MS TC_US_PER_MS
#define S TC_US_PER_SEC

static void
figures(struct status *s)
{
	memset(s, 0, sizeof *s);
	s->uptime = 12 * S + 500 * MS;
	s->link = STATUS_LINK_UP;
	s->clients = 1;
	s->connections = 3;
	s->disconnects = 2;
	s->frames = 125;
	s->echoes = 124;
	s->edges = 24;
	s->have_interval = 1;
	s->last_interval = 499 * MS + 986;
	s->watchdog = STATUS_WD_ARMED;
	s->watchdog_timeout = 2 * S;
	s->watchdog_t = 1500 * MS;
	s->watchdogs = 1;
}

static void
assert_contains(const char *text, const char *part)
{
	if (strstr(text, part) == NULL)
		fail_msg("\"%s\" does not contain \"%s\"", text, part);
}

static void
test_status_line_serving(void **state)
{
	struct status s;
	char line[512];
	size_t n;

	(void)state;
	figures(&s);
	n = status_line(&s, line, sizeof line);
	assert_string_equal(line, "  12.500000 status link=up clients=1 "
	    "frames=125 echoes=124 lifebit_interval=500ms "
	    "watchdog_left=1.5s\n");
	assert_int_equal(n, strlen(line));
	s.link = STATUS_LINK_RESTARTING;
	s.clients = 0;
	s.have_interval = 0;
	s.watchdog = STATUS_WD_FIRED;
	status_line(&s, line, sizeof line);
	assert_contains(line, " link=restarting clients=0 ");
	assert_contains(line, " lifebit_interval=none watchdog_left=fired\n");
	s.watchdog = STATUS_WD_OFF;
	status_line(&s, line, sizeof line);
	assert_contains(line, " watchdog_left=off\n");
	s.watchdog = STATUS_WD_IDLE;
	s.link = STATUS_LINK_DOWN;
	status_line(&s, line, sizeof line);
	assert_contains(line, " link=down ");
	assert_contains(line, " watchdog_left=idle\n");
}

static void
test_status_line_scenario(void **state)
{
	struct status s;
	char line[512];

	(void)state;
	figures(&s);
	s.scenario = 1;
	s.scenario_name = "fat";
	s.duration = 30 * S;
	status_line(&s, line, sizeof line);
	assert_contains(line, " status scenario=waiting link=up ");
	assert_contains(line, " faults=none\n");
	s.started = 1;
	s.time = 2 * S + 500 * MS;
	s.faults[0].name = "echo_delay";
	s.faults[0].active = 1;
	s.faults[1].name = "blackhole";
	s.faults[2].name = "corrupt";
	s.faults[2].active = 1;
	s.nfaults = 3;
	status_line(&s, line, sizeof line);
	assert_contains(line, " status scenario=2.5s/30s link=up ");
	assert_contains(line, " faults=echo_delay,corrupt\n");
	s.ended = 1;
	status_line(&s, line, sizeof line);
	assert_contains(line, " status scenario=over ");
}

/* Too small a buffer: cut, terminated, and the length it needed. */
static void
test_status_line_cut(void **state)
{
	struct status s;
	char line[512], small[20];
	size_t n;

	(void)state;
	figures(&s);
	n = status_line(&s, line, sizeof line);
	assert_int_equal(status_line(&s, small, sizeof small), n);
	assert_int_equal(strlen(small), sizeof small - 1);
	assert_int_equal(strncmp(small, line, sizeof small - 1), 0);
}

static void
test_status_prom(void **state)
{
	struct status s;
	char text[STATUS_PROM_MAX];
	size_t n;

	(void)state;
	figures(&s);
	n = status_prom(&s, text, sizeof text);
	assert_true(n < sizeof text);
	assert_int_equal(n, strlen(text));
	assert_contains(text, "# HELP plcsim_frames_total ");
	assert_contains(text, "\n# TYPE plcsim_frames_total counter\n"
	    "plcsim_frames_total 125\n");
	assert_contains(text, "\nplcsim_link_state{state=\"up\"} 1\n");
	assert_contains(text, "\nplcsim_link_state{state=\"down\"} 0\n");
	assert_contains(text, "\nplcsim_lifebit_last_interval_seconds "
	    "0.499986\n");
	assert_contains(text, "\nplcsim_watchdog_left_seconds 1.500000\n");
	assert_contains(text, "\nplcsim_watchdog_firing 0\n");
	assert_true(strstr(text, "scenario") == NULL);
	s.have_interval = 0;
	s.watchdog = STATUS_WD_IDLE;
	status_prom(&s, text, sizeof text);
	assert_contains(text, "\nplcsim_lifebit_last_interval_seconds NaN\n");
	assert_contains(text, "\nplcsim_watchdog_left_seconds NaN\n");
	s.watchdog = STATUS_WD_FIRED;
	status_prom(&s, text, sizeof text);
	assert_contains(text, "\nplcsim_watchdog_left_seconds 0\n");
	assert_contains(text, "\nplcsim_watchdog_firing 1\n");
}

/* The scenario's name is a label: quoted, escaped, cut. */
static void
test_status_prom_scenario(void **state)
{
	struct status s;
	char text[STATUS_PROM_MAX], name[1024];
	size_t i;

	(void)state;
	figures(&s);
	s.scenario = 1;
	s.scenario_name = "a\"b\\c\nd";
	s.started = 1;
	s.time = 1 * S;
	s.duration = 3 * S;
	s.faults[0].name = "echo_delay";
	s.faults[0].active = 1;
	s.faults[1].name = "blackhole";
	s.nfaults = 2;
	status_prom(&s, text, sizeof text);
	assert_contains(text, "\nplcsim_scenario_info{name=\"a\\\"b\\\\c\\nd\"} "
	    "1\n");
	assert_contains(text, "\nplcsim_scenario_state{state=\"running\"} 1\n");
	assert_contains(text, "\nplcsim_scenario_elapsed_seconds 1.000000\n");
	assert_contains(text, "\nplcsim_fault_active{action=\"echo_delay\"} "
	    "1\nplcsim_fault_active{action=\"blackhole\"} 0\n");
	/* The longest name, all of it to escape, and every fault listed:
	 * still within STATUS_PROM_MAX. */
	for (i = 0; i < sizeof name - 1; i++)
		name[i] = '"';
	name[sizeof name - 1] = '\0';
	s.scenario_name = name;
	for (i = 0; i < STATUS_MAX_FAULTS; i++) {
		s.faults[i].name = "echo_duplicate";
		s.faults[i].active = 1;
	}
	s.nfaults = STATUS_MAX_FAULTS;
	assert_true(status_prom(&s, text, sizeof text) < sizeof text);
	assert_non_null(strstr(text, "{name=\"\\\"\\\"\\\""));
}

/* Before a real PLC: its echoes, faults and round trips. */
static void
test_status_plc(void **state)
{
	struct status s;
	char text[STATUS_PROM_MAX], line[512];

	(void)state;
	figures(&s);
	s.plc = 1;
	s.plc_frames = 30;
	s.plc_echoes = 29;
	s.plc_faults[STATUS_PLC_MISMATCH] = 5;
	s.plc_faults[STATUS_PLC_CLOSED] = 1;
	status_line(&s, line, sizeof line);
	assert_contains(line, " echoes=124 plc_echoes=29 plc_faults=6 "
	    "plc_rtt=none lifebit_interval=");
	status_prom(&s, text, sizeof text);
	assert_contains(text, "\nplcsim_plc_faults_total{kind=\"mismatch\"} "
	    "5\nplcsim_plc_faults_total{kind=\"late\"} 0\n");
	assert_contains(text, "\nplcsim_plc_faults_total{kind=\"closed\"} "
	    "1\n");
	assert_contains(text, "\nplcsim_plc_rtt_seconds{quantile=\"0.5\"} "
	    "NaN\n");
	s.plc_rtts = 29;
	s.plc_rtt_p50 = 11200;
	s.plc_rtt_p99 = 11300;
	s.plc_rtt_max = 11400;
	status_line(&s, line, sizeof line);
	assert_contains(line, " plc_rtt=11.2ms ");
	status_prom(&s, text, sizeof text);
	assert_contains(text, "\nplcsim_plc_rtt_seconds{quantile=\"1\"} "
	    "0.011400\n");
	assert_contains(text, "\nplcsim_plc_echoes_total 29\n");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status_line_serving),
		cmocka_unit_test(test_status_line_scenario),
		cmocka_unit_test(test_status_line_cut),
		cmocka_unit_test(test_status_prom),
		cmocka_unit_test(test_status_prom_scenario),
		cmocka_unit_test(test_status_plc),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
