/* store.h: the SQLite store: DAGs, versions, runs, task instances, XCom,
 * import errors, users.
 *
 * Opened in WAL mode with a busy timeout and foreign keys on, so the
 * scheduler writes while the CLI and the web server read and make small
 * writes (trigger, pause, clear). The schema carries a version
 * (PRAGMA user_version); store_open() migrates older stores forward in one
 * transaction and refuses newer ones. Times are integers: logical dates and
 * data intervals in seconds, event times (start, end, queued) in
 * microseconds since the epoch, all UTC.
 * The store owns no policy: the scheduler and the CLI decide, the store
 * runs their SQL. A connection must not be used across fork(). */
#ifndef AIRC_STORE_H
#define AIRC_STORE_H
#include <sqlite3.h>
#include <stdint.h>
#include "common/err.h"

#define STORE_SCHEMA_VERSION 3

typedef struct store {
  sqlite3 *db;
  char *zPath;
  int nTxn;                /* nesting depth of store_begin */
} store;

/* Opens (creating if needed) and migrates the store at zPath. */
AIRC_WUR airc_rc store_open(const char *zPath, store **ppOut /* OUT */, airc_err *pErr);
/* Opens an existing store without creating or migrating it. */
AIRC_WUR airc_rc store_open_existing(const char *zPath, store **ppOut /* OUT */, airc_err *pErr);
void store_close(store *p);
/* Schema version of the open store. */
int store_schema_version(store *p);

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK. */
AIRC_WUR airc_rc store_begin(store *p, airc_err *pErr);
AIRC_WUR airc_rc store_commit(store *p, airc_err *pErr);
void store_rollback(store *p);

/* Prepares zSql (borrowed; cached by text for the life of the store).
 * The statement is reset and unbound; do not finalize it. The cache holds
 * 64 statements; it never evicts one that is being stepped
 * (sqlite3_stmt_busy), and fails (NULL, pErr set) only if all are. */
sqlite3_stmt *store_prepare(store *p, const char *zSql, airc_err *pErr);
/* Runs SQL with no result rows. */
AIRC_WUR airc_rc store_exec(store *p, const char *zSql, airc_err *pErr);
/* Sets pErr from the connection's last error, prefixed by zWhat. */
airc_rc store_fail(store *p, const char *zWhat, airc_err *pErr);

/* Column text or "" (never NULL). */
const char *store_col_text(sqlite3_stmt *pStmt, int i);

#endif
