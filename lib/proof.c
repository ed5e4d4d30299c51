/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Proofs of a verified password (proof.h): keyed digests, compared in
 * constant time, wiped. */
#include "proof.h"
#include "secret.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <string.h>

/* HMAC-SHA-256 of text under key; 0 or -1. */
static int digest(const unsigned char *key, const char *text, unsigned char *out)
{
	unsigned int len = 0;

	return HMAC(EVP_sha256(), key, PP_PROOF_DIGEST, (const unsigned char *)text, strlen(text),
		    out, &len) != NULL && len == PP_PROOF_DIGEST
		       ? 0
		       : -1;
}

int pp_proof_make(struct pp_proof *proof, const char *name, const char *stored,
		  const char *password)
{
	pp_proof_clear(proof);
	if (name == NULL || stored == NULL || password == NULL ||
	    strlen(name) >= sizeof proof->name || pp_random(proof->key, sizeof proof->key) != 0 ||
	    digest(proof->key, stored, proof->stored) != 0 ||
	    digest(proof->key, password, proof->password) != 0) {
		pp_proof_clear(proof);
		return -1;
	}
	memcpy(proof->name, name, strlen(name) + 1);
	proof->made = true;
	return 0;
}

bool pp_proof_holds(const struct pp_proof *proof, const char *name, const char *stored,
		    const char *password)
{
	unsigned char now_stored[PP_PROOF_DIGEST], now_password[PP_PROOF_DIGEST];
	bool holds;

	if (proof == NULL || !proof->made || name == NULL || stored == NULL || password == NULL)
		return false;
	holds = digest(proof->key, stored, now_stored) == 0 &&
		digest(proof->key, password, now_password) == 0;
	/* All three compared, whichever differs. */
	holds &= pp_ct_equal(proof->name, strlen(proof->name), name, strlen(name));
	holds &= pp_ct_equal(proof->stored, sizeof proof->stored, now_stored, sizeof now_stored);
	holds &= pp_ct_equal(proof->password, sizeof proof->password, now_password,
			     sizeof now_password);
	explicit_bzero(now_stored, sizeof now_stored);
	explicit_bzero(now_password, sizeof now_password);
	return holds;
}

void pp_proof_clear(struct pp_proof *proof)
{
	explicit_bzero(proof, sizeof *proof);
}
