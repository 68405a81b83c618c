/* dag_build.c: document -> validated dag, for INI and JSON alike.
 *
 * Every check a user can trip over is here, and each failure is one line:
 *   FILE[:LINE]: [task 'T': ]message
 * LINE comes from the INI line map; JSON documents carry no positions, so
 * their messages name the file, DAG and task only. The first error wins.
 * Values may be JSON-typed (numbers, booleans, arrays) or strings (INI);
 * both are accepted wherever the meaning is unambiguous. */
#include "dag/dag.h"
#include "common/config.h"
#include "common/timeutil.h"
#include "dag/param_schema.h"
#include "dag/task_schema.h"
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const azDagKeys[] = {
    "id", "description", "schedule", "schedule_interval", "timezone", "start_date", "end_date", "catchup",
    "max_active_runs", "max_active_tasks", "tags", "params", "retries", "retry_delay",
    "retry_exponential_backoff", "max_retry_delay", "execution_timeout",
    "on_failure", "on_retry", "on_success", "on_run_failure", "on_run_success", "on_deadline_miss", "deadline",
    NULL};

typedef struct build_ctx {
  const char *zName;     /* file name */
  json_t *pLines;        /* may be NULL */
  const char *zDagId;    /* once known */
  airc_err *pErr;
  const task_schema *const *apType; /* the task types a DAG may use */
  json_t *pIndex;        /* task id -> index, so that big DAGs build in linear time */
  json_t *pNotifyDefault; /* [dag] on_failure/on_retry/on_success: event -> targets (owned) */
} build_ctx;

static int str_in(const char *z, const char *const *az) {
  for(int i = 0; az[i]; i++)
    if(!strcmp(z, az[i])) return 1;
  return 0;
}


/* Line of key zKey of task iTask (-1: the dag section); 0 if unknown. */
static int build_line(build_ctx *c, int iTask, const char *zKey) {
  if(!c->pLines) return 0;
  json_t *pSec = iTask < 0 ? json_object_get(c->pLines, "dag")
                           : json_array_get(json_object_get(c->pLines, "tasks"), (size_t)iTask);
  json_t *pLine = json_object_get(pSec, zKey);
  if(!pLine) pLine = json_object_get(pSec, "");
  return (int)json_integer_value(pLine);
}

/* Records the error "FILE:LINE: [task 'T': ]msg". */
__attribute__((format(printf, 5, 6))) static airc_rc build_fail(build_ctx *c, int iTask,
                                                               const char *zTaskId,
                                                               const char *zKey,
                                                               const char *zFmt, ...) {
  char zMsg[700], zWhere[600];
  va_list ap;
  va_start(ap, zFmt);
  vsnprintf(zMsg, sizeof(zMsg), zFmt, ap);
  va_end(ap);
  int line = build_line(c, iTask, zKey ? zKey : "");
  if(line) snprintf(zWhere, sizeof(zWhere), "%s:%d", c->zName, line);
  else snprintf(zWhere, sizeof(zWhere), "%s", c->zName);
  if(zTaskId)
    return airc_err_set(c->pErr, AIRC_ERR_INVALID, "%s: task '%.250s': %s", zWhere, zTaskId, zMsg);
  /* DAG-level messages name the DAG once its id is known */
  if(c->zDagId)
    return airc_err_set(c->pErr, AIRC_ERR_INVALID, "%s: DAG '%.250s': %s", zWhere, c->zDagId, zMsg);
  return airc_err_set(c->pErr, AIRC_ERR_INVALID, "%s: %s", zWhere, zMsg);
}

int dag_id_is_valid(const char *z) {
  size_t n = z ? strlen(z) : 0;
  if(n == 0 || n > DAG_ID_MAX || !strcmp(z, ".") || !strcmp(z, "..")) return 0;
  for(; *z; z++) {
    unsigned char ch = (unsigned char)*z;
    if(ch <= 0x20 || ch == 0x7f || ch == '/' || ch == '\\' || ch == ',') return 0;
  }
  return 1;
}

/* Text of a scalar (string, integer, real, boolean) into zBuf; NULL if the
 * value is an array, object or null. */
static const char *scalar_text(json_t *p, char *zBuf, size_t nBuf) {
  if(json_is_string(p)) return json_string_value(p);
  if(json_is_integer(p)) {
    snprintf(zBuf, nBuf, "%lld", (long long)json_integer_value(p));
    return zBuf;
  }
  if(json_is_real(p)) {
    snprintf(zBuf, nBuf, "%.17g", json_real_value(p));
    return zBuf;
  }
  if(json_is_true(p)) return "true";
  if(json_is_false(p)) return "false";
  return NULL;
}

static const char *const azRuleName[] = {"all_success", "all_failed", "all_done", "one_success",
                                         "one_failed", "none_failed", "none_skipped", "always"};

const char *trigger_rule_name(trigger_rule r) { return azRuleName[r]; }

int trigger_rule_parse(const char *z, trigger_rule *pOut) {
  for(int i = 0; i < 8; i++)
    if(!strcmp(z, azRuleName[i])) {
      *pOut = (trigger_rule)i;
      return 1;
    }
  return 0;
}

/* The five task settings that the [dag] section may default. */
typedef struct task_defaults {
  int retries;
  int64_t retryDelay, maxRetryDelay, executionTimeout;
  int retryExpBackoff;
} task_defaults;

