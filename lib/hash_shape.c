/* The shapes of password hashes, one row each, as libxcrypt, Dovecot,
 * passlib and OpenLDAP write them.  A row errs towards "a hash": a 1.0
 * password taken for one is only left for the operator to look at, while a
 * hash taken for a password would be lost. */
#include "hash_shape.h"
#include "cost.h"
#include "encoding.h"

#include <stdbool.h>
#include <string.h>

#define CRYPT_CHARS "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
#define HEX_CHARS "0123456789abcdefABCDEF"

/* Digests, in bytes: MD4 and MD5, SHA-1, SHA-224, SHA-256, SHA-384, SHA-512. */
static const size_t digest_lens[] = { 16, 20, 28, 32, 48, 64 };
/* A salted digest is digest || salt: Dovecot writes 4 bytes of salt, passlib
 * up to 16. */
#define SALT_MIN 4
#define SALT_MAX 16
#define SALTED_MAX (64 + SALT_MAX)

/* crypt(3) and its relatives: "$id$", as far as the first field. */
static const char *const crypt_ids[] = {
	"$1$",	     "$2$",	    "$2a$",	  "$2b$",	   "$2x$",	   "$2y$",
	"$3$",	     "$5$",	    "$6$",	  "$7$",	   "$y$",	   "$gy$",
	"$sha1$",    "$md5$",	    "$md5,",	  "$apr1$",	   "$argon2i$",	   "$argon2id$",
	"$argon2d$", "$scrypt$",   "$pbkdf2$",   "$pbkdf2-sha256$", "$pbkdf2-sha512$",
};

static bool is_digest_len(size_t n)
{
	for (size_t i = 0; i < sizeof digest_lens / sizeof digest_lens[0]; i++)
		if (n == digest_lens[i] ||
		    (n >= digest_lens[i] + SALT_MIN && n <= digest_lens[i] + SALT_MAX))
			return true;
	return false;
}

/* The length of text's leading run of digits, 1 to 10 of them; 0 for none
 * or more. */
static size_t digits(const char *text)
{
	size_t n = strspn(text, "0123456789");

	return n <= 10 ? n : 0;
}

/* What base64 field [text, text + len) decodes to, in bytes; -1 when it is
 * not canonical, padded base64 of at most SALTED_MAX bytes. */
static long b64_len(const char *text, size_t len)
{
	unsigned char raw[SALTED_MAX];
	long n = pp_b64_decode(text, len, raw, sizeof raw);

	explicit_bzero(raw, sizeof raw);
	return n;
}

/* "$1$", "$6$rounds=5000$", "$argon2id$v=19$", ...: a known id and the rest
 * in crypt's characters (argon2's base64 adds '+', Sun's MD5 ',' and '=').
 * A leading '!' is shadow's lock. */
static bool crypt_id(const char *text, size_t len)
{
	if (text[0] == '!') {
		text++;
		len--;
	}
	for (size_t i = 0; i < sizeof crypt_ids / sizeof crypt_ids[0]; i++) {
		size_t id = strlen(crypt_ids[i]);

		if (len > id && strncmp(text, crypt_ids[i], id) == 0)
			return strspn(text + id, CRYPT_CHARS "$+=,-") == len - id;
	}
	return false;
}

/* Traditional DES: 13 characters of crypt's alphabet; '!' locks it. */
static bool des(const char *text, size_t len)
{
	(void)len;
	return pp_is_des(text[0] == '!' ? text + 1 : text);
}

/* BSDi's extended DES: '_', 4 of count, 4 of salt, 11 of hash. */
static bool bsdi(const char *text, size_t len)
{
	return len == 20 && text[0] == '_' && strspn(text + 1, CRYPT_CHARS) == 19;
}

/* Dovecot's {PBKDF2}: "$1$salt$rounds$" and a SHA-1 in hex. */
static bool dovecot_pbkdf2(const char *text, size_t len)
{
	const char *salt_end, *hex;
	size_t rounds;

	(void)len;
	if (strncmp(text, "$1$", 3) != 0 || (salt_end = strchr(text + 3, '$')) == NULL)
		return false;
	rounds = digits(salt_end + 1);
	hex = salt_end + 1 + rounds;
	return rounds > 0 && *hex++ == '$' && strlen(hex) == 40 && strspn(hex, HEX_CHARS) == 40;
}

/* SCRAM: "iterations,salt,storedkey,serverkey", two keys of a digest's size. */
static bool scram(const char *text, size_t len)
{
	const char *salt = text + digits(text), *stored, *server;
	long key;

	(void)len;
	if (salt == text || *salt++ != ',' || (stored = strchr(salt, ',')) == NULL ||
	    (server = strchr(++stored, ',')) == NULL)
		return false;
	server++;
	key = b64_len(stored, (size_t)(server - 1 - stored));
	return b64_len(salt, (size_t)(stored - 1 - salt)) > 0 && (key == 20 || key == 32 || key == 64) &&
	       b64_len(server, strlen(server)) == key;
}

/* A digest, alone or salted, in hex or in base64. */
static bool hex_digest(const char *text, size_t len)
{
	return len % 2 == 0 && strspn(text, HEX_CHARS) == len && is_digest_len(len / 2);
}

static bool b64_digest(const char *text, size_t len)
{
	long n = b64_len(text, len);

	return n > 0 && is_digest_len((size_t)n);
}

/* The most specific first: a PBKDF2 value is also a "$1$" one. */
static const struct {
	const char *name;
	bool (*fits)(const char *text, size_t len);
} shapes[] = {
	{ "Dovecot PBKDF2", dovecot_pbkdf2 },
	{ "crypt $id$", crypt_id },
	{ "DES crypt", des },
	{ "BSDi crypt", bsdi },
	{ "SCRAM keys", scram },
	{ "hex digest", hex_digest },
	{ "base64 digest", b64_digest },
};

const char *pp_hash_shape(const char *text)
{
	size_t len = text != NULL ? strlen(text) : 0;

	for (size_t i = 0; len > 0 && i < sizeof shapes / sizeof shapes[0]; i++)
		if (shapes[i].fits(text, len))
			return shapes[i].name;
	return NULL;
}
