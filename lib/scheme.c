/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The dispatcher: the table of schemes, the "{name.suffix}" parser and the
 * two entry points, pp_verify and pp_hash.  Adding a scheme is one row here
 * and one function in its family's file. */
#include "scheme.h"
#include "scheme_family.h"
#include "encoding.h"
#include "secret.h"

#include <argon2.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct pp_crypt_params any_crypt = { .prefixes = { NULL }, .default_method = NULL };
static const struct pp_crypt_params md5_crypt = { .prefixes = { "$1$" }, .default_method = "md5" };
static const struct pp_crypt_params sha256_crypt = { .prefixes = { "$5$" }, .default_method = "sha256" };
static const struct pp_crypt_params sha512_crypt = { .prefixes = { "$6$" }, .default_method = "sha512" };
static const struct pp_crypt_params blf_crypt = {
	.prefixes = { "$2a$", "$2b$", "$2y$" }, .default_method = "bcrypt"
};
/* Traditional DES has no "$id$" prefix: an empty one marks it. */
static const struct pp_crypt_params des_crypt = { .prefixes = { "" }, .default_method = "des" };

static const struct pp_digest_params md5 = { "MD5", 16, 0, NULL };
static const struct pp_digest_params smd5 = { "MD5", 16, 1, NULL };
static const struct pp_digest_params sha1 = { "SHA1", 20, 0, NULL };
static const struct pp_digest_params ssha1 = { "SHA1", 20, 1, NULL };
static const struct pp_digest_params sha256 = { "SHA256", 32, 0, NULL };
static const struct pp_digest_params ssha256 = { "SHA256", 32, 1, NULL };
static const struct pp_digest_params sha512 = { "SHA512", 64, 0, NULL };
static const struct pp_digest_params ssha512 = { "SHA512", 64, 1, NULL };
static const struct pp_digest_params md4 = { "MD4", 16, 0, pp_md4_compute };
static const struct pp_digest_params ntlm = { "MD4", 16, 0, pp_ntlm_compute };
static const struct pp_digest_params cram_md5 = { "MD5", 32, 0, pp_cram_md5_compute };
static const struct pp_digest_params rpa = { "MD5", 16, 0, pp_rpa_compute };
static const struct pp_digest_params lanman = { "DES", 16, 0, pp_lanman_compute };

static const struct pp_scram_params scram_sha1 = { "SHA1", 20 };
static const struct pp_scram_params scram_sha256 = { "SHA256", 32 };

static const struct pp_argon2_params argon2i = { Argon2_i, "$argon2i$" };
static const struct pp_argon2_params argon2id = { Argon2_id, "$argon2id$" };
/* Dovecot 2.4's {ARGON2}: either variant, new values argon2id as it writes. */
static const struct pp_argon2_params argon2_any = { Argon2_id, NULL };

#define CRYPT_ROW(n, p, f, s) \
	{ .name = n, .verify = pp_crypt_verify, .hash = pp_crypt_hash, .form = pp_crypt_form, \
	  .params = p, \
	  .flags = (f) | PP_SCHEME_SALTED | PP_SCHEME_WEAK_DES_MD5, .summary = s }
#define DIGEST_ROW(n, p, f, s) \
	{ .name = n, .verify = pp_digest_verify, .hash = pp_digest_hash, .params = p, \
	  .flags = (f) | PP_SCHEME_ENCODINGS, .summary = s }

/* PP_SCHEME_DOVECOT_WEAK, from Dovecot 2.4.1: the .weak = TRUE rows of
 * src/lib-auth/password-scheme.c (MD5, MD5-CRYPT, SMD5, HMAC-MD5,
 * PLAIN-MD4, PLAIN-MD5, LDAP-MD5) and password-scheme-crypt.c (DES-CRYPT),
 * whose crypt_verify also refuses DES and MD5-crypt values under CRYPT,
 * SHA256-CRYPT and SHA512-CRYPT (PP_SCHEME_WEAK_DES_MD5); and NTLM, LANMAN
 * and RPA, which Dovecot 2.4 no longer has and refuses always.  Not weak
 * there: PLAIN, the SHA digests, CRAM-MD5 (HMAC-MD5's twin). */
