/* store_pool.c: see store_pool.h. */
#include "store/store_pool.h"
#include "store/store_int.h"
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int store_pool_name_is_valid(const char *z) {
  size_t n = z ? strlen(z) : 0;
  if(n == 0 || n > STORE_POOL_NAME_MAX) return 0;
  for(size_t i = 0; i < n; i++)
    if(!isalnum((unsigned char)z[i]) && z[i] != '_' && z[i] != '-' && z[i] != '.') return 0;
  return 1;
}

airc_rc store_pool_ensure_default(store *p, int64_t slots, airc_err *pErr) {
  p->poolTxnSeq = 0; /* a pool row changes: forget the one store_pool_ti_queue read */
  store_stmt *st = store_stmt_prepare(p,
      "INSERT INTO pool(name, slots, description) VALUES('default_pool', ?, 'Default pool')"
      " ON CONFLICT(name) DO NOTHING", pErr);
  if(!st) return pErr->rc;
  store_bind_int64(st, 1, slots < 0 ? 0 : slots > STORE_POOL_SLOTS_MAX ? STORE_POOL_SLOTS_MAX : slots);
  return store_stmt_run(st, "create default_pool", pErr);
}

airc_rc store_pool_set(store *p, const char *zName, int64_t slots, const char *zDescription, int bIncludeDeferred,
                       airc_err *pErr) {
  p->poolTxnSeq = 0; /* a pool row changes: forget the one store_pool_ti_queue read */
  if(!store_pool_name_is_valid(zName))
    return airc_err_set(pErr, AIRC_ERR_INVALID, "pool name '%.60s' is not valid (1..256 letters, digits, '_', '-' or '.')",
                        zName ? zName : "");
  if(slots > STORE_POOL_SLOTS_MAX)
    return airc_err_set(pErr, AIRC_ERR_INVALID, "pool slots must be 0..%d", STORE_POOL_SLOTS_MAX);
  store_stmt *st;
  int iDesc = 2;
  if(slots >= 0) {
    st = store_stmt_prepare(p,
        "INSERT INTO pool(name, slots, description, include_deferred) VALUES(?1, ?4, ?2, coalesce(?3, 0))"
        " ON CONFLICT(name) DO UPDATE SET slots=excluded.slots,"
        " description=coalesce(?2, pool.description), include_deferred=coalesce(?3, pool.include_deferred)", pErr);
    if(!st) return pErr->rc;
    store_bind_int64(st, 4, slots);
  } else {
    st = store_stmt_prepare(p,
        "UPDATE pool SET description=coalesce(?2, description), include_deferred=coalesce(?3, include_deferred)"
        " WHERE name=?1", pErr);
    if(!st) return pErr->rc;
  }
  store_bind_text(st, 1, zName);
  store_bind_text(st, iDesc, zDescription);
  if(bIncludeDeferred >= 0) store_bind_int64(st, 3, bIncludeDeferred ? 1 : 0);
  else store_bind_null(st, 3);
  int64_t n = 0;
  airc_rc rc = store_stmt_run_changes(p, st, "write pool", &n, pErr);
  if(!rc && !n) return airc_err_set(pErr, AIRC_ERR_NOTFOUND, "no pool '%s'", zName);
  return rc;
}

airc_rc store_pool_delete(store *p, const char *zName, airc_err *pErr) {
  p->poolTxnSeq = 0; /* a pool row changes: forget the one store_pool_ti_queue read */
  if(!strcmp(zName, "default_pool")) return airc_err_set(pErr, AIRC_ERR_INVALID, "default_pool cannot be deleted");
  store_stmt *st = store_stmt_prepare(p, "DELETE FROM pool WHERE name=?", pErr);
  if(!st) return pErr->rc;
  store_bind_text(st, 1, zName);
  int64_t n = 0;
  airc_rc rc = store_stmt_run_changes(p, st, "delete pool", &n, pErr);
  if(!rc && !n) return airc_err_set(pErr, AIRC_ERR_NOTFOUND, "no pool '%s'", zName);
  return rc;
}

/* Slots in use per state come from the task instances that hold them (the
 * queueing check reads pool_usage, a total the triggers keep), read
 * through ti_by_state: the rows of one state, few unless finished. */
#define POOL_SELECT \
  "SELECT pl.name, pl.slots, pl.description, pl.include_deferred," \
  " (SELECT coalesce(sum(coalesce(ti.pool_slots, 1)), 0) FROM task_instance ti WHERE ti.pool=pl.name AND ti.state='running')," \
  " (SELECT coalesce(sum(coalesce(ti.pool_slots, 1)), 0) FROM task_instance ti WHERE ti.pool=pl.name AND ti.state='queued')," \
  " (SELECT coalesce(sum(coalesce(ti.pool_slots, 1)), 0) FROM task_instance ti WHERE ti.pool=pl.name AND ti.state='scheduled')" \
  " FROM pool pl"

