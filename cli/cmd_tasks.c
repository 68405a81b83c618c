/* cmd_tasks.c: `airc tasks ...`: list, states-for-dag-run, state, logs,
 * clear, mark, test. */
#include "cli/cli.h"
#include "cli/commands.h"
#include "common/config.h"
#include "common/fsafe.h"
#include "common/dynbuf.h"
#include "common/timeutil.h"
#include "dag/param_schema.h"
#include "executor/exec_result.h"
#include "executor/exec_spawn.h"
#include "store/store_run.h"
#include "scheduler/scheduler.h"
#include "store/store_views.h"
#include "store/store_work.h"
#include "dag/param_schema.h"
#include "dag/template.h"
#include "dag/tick_planner.h"
#include "dag/task_regex.h"
#include <getopt.h>
#include "executor/task_secrets.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int cmd_tasks_list(int argc, char **argv) {
  static const struct option aOpt[] = {{"output", required_argument, 0, 'o'}, {0, 0, 0, 0}};
  cli_output out = OUT_PLAIN;
  int c;
  optind = 0;
  while((c = getopt_long(argc, argv, "o:", aOpt, NULL)) != -1) {
    if(c != 'o' || !cli_parse_output(optarg, &out)) return cli_usage_error("tasks list", "bad option");
  }
  if(optind + 1 != argc) return cli_usage_error("tasks list", "expected one DAG id");
  store *s = cli_open_store();
  if(!s) return CLI_FAIL;
  dag *d = NULL;
  airc_err err = {0};
  airc_rc rc = store_dag_load(s, argv[optind], &d, &err);
  store_close(s);
  if(rc) return cli_fail_dag_err(&err, argv[optind]);
  json_t *pRows = json_array();
  for(int i = 0; i < d->nTask; i++)
    json_array_append_new(pRows, json_pack("{ss ss}", "task_id", d->aTask[i].zId, "type", d->aTask[i].zType));
  static const char *const azPlain[] = {"task_id", NULL};
  static const char *const azCols[] = {"task_id", "type", NULL};
  cli_print_rows(pRows, out == OUT_PLAIN ? azPlain : azCols, out);
  json_decref(pRows);
  dag_free(d);
  return CLI_OK;
}

/* store_view_ti_list callback: appends the task instance to pCtx. */
static int add_ti_row(void *pCtx, const store_view_ti *pTi) {
  char zS[48], zE[48];
  json_t *pRow = json_pack("{ss ss ss ss si ss ss}", "dag_id", pTi->zDagId ? pTi->zDagId : "", "run_id",
                           pTi->zRunId ? pTi->zRunId : "", "task_id", pTi->zTaskId ? pTi->zTaskId : "", "state",
                           pTi->zState ? pTi->zState : "", "try_number", pTi->tryNumber, "start_date",
                           cli_fmt_time_us(pTi->startUs, zS, sizeof(zS)), "end_date",
                           cli_fmt_time_us(pTi->endUs, zE, sizeof(zE)));
  json_object_set_new(pRow, "duration", pTi->bDuration ? json_real(pTi->duration) : json_null());
  json_object_set_new(pRow, "note", json_string(pTi->zNote ? pTi->zNote : ""));
  json_object_set_new(pRow, "hostname", json_string(pTi->zHostname ? pTi->zHostname : ""));
  json_object_set_new(pRow, "map_index", json_integer(pTi->mapIndex));
  json_t *pX = pTi->zXcom ? json_loads(pTi->zXcom, JSON_DECODE_ANY, NULL) : NULL;
  json_object_set_new(pRow, "xcom", pX ? pX : json_null());
  json_array_append_new(pCtx, pRow);
  return 0;
}

