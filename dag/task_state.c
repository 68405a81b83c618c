/* task_state.c: see task_state.h. */
#include "dag/task_state.h"
#include <string.h>

static const char *const azState[TI_STATE_COUNT] = {
    "none", "scheduled", "queued", "running", "success", "failed", "up_for_retry",
    "upstream_failed", "skipped", "up_for_reschedule"};

const char *ti_state_name(ti_state s) { return (unsigned)s < TI_STATE_COUNT ? azState[s] : "none"; }

int ti_state_parse(const char *z, ti_state *pOut) {
  for(int i = 0; i < TI_STATE_COUNT; i++)
    if(z && !strcmp(z, azState[i])) {
      *pOut = (ti_state)i;
      return 1;
    }
  return 0;
}

int ti_state_is_finished(ti_state s) {
  return s == TI_SUCCESS || s == TI_FAILED || s == TI_SKIPPED || s == TI_UPSTREAM_FAILED;
}

trigger_verdict trigger_rule_evaluate(trigger_rule rule, const upstream_counts *p) {
  int nFail = p->nFailed + p->nUpstreamFailed;
  int bAllDone = p->nDone == p->nTotal;
  if(p->nTotal == 0 || rule == TRIGGER_ALWAYS) return TRIGGER_READY;
  switch(rule) {
  case TRIGGER_ALL_SUCCESS:
    if(nFail) return TRIGGER_UPSTREAM_FAILED;
    if(p->nSkipped) return TRIGGER_SKIP;
    return p->nSuccess == p->nTotal ? TRIGGER_READY : TRIGGER_WAIT;
  case TRIGGER_ALL_FAILED:
    if(p->nSuccess || p->nSkipped) return TRIGGER_SKIP;
    return nFail == p->nTotal ? TRIGGER_READY : TRIGGER_WAIT;
  case TRIGGER_ALL_DONE:
    return bAllDone ? TRIGGER_READY : TRIGGER_WAIT;
  case TRIGGER_ONE_SUCCESS:
    if(p->nSuccess) return TRIGGER_READY;
    if(!bAllDone) return TRIGGER_WAIT;
    return p->nSkipped == p->nTotal ? TRIGGER_SKIP : TRIGGER_UPSTREAM_FAILED;
  case TRIGGER_ONE_FAILED:
    if(nFail) return TRIGGER_READY;
    return bAllDone ? TRIGGER_SKIP : TRIGGER_WAIT;
  case TRIGGER_NONE_FAILED:
    if(nFail) return TRIGGER_UPSTREAM_FAILED;
    return bAllDone ? TRIGGER_READY : TRIGGER_WAIT;
  case TRIGGER_NONE_SKIPPED:
    if(p->nSkipped) return TRIGGER_SKIP;
    return bAllDone ? TRIGGER_READY : TRIGGER_WAIT;
  case TRIGGER_ALWAYS:
    return TRIGGER_READY;
  }
  return TRIGGER_WAIT;
}

int task_should_retry(const dag_task *t, int tryNumber) { return tryNumber <= t->retries; }

int64_t task_retry_delay(const dag_task *t, int tryNumber) {
  /* max_retry_delay 0 means no cap; doubling still stops at 100 years so
   * that a thousand retries cannot overflow */
  const int64_t nLimit = t->maxRetryDelay > 0 ? t->maxRetryDelay : 100LL * 365 * 86400;
  int64_t d = t->retryDelay;
  if(t->retryExpBackoff) {
    for(int i = 1; i < tryNumber && d > 0 && d < nLimit; i++) d *= 2;
    if(d > nLimit) d = nLimit;
  }
  if(t->maxRetryDelay > 0 && d > t->maxRetryDelay) d = t->maxRetryDelay;
  return d;
}

const char *run_state_from_tasks(const dag *d, const ti_state *aState) {
  for(int i = 0; i < d->nTask; i++)
    if(!ti_state_is_finished(aState[i])) return NULL;
  for(int i = 0; i < d->nTask; i++) {
    if(d->aTask[i].nDownstream) continue;
    if(aState[i] == TI_FAILED || aState[i] == TI_UPSTREAM_FAILED) return "failed";
  }
  return "success";
}
