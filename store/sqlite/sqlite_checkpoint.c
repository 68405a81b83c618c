/* sqlite_checkpoint.c: see sqlite_checkpoint.h. */
#include "store/sqlite/sqlite_checkpoint.h"
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

struct sqlite_checkpointer {
  pthread_t thread;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  int bDue;      /* the WAL is long: a checkpoint is wanted (under mu) */
  int bStop;     /* under mu */
  sqlite3 *pOwn; /* the thread's connection */
};

/* In the committing connection, after each commit: only a flag and a
 * signal, never the checkpoint itself. */
static int wal_hook(void *pv, sqlite3 *db, const char *zDb, int nPages) {
  sqlite_checkpointer *p = pv;
  if(nPages >= SQLITE_CHECKPOINT_PAGES_INLINE) {
    /* the thread does not keep up (the WAL restarts only when a write
     * begins after a complete checkpoint, which a writer that never
     * pauses does not leave time for): the commit does it, as SQLite's
     * automatic checkpoint would, so that the WAL stays bounded */
    (void)sqlite3_wal_checkpoint_v2(db, zDb, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    return SQLITE_OK;
  }
  if(nPages >= SQLITE_CHECKPOINT_PAGES) {
    pthread_mutex_lock(&p->mu);
    p->bDue = 1;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
  }
  return SQLITE_OK;
}

static void *checkpoint_thread(void *pv) {
  sqlite_checkpointer *p = pv;
  pthread_mutex_lock(&p->mu);
  for(;;) {
    while(!p->bDue && !p->bStop) pthread_cond_wait(&p->cv, &p->mu);
    if(p->bStop) break;
    p->bDue = 0;
    pthread_mutex_unlock(&p->mu);
    /* PASSIVE: copies what no reader still needs, never waits; what it
     * leaves, the next one takes */
    (void)sqlite3_wal_checkpoint_v2(p->pOwn, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    pthread_mutex_lock(&p->mu);
  }
  pthread_mutex_unlock(&p->mu);
  return NULL;
}

/* The thread's connection to zPath, ready to checkpoint, or NULL with pErr
 * set. */
static sqlite3 *checkpoint_connect(const char *zPath, airc_err *pErr) {
  sqlite3 *pDb = NULL;
  /* a connection learns the file is in WAL mode on its first read; until
   * then a checkpoint call is a no-op */
  if(sqlite3_open_v2(zPath, &pDb, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK ||
     sqlite3_exec(pDb, "SELECT count(*) FROM sqlite_schema", NULL, NULL, NULL) != SQLITE_OK) {
    airc_err_set(pErr, AIRC_ERR_DB, "checkpoint connection to %s: %s", zPath, pDb ? sqlite3_errmsg(pDb) : "out of memory");
    sqlite3_close(pDb);
    return NULL;
  }
  sqlite3_busy_timeout(pDb, 1000);
  sqlite3_wal_autocheckpoint(pDb, 0); /* it never writes; and never checkpoints but on request */
  return pDb;
}

sqlite_checkpointer *sqlite_checkpointer_start(sqlite3 *db, const char *zPath, airc_err *pErr) {
  sqlite_checkpointer *p = calloc(1, sizeof(*p));
  if(!p) {
    airc_err_set(pErr, AIRC_ERR_NOMEM, "out of memory");
    return NULL;
  }
  if(!(p->pOwn = checkpoint_connect(zPath, pErr))) {
    free(p);
    return NULL;
  }
  pthread_mutex_init(&p->mu, NULL);
  pthread_cond_init(&p->cv, NULL);
  /* the thread takes no signal: they stay the process's main thread's
   * (the scheduler reads SIGTERM from a signalfd; delivered to a thread
   * that does not block it, it would kill the process) */
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  int e = pthread_create(&p->thread, NULL, checkpoint_thread, p);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  if(e) {
    airc_err_set(pErr, AIRC_ERR_EXEC, "checkpoint thread: %s", strerror(e));
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->mu);
    sqlite3_close(p->pOwn);
    free(p);
    return NULL;
  }
  sqlite3_wal_hook(db, wal_hook, p); /* replaces the automatic checkpoint */
  return p;
}

void sqlite_checkpointer_stop(sqlite_checkpointer *p, sqlite3 *db) {
  if(!p) return;
  sqlite3_wal_autocheckpoint(db, SQLITE_CHECKPOINT_PAGES); /* unhooks ours */
  pthread_mutex_lock(&p->mu);
  p->bStop = 1;
  pthread_cond_signal(&p->cv);
  pthread_mutex_unlock(&p->mu);
  pthread_join(p->thread, NULL);
  pthread_cond_destroy(&p->cv);
  pthread_mutex_destroy(&p->mu);
  sqlite3_close(p->pOwn);
  free(p);
}
