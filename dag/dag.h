/* dag.h: the DAG model, and how DAG files become it.
 *
 * A DAG file (INI or JSON) is first read into a "document": the JSON file
 * shape {"dag": {...}, "tasks": [{"id":...}, ...]} plus, for INI, the line
 * of every key (dag_parse.c). One builder (dag_build.c) then turns any
 * document into a validated `dag`: unknown keys, missing ids, duplicates,
 * bad upstreams, cycles, cron, dates, durations and task types are checked
 * there, once, for both formats. The canonical form of a DAG (dag_to_json)
 * is a document too, with every default made explicit; its SHA-256 is the
 * DAG's version hash, and a run re-reads the version it started with from
 * the store through the same builder. */
#ifndef AIRC_DAG_H
#define AIRC_DAG_H
#include <jansson.h>
#include <stdint.h>
#include "common/err.h"
#include "dag/cron.h"
#include "dag/task_schema.h"

#define DAG_FILE_MAX (1 << 20)   /* DAG files above 1 MiB are refused */
/* DAG and task ids name folders and files (logs/dag_id=D/run_id=R/
 * task_id=T/attempt=N.log, data/D/R/T.jsonl): every such name must fit in
 * NAME_MAX (255 bytes), prefix included. */
#define DAG_ID_MAX 200
#define DAG_NAME_MAX 255
_Static_assert(sizeof("task_id=") - 1 + DAG_ID_MAX <= DAG_NAME_MAX, "task ids must fit in a file name");
_Static_assert(DAG_ID_MAX + sizeof(".jsonl") - 1 <= DAG_NAME_MAX, "task ids must fit in a file name");
#define DAG_MAX_TASKS 20000

typedef enum trigger_rule {
  TRIGGER_ALL_SUCCESS, TRIGGER_ALL_FAILED, TRIGGER_ALL_DONE, TRIGGER_ONE_SUCCESS,
  TRIGGER_ONE_FAILED, TRIGGER_NONE_FAILED, TRIGGER_NONE_SKIPPED, TRIGGER_ALWAYS
} trigger_rule;

typedef struct dag_task {
  char *zId;
  char *zType;
  int line;                 /* line of the task's section, 0 if unknown */
  char **azUpstream;
  int nUpstream;
  int *aiUpstream;          /* indexes into dag.aTask, resolved by the builder */
  int *aiDownstream;
  int nDownstream;
  trigger_rule rule;
  int retries;
  int64_t retryDelay;       /* seconds */
  int retryExpBackoff;
  int64_t maxRetryDelay;    /* seconds */
  int64_t executionTimeout; /* seconds, 0 = none */
  json_t *pOptions;         /* type-specific keys -> string values (owned) */
  char *zQueue;             /* workers' queue (distributed executor); NULL = "default" */
  /* pools and priorities (docs/authoring.md) */
  char *zPool;              /* NULL = DAG_DEFAULT_POOL */
  int poolSlots;            /* slots a try takes in its pool, >= 1 */
  int64_t priorityWeight;   /* as written (default 1); dag_priority_weights() applies weightRule */
  int weightRule;           /* DAG_WEIGHT_* */
  json_t *pNotify;          /* NULL, or event (on_failure, on_retry, on_success) -> array of targets,
                             * the [dag] defaults included (owned) */
  json_t *pOutlets;         /* array of dataset URIs its success updates (owned), NULL if none */
  /* dynamic task mapping (docs/authoring.md): one instance per item of a
   * list known at run time. zExpandTask: `expand = xcom.TASK` (TASK is
   * made an upstream); pExpandList: `expand = [..]`, a literal JSON list
   * (owned). Both NULL: not mapped. */
  char *zExpandTask;
  json_t *pExpandList;
  int maxActiveTis;         /* max_active_tis_per_dag: 0 = no limit */
  char *zGroup;             /* task group (dashboard only), NULL = none */
} dag_task;

#define DAG_MAP_MAX 1024     /* items of one mapped task (Airflow's max_map_length) */

typedef struct dag {
  char *zId;
  char *zDescription;
  char *zSchedule;          /* as written */
  cron_expr schedule;       /* schedule.pZone: the DAG's time zone, NULL = UTC */
  char *zTimezone;          /* IANA name as written, NULL for UTC */
  json_t *pScheduleDatasets;/* schedule = a list of dataset URIs (owned): runs when all were
                             * updated since its last run; schedule.kind is then SCHEDULE_NONE
                             * and zSchedule "none". NULL for a time schedule */
  int64_t startDate;        /* seconds; valid if hasStartDate */
  int hasStartDate;
  int64_t endDate;
  int hasEndDate;
  int catchup;
  int maxActiveRuns;
  int maxActiveTasks;
  json_t *pTags;            /* array of strings (owned) */
  json_t *pParams;          /* object (owned): NAME -> default value */
  json_t *pParamSchema;     /* object (owned): NAME -> schema, typed params only (dag/param_schema.h) */
  dag_task *aTask;
  int nTask;
  char *zFile;              /* file it was read from, or NULL */
  char zHash[65];           /* hex SHA-256 of the canonical form */
  /* run notifications and deadline (docs/authoring.md) */
  json_t *pNotify;          /* NULL, or event (on_run_failure, on_run_success, on_deadline_miss) -> targets (owned) */
  int64_t deadline;         /* seconds after a run is queued; 0 = none */
} dag;

