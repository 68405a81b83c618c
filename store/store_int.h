/* store_int.h: what the files of store/ share, and nothing outside store/
 * may include: the backend driver (a struct of calls chosen at open) and
 * the statement helpers the typed calls are written with.
 *
 * The typed calls (store/store_*.c) are written once, against this
 * interface, in SQL that both backends accept. A backend supplies the
 * connection, transactions, prepared statements and its migrations. SQL
 * text is passed as a string literal: drivers cache prepared statements by
 * the literal's address, so a query is prepared once per connection.
 *
 * Statement life: store_stmt_prepare() hands out a reset statement,
 * binds go in, store_stmt_step() walks rows, store_stmt_done() resets it
 * (required before the same literal is prepared again, and always before
 * returning to the caller). Text bound with store_bind_text() is borrowed
 * until store_stmt_done(). Column text is valid until the next step or
 * done. */
#ifndef AIRC_STORE_INT_H
#define AIRC_STORE_INT_H
#include <stddef.h>
#include <stdint.h>
#include "store/store.h"

typedef struct store_stmt store_stmt; /* a driver's prepared statement */

enum { STORE_DONE = 0, STORE_ROW = 1, STORE_ERROR = -1 };

/* The SQL dialects. Shared SQL is written once; where the backends
 * differ, a typed call passes both texts with STORE_SQL2 (below). */
typedef enum store_dialect { STORE_DIALECT_SQLITE = 0, STORE_DIALECT_PG = 1 } store_dialect;

