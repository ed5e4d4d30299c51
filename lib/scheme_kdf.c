/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The PBKDF2 schemes, through libcrypto: Dovecot's {pbkdf2}
 * ("$1$SALT$ROUNDS$HEX", PBKDF2-HMAC-SHA1 of 20 bytes, the salt text used as
 * it is) and {scram-sha-1}/{scram-sha-256} ("ITER,SALT,STOREDKEY,SERVERKEY",
 * base64, RFC 5802).  The iterations are capped like every other cost. */
#include "cost.h"
#include "encoding.h"
#include "scheme_family.h"
#include "secret.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PBKDF2_LEN 20
#define PBKDF2_NEW_ROUNDS 5000 /* Dovecot's */
#define PBKDF2_NEW_SALT 16     /* characters of the crypt alphabet */
#define SCRAM_NEW_ITER 4096    /* Dovecot's, and RFC 7677's minimum */
#define SCRAM_NEW_SALT 16
#define SCRAM_MAX_SALT 256

/* Iterations as written: decimal digits only, 1 to the cap; else -1. */
static long iterations(const char *s, size_t len, long min, const char **why)
{
	long n = 0;

	if (len == 0 || len > 7 || strspn(s, "0123456789") < len) {
		*why = "unreadable iteration count";
		return -1;
	}
	for (size_t i = 0; i < len; i++)
		n = n * 10 + (s[i] - '0');
	if (n < min) {
		/* Dovecot derives an all-zero key from 0 rounds, which any
		 * password then matches. */
		*why = "iteration count too low";
		return -1;
	}
	if (n > PP_CAP_PBKDF2_ROUNDS) {
		*why = "iteration count above the cap";
		return -1;
	}
	return n;
}

enum pp_verdict pp_pbkdf2_verify(const struct pp_scheme *scheme, const char *value,
				 enum pp_encoding enc, const char *password, const char **why)
{
	unsigned char want[PBKDF2_LEN], got[PBKDF2_LEN];
	const char *salt, *rounds, *hex;
	enum pp_verdict verdict = PP_MALFORMED;
	long n;

	(void)scheme;
	(void)enc;
	if (strncmp(value, "$1$", 3) != 0 || (rounds = strchr(salt = value + 3, '$')) == NULL ||
	    (hex = strchr(++rounds, '$')) == NULL || strchr(++hex, '$') != NULL) {
		*why = "not $1$salt$rounds$hash";
		return PP_MALFORMED;
	}
	if ((n = iterations(rounds, (size_t)(hex - 1 - rounds), 1, why)) < 0)
		return PP_MALFORMED;
	if (pp_hex_decode(hex, strlen(hex), want, sizeof want) != PBKDF2_LEN) {
		*why = "the hash is not 40 hex digits";
		return PP_MALFORMED;
	}
	if (!PKCS5_PBKDF2_HMAC_SHA1(password, (int)strlen(password), (const unsigned char *)salt,
				    (int)(rounds - 1 - salt), (int)n, PBKDF2_LEN, got))
		*why = "PBKDF2 failed";
	else
		verdict = pp_ct_equal(got, sizeof got, want, sizeof want) ? PP_MATCH : PP_MISMATCH;
	explicit_bzero(got, sizeof got);
	return verdict;
}

long pp_kdf_iterations(const struct pp_scheme *scheme, const char *value)
{
	const char *why, *rounds, *end;

	if (scheme->verify == pp_pbkdf2_verify) {
		if (strncmp(value, "$1$", 3) != 0 || (rounds = strchr(value + 3, '$')) == NULL ||
		    (end = strchr(++rounds, '$')) == NULL)
			return -1;
		return iterations(rounds, (size_t)(end - rounds), 1, &why);
	}
	if (scheme->verify == pp_scram_verify) {
		if ((end = strchr(value, ',')) == NULL)
			return -1;
		return iterations(value, (size_t)(end - value), 1, &why);
	}
	return -1;
}

