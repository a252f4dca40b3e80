/*
 * Unit tests of the program's settings (client/options.c): defaults, the
 * config file, the environment (through a fake getenv) and flags, and every
 * value that must be refused.
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

#include "options.h"

/* The fake environment: at most these two names are ever set. */
static const char *env_server;
static const char *env_port;

static const char *
fake_getenv(const char *name)
{
	if (strcmp(name, "TCPCOM_SERVER") == 0)
		return env_server;
	if (strcmp(name, "TCPCOM_PORT") == 0)
		return env_port;
	return NULL;
}

/* Temporary config files made by a test, removed by the teardown. */
static char conf_paths[4][64];
static int conf_count;

static const char *
conf_write(const char *text)
{
	const char *dir = getenv("TMPDIR");
	char *path;
	int fd;
	size_t n = strlen(text);

	assert_true(conf_count < 4);
	path = conf_paths[conf_count++];
	snprintf(path, sizeof conf_paths[0], "%s/tcpcom-conf-XXXXXX",
	    dir != NULL && strlen(dir) < 40 ? dir : "/tmp");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, n), (ssize_t)n);
	close(fd);
	return path;
}

static int
setup(void **state)
{
	(void)state;
	env_server = NULL;
	env_port = NULL;
	conf_count = 0;
	return 0;
}

static int
teardown(void **state)
{
	int i;

	(void)state;
	for (i = 0; i < conf_count; i++)
		unlink(conf_paths[i]);
	conf_count = 0;
	return 0;
}

#define ARGC(a) ((int)(sizeof(a) / sizeof((a)[0])) - 1)

static enum options_result
parse(int argc, char **argv, struct options *o, char *err, size_t errlen)
{
	err[0] = '\0';
	return options_parse(argc, argv, fake_getenv, o, err, errlen);
}

static void
test_options_defaults_are_the_originals(void **state)
{
	static struct options o;
	char *argv[] = { "tcpcom", NULL };
	char err[512];

	(void)state;
	assert_int_equal(parse(ARGC(argv), argv, &o, err, sizeof err),
	    OPTIONS_RUN);
	assert_string_equal(o.cfg.server, "192.168.17.100");
	assert_int_equal(o.cfg.port, 5050);
	assert_int_equal(o.cfg.length_bits, 32);
	assert_int_equal(o.cfg.send_cycle_us, 100 * TC_US_PER_MS);
	assert_int_equal(o.cfg.toggle_cycle_us, 500 * TC_US_PER_MS);
	assert_int_equal(o.cfg.mode, 0);
	assert_int_equal(o.cfg.send_on_toggle, 0);
	assert_int_equal(o.cfg.payload, TCPCOM_PAYLOAD_RANDOM);
	assert_int_equal(o.cfg.echo_timeout_us, TC_US_PER_SEC);
	assert_int_equal(o.cfg.connect_timeout_us, 2 * TC_US_PER_SEC);
	assert_int_equal(o.cfg.backoff_min_us, 100 * TC_US_PER_MS);
	assert_int_equal(o.cfg.backoff_max_us, 5 * TC_US_PER_SEC);
	assert_int_equal(o.cfg.count, 0);
	assert_int_equal(o.duration_us, 0);
	assert_string_equal(o.stats_json, "");
	assert_string_equal(o.stats_prom, "");
	assert_string_equal(o.config, "");
	assert_int_equal(o.log_level, LOG_NOTICE);
	/* The same defaults as the library's. */
	{
		struct tcpcom_config lib;
		tcpcom_config_init(&lib);
		assert_string_equal(lib.server, o.cfg.server);
		assert_int_equal(lib.port, o.cfg.port);
		assert_int_equal(lib.echo_timeout_us, o.cfg.echo_timeout_us);
		assert_int_equal(lib.connect_timeout_us,
		    o.cfg.connect_timeout_us);
		assert_int_equal(lib.backoff_min_us, o.cfg.backoff_min_us);
		assert_int_equal(lib.backoff_max_us, o.cfg.backoff_max_us);
	}
}