typedef struct store_driver {
  const char *zName;
  int iVersion; /* schema version this driver's migrations reach */
  store_dialect eDialect;
  /* 1: store_open() never creates or migrates the schema (a shared server
   * database: only `airc db init|upgrade` do, through store_open_migrate);
   * 0: it does (the embedded SQLite file). */
  int bExplicitMigrate;
  /* Connects to zTarget (a driver-specific string: a path for SQLite).
   * bCreate: create the database when missing. */
  airc_rc (*xConnect)(const char *zTarget, int bCreate, void **ppDb /* OUT */, airc_err *pErr);
  void (*xDisconnect)(void *pDb);
  int (*xSchemaVersion)(void *pDb);
  /* Runs migrations from version iFrom to iTo inside the caller's write
   * transaction and records iTo. */
  airc_rc (*xMigrate)(void *pDb, int iFrom, int iTo, airc_err *pErr);
  airc_rc (*xBegin)(void *pDb, airc_err *pErr);
  airc_rc (*xCommit)(void *pDb, airc_err *pErr);
  void (*xRollback)(void *pDb);
  /* Attempts at a lock before AIRC_ERR_BUSY (see store_set_busy_tries). */
  void (*xSetBusyTries)(void *pDb, int nTries);
  /* store_plan_once (NULL: nothing to do) */
  airc_rc (*xPlanOnce)(void *pDb, airc_err *pErr);
  uint64_t (*xChangeCounter)(void *pDb);
  /* xCommit, then xChangeCounter's value right after it into *pCounter
   * (0 on a failed commit), in one round trip. NULL: the two calls. */
  airc_rc (*xCommitCounted)(void *pDb, uint64_t *pCounter, airc_err *pErr);
  airc_rc (*xCheck)(void *pDb, int *pbOk, char *zReport, size_t nReport, airc_err *pErr);

  store_stmt *(*xPrepare)(void *pDb, const char *zSql, airc_err *pErr);
  void (*xBindInt64)(store_stmt *s, int i, int64_t v);
  void (*xBindDouble)(store_stmt *s, int i, double v);
  void (*xBindText)(store_stmt *s, int i, const char *z); /* NULL binds NULL */
  void (*xBindNull)(store_stmt *s, int i);
  /* STORE_ROW, STORE_DONE, or STORE_ERROR with pErr set (AIRC_ERR_EXISTS
   * for a unique-constraint violation, AIRC_ERR_BUSY when the database
   * stayed locked past the busy timeout, AIRC_ERR_DB otherwise). */
  int (*xStep)(store_stmt *s, airc_err *pErr);
  /* store_stmt_run_deferred, store_stmt_fence_deferred (bFence) (NULL:
   * at once) */
  airc_rc (*xRunDeferred)(store_stmt *s, const char *zWhat, int bFence, airc_err *pErr);
  /* store_stmt_run_batched (NULL: store_stmt_run_deferred) */
  airc_rc (*xRunBatched)(store_stmt *s, const char *zBatchSql, int iKey, const char *zWhat, airc_err *pErr);
  /* store_stmt_read_along (NULL: nothing to do; the first step runs it) */
  void (*xReadAlong)(store_stmt *s);
  int (*xColumnIsNull)(store_stmt *s, int i);
  int64_t (*xColumnInt64)(store_stmt *s, int i);
  double (*xColumnDouble)(store_stmt *s, int i);
  const char *(*xColumnText)(store_stmt *s, int i); /* NULL for SQL NULL */
  size_t (*xColumnBytes)(store_stmt *s, int i);
  void (*xDone)(store_stmt *s);
  int64_t (*xChanges)(void *pDb);      /* rows changed by the last statement */
  int64_t (*xLastInsertId)(void *pDb); /* id of the last inserted row */
  void (*xStats)(void *pDb, store_stats *pOut); /* counters since connect (store_stats_get) */
  /* Moves the connection's own upkeep (SQLite's WAL checkpoints) off its
   * commits, onto a thread (store_upkeep_in_background). NULL where there
   * is none to move (PostgreSQL). */
  airc_rc (*xUpkeepInBackground)(void *pDb, airc_err *pErr);
  /* The connection's commits do no upkeep (store_upkeep_leave); NULL:
   * they do none anyway. */
  void (*xUpkeepLeave)(void *pDb);

  /* Notifications between processes (PostgreSQL LISTEN/NOTIFY); all three
   * NULL where the backend has none (SQLite: its users poll). */
  /* Subscribes the connection to channel zChannel (an identifier of
   * letters, digits and _). Remembered: re-subscribed after a reconnect. */
  airc_rc (*xListen)(void *pDb, const char *zChannel, airc_err *pErr);
  /* The descriptor that turns readable when a notification (or the end of
   * the connection) arrives; -1 while the connection is lost. */
  int (*xWaitFd)(void *pDb);
  /* Reads what arrived (never blocks) and calls xNote for each
   * notification (borrowed strings). Returns STORE_NOTE_* flags. Outside
   * a transaction only. */
  unsigned (*xNotifications)(void *pDb, void (*xNote)(void *pCtx, const char *zChannel, const char *zPayload),
                             void *pCtx);
} store_driver;

/* What xNotifications saw besides notifications. */
#define STORE_NOTE_RESYNC 1u /* connected again since the last call: notifications may have been missed */
#define STORE_NOTE_LOST 2u   /* the connection is lost (the next statement reconnects) */

struct store {
  const store_driver *pDrv;
  void *pDb;
  char *zTarget;
  int nTxn; /* nesting depth of store_begin */
  uint64_t nTxnSeq; /* outer transactions begun: tells one transaction from the next */
  /* the pool whose row this transaction locked (store_pool_ti_queue): a
   * lock held until the end of the transaction, so its slots need not be
   * read (and locked) again for the next try queued into it */
  uint64_t poolTxnSeq; /* nTxnSeq when locked; 0: none */
  char zPoolLocked[256];
  int64_t poolSlots;
  /* the pool read sent ahead in this transaction (store_pool_read_ahead):
   * store_pool_open_slots of that pool takes it */
  store_stmt *pPoolAhead;
  uint64_t poolAheadSeq;
  char zPoolAhead[256];
};

/* Ends the pool read sent ahead, if any (the transaction ended, or another
 * pool was asked for). */
void store_pool_ahead_drop(store *p);

