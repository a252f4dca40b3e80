/*
 * digest: SHA-256 as the report records it, so that a signed report names
 * exactly the scenario bytes that were played. OpenSSL's libcrypto
 * computes it; nothing here is cryptography of our own.
 */
#ifndef PLCSIM_DIGEST_H
#define PLCSIM_DIGEST_H

#include <stddef.h>

/* 64 lowercase hex digits and a NUL. */
#define DIGEST_HEX_LEN	65

/* The SHA-256 of `len` bytes at `data`, as hex. 0, or -1 when libcrypto
 * failed (out of memory). */
int digest_sha256_hex(const void *data, size_t len,
    char hex[DIGEST_HEX_LEN]);

/* The libcrypto in use, as it names itself ("OpenSSL 3.0.19 ..."). */
const char *digest_library_version(void);

#endif
