/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared by the fuzz targets: CHECK(cond, fmt, ...) aborts with the file,
 * line and message when an invariant does not hold, which libFuzzer reports
 * as a crash and keeps the input. */
#ifndef PP_FUZZ_INVARIANT_H
#define PP_FUZZ_INVARIANT_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

__attribute__((noreturn, format(printf, 3, 4))) static inline void
invariant_failed(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "\n%s:%d: invariant violated: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

#define CHECK(cond, ...)                                                   \
	do {                                                               \
		if (!(cond))                                               \
			invariant_failed(__FILE__, __LINE__, __VA_ARGS__); \
	} while (0)

#endif
