/* Unit tests of the Prometheus statistics file (client/stats.c): the
 * escaping of label values, the seconds, NaN before the first echo, and the
 * same refusal of anything but a regular file as the JSON's. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "stats.h"
#include "tcpcom.h"

struct fixture {
	char dir[64];
	char path[128];
	char text[16384];
};

static int
setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof *fx);
	const char *tmp = getenv("TMPDIR");

	assert_non_null(fx);
	snprintf(fx->dir, sizeof fx->dir, "%s/test_stats.XXXXXX",
	    tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
	assert_non_null(mkdtemp(fx->dir));
	snprintf(fx->path, sizeof fx->path, "%s/tcpcom.prom", fx->dir);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;

	unlink(fx->path);
	rmdir(fx->dir);
	free(fx);
	return 0;
}

/* Reads the file into fx->text. */
static void
slurp(struct fixture *fx)
{
	FILE *f = fopen(fx->path, "r");
	size_t n;

	assert_non_null(f);
	n = fread(fx->text, 1, sizeof fx->text - 1, f);
	fx->text[n] = '\0';
	fclose(f);
}

static void
assert_line(const struct fixture *fx, const char *line)
{
	char want[256];

	snprintf(want, sizeof want, "\n%s\n", line);
	if (strstr(fx->text, want) == NULL)
		fail_msg("no line '%s' in:\n%s", line, fx->text);
}

static void
test_stats_prom_values(void **state)
{
	struct fixture *fx = *state;
	struct tcpcom_config cfg;
	struct tcpcom_stats st;

	tcpcom_config_init(&cfg);
	snprintf(cfg.server, sizeof cfg.server, "a\"b\\c\nd");
	memset(&st, 0, sizeof st);
	st.frames_sent = 12;
	st.toggles = 3;
	st.link_up = 1;
	st.link_down_us = 2000250;
	st.elapsed_us = 61000000;
	st.rtt_count = 10;
	st.rtt_min_us = 7;
	st.rtt_p50_us = 412;
	st.rtt_p99_us = 1500000;
	st.rtt_max_us = 2000001;
	assert_int_equal(stats_write_prom(&st, &cfg, fx->path, 1), 0);
	slurp(fx);
	assert_line(fx, "tcpcom_up 1");
	assert_line(fx, "tcpcom_link_up 1");
	assert_line(fx, "tcpcom_link_down_seconds_total 2.000250");
	assert_line(fx, "tcpcom_elapsed_seconds 61.000000");
	assert_line(fx, "# TYPE tcpcom_frames_sent_total counter");
	assert_line(fx, "tcpcom_frames_sent_total 12");
	assert_line(fx, "tcpcom_toggles_total 3");
	assert_line(fx, "tcpcom_rtt_seconds{quantile=\"0\"} 0.000007");
	assert_line(fx, "tcpcom_rtt_seconds{quantile=\"0.5\"} 0.000412");
	assert_line(fx, "tcpcom_rtt_seconds{quantile=\"0.99\"} 1.500000");
	assert_line(fx, "tcpcom_rtt_seconds{quantile=\"1\"} 2.000001");
	assert_line(fx, "tcpcom_rtt_measured_total 10");
	assert_line(fx, "tcpcom_send_late_seconds{quantile=\"0.5\"} NaN");
	/* '"', '\\' and a newline escaped in a label value. */
	assert_non_null(strstr(fx->text,
	    ",server=\"a\\\"b\\\\c\\nd\",port=\"5050\"} 1\n"));
	/* Written at exit. */
	assert_int_equal(stats_write_prom(&st, &cfg, fx->path, 0), 0);
	slurp(fx);
	assert_line(fx, "tcpcom_up 0");
}

static void
test_stats_prom_symlink_refused(void **state)
{
	struct fixture *fx = *state;
	struct tcpcom_config cfg;
	struct tcpcom_stats st;

	tcpcom_config_init(&cfg);
	memset(&st, 0, sizeof st);
	assert_int_equal(symlink("/nonexistent/elsewhere", fx->path), 0);
	errno = 0;
	assert_int_equal(stats_write_prom(&st, &cfg, fx->path, 1), -1);
	assert_int_equal(errno, ELOOP);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_stats_prom_values, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_stats_prom_symlink_refused,
		    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
