/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Text from the userbase made safe for a terminal.  A row is hostile
 * input: a mailbox name holding "\r\e[2K" or "\e]0;...\a" would erase,
 * forge or retitle what the operator reads. */
#ifndef PP_ESCAPE_H
#define PP_ESCAPE_H

#include <stddef.h>

/* A buffer that holds any text of n bytes escaped, with its NUL. */
#define PP_ESCAPED_SIZE(n) (4 * (size_t)(n) + 1)

/* text as printable UTF-8, written to out (size bytes, at least 5) and
 * returned: printable ASCII and well-formed UTF-8 as they are, '\' as
 * "\\"; C0 controls, DEL and every byte of invalid UTF-8 as "\xHH"; C1
 * controls, the marks that reverse text (U+061C, U+200E, U+200F, U+202A
 * to U+202E, U+2066 to U+2069) and U+2028, U+2029 as "\uHHHH".  What does
 * not fit ends in "\..." (never half an escape); PP_ESCAPED_SIZE(strlen)
 * always fits.  NULL text is "(NULL)". */
const char *pp_escape(char *out, size_t size, const char *text);

#endif
