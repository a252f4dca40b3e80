/* Unit tests of plcsim run's live line (plcsim/progress.c): time by hand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "progress.h"

#define S TC_US_PER_SEC
#define T0 (1000 * S)	/* any start: only differences count */

/* Before anything ends: the durations as planned, shared by the jobs. */
static void
test_progress_left_as_planned(void **state)
{
	struct progress p;

	(void)state;
	assert_int_equal(progress_init(&p, stdout, 0, 4, 2, T0), 0);
	progress_plan(&p, 0, 10 * S);
	progress_plan(&p, 1, 10 * S);
	progress_plan(&p, 2, 4 * S);
	progress_plan(&p, 3, 6 * S);
	assert_int_equal(progress_left(&p, T0), 15 * S);
	progress_begin(&p, 0, T0);
	progress_begin(&p, 1, T0);
	/* 4 s into the first two: 6 + 6 + 4 + 6 left, two at a time. */
	assert_int_equal(progress_left(&p, T0 + 4 * S), 11 * S);
	/* A scenario past its duration adds nothing more. */
	assert_int_equal(progress_left(&p, T0 + 12 * S), 5 * S);
	progress_free(&p);
}

/* The finished ones set the pace: twice as long as planned doubles it. */
static void
test_progress_left_paced(void **state)
{
	struct progress p;

	(void)state;
	assert_int_equal(progress_init(&p, stdout, 0, 3, 1, T0), 0);
	progress_plan(&p, 0, 2 * S);
	progress_plan(&p, 1, 3 * S);
	progress_plan(&p, 2, 5 * S);
	progress_begin(&p, 0, T0);
	progress_end(&p, 0, T0 + 4 * S, 0);
	assert_int_equal(progress_left(&p, T0 + 4 * S), 16 * S);
	/* Fewer left than jobs: the last one alone is the time left. */
	p.jobs = 4;
	progress_begin(&p, 1, T0 + 4 * S);
	progress_end(&p, 1, T0 + 7 * S, 1);
	/* Pace (4 + 3) / (2 + 3) = 1.4 on the 5 s still to play. */
	assert_int_equal(progress_left(&p, T0 + 7 * S), 7 * S);
	assert_int_equal(p.done, 2);
	assert_int_equal(p.failed, 1);
	progress_free(&p);
}

/* Counts, clocks, an error shown only when there is one, the cut. */
static void
test_progress_format(void **state)
{
	struct progress p;
	char line[256], small[16];

	(void)state;
	assert_int_equal(progress_init(&p, stdout, 0, 3, 2, T0), 0);
	progress_plan(&p, 0, 30 * S);
	progress_plan(&p, 1, 60 * S);
	progress_plan(&p, 2, 2 * 3600 * S);
	progress_begin(&p, 0, T0);
	progress_begin(&p, 1, T0);
	progress_format(&p, T0 + 65 * S + S / 2, line, sizeof line);
	assert_string_equal(line, "0/3 done, 0 failed, 2 running, 1:05 "
	    "elapsed, about 1:00:00 left");
	progress_end(&p, 0, T0 + 65 * S, 1);
	progress_end(&p, 1, T0 + 65 * S, 2);
	/* Never begun (an interrupted run): counted, not in the pace. */
	progress_end(&p, 2, T0 + 65 * S, 2);
	progress_format(&p, T0 + 65 * S, line, sizeof line);
	assert_string_equal(line, "3/3 done, 1 failed, 2 errors, 0 running, "
	    "1:05 elapsed, about 0:00 left");
	assert_int_equal(progress_format(&p, T0, small, sizeof small), 15);
	assert_string_equal(small, "3/3 done, 1 fai");
	progress_free(&p);
}

/* What was written to `f`, read back (a temporary file: open_memstream's
 * buffer would come from the real malloc, which cmocka's free refuses). */
static void
read_back(FILE *f, char *buf, size_t len)
{
	size_t n;

	assert_int_equal(fflush(f), 0);
	rewind(f);
	n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
	fclose(f);
}

/* Drawn in place, redrawn only when it changes, cleared before output. */
static void
test_progress_draw(void **state)
{
	struct progress p;
	char buf[512];
	FILE *f = tmpfile();

	(void)state;
	assert_non_null(f);
	assert_int_equal(progress_init(&p, f, 1, 1, 1, T0), 0);
	progress_plan(&p, 0, 3 * S);
	progress_begin(&p, 0, T0);
	progress_draw(&p, T0);
	progress_draw(&p, T0 + S / 2);	/* the same line: not written again */
	progress_clear(&p);
	progress_clear(&p);		/* nothing on the screen: nothing */
	fputs("PASS x\n", f);
	progress_end(&p, 0, T0 + S, 0);
	progress_draw(&p, T0 + S);
	read_back(f, buf, sizeof buf);
	assert_string_equal(buf, "\r0/1 done, 0 failed, 1 running, 0:00 "
	    "elapsed, about 0:03 left\033[K\r\033[KPASS x\n\r1/1 done, 0 "
	    "failed, 0 running, 0:01 elapsed, about 0:00 left\033[K");
	assert_int_equal(progress_next_draw(&p, T0 + S + S / 4), 3 * S / 4);
	progress_free(&p);
}

/* Not live: nothing at all is written. */
static void
test_progress_not_live(void **state)
{
	struct progress p;
	char buf[512];
	FILE *f = tmpfile();

	(void)state;
	assert_non_null(f);
	assert_int_equal(progress_init(&p, f, 0, 1, 1, T0), 0);
	progress_begin(&p, 0, T0);
	progress_draw(&p, T0);
	progress_clear(&p);
	read_back(f, buf, sizeof buf);
	assert_string_equal(buf, "");
	progress_free(&p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_progress_left_as_planned),
		cmocka_unit_test(test_progress_left_paced),
		cmocka_unit_test(test_progress_format),
		cmocka_unit_test(test_progress_draw),
		cmocka_unit_test(test_progress_not_live),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