int cmd_tasks_states_for_dag_run(int argc, char **argv) {
  static const struct option aOpt[] = {{"output", required_argument, 0, 'o'}, {0, 0, 0, 0}};
  cli_output out = OUT_TABLE;
  int c;
  optind = 0;
  while((c = getopt_long(argc, argv, "o:", aOpt, NULL)) != -1) {
    if(c != 'o' || !cli_parse_output(optarg, &out)) return cli_usage_error("tasks states-for-dag-run", "bad option");
  }
  if(optind + 2 != argc) return cli_usage_error("tasks states-for-dag-run", "expected DAG RUN_ID");
  store *s = cli_open_store();
  if(!s) return CLI_FAIL;
  airc_err err = {0};
  int64_t runPk;
  airc_rc rc = store_view_run_pk(s, argv[optind], argv[optind + 1], &runPk, &err);
  if(rc) {
    store_close(s);
    if(rc == AIRC_ERR_NOTFOUND) return cli_error("DAG '%s' has no run '%s'", argv[optind], argv[optind + 1]);
    return cli_fail_err(&err);
  }
  json_t *pRows = json_array();
  rc = store_view_ti_list(s, runPk, NULL, INT64_MAX, 0, add_ti_row, pRows, &err);
  store_close(s);
  if(rc) {
    json_decref(pRows);
    return cli_fail_err(&err);
  }
  static const char *const azCols[] = {"task_id", "map_index", "state", "try_number", "start_date", "end_date", "duration",
                                       "note", NULL};
  cli_print_rows(pRows, azCols, out);
  json_decref(pRows);
  return CLI_OK;
}

int cmd_tasks_state(int argc, char **argv) {
  if(argc != 4) return cli_usage_error("tasks state", "expected DAG RUN_ID TASK");
  store *s = cli_open_store();
  if(!s) return CLI_FAIL;
  airc_err err = {0};
  int64_t runPk;
  int nTry;
  char zState[32];
  airc_rc r = store_view_run_pk(s, argv[1], argv[2], &runPk, &err);
  if(!r) r = store_view_ti_try_state(s, runPk, argv[3], &nTry, zState, sizeof(zState), &err);
  int rc = CLI_OK;
  if(!r) printf("%s\n", zState);
  else if(r == AIRC_ERR_NOTFOUND) rc = cli_error("no task '%s' in run '%s' of DAG '%s'", argv[3], argv[2], argv[1]);
  else rc = cli_fail_err(&err);
  store_close(s);
  return rc;
}

static int ti_id_of(void *pCtx, const store_view_ti *pTi) {
  *(int64_t *)pCtx = pTi->id;
  return 1;
}

static int log_chunk_print(void *pCtx, const char *z, size_t n) {
  (void)pCtx;
  fwrite(z, 1, n, stdout);
  return 0;
}

/* The log of a try that ran on another host (distributed executor): the
 * chunks its worker shipped to the store (docs/scaling.md). 0 if there
 * were some (printed, followed while the try runs when bFollow), -1 if
 * none. */
static int logs_from_store(store *s, int64_t runPk, const char *zTask, int nTry, int bFollow) {
  int64_t tiId = 0;
  airc_err err = {0};
  if(store_view_ti_get(s, runPk, zTask, ti_id_of, &tiId, &err) || !tiId) return -1;
  int nSeq = 0, nGot = 0;
  if(store_work_log_each(s, tiId, nTry, 0, log_chunk_print, NULL, &nGot, &err) || !nGot) return -1;
  nSeq = nGot;
  fflush(stdout);
  int64_t deadline = airc_now_us() + 24LL * 3600 * 1000000;
  while(bFollow && airc_now_us() < deadline) {
    int nNow = 0;
    char zState[32];
    int bDone = 1;
    if(!store_view_ti_try_state(s, runPk, zTask, &nNow, zState, sizeof(zState), &err))
      bDone = nNow != nTry || (strcmp(zState, "running") && strcmp(zState, "queued"));
    if(!store_work_log_each(s, tiId, nTry, nSeq, log_chunk_print, NULL, &nGot, &err)) nSeq += nGot;
    fflush(stdout);
    if(bDone) break;
    struct timespec ts = {0, 200 * 1000000L};
    nanosleep(&ts, NULL);
  }
  return 0;
}

