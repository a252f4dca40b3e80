/* Unit tests of the event log (plcsim/events.c): floods folded, none lost. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "events.h"

#define MS TC_US_PER_MS
/* The log's start; every time below is START + an offset. */
#define START (1000 * TC_US_PER_SEC)

struct fixture {
	struct sim_events *ev;
	FILE		  *text;	/* a temporary file */
	char		   json[128];
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	const char *dir = getenv("TMPDIR");
	char err[256];
	int fd;

	if (f == NULL)
		return -1;
	snprintf(f->json, sizeof f->json, "%s/test_events.XXXXXX",
	    dir != NULL && strlen(dir) < 64 ? dir : "/tmp");
	if ((fd = mkstemp(f->json)) < 0)
		return -1;
	close(fd);
	f->ev = events_new(START, 0);
	f->text = tmpfile();
	if (f->ev == NULL || f->text == NULL ||
	    events_open_json(f->ev, f->json, err, sizeof err) != 0)
		return -1;
	events_set_text(f->ev, f->text, 0);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	events_free(f->ev);
	fclose(f->text);
	unlink(f->json);
	free(f);
	return 0;
}

/* Everything written to `fp` so far (the caller frees). */
static char *
slurp(FILE *fp)
{
	long end;
	char *buf;

	assert_int_equal(fflush(fp), 0);
	end = ftell(fp);
	assert_true(end >= 0);
	buf = malloc((size_t)end + 1);
	assert_non_null(buf);
	rewind(fp);
	assert_int_equal(fread(buf, 1, (size_t)end, fp), (size_t)end);
	buf[end] = '\0';
	fseek(fp, 0, SEEK_END);
	return buf;
}

static char *
text_of(struct fixture *f)
{
	return slurp(f->text);
}

static char *
json_of(struct fixture *f)
{
	FILE *fp = fopen(f->json, "r");
	char *buf;

	assert_non_null(fp);
	fseek(fp, 0, SEEK_END);
	buf = slurp(fp);
	fclose(fp);
	return buf;
}

static size_t
count(const char *text, const char *part)
{
	size_t n = 0;

	while ((text = strstr(text, part)) != NULL) {
		n++;
		text += strlen(part);
	}
	return n;
}

static void
assert_contains(const char *text, const char *part)
{
	if (strstr(text, part) == NULL)
		fail_msg("\"%s\" does not contain \"%s\"", text, part);
}

static void
add(struct fixture *f, tc_us_t at, enum sim_event_type type)
{
	events_add(f->ev, START + at, type, 1, 0, 0, "%s", "127.0.0.1:1");
}

static void
test_events_below_the_limit_all_printed(void **state)
{
	struct fixture *f = *state;
	char *t;
	int i;

	for (i = 0; i < EVENTS_BURST; i++)
		add(f, (tc_us_t)i * 50 * MS, SIM_EV_CONNECT);
	events_flush(f->ev, START + 2000 * MS);
	t = text_of(f);
	assert_int_equal(count(t, " connect conn=1"), EVENTS_BURST);
	assert_int_equal(count(t, "flood"), 0);
	free(t);
}

static void
test_events_flood_folded_and_counted(void **state)
{
	struct fixture *f = *state;
	char *t;
	int i;

	for (i = 0; i < 100; i++)
		add(f, (tc_us_t)i * MS, SIM_EV_CONNECT);
	t = text_of(f);
	assert_int_equal(count(t, " connect conn=1"), EVENTS_BURST);
	assert_int_equal(count(t, "flood"), 0);	/* the second is not over */
	free(t);
	/* The next event after the second ends it: the count comes first. */
	add(f, 1500 * MS, SIM_EV_CONNECT);
	t = text_of(f);
	assert_contains(t, "   1.000000 flood kind=connect count=90 in 1s\n");
	/* Within a second of a flood, the flood goes on: counted. */
	assert_int_equal(count(t, " connect conn=1"), EVENTS_BURST);
	free(t);
	/* A quiet second ends it. */
	add(f, 2600 * MS, SIM_EV_CONNECT);
	t = text_of(f);
	assert_contains(t, "   2.500000 flood kind=connect count=1 in 1s\n"
	    "   2.600000 connect conn=1");
	assert_int_equal(count(t, " connect conn=1"), EVENTS_BURST + 1);
	free(t);
	/* The judge still has every one of them. */
	assert_int_equal(events_count(f->ev), 102);
	assert_int_equal(events_dropped(f->ev), 0);
}

