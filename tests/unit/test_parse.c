/* Unit tests of the value parsers (client/parse.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "parse.h"

static void
duration_ok(const char *text, tc_us_t want)
{
	char err[256] = "";
	tc_us_t v = 12345;

	if (parse_duration(text, &v, err, sizeof err) != 0)
		fail_msg("'%s' refused: %s", text, err);
	assert_int_equal(v, want);
}

/* A refused value leaves the output alone and names itself in the message. */
static void
duration_bad(const char *text)
{
	char err[256] = "";
	tc_us_t v = 12345;

	if (parse_duration(text, &v, err, sizeof err) == 0)
		fail_msg("'%s' accepted as %llu us", text,
		    (unsigned long long)v);
	assert_int_equal(v, 12345);
	assert_true(err[0] != '\0');
	if (text[0] != '\0' && strstr(err, text) == NULL)
		fail_msg("message for '%s' does not name it: %s", text, err);
	if (text[0] == '\0' && strstr(err, "''") == NULL)
		fail_msg("message for the empty value: %s", err);
}

static void
test_parse_duration_units(void **state)
{
	(void)state;
	duration_ok("500us", 500);
	duration_ok("100ms", 100 * TC_US_PER_MS);
	duration_ok("2s", 2 * TC_US_PER_SEC);
	duration_ok("1.5s", 1500 * TC_US_PER_MS);
	duration_ok("1m", 60 * TC_US_PER_SEC);
	duration_ok("2h", 7200 * TC_US_PER_SEC);
	duration_ok("0.5ms", 500);
	duration_ok(".25s", 250 * TC_US_PER_MS);
	duration_ok("1.000001s", TC_US_PER_SEC + 1);
	duration_ok("007ms", 7 * TC_US_PER_MS);
	duration_ok("1000h", 1000ULL * 3600 * TC_US_PER_SEC);
}

static void
test_parse_duration_zero(void **state)
{
	(void)state;
	/* Zero needs no unit: it is zero in every unit. */
	duration_ok("0", 0);
	duration_ok("0.0", 0);
	duration_ok("0ms", 0);
	duration_ok("0s", 0);
}

static void
test_parse_duration_bad(void **state)
{
	(void)state;
	duration_bad("-5ms");		/* negative */
	duration_bad("-0");
	duration_bad("100");		/* no unit */
	duration_bad("1.5");
	duration_bad("5xs");		/* unknown unit */
	duration_bad("5 ms");
	duration_bad("5MS");
	duration_bad("5msec");
	duration_bad("");		/* empty */
	duration_bad("ms");		/* a unit alone */
	duration_bad(".");
	duration_bad("abc");
	duration_bad("1001h");		/* too long */
	duration_bad("60001m");
	duration_bad("99999999999999999999999s");
	duration_bad("3600000001s");
	duration_bad(" 5ms");
}

static void
test_parse_format_duration(void **state)
{
	static const tc_us_t values[] = {
		0, 1, 250, 999, 1000, 100 * TC_US_PER_MS, TC_US_PER_SEC,
		1500 * TC_US_PER_MS, 2 * TC_US_PER_SEC, 3600 * TC_US_PER_SEC,
	};
	char out[32];
	size_t i;
	tc_us_t back;

	(void)state;
	format_duration(0, out, sizeof out);
	assert_string_equal(out, "0");
	format_duration(250, out, sizeof out);
	assert_string_equal(out, "250us");
	format_duration(100 * TC_US_PER_MS, out, sizeof out);
	assert_string_equal(out, "100ms");
	format_duration(2 * TC_US_PER_SEC, out, sizeof out);
	assert_string_equal(out, "2s");
	format_duration(1500 * TC_US_PER_MS, out, sizeof out);
	assert_string_equal(out, "1.5s");
	/* What it writes, parse_duration reads back. */
	for (i = 0; i < sizeof values / sizeof values[0]; i++) {
		format_duration(values[i], out, sizeof out);
		assert_int_equal(parse_duration(out, &back, out, sizeof out), 0);
		assert_int_equal(back, values[i]);
	}
}