static void
test_options_flags(void **state)
{
	static struct options o;
	char *argv[] = { "tcpcom", "--server", "127.0.0.1", "--port", "6000",
	    "--length", "64", "--send-cycle", "20ms", "--toggle-cycle", "1s",
	    "--mode", "1", "--send-on-toggle", "--payload", "counter",
	    "--echo-timeout", "300ms", "--backoff-min", "50ms",
	    "--backoff-max", "200ms", "--count", "7", "--seed", "42",
	    "--duration", "1.5s", "--stats-json", "out.json",
	    "--stats-prom", "out.prom", "-vv", NULL };
	char err[512];

	(void)state;
	assert_int_equal(parse(ARGC(argv), argv, &o, err, sizeof err),
	    OPTIONS_RUN);
	assert_string_equal(o.cfg.server, "127.0.0.1");
	assert_int_equal(o.cfg.port, 6000);
	assert_int_equal(o.cfg.length_bits, 64);
	assert_int_equal(o.cfg.send_cycle_us, 20 * TC_US_PER_MS);
	assert_int_equal(o.cfg.toggle_cycle_us, TC_US_PER_SEC);
	assert_int_equal(o.cfg.mode, 1);
	assert_int_equal(o.cfg.send_on_toggle, 1);
	assert_int_equal(o.cfg.payload, TCPCOM_PAYLOAD_COUNTER);
	assert_int_equal(o.cfg.echo_timeout_us, 300 * TC_US_PER_MS);
	assert_int_equal(o.cfg.backoff_min_us, 50 * TC_US_PER_MS);
	assert_int_equal(o.cfg.backoff_max_us, 200 * TC_US_PER_MS);
	assert_int_equal(o.cfg.count, 7);
	assert_int_equal(o.cfg.seed, 42);
	assert_int_equal(o.duration_us, 1500 * TC_US_PER_MS);
	assert_string_equal(o.stats_json, "out.json");
	assert_string_equal(o.stats_prom, "out.prom");
	assert_int_equal(o.log_level, LOG_DEBUG);
}

static void
test_options_log_levels(void **state)
{
	static struct options o;
	char *quiet[] = { "tcpcom", "-q", NULL };
	char *verbose[] = { "tcpcom", "--verbose", NULL };
	char err[512];

	(void)state;
	assert_int_equal(parse(ARGC(quiet), quiet, &o, err, sizeof err),
	    OPTIONS_RUN);
	assert_int_equal(o.log_level, LOG_ERROR);
	assert_int_equal(parse(ARGC(verbose), verbose, &o, err, sizeof err),
	    OPTIONS_RUN);
	assert_int_equal(o.log_level, LOG_INFO);
}

static void
test_options_fixed_payload(void **state)
{
	static struct options o;
	char *argv[] = { "tcpcom", "--payload", "fixed:0x12345679", NULL };
	char err[512];

	(void)state;
	assert_int_equal(parse(ARGC(argv), argv, &o, err, sizeof err),
	    OPTIONS_RUN);
	assert_int_equal(o.cfg.payload, TCPCOM_PAYLOAD_FIXED);
	assert_int_equal(o.cfg.fixed[0], 0x12);
	assert_int_equal(o.cfg.fixed[3], 0x79);
}

