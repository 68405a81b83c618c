/* store.c: the handle: choosing a backend from the target, opening,
 * migrating, transactions. Backend-neutral: it only calls the driver.
 * See store.h for the contract and store_int.h for the driver interface. */
#include "store/store_int.h"
#include "store/pq_lazy.h"
#include "common/log.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Picks the driver for zTarget and the driver-specific rest of it. */
static const store_driver *store_driver_for(const char *zTarget, const char **pzRest, airc_err *pErr) {
  if(!strncmp(zTarget, "sqlite://", 9)) {
    *pzRest = zTarget + 9; /* sqlite:///abs/path -> /abs/path */
    if(!**pzRest) {
      airc_err_set(pErr, AIRC_ERR_INVALID, "database url '%s': no path after sqlite://", zTarget);
      return NULL;
    }
    return &store_sqlite_driver;
  }
  if(!strncmp(zTarget, "postgresql://", 13) || !strncmp(zTarget, "postgres://", 11)) {
    *pzRest = zTarget; /* libpq reads the whole URL */
    return &store_pg_driver;
  }
  if(strstr(zTarget, "://")) {
    airc_err_set(pErr, AIRC_ERR_INVALID, "database url: unsupported scheme in '%.*s...' (sqlite://, postgresql:// or a path)",
                 (int)(strstr(zTarget, "://") - zTarget) + 3, zTarget);
    return NULL;
  }
  *pzRest = zTarget;
  return &store_sqlite_driver;
}

void store_url_mask(const char *zUrl, char *zOut, size_t n) {
  /* scheme://user:PASSWORD@host... and ...?password=PASSWORD&... */
  size_t o = 0;
  const char *zAuth = strstr(zUrl, "://");
  const char *zAt = zAuth ? strchr(zAuth + 3, '@') : NULL;
  const char *zSlash = zAuth ? strchr(zAuth + 3, '/') : NULL;
  const char *zColon = zAuth ? strchr(zAuth + 3, ':') : NULL;
  if(zAt && zSlash && zAt > zSlash) zAt = NULL; /* an @ in the path or query */
  for(const char *z = zUrl; *z && o + 1 < n;) {
    if(zAt && zColon && zColon < zAt && z == zColon + 1) {
      o += (size_t)snprintf(zOut + o, n - o, "***");
      z = zAt;
      continue;
    }
    if((z > zUrl && (z[-1] == '?' || z[-1] == '&')) && !strncmp(z, "password=", 9)) {
      o += (size_t)snprintf(zOut + o, n - o, "password=***");
      z += 9;
      while(*z && *z != '&') z++;
      continue;
    }
    zOut[o++] = *z++;
  }
  if(o >= n) o = n - 1;
  zOut[o] = 0;
}

static airc_rc store_connect(const char *zTarget, int bCreate, store **ppOut, airc_err *pErr) {
  const char *zRest = NULL;
  const store_driver *pDrv = store_driver_for(zTarget, &zRest, pErr);
  if(!pDrv) return pErr->rc;
  if(!bCreate && !strcmp(pDrv->zName, "sqlite") && access(zRest, F_OK))
    return airc_err_set(pErr, AIRC_ERR_NOTFOUND, "no store at %s: run 'airc db init'", zRest);
  store *p = calloc(1, sizeof(*p));
  if(!p) return airc_err_set(pErr, AIRC_ERR_NOMEM, "out of memory");
  p->pDrv = pDrv;
  if(pDrv->eDialect == STORE_DIALECT_PG) {
    /* what messages and `airc db check` show: never the password */
    size_t n = strlen(zRest) + 8;
    p->zTarget = malloc(n);
    if(p->zTarget) store_url_mask(zRest, p->zTarget, n);
  } else {
    p->zTarget = strdup(zRest);
  }
  if(!p->zTarget) {
    free(p);
    return airc_err_set(pErr, AIRC_ERR_NOMEM, "out of memory");
  }
  airc_rc rc = pDrv->xConnect(zRest, bCreate, &p->pDb, pErr);
  if(rc) {
    free(p->zTarget);
    free(p);
    return rc;
  }
  if(!bCreate && pDrv->bExplicitMigrate && store_schema_version(p) <= 0) {
    rc = store_schema_version(p) < 0
             ? airc_err_set(pErr, AIRC_ERR_DB, "store %s: cannot read the schema version", p->zTarget)
             : airc_err_set(pErr, AIRC_ERR_NOTFOUND, "no airc schema in %s: run 'airc db init'", p->zTarget);
    store_close(p);
    return rc;
  }
  *ppOut = p;
  return AIRC_OK;
}

