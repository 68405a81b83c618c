/* task_secrets.h: what tasks see of connections and variables.
 *
 * Loads, once per launch batch, every connection (with $AIRC_CONN_*
 * overrides and a computed "uri") and every variable from the store, for
 * templates ({{ conn.NAME.FIELD }}, {{ var.NAME }}) and the $AIRC_VAR_*
 * environment, plus the list of secret values that the supervisor masks
 * in the try's log and XCom (passwords, their URI-encoded form, secret
 * variables). */
#ifndef AIRC_TASK_SECRETS_H
#define AIRC_TASK_SECRETS_H
#include <jansson.h>
#include "store/store.h"

typedef struct task_secrets {
  json_t *pConn;   /* name -> connection object */
  json_t *pVar;    /* name -> value string */
  json_t *pMask;   /* array of secret strings */
} task_secrets;

/* Fills *pOut (new references; task_secrets_clear frees). A connection or
 * variable that cannot be decrypted fails the load with pErr naming it. */
AIRC_WUR airc_rc task_secrets_load(store *s, task_secrets *pOut /* OUT */, airc_err *pErr);
void task_secrets_clear(task_secrets *p);

#endif