static const struct pp_scheme schemes[] = {
	{ .name = "plain", .aliases = { "cleartext", "clear" }, .verify = pp_plain_verify,
	  .hash = pp_plain_hash, .flags = PP_SCHEME_WEAK,
	  .summary = "the password itself (also any unprefixed value)" },
	CRYPT_ROW("crypt", &any_crypt, 0, "crypt(3) as in /etc/shadow: DES $1$ $5$ $6$ $2b$ $y$ $gy$ $7$"),
	{ .name = "md5", .aliases = { "md5-crypt" }, .verify = pp_crypt_verify,
	  .hash = pp_crypt_hash, .form = pp_crypt_form, .params = &md5_crypt,
	  .flags = PP_SCHEME_WEAK | PP_SCHEME_SALTED | PP_SCHEME_DOVECOT_WEAK,
	  .summary = "MD5-crypt, $1$salt$hash" },
	CRYPT_ROW("des-crypt", &des_crypt, PP_SCHEME_WEAK | PP_SCHEME_DOVECOT_WEAK,
		  "traditional 13-character DES crypt"),
	CRYPT_ROW("sha256-crypt", &sha256_crypt, 0, "SHA-256-crypt, $5$[rounds=N$]salt$hash"),
	CRYPT_ROW("sha512-crypt", &sha512_crypt, 0, "SHA-512-crypt, $6$[rounds=N$]salt$hash"),
	CRYPT_ROW("blf-crypt", &blf_crypt, 0, "bcrypt, $2b$cost$salthash ($2a$, $2y$ too)"),
	{ .name = "sha1", .aliases = { "sha" }, .verify = pp_digest_verify, .hash = pp_digest_hash,
	  .params = &sha1, .flags = PP_SCHEME_WEAK | PP_SCHEME_ENCODINGS,
	  .summary = "SHA-1, base64 or hex" },
	DIGEST_ROW("ssha", &ssha1, PP_SCHEME_WEAK | PP_SCHEME_SALTED, "salted SHA-1, base64(digest || salt)"),
	DIGEST_ROW("sha256", &sha256, PP_SCHEME_WEAK, "SHA-256, base64 or hex"),
	DIGEST_ROW("ssha256", &ssha256, PP_SCHEME_WEAK | PP_SCHEME_SALTED, "salted SHA-256, base64(digest || salt)"),
	DIGEST_ROW("sha512", &sha512, PP_SCHEME_WEAK, "SHA-512, base64 or hex"),
	DIGEST_ROW("ssha512", &ssha512, PP_SCHEME_WEAK | PP_SCHEME_SALTED, "salted SHA-512, base64(digest || salt)"),
	DIGEST_ROW("plain-md5", &md5, PP_SCHEME_WEAK | PP_SCHEME_HEX | PP_SCHEME_DOVECOT_WEAK,
		   "MD5, hex or base64"),
	DIGEST_ROW("ldap-md5", &md5, PP_SCHEME_WEAK | PP_SCHEME_DOVECOT_WEAK, "MD5, base64 or hex"),
	DIGEST_ROW("smd5", &smd5, PP_SCHEME_WEAK | PP_SCHEME_SALTED | PP_SCHEME_DOVECOT_WEAK,
		   "salted MD5, base64(digest || salt)"),
	DIGEST_ROW("plain-md4", &md4, PP_SCHEME_WEAK | PP_SCHEME_HEX | PP_SCHEME_DOVECOT_WEAK,
		   "MD4, hex or base64"),
	DIGEST_ROW("ntlm", &ntlm, PP_SCHEME_WEAK | PP_SCHEME_HEX | PP_SCHEME_DOVECOT_WEAK,
		   "NT hash: MD4 of the password as Dovecot widened it"),
	DIGEST_ROW("lanman", &lanman, PP_SCHEME_WEAK | PP_SCHEME_HEX | PP_SCHEME_DOVECOT_WEAK,
		   "LAN Manager: DES of 14 upper-cased bytes"),
	DIGEST_ROW("rpa", &rpa, PP_SCHEME_WEAK | PP_SCHEME_HEX | PP_SCHEME_DOVECOT_WEAK,
		   "RPA: MD5 of the password widened, big-endian"),
	/* Two rows for one computation, as in Dovecot, which calls only
	 * HMAC-MD5 weak. */
	DIGEST_ROW("cram-md5", &cram_md5, PP_SCHEME_WEAK | PP_SCHEME_HEX,
		   "HMAC-MD5 inner and outer state (Dovecot), hex"),
	DIGEST_ROW("hmac-md5", &cram_md5, PP_SCHEME_WEAK | PP_SCHEME_HEX | PP_SCHEME_DOVECOT_WEAK,
		   "{cram-md5} under Dovecot's other name"),
	{ .name = "plain-trunc", .verify = pp_plain_trunc_verify, .hash = pp_plain_trunc_hash,
	  .flags = PP_SCHEME_WEAK, .summary = "N-password: the first N bytes of a cut password" },
	{ .name = "pbkdf2", .verify = pp_pbkdf2_verify, .hash = pp_pbkdf2_hash,
	  .flags = PP_SCHEME_SALTED, .summary = "PBKDF2-HMAC-SHA1, $1$salt$rounds$hex (Dovecot)" },
	{ .name = "scram-sha-1", .verify = pp_scram_verify, .hash = pp_scram_hash,
	  .params = &scram_sha1, .flags = PP_SCHEME_SALTED,
	  .summary = "SCRAM-SHA-1 keys, iter,salt,storedkey,serverkey" },
	{ .name = "scram-sha-256", .verify = pp_scram_verify, .hash = pp_scram_hash,
	  .params = &scram_sha256, .flags = PP_SCHEME_SALTED,
	  .summary = "SCRAM-SHA-256 keys, iter,salt,storedkey,serverkey" },
	{ .name = "argon2", .verify = pp_argon2_verify, .hash = pp_argon2_hash,
	  .form = pp_argon2_form, .params = &argon2_any, .flags = PP_SCHEME_SALTED,
	  .summary = "Argon2i or Argon2id, as the value names (Dovecot 2.4); new: $argon2id$" },
	{ .name = "argon2i", .verify = pp_argon2_verify, .hash = pp_argon2_hash,
	  .form = pp_argon2_form,
	  .params = &argon2i, .flags = PP_SCHEME_SALTED, .summary = "Argon2i, $argon2i$v=19$m=,t=,p=$salt$hash" },
	{ .name = "argon2id", .verify = pp_argon2_verify, .hash = pp_argon2_hash,
	  .form = pp_argon2_form,
	  .params = &argon2id, .flags = PP_SCHEME_SALTED, .summary = "Argon2id, $argon2id$v=19$m=,t=,p=$salt$hash" },
};

