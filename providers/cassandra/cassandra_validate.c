/* cassandra_validate.c: see cassandra_validate.h.
 *
 * The expected records and their states are an expected_users
 * (providers/expected_users.h); this file adds the CQL side: the SELECT
 * text (column and table names checked to be plain identifiers first), the
 * ids as bound 16-byte uuid values (never inlined), the paging, and the
 * server's "table does not exist" answer. */
#include "providers/cassandra/cassandra_validate.h"
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include "common/dynbuf.h"
#include "common/timeutil.h"

typedef struct validate_state {
  const cass_validate_opts *o;
  expected_users eu;
  cql_conn *c;
  uint8_t (*aUuid)[16];       /* eu.azId as bound values */
  char *zSelect;              /* "SELECT c1, c2 FROM ks.t WHERE id IN (" */
} validate_state;

int cass_identifier_ok(const char *z) {
  if(!z || !(isalpha((unsigned char)*z) || *z == '_')) return 0;
  size_t n = 0;
  for(; *z; z++, n++)
    if(!(isalnum((unsigned char)*z) || *z == '_')) return 0;
  return n <= 48;
}

/* expected_users_rules.xIdCanon: a uuid as Cassandra reads it. */
static int validate_id_canon(const char *zId, char zOut[37]) {
  uint8_t a[16];
  if(cql_uuid_parse(zId, a)) return -1;
  cql_uuid_format(a, zOut);
  return 0;
}

static const expected_users_rules g_rules = {
    .xIdCanon = validate_id_canon, .xColumnOk = cass_identifier_ok, .zColumnKind = "a CQL identifier"};

/* The ids as values to bind, in eu.azId's order. */
static airc_rc validate_bind_ids(validate_state *s, airc_err *pErr) {
  s->aUuid = malloc((size_t)(s->eu.nId ? s->eu.nId : 1) * 16);
  if(!s->aUuid) return airc_err_set(pErr, AIRC_ERR_NOMEM, "out of memory");
  for(int64_t i = 0; i < s->eu.nId; i++) (void)cql_uuid_parse(s->eu.azId[i], s->aUuid[i]);
  return AIRC_OK;
}

static airc_rc validate_build_select(validate_state *s, airc_err *pErr) {
  dynbuf b;
  dynbuf_init(&b, 64 * 1024);
  airc_rc rc = dynbuf_appendz(&b, "SELECT ");
  for(int i = 0; !rc && i < s->eu.nCol; i++) rc = dynbuf_printf(&b, "%s%s", i ? ", " : "", s->eu.azCol[i]);
  if(!rc) rc = dynbuf_printf(&b, " FROM %s.%s WHERE id IN (", s->o->zKeyspace, s->o->zTable);
  if(rc) {
    dynbuf_free(&b);
    return airc_err_set(pErr, rc, "building the SELECT: %s", airc_strerror(rc));
  }
  s->zSelect = dynbuf_take(&b);
  return AIRC_OK;
}

/* Compares one returned row with its record; marks the id found/mismatch. */
static airc_rc validate_row(validate_state *s, const cql_result *r, int iRow, const int *aColIdx,
                            airc_err *pErr) {
  dynbuf b;
  dynbuf_init(&b, EXPECTED_USERS_MAX_LINE);
  int bNull;
  airc_rc rc = cql_result_cell_text(r, iRow, aColIdx[0], &b, &bNull);
  int64_t i = !rc && !bNull ? expected_users_claim(&s->eu, dynbuf_str(&b)) : -1;
  for(int c = 1; i >= 0 && !rc && c < s->eu.nCol; c++) {
    dynbuf_reset(&b);
    rc = cql_result_cell_text(r, iRow, aColIdx[c], &b, &bNull);
    if(!rc && !expected_users_compare(&s->eu, i, c, dynbuf_str(&b), bNull)) break;
  }
  dynbuf_free(&b);
  if(rc) airc_err_set(pErr, rc, "rendering a cell: %s", airc_strerror(rc));
  return rc;
}

/* 1 if the server said the keyspace or table does not exist (yet). */
static int validate_is_missing_table(const airc_err *pErr) {
  return strstr(pErr->zMsg, "(0x2200)") &&
         (strstr(pErr->zMsg, "unconfigured table") || strstr(pErr->zMsg, "does not exist"));
}

