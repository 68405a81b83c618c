/* sqlite_driver.c: the SQLite backend of store/ (the embedded default).
 *
 * One connection per handle, in WAL mode with a busy timeout and foreign
 * keys on, so the scheduler writes while the CLI and the web server read and
 * make small writes. Write transactions are BEGIN IMMEDIATE: a transaction
 * that will write takes the lock up front and never has to upgrade a read
 * snapshot (the SQLITE_BUSY_SNAPSHOT trap).
 *
 * Prepared statements are cached per connection, keyed by the SQL literal's
 * address (text comparison as the fallback for merged or copied literals).
 * A cached statement is never finalized while a caller holds it: eviction
 * only takes statements that are reset (not between prepare and done).
 *
 * A busy store: SQLite's busy handler waits up to [database]
 * busy_timeout_ms (default 10000) for a lock; past it the call fails with
 * AIRC_ERR_BUSY. A handle may ask for more attempts (store_set_busy_tries:
 * the CLI and the web server do): BEGIN IMMEDIATE, and a statement that
 * failed on its first step outside a transaction (nothing happened, so it
 * is safe to run again), are retried after a short, growing pause. Inside
 * a transaction nothing is retried here: the caller rolls the whole
 * transaction back and decides (the scheduler retries the iteration). */
#include "store/sqlite/sqlite_driver.h"
#include "store/sqlite/sqlite_checkpoint.h"
#include "common/backoff.h"
#include "common/config.h"
#include "common/fsafe.h"
#include "common/log.h"
#include <sqlite3.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SQLITE_STMT_CACHE_MAX 256
#define SQLITE_BUSY_TIMEOUT_MS 10000 /* default of [database] busy_timeout_ms */
#define SQLITE_BUSY_TRIES_MAX 10

typedef struct lite_stmt {
  store_stmt base; /* first: the helpers of store_int.h find the driver here */
  struct lite_db *pDb;
  const char *zSql; /* borrowed literal */
  sqlite3_stmt *pStmt;
  int bInUse;   /* between prepare and done */
  int bStepped; /* a step since prepare returned a row */
  int bRan;     /* stepped at all since prepare (counted once, in done) */
} lite_stmt;

typedef struct lite_db {
  sqlite3 *db;
  char *zPath;
  lite_stmt *aCache[SQLITE_STMT_CACHE_MAX];
  int nCache;
  int nBusyTries;    /* attempts at a lock (>= 1), see store_set_busy_tries */
  int busyTimeoutMs; /* lite_busy_wait waits this long per attempt */
  int64_t busyFromUs; /* when the current wait for a lock began */
  store_stats stats; /* work done on this connection (store_stats_get) */
  sqlite_checkpointer *pCkpt; /* WAL checkpoints on a thread, or NULL */
  sqlite3_stmt *aTxn[4];      /* azTxnSql, prepared on first use (lite_txn) */
} lite_db;

/* The statements every transaction runs, prepared once per connection:
 * sqlite3_exec() parses its text anew on every call (a tenth of the
 * scheduler's statement time in a chain of tasks went to re-parsing
 * these four). */
enum { LITE_BEGIN, LITE_COMMIT, LITE_ROLLBACK, LITE_DATA_VERSION };
static const char *const azTxnSql[4] = {"BEGIN IMMEDIATE", "COMMIT", "ROLLBACK", "PRAGMA data_version"};

/* Runs statement k of azTxnSql to its end (for LITE_DATA_VERSION: its one
 * row, into *pValue). Returns SQLite's result code: SQLITE_OK, or the
 * error (sqlite3_extended_errcode() tells which). */
static int lite_txn(lite_db *p, int k, int64_t *pValue) {
  if(!p->aTxn[k] && sqlite3_prepare_v2(p->db, azTxnSql[k], -1, &p->aTxn[k], NULL) != SQLITE_OK) {
    p->aTxn[k] = NULL;
    return sqlite3_errcode(p->db);
  }
  int rc = sqlite3_step(p->aTxn[k]);
  if(rc == SQLITE_ROW && pValue) *pValue = sqlite3_column_int64(p->aTxn[k], 0);
  int rcReset = sqlite3_reset(p->aTxn[k]);
  return rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rcReset ? rcReset : rc;
}

static airc_rc lite_rc_of(int ext) {
  if(ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY) return AIRC_ERR_EXISTS;
  if((ext & 0xff) == SQLITE_BUSY || (ext & 0xff) == SQLITE_LOCKED) return AIRC_ERR_BUSY;
  if((ext & 0xff) == SQLITE_FULL) return AIRC_ERR_IO; /* the disk is full: the caller may retry later */
  return AIRC_ERR_DB;
}

