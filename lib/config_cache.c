/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Parsed configurations, kept between logins.  Reading and parsing the file
 * (its path walked from /, then open, read, parse) costs several times what
 * a copy of the kept parse does, and a sizeable share of a transaction's
 * client CPU (bench/RESULTS.md, where the time goes: "configuration, read
 * and parsed" against "cached"); a busy auth worker reads the same
 * unchanged file thousands of times a second, and one lstat(2) tells
 * whether it is still the file we parsed.
 *
 * The lock is only ever tried: a login that finds it taken parses the file
 * itself, so no thread waits here, and a child forked while another thread
 * held it (whose copy stays locked for ever) still works, uncached. */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define ENTRIES 4 /* services or module lines with different arguments */

static struct entry {
	char *args;  /* the module arguments, each followed by '\0'; NULL: unused */
	size_t argc;
	struct pp_config cfg; /* cfg.file_id is the file's identity when parsed */
} entries[ENTRIES];
static unsigned next_victim;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static bool same_args(const struct entry *e, int argc, const char **argv)
{
	const char *p = e->args;

	if (p == NULL || e->argc != (size_t)argc)
		return false;
	for (int i = 0; i < argc; p += strlen(p) + 1, i++)
		if (strcmp(p, argv[i]) != 0)
			return false;
	return true;
}

static struct entry *find(int argc, const char **argv, const char *id)
{
	for (size_t i = 0; i < ENTRIES; i++)
		if (same_args(&entries[i], argc, argv) && strcmp(entries[i].cfg.file_id, id) == 0)
			return &entries[i];
	return NULL;
}

static void forget(struct entry *e)
{
	free(e->args);
	e->args = NULL;
	pp_config_free(&e->cfg);
}

static void remember(int argc, const char **argv, const struct pp_config *cfg)
{
	struct entry *e = NULL;
	size_t size = 1;

	for (size_t i = 0; i < ENTRIES && e == NULL; i++)
		if (same_args(&entries[i], argc, argv))
			e = &entries[i];
	if (e == NULL)
		e = &entries[next_victim++ % ENTRIES];
	forget(e);
	for (int i = 0; i < argc; i++)
		size += strlen(argv[i]) + 1;
	e->args = malloc(size);
	if (e->args == NULL || pp_config_copy(&e->cfg, cfg) != 0) {
		free(e->args);
		e->args = NULL;
		return;
	}
	e->argc = (size_t)argc;
	for (char *p = e->args; argc-- > 0; argv++) {
		size_t len = strlen(*argv) + 1;

		memcpy(p, *argv, len);
		p += len;
	}
}

int pp_config_from_args_cached(struct pp_config *cfg, int argc, const char **argv, char *err,
			       size_t errlen)
{
	const char *path = pp_config_path(argc, argv);
	char id[PP_FILE_ID_MAX];
	struct stat st;
	bool known = lstat(path ? path : PP_DEFAULT_CONFIG, &st) == 0 &&
		     pp_config_file_identity(&st, id, sizeof id) == 0;

	if (known && pthread_mutex_trylock(&lock) == 0) {
		struct entry *e = find(argc, argv, id);
		bool copied = e != NULL && pp_config_copy(cfg, &e->cfg) == 0;

		pthread_mutex_unlock(&lock);
		if (copied)
			return 0;
	}
	if (pp_config_from_args(cfg, argc, argv, err, errlen) != 0)
		return -1;
	/* Only what was parsed from the very file we just looked at. */
	if (known && cfg->file_id != NULL && strcmp(cfg->file_id, id) == 0 &&
	    pthread_mutex_trylock(&lock) == 0) {
		remember(argc, argv, cfg);
		pthread_mutex_unlock(&lock);
	}
	return 0;
}