/* Flags > environment > file > defaults, for each value in each place. */
static void
test_options_precedence(void **state)
{
	static struct options o;
	const char *conf = conf_write(
	    "server = 10.1.1.1\nport = 1111\nlength = 16\n");
	char *file_only[] = { "tcpcom", "--config", (char *)conf, NULL };
	char *flags[] = { "tcpcom", "--port", "3333", "--config", (char *)conf,
	    "--server", "10.3.3.3", NULL };
	char err[512];

	(void)state;
	assert_int_equal(parse(ARGC(file_only), file_only, &o, err,
	    sizeof err), OPTIONS_RUN);
	assert_string_equal(o.cfg.server, "10.1.1.1");
	assert_int_equal(o.cfg.port, 1111);
	assert_int_equal(o.cfg.length_bits, 16);

	env_server = "10.2.2.2";
	env_port = "2222";
	assert_int_equal(parse(ARGC(file_only), file_only, &o, err,
	    sizeof err), OPTIONS_RUN);
	assert_string_equal(o.cfg.server, "10.2.2.2");
	assert_int_equal(o.cfg.port, 2222);
	assert_int_equal(o.cfg.length_bits, 16);	/* file, no env */

	assert_int_equal(parse(ARGC(flags), flags, &o, err, sizeof err),
	    OPTIONS_RUN);
	assert_string_equal(o.cfg.server, "10.3.3.3");
	assert_int_equal(o.cfg.port, 3333);
	assert_int_equal(o.cfg.length_bits, 16);

	/* The environment over the defaults, with no file. */
	{
		char *none[] = { "tcpcom", NULL };
		env_server = "plc.local";
		env_port = NULL;
		assert_int_equal(parse(ARGC(none), none, &o, err, sizeof err),
		    OPTIONS_RUN);
		assert_string_equal(o.cfg.server, "plc.local");
		assert_int_equal(o.cfg.port, 5050);
		/* An empty variable counts as unset. */
		env_server = "";
		assert_int_equal(parse(ARGC(none), none, &o, err, sizeof err),
		    OPTIONS_RUN);
		assert_string_equal(o.cfg.server, "192.168.17.100");
	}
}

/* A file written for the original: its names, its quotes, its FORMAT. */
static void
test_options_file_original_names(void **state)
{
	static struct options o;
	const char *conf = conf_write(
	    "# settings of the original client\n"
	    "LENGTH = 64\n"
	    "PORT = 6000\n"
	    "FORMAT = 'utf-8'\n"
	    "SERVER = \"10.0.0.7\"\n"
	    "\n"
	    "   send-cycle=200ms   # trailing comment\n"
	    "toggle-cycle = '1s'\n"
	    "mode = 1\n"
	    "payload = counter\n");
	char *argv[] = { "tcpcom", "--config", (char *)conf, NULL };
	char err[512];

	(void)state;
	assert_int_equal(parse(ARGC(argv), argv, &o, err, sizeof err),
	    OPTIONS_RUN);
	assert_int_equal(o.cfg.length_bits, 64);
	assert_int_equal(o.cfg.port, 6000);
	assert_string_equal(o.cfg.server, "10.0.0.7");
	assert_int_equal(o.cfg.send_cycle_us, 200 * TC_US_PER_MS);
	assert_int_equal(o.cfg.toggle_cycle_us, TC_US_PER_SEC);
	assert_int_equal(o.cfg.mode, 1);
	assert_int_equal(o.cfg.payload, TCPCOM_PAYLOAD_COUNTER);
	assert_string_equal(o.config, conf);
}

/* Refused, with a message that contains every one of `needles`. */
static void
expect_bad(int argc, char **argv, const char *needle1, const char *needle2)
{
	static struct options o;
	char err[1024];

	if (parse(argc, argv, &o, err, sizeof err) != OPTIONS_BAD)
		fail_msg("accepted: %s %s", argv[1], argc > 2 ? argv[2] : "");
	assert_true(err[0] != '\0');
	assert_null(strchr(err, '\n'));	/* one line */
	if (needle1 != NULL && strstr(err, needle1) == NULL)
		fail_msg("'%s' not in: %s", needle1, err);
	if (needle2 != NULL && strstr(err, needle2) == NULL)
		fail_msg("'%s' not in: %s", needle2, err);
}

#define BAD(needle1, needle2, ...) do {					\
	char *argv_[] = { "tcpcom", __VA_ARGS__, NULL };		\
	expect_bad(ARGC(argv_), argv_, needle1, needle2);		\
} while (0)

