/* sched_sensor.c: the scheduler pokes sensors itself (docs/authoring.md,
 * "Sensors"): no process per poke and no triggerer service.
 *
 * A sensor try is launched like any try (queued, then running, taking a
 * slot) but nothing is forked: it joins the list here. Each iteration, due
 * pokes run: file and external_task pokes at once in the loop (a stat, an
 * indexed query in the iteration's transaction), http and sql pokes on a
 * small thread (they wait on the network; the loop never does) that rings
 * the doorbell when it has an answer. An answer is applied in the next
 * iteration's transaction:
 *  - true: the try succeeds;
 *  - false past `timeout` (counted from the try's first poke): failed, or
 *    skipped with soft_fail;
 *  - false, mode = poke: the try stays running (its slot held) and pokes
 *    again after poke_interval;
 *  - false, mode = reschedule: the task instance goes to
 *    `up_for_reschedule` until the next poke, holding no slot; it is queued
 *    again then (same try number, same start time: store_sched_ti_queue).
 * The list is memory only. What a transaction decided is forgotten only
 * once it commits (sched_sensor_end); a rollback pokes again. A sensor
 * that was running when an earlier scheduler stopped (running, no pid) is
 * rescheduled by the zombie sweep and continues its try. */
#include "scheduler/scheduler_int.h"
#include "common/log.h"
#include "common/timeutil.h"
#include "common/wake.h"
#include "executor/exec_spawn.h"
#include "executor/sensor_poke.h"
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SENSOR_THREADS 2
#define SENSOR_QUEUE_MAX 4096 /* pokes waiting for a thread; more wait for the next iteration */
#define SENSOR_RES_MAX (SENSOR_QUEUE_MAX + SENSOR_THREADS) /* answers not yet applied, at most */

typedef struct sensor_job {
  int64_t tiId, runPk;
  int tryNumber;
  char zDag[256], zTask[256];
  json_t *pOpts;         /* rendered options (owned); spec borrows from it */
  sensor_spec spec;
  json_t *pConn;         /* sql: its connection (owned), else NULL */
  int64_t logicalDate;   /* seconds */
  int64_t startUs;       /* the try's first poke */
  int64_t nextPokeUs;
  int nPoke;
  int bInFlight;         /* a thread pokes it */
  int bDone;             /* decided by the open transaction */
  char zLog[4400];
} sensor_job;

/* A poke handed to a thread: its own copies (jansson values are not
 * shared across threads). */
typedef struct poke_req {
  int64_t tiId;
  int tryNumber;
  json_t *pOpts, *pConn;
} poke_req;

typedef struct poke_res {
  int64_t tiId;
  int tryNumber;
  int bTrue;
  char zWhat[1200];
} poke_res;

struct sched_sensors {
  sensor_job **a;
  int n, nAlloc;
  pthread_t aThread[SENSOR_THREADS];
  int nThread;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  int bStop;
  poke_req *aReq;        /* FIFO: aReq[iReq..nReq) */
  int iReq, nReq, nReqAlloc;
  poke_res *aRes;       /* answers: room for SENSOR_RES_MAX */
  int nRes;
};

static void *poke_thread(void *pArg) {
  struct sched_sensors *P = pArg;
  pthread_mutex_lock(&P->mu);
  for(;;) {
    while(!P->bStop && P->iReq == P->nReq) pthread_cond_wait(&P->cv, &P->mu);
    if(P->bStop) break;
    poke_req q = P->aReq[P->iReq++];
    if(P->iReq == P->nReq) P->iReq = P->nReq = 0;
    pthread_mutex_unlock(&P->mu);
    poke_res r = {q.tiId, q.tryNumber, 0, ""};
    sensor_spec spec;
    const char *zKey = NULL;
    if(sensor_spec_parse(q.pOpts, &spec, &zKey, r.zWhat, sizeof(r.zWhat)) == 0) {
      sensor_env env = {NULL, 0, q.pConn};
      r.bTrue = sensor_poke(&spec, &env, r.zWhat, sizeof(r.zWhat));
    }
    json_decref(q.pOpts);
    json_decref(q.pConn);
    pthread_mutex_lock(&P->mu);
    P->aRes[P->nRes++] = r; /* room for every poke in flight (sensors_get) */
    pthread_mutex_unlock(&P->mu);
    wake_send("result"); /* the loop applies it in its next iteration */
    pthread_mutex_lock(&P->mu);
  }
  pthread_mutex_unlock(&P->mu);
  return NULL;
}