static airc_rc store_open_impl(const char *zTarget, int bMigrate, store **ppOut, airc_err *pErr) {
  store *p;
  airc_rc rc = store_connect(zTarget, 1, &p, pErr);
  if(rc) return rc;
  const int iWant = p->pDrv->iVersion;
  int v = store_schema_version(p);
  if(v < 0 && p->pDrv->bExplicitMigrate) {
    rc = airc_err_set(pErr, AIRC_ERR_DB, "store %s: cannot read the schema version", p->zTarget);
    store_close(p);
    return rc;
  }
  if(v < iWant && p->pDrv->bExplicitMigrate && !bMigrate) {
    rc = v == 0 ? airc_err_set(pErr, AIRC_ERR_NOTFOUND, "no airc schema in %s: run 'airc db init'", p->zTarget)
                : airc_err_set(pErr, AIRC_ERR_STATE,
                               "store %s has schema version %d, older than this airc (%d): run 'airc db upgrade'",
                               p->zTarget, v, iWant);
    store_close(p);
    return rc;
  }
  if(v > iWant) {
    rc = airc_err_set(pErr, AIRC_ERR_STATE, "store %s has schema version %d, newer than this airc (%d)",
                      p->zTarget, v, iWant);
    store_close(p);
    return rc;
  }
  if(v < iWant) {
    rc = store_begin(p, pErr);
    /* re-read inside the write transaction: another process may have migrated */
    if(!rc) v = store_schema_version(p);
    if(!rc && v < iWant) rc = p->pDrv->xMigrate(p->pDb, v, iWant, pErr);
    if(!rc) rc = store_commit(p, pErr);
    else store_rollback(p);
    if(rc) {
      airc_err_prefix(pErr, "migrating store");
      store_close(p);
      return rc;
    }
    LOG_DEBUG("store: %s at schema version %d", p->zTarget, iWant);
  }
  *ppOut = p;
  return AIRC_OK;
}

void store_preload(const char *zTarget) {
  airc_err err = {0};
  const char *zRest = NULL;
  if(store_driver_for(zTarget, &zRest, &err) == &store_pg_driver) (void)pq_lazy_load();
}

airc_rc store_open(const char *zTarget, store **ppOut, airc_err *pErr) {
  return store_open_impl(zTarget, 0, ppOut, pErr);
}

airc_rc store_open_migrate(const char *zTarget, store **ppOut, airc_err *pErr) {
  return store_open_impl(zTarget, 1, ppOut, pErr);
}

airc_rc store_open_existing(const char *zTarget, store **ppOut, airc_err *pErr) {
  return store_connect(zTarget, 0, ppOut, pErr);
}

void store_close(store *p) {
  if(!p) return;
  p->pDrv->xDisconnect(p->pDb);
  free(p->zTarget);
  free(p);
}

int store_schema_version(store *p) { return p->pDrv->xSchemaVersion(p->pDb); }
int store_schema_version_supported(store *p) { return p->pDrv->iVersion; }
const char *store_backend_name(store *p) { return p->pDrv->zName; }
const char *store_target(store *p) { return p->zTarget; }
void store_set_busy_tries(store *p, int nTries) { p->pDrv->xSetBusyTries(p->pDb, nTries); }
airc_rc store_plan_once(store *p, airc_err *pErr) { return p->pDrv->xPlanOnce ? p->pDrv->xPlanOnce(p->pDb, pErr) : AIRC_OK; }
uint64_t store_change_counter(store *p) { return p->pDrv->xChangeCounter(p->pDb); }
void store_stats_get(store *p, store_stats *pOut) { p->pDrv->xStats(p->pDb, pOut); }

airc_rc store_upkeep_in_background(store *p, airc_err *pErr) {
  return p->pDrv->xUpkeepInBackground ? p->pDrv->xUpkeepInBackground(p->pDb, pErr) : AIRC_OK;
}

void store_upkeep_leave(store *p) {
  if(p->pDrv->xUpkeepLeave) p->pDrv->xUpkeepLeave(p->pDb);
}

airc_rc store_check(store *p, int *pbOk, char *zReport, size_t nReport, airc_err *pErr) {
  return p->pDrv->xCheck(p->pDb, pbOk, zReport, nReport, pErr);
}

airc_rc store_begin(store *p, airc_err *pErr) {
  if(p->nTxn++ > 0) return AIRC_OK;
  p->nTxnSeq++;
  airc_rc rc = p->pDrv->xBegin(p->pDb, pErr);
  if(rc) p->nTxn = 0;
  return rc;
}