int cmd_tasks_logs(int argc, char **argv) {
  static const struct option aOpt[] = {{"try", required_argument, 0, 't'}, {"follow", no_argument, 0, 'f'}, {0, 0, 0, 0}};
  int nTry = 0, bFollow = 0, c;
  optind = 0;
  while((c = getopt_long(argc, argv, "t:f", aOpt, NULL)) != -1) {
    if(c == 't') nTry = atoi(optarg);
    else if(c == 'f') bFollow = 1;
    else return cli_usage_error("tasks logs", "unknown option");
  }
  if(optind + 3 != argc) return cli_usage_error("tasks logs", "expected DAG RUN_ID TASK");
  const char *zDag = argv[optind], *zRun = argv[optind + 1], *zTask = argv[optind + 2];
  store *s = cli_open_store();
  if(!s) return CLI_FAIL;
  airc_err err = {0};
  int64_t runPk;
  int curTry;
  char zState[32];
  airc_rc r = store_view_run_pk(s, zDag, zRun, &runPk, &err);
  if(!r) r = store_view_ti_try_state(s, runPk, zTask, &curTry, zState, sizeof(zState), &err);
  if(r) {
    store_close(s);
    if(r == AIRC_ERR_NOTFOUND) return cli_error("no task '%s' in run '%s' of DAG '%s'", zTask, zRun, zDag);
    return cli_fail_err(&err);
  }
  if(nTry <= 0) nTry = curTry;
  if(nTry <= 0) {
    store_close(s);
    return cli_error("task '%s' has not run yet", zTask);
  }
  if(nTry > curTry) {
    store_close(s);
    return cli_error("task '%s' has no try %d (latest is %d)", zTask, nTry, curTry);
  }
  char zPath[4400];
  exec_log_path(zDag, zRun, zTask, nTry, zPath, sizeof(zPath));
  FILE *f = fopen(zPath, "r");
  if(!f) {
    int rc = logs_from_store(s, runPk, zTask, nTry, bFollow);
    store_close(s);
    if(!rc) return CLI_OK;
    return cli_error("no log for try %d of task '%s' at %s", nTry, zTask, zPath);
  }
  char aBuf[65536];
  int64_t deadline = airc_now_us() + 24LL * 3600 * 1000000;
  for(;;) {
    size_t n;
    while((n = fread(aBuf, 1, sizeof(aBuf), f)) > 0) fwrite(aBuf, 1, n, stdout);
    fflush(stdout);
    if(!bFollow) break;
    int nNow;
    int bDone = 1;
    if(!store_view_ti_try_state(s, runPk, zTask, &nNow, zState, sizeof(zState), &err))
      bDone = nNow != nTry || (strcmp(zState, "running") && strcmp(zState, "queued"));
    if(bDone || airc_now_us() > deadline) {
      while((n = fread(aBuf, 1, sizeof(aBuf), f)) > 0) fwrite(aBuf, 1, n, stdout);
      break;
    }
    clearerr(f);
    struct timespec ts = {0, 200 * 1000000L};
    nanosleep(&ts, NULL);
  }
  fclose(f);
  store_close(s);
  return CLI_OK;
}

int cmd_tasks_clear(int argc, char **argv) {
  static const struct option aOpt[] = {{"task-regex", required_argument, 0, 't'}, {"downstream", no_argument, 0, 'd'},
                                       {"only-failed", no_argument, 0, 'f'}, {"yes", no_argument, 0, 'y'}, {0, 0, 0, 0}};
  const char *zRe = NULL;
  int bDown = 0, bFailed = 0, c;
  optind = 0;
  while((c = getopt_long(argc, argv, "t:dfy", aOpt, NULL)) != -1) {
    if(c == 't') zRe = optarg;
    else if(c == 'd') bDown = 1;
    else if(c == 'f') bFailed = 1;
    else if(c == 'y') continue;
    else return cli_usage_error("tasks clear", "unknown option");
  }
  if(optind + 2 != argc) return cli_usage_error("tasks clear", "expected DAG RUN_ID");
  airc_err idErr = {0};
  if(dag_run_id_check(argv[optind + 1], &idErr)) return cli_usage_error("tasks clear", "%s", idErr.zMsg);
  airc_err err = {0};
  regex_t re;
  if(zRe && task_regex_compile(zRe, TASK_REGEX_MAX, &re, &err)) {
    err.rc = AIRC_ERR_USAGE; /* a bad --task-regex is a usage error (exit 2) */
    return cli_fail_err(&err);
  }
  store *s = cli_open_store();
  if(!s) {
    if(zRe) regfree(&re);
    return CLI_FAIL;
  }
  int nCleared, nSkipped;
  airc_rc rc = store_run_clear(s, argv[optind], argv[optind + 1], zRe ? &re : NULL, bDown, bFailed, &nCleared,
                             &nSkipped, &err);
  if(!rc) {
    json_t *pX = json_pack("{s:i}", "cleared", nCleared);
    if(zRe) json_object_set_new(pX, "task_regex", json_string(zRe));
    cli_audit(s, "clear", argv[optind], argv[optind + 1], NULL, pX);
  }
  store_close(s);
  if(zRe) regfree(&re);
  if(rc) return cli_fail_err(&err);
  printf("Cleared %d task instance%s of run %s", nCleared, nCleared == 1 ? "" : "s", argv[optind + 1]);
  if(nSkipped) printf(" (%d left alone: running, queued%s)", nSkipped, bFailed ? " or not failed" : "");
  printf("\n");
  return CLI_OK;
}