/* Reads the default-able settings from pObj over pIn. */
static airc_rc build_defaults(build_ctx *c, int iTask, const char *zTaskId, json_t *pObj,
                              task_defaults *p) {
  char zBuf[64];
  json_t *pV;
  if((pV = json_object_get(pObj, "retries"))) {
    const char *z = scalar_text(pV, zBuf, sizeof(zBuf));
    char *zEnd = NULL;
    long v = z ? strtol(z, &zEnd, 10) : -1;
    if(!z || !*z || *zEnd || v < 0 || v > 1000)
      return build_fail(c, iTask, zTaskId, "retries", "retries must be a whole number 0..1000, not '%.40s'", z ? z : "?");
    p->retries = (int)v;
  }
  static const char *const azDur[] = {"retry_delay", "max_retry_delay", "execution_timeout"};
  int64_t *apDur[] = {&p->retryDelay, &p->maxRetryDelay, &p->executionTimeout};
  for(int i = 0; i < 3; i++) {
    if(!(pV = json_object_get(pObj, azDur[i]))) continue;
    const char *z = scalar_text(pV, zBuf, sizeof(zBuf));
    if(!z || airc_duration_parse(z, apDur[i]))
      return build_fail(c, iTask, zTaskId, azDur[i], "%s: bad duration '%.40s' (write 30s, 5m, 2h or 1d)",
                        azDur[i], z ? z : "?");
  }
  if((pV = json_object_get(pObj, "retry_exponential_backoff"))) {
    int b = airc_parse_bool(scalar_text(pV, zBuf, sizeof(zBuf)));
    if(b < 0) return build_fail(c, iTask, zTaskId, "retry_exponential_backoff", "retry_exponential_backoff must be true or false");
    p->retryExpBackoff = b;
  }
  return AIRC_OK;
}

/* Splits a comma list or reads an array of strings into a new JSON array. */
static json_t *build_list(json_t *pV) {
  json_t *pOut = json_array();
  if(json_is_array(pV)) {
    size_t i;
    json_t *pItem;
    json_array_foreach(pV, i, pItem) {
      if(!json_is_string(pItem)) {
        json_decref(pOut);
        return NULL;
      }
      json_array_append(pOut, pItem);
    }
    return pOut;
  }
  if(!json_is_string(pV)) {
    json_decref(pOut);
    return NULL;
  }
  const char *z = json_string_value(pV);
  while(*z) {
    while(*z == ',' || isspace((unsigned char)*z)) z++;
    const char *zStart = z;
    while(*z && *z != ',') z++;
    const char *zEnd = z;
    while(zEnd > zStart && isspace((unsigned char)zEnd[-1])) zEnd--;
    if(zEnd > zStart) json_array_append_new(pOut, json_stringn(zStart, (size_t)(zEnd - zStart)));
  }
  return pOut;
}

static char *dup_or_null(const char *z) { return z ? strdup(z) : NULL; }

int dag_dataset_uri_is_valid(const char *z) {
  const char *zSep = z ? strstr(z, "://") : NULL;
  if(!zSep || zSep == z || !zSep[3] || strlen(z) > DAG_DATASET_URI_MAX || !isalpha((unsigned char)z[0])) return 0;
  for(const char *p = z; p < zSep; p++)
    if(!isalnum((unsigned char)*p) && *p != '+' && *p != '-' && *p != '.') return 0;
  for(const char *p = z; *p; p++)
    if((unsigned char)*p <= 0x20 || *p == 0x7f) return 0;
  return 1;
}

/* A list of dataset URIs (comma list or JSON array) into *ppOut (new
 * reference); each one checked. zKey names the key in messages. */
static airc_rc build_uris(build_ctx *c, int iTask, const char *zTaskId, const char *zKey, json_t *pV, json_t **ppOut) {
  json_t *pList = build_list(pV);
  *ppOut = NULL;
  if(!pList) return build_fail(c, iTask, zTaskId, zKey, "%s must be a list of dataset URIs", zKey);
  if(!json_array_size(pList)) {
    json_decref(pList);
    return build_fail(c, iTask, zTaskId, zKey, "%s: the list of dataset URIs is empty", zKey);
  }
  size_t i;
  json_t *x;
  json_array_foreach(pList, i, x) {
    const char *z = json_string_value(x);
    airc_rc rc = AIRC_OK;
    if(!dag_dataset_uri_is_valid(z))
      rc = build_fail(c, iTask, zTaskId, zKey, "%s: '%.100s' is not a dataset URI (write scheme://path, e.g. s3://bucket/key)",
                      zKey, z);
    for(size_t k = 0; !rc && k < i; k++)
      if(!strcmp(json_string_value(json_array_get(pList, k)), z))
        rc = build_fail(c, iTask, zTaskId, zKey, "%s: '%.100s' is listed twice", zKey, z);
    if(rc) {
      json_decref(pList); /* after the message: z lives in it */
      return rc;
    }
  }
  *ppOut = pList;
  return AIRC_OK;
}

/* INI: "params.NAME.ATTR = X" lines arrive as key "NAME.ATTR" of params;
 * they are gathered into declarations {"value": V, ATTR: X}, X and V read
 * as the declared type. Line keys stay "params.NAME[.ATTR]". */
