/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The userbase and the login flow against the real PostgreSQL the harness
 * started (PGHOST, PGPORT, PP_PG*): kinds of address, PowerMail's original
 * table and query, bad queries, timeouts, and what gets logged. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "auth.h"
#include "config.h"
#include "userbase.h"
#include "pg_super.h"

static char logged[16384];

__attribute__((format(printf, 3, 4))) static void capture(void *ctx, int priority,
							     const char *fmt, ...)
{
	size_t used = strlen(logged);
	va_list ap;

	(void)ctx;
	(void)priority;
	va_start(ap, fmt);
	vsnprintf(logged + used, sizeof logged - used, fmt, ap);
	va_end(ap);
	used = strlen(logged);
	if (used + 1 < sizeof logged)
		strcat(logged, "\n");
}

static const struct pp_logger logger = { capture, NULL };

static void config(struct pp_config *cfg)
{
	pp_config_init(cfg);
	cfg->host = strdup(getenv("PGHOST"));
	cfg->port = strdup(getenv("PGPORT"));
	cfg->user = strdup(getenv("PP_PGUSER"));
	cfg->password = strdup(getenv("PP_PGPASSWORD"));
	cfg->database = strdup(getenv("PP_PGDB"));
}

static int setup(void **state)
{
	(void)state;
	reconnect_super();
	/* PowerMail's original table, as its manual creates it, under
	 * another name so the test owns it. */
	sql("DROP TABLE IF EXISTS ub_orig;"
	    "CREATE TABLE ub_orig (id SERIAL PRIMARY KEY, mbox VARCHAR(255) NOT NULL,"
	    " password VARCHAR(50) DEFAULT NULL, quotaMB INT DEFAULT NULL,"
	    " isForward INT DEFAULT NULL, fwdDest VARCHAR(80) DEFAULT NULL);"
	    "CREATE UNIQUE INDEX ub_orig_mbox ON ub_orig(mbox);"
	    "GRANT SELECT ON ub_orig TO powermail;"
	    "INSERT INTO ub_orig (mbox, password, quotaMB, isForward, fwdDest) VALUES"
	    " ('info@example.com', '{plain}s3cr3t!', NULL, NULL, NULL),"
	    " ('quota@example.com', 's3cr3t!', 100, 0, NULL),"
	    " ('fwd@example.com', NULL, NULL, 1, 'far@elsewhere.example'),"
	    " ('nopass@example.com', NULL, 0, 0, NULL),"
	    " ('two@example.com', '{plain}s3cr3t!', NULL, 2, NULL);"
	    "DROP TABLE IF EXISTS ub_text;"
	    "CREATE TABLE ub_text (mbox TEXT, password TEXT, quota TEXT, fwd TEXT, dest TEXT);"
	    "GRANT SELECT ON ub_text TO powermail;"
	    "INSERT INTO ub_text VALUES"
	    " ('t@x', 'p', NULL, 't', 'd'), ('true@x', 'p', NULL, 'true', 'd'),"
	    " ('one@x', 'p', NULL, '1', 'd'), ('f@x', 'p', NULL, 'f', NULL),"
	    " ('zero@x', 'p', NULL, '0', NULL), ('junk@x', 'p', NULL, 'maybe', NULL),"
	    " ('twice@x', 'p', NULL, NULL, NULL), ('twice@x', 'q', NULL, NULL, NULL),"
	    " ('badquota@x', 'p', 'lots', NULL, NULL), ('two@x', 'p', NULL, '2', NULL),"
	    " ('TRUE@x', 'p', NULL, 'TRUE', 'd'), ('FALSE@x', 'p', NULL, 'FALSE', NULL),"
	    " ('blank0@x', 'p', NULL, ' 0 ', NULL), ('empty@x', 'p', NULL, '', NULL);");
	return 0;
}

static const char orig_query[] =
	"select quotaMB,isForward,fwdDest,password from ub_orig where mbox='%s'";
static const char text_query[] = "select quota, fwd, dest, password from ub_text where mbox=%s";

struct lookup_row {
	const char *query;
	const char *name;
	enum pp_kind want;
	long quota;
};