/* tasks mark DAG RUN TASK STATE, or DAG RUN TASK --state STATE. A running
 * or queued try is stopped by the scheduler (store_ti_mark). */
int cmd_tasks_mark(int argc, char **argv) {
  static const struct option aOpt[] = {{"state", required_argument, 0, 's'}, {0, 0, 0, 0}};
  const char *zState = NULL;
  int c;
  optind = 0;
  while((c = getopt_long(argc, argv, "s:", aOpt, NULL)) != -1) {
    if(c == 's') zState = optarg;
    else return cli_usage_error("tasks mark", "unknown option");
  }
  int nPos = argc - optind;
  if(!zState && nPos == 4) zState = argv[optind + 3];
  else if(!zState || nPos != 3) return cli_usage_error("tasks mark", "expected DAG RUN_ID TASK --state success|failed|skipped");
  const char *zDag = argv[optind], *zRun = argv[optind + 1], *zTask = argv[optind + 2];
  store *s = cli_open_store();
  if(!s) return CLI_FAIL;
  airc_err err = {0};
  int tryNumber = 0;
  char zWas[32] = "";
  int64_t runPk = 0;
  /* what it was, to say whether a running try is being stopped */
  if(!store_view_run_pk(s, zDag, zRun, &runPk, &err) &&
     store_view_ti_try_state(s, runPk, zTask, &tryNumber, zWas, sizeof(zWas), &err))
    zWas[0] = 0; /* not found: store_ti_mark says so below */
  airc_err_clear(&err);
  airc_rc rc = store_ti_mark(s, zDag, zRun, zTask, zState, &err);
  if(!rc) cli_audit(s, "mark", zDag, zRun, zTask, json_pack("{s:s}", "new_state", zState));
  store_close(s);
  if(rc) return cli_fail_err(&err);
  printf("Marked %s of run %s as %s\n", zTask, zRun, zState);
  if(!strcmp(zWas, "running") || !strcmp(zWas, "queued")) {
    printf("Its %s try %d is being stopped (SIGTERM, then SIGKILL after [core] kill_grace_period)\n", zWas, tryNumber);
    if(!scheduler_is_running(NULL))
      fprintf(stderr, "airc: note: the scheduler stops the process; start 'airc scheduler' to have it stopped\n");
  }
  return CLI_OK;
}