airc_rc store_pool_each(store *p, const char *zOnly, int nLimit, int nOffset, store_pool_fn xRow, void *pCtx,
                        airc_err *pErr) {
  /* PostgreSQL wants every $N used: the list numbers its two from 1 */
  store_stmt *st = zOnly ? store_stmt_prepare(p, POOL_SELECT " WHERE pl.name=?3 LIMIT ?1 OFFSET ?2", pErr)
                         : store_stmt_prepare(p, POOL_SELECT " ORDER BY pl.name LIMIT ?1 OFFSET ?2", pErr);
  if(!st) return pErr->rc;
  if(zOnly) store_bind_text(st, 3, zOnly);
  store_bind_int64(st, 1, nLimit > 0 ? nLimit : INT32_MAX);
  store_bind_int64(st, 2, nOffset > 0 ? nOffset : 0);
  int r;
  while((r = store_stmt_step(st, pErr)) == STORE_ROW) {
    store_pool_row row = {store_col_str(st, 0), store_col_int64(st, 1), store_col_text(st, 2),
                          store_col_int(st, 3) != 0, store_col_int64(st, 4), store_col_int64(st, 5),
                          store_col_int64(st, 6)};
    if(xRow(pCtx, &row)) break;
  }
  store_stmt_done(st);
  if(r == STORE_ERROR) {
    airc_err_prefix(pErr, "read pools: ");
    return pErr->rc;
  }
  return AIRC_OK;
}

airc_rc store_pool_count(store *p, int *pn, airc_err *pErr) {
  *pn = 0;
  store_stmt *st = store_stmt_prepare(p, "SELECT count(*) FROM pool", pErr);
  if(!st) return pErr->rc;
  int r = store_stmt_step(st, pErr);
  if(r == STORE_ROW) *pn = store_col_int(st, 0);
  store_stmt_done(st);
  if(r == STORE_ERROR) {
    airc_err_prefix(pErr, "count pools: ");
    return pErr->rc;
  }
  return AIRC_OK;
}

/* dialect: pg -- the pool's open slots, its row locked (FOR UPDATE) */
static const char zOpenSlotsLocked[] =
    "SELECT pl.slots - coalesce((SELECT used FROM pool_usage WHERE pool=$1), 0), pl.slots"
    " FROM pool pl WHERE pl.name=$1 FOR UPDATE";

void store_pool_ahead_drop(store *p) {
  if(!p->pPoolAhead) return;
  store_stmt_done(p->pPoolAhead);
  p->pPoolAhead = NULL;
}

void store_pool_read_ahead(store *p, const char *zPool) {
  store_pool_ahead_drop(p);
  if(p->nTxn <= 0 || p->pDrv->eDialect != STORE_DIALECT_PG || strlen(zPool) >= sizeof(p->zPoolAhead)) return;
  airc_err err = {0};
  store_stmt *st = store_stmt_prepare(p, zOpenSlotsLocked, &err);
  if(!st) return; /* only a round trip lost: store_pool_open_slots reads it */
  store_bind_text(st, 1, zPool);
  store_stmt_read_along(st);
  p->pPoolAhead = st;
  p->poolAheadSeq = p->nTxnSeq;
  snprintf(p->zPoolAhead, sizeof(p->zPoolAhead), "%s", zPool);
}

