/* exec_continue.c: see exec_continue.h. */
#include "executor/exec_continue.h"
#include "common/config.h"
#include "store/store.h"
#include "store/store_sched.h"
#include <stdio.h>
#include <unistd.h>

static store *g_pStore; /* this member's connection, opened at its first continuation */
static int g_bBroken;   /* it could not be opened: no continuation for this member */

int exec_continue_in_store(int64_t upTiId, int upTry, int64_t tiId, int tryNumber, const char *zLogPath,
                           int64_t nowUs) {
  airc_err err = {0};
  if(g_bBroken) return 0;
  if(!g_pStore) {
    if(store_open_existing(airc_store_target(), &g_pStore, &err)) {
      fprintf(stderr, "airc supervisor: chains are not continued by this member: %s\n", airc_err_msg(&err));
      g_bBroken = 1;
      return 0;
    }
    store_upkeep_leave(g_pStore);
  }
  int bDone = 0;
  if(store_sched_ti_continue(g_pStore, upTiId, upTry, tiId, tryNumber, (int)getpid(), zLogPath, nowUs, &bDone,
                             &err)) {
    /* a busy or full store: the scheduler queues it, as when fenced out */
    fprintf(stderr, "airc supervisor: task instance %lld try %d not continued: %s\n", (long long)tiId, tryNumber,
            airc_err_msg(&err));
    return 0;
  }
  return bDone;
}