static struct sched_sensors *sensors_get(sched *S) {
  if(S->pSensors) return S->pSensors;
  struct sched_sensors *P = calloc(1, sizeof(*P));
  poke_res *aRes = malloc(sizeof(poke_res) * SENSOR_RES_MAX);
  if(!P || !aRes) {
    free(P);
    free(aRes);
    return NULL;
  }
  P->aRes = aRes;
  pthread_mutex_init(&P->mu, NULL);
  pthread_cond_init(&P->cv, NULL);
  S->pSensors = P;
  return P;
}

/* Starts the threads on the first network poke. */
static void threads_start(struct sched_sensors *P) {
  if(P->nThread) return; /* libcurl: loaded by the first http poke (sensor_poke.c) */
  for(int i = 0; i < SENSOR_THREADS; i++)
    if(pthread_create(&P->aThread[P->nThread], NULL, poke_thread, P) == 0) P->nThread++;
}

static void job_free(sensor_job *j) {
  if(!j) return;
  json_decref(j->pOpts);
  json_decref(j->pConn);
  free(j);
}

/* Appends a line to the try's log (best effort: a sensor's log is its
 * pokes). */
static void job_log(const sensor_job *j, const char *zFmt, ...) __attribute__((format(printf, 2, 3)));
static void job_log(const sensor_job *j, const char *zFmt, ...) {
  if(!j->zLog[0]) return;
  if(exec_mkdirs_for(j->zLog)) return;
  int fd = open(j->zLog, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
  if(fd < 0) return;
  va_list ap;
  va_start(ap, zFmt);
  int rc = exec_log_vline(fd, zFmt, ap);
  va_end(ap);
  (void)rc; /* best effort */
  close(fd);
}

int sched_sensor_start(sched *S, const sched_sensor_launch *pL, char *zFail, size_t nFail) {
  struct sched_sensors *P = sensors_get(S);
  sensor_job *j = calloc(1, sizeof(*j));
  if(!P || !j) {
    free(j);
    snprintf(zFail, nFail, "out of memory");
    return -1;
  }
  j->tiId = pL->tiId;
  j->runPk = pL->runPk;
  j->tryNumber = pL->tryNumber;
  snprintf(j->zDag, sizeof(j->zDag), "%s", pL->zDag);
  snprintf(j->zTask, sizeof(j->zTask), "%s", pL->zTask);
  snprintf(j->zLog, sizeof(j->zLog), "%s", pL->zLog);
  j->pOpts = json_deep_copy(pL->pOpts);
  j->logicalDate = pL->logicalDate;
  j->startUs = pL->startUs;
  j->nextPokeUs = airc_now_us();
  const char *zKey = NULL;
  char zErr[400];
  if(!j->pOpts || sensor_spec_parse(j->pOpts, &j->spec, &zKey, zErr, sizeof(zErr))) {
    snprintf(zFail, nFail, "sensor: %s", j->pOpts ? zErr : "out of memory");
    job_free(j);
    return -1;
  }
  if(j->spec.kind == SENSOR_SQL) {
    json_t *pC = json_object_get(pL->pConnAll, j->spec.zConn);
    if(!pC) {
      snprintf(zFail, nFail, "sensor: unknown connection '%s' (airc connections add %s --conn-uri postgres://...)",
               j->spec.zConn, j->spec.zConn);
      job_free(j);
      return -1;
    }
    j->pConn = json_deep_copy(pC);
  }
  if(P->n == P->nAlloc) {
    int nNew = P->nAlloc ? P->nAlloc * 2 : 16;
    sensor_job **a = realloc(P->a, sizeof(sensor_job *) * (size_t)nNew);
    if(!a) {
      job_free(j);
      snprintf(zFail, nFail, "out of memory");
      return -1;
    }
    P->a = a;
    P->nAlloc = nNew;
  }
  P->a[P->n++] = j;
  char zTs[48];
  if(pL->bFirst)
    job_log(j, "sensor (%s) of DAG '%s', logical date %s, try %d started: poke every %llds, timeout %llds, mode %s",
            sensor_kind_name(j->spec.kind), j->zDag, airc_time_format(j->logicalDate, zTs, sizeof(zTs)), j->tryNumber,
            (long long)j->spec.pokeInterval, (long long)j->spec.timeout, j->spec.bReschedule ? "reschedule" : "poke");
  return 0;
}

int sched_sensor_is_active(sched *S, int64_t tiId) {
  struct sched_sensors *P = S->pSensors;
  for(int i = 0; P && i < P->n; i++)
    if(P->a[i]->tiId == tiId) return 1;
  return 0;
}

int64_t sched_sensor_next_us(sched *S) {
  struct sched_sensors *P = S->pSensors;
  int64_t next = 0;
  for(int i = 0; P && i < P->n; i++) {
    const sensor_job *j = P->a[i];
    if(j->bInFlight || j->bDone) continue;
    if(!next || j->nextPokeUs < next) next = j->nextPokeUs;
  }
  return next;
}

int sched_sensor_has_work(sched *S) {
  struct sched_sensors *P = S->pSensors;
  if(!P) return 0;
  int64_t next = sched_sensor_next_us(S);
  if(next && next <= airc_now_us()) return 1;
  pthread_mutex_lock(&P->mu);
  int bRes = P->nRes > 0;
  pthread_mutex_unlock(&P->mu);
  return bRes;
}

static sensor_job *job_find(struct sched_sensors *P, int64_t tiId, int tryNumber) {
  for(int i = 0; i < P->n; i++)
    if(P->a[i]->tiId == tiId && P->a[i]->tryNumber == tryNumber) return P->a[i];
  return NULL;
}

/* Applies one poke's answer inside the transaction. */
static airc_rc job_apply(sched *S, sensor_job *j, int bTrue, const char *zWhat, airc_err *pErr) {
  int64_t now = airc_now_us();
  j->nPoke++;
  store_sched_ti_current cur;
  airc_rc rc = store_sched_ti_get_current(S->s, j->tiId, &cur, pErr);
  if(rc == AIRC_ERR_NOTFOUND || (!rc && (cur.tryNumber != j->tryNumber ||
                                            (strcmp(cur.zState, "running") && strcmp(cur.zState, "queued"))))) {
    /* cleared, marked, deleted or stopped meanwhile: stop poking (queued:
     * its `running` is still to be recorded, sched_launch_record) */
    airc_err_clear(pErr);
    j->bDone = 1;
    return AIRC_OK;
  }
  if(rc) return rc;
  job_log(j, "poke: %s", zWhat);
  if(bTrue) {
    j->bDone = 1;
    job_log(j, "sensor condition met: success");
    return sched_record_outcome(S, j->tiId, j->tryNumber, "success", 0, j->startUs, now, 0, NULL, NULL, pErr);
  }
  if(now - j->startUs >= j->spec.timeout * 1000000) {
    char zReason[300];
    snprintf(zReason, sizeof(zReason), "sensor timed out after %llds%s", (long long)j->spec.timeout,
             j->spec.bSoftFail ? ": soft_fail, skipped" : "");
    j->bDone = 1;
    job_log(j, "%s", zReason);
    return sched_record_outcome(S, j->tiId, j->tryNumber, j->spec.bSoftFail ? "skipped" : "failed", -1, j->startUs,
                                now, 0, zReason, NULL, pErr);
  }
  int64_t next = now + j->spec.pokeInterval * 1000000;
  if(!j->spec.bReschedule) {
    j->nextPokeUs = next;
    return AIRC_OK;
  }
  /* mode = reschedule: give the slot back until the next poke */
  rc = store_sched_ti_reschedule(S->s, j->tiId, next, now, pErr);
  if(rc) return rc;
  j->bDone = 1;
  sched_load_add(S, j->zDag, -1);
  sched_cache_set_ti_state(S, j->runPk, j->zTask, j->tiId, TI_UP_FOR_RESCHEDULE, next);
  sched_mark_dirty(S, j->runPk); /* its slot may go to a waiting task */
  if(!S->nextRetryUs || next < S->nextRetryUs) S->nextRetryUs = next;
  if(S->opts.bPrintProgress) {
    printf("%-16s %s\n", "up_for_reschedule", j->zTask);
    fflush(stdout);
  }
  return AIRC_OK;
}

airc_rc sched_sensor_step(sched *S, airc_err *pErr) {
  struct sched_sensors *P = S->pSensors;
  if(!P || !P->n) return AIRC_OK;
  airc_rc rc = AIRC_OK;
  /* answers from the threads */
  pthread_mutex_lock(&P->mu);
  int nRes = P->nRes;
  poke_res *aRes = nRes ? malloc(sizeof(poke_res) * (size_t)nRes) : NULL;
  if(aRes) memcpy(aRes, P->aRes, sizeof(poke_res) * (size_t)nRes);
  if(aRes || !nRes) P->nRes = 0; /* else (no memory): taken next time */
  pthread_mutex_unlock(&P->mu);
  if(!aRes) nRes = 0;
  for(int i = 0; i < nRes; i++) {
    sensor_job *j = job_find(P, aRes[i].tiId, aRes[i].tryNumber);
    if(!j || !j->bInFlight) continue;
    j->bInFlight = 0;
    if(!rc) rc = job_apply(S, j, aRes[i].bTrue, aRes[i].zWhat, pErr);
    else j->nextPokeUs = 0; /* the transaction fails: poke again */
  }
  free(aRes);
  int64_t now = airc_now_us();
  for(int i = 0; !rc && i < P->n; i++) {
    sensor_job *j = P->a[i];
    if(j->bDone || j->bInFlight || j->nextPokeUs > now) continue;
    if(sensor_poke_blocks(&j->spec)) {
      pthread_mutex_lock(&P->mu);
      int nInFlight = 0;
      for(int k = 0; k < P->n; k++) nInFlight += P->a[k]->bInFlight;
      if(nInFlight < SENSOR_QUEUE_MAX) {
        if(P->nReq == P->nReqAlloc) {
          int nNew = P->nReqAlloc ? P->nReqAlloc * 2 : 16;
          poke_req *a = realloc(P->aReq, sizeof(poke_req) * (size_t)nNew);
          if(a) {
            P->aReq = a;
            P->nReqAlloc = nNew;
          }
        }
        if(P->nReq < P->nReqAlloc) {
          P->aReq[P->nReq++] = (poke_req){j->tiId, j->tryNumber, json_deep_copy(j->pOpts),
                                          j->pConn ? json_deep_copy(j->pConn) : NULL};
          j->bInFlight = 1;
          pthread_cond_signal(&P->cv);
        }
      }
      pthread_mutex_unlock(&P->mu);
      if(j->bInFlight) threads_start(P);
      continue;
    }
    char zWhat[1200];
    sensor_env env = {S->s, j->logicalDate, NULL};
    int bTrue = sensor_poke(&j->spec, &env, zWhat, sizeof(zWhat));
    rc = job_apply(S, j, bTrue, zWhat, pErr);
  }
  return rc;
}

void sched_sensor_end(sched *S, int bCommitted) {
  struct sched_sensors *P = S->pSensors;
  if(!P) return;
  int k = 0;
  for(int i = 0; i < P->n; i++) {
    sensor_job *j = P->a[i];
    if(j->bDone && bCommitted) {
      job_free(j);
      continue;
    }
    if(j->bDone) {
      j->bDone = 0;      /* the store still says running: poke again */
      j->nextPokeUs = 0;
      j->nPoke--;
    }
    P->a[k++] = j;
  }
  P->n = k;
}

void sched_sensor_free(sched *S) {
  struct sched_sensors *P = S->pSensors;
  if(!P) return;
  pthread_mutex_lock(&P->mu);
  P->bStop = 1;
  pthread_cond_broadcast(&P->cv);
  pthread_mutex_unlock(&P->mu);
  /* a thread in the middle of a poke finishes it (bounded by
   * SENSOR_NET_TIMEOUT) */
  for(int i = 0; i < P->nThread; i++) pthread_join(P->aThread[i], NULL);
  for(int i = 0; i < P->n; i++) job_free(P->a[i]);
  for(int i = P->iReq; i < P->nReq; i++) {
    json_decref(P->aReq[i].pOpts);
    json_decref(P->aReq[i].pConn);
  }
  free(P->a);
  free(P->aReq);
  free(P->aRes);
  pthread_mutex_destroy(&P->mu);
  pthread_cond_destroy(&P->cv);
  free(P);
  S->pSensors = NULL;
}