airc_rc store_pool_open_slots(store *p, const char *zPool, int64_t *pnOpen, int *pbExists, airc_err *pErr) {
  *pnOpen = 0;
  if(pbExists) *pbExists = 0;
  /* inside a transaction on PostgreSQL the row is locked as
   * store_pool_ti_queue locks it (which then reads it no more): the
   * scheduler reads this estimate just before it queues into the pool, in
   * the same transaction, so one statement does for both. The estimate's
   * count is the statement's snapshot; the queue counts afresh. */
  const int bLock = p->nTxn > 0 && p->pDrv->eDialect == STORE_DIALECT_PG;
  store_stmt *st = NULL;
  if(bLock && p->pPoolAhead && p->poolAheadSeq == p->nTxnSeq && !strcmp(p->zPoolAhead, zPool)) {
    st = p->pPoolAhead; /* sent ahead (store_pool_read_ahead): its rows may be here already */
    p->pPoolAhead = NULL;
  } else {
    store_pool_ahead_drop(p);
    st = store_stmt_prepare(p, bLock ? zOpenSlotsLocked
                                     : "SELECT pl.slots - coalesce((SELECT used FROM pool_usage WHERE pool=?1), 0), pl.slots"
                                       " FROM pool pl WHERE pl.name=?1", pErr);
    if(!st) return pErr->rc;
    store_bind_text(st, 1, zPool);
  }
  int r = store_stmt_step(st, pErr);
  if(r == STORE_ROW) {
    *pnOpen = store_col_int64(st, 0);
    if(pbExists) *pbExists = 1;
    if(p->nTxn > 0 && strlen(zPool) < sizeof(p->zPoolLocked)) {
      p->poolTxnSeq = p->nTxnSeq;
      p->poolSlots = store_col_int64(st, 1);
      snprintf(p->zPoolLocked, sizeof(p->zPoolLocked), "%s", zPool);
    }
  }
  store_stmt_done(st);
  if(r == STORE_ERROR) {
    airc_err_prefix(pErr, "read pool: ");
    return pErr->rc;
  }
  return AIRC_OK;
}

/* *pSlots = pool zPool's slots, its row locked (FOR UPDATE on PostgreSQL)
 * until the caller's transaction ends; read once per transaction (the
 * lock keeps the row as it was). -1 and *pbNoPool = 1 when there is no
 * such pool. */
static airc_rc pool_slots_locked(store *p, const char *zPool, int64_t *pSlots, int *pbNoPool, airc_err *pErr) {
  /* the pool's row first: PostgreSQL locks it (FOR UPDATE), so that a
   * concurrent queue into this pool waits for our commit and then counts
   * our tries; the count that admits them is a later statement, with a new
   * snapshot. The lock lasts until the transaction ends, and nobody can
   * change the row meanwhile: a second try queued into the same pool in the
   * same transaction reuses its slots (a fan-out queues many at once) */
  *pSlots = -1;
  *pbNoPool = 0;
  const int bInTxn = p->nTxn > 0;
  if(bInTxn && p->poolTxnSeq == p->nTxnSeq && !strcmp(p->zPoolLocked, zPool)) {
    *pSlots = p->poolSlots;
    return AIRC_OK;
  }
  store_stmt *st = store_stmt_prepare(p,
      STORE_SQL2(p, "SELECT slots FROM pool WHERE name=?", "SELECT slots FROM pool WHERE name=$1 FOR UPDATE"),
      pErr);
  if(!st) return pErr->rc;
  store_bind_text(st, 1, zPool);
  int r = store_stmt_step(st, pErr);
  if(r == STORE_ROW) *pSlots = store_col_int64(st, 0);
  store_stmt_done(st);
  if(r == STORE_ERROR) {
    airc_err_prefix(pErr, "read pool: ");
    return pErr->rc;
  }
  if(r == STORE_DONE) {
    *pbNoPool = 1;
    return AIRC_OK;
  }
  if(bInTxn && strlen(zPool) < sizeof(p->zPoolLocked)) {
    p->poolTxnSeq = p->nTxnSeq;
    p->poolSlots = *pSlots;
    snprintf(p->zPoolLocked, sizeof(p->zPoolLocked), "%s", zPool);
  }
  return AIRC_OK;
}

