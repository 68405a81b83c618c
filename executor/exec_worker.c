/* exec_worker.c: `airc worker` (see exec_worker.h and docs/scaling.md).
 *
 * One single-threaded loop: reap supervisors, record finished tries,
 * renew leases (and ship log growth) in one short transaction, claim what
 * free slots allow, sleep in poll() on a signalfd until the next timer.
 * On PostgreSQL the worker LISTENs for tries queued on its queues and also
 * sleeps on the store's connection: a queued try is claimed at once, and
 * [worker] poll_ms is only the fallback for a lost notification (after a
 * lost connection: every WORKER_RECONNECT_US until the store answers). A
 * finished try frees a slot: the worker looks for the next one at once.
 * Leases: renewed every lease/4; a supervisor kills its task when its
 * lease has 1/4 left unrenewed, so the task is dead before the scheduler
 * may hand the try to another worker (clocks of the hosts must agree to
 * better than lease/4).
 * A store that fails with a transient error (down, restarting, cut off)
 * pauses all store work with a capped backoff (WORKER_BUSY_MIN_US up to
 * WORKER_BUSY_MAX_US or lease/8), logged once per episode; supervisors and
 * their tries carry on meanwhile, and results wait in their files. A claim
 * whose commit went unanswered is looked up by its lease token once the
 * store answers (store_work_claim_recover): if it committed, the worker
 * holds it and runs it. */
#include "executor/exec_worker.h"
#include "common/backoff.h"
#include "common/config.h"
#include "common/fsafe.h"
#include "common/log.h"
#include "common/timeutil.h"
#include "common/uuid.h"
#include "executor/exec_pool.h"
#include "executor/exec_result.h"
#include "executor/exec_spawn.h"
#include "store/store_control.h"
#include "store/store_work.h"
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define WORKER_LOG_CHUNK (64 * 1024)
#define WORKER_BUSY_MIN_US (100 * 1000LL)  /* first pause after a store error */
#define WORKER_BUSY_MAX_US (1000 * 1000LL) /* longest pause */
#define WORKER_RECONNECT_US 1000000
#define WORKER_STOP_CHECK_US 500000 /* how often a busy worker looks for stop requests */
#define WORKER_DEFER_US 50000 /* a try offered first to another worker: claim it after this */
/* a handed or (PostgreSQL) claimed try is recorded started
 * (store_work_adopt) once it has run this long: one that ends sooner is
 * recorded by its result alone (one statement instead of two, none of
 * them on the chain's path) */
#define WORKER_ADOPT_AFTER_US 20000
/* lease sockets polled for EXEC_LEASE_DONE, at most (the tries beyond are
 * seen done when their supervisors exit) */
#define WORKER_POLL_TRIES_MAX 256

typedef struct worker_try {
  int64_t tiId;
  int tryNumber;
  char zToken[UUID_STR_LEN];
  pid_t pid;           /* 0 once reaped */
  int leaseWr;         /* the worker's end of the supervisor's lease socketpair; -1 once lost */
  int bDone;           /* the supervisor said its result is written (EXEC_LEASE_DONE), or hung up */
  char zLog[4400];
  off_t logOff;        /* bytes shipped */
  int logSeq;          /* next chunk number */
  int pidToRecord;     /* the supervisor's pid, not in the store yet (0: recorded) */
  int bAdopt;          /* started, its task instance still `queued` in the store (store_work_adopt) */
  int64_t startUs;     /* when it was handed to its supervisor */
  json_t *pChain;      /* the chain after it, as its request carried it (a reference), NULL: none */
  size_t iChain;       /* its next link in pChain (finish_continue) */
} worker_try;

typedef struct worker {
  exec_worker_opts o;
  char zName[256];
  store *s;
  worker_try *aTry;
  int nTry;
  int64_t leaseUs, pollUs;
  airc_backoff busy;     /* transient store errors */
  int64_t storeRetryAt;  /* no store work before this (0: none pending) */
  char zUnsure[UUID_STR_LEN]; /* token of a claim whose commit went unanswered; "" if none */
  int bMore; /* the last claim stopped at a full house: tries may be waiting */
  exec_pool *pPool; /* warm supervisors ([worker] supervisor_pool), the worker's own children */
  /* this process's lease-token prefix: its claims' tokens begin with it,
   * and a scheduler that hands it a try gives the try a token that does
   * too (store_work.h); a later process of the same name has another */
  char zPrefix[STORE_WORK_PREFIX_LEN + 1];
  store_work_pushed aPush[STORE_WORK_CLAIM_MAX]; /* handed to us, not started yet */
  int nPush;
  int bPushLookup; /* handed tries may have been missed (a reconnect, a full aPush, a request too long for the
                    * wake-up): look them up in the store */
  int bStopping;   /* a stop was asked: no new claims, no continuations */
} worker;

/* A store call failed with a transient error: no store work until the
 * backoff's pause has passed; one warning per episode. */
static void worker_store_failed(worker *W, const char *zWhat, const airc_err *pErr) {
  int bNew = 0;
  int64_t delay = airc_backoff_fail(&W->busy, airc_backoff_clock_us(), &bNew);
  if(bNew)
    LOG_WARN("store unavailable, retrying with backoff: %s: %s (running tries carry on; a supervisor stops its task "
             "after %.1f s without a renewal)",
             zWhat, pErr->zMsg, (double)(W->leaseUs * 3 / 4) / 1e6);
  else LOG_DEBUG("store still unavailable (attempt %u): %s: %s", W->busy.nFail, zWhat, pErr->zMsg);
  W->storeRetryAt = airc_now_us() + delay;
}

/* A store transaction went through: ends an episode, if one was open. */
static void worker_store_ok(worker *W) {
  unsigned nFail = 0;
  int64_t us = airc_backoff_ok(&W->busy, airc_backoff_clock_us(), &nFail);
  if(us >= 0) LOG_INFO("store available again after %.1f s (%u attempts failed)", (double)us / 1e6, nFail);
  W->storeRetryAt = 0;
}

/* 1 while a store error's pause lasts. */
static int worker_store_paused(const worker *W) { return W->storeRetryAt && airc_now_us() < W->storeRetryAt; }

/* Ships what the try's log gained since the last call (inside the
 * caller's transaction). A transient error leaves the offset alone. */
