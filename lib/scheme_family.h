/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The scheme families: one file each, rows in scheme.c.  Internal to lib/. */
#ifndef PP_SCHEME_FAMILY_H
#define PP_SCHEME_FAMILY_H

#include "scheme.h"

/* scheme_plain.c */
pp_verify_fn pp_plain_verify;
pp_hash_fn pp_plain_hash;
pp_verify_fn pp_plain_trunc_verify;
pp_hash_fn pp_plain_trunc_hash;

/* scheme_crypt.c: params is a struct pp_crypt_params */
struct pp_crypt_params {
	const char *prefixes[4]; /* accepted "$id$" prefixes; none: any crypt(3) value */
	const char *default_method;
};
pp_verify_fn pp_crypt_verify;
pp_hash_fn pp_crypt_hash;
pp_form_fn pp_crypt_form;

/* scheme_digest.c: params is a struct pp_digest_params */
struct pp_digest_params {
	const char *md;   /* OpenSSL digest name */
	size_t len;       /* its output length */
	int salted;       /* value is digest || salt */
	/* How the digest is made; NULL: md over password || salt, with EVP. */
	int (*compute)(const struct pp_digest_params *p, const char *password,
		       const unsigned char *salt, size_t saltlen, unsigned char *out);
};
pp_verify_fn pp_digest_verify;
pp_hash_fn pp_digest_hash;

/* scheme_legacy.c: computes for pp_digest_params */
int pp_md4_compute(const struct pp_digest_params *p, const char *password,
		   const unsigned char *salt, size_t saltlen, unsigned char *out);
int pp_ntlm_compute(const struct pp_digest_params *p, const char *password,
		    const unsigned char *salt, size_t saltlen, unsigned char *out);
int pp_cram_md5_compute(const struct pp_digest_params *p, const char *password,
			const unsigned char *salt, size_t saltlen, unsigned char *out);
int pp_rpa_compute(const struct pp_digest_params *p, const char *password,
		   const unsigned char *salt, size_t saltlen, unsigned char *out);
int pp_lanman_compute(const struct pp_digest_params *p, const char *password,
		      const unsigned char *salt, size_t saltlen, unsigned char *out);

/* scheme_kdf.c: {pbkdf2}, and {scram-sha-1}/{scram-sha-256} whose params
 * is a struct pp_scram_params */
struct pp_scram_params {
	const char *md; /* OpenSSL digest name */
	size_t len;     /* its output length */
};
pp_verify_fn pp_pbkdf2_verify;
pp_hash_fn pp_pbkdf2_hash;
pp_verify_fn pp_scram_verify;
pp_hash_fn pp_scram_hash;
/* The iteration count of value, a {pbkdf2} or {scram-*} value of scheme
 * (past its "{name}"); -1 for another scheme or an unreadable count. */
long pp_kdf_iterations(const struct pp_scheme *scheme, const char *value);

/* scheme_argon2.c: params is a struct pp_argon2_params */
struct pp_argon2_params {
	int type;           /* argon2_type of new values */
	const char *prefix; /* the one variant verified, "$argon2id$"; NULL: the
			     * variant the value names, $argon2i$ or $argon2id$ */
};
pp_verify_fn pp_argon2_verify;
pp_hash_fn pp_argon2_hash;
pp_form_fn pp_argon2_form;

/* Write "{name}" followed by body into out; 0 or -1 when it does not fit. */
int pp_format_stored(const struct pp_scheme *scheme, const char *body, char *out,
		     size_t outsize);

#endif