airc_rc store_pool_ti_queue(store *p, int64_t tiId, const char *zFrom, const char *zPool, int nSlots, int64_t nowUs,
                            int *pbQueued, int *pbNoPool, store_sched_launch_fn xLaunch, void *pLaunchCtx,
                            airc_err *pErr) {
  *pbQueued = 0;
  int64_t slots = -1;
  airc_rc rc = pool_slots_locked(p, zPool, &slots, pbNoPool, pErr);
  if(rc || *pbNoPool) return rc;
  if(nSlots > slots) return AIRC_OK; /* can never fit: waits, as in Airflow */
  /* as store_sched_ti_queue: a sensor's next poke (up_for_reschedule)
   * continues its try (same try number and start time). PostgreSQL hands
   * back the launch row with the update (one round trip instead of two);
   * SQLite reads it after (RETURNING there sees only the updated table) */
  store_stmt *st = store_stmt_prepare(p, STORE_SQL2(p,
      "UPDATE task_instance SET try_number=try_number+CASE WHEN state='up_for_reschedule' THEN 0 ELSE 1 END,"
      " start_us=CASE WHEN state='up_for_reschedule' THEN start_us ELSE NULL END,"
      " state='queued', queued_us=?1, pid=NULL, exit_code=NULL, end_us=NULL, duration=NULL, next_retry_us=NULL,"
      " note=NULL, updated_us=?1, pool=?3, pool_slots=?4 WHERE id=?2 AND state IN ('scheduled','up_for_reschedule',?6)"
      " AND ?4 + coalesce((SELECT used FROM pool_usage WHERE pool=?3), 0) <= ?5",
      "UPDATE task_instance ti SET try_number=ti.try_number+CASE WHEN ti.state='up_for_reschedule' THEN 0 ELSE 1 END,"
      " start_us=CASE WHEN ti.state='up_for_reschedule' THEN ti.start_us ELSE NULL END,"
      " state='queued', queued_us=$1, pid=NULL, exit_code=NULL, end_us=NULL, duration=NULL, next_retry_us=NULL,"
      " note=NULL, updated_us=$1, pool=$3, pool_slots=$4 FROM dag_run r"
      " WHERE ti.id=$2 AND r.id=ti.run_pk AND ti.state IN ('scheduled','up_for_reschedule',$6)"
      " AND $4 + coalesce((SELECT used FROM pool_usage WHERE pool=$3), 0) <= $5"
      " RETURNING " STORE_SCHED_LAUNCH_COLUMNS), pErr);
  if(!st) return pErr->rc;
  store_bind_int64(st, 1, nowUs);
  store_bind_int64(st, 2, tiId);
  store_bind_text(st, 3, zPool);
  store_bind_int64(st, 4, nSlots);
  store_bind_int64(st, 5, slots);
  store_bind_text(st, 6, zFrom); /* NULL matches nothing */
  if(p->pDrv->eDialect == STORE_DIALECT_PG) {
    int r = store_stmt_step(st, pErr);
    *pbQueued = r == STORE_ROW;
    if(r == STORE_ROW && xLaunch) store_sched_launch_read(st, tiId, xLaunch, pLaunchCtx);
    store_stmt_done(st);
    if(r == STORE_ERROR) airc_err_prefix(pErr, "queue task: ");
    return r == STORE_ERROR ? pErr->rc : AIRC_OK;
  }
  int64_t n = 0;
  rc = store_stmt_run_changes(p, st, "queue task", &n, pErr);
  *pbQueued = !rc && n > 0;
  if(*pbQueued && xLaunch) rc = store_sched_ti_get_launch(p, tiId, xLaunch, pLaunchCtx, pErr);
  return rc;
}

/* The three array literals of zQueueManySql for a[0..n-1] into az[]
 * (owned by the caller, freed even on failure): ids, from-states, slots.
 * 0, or -1 out of memory. */
static int queue_many_arrays(const store_pool_queue_item *a, int n, char *az[3]) {
  size_t an[3] = {0}, anAlloc[3] = {0};
  for(int k = 0; k < n; k++) {
    char zId[24], zSlots[16];
    snprintf(zId, sizeof(zId), "%lld", (long long)a[k].tiId);
    snprintf(zSlots, sizeof(zSlots), "%d", a[k].nSlots);
    const char *azVal[3] = {zId, a[k].zFrom, zSlots};
    for(int i = 0; i < 3; i++)
      if(store_pg_array_add(&az[i], &an[i], &anAlloc[i], azVal[i])) return -1;
  }
  for(int i = 0; i < 3; i++) {
    az[i][an[i]++] = '}';
    az[i][an[i]] = 0;
  }
  return 0;
}

/* dialect: pg -- the queue update of store_pool_ti_queue for many task
 * instances at once, in the order given (ord): all of them, or none when
 * their slots together do not fit (the pool's row is locked by this
 * transaction, so only our own statements change what it holds; the
 * usage read here is this statement's snapshot, after the lock). Each row
 * comes back with its launch columns, its id and its place. */
static const char zQueueManySql[] =
    "WITH v AS (SELECT * FROM unnest($2::bigint[], $3::text[], $4::int[]) WITH ORDINALITY AS v(id, from_state, slots, ord)),"
    " q AS (UPDATE task_instance ti SET try_number=ti.try_number+CASE WHEN ti.state='up_for_reschedule' THEN 0 ELSE 1 END,"
    " start_us=CASE WHEN ti.state='up_for_reschedule' THEN ti.start_us ELSE NULL END,"
    " state='queued', queued_us=$1, pid=NULL, exit_code=NULL, end_us=NULL, duration=NULL, next_retry_us=NULL,"
    " note=NULL, updated_us=$1, pool=$5, pool_slots=v.slots FROM v, dag_run r"
    " WHERE ti.id=v.id AND r.id=ti.run_pk AND (ti.state IN ('scheduled','up_for_reschedule') OR ti.state=v.from_state)"
    " AND (SELECT sum(slots) FROM v) + coalesce((SELECT used FROM pool_usage WHERE pool=$5), 0) <= $6"
    " RETURNING " STORE_SCHED_LAUNCH_COLUMNS ", ti.id AS q_id, v.ord AS q_ord)"
    " SELECT * FROM q ORDER BY q_ord";