static airc_rc ship_log(worker *W, worker_try *t, airc_err *pErr) {
  int fd = open(t->zLog, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if(fd < 0) return AIRC_OK;
  airc_rc rc = AIRC_OK;
  char *aBuf = malloc(WORKER_LOG_CHUNK);
  while(aBuf && !rc) {
    ssize_t n = pread(fd, aBuf, WORKER_LOG_CHUNK, t->logOff);
    if(n <= 0) break;
    /* text columns stop at a NUL: replace them */
    for(ssize_t i = 0; i < n; i++)
      if(!aBuf[i]) aBuf[i] = ' ';
    rc = store_work_log_append(W->s, t->tiId, t->tryNumber, t->logSeq, aBuf, (size_t)n, pErr);
    if(!rc) {
      t->logOff += n;
      t->logSeq++;
    }
  }
  free(aBuf);
  close(fd);
  return rc;
}

/* A log line of the worker's own about a try (no supervisor ran). */
static void log_append_line(const char *zPath, const char *zLine) {
  exec_mkdirs_for(zPath);
  int fd = fsafe_open(zPath, O_WRONLY | O_CREAT | O_APPEND);
  if(fd < 0) return;
  char z[1400], zTs[48];
  int n = snprintf(z, sizeof(z), "[%s] [airc] %s\n", airc_time_format_us(airc_now_us(), zTs, sizeof(zTs)), zLine);
  ssize_t w = write(fd, z, (size_t)(n < (int)sizeof(z) ? n : (int)sizeof(z) - 1));
  (void)w;
  close(fd);
}

/* The failed result of a try the worker could not start or whose
 * supervisor left none (JSON text, owned; NULL: out of memory). */
static char *failed_result_json(int64_t tiId, int tryNumber, const char *zReason) {
  int64_t now = airc_now_us();
  json_t *p = json_pack("{sI si ss si si sb sI sI si ss}", "ti_id", (json_int_t)tiId, "try_number", tryNumber,
                        "state", "failed", "exit_code", -1, "signal", 0, "timed_out", 0, "start_us", (json_int_t)now,
                        "end_us", (json_int_t)now, "pid", 0, "reason", zReason);
  char *z = p ? json_dumps(p, JSON_COMPACT) : NULL;
  json_decref(p);
  return z;
}

/* Leaves a failed result for a try the worker could not start. */
static void finish_failed(worker *W, int64_t tiId, int tryNumber, const char *zToken, const char *zReason) {
  char *z = failed_result_json(tiId, tryNumber, zReason);
  int bHeld = 0;
  airc_err err = {0};
  if(!z || store_work_finish(W->s, tiId, tryNumber, zToken, z, &bHeld, &err))
    LOG_WARN("task instance %lld try %d: cannot record its failure (%s); its lease expires and the scheduler retries it",
             (long long)tiId, tryNumber, z ? err.zMsg : "out of memory");
  free(z);
}

/* The data rule (docs/scaling.md): files a task reads from upstream tasks
 * (the `path` of an upstream XCom value, the `input` option) must be
 * readable on this host. 0 if they are, else -1 with the reason. */
static int inputs_readable(worker *W, json_t *pReq, char *zWhy, size_t nWhy) {
  json_t *pUp = json_object_get(pReq, "upstream_xcom");
  const char *zKey;
  json_t *pV;
  json_object_foreach(pUp, zKey, pV) {
    const char *zPath = json_string_value(json_object_get(pV, "path"));
    if(zPath && *zPath && access(zPath, R_OK)) {
      snprintf(zWhy, nWhy,
               "input %s (from upstream task '%s') is not readable on host %s: %s; tasks that hand files to each "
               "other need a [core] data_folder shared by every worker host, or one queue (docs/scaling.md)",
               zPath, zKey, W->zName, strerror(errno));
      return -1;
    }
  }
  const char *zIn = json_string_value(json_object_get(json_object_get(pReq, "options"), "input"));
  if(zIn && *zIn && access(zIn, R_OK)) {
    snprintf(zWhy, nWhy, "input %s is not readable on host %s: %s; tasks that hand files to each other need a "
             "[core] data_folder shared by every worker host, or one queue (docs/scaling.md)",
             zIn, W->zName, strerror(errno));
    return -1;
  }
  return 0;
}

#define WORKER_CONTINUED 2 /* start_try's bHanded: a try this worker queued itself (finish_continue) */

/* Starts try c, claimed (or, bHanded, handed to this worker; WORKER_CONTINUED:
 * link iChain - 1 of pChain, queued by this worker), under lease
 * token zToken; one left `queued` (c->bAdopt) is recorded started by
 * adopt_due. On failure, its failed result is recorded. */
static void start_try(worker *W, const store_work_claimed *c, const char *zToken, int64_t leaseUntil, int bHanded,
                      json_t *pChain, size_t iChain) {
  char zWhy[1200] = "";
  json_error_t je;
  json_t *pReq = json_loads(c->zRequest, 0, &je);
  if(!json_is_object(pReq)) {
    json_decref(pReq);
    finish_failed(W, c->tiId, c->tryNumber, zToken, "unreadable launch request in the store");
    return;
  }
  const char *zDag = json_string_value(json_object_get(pReq, "dag_id"));
  const char *zRun = json_string_value(json_object_get(pReq, "run_id"));
  const char *zTask = json_string_value(json_object_get(pReq, "task_id"));
  worker_try t;
  memset(&t, 0, sizeof(t));
  t.tiId = c->tiId;
  t.tryNumber = c->tryNumber;
  t.leaseWr = -1;
  t.startUs = airc_now_us();
  t.bAdopt = c->bAdopt; /* adopt_due, WORKER_ADOPT_AFTER_US from now */
  snprintf(t.zToken, sizeof(t.zToken), "%s", zToken);
  /* this host's log folder and home, not the scheduler's */
  json_t *pMapIndex = json_object_get(pReq, "map_index");
  exec_log_path_mapped(zDag ? zDag : "?", zRun ? zRun : "?", zTask ? zTask : "?",
                       pMapIndex ? (int)json_integer_value(pMapIndex) : -1, c->tryNumber, t.zLog, sizeof(t.zLog));
  json_object_set_new(pReq, "log_path", json_string(t.zLog));
  if(!json_string_value(json_object_get(pReq, "cwd"))) json_object_set_new(pReq, "cwd", json_string(airc_home()));
  json_object_set_new(pReq, "lease", json_pack("{sI sI}", "until_us", (json_int_t)leaseUntil, "margin_us",
                                               (json_int_t)(W->leaseUs / 4)));
  /* the chain's next tries are this worker's business, not the supervisor's */
  json_t *pOwn = json_object_get(pReq, "chain");
  if(pChain) {
    t.pChain = json_incref(pChain); /* a link of a chain this worker continues */
    t.iChain = iChain;
  } else if(json_is_array(pOwn) && json_array_size(pOwn)) {
    t.pChain = json_incref(pOwn);
  }
  json_object_del(pReq, "chain");
  int aPipe[2] = {-1, -1};
  pid_t pid = 0;
  airc_err err = {0};
  char *zReq = NULL;
  if(inputs_readable(W, pReq, zWhy, sizeof(zWhy))) {
    /* zWhy says which */
  } else if(!(zReq = json_dumps(pReq, JSON_COMPACT))) {
    snprintf(zWhy, sizeof(zWhy), "cannot serialise the task request");
  } else if(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, aPipe)) {
    /* a socketpair, not a pipe: the supervisor answers on it when its
     * result is written (exec_spawn.h), before its exit */
    snprintf(zWhy, sizeof(zWhy), "lease socketpair: %s", strerror(errno));
  } else if(exec_spawn_json(c->tiId, c->tryNumber, zReq, aPipe[0], W->pPool, &pid, &err)) {
    snprintf(zWhy, sizeof(zWhy), "%s", err.zMsg);
  }
  free(zReq);
  char zWhat[900]; /* for the log: the request's text dies with it */
  snprintf(zWhat, sizeof(zWhat), "%s.%s (%s)", zDag ? zDag : "?", zTask ? zTask : "?", zRun ? zRun : "?");
  json_decref(pReq);
  if(aPipe[0] >= 0) close(aPipe[0]);
  if(zWhy[0]) {
    if(aPipe[1] >= 0) close(aPipe[1]);
    LOG_WARN("task instance %lld try %d: %s", (long long)c->tiId, c->tryNumber, zWhy);
    log_append_line(t.zLog, zWhy);
    airc_err lerr = {0};
    if(ship_log(W, &t, &lerr)) LOG_DEBUG("ship log: %s", lerr.zMsg);
    finish_failed(W, c->tiId, c->tryNumber, zToken, zWhy);
    json_decref(t.pChain);
    return;
  }
  fcntl(aPipe[1], F_SETFL, O_NONBLOCK);
  t.pid = pid;
  t.leaseWr = aPipe[1];
  worker_try *a = realloc(W->aTry, sizeof(worker_try) * (size_t)(W->nTry + 1));
  if(!a) {
    kill(pid, SIGKILL); /* cannot keep track of it: it must not run */
    close(aPipe[1]);
    json_decref(t.pChain);
    return;
  }
  /* the pid and log path go to the task instance with the next lease
   * renewal; a short try's log path goes with its result instead (no
   * statement of its own), and the outcome records it */
  t.pidToRecord = (int)pid;
  W->aTry = a;
  W->aTry[W->nTry++] = t;
  LOG_INFO("running %s try %d%s, task instance %lld, supervisor pid %d", zWhat, c->tryNumber,
           bHanded == WORKER_CONTINUED ? " (continued by this worker)" : bHanded ? " (handed to this worker)" : "",
           (long long)c->tiId, (int)pid);
}

