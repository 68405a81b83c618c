/* pg_driver.c: the PostgreSQL backend of store/ (libpq), selected by a
 * postgresql:// (or postgres://) target.
 *
 * One connection per handle. Statements are cached per connection like the
 * SQLite driver's, keyed by the SQL literal's address: the text is
 * converted once (? and ?N placeholders -> $N) and prepared server-side
 * (PQprepare) at its first execution, with the types of the values bound
 * then (int8, float8, text; a NULL leaves the type to the server), so that
 * "?1 IS NULL OR x=?1" and "'a'||?" need no casts. A step runs
 * PQexecPrepared on the first call and then walks the PGresult's rows.
 * Values travel as text; integer columns are parsed (booleans: t -> 1).
 *
 * Transactions: store_begin() is BEGIN ISOLATION LEVEL READ COMMITTED,
 * as Airflow's. It costs no round trip of its own: BEGIN goes out with the
 * transaction's first statement in one pipeline (libpq's pipeline mode,
 * pg_exec_pipelined), and a transaction that ran no statement ends without
 * talking to the server; store_commit_counted sends COMMIT and the change
 * counter's query together. A round trip on loopback TCP is 0.1-0.15 ms
 * here, and the scheduler's wake that moves a chain on is a handful of
 * them. Read committed: every statement sees what others committed before
 * it started; the invariants rest on constraints (a run or a try recorded
 * twice is a unique violation, AIRC_ERR_EXISTS) and on state-guarded
 * updates ("... WHERE state='queued'"), whose row locks serialize writers
 * of the same row. A serialization failure or deadlock (40001, 40P01) or a
 * lock held past lock_timeout ([database] busy_timeout_ms) is
 * AIRC_ERR_BUSY, like SQLite's busy store.
 *
 * A lost connection (server restart, network cut) is AIRC_ERR_BUSY too: the
 * call fails, the caller rolls back and retries (the scheduler's loop does,
 * with backoff); the next call outside a transaction reconnects (PQreset)
 * and prepares its statements again. A transaction whose first statement
 * (with its BEGIN) finds an idle connection dead reconnects at once (see
 * pg_step). Connecting at open fails with
 * AIRC_ERR_DB: a wrong URL or an unreachable server is the user's to fix.
 *
 * Change counter: a hash of pg_current_snapshot() (xmin:xmax:in-progress
 * ids). It moves whenever any transaction that wrote (got an id) ends,
 * anywhere in the cluster, and not otherwise: no table to bump, no row
 * every writer would queue on.
 *
 * Schema version: the one row of airc_schema_version (absent: 0, an
 * uninitialized database).
 *
 * Notifications: xListen LISTENs on the handle's one connection and
 * remembers the channel; a reconnect LISTENs again and reports RESYNC, since
 * what was notified while the connection was down is lost. libpq queues
 * notifications that arrive during any statement: xNotifications drains
 * that queue too, so a caller must call it before sleeping on xWaitFd.
 *
 * Work counters (store_stats_get): statements executed and rows returned
 * as on SQLite; the server reports no count of rows looked at, so the
 * third counter is rows sent or changed (at least one per statement). */
#include "store/postgres/pg_driver.h"
#include "common/config.h"
#include "common/log.h"
#include "store/pq_lazy.h"
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PG_STMT_CACHE_MAX 256
#define PG_PARAM_MAX 64
#define PG_BUSY_TIMEOUT_MS 10000 /* default of [database] busy_timeout_ms */
#define PG_BUSY_TRIES_MAX 10
#define PG_MIGRATE_LOCK 0x61697263 /* advisory lock key of migrations ("airc") */
#define PG_LISTEN_MAX 4
#define PG_DEFERRED_MAX 64 /* writes sent ahead, unanswered, per transaction (pg_run_deferred) */
#define PG_BATCH_ROWS 64              /* rows of one statement sent as one execution (pg_run_batched) */
#define PG_BATCH_BYTES (1024 * 1024)  /* ... and their values' bytes, at most */

/* type ids (pg_type.oid) of the values bound */
#define PG_OID_INT8 20
#define PG_OID_TEXT 25
#define PG_OID_FLOAT8 701

typedef struct pg_stmt {
  store_stmt base; /* first: the helpers of store_int.h find the driver here */
  struct pg_db *pDb;
  const char *zSql; /* borrowed literal: the cache key */
  char *zPgSql;     /* converted text */
  char zName[24];   /* server-side name */
  unsigned gen;     /* connection generation it was prepared on (0: not yet) */
  int nParam;
  int bInUse;
  PGresult *pRes; /* rows of the current execution */
  int iRow, nRow;
  const char *azVal[PG_PARAM_MAX];
  Oid aType[PG_PARAM_MAX];
  char aBuf[PG_PARAM_MAX][32]; /* numbers, formatted */
} pg_stmt;

typedef struct pg_db {
  PGconn *conn;
  char *zTarget; /* masked URL, for messages */
  unsigned gen;  /* bumped on each (re)connect: statements prepare again */
  unsigned nName;
  int bInTxn;
  int bBeginPending; /* in a transaction whose BEGIN is not sent yet (pg_begin) */
  int nBusyTries;
  int bPlanOnce; /* store_plan_once: every (re)connect sets plan_cache_mode */
  int64_t nChanges;
  pg_stmt *aCache[PG_STMT_CACHE_MAX];
  int nCache;
  store_stats stats; /* work done on this connection (store_stats_get) */
  char azListen[PG_LISTEN_MAX][64]; /* channels LISTENed to: again after a reconnect */
  int nListen;
  int bResync; /* reconnected since the last xNotifications */
  /* writes of this transaction sent ahead (pg_run_deferred): the
   * connection is in pipeline mode while there are any; their answers are
   * read with the next statement's, the COMMIT's, or by pg_settle */
  int nDeferred;
  const char *azDeferred[PG_DEFERRED_MAX]; /* what each one was (literals), for messages */
  unsigned char abFence[PG_DEFERRED_MAX];  /* a fence: its failure is AIRC_ERR_BUSY, its zWhat the message */
  airc_err deferredErr; /* the first that failed: the transaction's later calls fail with it */
  /* a read to send along with the transaction's next statement
   * (pg_read_along): its rows are kept in it until it is stepped */
  struct pg_stmt *pAlong;
  /* rows of one statement waiting to go out as one execution
   * (pg_run_batched): sent before anything else runs on the connection */
  struct pg_batch {
    const char *zSql;      /* the one-row statement (its cache key) */
    const char *zBatchSql; /* the many-row statement (literal) */
    const char *zWhat;
    int nParam, nRow;
    size_t nBytes;
    char *azVal[PG_BATCH_ROWS][PG_PARAM_MAX]; /* owned copies; NULL: SQL NULL */
    Oid aType[PG_PARAM_MAX];
  } batch;
  int bBatchSending; /* pg_batch_send runs: its own statements do not send the batch */
} pg_db;

static const store_driver *pg_self(void);
static void pg_done(store_stmt *st);

/* libpq's messages end in a newline and may have several lines: one line
 * (pg_driver.h). */
void pg_one_line(const char *zIn, char *zOut, size_t n) {
  size_t o = 0;
  for(const char *z = zIn ? zIn : ""; *z && o + 1 < n; z++) {
    char c = *z == '\n' || *z == '\t' || *z == '\r' ? ' ' : *z;
    if(c == ' ' && (o == 0 || zOut[o - 1] == ' ')) continue;
    zOut[o++] = c;
  }
  while(o > 0 && zOut[o - 1] == ' ') o--;
  zOut[o] = 0;
}

