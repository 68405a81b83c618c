/* sched_known.c: the tries a distributed scheduler queued, kept so that a
 * result can be applied from the worker's wake-up alone.
 *
 * A worker's result notifies the schedulers with the result itself
 * (store_work_events_results). When the scheduler queued that try, it knows
 * what the take would read back (store_work_take_done_or_expired: the task
 * instance and its run): it keeps that here, and sched_dist_ingest applies
 * the result without the take's round trip, its beliefs checked by the
 * server in the same transaction (store_work_take_known), which fails the
 * wake if any is wrong. What is kept is a belief, never the truth: a slot
 * holds one try (direct-mapped by task instance id; a collision forgets
 * the older, whose result is then taken from the store), and nothing here
 * outlives the process. */
#include "scheduler/scheduler_int.h"
#include "store/store_work.h"
#include <stdlib.h>
#include <string.h>

static unsigned known_slot(int64_t tiId) { return (unsigned)((uint64_t)tiId % SCHED_KNOWN_SLOTS); }

void sched_known_put(sched *S, const sched_known_try *p) {
  if(!S->apKnown && !(S->apKnown = calloc(SCHED_KNOWN_SLOTS, sizeof(*S->apKnown)))) return;
  sched_known_drop(S, p->tiId);
  sched_known_try *k = malloc(sizeof(*k));
  char *zLog = p->zLogPath ? strdup(p->zLogPath) : NULL;
  if(!k || (p->zLogPath && !zLog)) {
    free(k);
    free(zLog);
    return;
  }
  *k = *p;
  k->zLogPath = zLog;
  sched_known_try **pp = &S->apKnown[known_slot(p->tiId)];
  if(*pp) {
    free((*pp)->zLogPath);
    free(*pp);
  }
  *pp = k;
}

sched_known_try *sched_known_get(sched *S, int64_t tiId, int tryNumber) {
  if(!S->apKnown) return NULL;
  sched_known_try *k = S->apKnown[known_slot(tiId)];
  return k && k->tiId == tiId && k->tryNumber == tryNumber ? k : NULL;
}

void sched_known_drop(sched *S, int64_t tiId) {
  if(!S->apKnown) return;
  sched_known_try **pp = &S->apKnown[known_slot(tiId)];
  if(!*pp || (*pp)->tiId != tiId) return;
  free((*pp)->zLogPath);
  free(*pp);
  *pp = NULL;
}

void sched_notes_clear(sched *S) {
  for(int i = 0; i < S->nNote; i++) store_work_note_clear(&S->aNote[i]);
  S->nNote = 0;
  S->bNoteBare = 0;
}

void sched_known_free(sched *S) {
  if(S->apKnown) {
    for(int i = 0; i < SCHED_KNOWN_SLOTS; i++) {
      if(!S->apKnown[i]) continue;
      free(S->apKnown[i]->zLogPath);
      free(S->apKnown[i]);
    }
    free(S->apKnown);
    S->apKnown = NULL;
  }
  sched_notes_clear(S);
  free(S->aNote);
  S->aNote = NULL;
}