/* 1 if this worker runs try (tiId, tryNumber) under zToken already. */
static int try_held(const worker *W, int64_t tiId, int tryNumber, const char *zToken) {
  for(int i = 0; i < W->nTry; i++)
    if(W->aTry[i].tiId == tiId && W->aTry[i].tryNumber == tryNumber && !strcmp(W->aTry[i].zToken, zToken)) return 1;
  return 0;
}

/* A claim whose commit went unanswered: if it committed, this worker
 * holds its tries (a batch shares one token) and starts them now. 0 when
 * settled, -1 while the store fails. */
static int recover_claim(worker *W) {
  int64_t now = airc_now_us();
  store_work_claimed a[STORE_WORK_CLAIM_MAX];
  int n = 0;
  airc_err err = {0};
  airc_rc rc = store_work_claim_recover(W->s, W->zUnsure, now, now + W->leaseUs, STORE_WORK_CLAIM_MAX, a, &n, &err);
  if(rc && airc_rc_is_transient(rc)) {
    worker_store_failed(W, "recover a claim", &err);
    return -1;
  }
  worker_store_ok(W);
  for(int i = 0; !rc && i < n; i++) {
    if(!try_held(W, a[i].tiId, a[i].tryNumber, W->zUnsure)) {
      LOG_INFO("task instance %lld try %d: its claim committed although the store did not say so: running it",
               (long long)a[i].tiId, a[i].tryNumber);
      start_try(W, &a[i], W->zUnsure, now + W->leaseUs, 0, NULL, 0);
    }
    free(a[i].zRequest);
  }
  if(rc && rc != AIRC_ERR_NOTFOUND) LOG_WARN("recover a claim: %s", err.zMsg);
  W->zUnsure[0] = 0;
  return 0;
}

/* Records the try t (handed, or claimed on PostgreSQL) as started
 * (store_work_adopt). Lost (the claim moved on: its lease expired, the
 * task was cleared or marked): its pipe closes, so its supervisor kills
 * the task. A store that does not answer leaves t->bAdopt set: asked
 * again with the next renewal or result. */
static void adopt_try(worker *W, worker_try *t) {
  int bHeld = 0;
  int64_t now = airc_now_us();
  airc_err err = {0};
  airc_rc rc = store_work_adopt(W->s, t->tiId, t->tryNumber, t->zToken, W->zName, t->startUs, now + W->leaseUs, &bHeld,
                                &err);
  if(rc) {
    if(airc_rc_is_transient(rc)) worker_store_failed(W, "record a try as started", &err);
    else LOG_WARN("task instance %lld try %d: %s", (long long)t->tiId, t->tryNumber, err.zMsg);
    return;
  }
  worker_store_ok(W);
  t->bAdopt = 0;
  if(!bHeld && t->leaseWr >= 0) {
    LOG_WARN("task instance %lld try %d: moved on before it was recorded started: stopping it",
             (long long)t->tiId, t->tryNumber);
    close(t->leaseWr);
    t->leaseWr = -1;
  }
}

/* Starts the tries handed to this worker (W->aPush, and those the store
 * knows of when W->bPushLookup), each without a claim's round trip, then
 * records it started; gives them back to their queue instead while every
 * slot is taken or when stopping (bStopping). */
