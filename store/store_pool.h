/* store_pool.h: pools, Airflow's way of capping how many tries of some
 * kind run at once (table pool, migration 9 -> 10).
 *
 * A pool has a name, a number of slots and a description. A task instance
 * names its pool and the slots a try takes (task keys `pool`,
 * `pool_slots`; default_pool and 1 otherwise). A try occupies its slots
 * while it is queued or running. The cap is enforced where a try is
 * queued: store_pool_ti_queue() queues it only if the pool has the slots
 * open (pool_usage: the slots of its queued and running tries, kept by
 * triggers on task_instance, so the check costs one row), in the caller's
 * transaction, so that no interleaving of
 * schedulers, workers or API writes lets a pool run more slots than it has
 * (PostgreSQL: the pool's row is locked first, so two transactions that
 * queue into the same pool take turns; SQLite: writers are serialized).
 * Errors: AIRC_ERR_DB/BUSY with one line; AIRC_ERR_NOTFOUND and
 * AIRC_ERR_INVALID where noted. */
#ifndef AIRC_STORE_POOL_H
#define AIRC_STORE_POOL_H
#include <stdint.h>
#include "store/store.h"
#include "store/store_sched.h"

#define STORE_POOL_NAME_MAX 256
#define STORE_POOL_SLOTS_MAX 1000000

/* One pool with its use (fields borrowed for the callback). */
typedef struct store_pool_row {
  const char *zName;
  int64_t slots;
  const char *zDescription; /* NULL if none */
  int bIncludeDeferred;
  int64_t nRunning, nQueued; /* slots taken by running / queued tries */
  int64_t nScheduled;        /* slots that scheduled tries wait for */
} store_pool_row;
typedef int (*store_pool_fn)(void *pCtx, const store_pool_row *pRow);

/* 1 if z is a pool name a user may choose (1..256 of [A-Za-z0-9_.-]). */
int store_pool_name_is_valid(const char *z);

/* Creates default_pool with `slots` slots unless it exists. */
AIRC_WUR airc_rc store_pool_ensure_default(store *p, int64_t slots, airc_err *pErr);

/* Creates or updates pool zName. slots < 0: keep the slots (an update;
 * AIRC_ERR_NOTFOUND if the pool does not exist). zDescription NULL: keep it
 * (a new pool gets none). bIncludeDeferred < 0: keep it. A bad name or
 * slots outside 0..STORE_POOL_SLOTS_MAX: AIRC_ERR_INVALID. */
AIRC_WUR airc_rc store_pool_set(store *p, const char *zName, int64_t slots, const char *zDescription,
                                int bIncludeDeferred, airc_err *pErr);

/* Deletes pool zName. AIRC_ERR_NOTFOUND; AIRC_ERR_INVALID for default_pool
 * (as in Airflow, it cannot be deleted). Tries that name a deleted pool
 * wait until it exists again. */
AIRC_WUR airc_rc store_pool_delete(store *p, const char *zName, airc_err *pErr);

/* Calls xRow for the pools by name: zOnly != NULL: just that one (not at
 * all if there is none); nLimit > 0 caps the rows, after nOffset. */
AIRC_WUR airc_rc store_pool_each(store *p, const char *zOnly, int nLimit, int nOffset, store_pool_fn xRow, void *pCtx,
                                 airc_err *pErr);
/* *pn = the number of pools. */
AIRC_WUR airc_rc store_pool_count(store *p, int *pn /* OUT */, airc_err *pErr);

/* *pnOpen = pool zPool's slots minus those its queued and running tries
 * take (may be < 0 after a pool shrank); 0 for a pool that does not exist,
 * and *pbExists (NULL: not asked) = 0 then, else 1.
 * One row (pool_usage). Inside a transaction on PostgreSQL it also locks
 * the pool's row (FOR UPDATE) for store_pool_ti_queue, which then does not
 * read it again in that transaction. */
AIRC_WUR airc_rc store_pool_open_slots(store *p, const char *zPool, int64_t *pnOpen /* OUT */, int *pbExists /* OUT */,
                                        airc_err *pErr);

/* Sends store_pool_open_slots' read of pool zPool ahead, inside the
 * caller's transaction on PostgreSQL: it rides with the transaction's next
 * statement (store_stmt_read_along), and a store_pool_open_slots of that
 * pool in the same transaction takes its answer without a round trip of
 * its own. The row is locked from then on, as by store_pool_open_slots.
 * Its count is as of that next statement: what the transaction writes
 * after it (an outcome that frees slots) is not in it, and a later
 * store_pool_open_slots of the pool reads afresh. Nothing on SQLite, or
 * outside a transaction. */
void store_pool_read_ahead(store *p, const char *zPool);

/* scheduled (or up_for_reschedule, or zFrom) -> queued, as store_sched_ti_queue(), taking nSlots slots of
 * pool zPool, only if that many are open (slots - those of the pool's
 * queued and running tries). *pbQueued = 1 if it was queued; 0 if the pool
 * is full, does not exist (*pbNoPool = 1), or the task instance is not
 * `scheduled` (any more). Inside the caller's transaction. zFrom (NULL:
 * none) is one more state to queue from, as store_sched_ti_queue().
 * xLaunch (NULL: none) is called once, when it queued, with the instance's
 * launch row as store_sched_ti_get_launch() would read it now: PostgreSQL
 * returns it from the update itself, so the launch costs no read. */
AIRC_WUR airc_rc store_pool_ti_queue(store *p, int64_t tiId, const char *zFrom, const char *zPool, int nSlots, int64_t nowUs,
                                     int *pbQueued /* OUT */, int *pbNoPool /* OUT */, store_sched_launch_fn xLaunch,
                                     void *pLaunchCtx, airc_err *pErr);

/* One task instance for store_pool_ti_queue_many. */
typedef struct store_pool_queue_item {
  int64_t tiId;
  const char *zFrom; /* one more state to queue from, as store_pool_ti_queue's zFrom (NULL: none) */
  int nSlots;
  int bQueued; /* OUT: it was queued */
} store_pool_queue_item;

/* store_pool_ti_queue for each of a[0..n-1] into pool zPool, in this
 * order, inside the caller's transaction; a[k].bQueued says which were.
 * On PostgreSQL one statement queues them all when their slots together
 * fit the pool's open slots (a wake's fan-out: one round trip instead of
 * one per try), and xLaunch is called in order for the queued ones; if
 * they do not fit together, each is admitted on its own as by
 * store_pool_ti_queue (so the result is the same, only the round trips
 * differ). *pbNoPool = 1 (and none queued) when the pool does not exist.
 * The caller decides which to offer (its own count of the open slots,
 * store_pool_open_slots); this call still checks them. */
AIRC_WUR airc_rc store_pool_ti_queue_many(store *p, const char *zPool, store_pool_queue_item *a, int n, int64_t nowUs,
                                          int *pbNoPool /* OUT */, store_sched_launch_fn xLaunch, void *pLaunchCtx,
                                          airc_err *pErr);

/* `airc db check`: compares pool_usage (the triggers' running totals)
 * with the slots the queued and running tries hold, pool by pool. *pbOk
 * is 1 when every pool agrees; else zReport (capped at nReport) names the
 * first pool that does not, with both figures. */
AIRC_WUR airc_rc store_pool_check_usage(store *p, int *pbOk /* OUT */, char *zReport, size_t nReport,
                                        airc_err *pErr);

#endif
