/* store_work.h: the distributed executor's facts in the store
 * (docs/scaling.md).
 *
 * A try queued for a worker is a task_claim row: the scheduler writes it
 * with the rendered launch request in the transaction that queues the task
 * instance (store_work_enqueue); a worker claims it (store_work_claim: the
 * row takes the worker's name, a fresh lease token and a lease end, the
 * task instance becomes `running` with that name as its hostname), renews
 * the lease while the try runs (store_work_renew) and leaves the try's
 * result in the row (store_work_finish); the scheduler applies results and
 * expired leases with its own policy (retries) and deletes the row.
 *
 * Fencing: every write of a worker about a try is conditioned on (task
 * instance id, try number, lease token). A worker whose lease was taken
 * over (expired, the try failed or retried by the scheduler, the task
 * cleared) finds no row to change: *pbHeld = 0 and it must stop the try.
 *
 * Also here: log chunks of tries that ran on other hosts, and the
 * scheduler lease that makes one scheduler of several the active one.
 *
 * SQLite serializes claims with BEGIN IMMEDIATE (store_begin); the
 * PostgreSQL form of the claim is `... FOR UPDATE SKIP LOCKED` (see the
 * statement's comment). Times in microseconds since the epoch. Errors:
 * AIRC_ERR_DB / AIRC_ERR_BUSY with a one-line message; AIRC_ERR_NOTFOUND
 * where noted. Rows given to callbacks are BORROWED (valid during the
 * callback). */
#ifndef AIRC_STORE_WORK_H
#define AIRC_STORE_WORK_H
#include <stddef.h>
#include <stdint.h>
#include "store/store.h"
#include "store/store_sched.h"

/* ---- the scheduler's side ---- */

/* Queues try tryNumber of task instance tiId on queue zQueue with its
 * launch request (JSON text, borrowed), replacing a stale claim of an
 * earlier try. Call inside the transaction that queues the task instance.
 * On PostgreSQL the queue's workers are woken when it commits (one
 * notification per queue and transaction). */
AIRC_WUR airc_rc store_work_enqueue(store *p, int64_t tiId, int tryNumber, const char *zQueue,
                                    const char *zRequest, int64_t nowUs, airc_err *pErr);

/* The same, offering the try first to worker zPrefer (NULL or "": to all
 * of the queue's workers alike): the wake-up names it, and the other
 * workers wait a moment before they claim (store_work_events says
 * STORE_WORK_EV_QUEUED_OTHER to them). A hint only: anyone may claim. */
AIRC_WUR airc_rc store_work_enqueue_prefer(store *p, int64_t tiId, int tryNumber, const char *zQueue,
                                           const char *zPrefer, const char *zRequest, int64_t nowUs,
                                           airc_err *pErr);

/* A try handed straight to one worker (PostgreSQL only; on SQLite
 * store_work_can_assign says 0): the claim row is written already held by
 * worker zWorker with lease token zToken until leaseUntilUs, in the
 * caller's transaction (the one that queues the task instance), and the
 * wake-up sent at its commit carries the try to that worker (its ids, the
 * token, the lease end and, when it fits, the request). No other worker
 * can claim it. The worker starts it without a claim's round trip, then
 * records it running (store_work_adopt), or gives it back
 * (store_work_release) when it has no free slot. A worker that never
 * takes it lets its lease expire: the scheduler fails or retries the try,
 * as for any try whose worker died. The scheduler hands the next try of a
 * chain this way to the worker that ran its upstream (docs/scaling.md,
 * "Tries handed to a worker"). Deferred on PostgreSQL (its answer comes
 * with the transaction's next statement). */
AIRC_WUR airc_rc store_work_enqueue_assigned(store *p, int64_t tiId, int tryNumber, const char *zQueue,
                                             const char *zWorker, const char *zToken, int64_t leaseUntilUs,
                                             const char *zRequest, int64_t nowUs, airc_err *pErr);

/* 1 when the backend can hand tries to a worker (it has wake-ups). */
int store_work_can_assign(const store *p);

/* A claim row. zWorker is "" while unclaimed; zResult NULL until the
 * worker left the try's result (JSON text of exec_result). */
