/*
 * Unit tests of the command-line tables (client/cli.c) that tcpcom, plcsim
 * serve, run and check share: every kind of value, the errors of getopt,
 * the walk, --help's lines and the usage error's two lines.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli.h"
#include "clock.h"

struct settings {
	int	    verbose;
	int	    flag;
	const char *name;
	char	    path[16];
	tc_us_t	    wait;
	tc_us_t	    cycle;
	int	    jobs;
	unsigned    clients;
	uint64_t    seed;
	unsigned    bits;
	int	    odd;
};

/* A custom reader: an odd number only. */
static int
set_odd(const char *value, void *field, char *err, size_t errlen)
{
	int n = atoi(value);

	if (n % 2 == 0) {
		snprintf(err, errlen, "'%s' is not odd", value);
		return -1;
	}
	*(int *)field = n;
	return 0;
}

enum { T_VERBOSE, T_FLAG, T_NAME, T_PATH, T_WAIT, T_CYCLE, T_JOBS,
    T_CLIENTS, T_SEED, T_BITS, T_ODD, T_HELP, T_VERSION, T_MAX };

#define F(f) offsetof(struct settings, f)
static const struct cli_option opts[T_MAX] = {
	[T_VERBOSE] = { "verbose", 'v', CLI_COUNT, F(verbose), 0, 0, NULL,
	    NULL, "more", 0 },
	[T_FLAG] = { "flag", 0, CLI_BOOL, F(flag), 0, 0, NULL, NULL, "a flag",
	    0 },
	[T_NAME] = { "name", 'n', CLI_STRING, F(name), 0, 0, NULL, "NAME",
	    "a name", 0 },
	[T_PATH] = { "path", 0, CLI_PATH, F(path), 0, 16, NULL, "FILE",
	    "a path", 1 },
	[T_WAIT] = { "wait", 0, CLI_DURATION, F(wait), 0, 0, NULL, "DUR",
	    "first line\nsecond line", 0 },
	[T_CYCLE] = { "cycle", 0, CLI_DURATION, F(cycle), 1, 0, NULL, "DUR",
	    "more than 0", 0 },
	[T_JOBS] = { "jobs", 'j', CLI_INT, F(jobs), 1, 64, NULL, "N", "jobs",
	    0 },
	[T_CLIENTS] = { "clients", 0, CLI_UINT, F(clients), 1, 1000, NULL,
	    "N", "clients", 0 },
	[T_SEED] = { "seed", 0, CLI_U64, F(seed), 0, 0, NULL, "N", "seed",
	    0 },
	[T_BITS] = { "bits", 0, CLI_FRAME_LENGTH, F(bits), 0, 0, NULL, "BITS",
	    "bits", 0 },
	[T_ODD] = { "odd", 0, CLI_CUSTOM, F(odd), 0, 0, set_odd, "N", NULL,
	    0 },
	[T_HELP] = { "help", 'h', CLI_HELP, 0, 0, 0, NULL, NULL, "this", 0 },
	[T_VERSION] = { "version", 0, CLI_VERSION, 0, 0, 0, NULL, NULL, NULL,
	    0 },
};
#undef F

static const struct cli table = { "prog", opts, T_MAX };

#define ARGC(a) ((int)(sizeof(a) / sizeof((a)[0])) - 1)

static enum cli_result
parse(int argc, char **argv, struct settings *s, uint64_t *given,
    int *first, char *err, size_t errlen)
{
	memset(s, 0, sizeof *s);
	err[0] = '\0';
	return cli_parse(&table, argc, argv, s, given, first, err, errlen);
}

static void
assert_contains(const char *text, const char *part)
{
	if (strstr(text, part) == NULL)
		fail_msg("\"%s\" does not contain \"%s\"", text, part);
}

static void
test_cli_every_kind(void **state)
{
	char *argv[] = { "prog", "-vv", "--flag", "--name", "x", "file1",
	    "--path", "/tmp/p", "--wait", "1.5s", "--cycle=20ms", "-j", "4",
	    "--clients", "7", "--seed", "010", "--bits", "64", "--odd", "3",
	    "file2", "--verbose", NULL };
	struct settings s;
	uint64_t given;
	char err[256];
	int first;

	(void)state;
	assert_int_equal(parse(ARGC(argv), argv, &s, &given, &first, err,
	    sizeof err), CLI_OK);
	assert_int_equal(s.verbose, 3);
	assert_int_equal(s.flag, 1);
	assert_string_equal(s.name, "x");
	assert_string_equal(s.path, "/tmp/p");
	assert_int_equal(s.wait, 1500 * TC_US_PER_MS);
	assert_int_equal(s.cycle, 20 * TC_US_PER_MS);
	assert_int_equal(s.jobs, 4);
	assert_int_equal(s.clients, 7);
	assert_int_equal(s.seed, 10);	/* decimal, never octal */
	assert_int_equal(s.bits, 64);
	assert_int_equal(s.odd, 3);
	/* Operands are moved after the options, in their order. */
	assert_int_equal(first, ARGC(argv) - 2);
	assert_string_equal(argv[first], "file1");
	assert_string_equal(argv[first + 1], "file2");
	assert_int_equal(given, ((uint64_t)1 << T_HELP) - 1);
}