airc_rc store_pool_ti_queue_many(store *p, const char *zPool, store_pool_queue_item *a, int n, int64_t nowUs,
                                 int *pbNoPool, store_sched_launch_fn xLaunch, void *pLaunchCtx, airc_err *pErr) {
  *pbNoPool = 0;
  for(int k = 0; k < n; k++) a[k].bQueued = 0;
  if(n <= 0) return AIRC_OK;
  int64_t slots = -1, sum = 0;
  airc_rc rc = pool_slots_locked(p, zPool, &slots, pbNoPool, pErr);
  if(rc || *pbNoPool) return rc;
  for(int k = 0; k < n; k++) sum += a[k].nSlots > 0 ? a[k].nSlots : 0;
  int nGot = 0;
  if(p->pDrv->eDialect == STORE_DIALECT_PG && n > 1 && sum <= slots) {
    char *az[3] = {0};
    if(queue_many_arrays(a, n, az)) rc = airc_err_set(pErr, AIRC_ERR_NOMEM, "queue tasks: out of memory");
    store_stmt *st = rc ? NULL : store_stmt_prepare(p, zQueueManySql, pErr);
    if(!rc && !st) rc = pErr->rc;
    if(!rc) {
      store_bind_int64(st, 1, nowUs);
      for(int i = 0; i < 3; i++) store_bind_text(st, i + 2, az[i]);
      store_bind_text(st, 5, zPool);
      store_bind_int64(st, 6, slots);
      int r;
      while((r = store_stmt_step(st, pErr)) == STORE_ROW) {
        const int64_t ord = store_col_int64(st, 13);
        if(ord < 1 || ord > n) continue;
        store_pool_queue_item *it = &a[ord - 1];
        it->bQueued = 1;
        nGot++;
        if(xLaunch) store_sched_launch_read(st, it->tiId, xLaunch, pLaunchCtx);
      }
      store_stmt_done(st);
      if(r == STORE_ERROR) {
        airc_err_prefix(pErr, "queue tasks: ");
        rc = pErr->rc;
      }
    }
    for(int i = 0; i < 3; i++) free(az[i]);
    if(rc || nGot > 0) return rc; /* the rows not back had left `scheduled` */
  }
  /* one at a time: SQLite (its statements cost no round trip), a single
   * try, or the batch did not fit as a whole (each is admitted on its own) */
  for(int k = 0; k < n; k++) {
    int bNoPool = 0;
    rc = store_pool_ti_queue(p, a[k].tiId, a[k].zFrom, zPool, a[k].nSlots, nowUs, &a[k].bQueued, &bNoPool, xLaunch,
                             pLaunchCtx, pErr);
    if(rc) return rc;
  }
  return AIRC_OK;
}

airc_rc store_pool_check_usage(store *p, int *pbOk, char *zReport, size_t nReport, airc_err *pErr) {
  *pbOk = 1;
  snprintf(zReport, nReport, "ok");
  /* both directions: a total with no tries behind it, and tries whose
   * pool has no (or a different) total */
  store_stmt *st = store_stmt_prepare(p,
      "WITH held AS (SELECT pool, sum(coalesce(pool_slots, 1)) AS n FROM task_instance"
      "              WHERE pool IS NOT NULL AND state IN ('queued','running') GROUP BY pool)"
      " SELECT u.pool, u.used, coalesce(h.n, 0) FROM pool_usage u LEFT JOIN held h ON h.pool=u.pool"
      "  WHERE u.used <> coalesce(h.n, 0)"
      " UNION ALL"
      " SELECT h.pool, 0, h.n FROM held h WHERE NOT EXISTS (SELECT 1 FROM pool_usage u WHERE u.pool=h.pool)"
      " ORDER BY 1 LIMIT 1", pErr);
  if(!st) return pErr->rc;
  int r = store_stmt_step(st, pErr);
  if(r == STORE_ROW) {
    *pbOk = 0;
    snprintf(zReport, nReport, "pool '%s' counts %lld slots in use, its queued and running tries hold %lld",
             store_col_str(st, 0), (long long)store_col_int64(st, 1), (long long)store_col_int64(st, 2));
  }
  store_stmt_done(st);
  return r == STORE_ERROR ? pErr->rc : AIRC_OK;
}