int cmd_tasks_test(int argc, char **argv) {
  static const struct option aOpt[] = {{"conf", required_argument, 0, 'c'}, {0, 0, 0, 0}};
  const char *zConf = NULL;
  int c;
  optind = 0;
  while((c = getopt_long(argc, argv, "c:", aOpt, NULL)) != -1) {
    if(c == 'c') zConf = optarg;
    else return cli_usage_error("tasks test", "unknown option");
  }
  if(argc - optind < 2 || argc - optind > 3) return cli_usage_error("tasks test", "expected DAG TASK [LOGICAL_DATE]");
  const char *zDag = argv[optind], *zTask = argv[optind + 1];
  int64_t logical = airc_now();
  if(argc - optind == 3 && airc_time_parse(argv[optind + 2], &logical))
    return cli_usage_error("tasks test", "bad logical date '%s'", argv[optind + 2]);
  json_t *pConf;
  if(cli_parse_conf("tasks test", zConf, &pConf)) return CLI_USAGE;
  if(!pConf) pConf = json_object();
  store *s = cli_open_store_synced(NULL, NULL);
  if(!s) {
    json_decref(pConf);
    return CLI_FAIL;
  }
  dag *d = NULL;
  airc_err err = {0};
  airc_rc rc = store_dag_load(s, zDag, &d, &err);
  /* connections and variables for templates and $AIRC_VAR_* (a test run
   * prints to the terminal unmasked: it is the author's own terminal) */
  static task_secrets sec;
  if(!rc) rc = task_secrets_load(s, &sec, &err);
  store_close(s);
  if(rc) {
    json_decref(pConf);
    return cli_fail_err(&err);
  }
  if(param_schema_check_conf(d->pParamSchema, pConf, &err)) {
    json_decref(pConf);
    dag_free(d);
    fprintf(stderr, "airc: error: %s\n", airc_err_msg(&err));
    return CLI_USAGE;
  }
  /* the conf overrides params, as in a real run */
  json_t *pEff = param_schema_effective(d->pParams, pConf);
  json_decref(d->pParams);
  d->pParams = pEff;
  int i = dag_task_index(d, zTask);
  if(i < 0) {
    json_decref(pConf);
    dag_free(d);
    return cli_error("DAG '%s' has no task '%s'", zDag, zTask);
  }
  const dag_task *t = &d->aTask[i];
  char zRunId[300], zTs[48];
  snprintf(zRunId, sizeof(zRunId), "test__%s", airc_time_format_api(airc_now_us(), zTs, sizeof(zTs)));
  json_t *pXcom = json_object();
  /* a mapped task over a literal list is tested with its first item */
  json_t *pItem = json_array_get(t->pExpandList, 0);
  template_ctx tc = {zDag, zRunId, zTask, 1, logical, tick_interval_start(d, logical), logical, d->pParams, pConf, pXcom,
                     sec.pConn, sec.pVar, pItem, pItem ? 0 : -1};
  const task_type *pType = task_type_find(t->zType);
  json_t *pOpts = template_render_object(&tc, t->pOptions, pType ? pType->schema.azShellKeys : NULL, &err);
  if(pOpts && task_type_apply_conn(pType, sec.pConn, pOpts, &err)) { /* conn = NAME */
    json_decref(pOpts);
    pOpts = NULL;
  }
  if(!pOpts) {
    json_decref(pConf);
    json_decref(pXcom);
    dag_free(d);
    airc_err_prefix(&err, "task '%s'", zTask);
    return cli_fail_err(&err);
  }
  exec_request req;
  memset(&req, 0, sizeof(req));
  req.tiId = -(int64_t)getpid();
  req.pType = pType;
  req.ctx = (task_ctx){zDag, zRunId, zTask, 1, logical, tc.dataIntervalStart, logical, pOpts, d->pParams, pConf, pXcom, NULL, airc_home()};
  req.tctx = tc;
  const char *zCwd = json_string_value(json_object_get(pOpts, "cwd"));
  req.zCwd = zCwd && *zCwd ? zCwd : NULL;
  req.timeoutSec = t->executionTimeout;
  req.killGraceSec = airc_config_get_int("core", "kill_grace_period", 5);
  req.maxLogBytes = (size_t)-1;
  req.bForeground = 1;
  exec_result res;
  if(fsafe_run_folder(&err)) {
    json_decref(pOpts);
    json_decref(pConf);
    json_decref(pXcom);
    dag_free(d);
    return cli_fail_err(&err);
  }
  fflush(stdout);
  rc = exec_run_foreground(&req, &res, &err);
  int ret = CLI_OK;
  if(rc) ret = cli_fail_err(&err);
  else {
    fprintf(stderr, "[airc] task %s: %s%s%s (%.3fs)\n", zTask, exec_outcome_state(res.outcome),
            res.zReason[0] ? ": " : "", res.zReason, (double)(res.endUs - res.startUs) / 1e6);
    if(res.pXcom) {
      char *z = json_dumps(res.pXcom, JSON_COMPACT | JSON_ENCODE_ANY);
      fprintf(stderr, "[airc] xcom: %s\n", z ? z : "");
      free(z);
    }
    ret = res.outcome == EXEC_OUTCOME_FAILED ? CLI_FAIL : CLI_OK;
    exec_result_clear(&res);
  }
  json_decref(pOpts);
  json_decref(pConf);
  json_decref(pXcom);
  dag_free(d);
  return ret;
}
