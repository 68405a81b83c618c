/* store_legacy.h: TRANSITIONAL. The raw SQLite access that callers outside
 * store/ used before the typed calls existed. Every file that includes this
 * is still to be moved behind typed calls (scripts/check-layout.sh counts
 * them); when none is left, this header and sqlite_legacy.c go away. */
#ifndef AIRC_STORE_LEGACY_H
#define AIRC_STORE_LEGACY_H
#include <sqlite3.h>
#include "store/store.h"

/* The SQLite connection behind p (NULL for other backends). */
sqlite3 *store_legacy_db(store *p);
/* Prepares zSql (a literal; cached for the life of the store). The
 * statement is reset and unbound; do not finalize it. */
sqlite3_stmt *store_prepare(store *p, const char *zSql, airc_err *pErr);
/* Runs SQL with no result rows. */
AIRC_WUR airc_rc store_exec(store *p, const char *zSql, airc_err *pErr);
/* Sets pErr from the connection's last error, prefixed by zWhat. */
airc_rc store_fail(store *p, const char *zWhat, airc_err *pErr);
/* Column text or "" (never NULL). */
const char *store_legacy_col_text(sqlite3_stmt *pStmt, int i);

#endif