static int pg_conn_lost(pg_db *p) { return !p->conn || PQstatus(p->conn) == CONNECTION_BAD; }

/* The class of a failed result (NULL: of the connection). */
static airc_rc pg_rc_of(pg_db *p, const PGresult *pRes) {
  const char *zState = pRes ? PQresultErrorField(pRes, PG_DIAG_SQLSTATE) : NULL;
  if(zState) {
    if(!strcmp(zState, "23505")) return AIRC_ERR_EXISTS;
    if(!strcmp(zState, "40001") || !strcmp(zState, "40P01") || !strcmp(zState, "55P03")) return AIRC_ERR_BUSY;
    if(!strncmp(zState, "08", 2) || !strcmp(zState, "57P01") || !strcmp(zState, "57P02") ||
       !strcmp(zState, "57P03"))
      return AIRC_ERR_BUSY; /* connection lost, server shutting down or starting */
    if(!strcmp(zState, "53100")) return AIRC_ERR_IO; /* disk full */
  }
  if(pg_conn_lost(p)) return AIRC_ERR_BUSY;
  return AIRC_ERR_DB;
}

/* Sets pErr from a failed result (or the connection's error). */
static airc_rc pg_fail(pg_db *p, const PGresult *pRes, const char *zWhat, airc_err *pErr) {
  airc_rc rc = pg_rc_of(p, pRes);
  const char *zMsg = pRes ? PQresultErrorField(pRes, PG_DIAG_MESSAGE_PRIMARY) : NULL;
  char zLine[400];
  pg_one_line(zMsg ? zMsg : p->conn ? PQerrorMessage(p->conn) : "no connection", zLine, sizeof(zLine));
  if(rc == AIRC_ERR_BUSY && pg_conn_lost(p))
    return airc_err_set(pErr, rc, "store unreachable: %s: %s (%s)", zWhat, zLine, p->zTarget);
  if(rc == AIRC_ERR_BUSY) return airc_err_set(pErr, rc, "store busy: %s: %s (%s)", zWhat, zLine, p->zTarget);
  return airc_err_set(pErr, rc, "%s: %s (%s)", zWhat, zLine, p->zTarget);
}

#define PG_BEGIN_SQL "BEGIN ISOLATION LEVEL READ COMMITTED"

static airc_rc pg_settle(pg_db *p, airc_err *pErr);

/* PQexec, one round trip, counted (store_stats.nRoundTrips) */
static PGresult *pg_exec_counted(pg_db *p, const char *zSql) {
  p->stats.nRoundTrips++;
  return PQexec(p->conn, zSql);
}

static airc_rc pg_exec_now(pg_db *p, const char *zSql, const char *zWhat, airc_err *pErr) {
  if(pg_settle(p, pErr)) return pErr->rc;
  PGresult *pRes = pg_exec_counted(p, zSql);
  ExecStatusType e = PQresultStatus(pRes);
  airc_rc rc = e == PGRES_COMMAND_OK || e == PGRES_TUPLES_OK ? AIRC_OK : pg_fail(p, pRes, zWhat, pErr);
  PQclear(pRes);
  return rc;
}

/* Sends a pending BEGIN on its own, and reads the answers to writes sent
 * ahead: for what runs inside a transaction without pg_step (utility
 * commands, the driver's own queries). */
static airc_rc pg_begin_now(pg_db *p, airc_err *pErr) {
  if(pg_settle(p, pErr)) return pErr->rc;
  if(!p->bBeginPending) return AIRC_OK;
  p->bBeginPending = 0;
  return pg_exec_now(p, PG_BEGIN_SQL, "begin", pErr);
}

/* Runs one utility command (no parameters, no rows wanted). */
static airc_rc pg_exec(pg_db *p, const char *zSql, const char *zWhat, airc_err *pErr) {
  airc_rc rc = pg_begin_now(p, pErr);
  return rc ? rc : pg_exec_now(p, zSql, zWhat, pErr);
}

static void pg_stmt_clear(pg_stmt *s) {
  PQclear(s->pRes);
  s->pRes = NULL;
  s->iRow = s->nRow = 0;
}

static void pg_batch_drop(pg_db *p) {
  for(int r = 0; r < p->batch.nRow; r++)
    for(int i = 0; i < p->batch.nParam; i++) free(p->batch.azVal[r][i]);
  p->batch.nRow = 0;
  p->batch.nBytes = 0;
}
static airc_rc pg_batch_send(pg_db *p, airc_err *pErr);

static void pg_disconnect(void *pv) {
  pg_db *p = pv;
  if(!p) return;
  pg_batch_drop(p);
  for(int i = 0; i < p->nCache; i++) {
    pg_stmt_clear(p->aCache[i]);
    free(p->aCache[i]->zPgSql);
    free(p->aCache[i]);
  }
  if(p->conn) PQfinish(p->conn);
  free(p->zTarget);
  free(p);
}

/* store_plan_once's settings (store.h says why) */
#define PG_PLAN_ONCE_SQL                                                                                   \
  "SET plan_cache_mode = force_generic_plan; SET enable_hashjoin = off; SET enable_mergejoin = off;"      \
  " SET random_page_cost = 1.1"

/* Session settings, after each (re)connect. */
static airc_rc pg_session_setup(pg_db *p, airc_err *pErr) {
  if(PQsetClientEncoding(p->conn, "UTF8")) return pg_fail(p, NULL, "set client encoding", pErr);
  int64_t ms = airc_config_get_int("database", "busy_timeout_ms", PG_BUSY_TIMEOUT_MS);
  ms = ms < 0 ? 0 : ms > 3600000 ? 3600000 : ms;
  char zSql[320];
  snprintf(zSql, sizeof(zSql), "SET lock_timeout = %" PRId64 "; SET client_min_messages = warning%s", ms,
           p->bPlanOnce ? "; " PG_PLAN_ONCE_SQL : "");
  return pg_exec_now(p, zSql, "session setup", pErr); /* outside any transaction, pending or not */
}

static airc_rc pg_plan_once(void *pv, airc_err *pErr) {
  pg_db *p = pv;
  p->bPlanOnce = 1;
  if(p->bInTxn) return airc_err_set(pErr, AIRC_ERR_STATE, "plan_cache_mode: inside a transaction");
  return pg_exec_now(p, PG_PLAN_ONCE_SQL, "session setup", pErr);
}

static void pg_notice(void *pArg, const char *zMsg) {
  (void)pArg;
  (void)zMsg; /* notices (e.g. "relation exists, skipping") are not for the user */
}

