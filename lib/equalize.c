/* SPDX-License-Identifier: GPL-2.0-or-later */
/* equalize-timing's padding.  A padded refusal checks the password against
 * a decoy made in the configuration's own scheme, so that it costs what a
 * wrong password against one of that userbase's values costs: a constant
 * default-cost yescrypt decoy was cheaper than every bcrypt or argon2id
 * value (bench/RESULTS.md, (g)).
 *
 * The decoys are kept in a small table under a lock, keyed by the two
 * settings that decide them.  They are no secret (the password they were
 * made of is random and wiped at once), so the table is neither wiped nor
 * freed; what a configuration change makes obsolete is pushed out. */
#include "equalize.h"
#include "cost.h"
#include "scheme_family.h"
#include "secret.h"
#include "strength.h"

#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>

/* Checked when no decoy can be made (out of memory, no randomness): a
 * {crypt} yescrypt value at libxcrypt's default cost, of a password nobody
 * has. */
static const char fallback[] =
	"{crypt}$y$j9T$iIGUpWUcEOK4pw7RaJq.k.$cCsWL5Jc5KBJyXsxS35k4KAiybFyvDvxUEFzAJzJizC";

#define SLOTS 4      /* configurations with different schemes in one process */
#define KEY_MAX 256  /* password-scheme "\n" upgrade-scheme; longer: not kept */

static struct slot {
	char key[KEY_MAX]; /* "": unused */
	char decoy[PP_HASH_MAX];
} slots[SLOTS];
static unsigned next_slot;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

/* The lock is only ever tried, as in lib/config_cache.c: a child forked
 * while another thread held it would wait for ever.  It is held for a copy
 * of a few hundred bytes, so a few tries almost always get it; failing
 * that, the caller makes a decoy of its own. */
static bool take_lock(void)
{
	for (int i = 0; i < 64; i++) {
		if (pthread_mutex_trylock(&lock) == 0)
			return true;
		sched_yield();
	}
	return false;
}

/* A rough figure for what checking stored costs, in microseconds of one
 * check at the default cost on the bench machine (bench/RESULTS.md, (d)),
 * scaled by the value's own parameters.  Used only to tell which of
 * password-scheme and upgrade-scheme is the dearer: whether a refusal is
 * padded is decided by pp_needs_padding, exactly. */
static double estimate_us(const char *stored)
{
	static const struct {
		const char *method;
		double us;        /* at cost "at" */
		long long at;
		bool exponential; /* cost is log2 of the work, else the work */
	} crypt_costs[] = {
		{ "yescrypt", 17500, 5, true }, { "bcrypt", 50000, 10, true },
		{ "sha512", 1230, 5000, false }, { "sha256", 1930, 5000, false },
		{ "md5", 105, 0, false },         { "des", 5, 0, false },
	};
	const char *value = NULL, *why, *method;
	const struct pp_scheme *scheme = pp_stored_scheme(stored, &value);
	struct pp_argon2_cost a;
	long long cost;

	if (scheme == NULL)
		return 0;
	if (scheme->verify == pp_argon2_verify)
		return pp_argon2_params(value, &a, &why) != 0
			       ? 0
			       : 150000.0 * (double)(a.m_kib * a.t) / (65536.0 * 3);
	if (scheme->verify != pp_crypt_verify)
		/* PBKDF2 and SCRAM about a millisecond, digests nothing. */
		return scheme->flags & PP_SCHEME_WEAK ? 1 : 1000;
	method = pp_crypt_method_of(value);
	cost = method != NULL ? pp_crypt_cost(value, &why) : -1;
	for (size_t i = 0; cost >= 0 && i < sizeof crypt_costs / sizeof crypt_costs[0]; i++) {
		if (strcmp(method, crypt_costs[i].method) != 0)
			continue;
		if (crypt_costs[i].exponential) {
			double us = crypt_costs[i].us;

			for (long long c = crypt_costs[i].at; c < cost; c++)
				us *= 2;
			for (long long c = cost; c < crypt_costs[i].at; c++)
				us /= 2;
			return us;
		}
		return crypt_costs[i].at ? crypt_costs[i].us * (double)cost / (double)crypt_costs[i].at
					 : crypt_costs[i].us;
	}
	return 0;
}

