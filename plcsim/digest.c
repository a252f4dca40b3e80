/* digest: SHA-256 through libcrypto's EVP interface; see digest.h. */
#include <stdio.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "digest.h"

int
digest_sha256_hex(const void *data, size_t len, char hex[DIGEST_HEX_LEN])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;

	hex[0] = '\0';
	if (EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) != 1 ||
	    mdlen != 32)
		return -1;
	for (i = 0; i < mdlen; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	return 0;
}

const char *
digest_library_version(void)
{
	return OpenSSL_version(OPENSSL_VERSION);
}
