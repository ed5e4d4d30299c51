/* SPDX-License-Identifier: GPL-2.0-or-later */
/* {plain}: the password itself, PowerMail 1.0's only form; and Dovecot's
 * {plain-trunc}. */
#include "scheme_family.h"
#include "secret.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

enum pp_verdict pp_plain_verify(const struct pp_scheme *scheme, const char *value,
				enum pp_encoding enc, const char *password, const char **why)
{
	unsigned char a[EVP_MAX_MD_SIZE], b[EVP_MAX_MD_SIZE];
	unsigned alen = 0, blen = 0;
	enum pp_verdict verdict = PP_MALFORMED;

	(void)scheme;
	(void)enc;
	/* Compare digests, not the strings: then the time taken does not even
	 * depend on the stored password's length. */
	if (!EVP_Digest(value, strlen(value), a, &alen, EVP_sha256(), NULL) ||
	    !EVP_Digest(password, strlen(password), b, &blen, EVP_sha256(), NULL)) {
		*why = "SHA-256 is not available";
		goto done;
	}
	verdict = pp_ct_equal(a, alen, b, blen) ? PP_MATCH : PP_MISMATCH;
done:
	explicit_bzero(a, sizeof a);
	explicit_bzero(b, sizeof b);
	return verdict;
}

int pp_plain_hash(const struct pp_scheme *scheme, const char *method, const char *password,
		  char *out, size_t outsize, const char **why)
{
	(void)method;
	if (pp_format_stored(scheme, password, out, outsize) != 0) {
		*why = "the value does not fit";
		return -1;
	}
	return 0;
}

/* Dovecot's {plain-trunc}: "N-TEXT", the first N bytes of a password kept
 * by a system that cut it.  A password at least N long matches when its
 * first N bytes are TEXT (as TEXT is N long); otherwise it must equal TEXT.
 * N is 1 or more: Dovecot reads "0-" as matching every password. */
enum pp_verdict pp_plain_trunc_verify(const struct pp_scheme *scheme, const char *value,
				      enum pp_encoding enc, const char *password,
				      const char **why)
{
	const char *text = value + strspn(value, "0123456789");
	size_t digits = (size_t)(text - value), n = 0, len = strlen(password);
	enum pp_verdict verdict;
	char *cut;

	if (digits == 0 || digits > 4 || *text != '-') {
		*why = "not N-password";
		return PP_MALFORMED;
	}
	for (size_t i = 0; i < digits; i++)
		n = n * 10 + (size_t)(value[i] - '0');
	text++;
	if (n == 0 || n > PP_MAX_PASSWORD) {
		*why = "the length is not 1 to 4096";
		return PP_MALFORMED;
	}
	if (strlen(text) != n || len < n)
		return pp_plain_verify(scheme, text, enc, password, why);
	cut = pp_strdup_secret(password);
	if (cut == NULL) {
		*why = "out of memory";
		return PP_MALFORMED;
	}
	cut[n] = '\0';
	verdict = pp_plain_verify(scheme, text, enc, cut, why);
	pp_free_secret(cut);
	return verdict;
}

int pp_plain_trunc_hash(const struct pp_scheme *scheme, const char *method, const char *password,
			char *out, size_t outsize, const char **why)
{
	int n;

	(void)method;
	n = snprintf(out, outsize, "{%s}%zu-%s", scheme->name, strlen(password), password);
	if (n < 0 || (size_t)n >= outsize) {
		explicit_bzero(out, outsize);
		*why = "the value does not fit";
		return -1;
	}
	return 0;
}