typedef struct store_work_row {
  int64_t tiId;
  int tryNumber;
  const char *zQueue;
  const char *zWorker;
  const char *zToken;   /* the lease token, "" while unclaimed */
  int bBacklog;         /* store_work_take_done_or_expired: tries were waiting unclaimed (in any queue)
                         * when it read; 0 on SQLite */
  int64_t leaseUntilUs; /* 0 while unclaimed */
  const char *zResult;
  /* store_work_take_done_or_expired only: its task instance as read by
   * the same statement (what store_sched_ti_get_current gives); NULL if
   * it is gone */
  const store_sched_ti_current *pCur;
  /* with pCur: its run as store_sched_run_get_active reads it, or NULL
   * when that run is not active (ended, or a test run) */
  const store_sched_run_row *pRun;
  /* the task instance the worker queued and started itself when this
   * try succeeded (store_work_finish_continue), 0 if none */
  int64_t continuedTi;
} store_work_row;
typedef int (*store_work_fn)(void *pCtx, const store_work_row *pRow);

/* Takes the claims a scheduler applies: calls xRow for each claim with a
 * result, then for each claimed one whose lease ended before nowUs without
 * a result (expired: its worker died, stopped or was cut off), and deletes
 * them. Each row comes with its task instance (pRow->pCur) and its run
 * (pRow->pRun), read by the same statement: applying a result, and
 * evaluating its run after, need no other read. Call inside a
 * transaction, with the outcomes' writes: a result is applied once, and
 * the claims are back if it rolls back. xRow returning non-zero fails the
 * call (AIRC_ERR_NOMEM): roll back. On PostgreSQL one statement.
 * bContinued 0: leaves the results whose worker continued the chain
 * (continuedTi: their next tries are queued and running already) for a
 * later take. A wake that a result rang applies first what gates the
 * next tries, and those after the commit that hands them over
 * (docs/scaling.md). */
AIRC_WUR airc_rc store_work_take_done_or_expired(store *p, int64_t nowUs, int bContinued, store_work_fn xRow,
                                                 void *pCtx, airc_err *pErr);

/* *pb = 1 if some claim has a result or an expired lease (a cheap poll). */
AIRC_WUR airc_rc store_work_has_news(store *p, int64_t nowUs, int *pb /* OUT */, airc_err *pErr);

/* *pbExists = 1 if try (tiId, tryNumber) has a claim row. */
AIRC_WUR airc_rc store_work_exists(store *p, int64_t tiId, int tryNumber, int *pbExists /* OUT */, airc_err *pErr);

/* Deletes claims whose try is no longer the task instance's current one in
 * queued or running (cleared, marked, deleted): their workers lose the
 * lease at the next renewal and stop the try. *pn = rows deleted. */
AIRC_WUR airc_rc store_work_delete_stale(store *p, int *pn /* OUT */, airc_err *pErr);

/* ---- the worker's side ---- */

/* A claimed try: ids and the launch request (owned: free() it). */
typedef struct store_work_claimed {
  int64_t tiId;
  int tryNumber;
  char *zRequest;
  int bAdopt; /* its task instance is still `queued`: store_work_adopt records it started */
} store_work_claimed;

/* Claims the oldest unclaimed try of queue zQueue for worker zWorker with
 * lease token zToken until leaseUntilUs. On SQLite its task instance
 * becomes `running` with hostname zWorker and start time nowUs; on
 * PostgreSQL it stays `queued` (bAdopt): the worker records it started
 * with store_work_adopt once it has run a while, and a try that ends
 * sooner is recorded by its outcome alone (start time and host included):
 * an update of the task instance and its five indexes fewer per short
 * try. Either way a task instance that is no longer
 * queued with this try (cleared, marked) is not claimed: its stale claim
 * is dropped. Atomic: SQLite in its own (nested) BEGIN IMMEDIATE
 * transaction, PostgreSQL in one statement. AIRC_ERR_NOTFOUND if nothing
 * is waiting. */
AIRC_WUR airc_rc store_work_claim(store *p, const char *zQueue, const char *zWorker, const char *zToken,
                                  int64_t nowUs, int64_t leaseUntilUs, store_work_claimed *pOut /* OUT */,
                                  airc_err *pErr);

/* The same for up to nMax (1..STORE_WORK_CLAIM_MAX) tries at once, in
 * order, all with lease token zToken: *pn of aOut (room for nMax) are
 * filled, each zRequest owned by the caller. AIRC_ERR_NOTFOUND (*pn = 0) if
 * nothing is waiting. A fan-out's free slots fill in one round trip. */
#define STORE_WORK_CLAIM_MAX 64
AIRC_WUR airc_rc store_work_claim_batch(store *p, const char *zQueue, const char *zWorker, const char *zToken,
                                        int64_t nowUs, int64_t leaseUntilUs, int nMax,
                                        store_work_claimed *aOut /* OUT */, int *pn /* OUT */, airc_err *pErr);