static int name_is(const char *want, const char *name, size_t len)
{
	return want != NULL && strlen(want) == len && strncasecmp(want, name, len) == 0;
}

const struct pp_scheme *pp_scheme_find(const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof schemes / sizeof schemes[0]; i++) {
		const struct pp_scheme *s = &schemes[i];

		if (name_is(s->name, name, len))
			return s;
		for (size_t a = 0; a < sizeof s->aliases / sizeof s->aliases[0]; a++)
			if (name_is(s->aliases[a], name, len))
				return s;
	}
	return NULL;
}

const struct pp_scheme *pp_schemes(size_t *count)
{
	*count = sizeof schemes / sizeof schemes[0];
	return schemes;
}

static const struct {
	const char *suffix;
	enum pp_encoding enc;
} suffixes[] = {
	{ "hex", PP_ENC_HEX },
	{ "b64", PP_ENC_BASE64 },
	{ "base64", PP_ENC_BASE64 },
};

/* Find the scheme named by "name[.suffix]"; NULL when the name or the suffix
 * is unknown.  Every scheme takes a suffix, as in Dovecot: a digest scheme
 * reads its digest so, any other its whole value (judge() decodes it). */
static const struct pp_scheme *parse_name(const char *name, size_t len, enum pp_encoding *enc)
{
	const char *dot = memchr(name, '.', len);
	const struct pp_scheme *s;

	*enc = PP_ENC_AUTO;
	if (dot == NULL)
		return pp_scheme_find(name, len);
	s = pp_scheme_find(name, (size_t)(dot - name));
	if (s == NULL)
		return NULL;
	for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++)
		if (name_is(suffixes[i].suffix, dot + 1, len - (size_t)(dot - name) - 1)) {
			*enc = suffixes[i].enc;
			return s;
		}
	return NULL;
}