static airc_rc pg_connect(const char *zUrl, int bCreate, void **ppDb, airc_err *pErr) {
  (void)bCreate; /* a server database is created by its administrator */
  pg_db *p = calloc(1, sizeof(*p));
  size_t n = strlen(zUrl) + 8;
  if(!p || !(p->zTarget = malloc(n))) {
    free(p);
    return airc_err_set(pErr, AIRC_ERR_NOMEM, "out of memory");
  }
  store_url_mask(zUrl, p->zTarget, n);
  p->nBusyTries = 1;
  /* defaults first: what the URL says wins (expand_dbname). GSSAPI
   * encryption is off unless the URL asks for it (gssencmode=prefer or
   * require): libpq's default "prefer" loads the Kerberos libraries into
   * every process to probe for credentials, about 0.5 MB of each worker's
   * memory, for a setup (Kerberos-encrypted sessions) few stores use; TLS
   * (sslmode) is unaffected. */
  const char *azKey[] = {"connect_timeout", "application_name", "gssencmode", "dbname", NULL};
  const char *azVal[] = {"10", "airc", "disable", zUrl, NULL};
  p->conn = PQconnectdbParams(azKey, azVal, 1);
  if(!p->conn || PQstatus(p->conn) != CONNECTION_OK) {
    char zLine[400];
    pg_one_line(PQerrorMessage(p->conn), zLine, sizeof(zLine));
    airc_rc rc = airc_err_set(pErr, AIRC_ERR_DB, "cannot connect to store %s: %s", p->zTarget, zLine);
    pg_disconnect(p);
    return rc;
  }
  PQsetNoticeProcessor(p->conn, pg_notice, NULL);
  p->gen = 1;
  airc_rc rc = pg_session_setup(p, pErr);
  if(rc) {
    pg_disconnect(p);
    return rc;
  }
  *ppDb = p;
  return AIRC_OK;
}

/* Outside a transaction (or in one whose BEGIN was not sent), a lost
 * connection is made again (its prepared statements are gone: the
 * generation moves on). AIRC_ERR_BUSY while the server stays unreachable. */
static airc_rc pg_redial(pg_db *p, airc_err *pErr);
static airc_rc pg_ensure(pg_db *p, airc_err *pErr) {
  if(!pg_conn_lost(p)) return AIRC_OK;
  if(p->bInTxn && !p->bBeginPending) return pg_fail(p, NULL, "connection lost in a transaction", pErr);
  return pg_redial(p, pErr);
}

/* Closes the connection and makes it again. */
static airc_rc pg_redial(pg_db *p, airc_err *pErr) {
  p->nDeferred = 0; /* unanswered with the old connection: its transaction is gone */
  p->pAlong = NULL;  /* not sent: it runs when stepped */
  PQreset(p->conn);
  if(pg_conn_lost(p)) return pg_fail(p, NULL, "reconnect", pErr);
  p->gen++;
  for(int i = 0; i < p->nCache; i++) p->aCache[i]->gen = 0;
  LOG_INFO("store: reconnected to %s", p->zTarget);
  airc_rc rc = pg_session_setup(p, pErr);
  for(int i = 0; !rc && i < p->nListen; i++) {
    char zSql[96];
    snprintf(zSql, sizeof(zSql), "LISTEN %s", p->azListen[i]);
    rc = pg_exec_now(p, zSql, "listen again", pErr);
  }
  if(!rc) p->bResync = 1;
  return rc;
}

static airc_rc pg_listen(void *pv, const char *zChannel, airc_err *pErr) {
  pg_db *p = pv;
  for(int i = 0; i < p->nListen; i++)
    if(!strcmp(p->azListen[i], zChannel)) return AIRC_OK;
  if(p->nListen == PG_LISTEN_MAX || strlen(zChannel) >= sizeof(p->azListen[0]) ||
     strspn(zChannel, "abcdefghijklmnopqrstuvwxyz0123456789_") != strlen(zChannel))
    return airc_err_set(pErr, AIRC_ERR_STATE, "store: cannot listen to channel '%.80s'", zChannel);
  /* remembered first: if the connection is down now, the reconnect
   * LISTENs (the caller may carry on with its poll) */
  snprintf(p->azListen[p->nListen++], sizeof(p->azListen[0]), "%s", zChannel);
  airc_rc rc = pg_ensure(p, pErr);
  char zSql[96];
  snprintf(zSql, sizeof(zSql), "LISTEN %s", zChannel);
  if(!rc) rc = pg_exec(p, zSql, "listen", pErr);
  return rc;
}

static int pg_wait_fd(void *pv) {
  pg_db *p = pv;
  return pg_conn_lost(p) ? -1 : PQsocket(p->conn);
}

static unsigned pg_notifications(void *pv, void (*xNote)(void *, const char *, const char *), void *pCtx) {
  pg_db *p = pv;
  unsigned f = p->bResync ? STORE_NOTE_RESYNC : 0;
  p->bResync = 0;
  /* a failed read (the server ended the session, the network broke)
   * leaves the connection bad: the next statement reconnects */
  if(!pg_conn_lost(p) && !p->bInTxn) PQconsumeInput(p->conn);
  PGnotify *n;
  while(p->conn && (n = PQnotifies(p->conn))) {
    xNote(pCtx, n->relname, n->extra ? n->extra : "");
    PQfreemem(n);
  }
  if(pg_conn_lost(p)) f |= STORE_NOTE_LOST;
  return f;
}

static int pg_schema_version(void *pv) {
  pg_db *p = pv;
  if(pg_conn_lost(p) || pg_begin_now(p, &(airc_err){0})) return -1;
  PGresult *pRes = pg_exec_counted(p, "SELECT to_regclass('airc_schema_version') IS NOT NULL");
  int v = -1;
  if(PQresultStatus(pRes) == PGRES_TUPLES_OK && PQntuples(pRes) == 1) v = PQgetvalue(pRes, 0, 0)[0] == 't' ? 1 : 0;
  PQclear(pRes);
  if(v != 1) return v;
  pRes = pg_exec_counted(p, "SELECT coalesce(max(version), 0) FROM airc_schema_version");
  v = PQresultStatus(pRes) == PGRES_TUPLES_OK && PQntuples(pRes) == 1 ? atoi(PQgetvalue(pRes, 0, 0)) : -1;
  PQclear(pRes);
  return v;
}

static airc_rc pg_migrate(void *pv, int iFrom, int iTo, airc_err *pErr) {
  pg_db *p = pv;
  /* two processes may migrate at once: the second waits for the first
   * (the lock ends with the transaction) and finds the work done */
  char zLock[64];
  snprintf(zLock, sizeof(zLock), "SELECT pg_advisory_xact_lock(%d)", PG_MIGRATE_LOCK);
  airc_rc rc = pg_exec(p, zLock, "migration lock", pErr);
  if(rc) return rc;
  int v = pg_schema_version(p);
  if(v > iFrom) iFrom = v;
  for(int i = iFrom; !rc && i < iTo; i++) {
    rc = pg_exec(p, pg_migration(i), "migrate", pErr);
    if(!rc) {
      char zSql[96];
      snprintf(zSql, sizeof(zSql), "DELETE FROM airc_schema_version; INSERT INTO airc_schema_version VALUES(%d)",
               i + 1);
      rc = pg_exec(p, zSql, "record schema version", pErr);
    }
  }
  return rc;
}

/* The pause before attempt iTry+1: 50 ms, 100 ms ... capped at 1 s. */
static void pg_busy_pause(int iTry) {
  long ms = 50L << (iTry < 5 ? iTry - 1 : 4);
  if(ms > 1000) ms = 1000;
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  while(nanosleep(&ts, &ts) && ts.tv_nsec) {
  }
}

/* Opens the transaction on this side only: BEGIN goes out with the first
 * statement (pg_step). A lost connection is made again first (outside a
 * transaction), with the busy attempts of pg_set_busy_tries. */
