/* pg_validate.c: see pg_validate.h.
 *
 * The expected records and their states are an expected_users
 * (providers/expected_users.h); this file adds the SQL side: the SELECT text
 * (column and table names checked to be plain identifiers first), the ids
 * as one bound text array, and SQLSTATE 42P01 (no table yet). */
#include "providers/postgres/pg_validate.h"
#include <stdlib.h>
#include <string.h>
#include "common/dynbuf.h"
#include "common/timeutil.h"
#include "providers/postgres/pg_text.h"

typedef struct validate_state {
  const pg_validate_opts *o;
  expected_users eu;
  PGconn *c;
  char *zSelect;
} validate_state;

/* expected_users_rules.xColumnOk: a column name, never schema-qualified. */
static int validate_column_ok(const char *z) { return pg_text_ident_ok(z) && !strchr(z, '.'); }

static const expected_users_rules g_rules = {
    .xIdCanon = pg_text_uuid_canon, .xColumnOk = validate_column_ok, .zColumnKind = "a plain SQL identifier"};

static airc_rc validate_build_select(validate_state *s, airc_err *pErr) {
  dynbuf b;
  dynbuf_init(&b, 64 * 1024);
  airc_rc rc = dynbuf_appendz(&b, "SELECT id::text");
  for(int i = 1; !rc && i < s->eu.nCol; i++) rc = dynbuf_printf(&b, ", %s", s->eu.azCol[i]);
  if(!rc) rc = dynbuf_printf(&b, " FROM %s WHERE id = ANY($1::uuid[])", s->o->zTable);
  if(rc) {
    dynbuf_free(&b);
    return airc_err_set(pErr, rc, "building the SELECT: %s", airc_strerror(rc));
  }
  s->zSelect = dynbuf_take(&b);
  return AIRC_OK;
}

/* Compares row iRow with its record; marks the id found or mismatched. */
static void validate_row(validate_state *s, const PGresult *r, int iRow) {
  char zCanon[37];
  if(PQgetisnull(r, iRow, 0) || pg_text_uuid_canon(PQgetvalue(r, iRow, 0), zCanon)) return;
  int64_t i = expected_users_claim(&s->eu, zCanon);
  for(int c = 1; i >= 0 && c < s->eu.nCol; c++)
    if(!expected_users_compare(&s->eu, i, c, PQgetvalue(r, iRow, c), PQgetisnull(r, iRow, c))) break;
}

/* expected_users_batch_fn: one query for ids aIdx[0..n). */
static airc_rc validate_batch(void *pCtx, const int64_t *aIdx, int n, int *pbNoTable, airc_err *pErr) {
  validate_state *s = pCtx;
  dynbuf a;
  dynbuf_init(&a, 64 * 1024);
  airc_rc rc = dynbuf_appendz(&a, "{");
  for(int i = 0; !rc && i < n; i++) rc = dynbuf_printf(&a, "%s%s", i ? "," : "", s->eu.azId[aIdx[i]]);
  if(!rc) rc = dynbuf_appendz(&a, "}");
  if(rc) {
    dynbuf_free(&a);
    return airc_err_set(pErr, rc, "building the id list: %s", airc_strerror(rc));
  }
  const char *azParam[1] = {dynbuf_str(&a)};
  PGresult *r = PQexecParams(s->c, s->zSelect, 1, NULL, azParam, NULL, NULL, 0);
  if(PQresultStatus(r) == PGRES_TUPLES_OK) {
    if(PQnfields(r) != s->eu.nCol)
      rc = airc_err_set(pErr, AIRC_ERR_NET, "SELECT returned %d columns, not %d", PQnfields(r), s->eu.nCol);
    for(int iRow = 0; !rc && iRow < PQntuples(r); iRow++) validate_row(s, r, iRow);
  } else if(!strcmp(pg_conn_sqlstate(r), "42P01")) {
    *pbNoTable = 1;
  } else {
    char zWhy[700];
    pg_conn_result_error(r, s->c, zWhy, sizeof(zWhy));
    rc = airc_err_set(pErr, AIRC_ERR_NET, "SELECT from %s: %s", s->o->zTable, zWhy);
  }
  PQclear(r);
  dynbuf_free(&a);
  return rc;
}

airc_rc pg_validate_file(const pg_validate_opts *o, pg_validate_result *pOut, airc_err *pErr) {
  memset(pOut, 0, sizeof(*pOut));
  validate_state s;
  memset(&s, 0, sizeof(s));
  s.o = o;
  int64_t deadlineUs = airc_now_us() + o->timeoutMs * 1000;
  airc_rc rc = AIRC_OK;
  if(!pg_text_ident_ok(o->zTable))
    rc = airc_err_set(pErr, AIRC_ERR_INVALID, "table '%s': not a plain SQL identifier (or schema.table)",
                      o->zTable);
  if(!rc) rc = expected_users_load(&s.eu, o->zInput, &g_rules, pOut, pErr);
  if(!rc) rc = validate_build_select(&s, pErr);
  if(!rc && s.eu.nId > 0) rc = pg_conn_open(&o->conn, &s.c, pErr);
  if(!rc && o->pProgress) {
    PGconn *c = s.c;
    fprintf(o->pProgress, "validate-postgres: %lld records in %s, checking %s in database %s at %s:%s\n",
            (long long)s.eu.nId, o->zInput, o->zTable, c ? PQdb(c) : "-", c ? PQhost(c) : "-",
            c ? PQport(c) : "-");
    fflush(o->pProgress);
  }
  expected_users_check_opts co = {.zType = "validate-postgres", .zTable = o->zTable, .deadlineUs = deadlineUs,
                                  .pollMs = o->pollMs, .pProgress = o->pProgress,
                                  .nBatch = o->nBatch > 0 && o->nBatch <= 2000 ? o->nBatch : 500};
  if(!rc) rc = expected_users_check(&s.eu, &co, validate_batch, &s, pErr);
  PQfinish(s.c);
  free(s.zSelect);
  expected_users_free(&s.eu);
  return rc;
}
