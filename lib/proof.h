/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the first pass of a password change verified, so that the second
 * need not compute the same hash again (pam_sm_chauthtok's PAM_PRELIM_CHECK
 * and PAM_UPDATE_AUTHTOK).  A proof holds no secret in the clear: only
 * keyed digests (HMAC-SHA-256 under a random key of its own) of the stored
 * value that was read and of the password that matched it. */
#ifndef PP_PROOF_H
#define PP_PROOF_H

#include <stdbool.h>

#include "name.h"

#define PP_PROOF_DIGEST 32

struct pp_proof {
	bool made;
	char name[PP_NAME_MAX + 1]; /* the canonical mailbox name */
	unsigned char key[PP_PROOF_DIGEST];
	unsigned char stored[PP_PROOF_DIGEST];   /* of the stored value */
	unsigned char password[PP_PROOF_DIGEST]; /* of the password */
};

/* password matched stored, the value mailbox name holds: remember that.
 * 0, or -1 (no randomness, no digest) and proof left unmade. */
int pp_proof_make(struct pp_proof *proof, const char *name, const char *stored,
		  const char *password);

/* Would checking password against stored, for mailbox name, only repeat
 * what proof remembers?  False for an unmade proof, or a NULL one, or when
 * any of the three differs; the digests are compared in constant time. */
bool pp_proof_holds(const struct pp_proof *proof, const char *name, const char *stored,
		    const char *password);

/* Wipe it: an unmade proof. */
void pp_proof_clear(struct pp_proof *proof);

#endif