/* Fills *pOut from the 11 columns from i0 on of st's current row, in the
 * order of store_sched_ti_get_current's select (state, try_number,
 * max_tries, task_id, dag_hash, run_pk, start_us, log_path, dag_id,
 * run_id, map_index): for the walks that join a task instance. */
struct store_sched_ti_current;
void store_sched_ti_current_read(store_stmt *st, int i0, struct store_sched_ti_current *pOut);

extern const store_driver store_sqlite_driver;
extern const store_driver store_pg_driver;

/* Picks the SQL text for the store's dialect: STORE_SQL2(p, "SQLite text",
 * "PostgreSQL text"). Both are string literals (the statement cache keys on
 * the literal's address); each may use ?, ?N or (PostgreSQL) $N
 * placeholders. One compare on the hot path, no copy. For the SQLite-only
 * constructs (json_each, json_extract, instr, rowid, INSERT OR ...) and the
 * PostgreSQL-only ones (FOR UPDATE SKIP LOCKED, LISTEN/NOTIFY, RETURNING
 * where SQLite differs): mark the call with a dialect comment. */
#define STORE_SQL2(p, zSqlite, zPg) ((p)->pDrv->eDialect == STORE_DIALECT_PG ? (zPg) : (zSqlite))

/* The channel store_secret.c notifies (PostgreSQL) when a connection or a
 * variable changes; store_work_listen(STORE_WORK_EV_SECRETS) listens */
#define STORE_CH_SECRETS "airc_secrets_changed"

/* Every driver's statement starts with this, so the helpers below find
 * the driver from the statement alone. */
struct store_stmt {
  const store_driver *pDrv;
};

/* Statement helpers: thin, inline dispatch to the driver. */
static inline store_stmt *store_stmt_prepare(store *p, const char *zSql, airc_err *pErr) {
  return p->pDrv->xPrepare(p->pDb, zSql, pErr);
}
static inline void store_bind_int64(store_stmt *s, int i, int64_t v) { s->pDrv->xBindInt64(s, i, v); }
static inline void store_bind_double(store_stmt *s, int i, double v) { s->pDrv->xBindDouble(s, i, v); }
/* Borrowed until store_stmt_done(); NULL binds SQL NULL. */
static inline void store_bind_text(store_stmt *s, int i, const char *z) { s->pDrv->xBindText(s, i, z); }
static inline void store_bind_null(store_stmt *s, int i) { s->pDrv->xBindNull(s, i); }
static inline int store_stmt_step(store_stmt *s, airc_err *pErr) { return s->pDrv->xStep(s, pErr); }
static inline int store_col_is_null(store_stmt *s, int i) { return s->pDrv->xColumnIsNull(s, i); }
static inline int64_t store_col_int64(store_stmt *s, int i) { return s->pDrv->xColumnInt64(s, i); }
static inline int store_col_int(store_stmt *s, int i) { return (int)s->pDrv->xColumnInt64(s, i); }
static inline double store_col_double(store_stmt *s, int i) { return s->pDrv->xColumnDouble(s, i); }
/* Column text, NULL for SQL NULL. */
static inline const char *store_col_text(store_stmt *s, int i) { return s->pDrv->xColumnText(s, i); }
/* Column text, "" for SQL NULL (never NULL). */
static inline const char *store_col_str(store_stmt *s, int i) {
  const char *z = s->pDrv->xColumnText(s, i);
  return z ? z : "";
}
static inline size_t store_col_bytes(store_stmt *s, int i) { return s->pDrv->xColumnBytes(s, i); }
static inline void store_stmt_done(store_stmt *s) { s->pDrv->xDone(s); }
static inline int64_t store_changes(store *p) { return p->pDrv->xChanges(p->pDb); }
static inline int64_t store_last_insert_id(store *p) { return p->pDrv->xLastInsertId(p->pDb); }

/* Steps st (a statement that returns no rows) to its end and ends it
 * (store_stmt_done); a failure gets zWhat as its prefix. */