/* A claim whose COMMIT got no answer (the connection was lost in it: a
 * server restart, a network cut) may have committed. The worker keeps the
 * token it drew for it and, once the store answers again, asks here: if a
 * claim with lease token zToken exists, with no result and a lease that
 * has not ended at nowUs, its lease is extended to leaseUntilUs and aOut
 * are those tries, up to nMax (a batch claim shares one token; the worker
 * starts them: it holds their leases), *pn of them, each zRequest owned by
 * the caller, bAdopt set on PostgreSQL (store_work_adopt: it also takes a
 * task instance this worker already made `running`). Else AIRC_ERR_NOTFOUND: the claim did not commit, or its
 * lease ended (the scheduler fails or retries the try). Opens its own
 * transaction. */
AIRC_WUR airc_rc store_work_claim_recover(store *p, const char *zToken, int64_t nowUs, int64_t leaseUntilUs,
                                          int nMax, store_work_claimed *aOut /* OUT */, int *pn /* OUT */,
                                          airc_err *pErr);

/* A try handed to this worker (store_work_enqueue_assigned), as its
 * wake-up or store_work_assigned_each gives it. */
typedef struct store_work_pushed {
  int64_t tiId;
  int tryNumber;
  char zToken[40];
  int64_t leaseUntilUs;
  char *zRequest; /* owned: free() it; NULL when it did not fit in the wake-up (read it with
                   * store_work_assigned_each) */
} store_work_pushed;

/* The tries handed to worker zWorker that hold no result and whose lease
 * token begins with zPrefix (STORE_WORK_PREFIX_LEN hexadecimal digits: the
 * worker process's own, so that a restarted worker of the same name never
 * takes what its predecessor may have started), oldest first: *pn of aOut (room
 * for nMax), each zRequest owned by the caller. The caller skips those it
 * runs already. */
#define STORE_WORK_PREFIX_LEN 8
AIRC_WUR airc_rc store_work_assigned_each(store *p, const char *zWorker, const char *zPrefix,
                                          store_work_pushed *aOut /* OUT */, int nMax, int *pn /* OUT */,
                                          airc_err *pErr);

/* Records a handed try, or one claimed on PostgreSQL (bAdopt), as started
 * by worker zWorker at nowUs: its lease runs to leaseUntilUs and its task
 * instance becomes `running` with hostname zWorker. Fenced: *pbHeld = 0 (nothing written) when the claim
 * no longer carries zToken or its task instance moved on (cleared,
 * marked): the worker must stop the try. One statement, its own
 * transaction. */
AIRC_WUR airc_rc store_work_adopt(store *p, int64_t tiId, int tryNumber, const char *zToken, const char *zWorker,
                                  int64_t nowUs, int64_t leaseUntilUs, int *pbHeld /* OUT */, airc_err *pErr);

/* Gives a handed try back to its queue (the worker has no free slot, or
 * is stopping): the claim is unheld again and the queue's workers are
 * woken. Fenced by zToken (nothing happens when it is not held with it).
 * Its own transaction. */
AIRC_WUR airc_rc store_work_release(store *p, int64_t tiId, int tryNumber, const char *zToken, airc_err *pErr);

/* Records the supervisor's pid and the log path on the task instance,
 * fenced. *pbHeld = 0 if the lease is lost (nothing written). */
AIRC_WUR airc_rc store_work_set_pid(store *p, int64_t tiId, int tryNumber, const char *zToken, int pid,
                                    const char *zLogPath, int *pbHeld /* OUT */, airc_err *pErr);

/* Extends the lease to untilUs, fenced. *pbHeld = 0 if it is lost. */
AIRC_WUR airc_rc store_work_renew(store *p, int64_t tiId, int tryNumber, const char *zToken, int64_t untilUs,
                                  int *pbHeld /* OUT */, airc_err *pErr);

/* Leaves the try's result (JSON text, borrowed), fenced: *pbHeld = 0 if
 * the lease was lost (the result is ignored: a newer try owns the task
 * instance, or the scheduler already failed this one). On PostgreSQL the
 * schedulers are woken when the caller's transaction commits. */
AIRC_WUR airc_rc store_work_finish(store *p, int64_t tiId, int tryNumber, const char *zToken, const char *zResult,
                                   int *pbHeld /* OUT */, airc_err *pErr);

/* The end of a try in one round trip: appends its last log chunk seq (n
 * bytes of z, borrowed; z NULL: none), leaves its result and its log path
 * zLogPath (NULL: none) in the claim as store_work_finish does (fenced:
 * *pbHeld = 0 if the lease was lost; the chunk is written all the same)
 * and deletes the try's stop requests (a request that came too late has
 * nothing left to stop). The task instance is not written: the take gives
 * the log path with the result (pRow->pCur->zLogPath) and the outcome
 * records it, with the pid the result names. PostgreSQL: one statement;
 * SQLite: up to three. Outside a transaction or inside the caller's. */