/* Sets pErr from the connection's last error. A busy store says so in
 * words a user understands: "store busy: begin: database is locked (PATH)
 * for more than N ms[, N tries]". */
static airc_rc lite_fail_tries(lite_db *p, const char *zWhat, int nTries, airc_err *pErr) {
  airc_rc rc = lite_rc_of(sqlite3_extended_errcode(p->db));
  int sysErr = sqlite3_system_errno(p->db);
  if(rc == AIRC_ERR_DB && (sqlite3_extended_errcode(p->db) & 0xff) == SQLITE_IOERR && (sysErr == ENOSPC || sysErr == EDQUOT))
    rc = AIRC_ERR_IO; /* a full disk met on a path SQLite reports as an I/O error (a -shm or fsync) */
  if(rc == AIRC_ERR_BUSY) {
    char zTries[40] = "";
    if(nTries > 1) snprintf(zTries, sizeof(zTries), ", %d tries", nTries);
    return airc_err_set(pErr, rc, "store busy: %s: %s (%s) for more than %d ms%s", zWhat, sqlite3_errmsg(p->db),
                        p->zPath, p->busyTimeoutMs, zTries);
  }
  return airc_err_set(pErr, rc, "%s: %s (%s)", zWhat, sqlite3_errmsg(p->db), p->zPath);
}

static airc_rc lite_fail(lite_db *p, const char *zWhat, airc_err *pErr) { return lite_fail_tries(p, zWhat, 1, pErr); }

static airc_rc lite_exec(lite_db *p, const char *zSql, airc_err *pErr) {
  char *zMsg = NULL;
  if(sqlite3_exec(p->db, zSql, NULL, NULL, &zMsg) != SQLITE_OK) {
    airc_rc rc = lite_rc_of(sqlite3_extended_errcode(p->db));
    rc = rc == AIRC_ERR_BUSY ? lite_fail(p, "open", pErr)
                             : airc_err_set(pErr, rc, "%s (%s)", zMsg ? zMsg : sqlite3_errmsg(p->db), p->zPath);
    sqlite3_free(zMsg);
    return rc;
  }
  return AIRC_OK;
}

/* SQLite's busy handler for our connections: waits for a lock up to
 * busyTimeoutMs, as sqlite3_busy_timeout() would, but from 50 us pauses
 * up (doubling every third call, capped at 10 ms) where SQLite's own
 * first pause is 1 ms. The locks we meet are the other writers' short
 * transactions (a pool member's fenced commit, 50-100 us, against the
 * scheduler's wake, 0.2-1 ms): a 1 ms sleep was the whole tail of a
 * chain's upstream-done-to-next-start time (docs/benchmarks.md). Written
 * here because SQLite offers only the fixed table or a handler of one's
 * own. Returns 0 to give up (SQLITE_BUSY). */
static int lite_busy_wait(void *pv, int nPrior) {
  lite_db *p = pv;
  const int64_t now = airc_backoff_clock_us();
  if(nPrior == 0) p->busyFromUs = now;
  const int64_t left = p->busyFromUs + (int64_t)p->busyTimeoutMs * 1000 - now;
  if(left <= 0) return 0;
  int64_t us = (int64_t)50 << (nPrior / 3 < 8 ? nPrior / 3 : 8);
  if(us > 10000) us = 10000;
  if(us > left) us = left;
  struct timespec ts = {(time_t)(us / 1000000), (long)(us % 1000000) * 1000};
  while(nanosleep(&ts, &ts) && errno == EINTR) {
  }
  return 1;
}

/* The pause before attempt iTry+1 (iTry >= 1) of a lock: 50 ms, 100 ms,
 * 200 ms ... capped at 1 s. */
static void lite_busy_pause(int iTry) {
  long ms = 50L << (iTry < 5 ? iTry - 1 : 4);
  if(ms > 1000) ms = 1000;
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  while(nanosleep(&ts, &ts) && ts.tv_nsec) {
  }
}

void store_legacy_forget(sqlite3 *db); /* TRANSITIONAL: sqlite_legacy.c */

static void lite_disconnect(void *pv) {
  lite_db *p = pv;
  if(!p) return;
  sqlite_checkpointer_stop(p->pCkpt, p->db);
  for(int i = 0; i < 4; i++) sqlite3_finalize(p->aTxn[i]); /* NULL: a no-op */
  for(int i = 0; i < p->nCache; i++) {
    sqlite3_finalize(p->aCache[i]->pStmt);
    free(p->aCache[i]);
  }
  sqlite3_close(p->db);
  free(p->zPath);
  free(p);
}

