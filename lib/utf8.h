/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Well-formed UTF-8, as the names the module takes and the text pptool
 * shows both need it decided: one decoder for both. */
#ifndef PP_UTF8_H
#define PP_UTF8_H

#include <stddef.h>

/* Length of the well-formed UTF-8 sequence at s (at most n bytes), with
 * its code point in *cp; 0 when it is not one (overlong, a surrogate,
 * above U+10FFFF, cut short). */
size_t pp_utf8_seq(const unsigned char *s, size_t n, unsigned *cp);

#endif
