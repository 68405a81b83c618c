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
  int nRun;      /* checkpoints run (under mu) */
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
    p->nRun++;
  }
  pthread_mutex_unlock(&p->mu);
  return NULL;
}

sqlite_checkpointer *sqlite_checkpointer_start(sqlite3 *db, const char *zPath, airc_err *pErr) {
  sqlite_checkpointer *p = calloc(1, sizeof(*p));
  if(!p) {
    airc_err_set(pErr, AIRC_ERR_NOMEM, "out of memory");
    return NULL;
  }
  if(sqlite3_open_v2(zPath, &p->pOwn, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
    airc_err_set(pErr, AIRC_ERR_DB, "checkpoint connection to %s: %s", zPath,
                 p->pOwn ? sqlite3_errmsg(p->pOwn) : "out of memory");
    sqlite3_close(p->pOwn);
    free(p);
    return NULL;
  }
  sqlite3_busy_timeout(p->pOwn, 1000);
  sqlite3_wal_autocheckpoint(p->pOwn, 0); /* it never writes; and never checkpoints but on request */
  /* a connection learns the file is in WAL mode on its first read; until
   * then a checkpoint call is a no-op */
  if(sqlite3_exec(p->pOwn, "SELECT count(*) FROM sqlite_schema", NULL, NULL, NULL) != SQLITE_OK) {
    airc_err_set(pErr, AIRC_ERR_DB, "checkpoint connection to %s: %s", zPath, sqlite3_errmsg(p->pOwn));
    sqlite3_close(p->pOwn);
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

int sqlite_checkpointer_count(sqlite_checkpointer *p) {
  pthread_mutex_lock(&p->mu);
  int n = p->nRun;
  pthread_mutex_unlock(&p->mu);
  return n;
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
