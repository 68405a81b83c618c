/* cmd_runs.c: commands that create runs: `dags trigger`, `dags backfill`,
 * `dags test`. */
#include "cli/cli.h"
#include "cli/commands.h"
#include "common/config.h"
#include "common/timeutil.h"
#include "common/wake.h"
#include "store/store_run.h"
#include "store/store_control.h"
#include "store/store_views.h"
#include "scheduler/scheduler.h"
#include "dag/tick_planner.h"
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void sleep_ms(int ms) {
  struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

/* Follows a run until it ends or nTimeoutSec passes (0: no limit), printing
 * progress when it changes. Returns CLI_OK if it succeeded. */
static int wait_for_run(store *s, const char *zDag, const char *zRunId, int64_t nTimeoutSec) {
  int64_t start = airc_now_us();
  char zLast[256] = "";
  airc_err err = {0};
  int bWarned = 0;
  for(;;) {
    store_view_run_progress pg;
    airc_rc rc = store_view_run_progress_get(s, zDag, zRunId, &pg, &err);
    if(rc == AIRC_ERR_NOTFOUND) return cli_error("run '%s' of DAG '%s' disappeared", zRunId, zDag);
    if(rc) return cli_fail_err(&err);
    char zState[32], zLine[256];
    snprintf(zState, sizeof(zState), "%s", pg.zState);
    int nTotal = pg.nTotal, nDone = pg.nDone, nRunning = pg.nRunning, nFailed = pg.nFailed, nRetry = pg.nRetry;
    snprintf(zLine, sizeof(zLine), "run %s: %s, %d/%d tasks done, %d running%s%.0d%s%.0d%s", zRunId, zState, nDone, nTotal,
             nRunning, nFailed ? ", " : "", nFailed, nFailed ? " failed" : "", nRetry, nRetry ? " up for retry" : "");
    if(strcmp(zLine, zLast)) {
      printf("%s\n", zLine);
      fflush(stdout);
      snprintf(zLast, sizeof(zLast), "%s", zLine);
    }
    if(!strcmp(zState, "success")) return CLI_OK;
    if(!strcmp(zState, "failed")) return CLI_FAIL;
    int64_t waited = airc_now_us() - start;
    if(!bWarned && waited > 3000000 && !scheduler_is_running(NULL)) {
      fprintf(stderr, "airc: warning: no scheduler is running for %s; start 'airc scheduler' to run this\n", airc_home());
      bWarned = 1;
    }
    if(nTimeoutSec > 0 && waited > nTimeoutSec * 1000000) {
      return cli_error("timed out after %llds waiting for run '%s' (state %s)", (long long)nTimeoutSec, zRunId, zState);
    }
    sleep_ms(200);
  }
}

/* store_view_dag_get callback: whether the DAG is paused, into *(int *)pCtx. */
static int read_paused(void *pCtx, const store_view_dag *pDag) {
  *(int *)pCtx = pDag->bPaused;
  return 0;
}

int cmd_dags_trigger(int argc, char **argv) {
  static const struct option aOpt[] = {{"conf", required_argument, 0, 'c'}, {"run-id", required_argument, 0, 'r'},
                                       {"logical-date", required_argument, 0, 'l'}, {"wait", no_argument, 0, 'w'},
                                       {"timeout", required_argument, 0, 't'}, {"output", required_argument, 0, 'o'},
                                       {0, 0, 0, 0}};
  const char *zConf = NULL, *zRunId = NULL, *zDate = NULL;
  int bWait = 0, c;
  int64_t timeout = 0;
  cli_output out = OUT_PLAIN;
  optind = 0;
  while((c = getopt_long(argc, argv, "c:r:l:wt:o:", aOpt, NULL)) != -1) {
    switch(c) {
    case 'c': zConf = optarg; break;
    case 'r': zRunId = optarg; break;
    case 'l': zDate = optarg; break;
    case 'w': bWait = 1; break;
    case 't':
      if(airc_duration_parse(optarg, &timeout)) return cli_usage_error("dags trigger", "bad --timeout '%s'", optarg);
      break;
    case 'o':
      if(!cli_parse_output(optarg, &out)) return cli_usage_error("dags trigger", "--output must be table, json or plain");
      break;
    default: return cli_usage_error("dags trigger", "unknown option");
    }
  }
  if(optind + 1 != argc) return cli_usage_error("dags trigger", "expected one DAG id");
  const char *zDag = argv[optind];
  airc_err idErr = {0};
  if(zRunId && dag_run_id_check(zRunId, &idErr)) return cli_usage_error("dags trigger", "--run-id: %s", idErr.zMsg);
  json_t *pConf;
  if(cli_parse_conf("dags trigger", zConf, &pConf)) return CLI_USAGE;
  int64_t logical = -1;
  if(zDate && airc_time_parse(zDate, &logical)) {
    json_decref(pConf);
    return cli_usage_error("dags trigger", "bad --logical-date '%s' (ISO 8601, e.g. 2026-01-01T00:00:00Z)", zDate);
  }
  store *s = cli_open_store();
  if(!s) {
    json_decref(pConf);
    return CLI_FAIL;
  }
  run_spec spec = {zDag, zRunId, RUN_TYPE_MANUAL, logical, pConf, 0, NULL};
  char zOutId[300];
  airc_err err = {0};
  airc_rc rc = store_run_create(s, &spec, NULL, zOutId, &err);
  json_decref(pConf);
  if(rc && err.rc == AIRC_ERR_INVALID && !strncmp(airc_err_msg(&err), "conf", 4)) {
    /* a conf the DAG's params refuse is a usage error: exit 2 */
    store_close(s);
    fprintf(stderr, "airc: error: %s\n", airc_err_msg(&err));
    return CLI_USAGE;
  }
  if(rc) {
    store_close(s);
    return cli_fail_dag_err(&err, zDag);
  }
  cli_audit(s, "trigger", zDag, zOutId, NULL, NULL);
  if(out == OUT_JSON) printf("{\"dag_id\": \"%s\", \"run_id\": \"%s\"}\n", zDag, zOutId);
  else printf("Created run %s of DAG %s\n", zOutId, zDag);
  int bPaused = 0;
  if(!store_view_dag_get(s, zDag, read_paused, &bPaused, &err) && bPaused)
    fprintf(stderr, "airc: warning: DAG '%s' is paused: the run starts once it is unpaused ('airc dags unpause %s')\n", zDag, zDag);
  fflush(stdout);
  int ret = bWait ? wait_for_run(s, zDag, zOutId, timeout) : CLI_OK;
  store_close(s);
  return ret;
}

/* A CLI backfill runs all its runs at once, as before there were
 * backfill rows: only the DAG's own max_active_runs limits it. */
#define BACKFILL_CLI_MAX_ACTIVE 1000000

typedef struct backfill_print {
  json_t *pRuns; /* ids of the runs created or cleared, for --wait */
} backfill_print;

/* store_backfill_create's xTick: one line per tick. */
static int backfill_print_tick(void *pCtx, const store_backfill_tick *t) {
  backfill_print *P = pCtx;
  char zTs[40];
  airc_time_format(t->logicalDate, zTs, sizeof(zTs));
  const char *zRun = t->zState[0] ? t->zRunId : ""; /* the run that was there before */
  printf("%s  %-7s %s%s%s%s\n", zTs, t->zAction, zRun, zRun[0] ? " (" : "", t->zState, zRun[0] ? ")" : "");
  if(strcmp(t->zAction, "keep") && t->zRunId[0]) json_array_append_new(P->pRuns, json_string(t->zRunId));
  return 0;
}

int cmd_dags_backfill(int argc, char **argv) {
  static const struct option aOpt[] = {{"start-date", required_argument, 0, 's'}, {"end-date", required_argument, 0, 'e'},
                                       {"reprocess", required_argument, 0, 'r'}, {"dry-run", no_argument, 0, 'n'},
                                       {"wait", no_argument, 0, 'w'}, {"conf", required_argument, 0, 'c'},
                                       {0, 0, 0, 0}};
  const char *zStart = NULL, *zEnd = NULL, *zReprocess = "none", *zConf = NULL;
  int bDry = 0, bWait = 0, c;
  optind = 0;
  while((c = getopt_long(argc, argv, "s:e:r:nwc:", aOpt, NULL)) != -1) {
    switch(c) {
    case 's': zStart = optarg; break;
    case 'e': zEnd = optarg; break;
    case 'r': zReprocess = optarg; break;
    case 'n': bDry = 1; break;
    case 'w': bWait = 1; break;
    case 'c': zConf = optarg; break;
    default: return cli_usage_error("dags backfill", "unknown option");
    }
  }
  if(optind + 1 != argc) return cli_usage_error("dags backfill", "expected one DAG id");
  if(!zStart || !zEnd) return cli_usage_error("dags backfill", "-s START and -e END are required");
  int64_t start, end;
  if(airc_time_parse(zStart, &start)) return cli_usage_error("dags backfill", "bad start date '%s'", zStart);
  if(airc_time_parse(zEnd, &end)) return cli_usage_error("dags backfill", "bad end date '%s'", zEnd);
  if(end < start) return cli_usage_error("dags backfill", "end date is before start date");
  if(strcmp(zReprocess, "none") && strcmp(zReprocess, "failed") && strcmp(zReprocess, "completed"))
    return cli_usage_error("dags backfill", "--reprocess must be none, failed or completed");
  json_t *pConf;
  if(cli_parse_conf("dags backfill", zConf, &pConf)) return CLI_USAGE;
  const char *zDag = argv[optind];
  store *s = cli_open_store();
  if(!s) return CLI_FAIL;
  airc_err err = {0};
  dag *d = NULL;
  if(store_dag_load(s, zDag, &d, &err)) {
    store_close(s);
    json_decref(pConf);
    return cli_fail_dag_err(&err, zDag);
  }
  /* the planning and the writes are the store's (the same as POST
   * /api/v1/backfills); this command prints and waits */
  backfill_print P = {json_array()};
  store_backfill_spec spec = {zDag, start, end, zReprocess, BACKFILL_CLI_MAX_ACTIVE, pConf, bDry};
  int64_t id = 0;
  int nCreate = 0, nRedo = 0, nKeep = 0, ret = CLI_OK;
  airc_rc rc = store_backfill_create(s, d, &spec, backfill_print_tick, &P, &id, &nCreate, &nRedo, &nKeep, &err);
  if(rc == AIRC_ERR_INVALID && strstr(err.zMsg, "split the range")) {
    ret = cli_usage_error("dags backfill", "DAG %s has more than %d scheduled ticks between %s and %s (the cap of one "
                          "backfill); split the range", zDag, STORE_BACKFILL_MAX_TICKS, zStart, zEnd);
  } else if(rc) {
    ret = cli_fail_err(&err);
  } else {
    if(!bDry)
      cli_audit(s, "backfill", zDag, NULL, NULL, json_pack("{s:I, s:s, s:s, s:i, s:i}", "backfill_id", (json_int_t)id,
                "from_date", zStart, "to_date", zEnd, "create", nCreate, "rerun", nRedo));
    if(!nCreate && !nRedo && !nKeep)
      printf("No scheduled ticks of DAG %s (schedule %s) between %s and %s\n", zDag, d->zSchedule, zStart, zEnd);
    printf("%s%d runs to create, %d to re-run, %d kept\n", bDry ? "dry run: " : "", nCreate, nRedo, nKeep);
    if(!bDry && (nCreate || nRedo)) {
      printf("backfill %lld (follow it with GET /api/v1/backfills/%lld)\n", (long long)id, (long long)id);
      if(!scheduler_is_running(NULL))
        fprintf(stderr, "airc: note: backfill runs are executed by the scheduler; start 'airc scheduler' to run them\n");
    }
  }
  if(!rc && !bDry && bWait) {
    size_t i;
    json_t *pId;
    json_array_foreach(P.pRuns, i, pId) {
      int r = wait_for_run(s, zDag, json_string_value(pId), 0);
      if(r != CLI_OK) ret = CLI_FAIL;
    }
  }
  json_decref(P.pRuns);
  json_decref(pConf);
  dag_free(d);
  store_close(s);
  return ret;
}

/* store_view_run_get callback: the run's state into pCtx (32 bytes). */
static int copy_run_state(void *pCtx, const store_view_run *pRun) {
  snprintf(pCtx, 32, "%s", pRun->zState ? pRun->zState : "");
  return 0;
}

/* store_view_ti_log_each callback: prints the log of a failed task (at
 * most about 64 KiB of it). */
static int print_failed_log(void *pCtx, const char *zTaskId, const char *zLogPath) {
  (void)pCtx;
  printf("---- log of failed task %s (%s)\n", zTaskId, zLogPath);
  FILE *f = fopen(zLogPath, "r");
  if(f) {
    char aBuf[4096];
    size_t n, nTotal = 0;
    while((n = fread(aBuf, 1, sizeof(aBuf), f)) > 0 && nTotal < 65536) {
      fwrite(aBuf, 1, n, stdout);
      nTotal += n;
    }
    fclose(f);
  }
  return 0;
}

int cmd_dags_test(int argc, char **argv) {
  static const struct option aOpt[] = {{"conf", required_argument, 0, 'c'}, {0, 0, 0, 0}};
  const char *zConf = NULL;
  int c;
  optind = 0;
  while((c = getopt_long(argc, argv, "c:", aOpt, NULL)) != -1) {
    if(c == 'c') zConf = optarg;
    else return cli_usage_error("dags test", "unknown option");
  }
  if(optind >= argc || argc - optind > 2) return cli_usage_error("dags test", "expected DAG [LOGICAL_DATE]");
  const char *zDag = argv[optind];
  int64_t logical = airc_now();
  if(optind + 1 < argc && airc_time_parse(argv[optind + 1], &logical))
    return cli_usage_error("dags test", "bad logical date '%s'", argv[optind + 1]);
  json_t *pConf;
  if(cli_parse_conf("dags test", zConf, &pConf)) return CLI_USAGE;
  store *s = cli_open_store_synced(NULL, NULL);
  if(!s) return CLI_FAIL;
  char zRunId[300], zTs[48];
  snprintf(zRunId, sizeof(zRunId), "test__%s", airc_time_format_api(airc_now_us(), zTs, sizeof(zTs)));
  run_spec spec = {zDag, zRunId, RUN_TYPE_MANUAL, logical, pConf, 1, "running"};
  int64_t runPk;
  airc_err err = {0};
  airc_rc rc = store_run_create(s, &spec, &runPk, zRunId, &err);
  json_decref(pConf);
  store_close(s);
  if(rc) return cli_fail_err(&err);
  printf("Testing DAG %s: run %s (logical date %s)\n", zDag, zRunId, airc_time_format(logical, zTs, sizeof(zTs)));
  scheduler_opts o = {runPk, 1, 0, NULL};
  if(scheduler_run(&o, &err)) return cli_fail_err(&err);
  s = cli_open_store();
  if(!s) return CLI_FAIL;
  char zState[32] = "";
  if(store_view_run_get(s, zDag, zRunId, copy_run_state, zState, &err)) zState[0] = 0; /* "interrupted" */
  /* show the logs of failed tasks, as they are what the user needs next */
  if(store_view_ti_log_each(s, runPk, "failed", print_failed_log, NULL, &err))
    fprintf(stderr, "airc: warning: %s\n", airc_err_msg(&err));
  store_close(s);
  printf("DAG %s test run %s: %s\n", zDag, zRunId, zState[0] ? zState : "interrupted");
  return !strcmp(zState, "success") ? CLI_OK : CLI_FAIL;
}
