/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The schema-prefix dispatcher: a stored value "{scheme}value" names how the
 * password was stored; any other value is plaintext (PowerMail 1.0). */
#ifndef PP_SCHEME_H
#define PP_SCHEME_H

#include <stdbool.h>
#include <stddef.h>

enum pp_verdict {
	PP_MATCH,          /* the password is right */
	PP_MISMATCH,       /* wrong password, empty password, locked or empty value */
	PP_UNKNOWN_SCHEME, /* "{name}" names no scheme we know: never matches */
	PP_MALFORMED,      /* a known scheme, but a value it cannot check */
	PP_WEAK_REFUSED,   /* a weak scheme, refused unchecked (weak-schemes = refuse) */
};

enum pp_encoding {
	PP_ENC_AUTO,   /* no suffix: the scheme decides from the value */
	PP_ENC_HEX,    /* ".hex" */
	PP_ENC_BASE64, /* ".b64" or ".base64" */
};

/* Passwords longer than this never match and are never hashed. */
#define PP_MAX_PASSWORD 4096
/* Room for any value pp_hash writes, prefix included. */
#define PP_HASH_MAX 512

struct pp_scheme;

/* Verify password against value (the text after the closing brace).
 * Returns a verdict; for PP_MALFORMED sets *why to a static explanation that
 * never quotes the value. */
typedef enum pp_verdict pp_verify_fn(const struct pp_scheme *scheme, const char *value,
				     enum pp_encoding enc, const char *password,
				     const char **why);

/* Write "{name}value" for password into out.  method selects a variant
 * (crypt methods) or is NULL for the scheme's default.  Returns 0, or -1 with
 * *why set. */
typedef int pp_hash_fn(const struct pp_scheme *scheme, const char *method,
		       const char *password, char *out, size_t outsize, const char **why);

/* Could value be checked at all, judged on its form alone, without the cost
 * of computing a hash?  PP_MATCH when it could, PP_MISMATCH when it stores
 * no password (locked), PP_MALFORMED with *why set.  For schemes whose
 * check is cheap, NULL: their verify function judges the form. */
typedef enum pp_verdict pp_form_fn(const struct pp_scheme *scheme, const char *value,
				   enum pp_encoding enc, const char **why);

#define PP_SCHEME_WEAK      0x1 /* unsalted or fast: only for old userbases */
#define PP_SCHEME_ENCODINGS 0x2 /* accepts the .hex/.b64/.base64 suffixes */
#define PP_SCHEME_SALTED    0x4 /* new values carry a random salt */
#define PP_SCHEME_HEX       0x8 /* new values are hex, not base64 */
/* Weak as Dovecot 2.4 judges it (weak-schemes = refuse refuses it): a row
 * Dovecot's password-scheme.c or password-scheme-crypt.c marks .weak, or
 * one Dovecot no longer has at all; ... */
#define PP_SCHEME_DOVECOT_WEAK 0x10
/* ... or, for a crypt row, a DES or MD5-crypt value, as Dovecot's
 * crypt_verify judges whatever the row's name. */
#define PP_SCHEME_WEAK_DES_MD5 0x20

struct pp_scheme {
	const char *name;        /* canonical, lowercase */
	const char *aliases[3];  /* NULL-terminated */
	pp_verify_fn *verify;
	pp_hash_fn *hash;        /* NULL: cannot make new values */
	pp_form_fn *form;        /* NULL: a check is cheap, verify judges */
	const void *params;      /* the family's per-row data */
	unsigned flags;
	const char *summary;     /* one line for "pptool schemes" */
};

/* What pp_verify found out besides the verdict, for messages. */
struct pp_verify_info {
	const struct pp_scheme *scheme; /* NULL for an unknown scheme */
	char scheme_name[64];           /* as written between the braces, truncated */
	const char *why;                /* static text for UNKNOWN_SCHEME/MALFORMED */
	bool weak;                      /* the value is in a scheme Dovecot 2.4
					 * calls weak (PP_SCHEME_DOVECOT_WEAK) */
	const char *weak_form;          /* for a weak crypt value: "DES" or
					 * "MD5-crypt"; else NULL */
};

/* Check password against a stored value.  stored may be NULL.  info may be
 * NULL. */
enum pp_verdict pp_verify(const char *stored, const char *password, struct pp_verify_info *info);

/* pp_verify, but with refuse_weak a value in a weak scheme (info->weak) is
 * PP_WEAK_REFUSED: the password is never hashed or compared against it. */
enum pp_verdict pp_verify_policy(const char *stored, const char *password, bool refuse_weak,
				 struct pp_verify_info *info);

/* Could a password ever match stored?  Judged without computing a slow
 * hash, for checking a whole userbase: PP_MATCH when it could, PP_MISMATCH
 * when nothing is stored (NULL, empty, "{plain}" alone) or it is locked,
 * PP_UNKNOWN_SCHEME, PP_MALFORMED.  info as for pp_verify; info->weak
 * tells a weak scheme's value whatever the verdict. */
enum pp_verdict pp_check_form(const char *stored, struct pp_verify_info *info);

/* Is stored in a scheme Dovecot 2.4 calls weak, one weak-schemes = refuse
 * refuses?  (info->weak of pp_check_form.) */
bool pp_stored_weak(const char *stored);

/* Hash password with the scheme called name (any alias, any case).
 * Returns 0, or -1 with *why set. */
int pp_hash(const char *name, const char *method, const char *password, char *out,
	    size_t outsize, const char **why);

/* The scheme a stored value names (plain for an unprefixed one), with
 * *value set to the text after the braces; NULL for an unknown scheme, and
 * for a NULL or empty stored. */
const struct pp_scheme *pp_stored_scheme(const char *stored, const char **value);

/* Does stored start with a "{scheme}" prefix (the seed's rule: a '{' first
 * and a '}' somewhere)?  Anything else is plaintext. */
bool pp_has_prefix(const char *stored);

/* Is scheme {plain}, the scheme of unprefixed values? */
bool pp_is_plain(const struct pp_scheme *scheme);

/* The scheme called name[0..len), or NULL. */
const struct pp_scheme *pp_scheme_find(const char *name, size_t len);

/* The scheme called "name[.suffix]", with *enc set by the suffix; NULL when
 * either is unknown. */
const struct pp_scheme *pp_scheme_find_encoded(const char *name, enum pp_encoding *enc);

/* The table, for listing. */
const struct pp_scheme *pp_schemes(size_t *count);

const char *pp_verdict_name(enum pp_verdict v);

/* The i-th method {crypt} can make ("yescrypt", "sha512", ...), strongest
 * first; NULL past the end. */
const char *pp_crypt_method_name(size_t i);

/* The method of a crypt(3) value, by its prefix: one of those names, or
 * NULL for one {crypt} verifies but makes no new values of ($gy$, $7$). */
const char *pp_crypt_method_of(const char *value);

/* The method {crypt} uses when none is named: libxcrypt's default. */
const char *pp_crypt_default_method(void);

/* The cost (cost.h's pp_crypt_cost scale) new values of method get; -1 for
 * an unknown method. */
long long pp_crypt_method_cost(const char *method);

#endif