static void
test_events_second_starts_at_its_first_event(void **state)
{
	struct fixture *f = *state;
	char *t;
	int i;

	for (i = 0; i < EVENTS_BURST; i++)
		add(f, 300 * MS + (tc_us_t)i * MS, SIM_EV_DISCONNECT);
	add(f, 1299 * MS, SIM_EV_DISCONNECT);	/* the 11th of that second */
	add(f, 1300 * MS, SIM_EV_DISCONNECT);	/* the next second, hot */
	t = text_of(f);
	assert_contains(t, "   1.300000 flood kind=disconnect count=1 in 1s\n");
	assert_int_equal(count(t, " disconnect conn=1"), EVENTS_BURST);
	free(t);
	events_flush(f->ev, START + 1400 * MS);
	t = text_of(f);
	assert_contains(t, "   1.400000 flood kind=disconnect count=1 in 100ms\n");
	assert_int_equal(count(t, "flood"), 2);
	free(t);
}

static void
test_events_sustained_flood_one_line_a_second(void **state)
{
	struct fixture *f = *state;
	char *t;
	int i;

	/* 100 a second for 5 s, then one more, long after. */
	for (i = 0; i < 500; i++)
		add(f, (tc_us_t)i * 10 * MS, SIM_EV_REJECTED);
	add(f, 10000 * MS, SIM_EV_REJECTED);
	t = text_of(f);
	assert_int_equal(count(t, " rejected "), EVENTS_BURST + 1);
	assert_int_equal(count(t, "flood kind=rejected"), 5);
	assert_contains(t, "   1.000000 flood kind=rejected count=90 in 1s\n");
	assert_contains(t, "   2.000000 flood kind=rejected count=100 in 1s\n");
	assert_contains(t, "   5.000000 flood kind=rejected count=100 in 1s\n"
	    "  10.000000 rejected");
	free(t);
}

static void
test_events_kinds_counted_apart(void **state)
{
	struct fixture *f = *state;
	char *t;
	int i;

	for (i = 0; i < 30; i++) {
		add(f, (tc_us_t)i * MS, SIM_EV_REJECTED);
		add(f, (tc_us_t)i * MS, SIM_EV_SHORT_READ);
	}
	add(f, 40 * MS, SIM_EV_WAITING);
	events_flush(f->ev, START + 200 * MS);
	t = text_of(f);
	assert_int_equal(count(t, " rejected "), EVENTS_BURST);
	assert_int_equal(count(t, " short_read "), EVENTS_BURST);
	assert_int_equal(count(t, " waiting "), 1);
	assert_contains(t, "   0.200000 flood kind=rejected count=20 in 200ms\n");
	assert_contains(t, "   0.200000 flood kind=short_read count=20 in 200ms\n");
	assert_int_equal(count(t, "flood"), 2);
	free(t);
	/* A flush starts afresh: nothing is counted twice. */
	events_flush(f->ev, START + 300 * MS);
	t = text_of(f);
	assert_int_equal(count(t, "flood"), 2);
	free(t);
}

static void
test_events_life_bit_never_folded(void **state)
{
	struct fixture *f = *state;
	char *t;
	int i;

	for (i = 0; i < 50; i++) {
		add(f, (tc_us_t)i * MS, SIM_EV_EDGE);
		add(f, (tc_us_t)i * MS, SIM_EV_WATCHDOG);
		add(f, (tc_us_t)i * MS, SIM_EV_INFO);
	}
	events_flush(f->ev, START + 2000 * MS);
	t = text_of(f);
	assert_int_equal(count(t, " edge "), 50);
	assert_int_equal(count(t, " watchdog "), 50);
	assert_int_equal(count(t, " info "), 50);
	assert_int_equal(count(t, "flood"), 0);
	free(t);
}