/* n characters of the crypt alphabet, from getrandom; 0 or -1. */
static int random_text(char *out, size_t n)
{
	static const char alphabet[] =
		"./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
	unsigned char bytes[64];

	if (n >= sizeof bytes || pp_random(bytes, n) != 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		out[i] = alphabet[bytes[i] % 64];
	out[n] = '\0';
	return 0;
}

int pp_pbkdf2_hash(const struct pp_scheme *scheme, const char *method, const char *password,
		   char *out, size_t outsize, const char **why)
{
	char salt[PBKDF2_NEW_SALT + 1], hex[PP_HEX_SIZE(PBKDF2_LEN)], body[128];
	unsigned char key[PBKDF2_LEN];
	int rc = -1;

	(void)method;
	if (random_text(salt, PBKDF2_NEW_SALT) != 0) {
		*why = "getrandom failed";
		return -1;
	}
	if (!PKCS5_PBKDF2_HMAC_SHA1(password, (int)strlen(password), (unsigned char *)salt,
				    PBKDF2_NEW_SALT, PBKDF2_NEW_ROUNDS, PBKDF2_LEN, key))
		*why = "PBKDF2 failed";
	else if (pp_hex_encode(key, sizeof key, hex, sizeof hex) < 0 ||
		 snprintf(body, sizeof body, "$1$%s$%d$%s", salt, PBKDF2_NEW_ROUNDS, hex) < 0 ||
		 pp_format_stored(scheme, body, out, outsize) != 0)
		*why = "the value does not fit";
	else
		rc = 0;
	explicit_bzero(key, sizeof key);
	return rc;
}

/* RFC 5802: SaltedPassword = Hi(password, salt, iter); then
 * StoredKey = H(HMAC(SaltedPassword, "Client Key")) and
 * ServerKey = HMAC(SaltedPassword, "Server Key").  0 or -1. */
static int scram_keys(const struct pp_scram_params *p, const char *password,
		      const unsigned char *salt, size_t saltlen, long iter, unsigned char *stored,
		      unsigned char *server)
{
	const EVP_MD *md = EVP_get_digestbyname(p->md);
	unsigned char salted[EVP_MAX_MD_SIZE], client[EVP_MAX_MD_SIZE];
	unsigned len = 0;
	int ok;

	ok = md != NULL &&
	     PKCS5_PBKDF2_HMAC(password, (int)strlen(password), salt, (int)saltlen, (int)iter, md,
			       (int)p->len, salted) &&
	     HMAC(md, salted, (int)p->len, (const unsigned char *)"Client Key", 10, client, &len) &&
	     EVP_Digest(client, p->len, stored, &len, md, NULL) &&
	     (server == NULL ||
	      HMAC(md, salted, (int)p->len, (const unsigned char *)"Server Key", 10, server, &len));
	explicit_bzero(salted, sizeof salted);
	explicit_bzero(client, sizeof client);
	return ok ? 0 : -1;
}

enum pp_verdict pp_scram_verify(const struct pp_scheme *scheme, const char *value,
				enum pp_encoding enc, const char *password, const char **why)
{
	const struct pp_scram_params *p = scheme->params;
	unsigned char salt[SCRAM_MAX_SALT], want[EVP_MAX_MD_SIZE], server[EVP_MAX_MD_SIZE];
	unsigned char got[EVP_MAX_MD_SIZE];
	const char *f[4], *end;
	size_t flen[4];
	long saltlen, iter;
	enum pp_verdict verdict = PP_MALFORMED;

	(void)enc;
	/* ITER,SALT,STOREDKEY,SERVERKEY: exactly four fields. */
	f[0] = value;
	for (int i = 0; i < 4; i++) {
		end = i < 3 ? strchr(f[i], ',') : f[i] + strlen(f[i]);
		if (end == NULL || (i == 3 && strchr(f[i], ',') != NULL)) {
			*why = "not iterations,salt,storedkey,serverkey";
			return PP_MALFORMED;
		}
		flen[i] = (size_t)(end - f[i]);
		if (i < 3)
			f[i + 1] = end + 1;
	}
	/* Dovecot refuses fewer than 4096 iterations. */
	if ((iter = iterations(f[0], flen[0], 4096, why)) < 0)
		return PP_MALFORMED;
	saltlen = pp_b64_decode(f[1], flen[1], salt, sizeof salt);
	if (saltlen <= 0 || pp_b64_decode(f[2], flen[2], want, sizeof want) != (long)p->len ||
	    pp_b64_decode(f[3], flen[3], server, sizeof server) != (long)p->len) {
		*why = "a field is not base64 of the right length";
		return PP_MALFORMED;
	}
	if (scram_keys(p, password, salt, (size_t)saltlen, iter, got, NULL) != 0)
		*why = "PBKDF2 failed";
	else
		verdict = pp_ct_equal(got, p->len, want, p->len) ? PP_MATCH : PP_MISMATCH;
	explicit_bzero(got, sizeof got);
	return verdict;
}

int pp_scram_hash(const struct pp_scheme *scheme, const char *method, const char *password,
		  char *out, size_t outsize, const char **why)
{
	const struct pp_scram_params *p = scheme->params;
	unsigned char salt[SCRAM_NEW_SALT], stored[EVP_MAX_MD_SIZE], server[EVP_MAX_MD_SIZE];
	char b64salt[PP_B64_SIZE(SCRAM_NEW_SALT)], b64stored[PP_B64_SIZE(EVP_MAX_MD_SIZE)];
	char b64server[PP_B64_SIZE(EVP_MAX_MD_SIZE)], body[256];
	int rc = -1;

	(void)method;
	if (pp_random(salt, sizeof salt) != 0) {
		*why = "getrandom failed";
		return -1;
	}
	if (scram_keys(p, password, salt, sizeof salt, SCRAM_NEW_ITER, stored, server) != 0)
		*why = "PBKDF2 failed";
	else if (pp_b64_encode(salt, sizeof salt, b64salt, sizeof b64salt) < 0 ||
		 pp_b64_encode(stored, p->len, b64stored, sizeof b64stored) < 0 ||
		 pp_b64_encode(server, p->len, b64server, sizeof b64server) < 0 ||
		 snprintf(body, sizeof body, "%d,%s,%s,%s", SCRAM_NEW_ITER, b64salt, b64stored,
			  b64server) < 0 ||
		 pp_format_stored(scheme, body, out, outsize) != 0)
		*why = "the value does not fit";
	else
		rc = 0;
	explicit_bzero(stored, sizeof stored);
	explicit_bzero(server, sizeof server);
	return rc;
}