const struct pp_scheme *pp_scheme_find_encoded(const char *name, enum pp_encoding *enc)
{
	return parse_name(name, strlen(name), enc);
}

/* A whole value written in hex or base64 (a non-digest scheme with a
 * suffix), decoded into a new string for pp_free_secret; NULL with *why
 * when it is not valid, or decodes to text with a NUL byte in it. */
static char *decode_text(const char *value, enum pp_encoding enc, const char **why)
{
	size_t len = strlen(value);
	char *text = calloc(1, len + 1);
	long n;

	if (text == NULL) {
		*why = "out of memory";
		return NULL;
	}
	n = enc == PP_ENC_HEX ? pp_hex_decode(value, len, (unsigned char *)text, len)
			      : pp_b64_decode(value, len, (unsigned char *)text, len);
	if (n < 0 || memchr(text, '\0', (size_t)n) != NULL) {
		*why = n < 0 ? (enc == PP_ENC_HEX ? "not valid hex" : "not valid base64")
			     : "the decoded value holds a NUL byte";
		explicit_bzero(text, len + 1);
		free(text);
		return NULL;
	}
	text[n] = '\0';
	return text;
}

static void note_name(struct pp_verify_info *info, const char *name, size_t len)
{
	if (len >= sizeof info->scheme_name)
		len = sizeof info->scheme_name - 1;
	memcpy(info->scheme_name, name, len);
	info->scheme_name[len] = '\0';
}

/* The seed's rule: "{" ... "}" at the start names a scheme; anything else is
 * plain.  Sets *value to what follows; NULL for an unknown name. */
static const struct pp_scheme *parse_stored(const char *stored, const char **value,
					    enum pp_encoding *enc, struct pp_verify_info *info)
{
	const char *close;

	*value = stored;
	*enc = PP_ENC_AUTO;
	if (pp_has_prefix(stored)) {
		close = strchr(stored, '}');
		size_t len = (size_t)(close - stored - 1);

		note_name(info, stored + 1, len);
		*value = close + 1;
		return parse_name(stored + 1, len, enc);
	}
	note_name(info, schemes[0].name, strlen(schemes[0].name));
	return &schemes[0];
}

bool pp_has_prefix(const char *stored)
{
	return stored != NULL && stored[0] == '{' && strchr(stored, '}') != NULL;
}

const struct pp_scheme *pp_stored_scheme(const char *stored, const char **value)
{
	struct pp_verify_info info;
	enum pp_encoding enc;

	if (stored == NULL || stored[0] == '\0')
		return NULL;
	return parse_stored(stored, value, &enc, &info);
}

bool pp_is_plain(const struct pp_scheme *scheme)
{
	return scheme == &schemes[0];
}