static airc_rc build_ini_params(build_ctx *c, json_t *pIn, json_t **ppOut) {
  json_t *pOut = json_object();
  *ppOut = pOut;
  const char *zKey;
  json_t *v;
  char zLine[600];
  json_object_foreach(pIn, zKey, v) {
    const char *zDot = strrchr(zKey, '.');
    if(!zDot || !param_schema_is_key(zDot + 1) || !strcmp(zDot + 1, "value")) {
      json_t *pOld = json_object_get(pOut, zKey);
      if(json_is_object(pOld)) json_object_set(pOld, "value", v);
      else json_object_set(pOut, zKey, v);
      continue;
    }
    snprintf(zLine, sizeof(zLine), "params.%s", zKey);
    char zName[300];
    snprintf(zName, sizeof(zName), "%.*s", (int)(zDot - zKey), zKey);
    if(!json_object_get(pIn, zName))
      return build_fail(c, -1, NULL, zLine, "params: '%.100s' has '%s' but no value (write params.%.100s = ...)", zName,
                        zDot + 1, zName);
    json_t *pDecl = json_object_get(pOut, zName);
    if(!json_is_object(pDecl)) {
      pDecl = json_object();
      json_object_set_new(pDecl, "value", json_incref(json_object_get(pIn, zName)));
      json_object_set_new(pOut, zName, pDecl);
    }
    json_object_set(pDecl, zDot + 1, v);
  }
  /* types next: numbers, lists and the value itself are read as the type says */
  json_object_foreach(pOut, zKey, v) {
    if(!json_is_object(v)) continue;
    char zName[300];
    snprintf(zName, sizeof(zName), "params.%s", zKey);
    static const char *const azNum[] = {"minimum", "maximum", "minLength", "maxLength"};
    for(int i = 0; i < 4; i++) {
      json_t *x = json_object_get(v, azNum[i]);
      if(!json_is_string(x)) continue;
      char *zEnd = NULL;
      const char *z = json_string_value(x);
      double dv = strtod(z, &zEnd);
      snprintf(zLine, sizeof(zLine), "params.%s.%s", zKey, azNum[i]);
      if(!*z || *zEnd) return build_fail(c, -1, NULL, zLine, "params: '%.100s': %s must be a number, not '%.40s'", zKey, azNum[i], z);
      json_object_set_new(v, azNum[i], i < 2 && strchr(z, '.') ? json_real(dv) : json_integer((json_int_t)dv));
    }
    json_t *pSchema = json_deep_copy(v);
    json_object_del(pSchema, "value");
    json_object_del(pSchema, "enum");
    airc_err e = {0};
    snprintf(zLine, sizeof(zLine), "params.%s.type", zKey);
    if(param_schema_check_schema(zKey, pSchema, &e)) {
      json_decref(pSchema);
      return build_fail(c, -1, NULL, zLine, "params: %s", e.zMsg);
    }
    json_t *pEnum = json_object_get(v, "enum");
    if(json_is_string(pEnum)) {
      /* "dev, prod" or a JSON list */
      json_t *pList = json_loads(json_string_value(pEnum), 0, NULL);
      if(!json_is_array(pList)) {
        json_decref(pList);
        pList = json_array();
        char *zAll = strdup(json_string_value(pEnum));
        for(char *zSave = NULL, *zTok = zAll ? strtok_r(zAll, ",", &zSave) : NULL; zTok; zTok = strtok_r(NULL, ",", &zSave)) {
          while(*zTok == ' ' || *zTok == '\t') zTok++;
          size_t n = strlen(zTok);
          while(n && (zTok[n - 1] == ' ' || zTok[n - 1] == '\t')) zTok[--n] = 0;
          json_t *x = param_schema_coerce(pSchema, zTok);
          if(!x) {
            snprintf(zLine, sizeof(zLine), "params.%s.enum", zKey);
            free(zAll);
            json_decref(pList);
            json_decref(pSchema);
            return build_fail(c, -1, NULL, zLine, "params: '%.100s': enum item '%.40s' is not %s", zKey, zTok,
                              json_string_value(json_object_get(v, "type")));
          }
          json_array_append_new(pList, x);
        }
        free(zAll);
      }
      json_object_set_new(v, "enum", pList);
    }
    json_t *pVal = json_object_get(v, "value");
    if(json_is_string(pVal)) {
      json_t *x = param_schema_coerce(pSchema, json_string_value(pVal));
      if(!x) {
        airc_err e2 = {0};
        airc_rc rcV = param_schema_check_value(zKey, pSchema, pVal, &e2);
        json_decref(pSchema);
        return build_fail(c, -1, NULL, zName, "params: %s", rcV ? e2.zMsg : "value does not read as its type");
      }
      json_object_set_new(v, "value", x);
    }
    json_decref(pSchema);
  }
  return AIRC_OK;
}

/* params -> d->pParams (values) and d->pParamSchema (typed ones). */
static airc_rc build_params(build_ctx *c, json_t *pIn, dag *d) {
  json_t *pOwned = NULL;
  if(c->pLines) {
    airc_rc rc = build_ini_params(c, pIn, &pOwned);
    if(rc) {
      json_decref(pOwned);
      return rc;
    }
    pIn = pOwned;
  }
  const char *zKey;
  json_t *v;
  char zLine[600];
  json_object_foreach(pIn, zKey, v) {
    if(!param_schema_is_decl(v)) {
      json_object_set(d->pParams, zKey, v);
      continue;
    }
    snprintf(zLine, sizeof(zLine), "params.%s", zKey);
    json_t *pVal = json_object_get(v, "value");
    if(!pVal) {
      json_decref(pOwned);
      return build_fail(c, -1, NULL, zLine, "params: '%.100s' has a schema but no \"value\"", zKey);
    }
    json_t *pSchema = json_deep_copy(v);
    json_object_del(pSchema, "value");
    airc_err e = {0};
    if(param_schema_check_schema(zKey, pSchema, &e) || param_schema_check_value(zKey, pSchema, pVal, &e)) {
      json_decref(pSchema);
      json_decref(pOwned);
      return build_fail(c, -1, NULL, zLine, "params: %s", e.zMsg);
    }
    json_object_set(d->pParams, zKey, pVal);
    json_object_set_new(d->pParamSchema, zKey, pSchema);
  }
  json_decref(pOwned);
  return AIRC_OK;
}

/* ---- notifications, deadlines, pools, priorities (docs/authoring.md) ---- */

static const char *const azNotifyTaskEvent[] = {"on_failure", "on_retry", "on_success", NULL};
static const char *const azNotifyRunEvent[] = {"on_run_failure", "on_run_success", "on_deadline_miss", NULL};

int dag_notify_target_is_valid(const char *z) {
  size_t n = strlen(z);
  if(n == 0 || n > 2000) return 0;
  for(const char *q = z; *q; q++)
    if((unsigned char)*q <= 0x20 || *q == 0x7f) return 0;
  if(!strncmp(z, "conn:", 5)) return z[5] != 0 && strlen(z + 5) <= 250;
  static const char *const azScheme[] = {"http://", "https://", "smtp://", "smtps://"};
  for(int i = 0; i < 4; i++) {
    size_t k = strlen(azScheme[i]);
    if(strncmp(z, azScheme[i], k) || !z[k] || z[k] == '/') continue;
    /* e-mail: smtp://HOST[:PORT]/RECIPIENT */
    if(i >= 2) return strchr(z + k, '/') && strchr(strchr(z + k, '/'), '@');
    return 1;
  }
  return 0;
}