AIRC_WUR airc_rc store_work_finish_log(store *p, int64_t tiId, int tryNumber, const char *zToken,
                                       const char *zLogPath, int seq, const char *z, size_t n, const char *zResult,
                                       int *pbHeld /* OUT */, airc_err *pErr);

/* One finished try for store_work_finish_many: store_work_finish_log's
 * arguments, and what came of it. */
typedef struct store_work_finish_item {
  int64_t tiId;
  int tryNumber;
  const char *zToken;
  const char *zLogPath; /* NULL: none */
  int seq;              /* the last log chunk's number */
  const char *z;        /* the last log chunk (n bytes, no NUL in them; borrowed), NULL: none */
  size_t n;
  const char *zResult;
  int bHeld;            /* OUT: as store_work_finish_log's *pbHeld */
} store_work_finish_item;

/* store_work_finish_log for each of a[0..n-1], all or none: on
 * PostgreSQL one statement (a worker whose tries ended together records
 * them in one round trip), else one transaction. */
AIRC_WUR airc_rc store_work_finish_many(store *p, store_work_finish_item *a, int n, airc_err *pErr);

/* A chain's next try, continued by the worker that ran its upstream
 * (docs/scaling.md, "A worker continues a chain"): what the scheduler
 * rendered and authorized when it handed the upstream over. */
typedef struct store_work_next {
  int64_t tiId;
  int tryNumber;          /* its first: the task instance has had none */
  const char *zToken;     /* its lease token: the worker draws it, with its process's prefix */
  const char *zQueue;
  const char *zPool;
  int poolSlots;
  const char *zRequest;   /* its launch request (JSON text) */
  const char *zHolder;    /* the scheduler lease it was authorized under */
  const char *zLeaseToken;
} store_work_next;

/* store_work_finish_log for one successful try, and in the same statement
 * its continuation pNext: the next try is queued and its claim written,
 * already held by zWorker with pNext->zToken until leaseUntilUs, only if
 * this try's result is written (its lease held), that task instance is
 * still `none` or `scheduled` with no try yet, its run is running, its
 * DAG not paused, and the scheduler lease is still (zHolder, zLeaseToken)
 * (locked FOR SHARE: no scheduler takes over before the commit). Its
 * pool's count moves with it (the slot this try frees is the one it
 * takes). The claim taken by the scheduler says so (continuedTi).
 * *pbHeld as store_work_finish_log; *pbContinued = 1 if the next try is
 * this worker's to start now. PostgreSQL only (store_work_can_assign);
 * one statement, its own transaction. */
AIRC_WUR airc_rc store_work_finish_continue(store *p, const store_work_finish_item *pItem, const store_work_next *pNext,
                                            const char *zWorker, int64_t nowUs, int64_t leaseUntilUs,
                                            int *pbHeld /* OUT */, int *pbContinued /* OUT */, airc_err *pErr);

/* ---- wake-ups: a queued try starts at once, a result is seen at once ----
 *
 * PostgreSQL: LISTEN/NOTIFY. store_work_enqueue notifies the try's queue
 * and store_work_finish notifies the schedulers; both notifications are
 * sent by the server when the caller's transaction commits, and not at all
 * if it rolls back. A process LISTENs with store_work_listen, sleeps in
 * poll() on store_work_wait_fd beside its other descriptors, and reads
 * what came with store_work_events, which it must call before each sleep
 * (notifications that arrived during a statement wait in the connection's
 * queue, not on the socket). A wake-up is a hint, never the truth: the
 * caller looks in the store and keeps a slower poll for a lost one.
 * SQLite: none (*pbSupported = 0): callers poll. */
#define STORE_WORK_EV_QUEUED 1u /* a try was queued on one of the queues asked about */
#define STORE_WORK_EV_RESULT 2u /* a worker left a result (or a failure) */
#define STORE_WORK_EV_RESYNC 4u /* connected again: wake-ups may have been missed, so look */
#define STORE_WORK_EV_LOST 8u   /* the connection is lost: nothing to wait on until a statement reconnects */
#define STORE_WORK_EV_QUEUED_OTHER 16u /* a try was queued on one of those queues, offered first to another worker */
#define STORE_WORK_EV_SECRETS 32u /* a connection or a variable changed (store_secret.h's writers notify) */
#define STORE_WORK_EV_PUSHED 64u  /* a try was handed to this worker (store_work_events_pushed) */
#define STORE_WORK_EV_PUSHED_LOST 128u /* more were handed than there was room for: look them up */