/* A value in the scheme spec names, of a random password. */
static int make_one(const char *spec, char *out, size_t size)
{
	unsigned char raw[24];
	char password[2 * sizeof raw + 1];
	struct pp_target target;
	const char *why;
	int rc = -1;

	if (pp_target_parse(spec, &target, &why) != 0 || pp_random(raw, sizeof raw) != 0)
		goto done;
	for (size_t i = 0; i < sizeof raw; i++)
		snprintf(password + 2 * i, 3, "%02x", raw[i]);
	rc = pp_target_hash(&target, password, out, size, &why);
done:
	explicit_bzero(raw, sizeof raw);
	explicit_bzero(password, sizeof password);
	return rc;
}

static int make_decoy(const struct pp_config *cfg, char *out, size_t size)
{
	char other[PP_HASH_MAX];

	if (make_one(cfg->password_scheme ? cfg->password_scheme : PP_DEFAULT_PASSWORD_SCHEME,
		     out, size) != 0)
		return -1;
	if (cfg->upgrade_scheme != NULL && make_one(cfg->upgrade_scheme, other, sizeof other) == 0 &&
	    estimate_us(other) > estimate_us(out))
		snprintf(out, size, "%s", other);
	return 0;
}

int pp_decoy(const struct pp_config *cfg, char *out, size_t size)
{
	char key[KEY_MAX];
	int n = snprintf(key, sizeof key, "%s\n%s",
			 cfg->password_scheme ? cfg->password_scheme : PP_DEFAULT_PASSWORD_SCHEME,
			 cfg->upgrade_scheme ? cfg->upgrade_scheme : "");
	bool keyed = n > 0 && (size_t)n < sizeof key;

	if (size < PP_HASH_MAX)
		return -1;
	if (keyed && take_lock()) {
		bool found = false;

		for (size_t i = 0; !found && i < SLOTS; i++)
			if (strcmp(slots[i].key, key) == 0) {
				memcpy(out, slots[i].decoy, PP_HASH_MAX);
				found = true;
			}
		pthread_mutex_unlock(&lock);
		if (found)
			return 0;
	}
	/* Made outside the lock: a slow hash must not hold up other logins. */
	if (make_decoy(cfg, out, size) != 0)
		return -1;
	if (keyed && take_lock()) {
		struct slot *s = &slots[next_slot++ % SLOTS];

		memcpy(s->key, key, sizeof key);
		memcpy(s->decoy, out, PP_HASH_MAX);
		pthread_mutex_unlock(&lock);
	}
	return 0;
}

/* The same Argon2 variant, at least the memory and passes, and no more
 * lanes (libargon2 runs a thread per lane). */
static bool argon2_costs_at_least(const char *stored, const char *reference)
{
	const char *mine = NULL, *theirs = NULL, *why;
	const struct pp_scheme *s = pp_stored_scheme(stored, &mine),
			       *r = pp_stored_scheme(reference, &theirs);
	struct pp_argon2_cost have, want;
	size_t variant;

	if (s == NULL || r == NULL || s->verify != pp_argon2_verify ||
	    r->verify != pp_argon2_verify)
		return false;
	variant = strcspn(theirs + (theirs[0] == '$'), "$") + 1;
	if (strncmp(mine, theirs, variant) != 0 || mine[variant] != '$' ||
	    pp_argon2_params(mine, &have, &why) != 0 || pp_argon2_params(theirs, &want, &why) != 0)
		return false;
	return have.m_kib >= want.m_kib && have.t >= want.t && have.p <= want.p;
}

/* The same PBKDF2 scheme ({pbkdf2}, {scram-sha-1}, {scram-sha-256}), at
 * least as many iterations. */
static bool kdf_costs_at_least(const char *stored, const char *reference)
{
	const char *mine = NULL, *theirs = NULL;
	const struct pp_scheme *s = pp_stored_scheme(stored, &mine),
			       *r = pp_stored_scheme(reference, &theirs);
	long have, want;

	if (s == NULL || s != r || (want = pp_kdf_iterations(r, theirs)) < 0)
		return false;
	have = pp_kdf_iterations(s, mine);
	return have >= want;
}

bool pp_needs_padding(const struct pp_config *cfg, const char *stored)
{
	char decoy[PP_HASH_MAX];
	const char *d = pp_decoy(cfg, decoy, sizeof decoy) == 0 ? decoy : fallback;

	return !pp_costs_at_least(stored, d) && !argon2_costs_at_least(stored, d) &&
	       !kdf_costs_at_least(stored, d);
}

void pp_pad(const struct pp_config *cfg, const char *password)
{
	char decoy[PP_HASH_MAX];
	const char *d = pp_decoy(cfg, decoy, sizeof decoy) == 0 ? decoy : fallback;

	(void)pp_verify(d, password, NULL);
}