static void
test_options_bad_flags(void **state)
{
	(void)state;
	BAD("'0'", "port", "--port", "0");
	BAD("70000", "port", "--port", "70000");
	BAD("abc", "port", "--port", "abc");
	BAD("'12'", "length", "--length", "12");
	BAD("2000", "length", "--length", "2000");
	BAD("'0'", "length", "--length", "0");
	BAD("-5ms", "send-cycle", "--send-cycle", "-5ms");
	BAD("'100'", "send-cycle", "--send-cycle", "100");
	BAD("5parsecs", "toggle-cycle", "--toggle-cycle", "5parsecs");
	BAD("'0'", "send-cycle", "--send-cycle", "0");
	BAD("-1s", "duration", "--duration", "-1s");
	BAD("'2'", "mode", "--mode", "2");
	BAD("bogus", "payload", "--payload", "bogus");
	BAD("fixed:0x123456789", NULL, "--payload", "fixed:0x123456789");
	BAD("-3", "count", "--count", "-3");
	BAD("many", "count", "--count", "many");
	BAD("--bogus", "unknown", "--bogus");
	BAD("-x", "unknown", "-x");
	BAD("--port", "needs a value", "--port");
	BAD("stray", NULL, "stray");
	BAD("backoff-max", NULL, "--backoff-min", "2s", "--backoff-max",
	    "1s");
}

/* Numbers are decimal wherever they come from: 010 is ten. */
static void
test_options_numbers_are_decimal(void **state)
{
	static struct options o;
	const char *conf = conf_write("count = 010\nport = 0080\n");
	char *argv[] = { "tcpcom", "--seed", "010", NULL };
	char *argv_conf[] = { "tcpcom", "--config", (char *)conf, NULL };
	char *argv_eight[] = { "tcpcom", "--count", "08", NULL };
	char err[512];

	(void)state;
	assert_int_equal(parse(ARGC(argv), argv, &o, err, sizeof err),
	    OPTIONS_RUN);
	assert_int_equal(o.cfg.seed, 10);
	assert_int_equal(parse(ARGC(argv_conf), argv_conf, &o, err,
	    sizeof err), OPTIONS_RUN);
	assert_int_equal(o.cfg.count, 10);
	assert_int_equal(o.cfg.port, 80);
	assert_int_equal(parse(ARGC(argv_eight), argv_eight, &o, err,
	    sizeof err), OPTIONS_RUN);
	assert_int_equal(o.cfg.count, 8);
	BAD("0x10", "count", "--count", "0x10");
	BAD("0x10", "seed", "--seed", "0x10");
	BAD("0x50", "port", "--port", "0x50");
}

/* A '#' inside a quoted value is part of it; outside, a comment. */
static void
test_options_file_hash_in_quotes(void **state)
{
	static struct options o;
	const char *conf = conf_write(
	    "stats-json = \"/tmp/a#1.json\"   # the first\n"
	    "# stats-json = /tmp/never\n"
	    "payload = 'counter' # a 'quoted' # comment\n"
	    "send-cycle = 200ms#no space\n");
	const char *conf2 = conf_write("stats-json = '#b.json'\n");
	char *argv[] = { "tcpcom", "--config", (char *)conf, NULL };
	char *argv2[] = { "tcpcom", "--config", (char *)conf2, NULL };
	char err[512];

	(void)state;
	assert_int_equal(parse(ARGC(argv), argv, &o, err, sizeof err),
	    OPTIONS_RUN);
	assert_string_equal(o.stats_json, "/tmp/a#1.json");
	assert_int_equal(o.cfg.payload, TCPCOM_PAYLOAD_COUNTER);
	assert_int_equal(o.cfg.send_cycle_us, 200 * TC_US_PER_MS);
	assert_int_equal(parse(ARGC(argv2), argv2, &o, err, sizeof err),
	    OPTIONS_RUN);
	assert_string_equal(o.stats_json, "#b.json");
}

/*
 * The PLC sees every flip only when bit 0 flips at most once per frame:
 * a toggle cycle shorter than the send cycle is refused, unless a frame
 * goes out on every flip or nothing toggles (mode 1).
 */
