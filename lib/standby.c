/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Reading PP_STANDBY_QUERY's answer (the measure is explained there). */
#include "standby.h"

#include <stdlib.h>
#include <string.h>

enum pp_server pp_standby_judge(const PGresult *res, long max_lag, double *lag)
{
	char *end;

	*lag = -1;
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1 || PQnfields(res) != 2 ||
	    PQgetisnull(res, 0, 0))
		return PP_SERVER_LATE;
	if (strcmp(PQgetvalue(res, 0, 0), "f") == 0) {
		*lag = 0;
		return PP_SERVER_PRIMARY;
	}
	if (PQgetisnull(res, 0, 1))
		return PP_SERVER_LATE;
	*lag = strtod(PQgetvalue(res, 0, 1), &end);
	if (*end != '\0' || end == PQgetvalue(res, 0, 1)) {
		*lag = -1;
		return PP_SERVER_LATE;
	}
	return *lag <= (double)max_lag ? PP_SERVER_STANDBY : PP_SERVER_LATE;
}
