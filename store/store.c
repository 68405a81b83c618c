/* store.c: connection, pragmas, migrations, statement cache. */
#include "store/store.h"
#include "common/log.h"
#include "common/fsafe.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Each entry migrates from version i to i+1. Never edit a shipped one:
 * add a new entry and bump STORE_SCHEMA_VERSION. */
static const char *const azMigration[STORE_SCHEMA_VERSION] = {
    /* 0 -> 1: the core */
    "CREATE TABLE dag("
    "  dag_id TEXT PRIMARY KEY,"
    "  fileloc TEXT,"
    "  is_paused INTEGER NOT NULL DEFAULT 1,"
    "  is_active INTEGER NOT NULL DEFAULT 1,"
    "  description TEXT,"
    "  schedule TEXT,"
    "  tags TEXT NOT NULL DEFAULT '[]',"
    "  current_hash TEXT,"
    "  next_dagrun INTEGER,"              /* next logical date to create, seconds */
    "  last_parsed_us INTEGER,"
    "  created_us INTEGER"
    ");"
    "CREATE TABLE dag_version("
    "  hash TEXT PRIMARY KEY,"
    "  dag_id TEXT NOT NULL,"
    "  json TEXT NOT NULL,"
    "  created_us INTEGER"
    ");"
    "CREATE TABLE dag_run("
    "  id INTEGER PRIMARY KEY,"
    "  dag_id TEXT NOT NULL REFERENCES dag(dag_id) ON DELETE CASCADE,"
    "  run_id TEXT NOT NULL,"
    "  run_type TEXT NOT NULL,"           /* scheduled | manual | backfill */
    "  logical_date INTEGER NOT NULL,"
    "  data_interval_start INTEGER NOT NULL,"
    "  data_interval_end INTEGER NOT NULL,"
    "  conf TEXT NOT NULL DEFAULT '{}',"
    "  state TEXT NOT NULL,"              /* queued | running | success | failed */
    "  dag_hash TEXT NOT NULL REFERENCES dag_version(hash),"
    "  queued_us INTEGER, start_us INTEGER, end_us INTEGER,"
    "  is_test INTEGER NOT NULL DEFAULT 0,"
    "  UNIQUE(dag_id, run_id)"
    ");"
    "CREATE INDEX dag_run_by_date ON dag_run(dag_id, logical_date);"
    "CREATE INDEX dag_run_by_state ON dag_run(state, dag_id);"
    "CREATE TABLE task_instance("
    "  id INTEGER PRIMARY KEY,"
    "  run_pk INTEGER NOT NULL REFERENCES dag_run(id) ON DELETE CASCADE,"
    "  dag_id TEXT NOT NULL,"
    "  task_id TEXT NOT NULL,"
    "  state TEXT NOT NULL DEFAULT 'none',"
    "  try_number INTEGER NOT NULL DEFAULT 0,"
    "  max_tries INTEGER NOT NULL DEFAULT 0,"
    "  queued_us INTEGER, start_us INTEGER, end_us INTEGER, duration REAL,"
    "  pid INTEGER, exit_code INTEGER,"
    "  next_retry_us INTEGER,"
    "  log_path TEXT,"
    "  note TEXT,"
    "  updated_us INTEGER,"
    "  UNIQUE(run_pk, task_id)"
    ");"
    "CREATE INDEX ti_by_state ON task_instance(state, dag_id);"
    "CREATE TABLE task_try("
    "  ti_id INTEGER NOT NULL REFERENCES task_instance(id) ON DELETE CASCADE,"
    "  try_number INTEGER NOT NULL,"
    "  state TEXT NOT NULL,"
    "  start_us INTEGER, end_us INTEGER, exit_code INTEGER, pid INTEGER,"
    "  log_path TEXT, note TEXT,"
    "  PRIMARY KEY(ti_id, try_number)"
    ");"
    "CREATE TABLE xcom("
    "  ti_id INTEGER PRIMARY KEY REFERENCES task_instance(id) ON DELETE CASCADE,"
    "  try_number INTEGER NOT NULL,"
    "  value TEXT NOT NULL,"
    "  updated_us INTEGER"
    ");"
    "CREATE TABLE import_error("
    "  fileloc TEXT PRIMARY KEY,"
    "  message TEXT NOT NULL,"
    "  timestamp_us INTEGER NOT NULL"
    ");"
    "CREATE TABLE scheduler_state("
    "  key TEXT PRIMARY KEY,"
    "  value TEXT"
    ");",
    /* 1 -> 2: users and sessions for the web server, indexes for its lists */
    "CREATE TABLE user("
    "  id INTEGER PRIMARY KEY,"
    "  username TEXT NOT NULL UNIQUE,"
    "  role TEXT NOT NULL CHECK(role IN ('admin','op','viewer')),"
    "  password_hash TEXT NOT NULL,"
    "  created_us INTEGER NOT NULL"
    ");"
    "CREATE TABLE web_session("
    "  token_hash TEXT PRIMARY KEY,"
    "  user_id INTEGER NOT NULL REFERENCES user(id) ON DELETE CASCADE,"
    "  csrf_token TEXT NOT NULL,"
    "  created_us INTEGER NOT NULL,"
    "  expires_us INTEGER NOT NULL"
    ");"
    "CREATE INDEX web_session_by_user ON web_session(user_id);"
    "CREATE INDEX web_session_by_expiry ON web_session(expires_us);"
    /* the web API's lists: filtered and ordered runs of one DAG */
    "CREATE INDEX dag_run_by_dag_state ON dag_run(dag_id, state, logical_date);"
    "CREATE INDEX dag_run_by_dag_start ON dag_run(dag_id, start_us);"
    "CREATE INDEX dag_run_by_dag_end ON dag_run(dag_id, end_us);",
    /* 2 -> 3: run counts per DAG and state, kept by triggers, so that a
     * paginated list's total_entries costs the same with 10,000 runs as
     * with 10 (count(*) would walk every run of the DAG) */
    "CREATE TABLE dag_run_count("
    "  dag_id TEXT NOT NULL,"
    "  state TEXT NOT NULL,"
    "  n INTEGER NOT NULL,"
    "  PRIMARY KEY(dag_id, state)"
    ") WITHOUT ROWID;"
    "INSERT INTO dag_run_count SELECT dag_id, state, count(*) FROM dag_run GROUP BY dag_id, state;"
    "CREATE TRIGGER dag_run_count_ins AFTER INSERT ON dag_run BEGIN"
    "  INSERT INTO dag_run_count VALUES(new.dag_id, new.state, 1)"
    "    ON CONFLICT(dag_id, state) DO UPDATE SET n=n+1;"
    " END;"
    "CREATE TRIGGER dag_run_count_del AFTER DELETE ON dag_run BEGIN"
    "  UPDATE dag_run_count SET n=n-1 WHERE dag_id=old.dag_id AND state=old.state;"
    " END;"
    "CREATE TRIGGER dag_run_count_upd AFTER UPDATE OF state ON dag_run WHEN old.state<>new.state BEGIN"
    "  UPDATE dag_run_count SET n=n-1 WHERE dag_id=old.dag_id AND state=old.state;"
    "  INSERT INTO dag_run_count VALUES(new.dag_id, new.state, 1)"
    "    ON CONFLICT(dag_id, state) DO UPDATE SET n=n+1;"
    " END;",
};

