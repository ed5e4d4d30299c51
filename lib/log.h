/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Logging from lib/ without knowing who listens: pam_syslog in the module,
 * stderr in pptool.  Priorities are syslog's. */
#ifndef PP_LOG_H
#define PP_LOG_H

#include <syslog.h>

struct pp_logger {
	void (*log)(void *ctx, int priority, const char *fmt, ...)
		__attribute__((format(printf, 3, 4)));
	void *ctx;
};

#define pp_log(logger, priority, ...) ((logger)->log((logger)->ctx, (priority), __VA_ARGS__))

#endif