airc_rc store_commit(store *p, airc_err *pErr) {
  if(p->nTxn <= 0) return AIRC_OK;
  if(--p->nTxn > 0) return AIRC_OK;
  store_pool_ahead_drop(p);
  return p->pDrv->xCommit(p->pDb, pErr);
}

airc_rc store_commit_counted(store *p, uint64_t *pCounter, airc_err *pErr) {
  *pCounter = 0;
  if(p->nTxn == 1 && p->pDrv->xCommitCounted) {
    p->nTxn = 0;
    store_pool_ahead_drop(p);
    return p->pDrv->xCommitCounted(p->pDb, pCounter, pErr);
  }
  airc_rc rc = store_commit(p, pErr);
  if(!rc) *pCounter = store_change_counter(p);
  return rc;
}

void store_rollback(store *p) {
  if(p->nTxn <= 0) return;
  p->nTxn = 0;
  store_pool_ahead_drop(p);
  p->pDrv->xRollback(p->pDb);
}

airc_rc store_run_sql(store *p, const char *zSql, airc_err *pErr) {
  store_stmt *st = store_stmt_prepare(p, zSql, pErr);
  if(!st) return pErr->rc;
  int r;
  while((r = store_stmt_step(st, pErr)) == STORE_ROW) {
  }
  store_stmt_done(st);
  return r == STORE_ERROR ? pErr->rc : AIRC_OK;
}

airc_rc store_stmt_run(store_stmt *st, const char *zWhat, airc_err *pErr) {
  int r = store_stmt_step(st, pErr);
  store_stmt_done(st);
  if(r == STORE_ERROR) {
    airc_err_prefix(pErr, "%s", zWhat);
    return pErr->rc;
  }
  return AIRC_OK;
}

airc_rc store_stmt_run_deferred(store_stmt *st, const char *zWhat, airc_err *pErr) {
  return st->pDrv->xRunDeferred ? st->pDrv->xRunDeferred(st, zWhat, 0, pErr) : store_stmt_run(st, zWhat, pErr);
}

airc_rc store_stmt_run_batched(store_stmt *st, const char *zBatchSql, int iKey, const char *zWhat, airc_err *pErr) {
  return st->pDrv->xRunBatched ? st->pDrv->xRunBatched(st, zBatchSql, iKey, zWhat, pErr)
                               : store_stmt_run_deferred(st, zWhat, pErr);
}

void store_stmt_read_along(store_stmt *st) {
  if(st->pDrv->xReadAlong) st->pDrv->xReadAlong(st);
}

airc_rc store_stmt_fence_deferred(store_stmt *st, const char *zWhat, airc_err *pErr) {
  if(st->pDrv->xRunDeferred) return st->pDrv->xRunDeferred(st, zWhat, 1, pErr);
  airc_rc rc = store_stmt_run(st, zWhat, pErr);
  if(rc && !airc_rc_is_transient(rc)) {
    airc_err_clear(pErr);
    rc = airc_err_set(pErr, AIRC_ERR_BUSY, "%s", zWhat);
  }
  return rc;
}

airc_rc store_stmt_run_changes(store *p, store_stmt *st, const char *zWhat, int64_t *pnChanged, airc_err *pErr) {
  int r = store_stmt_step(st, pErr);
  *pnChanged = r == STORE_ERROR ? 0 : store_changes(p); /* before done: the count is the statement's */
  store_stmt_done(st);
  if(r == STORE_ERROR) {
    airc_err_prefix(pErr, "%s", zWhat);
    return pErr->rc;
  }
  return AIRC_OK;
}

/* store_int.h */
int store_pg_array_add(char **pz, size_t *pn, size_t *pnAlloc, const char *z) {
  size_t need = *pn + (z ? 2 * strlen(z) + 6 : 8); /* a comma, the quotes; the closing } and NUL */
  if(need > *pnAlloc) {
    size_t n = need * 2;
    char *zNew = realloc(*pz, n);
    if(!zNew) return -1;
    *pz = zNew;
    *pnAlloc = n;
  }
  char *o = *pz + *pn;
  *o++ = *pn > 1 ? ',' : '{';
  if(!z) {
    memcpy(o, "NULL", 4);
    o += 4;
  } else {
    *o++ = '"';
    for(; *z; z++) {
      if(*z == '"' || *z == '\\') *o++ = '\\';
      *o++ = *z;
    }
    *o++ = '"';
  }
  *pn = (size_t)(o - *pz);
  return 0;
}