static void
test_cli_given_and_last_wins(void **state)
{
	char *argv[] = { "prog", "-j", "2", "--jobs", "5", NULL };
	struct settings s;
	uint64_t given;
	char err[256];
	int first;

	(void)state;
	assert_int_equal(parse(ARGC(argv), argv, &s, &given, &first, err,
	    sizeof err), CLI_OK);
	assert_int_equal(s.jobs, 5);
	assert_int_equal(given, (uint64_t)1 << T_JOBS);
	assert_int_equal(first, ARGC(argv));
	/* given and first may be left out. */
	assert_int_equal(parse(ARGC(argv), argv, &s, NULL, NULL, err,
	    sizeof err), CLI_OK);
}

static void
test_cli_help_version(void **state)
{
	char *help[] = { "prog", "--jobs", "3", "-h", "--jobs", "0", NULL };
	char *version[] = { "prog", "--version", "--bogus", NULL };
	struct settings s;
	char err[256];

	(void)state;
	assert_int_equal(parse(ARGC(help), help, &s, NULL, NULL, err,
	    sizeof err), CLI_SHOW_HELP);
	assert_int_equal(parse(ARGC(version), version, &s, NULL, NULL, err,
	    sizeof err), CLI_SHOW_VERSION);
}

/* Refused with a one-line message holding `part`. */
static void
expect_bad(int argc, char **argv, const char *part)
{
	struct settings s;
	char err[256];

	if (parse(argc, argv, &s, NULL, NULL, err, sizeof err) != CLI_BAD)
		fail_msg("accepted: %s", argv[1]);
	assert_null(strchr(err, '\n'));
	assert_contains(err, part);
}

#define BAD(part, ...) do {						\
	char *argv_[] = { "prog", __VA_ARGS__, NULL };			\
	expect_bad(ARGC(argv_), argv_, part);				\
} while (0)

static void
test_cli_syntax_errors(void **state)
{
	(void)state;
	BAD("unknown option '--bogus'", "--bogus");
	BAD("unknown option '-x'", "-x");
	BAD("unknown option '-x'", "-vx");
	BAD("option '--jobs' needs a value", "--jobs");
	BAD("option '-j' needs a value", "-j");
	BAD("option '--flag' takes no value", "--flag=1");
	/* A unique prefix is the option; a shared one is not. */
	BAD("ambiguous option '--c'", "--c", "1");
	{
		char *argv[] = { "prog", "--cl", "9", NULL };
		struct settings s;
		char err[256];

		assert_int_equal(parse(ARGC(argv), argv, &s, NULL, NULL, err,
		    sizeof err), CLI_OK);
		assert_int_equal(s.clients, 9);
	}
}

static void
test_cli_value_errors(void **state)
{
	(void)state;
	BAD("--jobs: 0 is out of range (1..64)", "--jobs", "0");
	BAD("--jobs: 'many' is not a whole number", "-j", "many");
	BAD("--clients: 1001 is out of range", "--clients", "1001");
	BAD("--wait: '100' has no unit", "--wait", "100");
	BAD("--wait: '-1s'", "--wait", "-1s");
	BAD("--cycle: cycle '0' must be more than 0", "--cycle", "0");
	BAD("--seed: seed '-1' is not a whole number", "--seed", "-1");
	BAD("--seed: seed '12x' is not a whole number", "--seed", "12x");
	BAD("--seed: seed '0x10' is not a whole number", "--seed", "0x10");
	BAD("--jobs: '0x4' is not a whole number", "--jobs", "0x4");
	BAD("--seed: seed '99999999999999999999' is not a whole number",
	    "--seed", "99999999999999999999");
	BAD("--bits: length '12' is invalid", "--bits", "12");
	BAD("--path: path '' is not a usable path", "--path", "");
	BAD("--path: path '0123456789abcdef' is not a usable path", "--path",
	    "0123456789abcdef");
	BAD("--odd: '4' is not odd", "--odd", "4");
}

