/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: the login-name normaliser, pp_normalize_name
 * (lib/name.c).
 *
 * Input: one byte choosing the configuration, then the login (up to the
 * first NUL, as PAM hands it over).  The configuration is made through
 * pp_config_set, as the module makes it: bit 0 of the first byte turns
 * lowercase off, bits 1-2 pick the default domain: none, "example.com",
 * "Mail.Example.ORG" (folded when lowercase), or a 200-byte one that pushes
 * names over the 255-byte limit.
 *
 * Invariants:
 *  - on success the output is NUL-terminated within PP_NAME_MAX + 1 bytes,
 *    has at most 255 bytes, no control characters (C0, DEL, C1), is valid
 *    UTF-8 (checked here with a decoder written from Unicode's table of
 *    well-formed byte sequences, not lib/name.c's), has no A-Z when
 *    lowercase is on, and normalising it again gives it back unchanged;
 *  - a reference model: the call succeeds exactly when the login is 1..255
 *    bytes, does not start with '-' or '+', is clean UTF-8 and, with the
 *    domain added to a name without '@', still fits 255 bytes; the output is
 *    then the login (+ "@domain"), ASCII-folded when lowercase is on;
 *  - on failure *why is set. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "name.h"
#include "invariant.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


/* Is s[0..len) well-formed UTF-8 without control characters?  Unicode
 * 15, table 3-7, row by row. */
static bool clean_utf8(const unsigned char *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		unsigned char c = s[i];
		unsigned char lo = 0x80, hi = 0xbf;
		size_t n;

		if (c < 0x20 || c == 0x7f)
			return false;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			n = 2;
		else if (c == 0xe0)
			n = 3, lo = 0xa0;
		else if ((c >= 0xe1 && c <= 0xec) || c == 0xee || c == 0xef)
			n = 3;
		else if (c == 0xed)
			n = 3, hi = 0x9f;
		else if (c == 0xf0)
			n = 4, lo = 0x90;
		else if (c >= 0xf1 && c <= 0xf3)
			n = 4;
		else if (c == 0xf4)
			n = 4, hi = 0x8f;
		else
			return false;
		if (i + n > len || s[i + 1] < lo || s[i + 1] > hi)
			return false;
		for (size_t k = 2; k < n; k++)
			if (s[i + k] < 0x80 || s[i + k] > 0xbf)
				return false;
		/* C1 controls, U+0080..U+009F: C2 80..C2 9F */
		if (c == 0xc2 && s[i + 1] < 0xa0)
			return false;
		i += n;
	}
	return true;
}

static char long_domain[201];

static const char *domain_for(unsigned sel)
{
	switch (sel & 3) {
	case 1:
		return "example.com";
	case 2:
		return "Mail.Example.ORG";
	case 3:
		return long_domain;
	}
	return NULL;
}

static void setup(struct pp_config *cfg, unsigned sel)
{
	char err[256];
	const char *domain = domain_for(sel >> 1);

	pp_config_init(cfg);
	CHECK(pp_config_set(cfg, "lowercase", (sel & 1) ? "no" : "yes", "fuzz", false, err,
			    sizeof err) == 0,
	      "lowercase: %s", err);
	if (domain != NULL)
		CHECK(pp_config_set(cfg, "default-domain", domain, "fuzz", false, err, sizeof err) ==
			      0,
		      "default-domain: %s", err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pp_config cfg;
	char *login, *out, *again, *want;
	const char *why = NULL;
	size_t len;

	if (size == 0)
		return 0;
	if (long_domain[0] == '\0') {
		memset(long_domain, 'd', 200);
		memcpy(long_domain + 200 - 12, ".example.net", 12);
	}
	setup(&cfg, data[0]);
	login = malloc(size);
	out = malloc(PP_NAME_MAX + 1);
	again = malloc(PP_NAME_MAX + 1);
	want = malloc(2 * PP_NAME_MAX + 2 + strlen(long_domain));
	if (!login || !out || !again || !want)
		abort();
	memcpy(login, data + 1, size - 1);
	login[size - 1] = '\0';
	len = strlen(login);
	memset(out, 0xa5, PP_NAME_MAX + 1);

	int rc = pp_normalize_name(&cfg, login, out, &why);

	/* The reference model. */
	bool add = strchr(login, '@') == NULL && cfg.default_domain != NULL;
	size_t wantlen = len + (add ? 1 + strlen(cfg.default_domain) : 0);
	bool ok = len >= 1 && len <= PP_NAME_MAX && login[0] != '-' && login[0] != '+' &&
		  clean_utf8((const unsigned char *)login, len) && wantlen <= PP_NAME_MAX;

	CHECK(rc == 0 || rc == -1, "pp_normalize_name returned %d", rc);
	CHECK((rc == 0) == ok, "pp_normalize_name %s a login the model %s (%zu bytes: %.300s)",
	      rc == 0 ? "accepted" : "refused", ok ? "accepts" : "refuses", len, login);
	if (rc != 0) {
		CHECK(why != NULL && why[0] != '\0', "refused without a why");
		goto done;
	}
	CHECK(memchr(out, '\0', PP_NAME_MAX + 1) != NULL, "output not NUL-terminated");
	size_t olen = strlen(out);

	CHECK(olen <= PP_NAME_MAX, "output of %zu bytes", olen);
	CHECK(clean_utf8((const unsigned char *)out, olen),
	      "output has a control character or invalid UTF-8");
	if (cfg.lowercase)
		for (size_t i = 0; i < olen; i++)
			CHECK(out[i] < 'A' || out[i] > 'Z', "uppercase in '%s'", out);
	snprintf(want, 2 * PP_NAME_MAX + 2 + strlen(long_domain), "%s%s%s", login, add ? "@" : "",
		 add ? cfg.default_domain : "");
	if (cfg.lowercase)
		for (char *p = want; *p; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p = (char)(*p - 'A' + 'a');
	CHECK(strcmp(out, want) == 0, "output '%s', the model says '%s'", out, want);

	/* Idempotent: the canonical name is its own canonical name. */
	why = NULL;
	CHECK(pp_normalize_name(&cfg, out, again, &why) == 0, "normalising '%s' again: %s", out,
	      why ? why : "?");
	CHECK(strcmp(out, again) == 0, "not idempotent: '%s' became '%s'", out, again);
done:
	pp_config_free(&cfg);
	free(login);
	free(out);
	free(again);
	free(want);
	return 0;
}