static airc_rc pg_begin(void *pv, airc_err *pErr) {
  pg_db *p = pv;
  for(int i = 1;; i++) {
    airc_rc rc = pg_ensure(p, pErr);
    if(!rc) {
      p->bInTxn = p->bBeginPending = 1;
      airc_err_clear(&p->deferredErr);
      return AIRC_OK;
    }
    if(rc != AIRC_ERR_BUSY || i >= p->nBusyTries) return rc;
    airc_err_clear(pErr);
    pg_busy_pause(i);
  }
}

static airc_rc pg_commit_counted(void *pv, uint64_t *pCounter, airc_err *pErr);
static airc_rc pg_commit(void *pv, airc_err *pErr) {
  pg_db *p = pv;
  p->pAlong = NULL;
  pg_batch_send(p, NULL); /* its failure is kept: the commit below reports it */
  if(p->nDeferred || p->deferredErr.rc) return pg_commit_counted(p, &(uint64_t){0}, pErr);
  airc_rc rc = p->bBeginPending ? AIRC_OK : pg_exec_now(p, "COMMIT", "commit", pErr);
  if(rc && !pg_conn_lost(p)) pg_exec_now(p, "ROLLBACK", "rollback", &(airc_err){0});
  p->bInTxn = p->bBeginPending = 0;
  return rc;
}

static void pg_rollback(void *pv) {
  pg_db *p = pv;
  p->pAlong = NULL;
  pg_batch_drop(p);
  pg_settle(p, &(airc_err){0}); /* its failure is what this rollback answers */
  airc_err_clear(&p->deferredErr);
  if(!p->bBeginPending && !pg_conn_lost(p)) pg_exec_now(p, "ROLLBACK", "rollback", &(airc_err){0});
  p->bInTxn = p->bBeginPending = 0;
}

static void pg_set_busy_tries(void *pv, int n) {
  pg_db *p = pv;
  p->nBusyTries = n < 1 ? 1 : n > PG_BUSY_TRIES_MAX ? PG_BUSY_TRIES_MAX : n;
}

#define PG_SNAPSHOT_SQL "SELECT pg_current_snapshot()::text"

/* The change counter of a PG_SNAPSHOT_SQL result (0: none). */
static uint64_t pg_snapshot_hash(const PGresult *pRes) {
  uint64_t h = 0;
  if(PQresultStatus(pRes) == PGRES_TUPLES_OK && PQntuples(pRes) == 1) {
    h = 1469598103934665603ULL; /* FNV-1a */
    for(const char *z = PQgetvalue(pRes, 0, 0); *z; z++) h = (h ^ (unsigned char)*z) * 1099511628211ULL;
    if(!h) h = 1;
  }
  return h;
}

static uint64_t pg_change_counter(void *pv) {
  pg_db *p = pv;
  if(pg_ensure(p, &(airc_err){0}) || pg_begin_now(p, &(airc_err){0})) return 0;
  PGresult *pRes = pg_exec_counted(p, PG_SNAPSHOT_SQL);
  uint64_t h = pg_snapshot_hash(pRes);
  PQclear(pRes);
  return h;
}

/* Integrity: every table of the schema is there, and the trigger-kept run
 * counts agree with the runs. */
static airc_rc pg_check(void *pv, int *pbOk, char *zReport, size_t nReport, airc_err *pErr) {
  pg_db *p = pv;
  static const char *const azTable[] = {"dag", "dag_version", "dag_run", "task_instance", "task_try", "xcom",
                                        "import_error", "scheduler_state", "user", "web_session", "dag_run_count"};
  *pbOk = 0;
  airc_rc rcBegin = pg_begin_now(p, pErr);
  if(rcBegin) return rcBegin;
  for(size_t i = 0; i < sizeof(azTable) / sizeof(azTable[0]); i++) {
    const char *azVal[1] = {azTable[i]};
    p->stats.nRoundTrips++;
    PGresult *pRes = PQexecParams(p->conn, "SELECT to_regclass(quote_ident($1)) IS NOT NULL", 1, NULL, azVal,
                                  NULL, NULL, 0);
    if(PQresultStatus(pRes) != PGRES_TUPLES_OK) {
      airc_rc rc = pg_fail(p, pRes, "check", pErr);
      PQclear(pRes);
      return rc;
    }
    int bThere = PQgetvalue(pRes, 0, 0)[0] == 't';
    PQclear(pRes);
    if(!bThere) {
      snprintf(zReport, nReport, "table %s is missing", azTable[i]);
      return AIRC_OK;
    }
  }
  PGresult *pRes = pg_exec_counted(p,
                                   "SELECT count(*) FROM (SELECT dag_id, state, count(*) AS n FROM dag_run GROUP BY 1, 2) r"
                                   " FULL JOIN (SELECT * FROM dag_run_count WHERE n<>0) c USING (dag_id, state)"
                                   " WHERE r.n IS DISTINCT FROM c.n");
  if(PQresultStatus(pRes) != PGRES_TUPLES_OK) {
    airc_rc rc = pg_fail(p, pRes, "check", pErr);
    PQclear(pRes);
    return rc;
  }
  long long nBad = atoll(PQgetvalue(pRes, 0, 0));
  PQclear(pRes);
  if(nBad) snprintf(zReport, nReport, "dag_run_count disagrees with dag_run for %lld (DAG, state) pairs", nBad);
  else snprintf(zReport, nReport, "ok");
  *pbOk = !nBad;
  return AIRC_OK;
}

/* Converts ?, ?N to $N (outside quotes); returns the number of parameters
 * (-1: too many or malformed). A bare ? is one more than the largest
 * number so far, as in SQLite. */
static int pg_convert(const char *zIn, char **pzOut) {
  size_t n = strlen(zIn);
  char *zOut = malloc(n * 2 + 1);
  if(!zOut) return -1;
  size_t o = 0;
  int nMax = 0;
  char cQuote = 0;
  for(const char *z = zIn; *z;) {
    if(cQuote) {
      if(*z == cQuote) cQuote = 0;
      zOut[o++] = *z++;
      continue;
    }
    if(*z == '\'' || *z == '"') {
      cQuote = *z;
      zOut[o++] = *z++;
      continue;
    }
    if(*z == '$' && z[1] >= '0' && z[1] <= '9') {
      int v = atoi(z + 1);
      if(v > nMax) nMax = v;
    }
    if(*z != '?') {
      zOut[o++] = *z++;
      continue;
    }
    z++;
    int v;
    if(*z >= '0' && *z <= '9') {
      v = 0;
      while(*z >= '0' && *z <= '9') v = v * 10 + (*z++ - '0');
    } else {
      v = nMax + 1;
    }
    if(v < 1 || v > PG_PARAM_MAX) {
      free(zOut);
      return -1;
    }
    if(v > nMax) nMax = v;
    o += (size_t)snprintf(zOut + o, 8, "$%d", v);
  }
  zOut[o] = 0;
  *pzOut = zOut;
  return nMax;
}

static void pg_stmt_reset(pg_stmt *s) {
  pg_stmt_clear(s);
  for(int i = 0; i < s->nParam; i++) {
    s->azVal[i] = NULL;
    s->aType[i] = 0;
  }
}

