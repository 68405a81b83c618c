/* sqlite_legacy.c: TRANSITIONAL, see store_legacy.h. A statement cache of
 * its own, separate from the driver's, with the old contract (callers
 * reset statements themselves). */
#include "store/store_legacy.h"
#include "store/store_int.h"
#include <stdlib.h>
#include <string.h>

#define LEGACY_CACHE 128

typedef struct legacy_entry {
  const char *zSql;
  sqlite3_stmt *pStmt;
  sqlite3 *db;
} legacy_entry;

/* one cache per thread (a handle is used by one thread), keyed by
 * (connection, literal) */
static _Thread_local legacy_entry aLegacy[LEGACY_CACHE];
static _Thread_local int nLegacy;

/* The driver's connection struct starts with the sqlite3 pointer. */
sqlite3 *store_legacy_db(store *p) {
  if(strcmp(store_backend_name(p), "sqlite")) return NULL;
  return *(sqlite3 **)p->pDb;
}

airc_rc store_fail(store *p, const char *zWhat, airc_err *pErr) {
  return airc_err_set(pErr, AIRC_ERR_DB, "%s: %s (%s)", zWhat, sqlite3_errmsg(store_legacy_db(p)),
                      store_target(p));
}

airc_rc store_exec(store *p, const char *zSql, airc_err *pErr) {
  char *zMsg = NULL;
  if(sqlite3_exec(store_legacy_db(p), zSql, NULL, NULL, &zMsg) != SQLITE_OK) {
    airc_rc rc = airc_err_set(pErr, AIRC_ERR_DB, "%s (%s)", zMsg ? zMsg : "sqlite error", store_target(p));
    sqlite3_free(zMsg);
    return rc;
  }
  return AIRC_OK;
}

/* Forgets the statements of a connection being closed. */
void store_legacy_forget(sqlite3 *db) {
  for(int i = 0; i < nLegacy;) {
    if(aLegacy[i].db == db) {
      sqlite3_finalize(aLegacy[i].pStmt);
      aLegacy[i] = aLegacy[--nLegacy];
    } else {
      i++;
    }
  }
}

sqlite3_stmt *store_prepare(store *p, const char *zSql, airc_err *pErr) {
  sqlite3 *db = store_legacy_db(p);
  for(int i = 0; i < nLegacy; i++)
    if(aLegacy[i].db == db && (aLegacy[i].zSql == zSql || !strcmp(aLegacy[i].zSql, zSql))) {
      sqlite3_reset(aLegacy[i].pStmt);
      sqlite3_clear_bindings(aLegacy[i].pStmt);
      return aLegacy[i].pStmt;
    }
  sqlite3_stmt *pStmt = NULL;
  if(sqlite3_prepare_v3(db, zSql, -1, SQLITE_PREPARE_PERSISTENT, &pStmt, NULL) != SQLITE_OK) {
    store_fail(p, "prepare", pErr);
    return NULL;
  }
  if(nLegacy == LEGACY_CACHE) {
    /* full: evict one that is not being stepped */
    int i = 0;
    while(i < nLegacy && sqlite3_stmt_busy(aLegacy[i].pStmt)) i++;
    if(i == nLegacy) {
      sqlite3_finalize(pStmt);
      airc_err_set(pErr, AIRC_ERR_STATE, "store: too many statements in use");
      return NULL;
    }
    sqlite3_finalize(aLegacy[i].pStmt);
    aLegacy[i] = aLegacy[--nLegacy];
  }
  aLegacy[nLegacy++] = (legacy_entry){zSql, pStmt, db};
  return pStmt;
}

const char *store_legacy_col_text(sqlite3_stmt *pStmt, int i) {
  const unsigned char *z = sqlite3_column_text(pStmt, i);
  return z ? (const char *)z : "";
}