/* Reads a notification key (comma list or array) into *ppOut (new array;
 * empty: notify nobody, which overrides a [dag] default). */
static airc_rc build_targets(build_ctx *c, int iTask, const char *zTaskId, const char *zKey, json_t *pV,
                             json_t **ppOut) {
  *ppOut = build_list(pV);
  if(!*ppOut) return build_fail(c, iTask, zTaskId, zKey, "%s must be a list of targets", zKey);
  size_t i;
  json_t *pT;
  json_array_foreach(*ppOut, i, pT) {
    const char *z = json_string_value(pT);
    if(!dag_notify_target_is_valid(z)) {
      airc_rc rc = build_fail(c, iTask, zTaskId, zKey,
                              "%s: bad target '%.100s' (write http(s)://..., smtp://HOST[:PORT]/RECIPIENT or conn:NAME)",
                              zKey, z);
      json_decref(*ppOut);
      *ppOut = NULL;
      return rc;
    }
  }
  return AIRC_OK;
}

/* [dag]: run events, the deadline, and the task events' defaults. */
static airc_rc build_dag_notify(build_ctx *c, json_t *pSec, dag *d) {
  json_t *pV, *pList;
  char zBuf[64];
  for(int i = 0; azNotifyRunEvent[i]; i++) {
    if(!(pV = json_object_get(pSec, azNotifyRunEvent[i]))) continue;
    airc_rc rc = build_targets(c, -1, NULL, azNotifyRunEvent[i], pV, &pList);
    if(rc) return rc;
    if(!d->pNotify) d->pNotify = json_object();
    json_object_set_new(d->pNotify, azNotifyRunEvent[i], pList);
  }
  for(int i = 0; azNotifyTaskEvent[i]; i++) {
    if(!(pV = json_object_get(pSec, azNotifyTaskEvent[i]))) continue;
    airc_rc rc = build_targets(c, -1, NULL, azNotifyTaskEvent[i], pV, &pList);
    if(rc) return rc;
    if(!c->pNotifyDefault) c->pNotifyDefault = json_object();
    json_object_set_new(c->pNotifyDefault, azNotifyTaskEvent[i], pList);
  }
  if((pV = json_object_get(pSec, "deadline")) && !json_is_null(pV)) {
    const char *z = scalar_text(pV, zBuf, sizeof(zBuf));
    if(!z || airc_duration_parse(z, &d->deadline) || d->deadline <= 0)
      return build_fail(c, -1, NULL, "deadline", "deadline: bad duration '%.40s' (write 30s, 5m, 2h or 1d)", z ? z : "?");
  }
  return AIRC_OK;
}

/* A task's pool, pool_slots, priority_weight, weight_rule and its
 * notification targets (over the [dag] defaults). */
static airc_rc build_task_pool(build_ctx *c, int iTask, const char *zId, json_t *pObj, dag_task *t) {
  json_t *pV;
  char zBuf[64];
  t->poolSlots = 1;
  t->priorityWeight = 1;
  t->weightRule = DAG_WEIGHT_DOWNSTREAM;
  if((pV = json_object_get(pObj, "pool"))) {
    const char *z = json_string_value(pV);
    size_t n = z ? strlen(z) : 0;
    int bOk = n > 0 && n <= 256;
    for(size_t k = 0; bOk && k < n; k++)
      bOk = isalnum((unsigned char)z[k]) || z[k] == '_' || z[k] == '-' || z[k] == '.';
    if(!bOk)
      return build_fail(c, iTask, zId, "pool", "pool must be 1..256 letters, digits, '_', '-' or '.', not '%.60s'",
                        z ? z : "?");
    if(strcmp(z, DAG_DEFAULT_POOL)) t->zPool = strdup(z);
  }
  if((pV = json_object_get(pObj, "pool_slots"))) {
    const char *z = scalar_text(pV, zBuf, sizeof(zBuf));
    char *zEnd = NULL;
    long v = z ? strtol(z, &zEnd, 10) : 0;
    if(!z || !*z || *zEnd || v < 1 || v > 100000)
      return build_fail(c, iTask, zId, "pool_slots", "pool_slots must be a whole number 1..100000, not '%.40s'", z ? z : "?");
    t->poolSlots = (int)v;
  }
  if((pV = json_object_get(pObj, "priority_weight"))) {
    const char *z = scalar_text(pV, zBuf, sizeof(zBuf));
    char *zEnd = NULL;
    long long v = z ? strtoll(z, &zEnd, 10) : 0;
    if(!z || !*z || *zEnd || v < -1000000000LL || v > 1000000000LL)
      return build_fail(c, iTask, zId, "priority_weight",
                        "priority_weight must be a whole number -1000000000..1000000000, not '%.40s'", z ? z : "?");
    t->priorityWeight = v;
  }
  if((pV = json_object_get(pObj, "weight_rule"))) {
    const char *z = json_string_value(pV);
    int r = -1;
    for(int k = 0; z && k < 3; k++)
      if(!strcmp(z, dag_weight_rule_name(k))) r = k;
    if(r < 0)
      return build_fail(c, iTask, zId, "weight_rule", "unknown weight_rule '%.60s' (downstream, upstream, absolute)",
                        z ? z : "?");
    t->weightRule = r;
  }
  for(int i = 0; azNotifyTaskEvent[i]; i++) {
    json_t *pList = NULL;
    if((pV = json_object_get(pObj, azNotifyTaskEvent[i]))) {
      airc_rc rc = build_targets(c, iTask, zId, azNotifyTaskEvent[i], pV, &pList);
      if(rc) return rc;
    } else if(c->pNotifyDefault && (pV = json_object_get(c->pNotifyDefault, azNotifyTaskEvent[i]))) {
      pList = json_incref(pV);
    }
    if(!pList) continue;
    if(!json_array_size(pList)) { /* "" overrides a default: notify nobody */
      json_decref(pList);
      continue;
    }
    if(!t->pNotify) t->pNotify = json_object();
    json_object_set_new(t->pNotify, azNotifyTaskEvent[i], pList);
  }
  return AIRC_OK;
}