static const struct lookup_row lookups[] = {
	{ orig_query, "info@example.com", PP_KIND_HOSTED, 0 },
	{ orig_query, "quota@example.com", PP_KIND_HOSTED, 100 },
	{ orig_query, "fwd@example.com", PP_KIND_FORWARD, 0 },
	{ orig_query, "nopass@example.com", PP_KIND_HOSTED, 0 },
	{ orig_query, "nobody@example.com", PP_KIND_UNKNOWN, 0 },
	{ orig_query, "x' OR '1'='1", PP_KIND_UNKNOWN, 0 },
	{ orig_query, "'; drop table ub_orig; --", PP_KIND_UNKNOWN, 0 },
	{ orig_query, "%s", PP_KIND_UNKNOWN, 0 },
	{ orig_query, "$1", PP_KIND_UNKNOWN, 0 },
	{ orig_query, "a\\'b", PP_KIND_UNKNOWN, 0 },
	{ text_query, "t@x", PP_KIND_FORWARD, 0 },
	{ text_query, "true@x", PP_KIND_FORWARD, 0 },
	{ text_query, "one@x", PP_KIND_FORWARD, 0 },
	{ text_query, "f@x", PP_KIND_HOSTED, 0 },
	{ text_query, "zero@x", PP_KIND_HOSTED, 0 },
	{ text_query, "junk@x", PP_KIND_FORWARD, 0 },
	{ text_query, "two@x", PP_KIND_FORWARD, 0 },
	{ text_query, "TRUE@x", PP_KIND_FORWARD, 0 },
	{ text_query, "FALSE@x", PP_KIND_HOSTED, 0 },
	{ text_query, "blank0@x", PP_KIND_HOSTED, 0 },
	{ text_query, "empty@x", PP_KIND_FORWARD, 0 },
	{ orig_query, "two@example.com", PP_KIND_FORWARD, 0 },
	{ text_query, "twice@x", PP_KIND_UNAVAILABLE, 0 },
	{ text_query, "badquota@x", PP_KIND_HOSTED, 0 },
	{ "select 1, 2, 3 from ub_orig where mbox=$1", "info@example.com", PP_KIND_UNAVAILABLE, 0 },
	{ "select quotaMB,isForward,fwdDest,password from no_such_table where mbox=$1",
	  "info@example.com", PP_KIND_UNAVAILABLE, 0 },
	{ "select quotaMB,isForward,fwdDest,password from mboxes where mbox=$1; select 1",
	  "info@example.com", PP_KIND_UNAVAILABLE, 0 },
};

static void test_lookups(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof lookups / sizeof lookups[0]; i++) {
		struct pp_config cfg;
		struct pp_mailbox mb;
		char err[256];

		config(&cfg);
		if (pp_config_set(&cfg, "postgresql-query", lookups[i].query, "test", false, err,
				  sizeof err) != 0)
			fail_msg("%s", err);
		enum pp_kind got = pp_userbase_lookup(&cfg, lookups[i].name, &mb, &logger);
		if (got != lookups[i].want)
			fail_msg("row %zu (%s): got %s, want %s", i, lookups[i].name,
				 pp_kind_name(got), pp_kind_name(lookups[i].want));
		assert_int_equal(mb.quota_mb, lookups[i].quota);
		if (strcmp(lookups[i].name, "fwd@example.com") == 0)
			assert_string_equal(mb.forward, "far@elsewhere.example");
		pp_mailbox_clear(&mb);
		pp_config_free(&cfg);
	}
	/* The injection rows changed nothing. */
	assert_int_equal(sql_long("select count(*) from ub_orig"), 5);
}

/* isForward read as text: only what plainly says "no" is a mailbox. */
static const struct forward_row {
	const char *value; /* NULL: SQL NULL */
	bool forward;
	bool usual; /* one of NULL, 0, 1, t, true, f, false */
} forward_values[] = {
	/* a mailbox, as PowerMail and a boolean column write it */
	{ NULL, false, true }, { "0", false, true }, { "f", false, true }, { "false", false, true },
	{ "F", false, true }, { "FALSE", false, true }, { "False", false, true },
	/* blanks around it: a char(n) column pads */
	{ " 0", false, true }, { "0    ", false, true }, { "  f  ", false, true },
	/* a forward */
	{ "1", true, true }, { "t", true, true }, { "true", true, true }, { "TRUE", true, true },
	{ "T", true, true }, { " 1 ", true, true },
	/* anything else: a forward, and unusual */
	{ "2", true, false }, { "-1", true, false }, { "", true, false }, { " ", true, false },
	{ "yes", true, false }, { "no", true, false }, { "off", true, false }, { "n", true, false },
	{ "maybe", true, false }, { "00", true, false }, { "0.0", true, false }, { "-0", true, false },
	{ "\t0", true, false }, { "0\t", true, false }, { "0\n", true, false },
	{ "fals", true, false }, { "falsey", true, false }, { "0 0", true, false },
	{ "1 0", true, false },
};

