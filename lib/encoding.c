/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Base64 and hex, strict on input: a digest that decodes two ways is a
 * digest an attacker can shape. */
#include "encoding.h"

static const char b64_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char hex_digits[] = "0123456789abcdef";

long pp_b64_encode(const unsigned char *in, size_t len, char *out, size_t outsize)
{
	size_t need = PP_B64_SIZE(len), o = 0;

	if (outsize < need)
		return -1;
	for (size_t i = 0; i < len; i += 3) {
		unsigned long v = (unsigned long)in[i] << 16;
		size_t rest = len - i;

		if (rest > 1)
			v |= (unsigned long)in[i + 1] << 8;
		if (rest > 2)
			v |= in[i + 2];
		out[o++] = b64_alphabet[(v >> 18) & 63];
		out[o++] = b64_alphabet[(v >> 12) & 63];
		out[o++] = rest > 1 ? b64_alphabet[(v >> 6) & 63] : '=';
		out[o++] = rest > 2 ? b64_alphabet[v & 63] : '=';
	}
	out[o] = '\0';
	return (long)o;
}

static int b64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

long pp_b64_decode(const char *in, size_t len, unsigned char *out, size_t outsize)
{
	size_t o = 0;

	if (len % 4 != 0)
		return -1;
	for (size_t i = 0; i < len; i += 4) {
		int pad = 0, d[4];
		unsigned long v;
		const int last = (i + 4 == len);

		for (int k = 0; k < 4; k++) {
			char c = in[i + k];

			if (c == '=' && last && k >= 2) {
				d[k] = 0;
				pad++;
				continue;
			}
			if (pad > 0 || (d[k] = b64_value(c)) < 0)
				return -1;
		}
		v = (unsigned long)d[0] << 18 | (unsigned long)d[1] << 12 |
		    (unsigned long)d[2] << 6 | (unsigned long)d[3];
		/* Bits that padding leaves unused must be zero: one encoding only. */
		if ((pad == 1 && (v & 0xff) != 0) || (pad == 2 && (v & 0xffff) != 0))
			return -1;
		if (o + 3 - (size_t)pad > outsize)
			return -1;
		out[o++] = (unsigned char)(v >> 16);
		if (pad < 2)
			out[o++] = (unsigned char)(v >> 8);
		if (pad < 1)
			out[o++] = (unsigned char)v;
	}
	return (long)o;
}

long pp_hex_encode(const unsigned char *in, size_t len, char *out, size_t outsize)
{
	if (outsize < PP_HEX_SIZE(len))
		return -1;
	for (size_t i = 0; i < len; i++) {
		out[2 * i] = hex_digits[in[i] >> 4];
		out[2 * i + 1] = hex_digits[in[i] & 15];
	}
	out[2 * len] = '\0';
	return (long)(2 * len);
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

long pp_hex_decode(const char *in, size_t len, unsigned char *out, size_t outsize)
{
	if (len % 2 != 0 || len / 2 > outsize)
		return -1;
	for (size_t i = 0; i < len; i += 2) {
		int hi = hex_value(in[i]), lo = hex_value(in[i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		out[i / 2] = (unsigned char)(hi << 4 | lo);
	}
	return (long)(len / 2);
}