#define STORE_STMT_CACHE 64

typedef struct stmt_entry {
  const char *zSql; /* borrowed: callers pass string literals */
  sqlite3_stmt *pStmt;
} stmt_entry;

typedef struct store_int {
  store pub;
  stmt_entry aCache[STORE_STMT_CACHE];
  int nCache;
} store_int;

airc_rc store_fail(store *p, const char *zWhat, airc_err *pErr) {
  return airc_err_set(pErr, AIRC_ERR_DB, "%s: %s (%s)", zWhat, sqlite3_errmsg(p->db), p->zPath);
}

airc_rc store_exec(store *p, const char *zSql, airc_err *pErr) {
  char *zMsg = NULL;
  if(sqlite3_exec(p->db, zSql, NULL, NULL, &zMsg) != SQLITE_OK) {
    airc_rc rc = airc_err_set(pErr, AIRC_ERR_DB, "%s (%s)", zMsg ? zMsg : "sqlite error", p->zPath);
    sqlite3_free(zMsg);
    return rc;
  }
  return AIRC_OK;
}

int store_schema_version(store *p) {
  sqlite3_stmt *pStmt;
  int v = -1;
  if(sqlite3_prepare_v2(p->db, "PRAGMA user_version", -1, &pStmt, NULL) == SQLITE_OK) {
    if(sqlite3_step(pStmt) == SQLITE_ROW) v = sqlite3_column_int(pStmt, 0);
    sqlite3_finalize(pStmt);
  }
  return v;
}