/* The checks of judge() once the scheme and its value are known. */
static enum pp_verdict judge_value(const struct pp_scheme *scheme, const char *value,
				   enum pp_encoding enc, const char *password, bool form_only,
				   struct pp_verify_info *info)
{
	enum pp_verdict verdict;

	/* "{plain}" alone stores no password; "{md5}" alone is a broken value. */
	if (value[0] == '\0') {
		info->why = pp_is_plain(scheme) ? "no password is stored" : "empty value";
		return pp_is_plain(scheme) ? PP_MISMATCH : PP_MALFORMED;
	}
	if (!form_only)
		return scheme->verify(scheme, value, enc, password, &info->why);
	if (scheme->form != NULL)
		return scheme->form(scheme, value, enc, &info->why);
	/* Cheap to check: a password no value can match tells the form. */
	verdict = scheme->verify(scheme, value, enc, "\x01", &info->why);
	return verdict == PP_MISMATCH && info->why == NULL ? PP_MATCH : verdict;
}

/* Is value, stored under scheme, weak as Dovecot 2.4 judges it?  *form
 * names a weak crypt value's method.  A locked crypt value is locked, not
 * weak: it stores no password to re-hash. */
static bool weak_value(const struct pp_scheme *scheme, const char *value, const char **form)
{
	*form = NULL;
	if (scheme->flags & PP_SCHEME_DOVECOT_WEAK)
		return true;
	if (!(scheme->flags & PP_SCHEME_WEAK_DES_MD5) || value[0] == '\0' || value[0] == '*' ||
	    value[0] == '!')
		return false;
	/* Dovecot's test: no '$' first is DES (or would be read as such), a
	 * "$1" first is MD5-crypt. */
	if (value[0] != '$')
		*form = "DES";
	else if (value[1] == '1')
		*form = "MD5-crypt";
	return *form != NULL;
}

/* pp_verify, or with form_only pp_check_form. */
static enum pp_verdict judge(const char *stored, const char *password, bool form_only,
			     bool refuse_weak, struct pp_verify_info *info)
{
	struct pp_verify_info scratch;
	const struct pp_scheme *scheme;
	enum pp_encoding enc = PP_ENC_AUTO;
	enum pp_verdict verdict;
	const char *value;
	char *decoded = NULL;

	if (info == NULL)
		info = &scratch;
	memset(info, 0, sizeof *info);
	if (stored == NULL || stored[0] == '\0') {
		info->why = "no password is stored";
		return PP_MISMATCH;
	}
	scheme = parse_stored(stored, &value, &enc, info);
	if (scheme == NULL) {
		info->why = "unknown scheme";
		return PP_UNKNOWN_SCHEME;
	}
	info->scheme = scheme;
	if (!form_only && (password == NULL || password[0] == '\0')) {
		info->why = "empty password";
		return PP_MISMATCH;
	}
	if (!form_only && strnlen(password, PP_MAX_PASSWORD + 1) > PP_MAX_PASSWORD) {
		info->why = "password too long";
		return PP_MISMATCH;
	}
	if (enc != PP_ENC_AUTO && !(scheme->flags & PP_SCHEME_ENCODINGS)) {
		decoded = decode_text(value, enc, &info->why);
		if (decoded == NULL)
			return PP_MALFORMED;
		value = decoded;
		enc = PP_ENC_AUTO;
	}
	info->weak = weak_value(scheme, value, &info->weak_form);
	/* Refused before any hashing: as Dovecot does, and so that the
	 * password is never tried against a value anyone could reverse. */
	if (!form_only && refuse_weak && info->weak)
		verdict = PP_WEAK_REFUSED;
	else
		verdict = judge_value(scheme, value, enc, password, form_only, info);
	pp_free_secret(decoded);
	return verdict;
}

enum pp_verdict pp_verify(const char *stored, const char *password, struct pp_verify_info *info)
{
	return judge(stored, password, false, false, info);
}