/* Subscribes the handle to the wake-ups of mask (QUEUED: a worker;
 * RESULT, SECRETS: a scheduler). After a reconnect they are subscribed again and
 * the next store_work_events says RESYNC. *pbSupported = 0 on a backend
 * without them (nothing done). */
AIRC_WUR airc_rc store_work_listen(store *p, unsigned mask, int *pbSupported /* OUT */, airc_err *pErr);

/* Subscribes a worker process to the tries handed to it: those whose
 * lease token begins with zPrefix (STORE_WORK_PREFIX_LEN lowercase
 * hexadecimal digits, its own; store_work_enqueue_assigned). Each process
 * has a channel of its own, so no other worker is woken for them; read
 * with store_work_events_pushed. Nothing on SQLite. */
AIRC_WUR airc_rc store_work_listen_handed(store *p, const char *zPrefix, airc_err *pErr);

/* The descriptor to poll() for POLLIN: readable when a wake-up (or the end
 * of the connection) arrived. -1 on SQLite and while the connection is
 * lost. It changes after a reconnect: ask before every sleep. */
int store_work_wait_fd(store *p);

/* Reads what arrived, without blocking; returns STORE_WORK_EV_* flags.
 * QUEUED counts only queues in azQueue (nQueue of them; nQueue 0: any),
 * and only tries offered to everyone or to worker zSelf (NULL: any);
 * those offered first to another worker are QUEUED_OTHER. Outside a
 * transaction. */
unsigned store_work_events(store *p, const char *const *azQueue, int nQueue, const char *zSelf);

/* store_work_events that also gives the tries handed to worker zSelf
 * whose lease token begins with zPrefix: up to nMax appended to aPush from
 * index *pnPush on (the caller owns their requests), STORE_WORK_EV_PUSHED
 * when any was, STORE_WORK_EV_PUSHED_LOST when some did not fit. Tries
 * handed to another worker wake nobody else. */
unsigned store_work_events_pushed(store *p, const char *const *azQueue, int nQueue, const char *zSelf,
                                  const char *zPrefix, store_work_pushed *aPush, int nMax, int *pnPush);

/* ---- logs of tries on other hosts ---- */

/* Appends chunk seq (0, 1, ...) of a try's log: n bytes of z (borrowed;
 * stored as text: bytes that are not UTF-8 are the writer's business). A
 * chunk written twice (a retried transaction) keeps the first. */
AIRC_WUR airc_rc store_work_log_append(store *p, int64_t tiId, int tryNumber, int seq, const char *z, size_t n,
                                       airc_err *pErr);

/* Calls xChunk(pCtx, z, n) for each log chunk of the try from number
 * fromSeq on, in order; *pnChunk = how many it gave (a follower asks next
 * from fromSeq + *pnChunk). */
typedef int (*store_work_log_fn)(void *pCtx, const char *z, size_t n);
AIRC_WUR airc_rc store_work_log_each(store *p, int64_t tiId, int tryNumber, int fromSeq, store_work_log_fn xChunk,
                                     void *pCtx, int *pnChunk /* OUT */, airc_err *pErr);

/* ---- several schedulers ---- */

/* Takes or renews the scheduler lease for zHolder with token zToken until
 * untilUs: succeeds when nobody holds it, when the holder's lease ended
 * before nowUs, or when (zHolder, zToken) hold it already. *pbHeld = 1 if
 * we hold it now; otherwise *zCurHolder (may be NULL) says who does. */
AIRC_WUR airc_rc store_sched_lease_take(store *p, const char *zHolder, const char *zToken, int64_t nowUs,
                                        int64_t untilUs, int *pbHeld /* OUT */, char *zCurHolder, size_t nCur,
                                        airc_err *pErr);

/* Fences the caller's transaction by the lease that (zHolder, zToken)
 * took: the transaction commits only if they still hold it, unexpired at
 * nowUs, and no one can take it over before it ends (PostgreSQL: FOR
 * SHARE). Otherwise it fails with AIRC_ERR_BUSY ("scheduler lease lost")
 * and nothing of it is kept. On PostgreSQL the check rides with the
 * transaction's next statement or its COMMIT (no round trip of its own):
 * the error may come from there. A lease is renewed only by
 * store_sched_lease_take. */
AIRC_WUR airc_rc store_sched_lease_fence(store *p, const char *zHolder, const char *zToken, int64_t nowUs,
                                         airc_err *pErr);

/* Gives the lease up (a scheduler stopping): the standby takes over at
 * once instead of waiting for it to expire. Not held: no-op. */
AIRC_WUR airc_rc store_sched_lease_release(store *p, const char *zHolder, const char *zToken, airc_err *pErr);

#endif
