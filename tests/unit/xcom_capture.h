/* xcom_capture.h: a unit test's stand-in for task_xcom_write() (the real
 * one, executor/task_xcom.c, writes a file for the supervisor). Included by
 * one test file each: the last value a task pushed is kept in g_pXcom for
 * the assertions; the test frees it. The archive's task_xcom.o is then
 * never linked in. */
#ifndef AIRC_TEST_XCOM_CAPTURE_H
#define AIRC_TEST_XCOM_CAPTURE_H
#include <jansson.h>
#include "executor/task_type.h"

static json_t *g_pXcom;

int task_xcom_write(const task_ctx *pCtx, json_t *pValue) {
  (void)pCtx;
  json_decref(g_pXcom);
  g_pXcom = json_deep_copy(pValue);
  return 0;
}

#endif