enum pp_verdict pp_verify_policy(const char *stored, const char *password, bool refuse_weak,
				 struct pp_verify_info *info)
{
	return judge(stored, password, false, refuse_weak, info);
}

enum pp_verdict pp_check_form(const char *stored, struct pp_verify_info *info)
{
	return judge(stored, NULL, true, false, info);
}

bool pp_stored_weak(const char *stored)
{
	struct pp_verify_info info;

	(void)judge(stored, NULL, true, false, &info);
	return info.weak;
}

/* "{name}body" rewritten in place as "{name.suffix}body", body now in enc:
 * the digest of a digest scheme re-encoded, any other value encoded whole. */
static int add_suffix(const struct pp_scheme *scheme, enum pp_encoding enc, char *out,
		      size_t outsize, const char **why)
{
	char *body = strchr(out, '}') + 1, *copy = NULL;
	unsigned char raw[PP_HASH_MAX];
	long n = (long)strlen(body);
	int rc = -1;

	if (scheme->flags & PP_SCHEME_ENCODINGS)
		n = scheme->flags & PP_SCHEME_HEX ? pp_hex_decode(body, (size_t)n, raw, sizeof raw)
						  : pp_b64_decode(body, (size_t)n, raw, sizeof raw);
	else if ((size_t)n <= sizeof raw)
		memcpy(raw, body, (size_t)n);
	else
		n = -1;
	if (n < 0) {
		*why = "the value does not fit";
		goto done;
	}
	copy = calloc(1, outsize);
	if (copy == NULL) {
		*why = "out of memory";
		goto done;
	}
	int head = snprintf(copy, outsize, "{%s.%s}", scheme->name,
			    enc == PP_ENC_HEX ? "hex" : "b64");

	if (head < 0 || (size_t)head >= outsize ||
	    (enc == PP_ENC_HEX ? pp_hex_encode(raw, (size_t)n, copy + head, outsize - (size_t)head)
			       : pp_b64_encode(raw, (size_t)n, copy + head, outsize - (size_t)head)) < 0) {
		*why = "the value does not fit";
		goto done;
	}
	memcpy(out, copy, outsize);
	rc = 0;
done:
	explicit_bzero(raw, sizeof raw);
	if (copy != NULL)
		explicit_bzero(copy, outsize);
	free(copy);
	return rc;
}

int pp_hash(const char *name, const char *method, const char *password, char *out,
	    size_t outsize, const char **why)
{
	enum pp_encoding enc;
	const struct pp_scheme *scheme = parse_name(name, strlen(name), &enc);

	if (scheme == NULL) {
		*why = "unknown scheme";
		return -1;
	}
	if (scheme->hash == NULL) {
		*why = "this scheme cannot make new values";
		return -1;
	}
	if (password[0] == '\0' || strnlen(password, PP_MAX_PASSWORD + 1) > PP_MAX_PASSWORD) {
		*why = "the password must be 1 to 4096 bytes";
		return -1;
	}
	if (scheme->hash(scheme, method, password, out, outsize, why) != 0)
		return -1;
	if (enc != PP_ENC_AUTO && add_suffix(scheme, enc, out, outsize, why) != 0) {
		explicit_bzero(out, outsize);
		return -1;
	}
	return 0;
}

int pp_format_stored(const struct pp_scheme *scheme, const char *body, char *out, size_t outsize)
{
	int n = snprintf(out, outsize, "{%s}%s", scheme->name, body);

	return n < 0 || (size_t)n >= outsize ? -1 : 0;
}

const char *pp_verdict_name(enum pp_verdict v)
{
	switch (v) {
	case PP_MATCH:
		return "match";
	case PP_MISMATCH:
		return "mismatch";
	case PP_UNKNOWN_SCHEME:
		return "unknown scheme";
	case PP_MALFORMED:
		return "malformed";
	case PP_WEAK_REFUSED:
		return "weak scheme refused";
	}
	return "?";
}
