/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Strict base64 (RFC 4648, padded) and hex codecs for stored digests. */
#ifndef PP_ENCODING_H
#define PP_ENCODING_H

#include <stddef.h>

/* Bytes needed to encode n bytes, including the terminating NUL. */
#define PP_B64_SIZE(n) ((((n) + 2) / 3) * 4 + 1)
#define PP_HEX_SIZE(n) ((n) * 2 + 1)

/* Encoders write a NUL-terminated string; they return its length, or -1
 * when out (of size outsize) is too small. */
long pp_b64_encode(const unsigned char *in, size_t len, char *out, size_t outsize);
long pp_hex_encode(const unsigned char *in, size_t len, char *out, size_t outsize);

/* Decoders accept only canonical input (base64: full quads, '=' padding only
 * at the end, zero unused bits; hex: either case, even length).  They return
 * the decoded length, or -1 for malformed input or a too small out. */
long pp_b64_decode(const char *in, size_t len, unsigned char *out, size_t outsize);
long pp_hex_decode(const char *in, size_t len, unsigned char *out, size_t outsize);

#endif
