/* Server errors as we say them, and results wiped before they are freed.
 *
 * Why not libpq's own text: PQresultErrorMessage carries DETAIL, HINT and
 * CONTEXT, and a DETAIL quotes rows ("Failing row contains (..., {plain}
 * N3w-Secret-PW, ...)" for a CHECK constraint on a password change), so
 * only the SQLSTATE and the primary message are used.  Even a primary
 * message can quote a value: a data exception quotes its input ("invalid
 * input syntax for type integer: "...""), a RAISE in a trigger says what
 * its author wrote.  Those, and any message holding a secret we sent, are
 * replaced by the condition's name. */
#include "pg_result.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* PostgreSQL's names for the conditions whose text we may withhold (its
 * errcodes appendix); a code not listed is named by its class. */
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
	{ "P0001", "raise_exception" },
	{ "P0002", "no_data_found" },
	{ "P0003", "too_many_rows" },
	{ "P0004", "assert_failure" },
	{ "22", "data_exception" },
	{ "23", "integrity_constraint_violation" },
	{ "P0", "plpgsql_error" },
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

/* Classes whose primary message may quote a value we never sent: a stored
 * value a query read, a row a trigger saw. */
static bool may_quote_data(const char *state)
{
	return state != NULL && (strncmp(state, "22", 2) == 0 || strncmp(state, "P0", 2) == 0);
}

/* Does text hold secret, or the secret's value past its "{scheme}" (the
 * password of a {plain} value, a hash's body)? */
static bool holds(const char *text, const char *secret)
{
	const char *brace;

	if (secret == NULL || secret[0] == '\0')
		return false;
	if (strstr(text, secret) != NULL)
		return true;
	brace = secret[0] == '{' ? strchr(secret, '}') : NULL;
	return brace != NULL && brace[1] != '\0' && strstr(text, brace + 1) != NULL;
}

/* The first line of libpq's own text, for an error it made itself (a lost
 * connection), which has no fields. */
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
	char text[256];
	bool withhold = may_quote_data(state);

	if (primary != NULL)
		snprintf(text, sizeof text, "%s", primary);
	else
		first_line(res ? PQresultErrorMessage(res) : PQerrorMessage(conn), text, sizeof text);
	for (int i = 0; i < nsecrets && !withhold; i++)
		withhold = holds(text, secrets[i]);
	if (withhold)
		snprintf(text, sizeof text, "%s (the server's message is not shown: it may quote a value)",
			 condition_name(state));
	/* A RAISE may span lines: a log line must not. */
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