static store_stmt *pg_prepare(void *pv, const char *zSql, airc_err *pErr) {
  pg_db *p = pv;
  int iHit = -1;
  for(int i = 0; i < p->nCache && iHit < 0; i++)
    if(p->aCache[i]->zSql == zSql) iHit = i;
  for(int i = 0; i < p->nCache && iHit < 0; i++)
    if(!strcmp(p->aCache[i]->zSql, zSql)) iHit = i;
  if(pg_ensure(p, pErr)) return NULL;
  if(iHit >= 0) {
    pg_stmt *s = p->aCache[iHit];
    if(s->bInUse) {
      airc_err_set(pErr, AIRC_ERR_STATE, "store: statement already in use: %.80s", zSql);
      return NULL;
    }
    pg_stmt_reset(s);
    s->bInUse = 1;
    return &s->base;
  }
  if(p->nCache == PG_STMT_CACHE_MAX) {
    int iOld = -1;
    for(int i = 0; i < p->nCache && iOld < 0; i++)
      if(!p->aCache[i]->bInUse) iOld = i;
    if(iOld < 0) {
      airc_err_set(pErr, AIRC_ERR_STATE, "store: %d statements in use at once", PG_STMT_CACHE_MAX);
      return NULL;
    }
    pg_stmt *pOld = p->aCache[iOld];
    if(pOld->gen == p->gen) {
      char zDealloc[48];
      snprintf(zDealloc, sizeof(zDealloc), "DEALLOCATE %s", pOld->zName);
      pg_exec(p, zDealloc, "deallocate", &(airc_err){0});
    }
    pg_stmt_clear(pOld);
    free(pOld->zPgSql);
    free(pOld);
    memmove(&p->aCache[iOld], &p->aCache[iOld + 1], sizeof(p->aCache[0]) * (size_t)(p->nCache - iOld - 1));
    p->nCache--;
  }
  pg_stmt *s = calloc(1, sizeof(*s));
  if(!s) {
    airc_err_set(pErr, AIRC_ERR_NOMEM, "out of memory");
    return NULL;
  }
  s->nParam = pg_convert(zSql, &s->zPgSql);
  if(s->nParam < 0) {
    free(s);
    airc_err_set(pErr, AIRC_ERR_STATE, "store: bad placeholders (at most %d): %.80s", PG_PARAM_MAX, zSql);
    return NULL;
  }
  s->base.pDrv = pg_self();
  s->pDb = p;
  s->zSql = zSql;
  snprintf(s->zName, sizeof(s->zName), "airc_%u", ++p->nName);
  s->bInUse = 1;
  p->aCache[p->nCache++] = s;
  return &s->base;
}

#define PS(s) ((pg_stmt *)(s))

static void pg_bind_int64(store_stmt *st, int i, int64_t v) {
  pg_stmt *s = PS(st);
  if(i < 1 || i > s->nParam) return;
  snprintf(s->aBuf[i - 1], sizeof(s->aBuf[0]), "%" PRId64, v);
  s->azVal[i - 1] = s->aBuf[i - 1];
  s->aType[i - 1] = PG_OID_INT8;
}
static void pg_bind_double(store_stmt *st, int i, double v) {
  pg_stmt *s = PS(st);
  if(i < 1 || i > s->nParam) return;
  snprintf(s->aBuf[i - 1], sizeof(s->aBuf[0]), "%.17g", v);
  s->azVal[i - 1] = s->aBuf[i - 1];
  s->aType[i - 1] = PG_OID_FLOAT8;
}
static void pg_bind_text(store_stmt *st, int i, const char *z) {
  pg_stmt *s = PS(st);
  if(i < 1 || i > s->nParam) return;
  s->azVal[i - 1] = z;
  s->aType[i - 1] = z ? PG_OID_TEXT : 0;
}
static void pg_bind_null(store_stmt *st, int i) {
  pg_stmt *s = PS(st);
  if(i < 1 || i > s->nParam) return;
  s->azVal[i - 1] = NULL;
  s->aType[i - 1] = 0;
}

/* Reads the results of a pipeline of nQuery queries and its sync, which
 * the caller sent (one round trip, counted here): apRes[i] gets query i's first result (the caller's to
 * clear; NULL if none came: the connection was lost), the rest are
 * dropped. Leaves pipeline mode (a lost connection leaves it on its
 * reconnect: PQreset). */
static void pg_pipeline_read(pg_db *p, PGresult **apRes, int nQuery) {
  PGconn *c = p->conn;
  p->stats.nRoundTrips++;
  for(int i = 0; i < nQuery; i++) apRes[i] = NULL;
  /* each query's results end with a NULL, the pipeline with a SYNC result;
   * a lost connection ends it early (bounded: a NULL after it ends it) */
  for(int iQuery = 0, nRes = 0; iQuery <= nQuery && nRes < 4 * nQuery + 4; nRes++) {
    PGresult *r = PQgetResult(c);
    if(!r) {
      if(pg_conn_lost(p)) break;
      iQuery++;
      continue;
    }
    if(PQresultStatus(r) != PGRES_PIPELINE_SYNC && iQuery < nQuery && !apRes[iQuery]) {
      apRes[iQuery] = r;
      continue;
    }
    int bSync = PQresultStatus(r) == PGRES_PIPELINE_SYNC;
    PQclear(r);
    if(bSync) break;
  }
  /* fails only with results left (the bound above was hit): a connection
   * stuck in pipeline mode is of no further use */
  if(!pg_conn_lost(p) && !PQexitPipelineMode(c)) pg_redial(p, &(airc_err){0});
}

/* A pipeline that could not be sent (out of memory, a broken socket):
 * nothing of it ran, and a connection left in the middle of a pipeline is
 * of no further use. */
static airc_rc pg_pipeline_unsent(pg_db *p, airc_err *pErr) {
  airc_rc rc = pg_fail(p, NULL, "send", pErr);
  if(!pg_conn_lost(p)) pg_redial(p, &(airc_err){0});
  return rc == AIRC_OK ? AIRC_ERR_BUSY : rc;
}

/* Checks the answers apRes[0..n-1] to writes sent ahead (pg_run_deferred)
 * and clears them. The first failure is kept in p->deferredErr (the
 * server aborted the transaction) and copied to *pErr; it stays until the
 * transaction ends, so that no later call of it reports success (a COMMIT
 * of an aborted transaction would answer "ROLLBACK" without an error). */
static airc_rc pg_deferred_check(pg_db *p, PGresult **apRes, int n, airc_err *pErr) {
  for(int i = 0; i < n; i++) {
    ExecStatusType e = PQresultStatus(apRes[i]);
    if(e != PGRES_COMMAND_OK && e != PGRES_TUPLES_OK && !p->deferredErr.rc) {
      if(p->abFence[i] && e != PGRES_PIPELINE_ABORTED && !pg_conn_lost(p))
        airc_err_set(&p->deferredErr, AIRC_ERR_BUSY, "%s (%s)", p->azDeferred[i], p->zTarget);
      else
        pg_fail(p, apRes[i], p->azDeferred[i], &p->deferredErr);
    }
    PQclear(apRes[i]);
  }
  if(p->deferredErr.rc && pErr) *pErr = p->deferredErr;
  return p->deferredErr.rc;
}

/* Reads the answers to the writes sent ahead and leaves pipeline mode:
 * one round trip, before anything else uses the connection. AIRC_OK, or
 * the first failure of the transaction's writes sent ahead (kept, see
 * pg_deferred_check). */
static airc_rc pg_settle(pg_db *p, airc_err *pErr) {
  if(p->nDeferred) {
    const int n = p->nDeferred;
    p->nDeferred = 0;
    if(!PQpipelineSync(p->conn)) {
      if(!p->deferredErr.rc) pg_pipeline_unsent(p, &p->deferredErr);
    } else {
      PGresult *apRes[PG_DEFERRED_MAX];
      pg_pipeline_read(p, apRes, n);
      pg_deferred_check(p, apRes, n, NULL);
    }
  }
  if(p->deferredErr.rc && pErr) *pErr = p->deferredErr;
  return p->deferredErr.rc;
}