static airc_rc lite_connect(const char *zPath, int bCreate, void **ppDb, airc_err *pErr) {
  lite_db *p = calloc(1, sizeof(*p));
  if(!p || !(p->zPath = strdup(zPath))) {
    free(p);
    return airc_err_set(pErr, AIRC_ERR_NOMEM, "out of memory");
  }
  int flags = SQLITE_OPEN_READWRITE | (bCreate ? SQLITE_OPEN_CREATE : 0) | SQLITE_OPEN_NOMUTEX;
  if(sqlite3_open_v2(zPath, &p->db, flags, NULL) != SQLITE_OK) {
    airc_rc rc = airc_err_set(pErr, AIRC_ERR_DB, "cannot open store %s: %s", zPath,
                              p->db ? sqlite3_errmsg(p->db) : "out of memory");
    lite_disconnect(p);
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
  int64_t ms = airc_config_get_int("database", "busy_timeout_ms", SQLITE_BUSY_TIMEOUT_MS);
  p->busyTimeoutMs = ms < 0 ? 0 : ms > 3600000 ? 3600000 : (int)ms;
  p->nBusyTries = 1;
  sqlite3_busy_handler(p->db, lite_busy_wait, p);
  airc_rc rc = lite_exec(p,
                         "PRAGMA journal_mode=WAL;"
                         "PRAGMA synchronous=NORMAL;"
                         "PRAGMA foreign_keys=ON;",
                         pErr);
  if(rc) {
    lite_disconnect(p);
    return rc;
  }
  *ppDb = p;
  return AIRC_OK;
}

static int lite_schema_version(void *pv) {
  lite_db *p = pv;
  sqlite3_stmt *pStmt;
  int v = -1;
  if(sqlite3_prepare_v2(p->db, "PRAGMA user_version", -1, &pStmt, NULL) == SQLITE_OK) {
    if(sqlite3_step(pStmt) == SQLITE_ROW) v = sqlite3_column_int(pStmt, 0);
    sqlite3_finalize(pStmt);
  }
  return v;
}

static airc_rc lite_migrate(void *pv, int iFrom, int iTo, airc_err *pErr) {
  lite_db *p = pv;
  airc_rc rc = AIRC_OK;
  for(int i = iFrom; !rc && i < iTo; i++) {
    rc = lite_exec(p, sqlite_migration(i), pErr);
    if(!rc) {
      char zSql[64];
      snprintf(zSql, sizeof(zSql), "PRAGMA user_version=%d", i + 1);
      rc = lite_exec(p, zSql, pErr);
    }
  }
  return rc;
}

static airc_rc lite_begin(void *pv, airc_err *pErr) {
  lite_db *p = pv;
  for(int i = 1;; i++) {
    if(lite_txn(p, LITE_BEGIN, NULL) == SQLITE_OK) return AIRC_OK;
    if(lite_rc_of(sqlite3_extended_errcode(p->db)) != AIRC_ERR_BUSY || i >= p->nBusyTries)
      return lite_fail_tries(p, "begin", i, pErr);
    lite_busy_pause(i);
  }
}

static void lite_set_busy_tries(void *pv, int n) {
  lite_db *p = pv;
  p->nBusyTries = n < 1 ? 1 : n > SQLITE_BUSY_TRIES_MAX ? SQLITE_BUSY_TRIES_MAX : n;
}

static airc_rc lite_commit(void *pv, airc_err *pErr) {
  lite_db *p = pv;
  if(lite_txn(p, LITE_COMMIT, NULL) != SQLITE_OK) {
    airc_rc rc = lite_fail(p, "commit", pErr);
    if(!sqlite3_get_autocommit(p->db)) lite_txn(p, LITE_ROLLBACK, NULL);
    return rc;
  }
  return AIRC_OK;
}

static void lite_rollback(void *pv) {
  lite_db *p = pv;
  if(!sqlite3_get_autocommit(p->db)) lite_txn(p, LITE_ROLLBACK, NULL); /* else no transaction is open */
}

/* PRAGMA data_version moves when another connection commits; our own
 * commits move total_changes. Together they change whenever the store
 * does (the sum can only grow). */
static uint64_t lite_change_counter(void *pv) {
  lite_db *p = pv;
  int64_t v = 0;
  if(lite_txn(p, LITE_DATA_VERSION, &v) != SQLITE_OK) return 0;
  return ((uint64_t)v << 32) + (uint64_t)sqlite3_total_changes64(p->db);
}

static airc_rc lite_check(void *pv, int *pbOk, char *zReport, size_t nReport, airc_err *pErr) {
  lite_db *p = pv;
  sqlite3_stmt *pStmt;
  if(sqlite3_prepare_v2(p->db, "PRAGMA quick_check", -1, &pStmt, NULL) != SQLITE_OK)
    return lite_fail(p, "quick_check", pErr);
  airc_rc rc = AIRC_OK;
  if(sqlite3_step(pStmt) == SQLITE_ROW) {
    const char *z = (const char *)sqlite3_column_text(pStmt, 0);
    snprintf(zReport, nReport, "%s", z ? z : "");
    *pbOk = z && !strcmp(z, "ok");
  } else {
    rc = lite_fail(p, "quick_check", pErr);
  }
  sqlite3_finalize(pStmt);
  return rc;
}

static const store_driver *lite_self(void);

static store_stmt *lite_prepare(void *pv, const char *zSql, airc_err *pErr) {
  lite_db *p = pv;
  int iHit = -1;
  for(int i = 0; i < p->nCache && iHit < 0; i++)
    if(p->aCache[i]->zSql == zSql) iHit = i;
  for(int i = 0; i < p->nCache && iHit < 0; i++)
    if(!strcmp(p->aCache[i]->zSql, zSql)) iHit = i;
  if(iHit >= 0) {
    lite_stmt *s = p->aCache[iHit];
    if(s->bInUse) {
      /* a caller forgot store_stmt_done(), or nests the same query: a
       * programming error, reported rather than corrupting the outer walk */
      airc_err_set(pErr, AIRC_ERR_STATE, "store: statement already in use: %.80s", zSql);
      return NULL;
    }
    sqlite3_reset(s->pStmt);
    sqlite3_clear_bindings(s->pStmt);
    s->bInUse = 1;
    s->bStepped = 0;
    return &s->base;
  }
  sqlite3_stmt *pStmt = NULL;
  if(sqlite3_prepare_v3(p->db, zSql, -1, SQLITE_PREPARE_PERSISTENT, &pStmt, NULL) != SQLITE_OK) {
    lite_fail(p, "prepare", pErr);
    return NULL;
  }
  if(p->nCache == SQLITE_STMT_CACHE_MAX) {
    /* full: evict the oldest statement nobody holds */
    int iOld = -1;
    for(int i = 0; i < p->nCache && iOld < 0; i++)
      if(!p->aCache[i]->bInUse) iOld = i;
    if(iOld < 0) {
      sqlite3_finalize(pStmt);
      airc_err_set(pErr, AIRC_ERR_STATE, "store: %d statements in use at once", SQLITE_STMT_CACHE_MAX);
      return NULL;
    }
    sqlite3_finalize(p->aCache[iOld]->pStmt);
    free(p->aCache[iOld]);
    memmove(&p->aCache[iOld], &p->aCache[iOld + 1], sizeof(p->aCache[0]) * (size_t)(p->nCache - iOld - 1));
    p->nCache--;
  }
  lite_stmt *s = calloc(1, sizeof(*s));
  if(!s) {
    sqlite3_finalize(pStmt);
    airc_err_set(pErr, AIRC_ERR_NOMEM, "out of memory");
    return NULL;
  }
  s->base.pDrv = lite_self();
  s->pDb = p;
  s->zSql = zSql;
  s->pStmt = pStmt;
  s->bInUse = 1;
  p->aCache[p->nCache++] = s;
  return &s->base;
}

#define LS(s) (((lite_stmt *)(s))->pStmt)

static void lite_bind_int64(store_stmt *s, int i, int64_t v) { sqlite3_bind_int64(LS(s), i, v); }
static void lite_bind_double(store_stmt *s, int i, double v) { sqlite3_bind_double(LS(s), i, v); }
static void lite_bind_text(store_stmt *s, int i, const char *z) {
  if(z) sqlite3_bind_text(LS(s), i, z, -1, SQLITE_STATIC);
  else sqlite3_bind_null(LS(s), i);
}
static void lite_bind_null(store_stmt *s, int i) { sqlite3_bind_null(LS(s), i); }

static int lite_step(store_stmt *s, airc_err *pErr) {
  lite_stmt *ls = (lite_stmt *)s;
  ls->bRan = 1;
  for(int i = 1;; i++) {
    int rc = sqlite3_step(ls->pStmt);
    if(rc == SQLITE_ROW) {
      ls->bStepped = 1;
      ls->pDb->stats.nRows++;
      return STORE_ROW;
    }
    if(rc == SQLITE_DONE) return STORE_DONE;
    /* busy on the first step outside a transaction: the statement did
     * nothing and SQLite rolled its implicit transaction back: safe to run
     * again (bindings survive the reset) */
    int bRetry = (rc & 0xff) == SQLITE_BUSY && !ls->bStepped && sqlite3_get_autocommit(ls->pDb->db) &&
                 i < ls->pDb->nBusyTries;
    if(!bRetry) {
      lite_fail_tries(ls->pDb, "sqlite", i, pErr);
      return STORE_ERROR;
    }
    sqlite3_reset(ls->pStmt);
    lite_busy_pause(i);
  }
}

static int lite_col_is_null(store_stmt *s, int i) { return sqlite3_column_type(LS(s), i) == SQLITE_NULL; }
static int64_t lite_col_int64(store_stmt *s, int i) { return sqlite3_column_int64(LS(s), i); }
static double lite_col_double(store_stmt *s, int i) { return sqlite3_column_double(LS(s), i); }
static const char *lite_col_text(store_stmt *s, int i) { return (const char *)sqlite3_column_text(LS(s), i); }
static size_t lite_col_bytes(store_stmt *s, int i) { return (size_t)sqlite3_column_bytes(LS(s), i); }
static void lite_done(store_stmt *s) {
  lite_stmt *ls = (lite_stmt *)s;
  if(ls->bRan) {
    ls->pDb->stats.nStatements++;
    /* virtual-machine steps: grows with every row a statement looks at,
     * returned or not (a scan shows here even when it returns one row) */
    ls->pDb->stats.nVmSteps += (uint64_t)sqlite3_stmt_status(ls->pStmt, SQLITE_STMTSTATUS_VM_STEP, 1);
  }
  ls->bRan = 0;
  sqlite3_reset(ls->pStmt);
  ls->bInUse = 0;
  ls->bStepped = 0;
}
static void lite_stats(void *pv, store_stats *pOut) { *pOut = ((lite_db *)pv)->stats; }
static int64_t lite_changes(void *pv) { return sqlite3_changes64(((lite_db *)pv)->db); }
static int64_t lite_last_insert_id(void *pv) { return sqlite3_last_insert_rowid(((lite_db *)pv)->db); }

static airc_rc lite_upkeep_in_background(void *pv, airc_err *pErr) {
  lite_db *p = pv;
  if(p->pCkpt) return AIRC_OK;
  p->pCkpt = sqlite_checkpointer_start(p->db, p->zPath, pErr);
  return p->pCkpt ? AIRC_OK : pErr->rc;
}

static void lite_upkeep_leave(void *pv) { sqlite3_wal_autocheckpoint(((lite_db *)pv)->db, 0); }

const store_driver store_sqlite_driver = {
    .zName = "sqlite",
    .iVersion = SQLITE_SCHEMA_VERSION,
    .eDialect = STORE_DIALECT_SQLITE,
    .bExplicitMigrate = 0,
    .xConnect = lite_connect,
    .xDisconnect = lite_disconnect,
    .xSchemaVersion = lite_schema_version,
    .xMigrate = lite_migrate,
    .xBegin = lite_begin,
    .xCommit = lite_commit,
    .xRollback = lite_rollback,
    .xSetBusyTries = lite_set_busy_tries,
    .xChangeCounter = lite_change_counter,
    .xCheck = lite_check,
    .xPrepare = lite_prepare,
    .xBindInt64 = lite_bind_int64,
    .xBindDouble = lite_bind_double,
    .xBindText = lite_bind_text,
    .xBindNull = lite_bind_null,
    .xStep = lite_step,
    .xColumnIsNull = lite_col_is_null,
    .xColumnInt64 = lite_col_int64,
    .xColumnDouble = lite_col_double,
    .xColumnText = lite_col_text,
    .xColumnBytes = lite_col_bytes,
    .xDone = lite_done,
    .xChanges = lite_changes,
    .xStats = lite_stats,
    .xLastInsertId = lite_last_insert_id,
    .xUpkeepInBackground = lite_upkeep_in_background,
    .xUpkeepLeave = lite_upkeep_leave,
};

static const store_driver *lite_self(void) { return &store_sqlite_driver; }