static void test_forward_values(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof forward_values / sizeof forward_values[0]; i++) {
		const struct forward_row *r = &forward_values[i];

		if (pp_is_forward(r->value) != r->forward)
			fail_msg("row %zu: isForward '%s' read as %s", i, r->value ? r->value : "NULL",
				 r->forward ? "a mailbox" : "a forward");
		if (pp_forward_mark_is_usual(r->value) != r->usual)
			fail_msg("row %zu: isForward '%s' %s usual", i, r->value ? r->value : "NULL",
				 r->usual ? "not" : "taken as");
	}
}

/* The finding: a forward row with isForward = 2 and a password left from
 * before was a mailbox, and logged in.  It is a forward, refused in one
 * log line, as every refusal is. */
static void test_unusual_forward_refused(void **state)
{
	struct pp_config cfg;
	struct pp_login login;
	char err[256];

	(void)state;
	config(&cfg);
	assert_int_equal(pp_config_set(&cfg, "postgresql-query", orig_query, "t", false, err,
				       sizeof err),
			 0);
	logged[0] = '\0';
	assert_int_equal(pp_authenticate(&cfg, "two@example.com", "s3cr3t!", &login, &logger),
			 PP_FORWARD);
	assert_string_equal(logged, "mailbox two@example.com: a forward address has no mailbox\n");
	pp_config_free(&cfg);
}

static void test_unreachable(void **state)
{
	struct pp_config cfg;
	struct pp_mailbox mb;

	(void)state;
	config(&cfg);
	free(cfg.host);
	cfg.host = strdup("/nonexistent-socket-dir");
	assert_int_equal(pp_userbase_lookup(&cfg, "info@example.com", &mb, &logger),
			 PP_KIND_UNAVAILABLE);
	pp_config_free(&cfg);

	/* A wrong database password: refused by the server, and not logged. */
	config(&cfg);
	free(cfg.password);
	cfg.password = strdup("Wr0ng-db-Pa55");
	logged[0] = '\0';
	assert_int_equal(pp_userbase_lookup(&cfg, "info@example.com", &mb, &logger),
			 PP_KIND_UNAVAILABLE);
	assert_non_null(strstr(logged, "cannot reach the userbase"));
	assert_null(strstr(logged, "Wr0ng-db-Pa55"));
	pp_config_free(&cfg);
}

static void test_query_timeout(void **state)
{
	struct pp_config cfg;
	struct pp_mailbox mb;
	char err[256];
	struct timespec a, b;

	(void)state;
	config(&cfg);
	assert_int_equal(pp_config_set(&cfg, "postgresql-query",
				       "select quotaMB,isForward,fwdDest,password from ub_orig "
				       "where mbox=$1 and pg_sleep(30) is not null",
				       "test", false, err, sizeof err),
			 0);
	cfg.query_timeout = 300;
	logged[0] = '\0';
	clock_gettime(CLOCK_MONOTONIC, &a);
	assert_int_equal(pp_userbase_lookup(&cfg, "info@example.com", &mb, &logger),
			 PP_KIND_UNAVAILABLE);
	clock_gettime(CLOCK_MONOTONIC, &b);
	assert_non_null(strstr(logged, "no answer within 300 ms"));
	/* Bounded: far below the 30 s the server would take. */
	assert_true(b.tv_sec - a.tv_sec < 20);
	pp_config_free(&cfg);
}

struct auth_row {
	const char *login;
	const char *password;
	enum pp_result want;
	const char *name; /* canonical name after success */
};