static void
test_events_json_counts_and_free_flushes(void **state)
{
	struct fixture *f = *state;
	char *j, *t;
	int i;

	for (i = 0; i < 25; i++)
		add(f, (tc_us_t)i * MS, SIM_EV_RESTART);
	/* 2.5 s: the second of the first 25 is over. */
	for (i = 0; i < 13; i++)
		add(f, 2500 * MS + (tc_us_t)i * MS, SIM_EV_RESTART);
	j = json_of(f);
	assert_int_equal(count(j, "\"event\":\"restart\""), 2 * EVENTS_BURST);
	assert_contains(j, "{\"t\":1.000000,\"event\":\"flood\","
	    "\"kind\":\"restart\",\"count\":15,\"span_us\":1000000}\n");
	free(j);
	/* Freed without a flush: the 3 pending are still written. */
	events_free(f->ev);
	f->ev = NULL;
	j = json_of(f);
	assert_contains(j, "\"event\":\"flood\",\"kind\":\"restart\","
	    "\"count\":3,");
	assert_int_equal(count(j, "\"event\":\"flood\""), 2);
	free(j);
	/* Not to the text output, which may be closed by then. */
	t = text_of(f);
	assert_int_equal(count(t, "flood"), 1);
	free(t);
}

/*
 * A faulty PLC's faults, one an echo: each kind folds on its own, apart
 * from its type's other lines, and every one is counted.
 */
static void
test_events_plc_faults_fold_by_kind(void **state)
{
	struct fixture *f = *state;
	char *t, *j;
	int i;

	/* 3 s of 1000 wrong echoes and 1000 late ones a second. */
	for (i = 0; i < 3000; i++) {
		events_add_as(f->ev, START + (tc_us_t)i * MS, SIM_EV_ERROR,
		    SIM_FOLD_PLC_MISMATCH, 0, 0, 0, "PLC: echo %d", i);
		events_add_as(f->ev, START + (tc_us_t)i * MS, SIM_EV_ERROR,
		    SIM_FOLD_PLC_LATE, 0, 0, 0, "PLC: echo after %d", i);
	}
	/* Other errors are not held back by them. */
	for (i = 0; i < 20; i++)
		add(f, 3000 * MS + (tc_us_t)i * MS, SIM_EV_ERROR);
	events_flush(f->ev, START + 3500 * MS);
	t = text_of(f);
	/* The first second's EVENTS_BURST of each, then a count a second. */
	assert_int_equal(count(t, "message=PLC: echo "), 2 * EVENTS_BURST);
	assert_contains(t, "   1.000000 flood kind=plc_mismatch count=990 in 1s\n");
	assert_contains(t, "   1.000000 flood kind=plc_late count=990 in 1s\n");
	assert_contains(t, "   2.000000 flood kind=plc_mismatch count=1000 in 1s\n");
	assert_contains(t, "   3.000000 flood kind=plc_late count=1000 in 1s\n");
	assert_int_equal(count(t, "flood kind=plc_mismatch"), 3);
	assert_int_equal(count(t, "flood kind=plc_late"), 3);
	assert_int_equal(count(t, " error conn=1 message=127.0.0.1:1"), 20);
	free(t);
	j = json_of(f);
	assert_contains(j, "\"event\":\"flood\",\"kind\":\"plc_mismatch\","
	    "\"count\":1000,");
	assert_int_equal(count(j, "\"message\":\"PLC: echo after"),
	    EVENTS_BURST);
	free(j);
	/* Every one kept in memory, as every event is. */
	assert_int_equal(events_count(f->ev), 6020);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_events_below_the_limit_all_printed, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_events_flood_folded_and_counted, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_events_second_starts_at_its_first_event, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_events_sustained_flood_one_line_a_second, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_events_kinds_counted_apart, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_events_life_bit_never_folded, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_events_json_counts_and_free_flushes, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_events_plc_faults_fold_by_kind, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