static void take_handed(worker *W, int bStopping) {
  int bLooked = 0;
  if(W->bPushLookup) {
    store_work_pushed a[STORE_WORK_CLAIM_MAX];
    int n = 0;
    airc_err err = {0};
    airc_rc rc = store_work_assigned_each(W->s, W->zName, W->zPrefix, a, STORE_WORK_CLAIM_MAX, &n, &err);
    if(rc) {
      if(airc_rc_is_transient(rc)) worker_store_failed(W, "look up the tries handed to this worker", &err);
      else LOG_WARN("%s", err.zMsg);
    } else {
      W->bPushLookup = 0;
      bLooked = 1;
      for(int i = 0; i < n; i++) {
        int j = 0;
        while(j < W->nPush && strcmp(W->aPush[j].zToken, a[i].zToken)) j++;
        /* this process's own claims carry its prefix too: those it runs,
         * and one whose commit went unanswered (recover_claim's), are not
         * handed tries */
        if(try_held(W, a[i].tiId, a[i].tryNumber, a[i].zToken) || (j < W->nPush && W->aPush[j].zRequest) ||
           (W->zUnsure[0] && !strcmp(a[i].zToken, W->zUnsure))) {
          free(a[i].zRequest);
        } else if(j < W->nPush) { /* its wake-up had no room for the request */
          W->aPush[j].zRequest = a[i].zRequest;
        } else if(W->nPush < STORE_WORK_CLAIM_MAX) {
          W->aPush[W->nPush++] = a[i];
        } else {
          free(a[i].zRequest);
          W->bPushLookup = 1;
        }
      }
    }
  }
  int k = 0;
  for(int i = 0; i < W->nPush; i++) {
    store_work_pushed *w = &W->aPush[i];
    if(!w->zRequest) {
      if(bLooked) continue; /* not in the store any more (taken over, cleared): nothing to run */
      W->bPushLookup = 1;   /* its request is read with the look-up */
      W->aPush[k++] = *w;
      continue;
    }
    if(try_held(W, w->tiId, w->tryNumber, w->zToken)) {
      free(w->zRequest);
      continue;
    }
    if(airc_now_us() >= w->leaseUntilUs - W->leaseUs / 4) {
      /* this worker was stopped or cut off past the quarter of the lease
       * at which a supervisor kills its task: the scheduler fails or
       * retries this try (maybe elsewhere already). Never started, so its
       * work is done at most once. */
      LOG_WARN("task instance %lld try %d: handed to this worker, but came after its lease's end was near: "
               "not started (the scheduler fails or retries it)",
               (long long)w->tiId, w->tryNumber);
      free(w->zRequest);
      continue;
    }
    if(bStopping || W->nTry >= W->o.nConcurrency) {
      airc_err err = {0};
      airc_rc rc = store_work_release(W->s, w->tiId, w->tryNumber, w->zToken, &err);
      if(rc && airc_rc_is_transient(rc)) {
        worker_store_failed(W, "give a handed try back", &err);
        W->aPush[k++] = *w; /* again after the pause (its lease is long) */
        continue;
      }
      if(rc) LOG_WARN("task instance %lld try %d: %s", (long long)w->tiId, w->tryNumber, err.zMsg);
      else LOG_INFO("task instance %lld try %d: handed to this worker with no slot free: given back to its queue",
                    (long long)w->tiId, w->tryNumber);
      free(w->zRequest);
      continue;
    }
    store_work_claimed c = {w->tiId, w->tryNumber, w->zRequest, 1};
    start_try(W, &c, w->zToken, w->leaseUntilUs, 1, NULL, 0);
    free(w->zRequest);
  }
  W->nPush = k;
}

/* Records as started the handed tries that have run WORKER_ADOPT_AFTER_US
 * and still run; returns when the next one is due (INT64_MAX: none). */
static int64_t adopt_due(worker *W, int64_t now) {
  int64_t next = INT64_MAX;
  for(int i = 0; i < W->nTry && !worker_store_paused(W); i++) {
    worker_try *t = &W->aTry[i];
    if(!t->bAdopt || t->bDone || t->leaseWr < 0) continue;
    if(now >= t->startUs + WORKER_ADOPT_AFTER_US) adopt_try(W, t);
    else if(t->startUs + WORKER_ADOPT_AFTER_US < next) next = t->startUs + WORKER_ADOPT_AFTER_US;
  }
  return next;
}

/* Claims tries while slots are free, queue by queue (one at a time from
 * each while several queues take turns; a single queue fills every free
 * slot in one claim: a fan-out's first wave in one round trip). */
static void claim_tries(worker *W) {
  if(W->zUnsure[0] && recover_claim(W)) return;
  int bAny = 1;
  while(bAny && W->nTry < W->o.nConcurrency) {
    bAny = 0;
    for(int q = 0; q < W->o.nQueue && W->nTry < W->o.nConcurrency; q++) {
      char zToken[UUID_STR_LEN];
      if(uuid_random_v4(zToken)) return;
      memcpy(zToken, W->zPrefix, STORE_WORK_PREFIX_LEN);
      int64_t now = airc_now_us();
      store_work_claimed a[STORE_WORK_CLAIM_MAX];
      int nWant = W->o.nQueue == 1 ? W->o.nConcurrency - W->nTry : 1, n = 0;
      if(nWant > STORE_WORK_CLAIM_MAX) nWant = STORE_WORK_CLAIM_MAX;
      airc_err err = {0};
      airc_rc rc = store_work_claim_batch(W->s, W->o.azQueue[q], W->zName, zToken, now, now + W->leaseUs,
                                          nWant, a, &n, &err);
      if(rc && airc_rc_is_transient(rc)) {
        /* the claim may have committed all the same (its COMMIT went
         * unanswered): look for it by its token when the store is back */
        snprintf(W->zUnsure, sizeof(W->zUnsure), "%s", zToken);
        worker_store_failed(W, "claim a try", &err);
        return;
      }
      worker_store_ok(W);
      if(rc == AIRC_ERR_NOTFOUND) continue;
      if(rc) {
        LOG_WARN("claim on queue '%s': %s", W->o.azQueue[q], err.zMsg);
        return;
      }
      for(int i = 0; i < n; i++) {
        start_try(W, &a[i], zToken, now + W->leaseUs, 0, NULL, 0);
        free(a[i].zRequest);
      }
      if(n == nWant) bAny = 1; /* fewer than asked: the queue is empty */
    }
  }
  /* stopped with every slot taken: more may wait, so a freed slot claims
   * at once; otherwise the next try announces itself (or the poll finds it) */
  W->bMore = W->nTry >= W->o.nConcurrency;
}

/* Renews every running try's lease and ships log growth, in one short
 * transaction; tells each supervisor its new lease end. A lease found lost
 * closes the supervisor's pipe: it kills its task at once. */
static void renew_leases(worker *W) {
  if(!W->nTry) return;
  int64_t now = airc_now_us(), until = now + W->leaseUs;
  airc_err err = {0};
  if(store_begin(W->s, &err)) {
    if(airc_rc_is_transient(err.rc)) worker_store_failed(W, "renew leases", &err);
    else LOG_WARN("renew leases: %s", err.zMsg);
    return;
  }
  int *aHeld = calloc((size_t)W->nTry, sizeof(int));
  airc_rc rc = aHeld ? AIRC_OK : AIRC_ERR_NOMEM;
  for(int i = 0; !rc && i < W->nTry; i++) {
    worker_try *t = &W->aTry[i];
    if(t->leaseWr < 0 || !t->pid) continue;
    if(t->bAdopt) { /* cleared once committed, below */
      rc = store_work_adopt(W->s, t->tiId, t->tryNumber, t->zToken, W->zName, t->startUs, until, &aHeld[i], &err);
    } else {
      rc = store_work_renew(W->s, t->tiId, t->tryNumber, t->zToken, until, &aHeld[i], &err);
    }
    int bPid = 0;
    if(!rc && aHeld[i] && t->pidToRecord)
      rc = store_work_set_pid(W->s, t->tiId, t->tryNumber, t->zToken, t->pidToRecord, t->zLog, &bPid, &err);
    if(!rc && aHeld[i]) rc = ship_log(W, t, &err);
  }
  if(!rc) rc = store_commit(W->s, &err);
  else store_rollback(W->s);
  if(rc) {
    /* not renewed: the supervisors' deadlines stand; they kill their tasks
     * if the store stays out of reach */
    if(airc_rc_is_transient(rc)) worker_store_failed(W, "renew leases", &err);
    else LOG_WARN("renew leases: %s", err.zMsg);
    free(aHeld);
    return;
  }
  worker_store_ok(W);
  for(int i = 0; i < W->nTry; i++) {
    worker_try *t = &W->aTry[i];
    if(t->leaseWr < 0 || !t->pid) continue;
    t->bAdopt = 0; /* recorded started (or found lost) with the renewal */
    if(aHeld[i]) {
      t->pidToRecord = 0; /* committed with the renewal */
      ssize_t w = write(t->leaseWr, &until, sizeof(until));
      (void)w; /* a full pipe: the supervisor reads the newest value anyway */
    } else {
      LOG_WARN("task instance %lld try %d: lease lost (taken over, cleared or expired): stopping it", (long long)t->tiId,
               t->tryNumber);
      close(t->leaseWr); /* end of file: the supervisor kills the task */
      t->leaseWr = -1;
    }
  }
  free(aHeld);
}

