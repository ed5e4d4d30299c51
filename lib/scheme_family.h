/* The scheme families: one file each, rows in scheme.c.  Internal to lib/. */
#ifndef PP_SCHEME_FAMILY_H
#define PP_SCHEME_FAMILY_H

#include "scheme.h"

/* scheme_plain.c */
pp_verify_fn pp_plain_verify;
pp_hash_fn pp_plain_hash;

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
};
pp_verify_fn pp_digest_verify;
pp_hash_fn pp_digest_hash;

/* scheme_argon2.c: params is a struct pp_argon2_params */
struct pp_argon2_params {
	int type;           /* argon2_type */
	const char *prefix; /* "$argon2id$" */
};
pp_verify_fn pp_argon2_verify;
pp_hash_fn pp_argon2_hash;
pp_form_fn pp_argon2_form;

/* Write "{name}" followed by body into out; 0 or -1 when it does not fit. */
int pp_format_stored(const struct pp_scheme *scheme, const char *body, char *out,
		     size_t outsize);

#endif
