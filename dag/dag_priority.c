/* dag_priority.c: effective priority weights (Airflow's weight_rule).
 *
 * When slots are scarce the scheduler queues the task instances with the
 * highest effective weight first. Airflow's rules: `downstream` (its
 * default) adds the weights of every task downstream of a task, so that
 * the head of a long chain goes first; `upstream` adds those upstream;
 * `absolute` takes the task's own weight. Pure: no I/O. */
#include "dag/dag.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define PRIO_CAP (INT64_MAX / 4)

static const char *const azWeightRule[] = {"downstream", "upstream", "absolute"};

const char *dag_weight_rule_name(int rule) { return rule >= 0 && rule < 3 ? azWeightRule[rule] : "downstream"; }

static int64_t prio_add(int64_t a, int64_t b) {
  int64_t s = a + b; /* |a|, |b| <= PRIO_CAP: no overflow */
  if(s > PRIO_CAP) return PRIO_CAP;
  if(s < -PRIO_CAP) return -PRIO_CAP;
  return s;
}

/* Kahn's order of the tasks into aOrder (upstream first). */
static void topo_order(const dag *d, int *aOrder) {
  int *aIn = calloc((size_t)d->nTask + 1, sizeof(int));
  int n = 0;
  for(int i = 0; i < d->nTask; i++) {
    aIn[i] = d->aTask[i].nUpstream;
    if(!aIn[i]) aOrder[n++] = i;
  }
  for(int k = 0; k < n; k++) {
    const dag_task *t = &d->aTask[aOrder[k]];
    for(int j = 0; j < t->nDownstream; j++)
      if(--aIn[t->aiDownstream[j]] == 0) aOrder[n++] = t->aiDownstream[j];
  }
  free(aIn);
}

/* Exact: a bit set of the tasks reachable in direction bDown, per task. */
static void weights_exact(const dag *d, const int *aOrder, int bDown, int64_t *aSum) {
  const int n = d->nTask;
  const size_t nWord = ((size_t)n + 63) / 64;
  uint64_t *aBits = calloc((size_t)n * nWord + 1, sizeof(uint64_t));
  for(int k = n - 1; k >= 0; k--) {
    /* downstream: reverse topological order; upstream: forward */
    int i = bDown ? aOrder[k] : aOrder[n - 1 - k];
    const dag_task *t = &d->aTask[i];
    const int *aNext = bDown ? t->aiDownstream : t->aiUpstream;
    int nNext = bDown ? t->nDownstream : t->nUpstream;
    uint64_t *pMine = &aBits[(size_t)i * nWord];
    for(int j = 0; j < nNext; j++) {
      int c = aNext[j];
      const uint64_t *pTheirs = &aBits[(size_t)c * nWord];
      for(size_t w = 0; w < nWord; w++) pMine[w] |= pTheirs[w];
      pMine[c / 64] |= UINT64_C(1) << (c % 64);
    }
    int64_t s = d->aTask[i].priorityWeight;
    for(size_t w = 0; w < nWord; w++) {
      uint64_t x = pMine[w];
      while(x) {
        int b = __builtin_ctzll(x);
        s = prio_add(s, d->aTask[w * 64 + (size_t)b].priorityWeight);
        x &= x - 1;
      }
    }
    aSum[i] = s;
  }
  free(aBits);
}

/* Big DAGs: sums over paths (a shared task counts once per path). */
static void weights_paths(const dag *d, const int *aOrder, int bDown, int64_t *aSum) {
  const int n = d->nTask;
  for(int k = n - 1; k >= 0; k--) {
    int i = bDown ? aOrder[k] : aOrder[n - 1 - k];
    const dag_task *t = &d->aTask[i];
    const int *aNext = bDown ? t->aiDownstream : t->aiUpstream;
    int nNext = bDown ? t->nDownstream : t->nUpstream;
    int64_t s = t->priorityWeight;
    for(int j = 0; j < nNext; j++) s = prio_add(s, aSum[aNext[j]]);
    aSum[i] = s;
  }
}

void dag_priority_weights(const dag *d, int64_t *aOut) {
  if(d->nTask <= 0) return;
  int bDown = 0, bUp = 0;
  for(int i = 0; i < d->nTask; i++) {
    bDown |= d->aTask[i].weightRule == DAG_WEIGHT_DOWNSTREAM;
    bUp |= d->aTask[i].weightRule == DAG_WEIGHT_UPSTREAM;
  }
  int *aOrder = malloc(sizeof(int) * (size_t)d->nTask);
  int64_t *aDown = bDown ? malloc(sizeof(int64_t) * (size_t)d->nTask) : NULL;
  int64_t *aUp = bUp ? malloc(sizeof(int64_t) * (size_t)d->nTask) : NULL;
  topo_order(d, aOrder);
  for(int b = 0; b < 2; b++) {
    int64_t *a = b ? aUp : aDown;
    if(!a) continue;
    if(d->nTask <= DAG_PRIORITY_EXACT_MAX) weights_exact(d, aOrder, !b, a);
    else weights_paths(d, aOrder, !b, a);
  }
  for(int i = 0; i < d->nTask; i++) {
    const dag_task *t = &d->aTask[i];
    aOut[i] = t->weightRule == DAG_WEIGHT_DOWNSTREAM ? aDown[i]
              : t->weightRule == DAG_WEIGHT_UPSTREAM ? aUp[i]
                                                     : t->priorityWeight;
  }
  free(aOrder);
  free(aDown);
  free(aUp);
}
