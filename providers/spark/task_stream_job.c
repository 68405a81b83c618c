/* task_stream_job.c: the `trigger-stream-job` task type.
 *
 * Maps options (with [spark], [kafka], [cassandra] and [postgres] config
 * defaults; postgres_url = the batch sink, default [postgres] url) to
 * stream_job_opts and runs stream_job_run(); the process handling is in
 * stream_job.c. XCom: {"mode","exit_code","checkpoint"} for available_now,
 * {"mode":"continuous","pid","started","checkpoint","log"} for continuous. */
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include "common/config.h"
#include "providers/spark/stream_job.h"
#include "executor/task_opt.h"
#include "executor/task_type.h"

#define TYPE "trigger-stream-job"

static const char *const g_azKeys[] = {"spark_submit", "master", "jars", "job", "name", "topic",
                                       "bootstrap_servers", "cassandra_host", "cassandra_port",
                                       "keyspace", "table", "postgres_url",
                                       "mode", "checkpoint", "timeout", "format", "registry_url", NULL};

static int stream_mode_parse(const char *z, int *pbContinuous) {
  if(!strcmp(z, "available_now")) { *pbContinuous = 0; return 0; }
  if(!strcmp(z, "continuous")) { *pbContinuous = 1; return 0; }
  return -1;
}

static int stream_validate(const char *zKey, const char *zValue, char *zErr, size_t nErr) {
  int b;
  if(!strcmp(zKey, "mode") && !strstr(zValue, "{{") && stream_mode_parse(zValue, &b)) {
    snprintf(zErr, nErr, "'%s' is not a mode (available_now or continuous)", zValue);
    return -1;
  }
  if(!strcmp(zKey, "timeout")) return task_opt_check_duration(zValue, zErr, nErr);
  if(!strcmp(zKey, "cassandra_port")) return task_opt_check_int(zValue, 1, 65535, zErr, nErr);
  return 0;
}

