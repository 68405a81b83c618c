/* exec_result.h: what a task try's supervisor leaves behind.
 *
 * The supervisor writes one small JSON file per finished try, atomically
 * (temp file + rename), before it exits and before it releases the try's
 * lock. The scheduler ingests it into the store and then deletes it. The
 * file, not the supervisor's exit status, is the result: it survives the
 * scheduler being killed, so a restarted scheduler records results of
 * tries that finished while it was down. */
#ifndef AIRC_EXEC_RESULT_H
#define AIRC_EXEC_RESULT_H
#include <jansson.h>
#include <stdint.h>
#include "common/err.h"

typedef enum { EXEC_OUTCOME_SUCCESS, EXEC_OUTCOME_FAILED, EXEC_OUTCOME_SKIPPED } exec_outcome;

typedef struct exec_result {
  int64_t tiId;
  int tryNumber;
  exec_outcome outcome;
  int exitCode;         /* -1 if killed by a signal or never started */
  int termSignal;       /* 0 if none */
  int timedOut;
  int64_t startUs, endUs;
  int pid;              /* the task process */
  char zReason[512];    /* why it failed, "" on success */
  json_t *pXcom;        /* owned; NULL if none */
  /* the chain's next try this try's pool member queued in the store and
   * runs next (exec_spawn.h, exec_continue_fn): written before it starts,
   * so whoever reads this result knows who runs it. 0: none */
  int64_t continuedTi;
  int continuedTry;
  int64_t continuedUs;  /* when it was queued: its start, near enough */
  /* the links of the chain the member holds after the continued try, and
   * the last of them (the continued try itself when none): the scheduler
   * sends more before they run out (exec_pool_extend) */
  int chainLeft;
  int64_t chainTailTi;
  int chainTailTry;
} exec_result;

/* The result file of a try: run/results/<ti>-<try>.json. */
void exec_result_path(int64_t tiId, int tryNumber, char *zOut, size_t nOut);

/* Try locks: one byte per (task instance, try) in run/tries.lock, locked
 * with an open-file-description lock (F_OFD_SETLK). The scheduler opens a
 * new description, locks the try's byte and forks; the supervisor (and a
 * task process that does not exec) inherit the description, so the lock
 * lives exactly as long as they do, and vanishes with them however they
 * die. One file for all tries: no file is created or deleted per task.
 * The byte is per try (offset tiId * 2^32 + try, unique for any try
 * number), so a retry never waits for the previous try's supervisor to
 * finish exiting. Returns the locked descriptor, or -1 with errno (EAGAIN:
 * already held; EOVERFLOW: tiId outside 0..2^31-1 or a negative try). */
int exec_lock_take(int64_t tiId, int tryNumber);

AIRC_WUR airc_rc exec_result_write(const exec_result *p, const char *zPath, airc_err *pErr);
/* Largest result file exec_result_read() takes: an XCom value of
 * EXEC_XCOM_MAX bytes, every byte escaped as \u00XX, fits. */
#define EXEC_RESULT_MAX (1024 * 1024)

/* Reads a result file (never through a symlink). A file larger than
 * EXEC_RESULT_MAX is refused: "<path>: larger than 1048576 bytes". */
AIRC_WUR airc_rc exec_result_read(const char *zPath, exec_result *pOut, airc_err *pErr);
/* The same from JSON text (a result a worker left in the store). */
AIRC_WUR airc_rc exec_result_parse(const char *zJson, exec_result *pOut, airc_err *pErr);
void exec_result_clear(exec_result *p);
const char *exec_outcome_state(exec_outcome o); /* "success" / "failed" / "skipped" */

/* 1 if some process holds the lock of this try: its supervisor is alive and
 * has not finished it (a pool member lets go of it once the try's result is
 * written, as a supervisor that exits does). */
int exec_lock_is_held(int64_t tiId, int tryNumber);

#endif
