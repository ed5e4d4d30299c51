/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Server errors as we say them, and results wiped before they are freed.
 *
 * Why not libpq's own text: PQresultErrorMessage carries DETAIL, HINT and
 * CONTEXT, and a DETAIL quotes rows ("Failing row contains (..., {plain}
 * N3w-Secret-PW, ...)" for a CHECK constraint on a password change), so
 * only the SQLSTATE and the primary message are used.
 *
 * Even a primary message can quote a value, so it is withheld by default
 * (fail closed) and shown only when all of these hold:
 *  - its class is one whose messages name objects, not data (shown_classes:
 *    a connection, a permission, a missing column, a constraint's name); a
 *    data exception quotes its input, and a class we do not know may too;
 *  - no procedural language raised it: a trigger's RAISE may choose any
 *    SQLSTATE and says what its author wrote ('...' || OLD.password), and
 *    the server names the file that raised it (pl_exec.c, plpy_elog.c,
 *    plperl.c, pltcl.c: all "pl*");
 *  - the whole message, before any cut, holds no 8-byte piece of a secret
 *    (a secret shorter than that: the whole of it, or of its text past the
 *    "{scheme}"), compared without case and without the quotes and
 *    backslashes that quoting adds (format('%L') doubles a quote).
 * A withheld message is replaced by the condition's name. */
#include "pg_result.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PIECE 8

/* PostgreSQL's names for conditions (its errcodes appendix); a code not
 * listed is named by its class, a class not listed "error". */
static const struct condition {
	const char *code; /* five characters, or a two-character class */
	const char *name;
} conditions[] = {
	{ "22001", "string_data_right_truncation" },
	{ "22003", "numeric_value_out_of_range" },
	{ "22007", "invalid_datetime_format" },
	{ "22008", "datetime_field_overflow" },
	{ "22012", "division_by_zero" },
	{ "22021", "character_not_in_repertoire" },
	{ "22023", "invalid_parameter_value" },
	{ "22P02", "invalid_text_representation" },
	{ "22P05", "untranslatable_character" },
	{ "23502", "not_null_violation" },
	{ "23503", "foreign_key_violation" },
	{ "23505", "unique_violation" },
	{ "23514", "check_violation" },
	{ "42501", "insufficient_privilege" },
	{ "42703", "undefined_column" },
	{ "57014", "query_canceled" },
	{ "P0001", "raise_exception" },
	{ "P0002", "no_data_found" },
	{ "P0003", "too_many_rows" },
	{ "P0004", "assert_failure" },
	{ "08", "connection_exception" },
	{ "0A", "feature_not_supported" },
	{ "22", "data_exception" },
	{ "23", "integrity_constraint_violation" },
	{ "25", "invalid_transaction_state" },
	{ "28", "invalid_authorization_specification" },
	{ "2F", "sql_routine_exception" },
	{ "38", "external_routine_exception" },
	{ "39", "external_routine_invocation_exception" },
	{ "3D", "invalid_catalog_name" },
	{ "3F", "invalid_schema_name" },
	{ "40", "transaction_rollback" },
	{ "42", "syntax_error_or_access_rule_violation" },
	{ "44", "with_check_option_violation" },
	{ "53", "insufficient_resources" },
	{ "54", "program_limit_exceeded" },
	{ "55", "object_not_in_prerequisite_state" },
	{ "57", "operator_intervention" },
	{ "58", "system_error" },
	{ "P0", "plpgsql_error" },
	{ "XX", "internal_error" },
};

/* The classes whose messages name objects (a relation, a column, a
 * constraint, a database), never a row's data; only the server's own
 * messages of these, not a trigger's, may be shown. */
static const char *const shown_classes[] = {
	"08", "0A", "23", "25", "28", "3D", "3F", "40", "42", "53", "55", "57", "58",
};

static const char *condition_name(const char *state)
{
	if (state == NULL)
		return "error";
	for (size_t i = 0; i < sizeof conditions / sizeof conditions[0]; i++) {
		size_t n = strlen(conditions[i].code);

		if (strncmp(state, conditions[i].code, n) == 0 && (n == 2 || state[n] == '\0'))
			return conditions[i].name;
	}
	return "error";
}

static bool class_shown(const char *state)
{
	for (size_t i = 0; i < sizeof shown_classes / sizeof shown_classes[0]; i++)
		if (strncmp(state, shown_classes[i], 2) == 0)
			return true;
	return false;
}

/* s folded for comparing: ASCII lower case, without ' " \ (what quoting
 * and escaping add); a malloc'd copy, NULL when out of memory. */
static char *folded(const char *s)
{
	char *out = malloc(strlen(s) + 1), *p = out;

	if (out == NULL)
		return NULL;
	for (; *s; s++)
		if (*s != '\'' && *s != '"' && *s != '\\')
			*p++ = (*s >= 'A' && *s <= 'Z') ? (char)(*s - 'A' + 'a') : *s;
	*p = '\0';
	return out;
}

static void free_folded(char *s)
{
	if (s != NULL) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

/* Does text (folded) hold a PIECE-byte piece of secret (folded), or all
 * of a shorter one? */
static bool holds_piece(const char *text, const char *secret)
{
	size_t n = strlen(secret), tn = strlen(text);

	if (n == 0)
		return false;
	if (n < PIECE)
		return memmem(text, tn, secret, n) != NULL;
	for (size_t i = 0; i + PIECE <= n; i++)
		if (memmem(text, tn, secret + i, PIECE) != NULL)
			return true;
	return false;
}

/* Does text (folded) quote secret: a piece of it, or all of its text past
 * the "{scheme}" when that is shorter than a piece? */
static bool quotes(const char *text, const char *secret)
{
	const char *brace = secret[0] == '{' ? strchr(secret, '}') : NULL;
	char *whole = folded(secret), *body = brace ? folded(brace + 1) : NULL;
	bool found = whole == NULL || (brace != NULL && body == NULL) || holds_piece(text, whole) ||
		     (body != NULL && holds_piece(text, body));

	free_folded(whole);
	free_folded(body);
	return found;
}

bool pp_pg_message_shown(const char *state, const char *source_file, const char *text,
			 const char *const *secrets, int nsecrets)
{
	char *t;
	bool shown;

	if (state != NULL && !class_shown(state))
		return false;
	if (source_file != NULL && strncmp(source_file, "pl", 2) == 0)
		return false;
	if ((t = folded(text)) == NULL)
		return false;
	shown = true;
	for (int i = 0; i < nsecrets && shown; i++)
		if (secrets[i] != NULL && secrets[i][0] != '\0')
			shown = !quotes(t, secrets[i]);
	free_folded(t);
	return shown;
}

/* The first line of text, cut to fit out. */
static void first_line(const char *msg, char *out, size_t size)
{
	size_t n = strcspn(msg, "\n");

	snprintf(out, size, "%.*s", (int)n, msg);
}

const char *pp_pg_error(const PGresult *res, const PGconn *conn, const char *const *secrets,
			int nsecrets, char *buf, size_t size)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	const char *file = res ? PQresultErrorField(res, PG_DIAG_SOURCE_FILE) : NULL;
	/* libpq's own text, for an error it made itself (a lost connection),
	 * which has no fields: all of it is checked, its first line shown. */
	const char *whole = primary != NULL ? primary
			    : res != NULL   ? PQresultErrorMessage(res)
					    : PQerrorMessage(conn);
	char text[256];

	if (whole != NULL && pp_pg_message_shown(state, file, whole, secrets, nsecrets))
		first_line(whole, text, sizeof text);
	else
		snprintf(text, sizeof text, "%s (the server's message is not shown: it may quote a value)",
			 condition_name(state));
	/* A server message may span lines: a log line must not. */
	for (char *p = text; *p; p++)
		if ((unsigned char)*p < ' ')
			*p = ' ';
	snprintf(buf, size, "failed (SQLSTATE %s): %s", state ? state : "none",
		 text[0] ? text : "no message");
	explicit_bzero(text, sizeof text);
	return buf;
}

/* libpq hands out its text as const; the memory is the result's own,
 * allocated and freed by libpq, and about to be freed. */
static void wipe_text(const char *s)
{
	if (s != NULL && s[0] != '\0')
		explicit_bzero((char *)s, strlen(s));
}

static const int error_fields[] = {
	PG_DIAG_SEVERITY,	  PG_DIAG_SEVERITY_NONLOCALIZED,
	PG_DIAG_SQLSTATE,	  PG_DIAG_MESSAGE_PRIMARY,
	PG_DIAG_MESSAGE_DETAIL,	  PG_DIAG_MESSAGE_HINT,
	PG_DIAG_STATEMENT_POSITION, PG_DIAG_INTERNAL_POSITION,
	PG_DIAG_INTERNAL_QUERY,	  PG_DIAG_CONTEXT,
	PG_DIAG_SCHEMA_NAME,	  PG_DIAG_TABLE_NAME,
	PG_DIAG_COLUMN_NAME,	  PG_DIAG_DATATYPE_NAME,
	PG_DIAG_CONSTRAINT_NAME,  PG_DIAG_SOURCE_FILE,
	PG_DIAG_SOURCE_LINE,	  PG_DIAG_SOURCE_FUNCTION,
};

void pp_pg_clear(PGresult *res)
{
	if (res == NULL)
		return;
	for (int row = 0; row < PQntuples(res); row++)
		for (int col = 0; col < PQnfields(res); col++)
			explicit_bzero(PQgetvalue(res, row, col), (size_t)PQgetlength(res, row, col));
	/* The fields first: the message is made from them. */
	for (size_t i = 0; i < sizeof error_fields / sizeof error_fields[0]; i++)
		wipe_text(PQresultErrorField(res, error_fields[i]));
	wipe_text(PQresultErrorMessage(res));
	PQclear(res);
}