/* A statement that goes out in a pipeline, in one round trip with what
 * precedes it: the writes sent ahead (pg_run_deferred), a pending BEGIN
 * (the transaction's first statement), and its PREPARE when this
 * connection has not seen it. Returns the execution's result (TUPLES_OK or
 * COMMAND_OK, the caller's to clear), else NULL with the first failure in
 * *pRc. BEGIN counts as sent unless the connection was lost (then nothing
 * happened on the server, and the caller may reconnect and try again). */
static PGresult *pg_exec_pipelined(pg_db *p, pg_stmt *s, airc_rc *pRc, airc_err *pErr) {
  PGconn *c = p->conn;
  pg_stmt *a = p->pAlong != s ? p->pAlong : NULL; /* a read that rides along, after s */
  p->pAlong = NULL;
  const int nAhead = p->nDeferred, bBegin = p->bBeginPending, bPrepare = s->gen != p->gen;
  const int bAlongPrepare = a && a->gen != p->gen;
  const int iBegin = bBegin ? nAhead : -1, iExec = nAhead + bBegin + bPrepare;
  const int nQuery = iExec + 1 + (a ? 1 + bAlongPrepare : 0);
  p->nDeferred = 0;
  int bSent = (nAhead || PQenterPipelineMode(c)) &&
              (!bBegin || PQsendQueryParams(c, PG_BEGIN_SQL, 0, NULL, NULL, NULL, NULL, 0)) &&
              (!bPrepare || PQsendPrepare(c, s->zName, s->zPgSql, s->nParam, s->aType)) &&
              PQsendQueryPrepared(c, s->zName, s->nParam, s->azVal, NULL, NULL, 0) &&
              (!bAlongPrepare || PQsendPrepare(c, a->zName, a->zPgSql, a->nParam, a->aType)) &&
              (!a || PQsendQueryPrepared(c, a->zName, a->nParam, a->azVal, NULL, NULL, 0)) && PQpipelineSync(c);
  if(!bSent) {
    *pRc = pg_pipeline_unsent(p, pErr);
    return NULL;
  }
  PGresult *apRes[PG_DEFERRED_MAX + 5];
  pg_pipeline_read(p, apRes, nQuery);
  airc_rc rc = pg_deferred_check(p, apRes, nAhead, pErr);
  for(int i = nAhead; i <= iExec && !rc; i++) {
    ExecStatusType e = PQresultStatus(apRes[i]);
    if(e == PGRES_COMMAND_OK || (i == iExec && e == PGRES_TUPLES_OK)) continue;
    rc = pg_fail(p, apRes[i], i == iBegin ? "begin" : i < iExec ? "prepare" : "postgres", pErr);
  }
  if(bPrepare && PQresultStatus(apRes[iExec - 1]) == PGRES_COMMAND_OK) s->gen = p->gen;
  PGresult *pExec = rc ? NULL : apRes[iExec], *pAlong = NULL;
  if(a && !rc) {
    /* the read along: its rows wait in it (the step before the first row);
     * its failure aborted the transaction on the server: kept as a failed
     * write's is (pg_deferred_check) */
    PGresult *pA = apRes[nQuery - 1];
    if(bAlongPrepare && PQresultStatus(apRes[iExec + 1]) == PGRES_COMMAND_OK) a->gen = p->gen;
    if(PQresultStatus(pA) == PGRES_TUPLES_OK) {
      pg_stmt_clear(a);
      a->pRes = pAlong = pA;
      a->nRow = PQntuples(pA);
      a->iRow = -1;
      p->stats.nStatements++;
    } else if(!p->deferredErr.rc) {
      pg_fail(p, bAlongPrepare && PQresultStatus(apRes[iExec + 1]) != PGRES_COMMAND_OK ? apRes[iExec + 1] : pA,
              "read", &p->deferredErr);
    }
  }
  for(int i = nAhead; i < nQuery; i++)
    if(apRes[i] != pExec && apRes[i] != pAlong) PQclear(apRes[i]);
  if(!pg_conn_lost(p)) p->bBeginPending = 0;
  *pRc = rc;
  return pExec;
}

/* store_commit_counted: COMMIT and the change counter's snapshot in one
 * pipeline, one round trip instead of two. */
static airc_rc pg_commit_counted(void *pv, uint64_t *pCounter, airc_err *pErr) {
  pg_db *p = pv;
  *pCounter = 0;
  p->pAlong = NULL; /* not needed after all */
  pg_batch_send(p, NULL); /* its failure is kept (p->deferredErr): reported just below */
  if(p->deferredErr.rc) { /* a write sent ahead failed: nothing commits */
    *pErr = p->deferredErr;
    pg_rollback(p);
    return pErr->rc;
  }
  if(pg_conn_lost(p)) p->nDeferred = 0; /* unanswered writes went with the connection */
  if((p->bBeginPending && !p->nDeferred) || pg_conn_lost(p)) {
    airc_rc rc = pg_commit(p, pErr);
    if(!rc) *pCounter = pg_change_counter(p);
    return rc;
  }
  /* the writes sent ahead, COMMIT and the snapshot: one round trip */
  PGconn *c = p->conn;
  const int nAhead = p->nDeferred;
  p->nDeferred = 0;
  int bSent = (nAhead || PQenterPipelineMode(c)) && PQsendQueryParams(c, "COMMIT", 0, NULL, NULL, NULL, NULL, 0) &&
              PQsendQueryParams(c, PG_SNAPSHOT_SQL, 0, NULL, NULL, NULL, NULL, 0) && PQpipelineSync(c);
  airc_rc rc = AIRC_OK;
  if(!bSent) {
    rc = pg_pipeline_unsent(p, pErr); /* the transaction ended with the connection */
  } else {
    PGresult *apRes[PG_DEFERRED_MAX + 2];
    pg_pipeline_read(p, apRes, nAhead + 2);
    rc = pg_deferred_check(p, apRes, nAhead, pErr);
    PGresult *pCommit = apRes[nAhead], *pSnap = apRes[nAhead + 1];
    if(!rc && PQresultStatus(pCommit) != PGRES_COMMAND_OK) rc = pg_fail(p, pCommit, "commit", pErr);
    /* an aborted transaction's COMMIT answers ROLLBACK, without an error */
    else if(!rc && strcmp(PQcmdStatus(pCommit), "COMMIT"))
      rc = airc_err_set(pErr, AIRC_ERR_DB, "commit: the server rolled the transaction back (%s)", p->zTarget);
    else if(!rc) *pCounter = pg_snapshot_hash(pSnap);
    PQclear(pCommit);
    PQclear(pSnap);
    airc_err_clear(&p->deferredErr); /* reported: the ROLLBACK below must go out */
    if(rc && !pg_conn_lost(p)) pg_exec_now(p, "ROLLBACK", "rollback", &(airc_err){0});
  }
  airc_err_clear(&p->deferredErr);
  p->bInTxn = p->bBeginPending = 0;
  return rc;
}

