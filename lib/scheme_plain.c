/* {plain}: the password itself, PowerMail 1.0's only form. */
#include "scheme_family.h"
#include "secret.h"

#include <openssl/evp.h>
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