/* The formatters return their buffer, for use as printf arguments. */
static void
test_parse_format_returns_buffer(void **state)
{
	char out[32];

	(void)state;
	assert_ptr_equal(format_duration(5, out, sizeof out), out);
	assert_ptr_equal(format_measured(5, out, sizeof out), out);
	assert_ptr_equal(format_at(5, out, sizeof out), out);
}

/* Measured values, rounded: a tenth of a ms, a ms of a second. */
static void
test_parse_format_measured(void **state)
{
	char out[32];

	(void)state;
	assert_string_equal(format_measured(0, out, sizeof out), "0us");
	assert_string_equal(format_measured(730, out, sizeof out), "730us");
	assert_string_equal(format_measured(999, out, sizeof out), "999us");
	assert_string_equal(format_measured(1000, out, sizeof out), "1ms");
	assert_string_equal(format_measured(612440, out, sizeof out),
	    "612.4ms");
	assert_string_equal(format_measured(612460, out, sizeof out),
	    "612.5ms");
	assert_string_equal(format_measured(100 * TC_US_PER_MS, out,
	    sizeof out), "100ms");
	assert_string_equal(format_measured(TC_US_PER_SEC, out, sizeof out),
	    "1s");
	assert_string_equal(format_measured(1250 * TC_US_PER_MS, out,
	    sizeof out), "1.25s");
	assert_string_equal(format_measured(1250400, out, sizeof out),
	    "1.25s");
	assert_string_equal(format_measured(61234567, out, sizeof out),
	    "61.235s");
	/* Cut to the buffer, still a string. */
	assert_string_equal(format_measured(1250 * TC_US_PER_MS, out, 4),
	    "1.2");
}

/* Instants since time 0, always to the millisecond. */
static void
test_parse_format_at(void **state)
{
	char out[32];

	(void)state;
	assert_string_equal(format_at(0, out, sizeof out), "0.000s");
	assert_string_equal(format_at(999, out, sizeof out), "0.000s");
	assert_string_equal(format_at(3 * TC_US_PER_SEC, out, sizeof out),
	    "3.000s");
	assert_string_equal(format_at(2345678, out, sizeof out), "2.345s");
	assert_string_equal(format_at(3600 * TC_US_PER_SEC + 1000, out,
	    sizeof out), "3600.001s");
}

static void
test_parse_frame_length(void **state)
{
	static const char *bad[] = { "0", "7", "12", "1032", "2000", "-8",
	    "32bits", "", " 32", "abc" };
	char err[256];
	unsigned bits = 0;
	size_t i;

	(void)state;
	assert_int_equal(parse_frame_length("8", &bits, err, sizeof err), 0);
	assert_int_equal(bits, 8);
	assert_int_equal(parse_frame_length("1024", &bits, err, sizeof err),
	    0);
	assert_int_equal(bits, 1024);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		bits = 99;
		assert_int_equal(parse_frame_length(bad[i], &bits, err,
		    sizeof err), -1);
		assert_int_equal(bits, 99);
		assert_non_null(strstr(err, "multiple of 8"));
		if (bad[i][0] != '\0')
			assert_non_null(strstr(err, bad[i]));
	}
}

static void
test_parse_port(void **state)
{
	char err[256];
	uint16_t p = 0;

	(void)state;
	assert_int_equal(parse_port("1", &p, err, sizeof err), 0);
	assert_int_equal(p, 1);
	assert_int_equal(parse_port("5050", &p, err, sizeof err), 0);
	assert_int_equal(p, 5050);
	assert_int_equal(parse_port("65535", &p, err, sizeof err), 0);
	assert_int_equal(p, 65535);
}

