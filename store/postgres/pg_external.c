/* pg_external.c: see store_external.h. Table names are quoted with
 * PQescapeIdentifier part by part, so any name is safe in the statement. */
#include "store/store_external.h"
#include "store/pq_lazy.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "store/postgres/pg_driver.h"

static void ext_count_one(PGconn *c, store_ext_count *e) {
  e->nRows = -1;
  e->zErr[0] = 0;
  const char *zDot = strchr(e->zTable, '.');
  char *zSchema = NULL, *zTable = NULL;
  if(zDot) {
    zSchema = PQescapeIdentifier(c, e->zTable, (size_t)(zDot - e->zTable));
    zTable = PQescapeIdentifier(c, zDot + 1, strlen(zDot + 1));
  } else {
    zTable = PQescapeIdentifier(c, e->zTable, strlen(e->zTable));
  }
  char *zSql = NULL;
  if(zTable && (!zDot || zSchema) &&
     asprintf(&zSql, "SELECT count(*) FROM %s%s%s", zSchema ? zSchema : "", zSchema ? "." : "", zTable) < 0)
    zSql = NULL;
  PQfreemem(zSchema);
  PQfreemem(zTable);
  if(!zSql) {
    snprintf(e->zErr, sizeof(e->zErr), "out of memory");
    return;
  }
  PGresult *r = PQexec(c, zSql);
  free(zSql);
  if(PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1) e->nRows = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
  else pg_one_line(PQresultErrorMessage(r), e->zErr, sizeof(e->zErr));
  PQclear(r);
}

airc_rc store_ext_pg_count_rows(const char *zUrl, int timeoutMs, store_ext_count *a, int n, airc_err *pErr) {
  char zMasked[512], zConnect[16], zOptions[128], zLine[400];
  store_url_mask(zUrl, zMasked, sizeof(zMasked));
  int ms = timeoutMs > 0 ? timeoutMs : 2000;
  snprintf(zConnect, sizeof(zConnect), "%d", (ms + 999) / 1000 < 2 ? 2 : (ms + 999) / 1000); /* libpq: 1 means 2 */
  snprintf(zOptions, sizeof(zOptions), "-c statement_timeout=%d -c default_transaction_read_only=on", ms);
  /* defaults first: what the URL says wins (expand_dbname) */
  const char *azKey[] = {"connect_timeout", "application_name", "options", "dbname", NULL};
  const char *azVal[] = {zConnect, "airc-webserver", zOptions, zUrl, NULL};
  PGconn *c = PQconnectdbParams(azKey, azVal, 1);
  if(!c || PQstatus(c) != CONNECTION_OK) {
    pg_one_line(PQerrorMessage(c), zLine, sizeof(zLine));
    PQfinish(c);
    return airc_err_set(pErr, AIRC_ERR_DB, "postgres at %s: %s", zMasked, zLine);
  }
  for(int i = 0; i < n; i++) ext_count_one(c, &a[i]);
  PQfinish(c);
  return AIRC_OK;
}