static const struct auth_row auths[] = {
	{ "info@example.com", "s3cr3t!", PP_OK, "info@example.com" },
	{ "INFO@Example.com", "s3cr3t!", PP_OK, "info@example.com" },
	{ "info", "s3cr3t!", PP_OK, "info@example.com" }, /* default-domain */
	{ "quota@example.com", "s3cr3t!", PP_OK, "quota@example.com" },
	{ "info@example.com", "S3cr3t!", PP_WRONG_PASSWORD, NULL },
	{ "info@example.com", "", PP_WRONG_PASSWORD, NULL },
	{ "nopass@example.com", "s3cr3t!", PP_WRONG_PASSWORD, NULL },
	{ "fwd@example.com", "s3cr3t!", PP_FORWARD, NULL },
	{ "nobody@example.com", "s3cr3t!", PP_NO_USER, NULL },
	{ "bad\nname", "s3cr3t!", PP_NO_USER, NULL },
};

static void test_authenticate(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof auths / sizeof auths[0]; i++) {
		struct pp_config cfg;
		struct pp_login login;
		char err[256];

		config(&cfg);
		assert_int_equal(pp_config_set(&cfg, "postgresql-query", orig_query, "t", false,
					       err, sizeof err),
				 0);
		assert_int_equal(pp_config_set(&cfg, "default-domain", "example.com", "t", false,
					       err, sizeof err),
				 0);
		logged[0] = '\0';
		enum pp_result got = pp_authenticate(&cfg, auths[i].login, auths[i].password,
						     &login, &logger);
		if (got != auths[i].want)
			fail_msg("row %zu: got %s, want %s", i, pp_result_name(got),
				 pp_result_name(auths[i].want));
		if (auths[i].name != NULL)
			assert_string_equal(login.name, auths[i].name);
		/* A refusal says one line; no password ever appears. */
		if (got != PP_OK)
			assert_non_null(strchr(logged, '\n'));
		assert_null(strstr(logged, "s3cr3t"));
		assert_null(strstr(logged, "S3cr3t"));
		assert_null(strstr(logged, getenv("PP_PGPASSWORD")));
		pp_config_free(&cfg);
	}
}

/* --- no stored value left in memory ------------------------------------ */

/* What a scan of the process's memory found: copies of a value lying in a
 * DataRow message as the server sent it (libpq's input buffer of a kept
 * connection: see SECURITY.md), and copies anywhere else. */
struct found {
	int in_datarow;
	int elsewhere;
};

/* Is the copy of needle at addr (in memory read through fd) a column of a
 * DataRow: the stored value, prefix included, right after its 4-byte
 * big-endian length? */
static bool in_datarow(int fd, uintptr_t addr, size_t prefix_len, size_t stored_len)
{
	unsigned char before[4];
	uint32_t len;

	if (addr < prefix_len + sizeof before ||
	    pread(fd, before, sizeof before, (off_t)(addr - prefix_len - sizeof before)) !=
		    (ssize_t)sizeof before)
		return false;
	memcpy(&len, before, sizeof len);
	return ntohl(len) == stored_len;
}

/* Every copy of needle in the writable anonymous memory of this process
 * ([heap], [stack] and nameless mappings: malloc's arenas, the sanitizer's
 * heap), read through /proc/self/mem so that freed memory can be read under
 * AddressSanitizer too.  The copy at skip (the test's own) is not counted;
 * nor are mappings over 64 MiB: a sanitizer's shadow memory, no data. */