static airc_rc store_connect(const char *zPath, int bCreate, store **ppOut, airc_err *pErr) {
  store_int *pi = calloc(1, sizeof(store_int));
  if(!pi) return airc_err_set(pErr, AIRC_ERR_NOMEM, "out of memory");
  store *p = &pi->pub;
  p->zPath = strdup(zPath);
  int flags = SQLITE_OPEN_READWRITE | (bCreate ? SQLITE_OPEN_CREATE : 0) | SQLITE_OPEN_NOMUTEX;
  if(sqlite3_open_v2(zPath, &p->db, flags, NULL) != SQLITE_OK) {
    airc_rc rc = airc_err_set(pErr, AIRC_ERR_DB, "cannot open store %s: %s", zPath,
                              p->db ? sqlite3_errmsg(p->db) : "out of memory");
    store_close(p);
    return rc;
  }
  sqlite3_busy_timeout(p->db, 10000);
  airc_rc rc = store_exec(p,
                          "PRAGMA journal_mode=WAL;"
                          "PRAGMA synchronous=NORMAL;"
                          "PRAGMA foreign_keys=ON;",
                          pErr);
  if(rc) {
    store_close(p);
    return rc;
  }
  /* the store holds password hashes and run data: 0600. New files are (umask
   * 077); one an older airc or another tool left readable is tightened */
  for(int i = 0; i < 3; i++) {
    char zFile[4200];
    unsigned old = 0;
    snprintf(zFile, sizeof(zFile), "%s%s", zPath, i == 0 ? "" : i == 1 ? "-wal" : "-shm");
    if(fsafe_tighten(zFile, &old)) LOG_WARN("%s had mode %04o: tightened to owner-only", zFile, old);
  }
  *ppOut = p;
  return AIRC_OK;
}

airc_rc store_open(const char *zPath, store **ppOut, airc_err *pErr) {
  store *p;
  airc_rc rc = store_connect(zPath, 1, &p, pErr);
  if(rc) return rc;
  int v = store_schema_version(p);
  if(v > STORE_SCHEMA_VERSION) {
    store_close(p);
    return airc_err_set(pErr, AIRC_ERR_STATE, "store %s has schema version %d, newer than this airc (%d)",
                        zPath, v, STORE_SCHEMA_VERSION);
  }
  if(v < STORE_SCHEMA_VERSION) {
    rc = store_begin(p, pErr);
    /* re-read inside the write transaction: another process may have migrated */
    if(!rc) v = store_schema_version(p);
    for(int i = v; !rc && i < STORE_SCHEMA_VERSION; i++) {
      rc = store_exec(p, azMigration[i], pErr);
      if(!rc) {
        char zSql[64];
        snprintf(zSql, sizeof(zSql), "PRAGMA user_version=%d", i + 1);
        rc = store_exec(p, zSql, pErr);
      }
      if(!rc) LOG_DEBUG("store: migrated %s to schema version %d", zPath, i + 1);
    }
    if(!rc) rc = store_commit(p, pErr);
    else store_rollback(p);
    if(rc) {
      airc_err_prefix(pErr, "migrating store");
      store_close(p);
      return rc;
    }
  }
  *ppOut = p;
  return AIRC_OK;
}