static int pg_step(store_stmt *st, airc_err *pErr) {
  pg_stmt *s = PS(st);
  pg_db *p = s->pDb;
  if(s->pRes) {
    if(++s->iRow >= s->nRow) return STORE_DONE;
    p->stats.nRows++;
    return STORE_ROW;
  }
  if(p->batch.nRow && pg_batch_send(p, pErr)) return STORE_ERROR;
  int bRedialed = 0;
  for(int iTry = 1;; iTry++) {
    int bLooksUp = !pg_conn_lost(p);
    airc_rc rc = pg_ensure(p, pErr);
    PGresult *pRes = NULL;
    if(!rc && p->deferredErr.rc) {
      *pErr = p->deferredErr; /* the transaction failed already */
      return STORE_ERROR;
    }
    if(p->pAlong == s) p->pAlong = NULL; /* it runs now, on its own */
    if(!rc && (p->bBeginPending || p->nDeferred || p->pAlong)) {
      pRes = pg_exec_pipelined(p, s, &rc, pErr);
    } else if(!rc) {
      if(s->gen != p->gen) {
        p->stats.nRoundTrips++;
        pRes = PQprepare(p->conn, s->zName, s->zPgSql, s->nParam, s->aType);
        if(PQresultStatus(pRes) != PGRES_COMMAND_OK) rc = pg_fail(p, pRes, "prepare", pErr);
        else s->gen = p->gen;
        PQclear(pRes);
      }
      if(!rc) p->stats.nRoundTrips++;
      pRes = rc ? NULL : PQexecPrepared(p->conn, s->zName, s->nParam, s->azVal, NULL, NULL, 0);
    }
    if(pRes) {
      ExecStatusType e = PQresultStatus(pRes);
      if(e == PGRES_TUPLES_OK) {
        s->pRes = pRes;
        s->nRow = PQntuples(pRes);
        s->iRow = 0;
        p->stats.nStatements++;
        /* no count of rows looked at comes back from the server: the
         * unit of work here is a row it sent (at least one per execution) */
        p->stats.nVmSteps += (uint64_t)(s->nRow > 0 ? s->nRow : 1);
        if(s->nRow == 0) return STORE_DONE;
        p->stats.nRows++;
        return STORE_ROW;
      }
      if(e == PGRES_COMMAND_OK) {
        const char *z = PQcmdTuples(pRes);
        p->nChanges = z && *z ? atoll(z) : 0;
        p->stats.nStatements++;
        p->stats.nVmSteps += (uint64_t)(p->nChanges > 0 ? p->nChanges : 1);
        s->pRes = pRes; /* stepping again says DONE */
        s->nRow = 0;
        return STORE_DONE;
      }
      rc = pg_fail(p, pRes, "postgres", pErr);
      PQclear(pRes);
    }
    /* A connection that looked alive but was found dead by a
     * transaction's first statement (the server restarted, or closed it,
     * while it was idle) is made again at once, one time, without counting
     * as a busy attempt: nothing had happened on it, and the server may
     * well be back (a restart between two transactions is then invisible
     * to the caller). */
    if(rc == AIRC_ERR_BUSY && p->bBeginPending && bLooksUp && pg_conn_lost(p) && !bRedialed) {
      bRedialed = 1;
      iTry--;
      airc_err_clear(pErr);
      continue;
    }
    /* outside a transaction nothing happened: safe to try again */
    if(rc != AIRC_ERR_BUSY || (p->bInTxn && !p->bBeginPending) || iTry >= p->nBusyTries) return STORE_ERROR;
    airc_err_clear(pErr);
    pg_busy_pause(iTry);
  }
}

/* store_stmt_run_deferred: inside a transaction whose BEGIN went out, and
 * for a statement this connection has prepared, the execution is sent
 * now (its parameters are copied: st may be bound again at once) and its
 * answer read later, with the next statement's or the COMMIT's, in the
 * same round trip. Anything else runs at once, as store_stmt_run. */
static airc_rc pg_run_deferred(store_stmt *st, const char *zWhat, int bFence, airc_err *pErr) {
  pg_stmt *s = PS(st);
  pg_db *p = s->pDb;
  if(p->batch.nRow && pg_batch_send(p, pErr)) {
    pg_done(st);
    return pErr->rc;
  }
  if(!p->bInTxn || p->bBeginPending || s->gen != p->gen || pg_conn_lost(p) || p->deferredErr.rc) {
    const int bFailedBefore = p->deferredErr.rc != AIRC_OK;
    int r = pg_step(st, pErr);
    while(r == STORE_ROW) r = pg_step(st, pErr);
    pg_done(st);
    if(r == STORE_ERROR && bFence && !bFailedBefore && !airc_rc_is_transient(pErr->rc)) {
      airc_err_clear(pErr);
      return airc_err_set(pErr, AIRC_ERR_BUSY, "%s (%s)", zWhat, p->zTarget);
    }
    if(r == STORE_ERROR) airc_err_prefix(pErr, "%s", zWhat);
    return r == STORE_ERROR ? pErr->rc : AIRC_OK;
  }
  if(p->nDeferred == PG_DEFERRED_MAX && pg_settle(p, pErr)) {
    pg_done(st);
    return pErr->rc;
  }
  PGconn *c = p->conn;
  if((!p->nDeferred && !PQenterPipelineMode(c)) || !PQsendQueryPrepared(c, s->zName, s->nParam, s->azVal, NULL, NULL, 0)) {
    p->nDeferred = 0; /* the transaction ends with the connection (pg_pipeline_unsent) */
    pg_done(st);
    return pg_pipeline_unsent(p, pErr);
  }
  p->abFence[p->nDeferred] = (unsigned char)(bFence != 0);
  p->azDeferred[p->nDeferred++] = zWhat;
  p->stats.nStatements++;
  p->stats.nVmSteps++;
  pg_done(st);
  return AIRC_OK;
}

/* store_stmt_run_batched: st's bound row waits (its values copied) while
 * the rows that follow it on this connection are of the same statement;
 * pg_batch_send sends them, as one execution of zBatchSql whose parameter
 * i is the text[] literal of the rows' parameter i, before anything else
 * runs here (a step, a write sent ahead, the commit). A row whose
 * parameter iKey equals a waiting row's sends the waiting ones first (one
 * statement must not change a row twice). Where a write could not be sent
 * ahead (pg_run_deferred: no transaction, a BEGIN not sent, a statement
 * not prepared on this connection yet), the row runs as it would there. */
static airc_rc pg_run_batched(store_stmt *st, const char *zBatchSql, int iKey, const char *zWhat, airc_err *pErr) {
  pg_stmt *s = PS(st);
  pg_db *p = s->pDb;
  struct pg_batch *b = &p->batch;
  int bSendFirst = b->nRow && (strcmp(b->zSql, s->zSql) || b->nRow == PG_BATCH_ROWS || b->nBytes > PG_BATCH_BYTES);
  const char *zKey = iKey >= 1 && iKey <= s->nParam ? s->azVal[iKey - 1] : NULL;
  for(int r = 0; !bSendFirst && zKey && r < b->nRow; r++)
    bSendFirst = b->azVal[r][iKey - 1] && !strcmp(b->azVal[r][iKey - 1], zKey);
  if(bSendFirst && pg_batch_send(p, pErr)) {
    pg_done(st);
    return pErr->rc;
  }
  if(!p->bInTxn || p->bBeginPending || s->gen != p->gen || pg_conn_lost(p) || p->deferredErr.rc)
    return pg_run_deferred(st, zWhat, 0, pErr);
  if(!b->nRow) {
    b->zSql = s->zSql;
    b->zBatchSql = zBatchSql;
    b->zWhat = zWhat;
    b->nParam = s->nParam;
    memset(b->aType, 0, sizeof(b->aType));
  }
  int r = b->nRow;
  for(int i = 0; i < s->nParam; i++) {
    b->azVal[r][i] = NULL;
    if(s->azVal[i] && !(b->azVal[r][i] = strdup(s->azVal[i]))) {
      for(int k = 0; k < i; k++) free(b->azVal[r][k]);
      pg_done(st);
      return airc_err_set(pErr, AIRC_ERR_NOMEM, "%s: out of memory", zWhat);
    }
    if(s->azVal[i]) b->nBytes += strlen(s->azVal[i]);
    if(!b->aType[i]) b->aType[i] = s->aType[i];
  }
  b->nRow++;
  pg_done(st);
  return AIRC_OK;
}