static airc_rc build_dag_section(build_ctx *c, json_t *pSec, dag *d, task_defaults *pDef) {
  const char *zKey;
  json_t *pV;
  char zBuf[64];
  pV = json_object_get(pSec, "id");
  const char *zId = json_is_string(pV) ? json_string_value(pV) : NULL;
  if(pV && !zId) return build_fail(c, -1, NULL, "id", "DAG id must be a string");
  if(!zId || !*zId) return build_fail(c, -1, NULL, "id", "[dag] has no 'id'");
  if(strlen(zId) > DAG_ID_MAX)
    return build_fail(c, -1, NULL, "id", "DAG id is %zu characters long, above the limit of %d (ids name log folders and files)",
                      strlen(zId), DAG_ID_MAX);
  if(!dag_id_is_valid(zId))
    return build_fail(c, -1, NULL, "id", "DAG id '%.250s' is not valid (1-200 characters, no spaces, '/', '\\' or ',')", zId);
  d->zId = strdup(zId);
  c->zDagId = d->zId;
  json_object_foreach(pSec, zKey, pV) {
    if(!str_in(zKey, azDagKeys))
      return build_fail(c, -1, NULL, zKey, "unknown key '%.100s' in [dag]", zKey);
  }
  d->zDescription = dup_or_null(json_string_value(json_object_get(pSec, "description")));
  if(json_object_get(pSec, "description") && !json_is_string(json_object_get(pSec, "description")))
    return build_fail(c, -1, NULL, "description", "description must be a string");
  pV = json_object_get(pSec, "schedule");
  const char *zSchedKey = "schedule";
  if(!pV) {
    pV = json_object_get(pSec, "schedule_interval");
    zSchedKey = "schedule_interval";
  }
  if(json_is_array(pV) || (json_is_string(pV) && strstr(json_string_value(pV), "://"))) {
    /* data-aware: a list of dataset URIs (docs/authoring.md, Datasets) */
    airc_rc rcU = build_uris(c, -1, NULL, zSchedKey, pV, &d->pScheduleDatasets);
    if(rcU) return rcU;
    pV = NULL;
  }
  const char *zSched = pV ? (json_is_null(pV) ? "none" : json_string_value(pV)) : "none";
  if(!zSched) return build_fail(c, -1, NULL, zSchedKey, "schedule must be a string");
  char zErr[300];
  if(cron_parse(zSched, &d->schedule, zErr, sizeof(zErr)))
    return build_fail(c, -1, NULL, zSchedKey, "bad schedule: %s", zErr);
  d->zSchedule = strdup(zSched);
  if((pV = json_object_get(pSec, "timezone")) && !json_is_null(pV)) {
    const char *zTz = json_string_value(pV);
    if(!zTz) return build_fail(c, -1, NULL, "timezone", "timezone must be a string (an IANA name such as Europe/Paris)");
    const tz_zone *pZone = tz_zone_load(zTz, zErr, sizeof(zErr));
    if(!pZone) return build_fail(c, -1, NULL, "timezone", "%s", zErr);
    /* UTC and its aliases keep the plain UTC path (and the canonical form) */
    if(!tz_zone_is_utc(pZone)) {
      d->schedule.pZone = pZone;
      d->zTimezone = strdup(zTz);
    }
  }
  static const char *const azDate[] = {"start_date", "end_date"};
  int64_t *apDate[] = {&d->startDate, &d->endDate};
  int *apHas[] = {&d->hasStartDate, &d->hasEndDate};
  for(int i = 0; i < 2; i++) {
    if(!(pV = json_object_get(pSec, azDate[i])) || json_is_null(pV)) continue;
    const char *z = json_string_value(pV);
    if(!z)
      return build_fail(c, -1, NULL, azDate[i], "%s must be a string (ISO 8601 UTC, e.g. \"2026-01-01T00:00:00Z\")", azDate[i]);
    if(airc_time_parse(z, apDate[i]))
      return build_fail(c, -1, NULL, azDate[i], "%s: bad date '%.60s' (write ISO 8601 UTC, e.g. 2026-01-01T00:00:00Z)",
                        azDate[i], z ? z : "?");
    *apHas[i] = 1;
  }
  if(d->schedule.kind != SCHEDULE_NONE && !d->hasStartDate)
    return build_fail(c, -1, NULL, zSchedKey, "a scheduled DAG needs a start_date");
  if(d->hasStartDate && d->hasEndDate && d->endDate < d->startDate)
    return build_fail(c, -1, NULL, "end_date", "end_date is before start_date");
  if(d->schedule.kind == SCHEDULE_CRON && cron_next(&d->schedule, d->hasStartDate ? d->startDate - 1 : 0) < 0)
    return build_fail(c, -1, NULL, zSchedKey, "schedule '%s' never fires", zSched);
  d->catchup = 0;
  if((pV = json_object_get(pSec, "catchup"))) {
    int b = airc_parse_bool(scalar_text(pV, zBuf, sizeof(zBuf)));
    if(b < 0) return build_fail(c, -1, NULL, "catchup", "catchup must be true or false");
    d->catchup = b;
  }
  static const char *const azMax[] = {"max_active_runs", "max_active_tasks"};
  int *apMax[] = {&d->maxActiveRuns, &d->maxActiveTasks};
  d->maxActiveRuns = 16;
  d->maxActiveTasks = 16;
  for(int i = 0; i < 2; i++) {
    if(!(pV = json_object_get(pSec, azMax[i]))) continue;
    const char *z = scalar_text(pV, zBuf, sizeof(zBuf));
    char *zEnd = NULL;
    long v = z ? strtol(z, &zEnd, 10) : 0;
    if(!z || !*z || *zEnd || v < 1 || v > 100000)
      return build_fail(c, -1, NULL, azMax[i], "%s must be a whole number 1..100000", azMax[i]);
    *apMax[i] = (int)v;
  }
  if((pV = json_object_get(pSec, "tags"))) {
    d->pTags = build_list(pV);
    if(!d->pTags) return build_fail(c, -1, NULL, "tags", "tags must be a list of strings");
  } else {
    d->pTags = json_array();
  }
  d->pParams = json_object();
  d->pParamSchema = json_object();
  if((pV = json_object_get(pSec, "params"))) {
    if(!json_is_object(pV)) return build_fail(c, -1, NULL, "params", "params must be an object");
    airc_rc rc = build_params(c, pV, d);
    if(rc) return rc;
  }
  airc_rc rcExt = build_dag_notify(c, pSec, d);
  if(rcExt) return rcExt;
  pDef->retryDelay = 300;
  pDef->maxRetryDelay = 86400;
  return build_defaults(c, -1, NULL, pSec, pDef);
}