/* Default name: the job file's base name without ".py". */
static void stream_default_name(const char *zJob, char *zOut, size_t nOut) {
  char zCopy[4096];
  snprintf(zCopy, sizeof(zCopy), "%s", zJob);
  snprintf(zOut, nOut, "%s", basename(zCopy));
  char *zDot = strrchr(zOut, '.');
  if(zDot && zDot != zOut) *zDot = 0;
  for(char *p = zOut; *p; p++)
    if(!(((*p | 32) >= 'a' && (*p | 32) <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' || *p == '_'))
      *p = '_';
}

static int stream_run(const task_ctx *pCtx) {
  stream_job_opts o;
  stream_job_result res;
  airc_err err = {0};
  char zJobDefault[4200], zName[256], zCheckpoint[4200], zRun[4200], zLogs[4200];
  int64_t port;
  memset(&o, 0, sizeof(o));
  const char *zHome = pCtx->zAircHome && *pCtx->zAircHome ? pCtx->zAircHome : airc_home();
  snprintf(zJobDefault, sizeof(zJobDefault), "%s/jobs/spark_stream.py", zHome);
  snprintf(zCheckpoint, sizeof(zCheckpoint), "%s/checkpoints/%s/%s", zHome,
           pCtx->zDagId ? pCtx->zDagId : "dag", pCtx->zTaskId ? pCtx->zTaskId : "task");
  snprintf(zRun, sizeof(zRun), "%s/run", zHome);
  snprintf(zLogs, sizeof(zLogs), "%s/logs/stream", zHome);
  o.zSparkSubmit = task_opt_str(pCtx, "spark_submit", airc_config_get("spark", "spark_submit", "spark-submit"));
  o.zMaster = task_opt_str(pCtx, "master", airc_config_get("spark", "master", "local[2]"));
  o.zJars = task_opt_str(pCtx, "jars", airc_config_get("spark", "jars", NULL));
  o.zJob = task_opt_str(pCtx, "job", airc_config_get("spark", "job", zJobDefault));
  stream_default_name(o.zJob, zName, sizeof(zName));
  o.zName = task_opt_str(pCtx, "name", zName);
  o.zTopic = task_opt_str(pCtx, "topic", "users_created");
  o.zBootstrap = task_opt_str(pCtx, "bootstrap_servers",
                              airc_config_get("kafka", "bootstrap_servers", "127.0.0.1:9092"));
  o.zCassHost = task_opt_str(pCtx, "cassandra_host", airc_config_get("cassandra", "host", "127.0.0.1"));
  o.zKeyspace = task_opt_str(pCtx, "keyspace", NULL);
  o.zTable = task_opt_str(pCtx, "table", NULL);
  /* the values' format: what publish-kafka writes ([kafka] format) */
  o.zFormat = task_opt_str(pCtx, "format", airc_config_get("kafka", "format", "json"));
  o.zRegistryUrl = task_opt_str(pCtx, "registry_url", airc_config_get("registry", "url", NULL));
  o.zPgUrl = task_opt_str(pCtx, "postgres_url", airc_config_get("postgres", "url", NULL));
  o.zCassReplication = airc_config_get("cassandra", "replication_factor", NULL);
  o.zCassWriteCl = airc_config_get("cassandra", "write_consistency", NULL);
  o.zCheckpoint = task_opt_str(pCtx, "checkpoint", zCheckpoint);
  o.zRunDir = zRun;
  o.zLogDir = zLogs;
  const char *zMode = task_opt_str(pCtx, "mode", "available_now");
  airc_rc rc = AIRC_OK;
  if(stream_mode_parse(zMode, &o.bContinuous))
    rc = airc_err_set(&err, AIRC_ERR_INVALID, TYPE ": option 'mode': '%s' is not available_now or continuous", zMode);
  if(!rc) rc = task_opt_int(pCtx, TYPE, "cassandra_port", airc_config_get_int("cassandra", "port", 9042),
                            1, 65535, &port, &err);
  if(!rc) rc = task_opt_duration_ms(pCtx, TYPE, "timeout", o.bContinuous ? 300000 : 3600000,
                                    &o.timeoutMs, &err);
  if(!rc && strcmp(o.zFormat, "json") && strcmp(o.zFormat, "avro"))
    rc = airc_err_set(&err, AIRC_ERR_INVALID, TYPE ": option 'format': '%s' is not json or avro", o.zFormat);
  if(!rc && !strcmp(o.zFormat, "avro") && !(o.zRegistryUrl && *o.zRegistryUrl))
    rc = airc_err_set(&err, AIRC_ERR_INVALID,
                      TYPE ": format avro needs a schema registry: set option 'registry_url' or [registry] url "
                           "(AIRC__REGISTRY__URL)");
  if(!rc && !strcmp(o.zName, ""))
    rc = airc_err_set(&err, AIRC_ERR_INVALID, TYPE ": option 'name' is empty");
  o.cassPort = (int)port;
  if(!rc) {
    rc = stream_job_run(&o, &res, &err);
    if(rc) airc_err_prefix(&err, TYPE);
  }
  json_t *pX = NULL;
  if(!rc && !o.bContinuous)
    pX = json_pack("{sssiss}", "mode", "available_now", "exit_code", res.exitCode, "checkpoint", o.zCheckpoint);
  else if(!rc)
    pX = json_pack("{sssisbssss}", "mode", "continuous", "pid", (int)res.pid, "started", res.bStarted,
                   "checkpoint", o.zCheckpoint, "log", res.zLog);
  if(!rc && (!pX || task_xcom_write(pCtx, pX) != 0))
    rc = airc_err_set(&err, AIRC_ERR_IO, TYPE ": cannot write XCom");
  json_decref(pX);
  if(!rc && !o.bContinuous && res.exitCode != 0)
    rc = airc_err_set(&err, AIRC_ERR_EXEC, TYPE ": %s exited with code %d", o.zSparkSubmit, res.exitCode);
  fflush(stdout);
  if(rc) {
    fprintf(stderr, "%s\n", airc_err_msg(&err));
    return TASK_EXIT_FAILED;
  }
  return TASK_EXIT_SUCCESS;
}

const task_type task_type_trigger_stream_job = {
    .schema = {.zName = TYPE, .azKeys = g_azKeys, .azRequired = NULL, .xValidate = stream_validate},
    .xRun = stream_run,
};
