/* sqlite_checkpoint.h: a connection's WAL checkpoints, run on a thread of
 * their own.
 *
 * SQLite checkpoints the WAL in the connection whose commit took it past
 * 1000 pages (wal_autocheckpoint): that commit then also copies the pages
 * into the database file and, with synchronous=NORMAL, syncs both files.
 * On this project's VM that is 3 to 12 ms, in the scheduler once every ~70
 * tasks of a chain (about 14 WAL pages a task): it was the whole tail of the
 * upstream done -> downstream start latency (docs/benchmarks.md).
 *
 * A checkpointer takes that work off the connection: its WAL hook (which
 * replaces the automatic checkpoint) wakes a thread that runs a PASSIVE
 * checkpoint on a connection of its own to the same file. Commits go on
 * meanwhile: a passive checkpoint takes no write lock and waits for no one.
 * SQLite restarts the WAL when a write begins after a complete checkpoint;
 * a writer that never pauses leaves no time for one, so past
 * SQLITE_CHECKPOINT_PAGES_INLINE pages a commit checkpoints as before.
 * Durability and crash safety are SQLite's own: committed pages are in the
 * WAL until a checkpoint copies them, and an open replays what no
 * checkpoint copied. */
#ifndef AIRC_SQLITE_CHECKPOINT_H
#define AIRC_SQLITE_CHECKPOINT_H
#include <sqlite3.h>
#include "common/err.h"

/* A checkpoint is wanted past this many WAL pages (16 MB of 4 kB pages;
 * SQLite's automatic one is at 1000). The first commit after a complete
 * checkpoint restarts the WAL and, with synchronous=NORMAL, syncs its
 * header (a 1 to 4 ms fdatasync here, in that commit, on the scheduler's
 * critical path): a longer WAL restarts four times less often, once per
 * ~280 tasks of a chain instead of ~70. */
#define SQLITE_CHECKPOINT_PAGES 4000
/* past this, a commit checkpoints itself (the thread does not keep up) */
#define SQLITE_CHECKPOINT_PAGES_INLINE 16000

typedef struct sqlite_checkpointer sqlite_checkpointer;

/* Starts checkpointing db's WAL (the database file zPath) on a thread once
 * it holds SQLITE_CHECKPOINT_PAGES pages. NULL with pErr set when the
 * thread or its connection cannot be had: db then keeps SQLite's automatic
 * checkpoints. */
sqlite_checkpointer *sqlite_checkpointer_start(sqlite3 *db, const char *zPath, airc_err *pErr);

/* Stops the thread (after the checkpoint it may be running) and gives db
 * its automatic checkpoints back. p may be NULL. */
void sqlite_checkpointer_stop(sqlite_checkpointer *p, sqlite3 *db);

#endif