airc_rc store_open_existing(const char *zPath, store **ppOut, airc_err *pErr) {
  if(access(zPath, F_OK))
    return airc_err_set(pErr, AIRC_ERR_NOTFOUND, "no store at %s: run 'airc db init'", zPath);
  return store_connect(zPath, 0, ppOut, pErr);
}

void store_close(store *p) {
  if(!p) return;
  store_int *pi = (store_int *)p;
  for(int i = 0; i < pi->nCache; i++) sqlite3_finalize(pi->aCache[i].pStmt);
  sqlite3_close(p->db);
  free(p->zPath);
  free(pi);
}

airc_rc store_begin(store *p, airc_err *pErr) {
  if(p->nTxn++ > 0) return AIRC_OK;
  if(sqlite3_exec(p->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
    p->nTxn = 0;
    return store_fail(p, "begin", pErr);
  }
  return AIRC_OK;
}

airc_rc store_commit(store *p, airc_err *pErr) {
  if(p->nTxn <= 0) return AIRC_OK;
  if(--p->nTxn > 0) return AIRC_OK;
  if(sqlite3_exec(p->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
    airc_rc rc = store_fail(p, "commit", pErr);
    sqlite3_exec(p->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
  }
  return AIRC_OK;
}

void store_rollback(store *p) {
  if(p->nTxn <= 0) return;
  p->nTxn = 0;
  sqlite3_exec(p->db, "ROLLBACK", NULL, NULL, NULL);
}

sqlite3_stmt *store_prepare(store *p, const char *zSql, airc_err *pErr) {
  store_int *pi = (store_int *)p;
  /* callers pass string literals, so the pointer nearly always matches;
   * the text comparison is the fallback for merged or copied literals */
  int iHit = -1;
  for(int i = 0; i < pi->nCache && iHit < 0; i++)
    if(pi->aCache[i].zSql == zSql) iHit = i;
  for(int i = 0; i < pi->nCache && iHit < 0; i++)
    if(!strcmp(pi->aCache[i].zSql, zSql)) iHit = i;
  if(iHit >= 0) {
    sqlite3_stmt *s = pi->aCache[iHit].pStmt;
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    return s;
  }
  if(pi->nCache == STORE_STMT_CACHE) {
    /* full: evict the oldest statement that is not being stepped; a busy
     * one belongs to a caller's loop still running (finalizing it would
     * leave that caller with a freed statement) */
    int iVictim = -1;
    for(int i = 0; i < pi->nCache && iVictim < 0; i++)
      if(!sqlite3_stmt_busy(pi->aCache[i].pStmt)) iVictim = i;
    if(iVictim < 0) {
      airc_err_set(pErr, AIRC_ERR_DB, "prepare: all %d cached statements are in use at once (%s)", STORE_STMT_CACHE,
                   p->zPath);
      return NULL;
    }
    sqlite3_finalize(pi->aCache[iVictim].pStmt);
    memmove(&pi->aCache[iVictim], &pi->aCache[iVictim + 1], sizeof(stmt_entry) * (size_t)(STORE_STMT_CACHE - 1 - iVictim));
    pi->nCache--;
  }
  sqlite3_stmt *pStmt = NULL;
  if(sqlite3_prepare_v3(p->db, zSql, -1, SQLITE_PREPARE_PERSISTENT, &pStmt, NULL) != SQLITE_OK) {
    store_fail(p, "prepare", pErr);
    return NULL;
  }
  pi->aCache[pi->nCache].zSql = zSql;
  pi->aCache[pi->nCache].pStmt = pStmt;
  pi->nCache++;
  return pStmt;
}

const char *store_col_text(sqlite3_stmt *pStmt, int i) {
  const unsigned char *z = sqlite3_column_text(pStmt, i);
  return z ? (const char *)z : "";
}