AIRC_WUR airc_rc store_stmt_run(store_stmt *st, const char *zWhat, airc_err *pErr);
/* store_stmt_run for a write whose answer the caller does not need now:
 * on PostgreSQL, inside a transaction, it is sent at once and its answer
 * read with the transaction's next statement or its COMMIT, in the same
 * round trip. Its failure is then reported by that call (and by every
 * later one of the transaction), never lost: the transaction fails.
 * No change count. Ends st, as store_stmt_run. */
AIRC_WUR airc_rc store_stmt_run_deferred(store_stmt *st, const char *zWhat, airc_err *pErr);
/* store_stmt_run_deferred for a fence: st fails (raises an error on the
 * server) when a condition the transaction depends on does not hold. That
 * failure is AIRC_ERR_BUSY with the message zWhat (the caller's transaction
 * fails and is tried again, as for a busy store); any other stays as it is. */
AIRC_WUR airc_rc store_stmt_fence_deferred(store_stmt *st, const char *zWhat, airc_err *pErr);
/* As store_stmt_run_deferred, and rows of the same statement that follow
 * one another in a transaction go out as ONE execution of zBatchSql, whose
 * parameter i is the array of the rows' parameter i (a text[] literal,
 * which zBatchSql casts: ?1::text[], ?2::bigint[]; typically
 * `SELECT * FROM unnest(...)`). The rows go out before anything else runs
 * on the connection (another statement's step, a commit), so that what
 * follows sees them; a row whose parameter iKey (1-based; 0: none) equals
 * a waiting row's sends those first, so that one execution never changes
 * a row twice. A failure is reported as a deferred write's: by the
 * transaction's next statement or its commit. Without batching (SQLite):
 * store_stmt_run_deferred. */
AIRC_WUR airc_rc store_stmt_run_batched(store_stmt *st, const char *zBatchSql, int iKey, const char *zWhat,
                                        airc_err *pErr);
/* For a read the caller will step soon in this transaction: on PostgreSQL
 * st (bound) goes out with the transaction's next statement, in its round
 * trip, and its rows wait in it until it is stepped (its failure fails the
 * transaction's later calls, as a write's sent ahead). Stepped before
 * that, or on SQLite, it runs when stepped. The caller still ends it
 * (store_stmt_done). */
void store_stmt_read_along(store_stmt *st);
/* The same, and *pnChanged gets how many rows it changed (0 on error). */
AIRC_WUR airc_rc store_stmt_run_changes(store *p, store_stmt *st, const char *zWhat, int64_t *pnChanged,
                                        airc_err *pErr);

/* Copies zUrl to zOut (n bytes) with any password replaced by ***
 * (user:PASSWORD@ and a password= query parameter). */
void store_url_mask(const char *zUrl, char *zOut, size_t n);

/* Appends z to the PostgreSQL array literal being built in *pz (length
 * *pn, room *pnAlloc; realloc'd) as one element: NULL, or a quoted string
 * with \ and " escaped. The caller closes it with '}' and a NUL (the room
 * is there). 0, or -1 out of memory. */
int store_pg_array_add(char **pz, size_t *pn, size_t *pnAlloc, const char *z);

/* Prepares, steps to the end and resets a statement that takes no
 * parameters and returns no rows. */
AIRC_WUR airc_rc store_run_sql(store *p, const char *zSql, airc_err *pErr);

/* A launch row's columns (store_sched_launch_row), over task_instance ti
 * and dag_run r: read by store_sched_ti_get_launch, returned by the
 * PostgreSQL queue update (store_pool_ti_queue). */
#define STORE_SCHED_LAUNCH_COLUMNS \
  "ti.task_id, ti.try_number, r.dag_id, r.run_id, r.dag_hash, r.logical_date," \
  " r.data_interval_start, r.data_interval_end, r.conf, r.id, ti.map_index, ti.start_us"
/* Calls xRow with the launch row st stands on (its columns as above). */
struct store_sched_launch_row;
void store_sched_launch_read(store_stmt *st, int64_t tiId,
                             int (*xRow)(void *pCtx, const struct store_sched_launch_row *pRow), void *pCtx);

#endif
