/* exec_result.c: see exec_result.h. */
#include "executor/exec_result.h"
#include "common/json_fd.h"
#include "common/config.h"
#include "common/fsafe.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

void exec_result_path(int64_t tiId, int tryNumber, char *zOut, size_t nOut) {
  snprintf(zOut, nOut, "%s/results/%lld-%d.json", airc_path_run(), (long long)tiId, tryNumber);
}

/* The byte of a try: tiId * 2^32 + tryNumber, one byte per pair for every
 * task instance id below 2^31 and every try number an int can hold (the
 * file stays sparse: locks need no data). Returns -1 with errno EOVERFLOW
 * for ids outside that range rather than share a byte. */
static int lock_range(struct flock *pFl, short type, int64_t tiId, int tryNumber) {
  if(tiId < 0 || tiId >= ((int64_t)1 << 31) || tryNumber < 0) {
    errno = EOVERFLOW;
    return -1;
  }
  memset(pFl, 0, sizeof(*pFl));
  pFl->l_type = type;
  pFl->l_whence = SEEK_SET;
  pFl->l_start = (off_t)(((uint64_t)tiId << 32) | (uint32_t)tryNumber);
  pFl->l_len = 1;
  return 0;
}

static int lock_open(void) {
  char zPath[4200];
  snprintf(zPath, sizeof(zPath), "%s/tries.lock", airc_path_run());
  return fsafe_open(zPath, O_RDWR | O_CREAT); /* no symlink, 0600 */
}

int exec_lock_take(int64_t tiId, int tryNumber) {
  struct flock fl;
  if(lock_range(&fl, F_WRLCK, tiId, tryNumber)) return -1;
  int fd = lock_open();
  if(fd < 0) return -1;
  if(fcntl(fd, F_OFD_SETLK, &fl) < 0) {
    int e = errno;
    close(fd);
    errno = e == EACCES ? EAGAIN : e;
    return -1;
  }
  return fd;
}

const char *exec_outcome_state(exec_outcome o) {
  return o == EXEC_OUTCOME_SUCCESS ? "success" : o == EXEC_OUTCOME_SKIPPED ? "skipped" : "failed";
}

airc_rc exec_result_write(const exec_result *p, const char *zPath, airc_err *pErr) {
  json_t *pObj = json_pack("{sI si ss si si sb sI sI si ss}", "ti_id", (json_int_t)p->tiId, "try_number",
                           p->tryNumber, "state", exec_outcome_state(p->outcome), "exit_code", p->exitCode,
                           "signal", p->termSignal, "timed_out", p->timedOut, "start_us",
                           (json_int_t)p->startUs, "end_us", (json_int_t)p->endUs, "pid", p->pid,
                           "reason", p->zReason);
  if(!pObj) return airc_err_set(pErr, AIRC_ERR_NOMEM, "result: out of memory");
  if(p->pXcom) json_object_set(pObj, "xcom", p->pXcom);
  if(p->continuedTi)
    json_object_set_new(pObj, "continued",
                        json_pack("{sI si sI si sI si}", "ti_id", (json_int_t)p->continuedTi, "try_number",
                                  p->continuedTry, "at_us", (json_int_t)p->continuedUs, "links_left", p->chainLeft,
                                  "tail_ti", (json_int_t)p->chainTailTi, "tail_try", p->chainTailTry));
  char *z = json_dumps(pObj, JSON_COMPACT);
  json_decref(pObj);
  if(!z) return airc_err_set(pErr, AIRC_ERR_NOMEM, "result: out of memory");
  /* a fresh 0600 temp file (never through a symlink) renamed into place */
  airc_rc rc = fsafe_write_atomic(zPath, z, strlen(z), pErr);
  free(z);
  return rc;
}

/* Fills *p from a parsed result object (not consumed). */
static void result_from_json(json_t *pObj, exec_result *p) {
  const char *zState = json_string_value(json_object_get(pObj, "state"));
  p->tiId = json_integer_value(json_object_get(pObj, "ti_id"));
  p->tryNumber = (int)json_integer_value(json_object_get(pObj, "try_number"));
  p->outcome = !zState ? EXEC_OUTCOME_FAILED
               : !strcmp(zState, "success") ? EXEC_OUTCOME_SUCCESS
               : !strcmp(zState, "skipped") ? EXEC_OUTCOME_SKIPPED : EXEC_OUTCOME_FAILED;
  p->exitCode = (int)json_integer_value(json_object_get(pObj, "exit_code"));
  p->termSignal = (int)json_integer_value(json_object_get(pObj, "signal"));
  p->timedOut = json_is_true(json_object_get(pObj, "timed_out"));
  p->startUs = json_integer_value(json_object_get(pObj, "start_us"));
  p->endUs = json_integer_value(json_object_get(pObj, "end_us"));
  p->pid = (int)json_integer_value(json_object_get(pObj, "pid"));
  const char *zReason = json_string_value(json_object_get(pObj, "reason"));
  snprintf(p->zReason, sizeof(p->zReason), "%s", zReason ? zReason : "");
  p->pXcom = json_object_get(pObj, "xcom");
  if(p->pXcom) json_incref(p->pXcom);
  json_t *pCont = json_object_get(pObj, "continued");
  p->continuedTi = json_integer_value(json_object_get(pCont, "ti_id"));
  p->continuedTry = (int)json_integer_value(json_object_get(pCont, "try_number"));
  p->continuedUs = json_integer_value(json_object_get(pCont, "at_us"));
  p->chainLeft = (int)json_integer_value(json_object_get(pCont, "links_left"));
  p->chainTailTi = json_integer_value(json_object_get(pCont, "tail_ti"));
  p->chainTailTry = (int)json_integer_value(json_object_get(pCont, "tail_try"));
}

airc_rc exec_result_read(const char *zPath, exec_result *p, airc_err *pErr) {
  memset(p, 0, sizeof(*p));
  int fd = fsafe_open(zPath, O_RDONLY); /* a symlink is refused (ELOOP), not followed */
  if(fd < 0) return airc_err_set(pErr, errno == ENOENT ? AIRC_ERR_NOTFOUND : AIRC_ERR_IO, "%s: %s", zPath, strerror(errno));
  json_error_t je;
  json_t *pObj = json_fd_load(fd, EXEC_RESULT_MAX, 0, &je); /* read whole, then parsed */
  close(fd);
  if(!pObj) return airc_err_set(pErr, AIRC_ERR_PARSE, "%s: %s", zPath, je.text);
  result_from_json(pObj, p);
  json_decref(pObj);
  return AIRC_OK;
}

airc_rc exec_result_parse(const char *zJson, exec_result *p, airc_err *pErr) {
  memset(p, 0, sizeof(*p));
  json_error_t je;
  json_t *pObj = json_loads(zJson, 0, &je);
  if(!json_is_object(pObj)) {
    json_decref(pObj);
    return airc_err_set(pErr, AIRC_ERR_PARSE, "result: %s", pObj ? "not an object" : je.text);
  }
  result_from_json(pObj, p);
  json_decref(pObj);
  return AIRC_OK;
}

void exec_result_clear(exec_result *p) {
  json_decref(p->pXcom);
  p->pXcom = NULL;
}

int exec_lock_is_held(int64_t tiId, int tryNumber) {
  struct flock fl;
  if(lock_range(&fl, F_WRLCK, tiId, tryNumber)) return 0;
  int fd = lock_open();
  if(fd < 0) return 0;
  int held = fcntl(fd, F_OFD_GETLK, &fl) == 0 && fl.l_type != F_UNLCK;
  close(fd);
  return held;
}