/* Airflow's default pool, and weight rules (dag_priority.c). */
#define DAG_DEFAULT_POOL "default_pool"
enum { DAG_WEIGHT_DOWNSTREAM = 0, DAG_WEIGHT_UPSTREAM = 1, DAG_WEIGHT_ABSOLUTE = 2 };
const char *dag_weight_rule_name(int rule);
/* Effective priority weight of every task into aOut (d->nTask entries), as
 * Airflow computes it: downstream = own weight + the weights of all tasks
 * downstream of it (each once), upstream = the same upstream, absolute =
 * own. Exact up to DAG_PRIORITY_EXACT_MAX tasks; above, shared descendants
 * count once per path (an upper bound, computed in linear time). Sums
 * saturate at INT64_MAX / 4. */
#define DAG_PRIORITY_EXACT_MAX 4096
void dag_priority_weights(const dag *d, int64_t *aOut /* OUT */);
/* 1 if z is a notification target airc can deliver to: http(s)://...,
 * smtp(s)://HOST[:PORT]/RECIPIENT, conn:NAME. */
int dag_notify_target_is_valid(const char *z);

/* Reads one DAG file (by extension: .ini or .json) into a validated dag.
 * On failure returns non-OK with pErr holding one line such as
 *   dags/x.ini:12: task 'b': upstream 'zz' is not a task of DAG 'x'
 * The file name in messages is zDisplay (e.g. the path as configured).
 * apType: the task types a task may name, NULL-terminated (the registry's
 * task_type_schemas()); a type not in it is an error naming the known ones. */
AIRC_WUR airc_rc dag_parse_file(const char *zPath, const task_schema *const *apType, dag **ppOut /* OUT */,
                                airc_err *pErr);
/* Same, from a buffer; zName is used for the format (by extension) and in
 * messages. Binary, huge or malformed input is refused, never crashes. */
AIRC_WUR airc_rc dag_parse_buffer(const char *zName, const char *zData, size_t nData,
                                  const task_schema *const *apType, dag **ppOut /* OUT */, airc_err *pErr);

/* Document layer (dag_parse.c): INI text -> document + line map. */
AIRC_WUR airc_rc dag_ini_to_doc(const char *zName, const char *zData, json_t **ppDoc /* OUT */,
                                json_t **ppLines /* OUT */, airc_err *pErr);
/* Builder (dag_build.c): document -> validated dag. pLines may be NULL.
 * Borrows pDoc and pLines. */
AIRC_WUR airc_rc dag_build(const char *zName, json_t *pDoc, json_t *pLines, const task_schema *const *apType,
                           dag **ppOut /* OUT */, airc_err *pErr);

/* Canonical document (new reference) and version hash (dag_model.c). */
json_t *dag_to_json(const dag *p);
void dag_compute_hash(dag *p);
/* Rebuilds a dag from its canonical JSON text (as stored with a run),
 * checking its tasks against apType as dag_parse_file does;
 * DAG_TYPES_STORED takes task types and options as they are (a version the
 * store kept was checked when it was ingested). */
#define DAG_TYPES_STORED ((const task_schema *const *)&dag_types_stored)
extern const task_schema *const dag_types_stored; /* only its address matters */
AIRC_WUR airc_rc dag_from_json_text(const char *zJson, const task_schema *const *apType, dag **ppOut /* OUT */,
                                    airc_err *pErr);

void dag_free(dag *p);
/* Index of task zId, or -1. */
int dag_task_index(const dag *p, const char *zId);
const char *trigger_rule_name(trigger_rule r);
int trigger_rule_parse(const char *z, trigger_rule *pOut);
/* 1 if z is acceptable as a DAG or task id. */
int dag_id_is_valid(const char *z);
/* Run ids name a log folder (run_id=R) and reach task commands through
 * {{ run_id }} and $AIRC_RUN_ID: only Airflow's run id characters
 * [A-Za-z0-9_.:+~-], 1..DAG_RUN_ID_MAX of them (dag/run_id.c). */
#define DAG_RUN_ID_MAX 200
_Static_assert(sizeof("run_id=") - 1 + DAG_RUN_ID_MAX <= DAG_NAME_MAX, "run ids must fit in a file name");

/* A run's conf travels to every task process in its environment
 * ($AIRC_CONF, plus $AIRC_CONF_<KEY> per key), where one string may not
 * exceed 128 KiB (Linux's MAX_ARG_STRLEN) and all of them together share
 * the argument space: confs above 64 KiB (as compact JSON) are refused. */
#define DAG_RUN_CONF_MAX (64 * 1024)

/* AIRC_OK if zRunId is a run id a user may choose; else AIRC_ERR_INVALID
 * with a one-line message naming the first bad character or the length. */
AIRC_WUR airc_rc dag_run_id_check(const char *zRunId, airc_err *pErr);
/* AIRC_OK if pConf (may be NULL) fits DAG_RUN_CONF_MAX; else
 * AIRC_ERR_INVALID naming the limit. */
AIRC_WUR airc_rc dag_run_conf_check(json_t *pConf, airc_err *pErr);
/* 1 if zKey is a key every task takes (id, type, upstream, trigger_rule,
 * retries, ...): the builder reads those itself, so a task type must not
 * declare an option of the same name (it could never be set). */
int dag_is_task_common_key(const char *zKey);
/* 1 if z reads as a dataset URI: scheme://rest, the scheme a letter then
 * letters, digits, '+', '-' or '.', no spaces or control characters,
 * at most DAG_DATASET_URI_MAX bytes. */
#define DAG_DATASET_URI_MAX 1000
int dag_dataset_uri_is_valid(const char *z);

#endif
