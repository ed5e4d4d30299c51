/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The digests Dovecot's older schemes are made of, which OpenSSL 3 offers
 * only through its deprecated low-level API: MD4 ({plain-md4}, {ntlm}) and
 * DES ({lanman}), outside the default provider, and the MD5 state after one
 * block that {cram-md5} stores; with {rpa}, the other password widening of
 * Dovecot's before 2.3.14.  Kept to this file; everything else uses EVP. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include "scheme_family.h"
#include "secret.h"

#include <openssl/des.h>
#include <openssl/evp.h>
#include <openssl/md4.h>
#include <openssl/md5.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int pp_md4_compute(const struct pp_digest_params *p, const char *password,
		   const unsigned char *salt, size_t saltlen, unsigned char *out)
{
	(void)p;
	(void)salt;
	(void)saltlen;
	return MD4((const unsigned char *)password, strlen(password), out) != NULL ? 0 : -1;
}

/* The password with a zero byte after (or, big_endian, before) each byte,
 * into a new buffer of 2 * strlen bytes: Dovecot's "UCS-2", which is
 * UTF-16 for ASCII only.  For other characters it is what Dovecot wrote,
 * which Windows and Samba hashes are not. */
static unsigned char *widen(const char *password, bool big_endian, size_t *len)
{
	size_t n = strlen(password);
	unsigned char *wide = calloc(2, n ? n : 1);

	if (wide == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++)
		wide[2 * i + big_endian] = (unsigned char)password[i];
	*len = 2 * n;
	return wide;
}

/* Dovecot's NTLM: MD4 of the password widened, little-endian. */
int pp_ntlm_compute(const struct pp_digest_params *p, const char *password,
		    const unsigned char *salt, size_t saltlen, unsigned char *out)
{
	size_t len = 0;
	unsigned char *wide = widen(password, false, &len);
	int rc;

	(void)p;
	(void)salt;
	(void)saltlen;
	if (wide == NULL)
		return -1;
	rc = MD4(wide, len, out) != NULL ? 0 : -1;
	explicit_bzero(wide, len);
	free(wide);
	return rc;
}

/* Dovecot's RPA: MD5 of the password widened, big-endian. */
int pp_rpa_compute(const struct pp_digest_params *p, const char *password,
		   const unsigned char *salt, size_t saltlen, unsigned char *out)
{
	size_t len = 0;
	unsigned char *wide = widen(password, true, &len);
	unsigned mdlen = 0;
	int ok;

	(void)p;
	(void)salt;
	(void)saltlen;
	if (wide == NULL)
		return -1;
	ok = EVP_Digest(wide, len, out, &mdlen, EVP_md5(), NULL);
	explicit_bzero(wide, len);
	free(wide);
	return ok ? 0 : -1;
}

/* 7 bytes of key spread over 8, a parity bit in each (DES's key form). */
static void des_key(const unsigned char *in, DES_cblock *key)
{
	unsigned char *k = *key;

	k[0] = in[0];
	for (int i = 1; i < 7; i++)
		k[i] = (unsigned char)((in[i - 1] << (8 - i)) | (in[i] >> i));
	k[7] = (unsigned char)(in[6] << 1);
	DES_set_odd_parity(key);
}

/* LAN Manager: the password upper-cased and cut or padded to 14 bytes, each
 * half a DES key that encrypts "KGS!@#$%". */
int pp_lanman_compute(const struct pp_digest_params *p, const char *password,
		      const unsigned char *salt, size_t saltlen, unsigned char *out)
{
	static const DES_cblock magic = { 'K', 'G', 'S', '!', '@', '#', '$', '%' };
	unsigned char upper[14] = { 0 };
	DES_key_schedule schedule;
	DES_cblock key;

	(void)p;
	(void)salt;
	(void)saltlen;
	for (size_t i = 0; i < sizeof upper && password[i] != '\0'; i++)
		upper[i] = (unsigned char)(password[i] >= 'a' && password[i] <= 'z'
						   ? password[i] - 'a' + 'A'
						   : password[i]);
	for (int half = 0; half < 2; half++) {
		des_key(upper + 7 * half, &key);
		DES_set_key_unchecked(&key, &schedule);
		DES_ecb_encrypt((DES_cblock *)&magic, (DES_cblock *)(out + 8 * half), &schedule,
				DES_ENCRYPT);
	}
	explicit_bzero(upper, sizeof upper);
	explicit_bzero(&key, sizeof key);
	explicit_bzero(&schedule, sizeof schedule);
	return 0;
}

static void put_le32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

/* MD5's state after the one 64-byte block key ^ pad, as A..D little-endian:
 * half of what CRAM-MD5 needs to answer a challenge without the password. */
static void md5_block_state(const unsigned char key[64], unsigned char pad, unsigned char *out)
{
	unsigned char block[64];
	MD5_CTX ctx;

	for (int i = 0; i < 64; i++)
		block[i] = key[i] ^ pad;
	MD5_Init(&ctx);
	MD5_Update(&ctx, block, sizeof block);
	put_le32(out, ctx.A);
	put_le32(out + 4, ctx.B);
	put_le32(out + 8, ctx.C);
	put_le32(out + 12, ctx.D);
	explicit_bzero(block, sizeof block);
	explicit_bzero(&ctx, sizeof ctx);
}

/* Dovecot's {cram-md5} (hmac-cram-md5.c): HMAC-MD5's outer, then inner
 * state with the password as key (hashed first when longer than 64). */
int pp_cram_md5_compute(const struct pp_digest_params *p, const char *password,
			const unsigned char *salt, size_t saltlen, unsigned char *out)
{
	unsigned char key[64] = { 0 };
	size_t len = strlen(password);

	(void)p;
	(void)salt;
	(void)saltlen;
	if (len > sizeof key)
		MD5((const unsigned char *)password, len, key);
	else
		memcpy(key, password, len);
	md5_block_state(key, 0x5c, out);
	md5_block_state(key, 0x36, out + 16);
	explicit_bzero(key, sizeof key);
	return 0;
}
