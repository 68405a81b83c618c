/* dag_model.c: canonical form, version hash, lookup and freeing of DAGs.
 *
 * The canonical form is the JSON document shape with every default
 * written out and keys sorted, so two files meaning the same DAG (INI or
 * JSON, any key order) have the same hash, and any change of meaning
 * changes it. A run stores the hash; the text is stored once per version. */
#include "dag/dag.h"
#include "common/timeutil.h"
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_t *duration_json(int64_t sec) {
  char z[32];
  snprintf(z, sizeof(z), "%llds", (long long)sec);
  return json_string(z);
}

json_t *dag_to_json(const dag *d) {
  json_t *pDag = json_object(), *pTasks = json_array(), *pDoc = json_object();
  char zBuf[40];
  json_object_set_new(pDag, "id", json_string(d->zId));
  if(d->zDescription) json_object_set_new(pDag, "description", json_string(d->zDescription));
  if(d->pScheduleDatasets) json_object_set(pDag, "schedule", d->pScheduleDatasets);
  else json_object_set_new(pDag, "schedule", json_string(d->zSchedule ? d->zSchedule : "none"));
  /* only a non-UTC zone is written, so DAGs without one keep their hash */
  if(d->zTimezone) json_object_set_new(pDag, "timezone", json_string(d->zTimezone));
  if(d->hasStartDate) json_object_set_new(pDag, "start_date", json_string(airc_time_format(d->startDate, zBuf, sizeof(zBuf))));
  if(d->hasEndDate) json_object_set_new(pDag, "end_date", json_string(airc_time_format(d->endDate, zBuf, sizeof(zBuf))));
  json_object_set_new(pDag, "catchup", json_boolean(d->catchup));
  json_object_set_new(pDag, "max_active_runs", json_integer(d->maxActiveRuns));
  json_object_set_new(pDag, "max_active_tasks", json_integer(d->maxActiveTasks));
  json_object_set(pDag, "tags", d->pTags);
  /* typed params as declarations {"value": V, schema...}; untyped ones as
   * plain values, so that DAGs without schemas keep their hash */
  json_t *pParams = json_deep_copy(d->pParams);
  const char *zName;
  json_t *pSchema;
  json_object_foreach(d->pParamSchema, zName, pSchema) {
    json_t *pDecl = json_deep_copy(pSchema);
    json_object_set(pDecl, "value", json_object_get(d->pParams, zName));
    json_object_set_new(pParams, zName, pDecl);
  }
  json_object_set_new(pDag, "params", pParams);
  if(d->pNotify) json_object_update(pDag, d->pNotify);
  if(d->deadline) json_object_set_new(pDag, "deadline", duration_json(d->deadline));
  for(int i = 0; i < d->nTask; i++) {
    const dag_task *t = &d->aTask[i];
    json_t *pT = json_deep_copy(t->pOptions);
    json_object_set_new(pT, "id", json_string(t->zId));
    json_object_set_new(pT, "type", json_string(t->zType));
    json_t *pUp = json_array();
    for(int k = 0; k < t->nUpstream; k++) json_array_append_new(pUp, json_string(t->azUpstream[k]));
    json_object_set_new(pT, "upstream", pUp);
    json_object_set_new(pT, "trigger_rule", json_string(trigger_rule_name(t->rule)));
    json_object_set_new(pT, "retries", json_integer(t->retries));
    json_object_set_new(pT, "retry_delay", duration_json(t->retryDelay));
    json_object_set_new(pT, "retry_exponential_backoff", json_boolean(t->retryExpBackoff));
    json_object_set_new(pT, "max_retry_delay", duration_json(t->maxRetryDelay));
    json_object_set_new(pT, "execution_timeout", duration_json(t->executionTimeout));
    if(t->zQueue) json_object_set_new(pT, "queue", json_string(t->zQueue)); /* absent = default: hashes stay */
    /* pools, priorities, notifications: written when not the default, so
     * that DAGs without them keep their hash */
    if(t->zPool) json_object_set_new(pT, "pool", json_string(t->zPool));
    if(t->poolSlots != 1) json_object_set_new(pT, "pool_slots", json_integer(t->poolSlots));
    if(t->priorityWeight != 1) json_object_set_new(pT, "priority_weight", json_integer(t->priorityWeight));
    if(t->weightRule != DAG_WEIGHT_DOWNSTREAM)
      json_object_set_new(pT, "weight_rule", json_string(dag_weight_rule_name(t->weightRule)));
    if(t->pNotify) json_object_update(pT, t->pNotify);
    if(t->pOutlets) json_object_set(pT, "outlets", t->pOutlets); /* absent = none: hashes stay */
    /* mapping and groups only when set, for the same reason */
    if(t->zExpandTask) {
      char *z = malloc(strlen(t->zExpandTask) + 6);
      if(z) sprintf(z, "xcom.%s", t->zExpandTask);
      json_object_set_new(pT, "expand", json_string(z ? z : ""));
      free(z);
    }
    if(t->pExpandList) json_object_set(pT, "expand", t->pExpandList);
    if(t->maxActiveTis) json_object_set_new(pT, "max_active_tis_per_dag", json_integer(t->maxActiveTis));
    if(t->zGroup) json_object_set_new(pT, "group", json_string(t->zGroup));
    json_array_append_new(pTasks, pT);
  }
  json_object_set_new(pDoc, "dag", pDag);
  json_object_set_new(pDoc, "tasks", pTasks);
  return pDoc;
}

void dag_compute_hash(dag *d) {
  json_t *pDoc = dag_to_json(d);
  char *z = json_dumps(pDoc, JSON_COMPACT | JSON_SORT_KEYS);
  json_decref(pDoc);
  unsigned char aHash[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(aHash, (const unsigned char *)(z ? z : ""), z ? strlen(z) : 0);
  free(z);
  sodium_bin2hex(d->zHash, sizeof(d->zHash), aHash, sizeof(aHash));
}

const task_schema *const dag_types_stored = NULL;

airc_rc dag_from_json_text(const char *zJson, const task_schema *const *apType, dag **ppOut, airc_err *pErr) {
  json_error_t je;
  json_t *pDoc = json_loads(zJson, 0, &je);
  if(!pDoc) return airc_err_set(pErr, AIRC_ERR_PARSE, "stored DAG version: %s", je.text);
  airc_rc rc = dag_build("stored DAG version", pDoc, NULL, apType, ppOut, pErr);
  json_decref(pDoc);
  return rc;
}

int dag_task_index(const dag *d, const char *zId) {
  for(int i = 0; i < d->nTask; i++)
    if(!strcmp(d->aTask[i].zId, zId)) return i;
  return -1;
}

void dag_free(dag *d) {
  if(!d) return;
  for(int i = 0; i < d->nTask; i++) {
    dag_task *t = &d->aTask[i];
    free(t->zId);
    free(t->zType);
    free(t->zQueue);
    free(t->zExpandTask);
    json_decref(t->pExpandList);
    free(t->zGroup);
    for(int k = 0; k < t->nUpstream; k++) free(t->azUpstream[k]);
    free(t->azUpstream);
    free(t->aiUpstream);
    free(t->aiDownstream);
    json_decref(t->pOptions);
    free(t->zPool);
    json_decref(t->pNotify);
    json_decref(t->pOutlets);
  }
  free(d->aTask);
  free(d->zId);
  free(d->zDescription);
  free(d->zSchedule);
  free(d->zTimezone);
  free(d->zFile);
  json_decref(d->pTags);
  json_decref(d->pScheduleDatasets);
  json_decref(d->pParams);
  json_decref(d->pParamSchema);
  json_decref(d->pNotify);
  free(d);
}