static void
port_bad(const char *text)
{
	char err[256] = "";
	uint16_t p = 777;

	if (parse_port(text, &p, err, sizeof err) == 0)
		fail_msg("port '%s' accepted as %u", text, (unsigned)p);
	assert_int_equal(p, 777);
	if (strstr(err, text) == NULL)
		fail_msg("message for '%s' does not name it: %s", text, err);
}

static void
test_parse_port_bad(void **state)
{
	(void)state;
	port_bad("0");
	port_bad("70000");
	port_bad("65536");
	port_bad("-1");
	port_bad("abc");
	port_bad("");
	port_bad("80x");
	port_bad(" 80");
	port_bad("99999999999999999999999");
}

static void
test_parse_long(void **state)
{
	char err[256];
	long v = 0;

	(void)state;
	assert_int_equal(parse_long("-3", -5, 5, &v, err, sizeof err), 0);
	assert_int_equal(v, -3);
	assert_int_equal(parse_long("6", -5, 5, &v, err, sizeof err), -1);
	assert_non_null(strstr(err, "6"));
	assert_int_equal(parse_long("1.0", 0, 5, &v, err, sizeof err), -1);
	assert_non_null(strstr(err, "1.0"));
	assert_int_equal(parse_long("\t1", 0, 5, &v, err, sizeof err), -1);
}

static void
test_parse_host_port(void **state)
{
	char host[64], err[256];
	uint16_t port = 0;

	(void)state;
	assert_int_equal(parse_host_port("127.0.0.1:5050", host, sizeof host,
	    &port, err, sizeof err), 0);
	assert_string_equal(host, "127.0.0.1");
	assert_int_equal(port, 5050);

	assert_int_equal(parse_host_port("plc.example:80", host, sizeof host,
	    &port, err, sizeof err), 0);
	assert_string_equal(host, "plc.example");
	assert_int_equal(port, 80);

	assert_int_equal(parse_host_port("[::1]:6000", host, sizeof host,
	    &port, err, sizeof err), 0);
	assert_string_equal(host, "::1");
	assert_int_equal(port, 6000);

	/* The host may be left out, and port 0 means "pick one". */
	assert_int_equal(parse_host_port(":0", host, sizeof host, &port, err,
	    sizeof err), 0);
	assert_string_equal(host, "");
	assert_int_equal(port, 0);
}

static void
host_port_bad(const char *text, size_t hostlen)
{
	char host[300], err[512] = "";
	uint16_t port = 9;

	assert_true(hostlen <= sizeof host);
	if (parse_host_port(text, host, hostlen, &port, err, sizeof err) == 0)
		fail_msg("'%s' accepted", text);
	assert_int_equal(port, 9);
	if (strstr(err, text) == NULL)
		fail_msg("message for '%s' does not name it: %s", text, err);
}

static void
test_parse_host_port_bad(void **state)
{
	(void)state;
	host_port_bad("localhost", 64);		/* no port */
	host_port_bad("localhost:", 64);
	host_port_bad("localhost:70000", 64);
	host_port_bad("localhost:abc", 64);
	host_port_bad("localhost:-1", 64);
	host_port_bad("[::1]6000", 64);
	host_port_bad("[::1", 64);
	host_port_bad("a-rather-long-host-name:80", 8);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_duration_units),
		cmocka_unit_test(test_parse_duration_zero),
		cmocka_unit_test(test_parse_duration_bad),
		cmocka_unit_test(test_parse_format_duration),
		cmocka_unit_test(test_parse_format_returns_buffer),
		cmocka_unit_test(test_parse_format_measured),
		cmocka_unit_test(test_parse_format_at),
		cmocka_unit_test(test_parse_frame_length),
		cmocka_unit_test(test_parse_port),
		cmocka_unit_test(test_parse_port_bad),
		cmocka_unit_test(test_parse_long),
		cmocka_unit_test(test_parse_host_port),
		cmocka_unit_test(test_parse_host_port_bad),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