static struct found scan_memory(const char *needle, const void *skip, size_t prefix_len,
				size_t stored_len)
{
	enum { CHUNK = 1 << 20 };
	size_t nlen = strlen(needle);
	struct found f = { 0, 0 };
	char line[512];
	FILE *maps = fopen("/proc/self/maps", "r");
	int fd = open("/proc/self/mem", O_RDONLY);
	/* A mapping of its own, outside every malloc arena: what it holds
	 * while we read is not counted (see the range check below). */
	char *buf = mmap(NULL, CHUNK + 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			 -1, 0);

	assert_non_null(maps);
	assert_true(fd >= 0);
	assert_true(buf != MAP_FAILED);
	while (fgets(line, sizeof line, maps) != NULL) {
		unsigned long start, end;
		char perms[5], path[256] = "";

		if (sscanf(line, "%lx-%lx %4s %*s %*s %*s %255s", &start, &end, perms, path) < 3)
			continue;
		if (strncmp(perms, "rw", 2) != 0 || end - start > 64ul << 20 ||
		    (path[0] != '\0' && strcmp(path, "[heap]") != 0 && strcmp(path, "[stack]") != 0) ||
		    start == (uintptr_t)buf)
			continue;
		/* Chunks that overlap by the needle's length, so no copy is
		 * cut in two. */
		for (unsigned long at = start; at < end; at += CHUNK) {
			size_t want = end - at < CHUNK + nlen ? end - at : CHUNK + nlen;
			ssize_t got = pread(fd, buf, want, (off_t)at);

			for (char *p = got > 0 ? buf : NULL;
			     p != NULL && (p = memmem(p, (size_t)got - (size_t)(p - buf), needle, nlen)) != NULL;
			     p++) {
				uintptr_t addr = at + (uintptr_t)(p - buf);

				if (addr - at >= CHUNK || addr == (uintptr_t)skip)
					continue;
				if (in_datarow(fd, addr, prefix_len, stored_len))
					f.in_datarow++;
				else
					f.elsewhere++;
			}
		}
	}
	explicit_bzero(buf, CHUNK + 4096);
	munmap(buf, CHUNK + 4096);
	close(fd);
	fclose(maps);
	return f;
}

static char heap_needle[64];

/* Store "{plain}" + needle for mbox from a child process, so that this one
 * never holds the value in a libpq buffer of its own; the child also hands
 * it to the harness's secrets check.  The child sends on super's socket
 * while this process waits, reads the whole answer, and leaves without a
 * word to the server (no cmocka failure there: it would go on with the
 * tests in the child). */
static void store_from_child(const char *mbox, const char *needle)
{
	int status;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		char value[128];
		const char *params[2] = { mbox, value };

		snprintf(value, sizeof value, "{plain}%s", needle);
		harness_secret(value);
		PGresult *r = PQexecParams(super,
					   "insert into mboxes (mbox, password) values ($1, $2) on "
					   "conflict (mbox) do update set password = excluded.password",
					   2, NULL, params, NULL, NULL, 0);
		_exit(PQresultStatus(r) == PGRES_COMMAND_OK ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* After a failed login, the stored value is in no memory this code
 * controls: the result's cell and the mailbox's copy are wiped.  What is
 * left is libpq's input buffer of the kept connection, which the scan must
 * find (so that it is known to see), and nothing else. */
static void test_stored_value_wiped(void **state)
{
	unsigned char random[16];
	struct pp_config cfg;
	struct pp_login login;
	struct found f;

	(void)state;
	assert_int_equal(getrandom(random, sizeof random, 0), (ssize_t)sizeof random);
	snprintf(heap_needle, sizeof heap_needle, "Heap-Probe-");
	for (size_t i = 0; i < sizeof random; i++)
		snprintf(heap_needle + strlen(heap_needle), 3, "%02x", random[i]);
	store_from_child("heap@userbase.test", heap_needle);
	config(&cfg);
	assert_true(cfg.persistent);
	assert_int_equal(pp_authenticate(&cfg, "heap@userbase.test", "Not-the-heap-probe", &login,
					 &logger),
			 PP_WRONG_PASSWORD);
	pp_config_free(&cfg);
	f = scan_memory(heap_needle, heap_needle, strlen("{plain}"),
			strlen("{plain}") + strlen(heap_needle));
	if (f.elsewhere != 0 || f.in_datarow != 1)
		fail_msg("the stored value: %d copies left outside libpq's input buffer, %d in it "
			 "(want 0 and 1)",
			 f.elsewhere, f.in_datarow);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lookups),
		cmocka_unit_test(test_forward_values),
		cmocka_unit_test(test_unusual_forward_refused),
		cmocka_unit_test(test_unreachable),
		cmocka_unit_test(test_query_timeout),
		cmocka_unit_test(test_authenticate),
		cmocka_unit_test(test_stored_value_wiped),
	};

	if (getenv("PGHOST") == NULL || getenv("PP_PGUSER") == NULL) {
		fprintf(stderr, "run me through tests/run-tests.sh: no PostgreSQL given\n");
		return 1;
	}
	return cmocka_run_group_tests(tests, setup, NULL);
}