/* One query for ids aIdx[0..n): all pages of its result. */
static airc_rc validate_query(validate_state *s, const int64_t *aIdx, int n, airc_err *pErr) {
  dynbuf q;
  dynbuf_init(&q, 1 << 20);
  airc_rc rc = dynbuf_appendz(&q, s->zSelect);
  for(int i = 0; !rc && i < n; i++) rc = dynbuf_appendz(&q, i ? ", ?" : "?");
  if(!rc) rc = dynbuf_appendz(&q, ")");
  cql_value aVal[1000];
  for(int i = 0; i < n; i++) { aVal[i].p = s->aUuid[aIdx[i]]; aVal[i].n = 16; }
  uint8_t *pPaging = NULL;
  int32_t nPaging = 0;
  while(!rc) {
    cql_result r;
    rc = cql_query(s->c, dynbuf_str(&q), s->o->consistency, aVal, n, 1000, pPaging, nPaging, &r, pErr);
    free(pPaging);
    pPaging = NULL;
    if(!rc && r.kind != CQL_RESULT_ROWS)
      rc = airc_err_set(pErr, AIRC_ERR_NET, "SELECT returned a result of kind %d, not rows", r.kind);
    int aColIdx[EXPECTED_USERS_MAX_COLS];
    for(int k = 0; !rc && k < s->eu.nCol; k++) {
      aColIdx[k] = cql_result_column(&r, s->eu.azCol[k]);
      if(aColIdx[k] < 0)
        rc = airc_err_set(pErr, AIRC_ERR_NET, "SELECT result has no column '%s'", s->eu.azCol[k]);
    }
    for(int iRow = 0; !rc && iRow < r.nRow; iRow++) rc = validate_row(s, &r, iRow, aColIdx, pErr);
    if(!rc && r.pPaging) {
      pPaging = malloc(r.nPaging ? (size_t)r.nPaging : 1);
      if(!pPaging) rc = airc_err_set(pErr, AIRC_ERR_NOMEM, "out of memory");
      else { memcpy(pPaging, r.pPaging, (size_t)r.nPaging); nPaging = r.nPaging; }
    }
    cql_result_free(&r);
    if(!pPaging) break;
  }
  dynbuf_free(&q);
  return rc;
}

/* expected_users_batch_fn: one query; a missing table is not an error. */
static airc_rc validate_batch(void *pCtx, const int64_t *aIdx, int n, int *pbNoTable, airc_err *pErr) {
  validate_state *s = pCtx;
  airc_err eq = {0};
  airc_rc rc = validate_query(s, aIdx, n, &eq);
  if(rc && validate_is_missing_table(&eq)) {
    *pbNoTable = 1; /* the streaming job creates it: same as all rows missing */
    return AIRC_OK;
  }
  if(rc) airc_err_set(pErr, eq.rc, "%s", eq.zMsg);
  return rc;
}

airc_rc cass_validate_file(const cass_validate_opts *o, cass_validate_result *pOut,
                           airc_err *pErr) {
  memset(pOut, 0, sizeof(*pOut));
  validate_state s;
  memset(&s, 0, sizeof(s));
  s.o = o;
  int64_t deadlineUs = airc_now_us() + o->timeoutMs * 1000;
  char zWhere[120];
  snprintf(zWhere, sizeof(zWhere), "%s.%s", o->zKeyspace ? o->zKeyspace : "", o->zTable ? o->zTable : "");
  airc_rc rc = AIRC_OK;
  if(!cass_identifier_ok(o->zKeyspace) || !cass_identifier_ok(o->zTable))
    rc = airc_err_set(pErr, AIRC_ERR_INVALID, "keyspace '%s' / table '%s': not plain CQL identifiers",
                      o->zKeyspace, o->zTable);
  if(!rc) rc = expected_users_load(&s.eu, o->zInput, &g_rules, pOut, pErr);
  if(!rc) rc = validate_bind_ids(&s, pErr);
  if(!rc) rc = validate_build_select(&s, pErr);
  if(!rc && o->pProgress) {
    fprintf(o->pProgress, "validate-cassandra: %lld records in %s, checking %s at %s:%d\n",
            (long long)s.eu.nId, o->zInput, zWhere, o->conn.zHost, o->conn.port);
    fflush(o->pProgress);
  }
  if(!rc && s.eu.nId > 0) rc = cql_connect(&o->conn, &s.c, pErr);
  expected_users_check_opts co = {.zType = "validate-cassandra", .zTable = zWhere, .deadlineUs = deadlineUs,
                                  .pollMs = o->pollMs, .pProgress = o->pProgress,
                                  .nBatch = o->nBatch > 0 && o->nBatch <= 1000 ? o->nBatch : 100};
  if(!rc) rc = expected_users_check(&s.eu, &co, validate_batch, &s, pErr);
  cql_close(s.c);
  free(s.zSelect);
  free(s.aUuid);
  expected_users_free(&s.eu);
  return rc;
}
