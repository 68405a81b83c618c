/* store.h: airc's store: one opaque handle, chosen backend behind it.
 *
 * Everything airc keeps (DAGs and their versions, runs, task instances,
 * tries, XCom, import errors, users, sessions) lives in the store. Callers
 * see only typed calls, declared in the store_*.h headers beside this one;
 * no folder but store/ includes a database header or writes SQL.
 *
 * The backend is a struct of calls (store_int.h: store_driver), chosen when
 * the store is opened, the way SQLite swaps its storage layer behind an
 * sqlite3_vfs: "sqlite:///path" or a plain path selects SQLite (the
 * embedded default). Each backend keeps its own migrations and records the
 * schema version; store_open() migrates an older store forward in one
 * transaction and refuses a newer one.
 *
 * Times are integers: logical dates and data intervals in seconds, event
 * times (start, end, queued) in microseconds since the epoch, all UTC.
 * The store owns no policy: the scheduler, the CLI and the web server
 * decide, the store keeps their facts. A handle must not be used across
 * fork() nor by two threads at once. */
#ifndef AIRC_STORE_H
#define AIRC_STORE_H
#include <stdint.h>
#include "common/err.h"

typedef struct store store;

/* Opens (creating if needed) and migrates the store named by zTarget: a
 * path, "sqlite:///abs/path", or "postgresql://user:pass@host:port/db?..."
 * (also "postgres://"). A PostgreSQL database is never created or migrated
 * here: one without the schema is AIRC_ERR_NOTFOUND ("run 'airc db
 * init'"), an older schema AIRC_ERR_STATE ("run 'airc db upgrade'"). On
 * failure *ppOut is untouched and pErr says why in one line naming the
 * target (password masked). */
AIRC_WUR airc_rc store_open(const char *zTarget, store **ppOut /* OUT */, airc_err *pErr);
/* Loads the client library of the backend zTarget selects, if it is
 * loaded on first use (libpq: store/pq_lazy.h), without connecting: for a
 * caller that must load it under its current environment (bin/airc-worker:
 * GNUTLS_NO_IMPLICIT_INIT, cli/cmd_worker.c). Errors surface at
 * store_open(). */
void store_preload(const char *zTarget);
/* Like store_open(), and also creates or migrates a server database's
 * schema (PostgreSQL), which store_open() refuses to do: `airc db init`
 * and `airc db upgrade` only. */
AIRC_WUR airc_rc store_open_migrate(const char *zTarget, store **ppOut /* OUT */, airc_err *pErr);
/* Opens an existing store without creating or migrating it
 * (AIRC_ERR_NOTFOUND: "no store at ...: run 'airc db init'"). */
AIRC_WUR airc_rc store_open_existing(const char *zTarget, store **ppOut /* OUT */, airc_err *pErr);
void store_close(store *p);

/* Schema version recorded in the open store (-1 if unreadable), and the
 * version this binary writes. */
int store_schema_version(store *p);
int store_schema_version_supported(store *p);
/* "sqlite" or "postgres". */
const char *store_backend_name(store *p);
/* What the store was opened from, for messages (never holds a password). */
const char *store_target(store *p);

/* Write transactions. They nest: only the outermost begin/commit reach the
 * database. A failed commit is rolled back. store_rollback() undoes the
 * whole (outer) transaction. */
AIRC_WUR airc_rc store_begin(store *p, airc_err *pErr);
AIRC_WUR airc_rc store_commit(store *p, airc_err *pErr);
void store_rollback(store *p);
/* store_commit(), then store_change_counter() into *pCounter (0 when the
 * commit failed): what a writer that tells its own commits from others'
 * needs, in one round trip on PostgreSQL instead of two. */
AIRC_WUR airc_rc store_commit_counted(store *p, uint64_t *pCounter /* OUT */, airc_err *pErr);

/* How many times a lock is tried before a call fails with AIRC_ERR_BUSY
 * (default 1, at most 10). Each attempt waits up to [database]
 * busy_timeout_ms; only what is safe to repeat is retried: BEGIN, and a
 * single statement outside a transaction that has not returned a row. For
 * short-lived callers (the CLI, a web request) that would rather wait a
 * little longer than fail; the scheduler keeps 1 and retries whole
 * iterations itself (docs/scheduler.md). */
void store_set_busy_tries(store *p, int nTries);

/* For a process that runs the same few statements many times (the
 * scheduler's loop, a worker): on PostgreSQL its session plans each
 * prepared statement once (plan_cache_mode = force_generic_plan, kept
 * across reconnects) instead of at every execution, which the server
 * otherwise does for the set-based statements (their arrays' lengths
 * change the custom plan's estimate): a fan-out try cost the database
 * 0.50-0.53 ms of CPU this way against 0.67-0.82 ms
 * (docs/benchmarks.md, "Plans made once"). Their statements find rows by
 * key or through indexes whatever the parameters, and the session plans
 * them so: joins as nested loops (hash and merge joins off) and a random
 * page read costed as a cached one (random_page_cost = 1.1), because a
 * plan made once is made on the tables as they are at the first execution
 * (often nearly empty), where a hash join over a sequential scan looks
 * cheapest, and kept while they grow until ANALYZE: each batch of outcomes
 * or queued tries then read the whole task_instance table, each batch of
 * a worker's results every claim row, dead ones too (docs/benchmarks.md,
 * "Joins by key"). The CLI and the web server keep the server's default.
 * Nothing on SQLite (it plans a statement when it is prepared). Outside a
 * transaction. */
AIRC_WUR airc_rc store_plan_once(store *p, airc_err *pErr);

/* A number that changes whenever any connection (this one or another
 * process's) commits a change to the store; equal numbers mean nothing
 * changed. Backend-neutral key for response caches. 0 on error. */
uint64_t store_change_counter(store *p);

/* For a long-lived writer (the scheduler): the backend's upkeep runs on a
 * thread of its own instead of inside some commit. On SQLite, the WAL
 * checkpoint (store/sqlite/sqlite_checkpoint.h), which otherwise costs the
 * commit that triggers it several milliseconds. Nothing on PostgreSQL. On
 * an error the handle works as before (upkeep in its commits). The handle
 * stays single-threaded for its callers. */
AIRC_WUR airc_rc store_upkeep_in_background(store *p, airc_err *pErr);
/* For a writer whose commits must stay short (a pool member continuing a
 * chain): its commits leave the upkeep to others (on SQLite no automatic
 * checkpoint: the scheduler's thread does them). Nothing on PostgreSQL. */
void store_upkeep_leave(store *p);

/* Checks the store's integrity; on AIRC_OK *pbOk says whether it is
 * intact and zReport (>= nReport bytes) holds the backend's one-line
 * verdict ("ok" or the first problem). */
AIRC_WUR airc_rc store_check(store *p, int *pbOk /* OUT */, char *zReport, size_t nReport,
                             airc_err *pErr);

/* Work done through this handle since it was opened, for guards that
 * count work instead of timing it (the scheduler's --stats-file):
 * statements executed (each prepare..done that stepped once or more),
 * rows they returned, and the backend's own unit of work per row looked
 * at (SQLite: virtual-machine steps; a table scan shows here even when it
 * returns one row). Counters only grow; take differences. */
typedef struct store_stats {
  uint64_t nStatements;
  uint64_t nRows;
  uint64_t nVmSteps;
  uint64_t nRoundTrips; /* waits for the server's answer (PostgreSQL; 0 on SQLite, in-process) */
} store_stats;
void store_stats_get(store *p, store_stats *pOut /* OUT */);
#endif
