/*
 * libnss_tcpcomtest.so.2: a name service for the tests of name lookups,
 * loaded only by a test program that asks for it (link_client with
 * LINK_CLIENT_NSS=tcpcomtest calls __nss_configure_lookup), never by the
 * system. Its names:
 *
 *	dual.tcpcom.test	::1 and 127.0.0.1 (both loopback families)
 *	slow.tcpcom.test	no answer for 10 s, then "not found": a
 *				resolver that waits for its full timeout
 *
 * Every other name is not found.
 */
#include <errno.h>
#include <netdb.h>
#include <nss.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

enum nss_status _nss_tcpcomtest_gethostbyname4_r(const char *name,
    struct gaih_addrtuple **pat, char *buffer, size_t buflen, int *errnop,
    int *herrnop, int32_t *ttlp);

#define SLOW_SECONDS 10

static const char DUAL[] = "dual.tcpcom.test";
static const char SLOW[] = "slow.tcpcom.test";

enum nss_status
_nss_tcpcomtest_gethostbyname4_r(const char *name,
    struct gaih_addrtuple **pat, char *buffer, size_t buflen, int *errnop,
    int *herrnop, int32_t *ttlp)
{
	struct gaih_addrtuple *t;
	struct timespec ts = { SLOW_SECONDS, 0 };

	if (strcmp(name, SLOW) == 0) {
		while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
			;
		*errnop = ENOENT;
		*herrnop = HOST_NOT_FOUND;
		return NSS_STATUS_NOTFOUND;
	}
	if (strcmp(name, DUAL) != 0) {
		*errnop = ENOENT;
		*herrnop = HOST_NOT_FOUND;
		return NSS_STATUS_NOTFOUND;
	}
	if (buflen < 2 * sizeof *t + sizeof DUAL) {
		*errnop = ERANGE;
		*herrnop = NETDB_INTERNAL;
		return NSS_STATUS_TRYAGAIN;
	}
	t = (struct gaih_addrtuple *)(void *)buffer;
	memset(t, 0, 2 * sizeof *t);
	memcpy(buffer + 2 * sizeof *t, DUAL, sizeof DUAL);
	t[0].next = &t[1];
	t[0].name = buffer + 2 * sizeof *t;
	t[0].family = AF_INET6;
	((uint8_t *)t[0].addr)[15] = 1;			/* ::1 */
	t[1].next = NULL;
	t[1].name = NULL;
	t[1].family = AF_INET;
	memcpy(t[1].addr, "\x7f\x00\x00\x01", 4);	/* 127.0.0.1 */
	*pat = t;
	if (ttlp != NULL)
		*ttlp = 0;
	return NSS_STATUS_SUCCESS;
}