/* The same readers for a value from elsewhere (a config file). */
static void
test_cli_set_and_find(void **state)
{
	struct settings s;
	char err[256];

	(void)state;
	memset(&s, 0, sizeof s);
	assert_null(cli_find(&table, "nope"));
	assert_ptr_equal(cli_find(&table, "flag"), &opts[T_FLAG]);
	assert_int_equal(cli_set(&opts[T_FLAG], &s, "yes", err, sizeof err),
	    0);
	assert_int_equal(s.flag, 1);
	assert_int_equal(cli_set(&opts[T_FLAG], &s, "off", err, sizeof err),
	    0);
	assert_int_equal(s.flag, 0);
	assert_int_equal(cli_set(&opts[T_FLAG], &s, "maybe", err, sizeof err),
	    -1);
	assert_string_equal(err, "flag 'maybe' is not true or false");
	assert_int_equal(cli_set(&opts[T_JOBS], &s, NULL, err, sizeof err),
	    -1);
	assert_string_equal(err, "jobs needs a value");
	/* A value refused leaves the field as it was. */
	s.cycle = 7;
	assert_int_equal(cli_set(&opts[T_CYCLE], &s, "0", err, sizeof err),
	    -1);
	assert_int_equal(s.cycle, 7);
	assert_int_equal(cli_set(&opts[T_PATH], &s, "a/b", err, sizeof err),
	    0);
	assert_string_equal(s.path, "a/b");
}

/* A walk can be made twice over the same argv (tcpcom's two passes). */
static void
test_cli_scan_twice(void **state)
{
	char *argv[] = { "prog", "-v", "op", "--jobs", "3", NULL };
	const struct cli_option *o;
	struct cli_scan scan;
	const char *value;
	char err[256];
	int pass, n;

	(void)state;
	for (pass = 0; pass < 2; pass++) {
		cli_scan_start(&scan, &table, ARGC(argv), argv);
		n = 0;
		while (cli_scan_next(&scan, &o, &value, err, sizeof err) > 0) {
			if (n == 0) {
				assert_ptr_equal(o, &opts[T_VERBOSE]);
				assert_null(value);
			} else {
				assert_ptr_equal(o, &opts[T_JOBS]);
				assert_string_equal(value, "3");
			}
			n++;
		}
		assert_int_equal(n, 2);
		assert_string_equal(argv[cli_scan_operand(&scan)], "op");
	}
}

/* Reads what `fn` writes on `fd` (stdout or stderr) into buf. */
static void
capture(int fd, void (*fn)(void), char *buf, size_t len)
{
	const char *dir = getenv("TMPDIR");
	char path[256];
	int tmp, saved;
	ssize_t n;

	/* Under $TMPDIR, as every test's files. */
	snprintf(path, sizeof path, "%s/test_cli.XXXXXX",
	    dir != NULL && strlen(dir) < 200 ? dir : "/tmp");
	tmp = mkstemp(path);
	assert_true(tmp >= 0);
	unlink(path);
	fflush(NULL);
	saved = dup(fd);
	dup2(tmp, fd);
	fn();
	fflush(NULL);
	dup2(saved, fd);
	close(saved);
	n = pread(tmp, buf, len - 1, 0);
	assert_true(n >= 0);
	buf[n] = '\0';
	close(tmp);
}

static void
print_options(void)
{
	cli_print_options(stdout, &table);
}

static void
usage_error(void)
{
	assert_int_equal(cli_usage_error("prog sub", "bad '%s'", "x"),
	    CLI_EXIT_USAGE);
}

static void
test_cli_print_options(void **state)
{
	char out[2048];

	(void)state;
	capture(STDOUT_FILENO, print_options, out, sizeof out);
	/* Aligned on the longest flag shown, "-n, --name NAME". */
	assert_contains(out, "  -v, --verbose    more\n");
	assert_contains(out, "  --flag           a flag\n");
	assert_contains(out, "  -n, --name NAME  a name\n");
	assert_contains(out, "  --wait DUR       first line\n"
	    "                   second line\n");
	assert_contains(out, "  -h, --help       this\n");
	/* Rows without help are left out. */
	assert_null(strstr(out, "--odd"));
	assert_null(strstr(out, "--version"));
}

static void
test_cli_usage_error(void **state)
{
	char out[512];

	(void)state;
	capture(STDERR_FILENO, usage_error, out, sizeof out);
	assert_string_equal(out, "prog sub: bad 'x'\n"
	    "prog sub: try 'prog sub --help'\n");
}

static void
test_cli_num(void **state)
{
	(void)state;
#define ANSWER 42
	assert_string_equal("(" CLI_NUM(ANSWER) ")", "(42)");
#undef ANSWER
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cli_every_kind),
		cmocka_unit_test(test_cli_given_and_last_wins),
		cmocka_unit_test(test_cli_help_version),
		cmocka_unit_test(test_cli_syntax_errors),
		cmocka_unit_test(test_cli_value_errors),
		cmocka_unit_test(test_cli_set_and_find),
		cmocka_unit_test(test_cli_scan_twice),
		cmocka_unit_test(test_cli_print_options),
		cmocka_unit_test(test_cli_usage_error),
		cmocka_unit_test(test_cli_num),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