static void
test_options_toggle_not_shorter_than_send(void **state)
{
	static struct options o;
	char *ok[][7] = {
		{ "tcpcom", "--toggle-cycle", "100ms", "--send-cycle", "100ms",
		  NULL },
		{ "tcpcom", "--toggle-cycle", "250ms", "--send-cycle", "100ms",
		  NULL },
		{ "tcpcom", "--toggle-cycle", "50ms", "--send-cycle", "100ms",
		  "--send-on-toggle", NULL },
		{ "tcpcom", "--toggle-cycle", "50ms", "--send-cycle", "100ms",
		  "--mode", "1" },
	};
	struct tcpcom_config cfg;
	char err[512];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		int argc = 0;

		while (argc < 7 && ok[i][argc] != NULL)
			argc++;
		if (parse(argc, ok[i], &o, err, sizeof err) != OPTIONS_RUN)
			fail_msg("refused: %s %s %s %s: %s", ok[i][1], ok[i][2],
			    ok[i][3], ok[i][4], err);
	}
	BAD("toggle-cycle 50ms is shorter than send-cycle 100ms",
	    "--send-on-toggle", "--toggle-cycle", "50ms", "--send-cycle",
	    "100ms");
	/* The default send cycle (100ms). */
	BAD("toggle-cycle 99ms", "send-cycle 100ms", "--toggle-cycle", "99ms");

	tcpcom_config_init(&cfg);
	cfg.send_cycle_us = 100 * TC_US_PER_MS;
	cfg.toggle_cycle_us = 99999;
	assert_int_equal(options_check_cycles(&cfg, err, sizeof err), -1);
	cfg.toggle_cycle_us = 100000;
	assert_int_equal(options_check_cycles(&cfg, err, sizeof err), 0);
	cfg.toggle_cycle_us = 1;
	cfg.send_on_toggle = 1;
	assert_int_equal(options_check_cycles(&cfg, err, sizeof err), 0);
}

static void
test_options_bad_environment(void **state)
{
	(void)state;
	env_port = "70000";
	BAD("TCPCOM_PORT", "70000", "--length", "32");
	env_port = "0";
	BAD("TCPCOM_PORT", "'0'", "--length", "32");
	/* A bad variable is refused even when a flag would override it: the
	 * setting is wrong where it is written. */
	env_port = "abc";
	BAD("TCPCOM_PORT", "abc", "--port", "80");
}

static void
test_options_bad_file(void **state)
{
	const char *malformed = conf_write(
	    "port = 6000\n"
	    "# fine so far\n"
	    "this line has no equals sign\n"
	    "length = 64\n");
	const char *bad_value = conf_write("SERVER = 10.0.0.1\nPORT = 0\n");
	const char *unknown = conf_write("colour = blue\n");
	char where[128];

	(void)state;
	snprintf(where, sizeof where, "%s:3:", malformed);
	BAD(where, "no equals", "--config", (char *)malformed);
	snprintf(where, sizeof where, "%s:2:", bad_value);
	BAD(where, "'0'", "--config", (char *)bad_value);
	snprintf(where, sizeof where, "%s:1:", unknown);
	BAD(where, "colour", "--config", (char *)unknown);
	BAD("/nonexistent/tcpcom.conf", "cannot read", "--config",
	    "/nonexistent/tcpcom.conf");
	/* A directory cannot be read as a file either. */
	BAD("'/'", NULL, "--config", "/");
}

/* --help and --version print and ask for a clean exit. */
static void
test_options_help_version(void **state)
{
	static struct options o;
	char *help[] = { "tcpcom", "--help", NULL };
	char *h[] = { "tcpcom", "-h", "--port", "0", NULL };
	char *version[] = { "tcpcom", "--version", NULL };
	char err[512];
	int saved, null;

	(void)state;
	fflush(stdout);
	saved = dup(STDOUT_FILENO);
	null = open("/dev/null", O_WRONLY);
	assert_true(saved >= 0 && null >= 0);
	dup2(null, STDOUT_FILENO);
	close(null);

	assert_int_equal(parse(ARGC(help), help, &o, err, sizeof err),
	    OPTIONS_DONE);
	assert_int_equal(parse(ARGC(h), h, &o, err, sizeof err),
	    OPTIONS_DONE);
	assert_int_equal(parse(ARGC(version), version, &o, err, sizeof err),
	    OPTIONS_DONE);

	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_options_defaults_are_the_originals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_options_flags, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_options_log_levels, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_options_fixed_payload,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_options_precedence, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_options_file_original_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_options_bad_flags, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_options_numbers_are_decimal, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_options_file_hash_in_quotes, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_options_toggle_not_shorter_than_send, setup, teardown),
		cmocka_unit_test_setup_teardown(test_options_bad_environment,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_options_bad_file, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_options_help_version,
		    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
