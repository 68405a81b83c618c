/* exec_continue.h: a pool member continues a local chain in the store.
 *
 * The exec_continue_fn of a supervisor process (exec_spawn.h): it queues
 * the chain's next try with one fenced statement (store_sched_ti_continue)
 * on a store connection of its own, opened at its first continuation and
 * kept for the member's life (a member runs up to EXEC_MEMBER_TRIES
 * tries). The connection leaves WAL checkpoints to the scheduler's thread
 * (store_upkeep_leave): a member's commit stays on its chain's path. A
 * store that cannot be opened is reported once on stderr (the member's
 * log is the scheduler's) and continues nothing for the member's life. */
#ifndef AIRC_EXEC_CONTINUE_H
#define AIRC_EXEC_CONTINUE_H
#include <stdint.h>

/* exec_continue_fn: 1 if try tryNumber of tiId is now queued for this
 * process (its pid recorded with it), 0 if not (fenced out, or a store
 * error: the scheduler queues it as always). */
int exec_continue_in_store(int64_t upTiId, int upTry, int64_t tiId, int tryNumber, const char *zLogPath,
                           int64_t nowUs);

#endif