/* expand, max_active_tis_per_dag and group (dynamic task mapping and task
 * groups, docs/authoring.md). */
static airc_rc build_mapping(build_ctx *c, int iTask, const char *zId, json_t *pObj, dag_task *t) {
  char zBuf[64];
  json_t *pV = json_object_get(pObj, "expand");
  if(pV) {
    json_t *pList = NULL;
    const char *z = json_string_value(pV);
    while(z && isspace((unsigned char)*z)) z++;
    if(json_is_array(pV)) {
      pList = json_incref(pV);
    } else if(z && !strncmp(z, "xcom.", 5)) {
      const char *zTask = z + 5;
      if(!dag_id_is_valid(zTask))
        return build_fail(c, iTask, zId, "expand", "expand = xcom.TASK: '%.100s' is not a task id", zTask);
      if(!strcmp(zTask, zId)) return build_fail(c, iTask, zId, "expand", "expand: a task cannot expand over its own XCom");
      t->zExpandTask = strdup(zTask);
    } else if(z && *z == '[') {
      json_error_t je;
      pList = json_loads(z, JSON_DECODE_ANY, &je);
      if(!json_is_array(pList)) {
        json_decref(pList);
        return build_fail(c, iTask, zId, "expand", "expand: bad JSON list: %s", je.text);
      }
    } else {
      return build_fail(c, iTask, zId, "expand", "expand must be xcom.TASK or a JSON list such as [1, 2, 3], not '%.60s'",
                        z ? z : "?");
    }
    if(pList && json_array_size(pList) > DAG_MAP_MAX) {
      json_decref(pList);
      return build_fail(c, iTask, zId, "expand", "expand: a list of more than %d items", DAG_MAP_MAX);
    }
    t->pExpandList = pList;
  }
  if((pV = json_object_get(pObj, "max_active_tis_per_dag"))) {
    const char *z = scalar_text(pV, zBuf, sizeof(zBuf));
    char *zEnd = NULL;
    long v = z ? strtol(z, &zEnd, 10) : 0;
    if(!z || !*z || *zEnd || v < 1 || v > 100000)
      return build_fail(c, iTask, zId, "max_active_tis_per_dag", "max_active_tis_per_dag must be a whole number 1..100000");
    t->maxActiveTis = (int)v;
  }
  if((pV = json_object_get(pObj, "group"))) {
    const char *z = json_string_value(pV);
    size_t n = z ? strlen(z) : 0;
    int bOk = n > 0 && n <= 100;
    for(size_t k = 0; bOk && k < n; k++)
      bOk = isalnum((unsigned char)z[k]) || z[k] == '_' || z[k] == '-' || z[k] == '.';
    if(!bOk)
      return build_fail(c, iTask, zId, "group", "group must be 1..100 letters, digits, '_', '-' or '.', not '%.60s'", z ? z : "?");
    t->zGroup = strdup(z);
  }
  return AIRC_OK;
}

