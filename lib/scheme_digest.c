/* SPDX-License-Identifier: GPL-2.0-or-later */
/* {sha1}, {ssha}, {sha256}, {ssha256}, {sha512}, {ssha512}, {plain-md5},
 * {ldap-md5}, {smd5}, {plain-md4}, {ntlm}, {cram-md5}: a plain or salted
 * digest of the password, base64 or hex, as PowerMail and Dovecot write
 * them.  The rows differ in how the digest is made (params->compute). */
#include "encoding.h"
#include "scheme_family.h"
#include "secret.h"

#include <openssl/evp.h>
#include <stdbool.h>
#include <string.h>

#define MAX_SALT 256
/* Dovecot's salt length: longer salts can collide with the hex rule below
 * (base64 of SHA-1 plus 8 bytes is 40 characters, like hex SHA-1). */
#define NEW_SALT 4

/* digest(password || salt) into md, or the row's own compute; 0 or -1. */
static int digest(const struct pp_digest_params *p, const char *password,
		  const unsigned char *salt, size_t saltlen, unsigned char *md)
{
	if (p->compute != NULL)
		return p->compute(p, password, salt, saltlen, md);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	const EVP_MD *type = EVP_get_digestbyname(p->md);
	unsigned mdlen = 0;
	int ok;

	ok = ctx != NULL && type != NULL && EVP_DigestInit_ex(ctx, type, NULL) &&
	     EVP_DigestUpdate(ctx, password, strlen(password)) &&
	     EVP_DigestUpdate(ctx, salt, saltlen) && EVP_DigestFinal_ex(ctx, md, &mdlen) &&
	     mdlen == p->len;
	EVP_MD_CTX_free(ctx);
	return ok ? 0 : -1;
}

enum pp_verdict pp_digest_verify(const struct pp_scheme *scheme, const char *value,
				 enum pp_encoding enc, const char *password, const char **why)
{
	const struct pp_digest_params *p = scheme->params;
	unsigned char raw[EVP_MAX_MD_SIZE + MAX_SALT], md[EVP_MAX_MD_SIZE];
	size_t len = strlen(value);
	long rawlen;
	enum pp_verdict verdict = PP_MALFORMED;

	/* No suffix: twice the digest size in hex digits is hex (Dovecot's
	 * rule), anything else base64.  A salted value that long would hold
	 * no salt as hex: like Dovecot, read it as base64. */
	if (enc == PP_ENC_AUTO)
		enc = !p->salted && len == 2 * p->len &&
				      strspn(value, "0123456789abcdefABCDEF") == len
			      ? PP_ENC_HEX
			      : PP_ENC_BASE64;
	rawlen = enc == PP_ENC_HEX ? pp_hex_decode(value, len, raw, sizeof raw)
				   : pp_b64_decode(value, len, raw, sizeof raw);
	if (rawlen < 0) {
		*why = enc == PP_ENC_HEX ? "not valid hex" : "not valid base64";
		return PP_MALFORMED;
	}
	if (p->salted ? (size_t)rawlen <= p->len : (size_t)rawlen != p->len) {
		*why = p->salted ? "the digest is too short to hold a salt"
				 : "the digest has the wrong length";
		return PP_MALFORMED;
	}
	if (digest(p, password, raw + p->len, (size_t)rawlen - p->len, md) != 0) {
		*why = "the digest is not available";
		goto done;
	}
	verdict = pp_ct_equal(md, p->len, raw, p->len) ? PP_MATCH : PP_MISMATCH;
done:
	explicit_bzero(md, sizeof md);
	return verdict;
}

int pp_digest_hash(const struct pp_scheme *scheme, const char *method, const char *password,
		   char *out, size_t outsize, const char **why)
{
	const struct pp_digest_params *p = scheme->params;
	unsigned char raw[EVP_MAX_MD_SIZE + NEW_SALT];
	size_t saltlen = p->salted ? NEW_SALT : 0;
	char body[PP_B64_SIZE(sizeof raw) + PP_HEX_SIZE(sizeof raw)];
	bool hex = scheme->flags & PP_SCHEME_HEX;
	int rc = -1;

	(void)method;
	if (saltlen > 0 && pp_random(raw + p->len, saltlen) != 0) {
		*why = "getrandom failed";
		return -1;
	}
	if (digest(p, password, raw + p->len, saltlen, raw) != 0)
		*why = "the digest is not available";
	else if ((hex ? pp_hex_encode(raw, p->len + saltlen, body, sizeof body)
		      : pp_b64_encode(raw, p->len + saltlen, body, sizeof body)) < 0 ||
		 pp_format_stored(scheme, body, out, outsize) != 0)
		*why = "the value does not fit";
	else
		rc = 0;
	explicit_bzero(raw, sizeof raw);
	return rc;
}