/* Sends the waiting rows (pg_run_batched): one row as its own statement,
 * several as one execution of the batch statement, both as writes sent
 * ahead (their failure is kept for the transaction: pg_deferred_check). */
static airc_rc pg_batch_send(pg_db *p, airc_err *pErr) {
  struct pg_batch *b = &p->batch;
  if(!b->nRow || p->bBatchSending) return AIRC_OK;
  airc_err err = {0};
  p->bBatchSending = 1;
  /* one row goes as its own statement, unless that statement is in use
   * (the caller of pg_run_batched or pg_step holds it): the batch form then */
  int bOne = b->nRow == 1;
  for(int i = 0; bOne && i < p->nCache; i++)
    if(p->aCache[i]->bInUse && !strcmp(p->aCache[i]->zSql, b->zSql)) bOne = 0;
  store_stmt *st = pg_prepare(p, bOne ? b->zSql : b->zBatchSql, &err);
  char *azArr[PG_PARAM_MAX] = {0};
  airc_rc rc = st ? AIRC_OK : err.rc;
  for(int i = 0; !rc && i < b->nParam; i++) {
    pg_stmt *s = PS(st);
    if(bOne) {
      s->azVal[i] = b->azVal[0][i];
      s->aType[i] = b->azVal[0][i] ? b->aType[i] : 0;
      continue;
    }
    size_t n = 0, nAlloc = 0;
    for(int r = 0; !rc && r < b->nRow; r++)
      if(store_pg_array_add(&azArr[i], &n, &nAlloc, b->azVal[r][i])) rc = airc_err_set(&err, AIRC_ERR_NOMEM, "out of memory");
    if(!rc) {
      azArr[i][n++] = '}';
      azArr[i][n] = 0;
      s->azVal[i] = azArr[i];
      s->aType[i] = 0; /* the statement's casts say what it is: ?1::text[] */
    }
  }
  if(!rc) rc = pg_run_deferred(st, b->zWhat, 0, &err);
  else if(st) pg_done(st);
  for(int i = 0; i < PG_PARAM_MAX; i++) free(azArr[i]);
  pg_batch_drop(p);
  p->bBatchSending = 0;
  if(rc && !p->deferredErr.rc) p->deferredErr = err; /* the transaction cannot commit without these rows */
  if(rc && pErr) *pErr = err;
  return rc;
}

/* store_stmt_read_along: inside a transaction, st (bound) goes out with
 * the transaction's next statement (pg_exec_pipelined) and its rows wait
 * in it; stepped before that, it runs on its own. */
static void pg_read_along(store_stmt *st) {
  pg_stmt *s = PS(st);
  if(s->pDb->bInTxn && !s->pRes) s->pDb->pAlong = s;
}

static const char *pg_value(store_stmt *st, int i) {
  pg_stmt *s = PS(st);
  if(!s->pRes || s->iRow >= s->nRow || i < 0 || i >= PQnfields(s->pRes) || PQgetisnull(s->pRes, s->iRow, i))
    return NULL;
  return PQgetvalue(s->pRes, s->iRow, i);
}

static int pg_col_is_null(store_stmt *st, int i) { return pg_value(st, i) == NULL; }
static int64_t pg_col_int64(store_stmt *st, int i) {
  const char *z = pg_value(st, i);
  if(!z) return 0;
  if(*z == 't') return 1; /* booleans: EXISTS(...) */
  if(*z == 'f') return 0;
  return strtoll(z, NULL, 10);
}
static double pg_col_double(store_stmt *st, int i) {
  const char *z = pg_value(st, i);
  return z ? strtod(z, NULL) : 0;
}
static const char *pg_col_text(store_stmt *st, int i) { return pg_value(st, i); }
static size_t pg_col_bytes(store_stmt *st, int i) {
  pg_stmt *s = PS(st);
  return pg_value(st, i) ? (size_t)PQgetlength(s->pRes, s->iRow, i) : 0;
}
static void pg_done(store_stmt *st) {
  pg_stmt *s = PS(st);
  if(s->pDb->pAlong == s) s->pDb->pAlong = NULL;
  pg_stmt_clear(s);
  s->bInUse = 0;
}
static void pg_stats(void *pv, store_stats *pOut) { *pOut = ((pg_db *)pv)->stats; }
static int64_t pg_changes(void *pv) { return ((pg_db *)pv)->nChanges; }
static int64_t pg_last_insert_id(void *pv) {
  pg_db *p = pv;
  if(pg_begin_now(p, &(airc_err){0})) return 0;
  /* the value the last INSERT drew from a BIGSERIAL in this session */
  PGresult *pRes = pg_exec_counted(p, "SELECT lastval()");
  int64_t v = PQresultStatus(pRes) == PGRES_TUPLES_OK && PQntuples(pRes) == 1 ? atoll(PQgetvalue(pRes, 0, 0)) : 0;
  PQclear(pRes);
  return v;
}

const store_driver store_pg_driver = {
    .zName = "postgres",
    .iVersion = PG_SCHEMA_VERSION,
    .eDialect = STORE_DIALECT_PG,
    .bExplicitMigrate = 1,
    .xConnect = pg_connect,
    .xDisconnect = pg_disconnect,
    .xSchemaVersion = pg_schema_version,
    .xMigrate = pg_migrate,
    .xStats = pg_stats,
    .xBegin = pg_begin,
    .xCommit = pg_commit,
    .xRollback = pg_rollback,
    .xSetBusyTries = pg_set_busy_tries,
    .xPlanOnce = pg_plan_once,
    .xChangeCounter = pg_change_counter,
    .xCommitCounted = pg_commit_counted,
    .xCheck = pg_check,
    .xPrepare = pg_prepare,
    .xBindInt64 = pg_bind_int64,
    .xBindDouble = pg_bind_double,
    .xBindText = pg_bind_text,
    .xBindNull = pg_bind_null,
    .xStep = pg_step,
    .xRunDeferred = pg_run_deferred,
    .xRunBatched = pg_run_batched,
    .xReadAlong = pg_read_along,
    .xColumnIsNull = pg_col_is_null,
    .xColumnInt64 = pg_col_int64,
    .xColumnDouble = pg_col_double,
    .xColumnText = pg_col_text,
    .xColumnBytes = pg_col_bytes,
    .xDone = pg_done,
    .xChanges = pg_changes,
    .xLastInsertId = pg_last_insert_id,
    .xListen = pg_listen,
    .xWaitFd = pg_wait_fd,
    .xNotifications = pg_notifications,
};

static const store_driver *pg_self(void) { return &store_pg_driver; }