static airc_rc build_task(build_ctx *c, int iTask, json_t *pObj, const task_defaults *pDef,
                          dag_task *t) {
  json_t *pV;
  const char *zKey;
  char zBuf[64];
  if(!json_is_object(pObj)) return build_fail(c, iTask, NULL, NULL, "task #%d is not an object", iTask + 1);
  pV = json_object_get(pObj, "id");
  const char *zId = json_is_string(pV) ? json_string_value(pV) : NULL;
  if(pV && !zId) return build_fail(c, iTask, NULL, NULL, "task #%d: id must be a string", iTask + 1);
  if(!zId || !*zId) return build_fail(c, iTask, NULL, NULL, "task #%d has no 'id'", iTask + 1);
  if(strlen(zId) > DAG_ID_MAX)
    return build_fail(c, iTask, NULL, "id", "task #%d: id is %zu characters long, above the limit of %d (ids name log folders and files)",
                      iTask + 1, strlen(zId), DAG_ID_MAX);
  if(!dag_id_is_valid(zId))
    return build_fail(c, iTask, zId, "id", "task id is not valid (1-200 characters, no spaces, '/', '\\' or ',')");
  t->zId = strdup(zId);
  t->line = build_line(c, iTask, "");
  pV = json_object_get(pObj, "type");
  const char *zType = json_is_string(pV) ? json_string_value(pV) : NULL;
  if(!zType || !*zType) return build_fail(c, iTask, zId, NULL, "missing 'type'");
  /* DAG_TYPES_STORED: a stored version, checked when it was ingested (and
   * the binary reading it, e.g. the web server, may not run every type) */
  const int bStored = c->apType == DAG_TYPES_STORED;
  const task_schema *pType = bStored ? NULL : task_schema_find(c->apType, zType);
  if(!pType && !bStored) {
    char zKnown[300] = "";
    const task_schema *const *ap = c->apType;
    for(int i = 0; ap && ap[i]; i++) {
      strncat(zKnown, i ? ", " : "", sizeof(zKnown) - strlen(zKnown) - 1);
      strncat(zKnown, ap[i]->zName, sizeof(zKnown) - strlen(zKnown) - 1);
    }
    return build_fail(c, iTask, zId, "type", "unknown task type '%.60s' (known: %s)", zType, zKnown[0] ? zKnown : "none");
  }
  t->zType = strdup(zType);
  t->pOptions = json_object();
  json_object_foreach(pObj, zKey, pV) {
    if(dag_is_task_common_key(zKey)) continue;
    if(pType && !task_schema_has_key(pType, zKey))
      return build_fail(c, iTask, zId, zKey, "unknown key '%.100s' for a task of type '%s'", zKey, zType);
    const char *z = scalar_text(pV, zBuf, sizeof(zBuf));
    if(!z) return build_fail(c, iTask, zId, zKey, "'%s' must be a string", zKey);
    if(pType && pType->azKeyTypes) {
      char zErr[300] = "";
      if(task_schema_check_type(task_schema_key_type(pType, zKey), z, zErr, sizeof(zErr)))
        return build_fail(c, iTask, zId, zKey, "%s: %s", zKey, zErr);
    }
    if(pType && pType->xValidate) {
      char zErr[300] = "";
      if(pType->xValidate(zKey, z, zErr, sizeof(zErr)))
        return build_fail(c, iTask, zId, zKey, "%s: %s", zKey, zErr);
    }
    json_object_set_new(t->pOptions, zKey, json_string(z));
  }
  for(int i = 0; pType && pType->azRequired && pType->azRequired[i]; i++) {
    if(!json_object_get(t->pOptions, pType->azRequired[i]))
      return build_fail(c, iTask, zId, NULL, "missing '%s' (required by type '%s')", pType->azRequired[i], zType);
  }
  if(pType && pType->xCheck) {
    char zErr[300] = "";
    const char *zBadKey = NULL;
    if(pType->xCheck(t->pOptions, &zBadKey, zErr, sizeof(zErr))) return build_fail(c, iTask, zId, zBadKey, "%s", zErr);
  }
  task_defaults def = *pDef;
  airc_rc rc = build_defaults(c, iTask, zId, pObj, &def);
  if(rc) return rc;
  t->retries = def.retries;
  t->retryDelay = def.retryDelay;
  t->maxRetryDelay = def.maxRetryDelay;
  t->executionTimeout = def.executionTimeout;
  t->retryExpBackoff = def.retryExpBackoff;
  if((pV = json_object_get(pObj, "queue"))) {
    /* which workers may run it (docs/scaling.md); "default" is kept as
     * NULL so that a DAG's version hash does not change for it */
    const char *z = json_string_value(pV);
    size_t n = z ? strlen(z) : 0;
    int bOk = n > 0 && n <= 64;
    for(size_t k = 0; bOk && k < n; k++)
      bOk = isalnum((unsigned char)z[k]) || z[k] == '_' || z[k] == '-' || z[k] == '.';
    if(!bOk)
      return build_fail(c, iTask, zId, "queue", "queue must be 1..64 letters, digits, '_', '-' or '.', not '%.60s'",
                        z ? z : "?");
    if(strcmp(z, "default")) t->zQueue = strdup(z);
  }
  rc = build_task_pool(c, iTask, zId, pObj, t);
  if(rc) return rc;
  if((pV = json_object_get(pObj, "outlets"))) {
    airc_rc rcU = build_uris(c, iTask, zId, "outlets", pV, &t->pOutlets);
    if(rcU) return rcU;
  }
  rc = build_mapping(c, iTask, zId, pObj, t);
  if(rc) return rc;
  t->rule = TRIGGER_ALL_SUCCESS;
  if((pV = json_object_get(pObj, "trigger_rule"))) {
    const char *z = json_string_value(pV);
    if(!z || !trigger_rule_parse(z, &t->rule))
      return build_fail(c, iTask, zId, "trigger_rule",
                        "unknown trigger_rule '%.60s' (all_success, all_failed, all_done, one_success, one_failed, none_failed, none_skipped, always)",
                        z ? z : "?");
  }
  if((pV = json_object_get(pObj, "upstream"))) {
    json_t *pList = build_list(pV);
    if(!pList) return build_fail(c, iTask, zId, "upstream", "upstream must be a list of task ids");
    t->nUpstream = (int)json_array_size(pList);
    t->azUpstream = calloc((size_t)t->nUpstream + 1, sizeof(char *));
    t->aiUpstream = calloc((size_t)t->nUpstream + 1, sizeof(int));
    for(int i = 0; i < t->nUpstream; i++)
      t->azUpstream[i] = strdup(json_string_value(json_array_get(pList, (size_t)i)));
    json_decref(pList);
  }
  if(t->zExpandTask) {
    /* expand = xcom.TASK: TASK runs first, as Airflow's XComArg implies */
    int bListed = 0;
    for(int i = 0; i < t->nUpstream && !bListed; i++) bListed = !strcmp(t->azUpstream[i], t->zExpandTask);
    if(!bListed) {
      char **az = realloc(t->azUpstream, sizeof(char *) * (size_t)(t->nUpstream + 2));
      int *ai = realloc(t->aiUpstream, sizeof(int) * (size_t)(t->nUpstream + 2));
      if(az) t->azUpstream = az;
      if(ai) t->aiUpstream = ai;
      if(!az || !ai) return airc_err_set(c->pErr, AIRC_ERR_NOMEM, "out of memory");
      t->azUpstream[t->nUpstream++] = strdup(t->zExpandTask);
    }
  }
  return AIRC_OK;
}

/* Depth-first search for a cycle; on finding one writes "a -> b -> a". */
static int find_cycle(dag *d, int i, int *aColor, int *aStack, int nStack, char *zOut, size_t nOut,
                      int *piFirst) {
  aColor[i] = 1;
  aStack[nStack++] = i;
  dag_task *t = &d->aTask[i];
  for(int k = 0; k < t->nDownstream; k++) {
    int j = t->aiDownstream[k];
    if(aColor[j] == 1) {
      int s = nStack - 1;
      while(s > 0 && aStack[s] != j) s--;
      zOut[0] = 0;
      for(int m = s; m < nStack; m++) {
        strncat(zOut, d->aTask[aStack[m]].zId, nOut - strlen(zOut) - 1);
        strncat(zOut, " -> ", nOut - strlen(zOut) - 1);
      }
      strncat(zOut, d->aTask[j].zId, nOut - strlen(zOut) - 1);
      *piFirst = j;
      return 1;
    }
    if(aColor[j] == 0 && find_cycle(d, j, aColor, aStack, nStack, zOut, nOut, piFirst)) return 1;
  }
  aColor[i] = 2;
  return 0;
}

