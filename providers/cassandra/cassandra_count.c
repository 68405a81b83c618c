/* cassandra_count.c: see cassandra_count.h. Names are checked to be plain
 * identifiers before they go into the statement text. */
#include "providers/cassandra/cassandra_count.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common/dynbuf.h"
#include "providers/cassandra/cassandra_validate.h"

/* Counts one table; sets pEntry's "rows" or "error". */
static void count_one(cql_conn *c, const char *zName, json_t *pEntry) {
  char zKs[64], zTable[64];
  const char *zDot = strchr(zName, '.');
  if(!zDot || (size_t)(zDot - zName) >= sizeof(zKs) || strlen(zDot + 1) >= sizeof(zTable)) {
    json_object_set_new(pEntry, "error", json_string("not a keyspace.table name"));
    return;
  }
  snprintf(zKs, sizeof(zKs), "%.*s", (int)(zDot - zName), zName);
  snprintf(zTable, sizeof(zTable), "%s", zDot + 1);
  if(!cass_identifier_ok(zKs) || !cass_identifier_ok(zTable)) {
    json_object_set_new(pEntry, "error", json_string("not a keyspace.table name"));
    return;
  }
  char zCql[200];
  snprintf(zCql, sizeof(zCql), "SELECT count(*) FROM %s.%s", zKs, zTable);
  cql_result r = {0};
  airc_err err = {0};
  airc_rc rc = cql_query(c, zCql, CQL_ONE, NULL, 0, 0, NULL, 0, &r, &err);
  if(!rc && (r.kind != CQL_RESULT_ROWS || r.nRow != 1 || r.nCol != 1))
    rc = airc_err_set(&err, AIRC_ERR_PARSE, "count(*) did not answer one value");
  dynbuf b;
  dynbuf_init(&b, 64);
  int bNull = 0;
  if(!rc) rc = cql_result_cell_text(&r, 0, 0, &b, &bNull);
  if(rc) json_object_set_new(pEntry, "error", json_string(err.rc ? airc_err_msg(&err) : airc_strerror(rc)));
  else json_object_set_new(pEntry, "rows", bNull ? json_null() : json_integer(strtoll(dynbuf_str(&b), NULL, 10)));
  dynbuf_free(&b);
  cql_result_free(&r);
}

json_t *cass_count_tables(const cql_conn_opts *pOpts, const char *zTables) {
  char zPeer[300];
  snprintf(zPeer, sizeof(zPeer), "%s:%d", pOpts->zHost, pOpts->port);
  json_t *pOut = json_pack("{sssnsss[]}", "status", "down", "error", "host", zPeer, "tables");
  if(!pOut) return NULL;
  json_t *pList = json_object_get(pOut, "tables");
  char *zCopy = strdup(zTables ? zTables : "");
  char *zSave = NULL;
  for(char *z = zCopy ? strtok_r(zCopy, ", ", &zSave) : NULL; z; z = strtok_r(NULL, ", ", &zSave)) {
    if(json_array_size(pList) >= CASS_COUNT_MAX_TABLES) break;
    json_array_append_new(pList, json_pack("{sssnsn}", "table", z, "rows", "error"));
  }
  free(zCopy);
  cql_conn *c = NULL;
  airc_err err = {0};
  if(cql_connect(pOpts, &c, &err)) {
    json_object_set_new(pOut, "error", json_string(airc_err_msg(&err)));
    return pOut;
  }
  json_object_set_new(pOut, "status", json_string("up"));
  size_t i;
  json_t *pEntry;
  json_array_foreach(pList, i, pEntry) count_one(c, json_string_value(json_object_get(pEntry, "table")), pEntry);
  cql_close(c);
  return pOut;
}