/* Reads the whole file zPath (under 1 MB) as text; NULL if it is missing,
 * empty or too large. Owned by the caller. */
static char *read_small_file(const char *zPath) {
  char *zText = NULL;
  int fd = fsafe_open(zPath, O_RDONLY);
  if(fd < 0) return NULL;
  struct stat st;
  if(!fstat(fd, &st) && st.st_size > 0 && st.st_size < 1024 * 1024) {
    zText = malloc((size_t)st.st_size + 1);
    ssize_t n = zText ? pread(fd, zText, (size_t)st.st_size, 0) : -1;
    if(n != st.st_size) {
      free(zText);
      zText = NULL;
    } else {
      zText[n] = 0;
    }
  }
  close(fd);
  return zText;
}

/* Ships the try's log growth but its last chunk (up to WORKER_LOG_CHUNK
 * bytes, which goes with the result): *pzLast (owned, NUL-free; NULL if
 * nothing is left) and *pnLast. The supervisor has exited: the log no
 * longer grows. */
static airc_rc ship_log_but_last(worker *W, worker_try *t, char **pzLast, size_t *pnLast, airc_err *pErr) {
  *pzLast = NULL;
  *pnLast = 0;
  int fd = open(t->zLog, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if(fd < 0) return AIRC_OK;
  struct stat st;
  airc_rc rc = AIRC_OK;
  if(!fstat(fd, &st) && st.st_size - t->logOff > WORKER_LOG_CHUNK) {
    close(fd);
    rc = ship_log(W, t, pErr); /* a long log: chunk by chunk, the result alone */
    return rc;
  }
  char *aBuf = malloc(WORKER_LOG_CHUNK);
  ssize_t n = aBuf ? pread(fd, aBuf, WORKER_LOG_CHUNK, t->logOff) : -1;
  close(fd);
  if(n <= 0) {
    free(aBuf);
    return AIRC_OK;
  }
  for(ssize_t i = 0; i < n; i++) /* text columns stop at a NUL */
    if(!aBuf[i]) aBuf[i] = ' ';
  *pzLast = aBuf;
  *pnLast = (size_t)n;
  return rc;
}

/* What a try's record needs, read once its supervisor has exited. */
typedef struct finish_prep {
  char zPath[4200]; /* its result file */
  char *zText;      /* the result (owned): the file's, or a failed one; NULL: out of memory */
  int bNoResult;    /* the supervisor left no result file */
  char *zLast;      /* the log's last chunk (owned, NUL-free, not terminated), NULL: none */
  size_t nLast;
} finish_prep;

/* Reads try t's result and the last chunk of its log into *f (shipping the
 * chunks before that one: a long log). */
static airc_rc finish_prepare(worker *W, worker_try *t, finish_prep *f, airc_err *pErr) {
  memset(f, 0, sizeof(*f));
  exec_result_path(t->tiId, t->tryNumber, f->zPath, sizeof(f->zPath));
  f->zText = read_small_file(f->zPath);
  f->bNoResult = !f->zText;
  if(f->bNoResult)
    f->zText = failed_result_json(t->tiId, t->tryNumber, "task supervisor exited without reporting a result");
  if(!f->zText) return airc_err_set(pErr, AIRC_ERR_NOMEM, "out of memory");
  return ship_log_but_last(W, t, &f->zLast, &f->nLast, pErr);
}

/* After the store took (rc 0) or refused try i's record: a transient
 * failure keeps the try (and its result file) for after the pause, while
 * its lease holds; anything else removes it, with a line that says how it
 * ended. Frees f's buffers. */
static void finish_after(worker *W, int i, finish_prep *f, airc_rc rc, int bHeld, const airc_err *pErr) {
  worker_try *t = &W->aTry[i];
  if(!rc && f->zLast) {
    t->logOff += (off_t)f->nLast;
    t->logSeq++;
  }
  free(f->zLast);
  f->zLast = NULL;
  if(rc && airc_rc_is_transient(rc)) {
    char zWhat[96];
    snprintf(zWhat, sizeof(zWhat), "record task instance %lld try %d", (long long)t->tiId, t->tryNumber);
    worker_store_failed(W, zWhat, pErr);
    free(f->zText);
    return;
  }
  if(!rc) worker_store_ok(W);
  if(rc == AIRC_ERR_NOMEM && !f->zText) LOG_ERROR("task instance %lld try %d: cannot record its result: out of memory",
                                                  (long long)t->tiId, t->tryNumber);
  else if(rc)
    LOG_ERROR("task instance %lld try %d: cannot record its result: %s", (long long)t->tiId, t->tryNumber, pErr->zMsg);
  else if(!bHeld)
    LOG_WARN("task instance %lld try %d: its lease was lost before it finished: result ignored (fenced)",
             (long long)t->tiId, t->tryNumber);
  else if(f->bNoResult)
    LOG_WARN("task instance %lld try %d: its supervisor exited without reporting a result: failed", (long long)t->tiId,
             t->tryNumber);
  else
    LOG_INFO("task instance %lld try %d finished", (long long)t->tiId, t->tryNumber);
  free(f->zText);
  f->zText = NULL;
  unlink(f->zPath);
  if(t->leaseWr >= 0) close(t->leaseWr);
  json_decref(t->pChain);
  W->aTry[i] = W->aTry[--W->nTry];
}

/* Records try i's result alone (store_work_finish_log), then
 * finish_after: a try left out of, or refused by, a batch, so that one
 * bad record does not drop the others. Reads the try itself, not a batch
 * item's copies of its fields: a continuation started meanwhile may have
 * moved W->aTry. */
static void finish_one(worker *W, int i, finish_prep *f) {
  const worker_try *t = &W->aTry[i];
  airc_err err = {0};
  int bHeld = 0;
  airc_rc rc = store_work_finish_log(W->s, t->tiId, t->tryNumber, t->zToken, t->zLog, t->logSeq, f->zLast, f->nLast,
                                     f->zText, &bHeld, &err);
  finish_after(W, i, f, rc, bHeld, &err);
}

/* Try i succeeded without an XCom value and its request carried a
 * continuation (docs/scaling.md, "A worker continues a chain"): records
 * its result and, in the same statement, queues the chain's next try as
 * this worker's (store_work_finish_continue), then starts that try at
 * once, without waiting for the scheduler. 1 if it recorded (or, the store
 * being away, kept) try i: done with f; 0 to record it the plain way
 * (no success, a continuation the store refused: the statement rolled
 * back as a whole). A commit whose answer was lost is found again by the
 * lookup of tries handed to this worker after the reconnect. */
static int finish_continue(worker *W, int i, finish_prep *f) {
  worker_try *t = &W->aTry[i];
  exec_result res;
  airc_err err = {0};
  if(f->bNoResult || exec_result_parse(f->zText, &res, &err)) return 0;
  const int bSuccess = res.outcome == EXEC_OUTCOME_SUCCESS && !res.pXcom;
  exec_result_clear(&res);
  if(!bSuccess) return 0;
  const json_t *pLink = json_array_get(t->pChain, t->iChain);
  const json_t *pReq = json_object_get(pLink, "request");
  char *zReq = json_is_object(pReq) ? json_dumps(pReq, JSON_COMPACT) : NULL;
  /* its lease token begins as this worker process's, as a handed try's:
   * the lookup of tries handed to it finds it after a lost answer */
  char zToken[UUID_STR_LEN];
  const int bToken = !uuid_random_v4(zToken);
  memcpy(zToken, W->zPrefix, STORE_WORK_PREFIX_LEN);
  store_work_next nx = {json_integer_value(json_object_get(pLink, "ti")),
                        (int)json_integer_value(json_object_get(pLink, "try")),
                        zToken,
                        json_string_value(json_object_get(pLink, "queue")),
                        json_string_value(json_object_get(pLink, "pool")),
                        (int)json_integer_value(json_object_get(pLink, "pool_slots")),
                        zReq,
                        json_string_value(json_object_get(pLink, "holder")),
                        json_string_value(json_object_get(pLink, "lease"))};
  if(!bToken || !zReq || nx.tiId <= 0 || nx.tryNumber <= 0 || !nx.zQueue || !nx.zPool || !nx.zHolder ||
     !nx.zLeaseToken) {
    free(zReq);
    return 0;
  }
  store_work_finish_item it = {t->tiId, t->tryNumber, t->zToken, t->zLog, t->logSeq, f->zLast, f->nLast, f->zText, 0};
  int bHeld = 0, bContinued = 0;
  const int64_t now = airc_now_us();
  airc_rc rc = store_work_finish_continue(W->s, &it, &nx, W->zName, now, now + W->leaseUs, &bHeld, &bContinued, &err);
  if(rc && !airc_rc_is_transient(rc)) {
    LOG_WARN("task instance %lld try %d: its chain was not continued: %s", (long long)t->tiId, t->tryNumber, err.zMsg);
    free(zReq);
    return 0;
  }
  const store_work_claimed c = {nx.tiId, nx.tryNumber, zReq, 1}; /* recorded started by adopt_due, as a handed one */
  json_t *pChain = json_incref(t->pChain);
  const size_t iNext = t->iChain + 1;
  finish_after(W, i, f, rc, bHeld, &err); /* t is gone (or kept: the store is away) */
  if(!rc && bContinued) start_try(W, &c, zToken, now + W->leaseUs, WORKER_CONTINUED, pChain, iNext);
  json_decref(pChain);
  free(zReq);
  return 1;
}

/* Records the results of the tries aiDone[0..n-1] (indexes in W->aTry,
 * highest first), whose supervisors said they are done, each with the last
 * chunk of its log: in one round trip for all of them
 * (store_work_finish_many), one at a time if that is refused for another
 * reason than a store that is away. Removes the ones recorded. */
static void finish_tries(worker *W, const int *aiDone, int n) {
  /* a handed try not recorded started is recorded by its result alone (the
   * outcome fills its start time and host: store_sched_outcome_record) */
  finish_prep *aPrep = calloc((size_t)n, sizeof(*aPrep));
  store_work_finish_item *aItem = calloc((size_t)n, sizeof(*aItem));
  airc_err *aErr = calloc((size_t)n, sizeof(*aErr)); /* a failed preparation's */
  if(!aPrep || !aItem || !aErr) {
    free(aPrep), free(aItem), free(aErr);
    LOG_ERROR("record %d tries' results: out of memory (again at the next wake)", n);
    return;
  }
  /* no transaction: each chunk is written once (its offset moves only when
   * it is stored), and the last one rides with the result. aItem[k] is
   * try aiDone[k]'s; those whose preparation failed are left out of the
   * store call (aErr[k].rc), and nothing is removed from W->aTry before
   * the store has answered (removing moves the last try) */
  int nItem = 0;
  unsigned char *aCont = calloc((size_t)n, 1); /* try aiDone[k] may continue its chain (finish_continue) */
  for(int k = 0; k < n; k++) {
    worker_try *t = &W->aTry[aiDone[k]];
    if(finish_prepare(W, t, &aPrep[k], &aErr[k])) continue;
    if(aCont && t->pChain && t->iChain < json_array_size(t->pChain) && !W->bStopping && store_work_can_assign(W->s)) {
      aCont[k] = 1;
      continue;
    }
    aItem[nItem++] = (store_work_finish_item){t->tiId,        t->tryNumber,   t->zToken,      t->zLog, t->logSeq,
                                              aPrep[k].zLast, aPrep[k].nLast, aPrep[k].zText, 0};
  }
  airc_err err = {0};
  airc_rc rc = nItem ? store_work_finish_many(W->s, aItem, nItem, &err) : AIRC_OK;
  /* highest index first: a removal moves the last try, never one still to do */
  for(int k = 0, j = 0; k < n; k++) {
    if(aErr[k].rc) {
      finish_after(W, aiDone[k], &aPrep[k], aErr[k].rc, 0, &aErr[k]);
      continue;
    }
    if(aCont && aCont[k]) {
      if(!finish_continue(W, aiDone[k], &aPrep[k])) finish_one(W, aiDone[k], &aPrep[k]); /* not continued */
      continue;
    }
    const store_work_finish_item *it = &aItem[j++];
    if(rc && !airc_rc_is_transient(rc)) finish_one(W, aiDone[k], &aPrep[k]); /* refused: each on its own */
    else finish_after(W, aiDone[k], &aPrep[k], rc, it->bHeld, &err);
  }
  free(aPrep), free(aItem), free(aErr), free(aCont);
}

/* Reads the store's wake-ups: a try queued on our queues (or a reconnect,
 * after which some may have been missed) moves the next claim to now; a
 * try offered first to another worker (the one that ran its upstream) to
 * WORKER_DEFER_US from now, so that every worker does not race for every
 * try of a chain; a lost connection to WORKER_RECONNECT_US from now at the
 * latest (the claim reconnects and LISTENs again). Tries handed to this
 * worker go to W->aPush (started by take_handed); after a reconnect, or
 * when more came than aPush holds, they are looked up in the store. */
static void worker_wakeups(worker *W, int64_t now, int64_t *pNextClaim) {
  unsigned ev = store_work_events_pushed(W->s, W->o.azQueue, W->o.nQueue, W->zName, W->zPrefix, W->aPush,
                                         STORE_WORK_CLAIM_MAX, &W->nPush);
  if(ev & (STORE_WORK_EV_PUSHED_LOST | STORE_WORK_EV_RESYNC)) W->bPushLookup = 1;
  if(ev & (STORE_WORK_EV_QUEUED | STORE_WORK_EV_RESYNC)) *pNextClaim = now;
  else if((ev & STORE_WORK_EV_QUEUED_OTHER) && *pNextClaim > now + WORKER_DEFER_US) *pNextClaim = now + WORKER_DEFER_US;
  else if((ev & STORE_WORK_EV_LOST) && *pNextClaim > now + WORKER_RECONNECT_US) *pNextClaim = now + WORKER_RECONNECT_US;
}

/* Stop requests (a user marked a running try, or ended its run): a try this
 * worker holds is stopped as the local scheduler stops its own (SIGUSR1 to
 * the supervisor: SIGTERM to the task's process group, SIGKILL after
 * [core] kill_grace_period), and the request is deleted; its late result is
 * ignored, the instance already carries the new state. Requests for tries
 * held elsewhere are left to their holder. */
static void worker_stop_requested(worker *W) {
  if(!W->nTry) return;
  struct {
    store_stop_request *a;
    int n;
  } L = {NULL, 0};
  airc_err err = {0};
  if(store_stop_request_list(W->s, &L.a, &L.n, &err)) {
    LOG_DEBUG("stop requests: %s", err.zMsg);
    return;
  }
  for(int k = 0; k < L.n; k++) {
    for(int i = 0; i < W->nTry; i++) {
      worker_try *t = &W->aTry[i];
      if(t->tiId != L.a[k].tiId || t->tryNumber != L.a[k].tryNumber || !t->pid) continue;
      if(exec_stop_send(t->pid, t->tiId, t->tryNumber) == 0)
        LOG_INFO("task instance %lld try %d: stopping it on request (supervisor %d)", (long long)t->tiId,
                 t->tryNumber, (int)t->pid);
      if(store_stop_request_delete(W->s, L.a[k].id, &err)) LOG_DEBUG("stop request: %s", err.zMsg);
    }
  }
  free(L.a);
}

static void reap(worker *W) {
  for(;;) {
    int status;
    pid_t pid = waitpid(-1, &status, WNOHANG);
    if(pid < 0 && errno == EINTR) continue;
    if(pid <= 0) break;
    if(exec_pool_reaped(W->pPool, pid)) continue; /* a warm supervisor that timed out, or the fork server */
    for(int i = 0; i < W->nTry; i++)
      if(W->aTry[i].pid == pid) W->aTry[i].pid = 0;
  }
  if(worker_store_paused(W)) return;
  int aiDone[64], n = 0;
  for(int i = W->nTry - 1; i >= 0; i--) {
    if(W->aTry[i].pid && !W->aTry[i].bDone) continue;
    aiDone[n++] = i;
    if(n == (int)(sizeof(aiDone) / sizeof(aiDone[0]))) {
      finish_tries(W, aiDone, n); /* a crowd: by the 64 */
      n = 0;
      if(worker_store_paused(W)) return;
    }
  }
  if(n) finish_tries(W, aiDone, n);
}

/* Fills aPoll (room for nMax) with the lease sockets of tries not done
 * yet, aiTry with their indexes in W->aTry; returns how many. */
static int lease_poll_fill(const worker *W, struct pollfd *aPoll, int *aiTry, int nMax) {
  int n = 0;
  for(int i = 0; i < W->nTry && n < nMax; i++) {
    const worker_try *t = &W->aTry[i];
    if(t->leaseWr < 0 || t->bDone || !t->pid) continue;
    aiTry[n] = i;
    aPoll[n++] = (struct pollfd){t->leaseWr, POLLIN, 0};
  }
  return n;
}

/* What supervisors said on their lease sockets (the n entries
 * lease_poll_fill made, polled since): EXEC_LEASE_DONE, or end of file (it
 * exited), marks the try done: its result is recorded at once, its
 * supervisor reaped whenever it has exited. */
static void lease_poll_read(worker *W, const struct pollfd *aPoll, const int *aiTry, int n) {
  for(int k = 0; k < n; k++) {
    if(!(aPoll[k].revents & (POLLIN | POLLHUP | POLLERR))) continue;
    worker_try *t = &W->aTry[aiTry[k]];
    char a[16];
    ssize_t m = recv(t->leaseWr, a, sizeof(a), MSG_DONTWAIT);
    if(m == 0 || (m > 0 && memchr(a, EXEC_LEASE_DONE, (size_t)m))) t->bDone = 1;
  }
}

airc_rc exec_worker_run(const exec_worker_opts *pOpts, airc_err *pErr) {
  worker W;
  memset(&W, 0, sizeof(W));
  W.o = *pOpts;
  if(W.o.nQueue <= 0) {
    W.o.azQueue[0] = "default";
    W.o.nQueue = 1;
  }
  if(W.o.nConcurrency <= 0) {
    /* [worker] concurrency, default 16 as Airflow's [celery] worker_concurrency:
     * a fan-out with 4 workers of 16 slots measured 0.72x-0.98x local mode's
     * throughput against 0.59x-0.84x with 4 slots (docs/benchmarks.md) */
    int64_t n = airc_config_get_int("worker", "concurrency", EXEC_WORKER_CONCURRENCY_DEFAULT);
    if(n < 1 || n > EXEC_WORKER_CONCURRENCY_MAX)
      return airc_err_set(pErr, AIRC_ERR_INVALID, "[worker] concurrency must be a whole number 1..%d, not %lld",
                          EXEC_WORKER_CONCURRENCY_MAX, (long long)n);
    W.o.nConcurrency = (int)n;
  }
  if(W.o.zName && *W.o.zName) snprintf(W.zName, sizeof(W.zName), "%s", W.o.zName);
  else if(gethostname(W.zName, sizeof(W.zName) - 1) || !W.zName[0]) snprintf(W.zName, sizeof(W.zName), "worker");
  W.leaseUs = airc_config_get_int("worker", "lease_seconds", 20) * 1000000;
  if(W.leaseUs < 2000000) W.leaseUs = 2000000;
  W.pollUs = airc_config_get_int("worker", "poll_ms", 200) * 1000;
  if(W.pollUs < 10000) W.pollUs = 10000;
  char zUuid[UUID_STR_LEN];
  if(uuid_random_v4(zUuid)) return airc_err_set(pErr, AIRC_ERR_IO, "worker: cannot draw random bytes");
  snprintf(W.zPrefix, sizeof(W.zPrefix), "%.*s", STORE_WORK_PREFIX_LEN, zUuid);
  if(fsafe_run_folder(pErr)) return pErr->rc;
  exec_mkdirs(airc_path_logs());
  if(store_open(airc_store_target(), &W.s, pErr)) return pErr->rc;
  airc_err plerr = {0};
  if(store_plan_once(W.s, &plerr)) LOG_WARN("store: statements planned at each run: %s", plerr.zMsg);
  airc_backoff_init(&W.busy, WORKER_BUSY_MIN_US,
                    W.leaseUs / 8 < WORKER_BUSY_MAX_US ? W.leaseUs / 8 : WORKER_BUSY_MAX_US,
                    (uint64_t)getpid() ^ (uint64_t)airc_now_us());
  /* warm supervisors: a try is handed to one (a sendmsg) instead of a
   * posix_spawn + exec; they are forked by a fork server as our children */
  int64_t nPool = airc_config_get_int("worker", "supervisor_pool", W.o.nConcurrency);
  W.pPool = exec_pool_new((int)(nPool < 0 ? 0 : nPool > EXEC_POOL_MAX ? EXEC_POOL_MAX : nPool),
                          (int)airc_config_get_int("core", "supervisor_pool_idle_timeout", EXEC_POOL_IDLE_DEFAULT),
                          0 /* one try per member: each holds its try's lease */);
  if(!W.pPool) {
    store_close(W.s);
    return airc_err_set(pErr, AIRC_ERR_NOMEM, "worker: out of memory");
  }
  int bNotify = 0;
  airc_err lerr = {0};
  if(store_work_listen(W.s, STORE_WORK_EV_QUEUED, &bNotify, &lerr))
    LOG_WARN("listen for queued tries: %s (listening again once the store answers)", lerr.zMsg);
  else if(bNotify && store_work_listen_handed(W.s, W.zPrefix, &lerr))
    LOG_WARN("listen for tries handed to this worker: %s (listening again once the store answers)", lerr.zMsg);
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGCHLD);
  sigaddset(&mask, SIGTERM);
  sigaddset(&mask, SIGINT);
  sigprocmask(SIG_BLOCK, &mask, NULL);
  int sigFd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
  signal(SIGPIPE, SIG_IGN);
  char zQueues[1200] = "";
  for(int q = 0; q < W.o.nQueue; q++) {
    strncat(zQueues, q ? "," : "", sizeof(zQueues) - strlen(zQueues) - 1);
    strncat(zQueues, W.o.azQueue[q], sizeof(zQueues) - strlen(zQueues) - 1);
  }
  LOG_INFO("worker '%s' started (pid %d, queues %s, concurrency %d, supervisor pool %d, lease %llds, logs %s)",
           W.zName, (int)getpid(), zQueues, W.o.nConcurrency, (int)nPool, (long long)(W.leaseUs / 1000000),
           airc_path_logs());
  int nStop = 0;
  int64_t nextRenew = airc_now_us() + W.leaseUs / 4, nextClaim = 0, nextStopCheck = 0;
  while(nStop == 0 || (nStop == 1 && W.nTry > 0)) {
    int nBefore = W.nTry;
    reap(&W);
    int64_t now = airc_now_us();
    if(W.nTry < nBefore && W.bMore) nextClaim = now; /* a slot is free and tries wait */
    if(bNotify) worker_wakeups(&W, now, &nextClaim);
    if(now >= nextRenew && !worker_store_paused(&W)) {
      renew_leases(&W);
      /* not renewed: again when the pause ends */
      nextRenew = W.storeRetryAt > now ? W.storeRetryAt : now + W.leaseUs / 4;
    }
    if(now >= nextStopCheck && !worker_store_paused(&W)) {
      worker_stop_requested(&W);
      nextStopCheck = now + WORKER_STOP_CHECK_US;
    }
    if((W.nPush || W.bPushLookup) && !worker_store_paused(&W)) take_handed(&W, nStop > 0);
    int64_t nextAdopt = adopt_due(&W, now);
    if(!nStop && now >= nextClaim && !worker_store_paused(&W)) {
      claim_tries(&W);
      nextClaim = now + W.pollUs;
    }
    /* refilled after the launches, off their critical path */
    airc_err perr = {0};
    if(!nStop && exec_pool_fill(W.pPool, &perr)) LOG_DEBUG("supervisor pool: %s", perr.zMsg);
    now = airc_now_us();
    /* what the statements above received waits in the connection, not on
     * its socket: read it before sleeping */
    if(bNotify) worker_wakeups(&W, now, &nextClaim);
    int64_t wakeAt = nextRenew < nextClaim || nStop ? nextRenew : nextClaim;
    if(W.nTry && nextStopCheck < wakeAt) wakeAt = nextStopCheck;
    if(worker_store_paused(&W)) wakeAt = W.storeRetryAt; /* all store work (results waiting too) resumes then */
    int timeoutMs = wakeAt <= now ? 0 : (int)((wakeAt - now + 999) / 1000);
    if((W.nPush || W.bPushLookup) && !worker_store_paused(&W)) timeoutMs = 0; /* handed tries wait */
    if(nextAdopt != INT64_MAX && !worker_store_paused(&W)) {
      int ms = nextAdopt <= now ? 0 : (int)((nextAdopt - now + 999) / 1000);
      if(timeoutMs < 0 || ms < timeoutMs) timeoutMs = ms;
    }
    struct pollfd aPoll[2 + WORKER_POLL_TRIES_MAX] = {{sigFd, POLLIN, 0},
                                                     {bNotify ? store_work_wait_fd(W.s) : -1, POLLIN, 0}};
    int aiLeaseTry[WORKER_POLL_TRIES_MAX];
    int nLease = lease_poll_fill(&W, aPoll + 2, aiLeaseTry, WORKER_POLL_TRIES_MAX);
    int n = poll(aPoll, (nfds_t)(2 + nLease), timeoutMs);
    if(n < 0 && errno != EINTR) break;
    if(n > 0) lease_poll_read(&W, aPoll + 2, aiLeaseTry, nLease);
    struct signalfd_siginfo si;
    while(read(sigFd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
      if(si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT) {
        nStop++;
        W.bStopping = 1;
        if(nStop == 1)
          LOG_INFO("worker '%s' stopping: no new claims; waiting for %d running tries (signal again to leave them)",
                   W.zName, W.nTry);
      }
    }
  }
  /* left behind (second signal): their pipes close with us, so their
   * supervisors kill them; the leases expire and the scheduler retries */
  for(int i = 0; i < W.nTry; i++) {
    if(W.aTry[i].leaseWr >= 0) close(W.aTry[i].leaseWr);
    json_decref(W.aTry[i].pChain);
  }
  for(int i = 0; i < W.nPush; i++) free(W.aPush[i].zRequest); /* their leases expire: failed or retried */
  free(W.aTry);
  exec_pool_free(W.pPool); /* its members see end of file and exit */
  store_close(W.s);
  close(sigFd);
  sigprocmask(SIG_UNBLOCK, &mask, NULL);
  LOG_INFO("worker '%s' stopped", W.zName);
  return AIRC_OK;
}
