/* The schema-prefix dispatcher: a stored value "{scheme}value" names how the
 * password was stored; any other value is plaintext (PowerMail 1.0). */
#ifndef PP_SCHEME_H
#define PP_SCHEME_H

#include <stddef.h>

enum pp_verdict {
	PP_MATCH,          /* the password is right */
	PP_MISMATCH,       /* wrong password, empty password, locked or empty value */
	PP_UNKNOWN_SCHEME, /* "{name}" names no scheme we know: never matches */
	PP_MALFORMED,      /* a known scheme, but a value it cannot check */
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

#define PP_SCHEME_WEAK      0x1 /* unsalted or fast: only for old userbases */
#define PP_SCHEME_ENCODINGS 0x2 /* accepts the .hex/.b64/.base64 suffixes */
#define PP_SCHEME_SALTED    0x4 /* new values carry a random salt */

struct pp_scheme {
	const char *name;        /* canonical, lowercase */
	const char *aliases[3];  /* NULL-terminated */
	pp_verify_fn *verify;
	pp_hash_fn *hash;        /* NULL: cannot make new values */
	const void *params;      /* the family's per-row data */
	unsigned flags;
	const char *summary;     /* one line for "pptool schemes" */
};

/* What pp_verify found out besides the verdict, for messages. */
struct pp_verify_info {
	const struct pp_scheme *scheme; /* NULL for an unknown scheme */
	char scheme_name[64];           /* as written between the braces, truncated */
	const char *why;                /* static text for UNKNOWN_SCHEME/MALFORMED */
};

/* Check password against a stored value.  stored may be NULL.  info may be
 * NULL. */
enum pp_verdict pp_verify(const char *stored, const char *password, struct pp_verify_info *info);

/* Hash password with the scheme called name (any alias, any case).
 * Returns 0, or -1 with *why set. */
int pp_hash(const char *name, const char *method, const char *password, char *out,
	    size_t outsize, const char **why);

/* The scheme called name[0..len), or NULL. */
const struct pp_scheme *pp_scheme_find(const char *name, size_t len);

/* The table, for listing. */
const struct pp_scheme *pp_schemes(size_t *count);

const char *pp_verdict_name(enum pp_verdict v);

/* The i-th method {crypt} can make ("yescrypt", "sha512", ...), strongest
 * first; NULL past the end. */
const char *pp_crypt_method_name(size_t i);

#endif
