/*
 * Unit tests of the PLC's address for plcsim proxy (plcsim/upstream.c,
 * upstream_resolve): numeric addresses only, so that no name service is
 * asked. The connection itself is tested end to end (test_proxy.py).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "upstream.h"

static void
test_resolve(void **state)
{
	struct upstream_addr a;
	char err[256];

	(void)state;
	assert_int_equal(upstream_resolve("127.0.0.1:5050", &a, err,
	    sizeof err), 0);
	assert_string_equal(a.name, "127.0.0.1:5050");
	assert_int_equal(a.ss.ss_family, AF_INET);
	assert_int_equal(upstream_resolve("[::1]:502", &a, err, sizeof err),
	    0);
	assert_string_equal(a.name, "[::1]:502");
	assert_int_equal(a.ss.ss_family, AF_INET6);
	/* A PLC needs both its host and its port. */
	assert_int_equal(upstream_resolve(":5050", &a, err, sizeof err), -1);
	assert_non_null(strstr(err, "host and port"));
	assert_int_equal(upstream_resolve("127.0.0.1:0", &a, err, sizeof err),
	    -1);
	assert_int_equal(upstream_resolve("127.0.0.1:99999", &a, err,
	    sizeof err), -1);
	assert_int_equal(upstream_resolve("127.0.0.1:", &a, err, sizeof err),
	    -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_resolve),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
