/* sched_stop.c: stopping tries a user stopped (marked a running task, a
 * run success/failed, deleted a run or a DAG).
 *
 * The request is a row in the store (store_control.h): the task instance
 * already carries the new state, so this side only has to end the
 * process. The scheduler owns the supervisors: it sends SIGUSR1 to the
 * try's supervisor (exec_stop_send: with the try's token, which a pool
 * member that went on to another try ignores), which stops its task's process group as on an
 * execution timeout (SIGTERM, SIGKILL after [core] kill_grace_period) and
 * writes a result that the scheduler then ignores (the instance is no
 * longer running). A supervisor from an earlier scheduler is found by the
 * pid recorded with the try, and signalled only while it holds the try's
 * lock (so a reused pid is never hit). A request whose try is not alive
 * any more is just deleted; with the distributed executor such requests
 * are the workers' (each stops the tries it holds and deletes their
 * requests), until two worker leases ([worker] lease_seconds) have passed:
 * by then a worker that held the try has stopped it (it looks every half
 * second) or has lost its lease (and the scheduler ended the try), so a
 * request still there had no worker (a queued try in a run a user ended)
 * and is deleted. */
#include "scheduler/scheduler_int.h"
#include "common/config.h"
#include "common/log.h"
#include "common/timeutil.h"
#include "executor/exec_result.h"
#include "executor/exec_spawn.h"
#include "store/store_control.h"
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

/* The supervisor pid of try (tiId, tryNumber): ours, or the recorded one
 * while the try's lock is held; 0 when it is not alive, or has written the
 * try's result (it has ended: a pool member may be on another try). */
static pid_t stop_find_supervisor(sched *S, const store_stop_request *q) {
  char zResult[4200];
  exec_result_path(q->tiId, q->tryNumber, zResult, sizeof(zResult));
  if(access(zResult, F_OK) == 0) return 0;
  for(int i = 0; i < S->nChild; i++)
    if(S->aChild[i].tiId == q->tiId && S->aChild[i].tryNumber == q->tryNumber) return S->aChild[i].pid;
  if(q->pid > 0 && exec_lock_is_held(q->tiId, q->tryNumber)) return (pid_t)q->pid;
  return 0;
}

airc_rc sched_stop_requested(sched *S, airc_err *pErr) {
  struct {
    store_stop_request *a;
    int n;
  } L = {NULL, 0};
  airc_rc rc = store_stop_request_list(S->s, &L.a, &L.n, pErr);
  if(!rc && L.n) rc = store_begin(S->s, pErr);
  else if(!L.n) {
    free(L.a);
    return rc;
  }
  int64_t orphanBeforeUs = airc_now_us() - 2 * (int64_t)airc_config_get_int("worker", "lease_seconds", 20) * 1000000;
  for(int i = 0; !rc && i < L.n; i++) {
    pid_t pid = stop_find_supervisor(S, &L.a[i]);
    /* a worker holds it: the worker stops it (exec_worker.c) */
    if(pid <= 0 && S->bDistributed && L.a[i].requestedUs > orphanBeforeUs) continue;
    if(pid > 0) {
      if(exec_stop_send(pid, L.a[i].tiId, L.a[i].tryNumber) == 0)
        LOG_INFO("task instance %lld try %d: stopping it on request (supervisor %d)", (long long)L.a[i].tiId,
                 L.a[i].tryNumber, (int)pid);
    } else {
      LOG_DEBUG("task instance %lld try %d: stop request, but the try is not running", (long long)L.a[i].tiId,
                L.a[i].tryNumber);
    }
    rc = store_stop_request_delete(S->s, L.a[i].id, pErr);
  }
  if(L.n) {
    if(!rc) rc = store_commit(S->s, pErr);
    else store_rollback(S->s);
  }
  free(L.a);
  return rc;
}