static airc_rc build_graph(build_ctx *c, dag *d) {
  /* aSeen[j] == i + 1: task j is already an upstream of task i */
  int *aSeen = calloc((size_t)d->nTask + 1, sizeof(int));
  if(!aSeen) return airc_err_set(c->pErr, AIRC_ERR_NOMEM, "out of memory");
  for(int i = 0; i < d->nTask; i++) {
    dag_task *t = &d->aTask[i];
    for(int k = 0; k < t->nUpstream; k++) {
      json_t *pJ = json_object_get(c->pIndex, t->azUpstream[k]);
      int j = pJ ? (int)json_integer_value(pJ) : -1;
      airc_rc rc = AIRC_OK;
      if(j < 0 && t->zExpandTask && !strcmp(t->azUpstream[k], t->zExpandTask))
        rc = build_fail(c, i, t->zId, "expand", "expand = xcom.%.200s: '%.200s' is not a task of DAG '%s'", t->zExpandTask,
                        t->zExpandTask, d->zId);
      else if(j < 0)
        rc = build_fail(c, i, t->zId, "upstream", "upstream '%.250s' is not a task of DAG '%s'", t->azUpstream[k], d->zId);
      else if(aSeen[j] == i + 1)
        rc = build_fail(c, i, t->zId, "upstream", "upstream '%.250s' is listed twice", t->azUpstream[k]);
      if(rc) {
        free(aSeen);
        return rc;
      }
      aSeen[j] = i + 1;
      t->aiUpstream[k] = j;
      d->aTask[j].nDownstream++;
    }
  }
  free(aSeen);
  for(int i = 0; i < d->nTask; i++) {
    d->aTask[i].aiDownstream = calloc((size_t)d->aTask[i].nDownstream + 1, sizeof(int));
    d->aTask[i].nDownstream = 0;
  }
  for(int i = 0; i < d->nTask; i++) {
    dag_task *t = &d->aTask[i];
    for(int k = 0; k < t->nUpstream; k++) {
      dag_task *u = &d->aTask[t->aiUpstream[k]];
      u->aiDownstream[u->nDownstream++] = i;
    }
  }
  int *aColor = calloc((size_t)d->nTask + 1, sizeof(int));
  int *aStack = calloc((size_t)d->nTask + 1, sizeof(int));
  char zCycle[600];
  int iFirst = -1, bCycle = 0;
  for(int i = 0; i < d->nTask && !bCycle; i++)
    if(!aColor[i]) bCycle = find_cycle(d, i, aColor, aStack, 0, zCycle, sizeof(zCycle), &iFirst);
  free(aColor);
  free(aStack);
  if(bCycle)
    return build_fail(c, iFirst, d->aTask[iFirst].zId, "upstream", "DAG '%s' has a cycle: %s", d->zId, zCycle);
  return AIRC_OK;
}

airc_rc dag_build(const char *zName, json_t *pDoc, json_t *pLines, const task_schema *const *apType,
                  dag **ppOut, airc_err *pErr) {
  build_ctx c = {zName, pLines, NULL, pErr, apType, NULL, NULL};
  *ppOut = NULL;
  if(!json_is_object(pDoc))
    return airc_err_set(pErr, AIRC_ERR_INVALID, "%s: a DAG file must hold an object {\"dag\": {...}, \"tasks\": [...]}", zName);
  const char *zKey;
  json_t *pV;
  json_object_foreach(pDoc, zKey, pV) {
    if(strcmp(zKey, "dag") && strcmp(zKey, "tasks"))
      return airc_err_set(pErr, AIRC_ERR_INVALID, "%s: unknown top-level key '%.100s' (expected \"dag\" and \"tasks\")", zName, zKey);
  }
  json_t *pSec = json_object_get(pDoc, "dag");
  if(!json_is_object(pSec))
    return airc_err_set(pErr, AIRC_ERR_INVALID, "%s: no [dag] section (\"dag\" object)", zName);
  json_t *pTasks = json_object_get(pDoc, "tasks");
  if(pTasks && !json_is_array(pTasks))
    return airc_err_set(pErr, AIRC_ERR_INVALID, "%s: \"tasks\" must be an array", zName);
  if(json_array_size(pTasks) > DAG_MAX_TASKS)
    return airc_err_set(pErr, AIRC_ERR_TOOBIG, "%s: more than %d tasks", zName, DAG_MAX_TASKS);
  dag *d = calloc(1, sizeof(dag));
  if(!d) return airc_err_set(pErr, AIRC_ERR_NOMEM, "out of memory");
  task_defaults def = {0};
  airc_rc rc = build_dag_section(&c, pSec, d, &def);
  if(!rc) {
    d->nTask = (int)json_array_size(pTasks);
    d->aTask = calloc((size_t)d->nTask + 1, sizeof(dag_task));
    c.pIndex = json_object();
    if(!d->aTask || !c.pIndex) rc = airc_err_set(pErr, AIRC_ERR_NOMEM, "out of memory");
    for(int i = 0; !rc && i < d->nTask; i++) {
      rc = build_task(&c, i, json_array_get(pTasks, (size_t)i), &def, &d->aTask[i]);
      if(!rc && json_object_get(c.pIndex, d->aTask[i].zId))
        rc = build_fail(&c, i, d->aTask[i].zId, "id", "duplicate task id in DAG '%s'", d->zId);
      if(!rc) json_object_set_new(c.pIndex, d->aTask[i].zId, json_integer(i));
    }
  }
  if(!rc) rc = build_graph(&c, d);
  json_decref(c.pIndex);
  json_decref(c.pNotifyDefault);
  if(rc) {
    /* DAG-level messages name the DAG once it is known */
    dag_free(d);
    return rc;
  }
  dag_compute_hash(d);
  *ppOut = d;
  return AIRC_OK;
}
