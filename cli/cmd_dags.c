/* cmd_dags.c: `airc dags ...` commands that read and change DAGs and runs.
 * `dags trigger --wait`, `dags backfill` and `dags test` live in
 * cmd_runs.c. */
#include "cli/cli.h"
#include "cli/commands.h"
#include "common/config.h"
#include "common/timeutil.h"
#include "store/store_dag.h"
#include "store/store_run.h"
#include "store/store_control.h"
#include <ftw.h>
#include <unistd.h>
#include "store/store_sched.h"
#include "store/store_views.h"
#include "dag/tick_planner.h"
#include <getopt.h>
#include <regex.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* NULL -> "" for text the CLI prints. */
static const char *str_or_empty(const char *z) { return z ? z : ""; }

/* Parses the common "--output X" option; returns 0 on success. */
static int opt_output(const char *zCmd, const char *zArg, cli_output *pOut) {
  if(!cli_parse_output(zArg, pOut)) return cli_usage_error(zCmd, "--output must be table, json or plain");
  return 0;
}

/* store_view_dag_list callback: appends the DAG to the JSON array pCtx. */
static int add_dag_row(void *pCtx, const store_view_dag *pDag) {
  char zNext[40] = "";
  if(pDag->nextDagrun != STORE_VIEW_NULL) airc_time_format(pDag->nextDagrun, zNext, sizeof(zNext));
  json_t *pTags = json_loads(str_or_empty(pDag->zTags), 0, NULL);
  json_array_append_new(pCtx, json_pack("{ss ss sb ss ss so ss sb}", "dag_id", pDag->zDagId, "schedule",
                                        str_or_empty(pDag->zSchedule), "is_paused", pDag->bPaused, "next_dagrun",
                                        zNext, "fileloc", str_or_empty(pDag->zFileloc), "tags",
                                        pTags ? pTags : json_array(), "description",
                                        str_or_empty(pDag->zDescription), "is_active", pDag->bActive));
  return 0;
}

/* Parses a non-negative count option ("--limit 100"); returns 0 on success. */
static int opt_count(const char *zCmd, const char *zName, const char *zArg, int64_t *pOut) {
  char *zEnd;
  long long v = strtoll(zArg, &zEnd, 10);
  if(!*zArg || *zEnd || v < 0) return cli_usage_error(zCmd, "%s must be a number >= 0, not '%s'", zName, zArg);
  *pOut = v;
  return 0;
}

int cmd_dags_list(int argc, char **argv) {
  static const struct option aOpt[] = {{"output", required_argument, 0, 'o'}, {"all", no_argument, 0, 'a'},
                                       {"limit", required_argument, 0, 'l'}, {"offset", required_argument, 0, 'f'},
                                       {0, 0, 0, 0}};
  cli_output out = OUT_TABLE;
  int bAll = 0, c;
  int64_t nLimit = INT64_MAX, nOffset = 0;
  optind = 0;
  while((c = getopt_long(argc, argv, "o:a", aOpt, NULL)) != -1) {
    if(c == 'o') {
      if(opt_output("dags list", optarg, &out)) return CLI_USAGE;
    } else if(c == 'a') bAll = 1;
    else if(c == 'l') {
      if(opt_count("dags list", "--limit", optarg, &nLimit)) return CLI_USAGE;
    } else if(c == 'f') {
      if(opt_count("dags list", "--offset", optarg, &nOffset)) return CLI_USAGE;
    } else return cli_usage_error("dags list", "unknown option");
  }
  if(optind < argc) return cli_usage_error("dags list", "unexpected argument '%s'", argv[optind]);
  store *s = cli_open_store();
  if(!s) return CLI_FAIL;
  airc_err err = {0};
  json_t *pRows = json_array();
  store_view_dag_filter f = {-1, !bAll, NULL, NULL};
  if(store_view_dag_list(s, &f, nLimit, nOffset, add_dag_row, pRows, &err)) {
    json_decref(pRows);
    store_close(s);
    return cli_fail_err(&err);
  }
  static const char *const azCols[] = {"dag_id", "schedule", "is_paused", "next_dagrun", "fileloc", NULL};
  cli_print_rows(pRows, azCols, out);
  json_decref(pRows);
  store_close(s);
  return CLI_OK;
}

/* store_view_import_error_list callback: appends {filepath, error} to pCtx. */
static int add_import_error_row(void *pCtx, const store_view_import_error *pRow) {
  json_array_append_new(pCtx, json_pack("{ss ss}", "filepath", str_or_empty(pRow->zFileloc), "error",
                                        str_or_empty(pRow->zMessage)));
  return 0;
}

static int cmp_filepath(const void *a, const void *b) {
  json_t *const *pA = a, *const *pB = b;
  return strcmp(json_string_value(json_object_get(*pA, "filepath")), json_string_value(json_object_get(*pB, "filepath")));
}

/* Sorts an array of {filepath, ...} objects by filepath (in place). */
static void json_array_sort_by_filepath(json_t *pRows) {
  size_t n = json_array_size(pRows);
  if(n < 2) return;
  json_t **a = malloc(sizeof(json_t *) * n);
  if(!a) return;
  for(size_t i = 0; i < n; i++) a[i] = json_incref(json_array_get(pRows, i));
  qsort(a, n, sizeof(*a), cmp_filepath);
  json_array_clear(pRows);
  for(size_t i = 0; i < n; i++) json_array_append_new(pRows, a[i]);
  free(a);
}

int cmd_dags_list_import_errors(int argc, char **argv) {
  static const struct option aOpt[] = {{"output", required_argument, 0, 'o'}, {"reparse", no_argument, 0, 'r'},
                                       {0, 0, 0, 0}};
  cli_output out = OUT_TABLE;
  int c, bReparse = 0;
  optind = 0;
  while((c = getopt_long(argc, argv, "o:", aOpt, NULL)) != -1) {
    if(c == 'o') {
      if(opt_output("dags list-import-errors", optarg, &out)) return CLI_USAGE;
    } else if(c == 'r') bReparse = 1;
    else return cli_usage_error("dags list-import-errors", "unknown option");
  }
  if(optind < argc) return cli_usage_error("dags list-import-errors", "unexpected argument '%s'", argv[optind]);
  store *s = bReparse ? cli_open_store_synced(NULL, NULL) : cli_open_store();
  if(!s) return CLI_FAIL;
  airc_err err = {0};
  json_t *pRows = json_array();
  airc_rc rc = store_view_import_error_list(s, INT64_MAX, 0, add_import_error_row, pRows, &err);
  store_close(s);
  if(rc) {
    json_decref(pRows);
    return cli_fail_err(&err);
  }
  /* by file, as users look them up */
  json_array_sort_by_filepath(pRows);
  static const char *const azCols[] = {"filepath", "error", NULL};
  if(json_array_size(pRows) || out == OUT_JSON) cli_print_rows(pRows, azCols, out);
  else printf("No import errors\n");
  json_decref(pRows);
  return CLI_OK;
}

/* Loads a DAG for a command, printing the error. */
static dag *load_dag(store *s, const char *zDagId) {
  dag *d = NULL;
  airc_err err = {0};
  if(store_dag_load(s, zDagId, &d, &err)) {
    cli_fail_dag_err(&err, zDagId);
    return NULL;
  }
  return d;
}

static void dot_quote(const char *z) {
  putchar('"');
  for(; *z; z++) {
    if(*z == '"' || *z == '\\') putchar('\\');
    putchar(*z);
  }
  putchar('"');
}

int cmd_dags_show(int argc, char **argv) {
  static const struct option aOpt[] = {{"dot", no_argument, 0, 'd'}, {"output", required_argument, 0, 'o'}, {0, 0, 0, 0}};
  int bDot = 0, c;
  cli_output out = OUT_TABLE;
  optind = 0;
  while((c = getopt_long(argc, argv, "do:", aOpt, NULL)) != -1) {
    if(c == 'd') bDot = 1;
    else if(c == 'o') {
      if(opt_output("dags show", optarg, &out)) return CLI_USAGE;
    } else return cli_usage_error("dags show", "unknown option");
  }
  if(optind + 1 != argc) return cli_usage_error("dags show", "expected one DAG id");
  store *s = cli_open_store();
  if(!s) return CLI_FAIL;
  dag *d = load_dag(s, argv[optind]);
  store_close(s);
  if(!d) return CLI_FAIL;
  if(bDot) {
    printf("digraph ");
    dot_quote(d->zId);
    printf(" {\n  rankdir=LR;\n  node [shape=box, style=rounded];\n");
    for(int i = 0; i < d->nTask; i++) {
      printf("  ");
      dot_quote(d->aTask[i].zId);
      printf(";\n");
    }
    for(int i = 0; i < d->nTask; i++)
      for(int k = 0; k < d->aTask[i].nUpstream; k++) {
        printf("  ");
        dot_quote(d->aTask[i].azUpstream[k]);
        printf(" -> ");
        dot_quote(d->aTask[i].zId);
        printf(";\n");
      }
    printf("}\n");
  } else if(out == OUT_JSON) {
    json_t *pDoc = dag_to_json(d);
    char *z = json_dumps(pDoc, JSON_INDENT(2) | JSON_SORT_KEYS);
    printf("%s\n", z);
    free(z);
    json_decref(pDoc);
  } else {
    printf("DAG %s: %s\nschedule: %s\nversion: %.12s\n\n", d->zId, d->zDescription ? d->zDescription : "",
           d->zSchedule, d->zHash);
    json_t *pRows = json_array();
    for(int i = 0; i < d->nTask; i++) {
      dag_task *t = &d->aTask[i];
      char zUp[2048] = "";
      for(int k = 0; k < t->nUpstream; k++) {
        strncat(zUp, k ? ", " : "", sizeof(zUp) - strlen(zUp) - 1);
        strncat(zUp, t->azUpstream[k], sizeof(zUp) - strlen(zUp) - 1);
      }
      json_array_append_new(pRows, json_pack("{ss ss ss ss}", "task_id", t->zId, "type", t->zType,
                                             "trigger_rule", trigger_rule_name(t->rule), "upstream", zUp));
    }
    static const char *const azCols[] = {"task_id", "type", "trigger_rule", "upstream", NULL};
    cli_print_rows(pRows, azCols, out);
    json_decref(pRows);
    int nEdge = 0;
    for(int i = 0; i < d->nTask; i++) nEdge += d->aTask[i].nUpstream;
    printf("\n%d tasks, %d edges\n", d->nTask, nEdge);
  }
  dag_free(d);
  return CLI_OK;
}

int cmd_dags_next_execution(int argc, char **argv) {
  static const struct option aOpt[] = {{"num-executions", required_argument, 0, 'n'}, {0, 0, 0, 0}};
  int n = 1, c;
  optind = 0;
  while((c = getopt_long(argc, argv, "n:", aOpt, NULL)) != -1) {
    if(c == 'n') {
      char *zEnd;
      n = (int)strtol(optarg, &zEnd, 10);
      if(*zEnd || n < 1 || n > 10000) return cli_usage_error("dags next-execution", "-n must be 1..10000");
    } else return cli_usage_error("dags next-execution", "unknown option");
  }
  if(optind + 1 != argc) return cli_usage_error("dags next-execution", "expected one DAG id");
  store *s = cli_open_store();
  if(!s) return CLI_FAIL;
  dag *d = load_dag(s, argv[optind]);
  if(!d) {
    store_close(s);
    return CLI_FAIL;
  }
  int64_t last = -1;
  int nActive;
  airc_err err = {0};
  if(store_sched_dag_run_counts(s, d->zId, &last, &nActive, &err)) last = -1; /* as if never scheduled */
  store_close(s);
  int64_t *a = malloc(sizeof(int64_t) * (size_t)n);
  int k = tick_plan_next(d, last, airc_now(), a, n);
  if(k == 0) fprintf(stderr, "DAG '%s' has no further scheduled runs (schedule: %s)\n", d->zId, d->zSchedule);
  for(int i = 0; i < k; i++) {
    char z[40];
    printf("%s\n", airc_time_format(a[i], z, sizeof(z)));
  }
  free(a);
  dag_free(d);
  return CLI_OK;
}

/* What `dags pause|unpause --pattern|--all` collects: the active DAGs
 * that match and are not in the wanted state yet. */
typedef struct pause_pick {
  regex_t *pRe;    /* NULL: --all */
  json_t *pIds;    /* array of dag_id strings */
  int nAlready;    /* matched, already in the wanted state */
  int bPaused;     /* the wanted state */
} pause_pick;

/* store_view_dag_list callback: collects the DAGs pause_pick selects. */
static int pick_dag(void *pCtx, const store_view_dag *pDag) {
  pause_pick *p = pCtx;
  if(p->pRe && regexec(p->pRe, pDag->zDagId, 0, NULL, 0)) return 0;
  if(!pDag->bPaused == !p->bPaused) p->nAlready++;
  else json_array_append_new(p->pIds, json_string(pDag->zDagId));
  return 0;
}

/* Asks "question [y/N]" on the terminal; 1 if the answer starts with y. */
static int confirm_on_tty(const char *zQuestion) {
  printf("%s [y/N] ", zQuestion);
  fflush(stdout);
  char zLine[64];
  if(!fgets(zLine, sizeof(zLine), stdin)) return 0;
  return zLine[0] == 'y' || zLine[0] == 'Y';
}

/* Prints the DAGs whose paused flag a command set: a table (dag_id,
 * is_paused) or JSON, then (table only) nothing more: callers print the
 * count. */
static void print_paused_rows(json_t *pIds, int bPaused, cli_output out) {
  json_t *pRows = json_array();
  size_t i;
  json_t *pId;
  json_array_foreach(pIds, i, pId) {
    json_array_append_new(pRows, json_pack("{sO sb}", "dag_id", pId, "is_paused", bPaused));
  }
  static const char *const azCols[] = {"dag_id", "is_paused", NULL};
  cli_print_rows(pRows, azCols, out);
  json_decref(pRows);
}

/* `dags pause|unpause DAG | --pattern REGEX | --all [--yes] [--output F]`
 * (Airflow 2.10's bulk forms). The bulk forms act on the active DAGs that
 * match and are not in the wanted state yet, in one transaction; without
 * --yes they show the list and ask on a terminal, and refuse (exit 2)
 * when stdin is not one. */
static int set_paused(int argc, char **argv, int bPaused) {
  const char *zCmd = bPaused ? "dags pause" : "dags unpause";
  const char *zVerb = bPaused ? "pause" : "unpause";
  static const struct option aOpt[] = {{"pattern", required_argument, 0, 'p'}, {"all", no_argument, 0, 'a'},
                                       {"yes", no_argument, 0, 'y'}, {"output", required_argument, 0, 'o'},
                                       {0, 0, 0, 0}};
  const char *zPattern = NULL;
  int bAll = 0, bYes = 0, bOutput = 0, c;
  cli_output out = OUT_TABLE;
  optind = 0;
  while((c = getopt_long(argc, argv, "p:ayo:", aOpt, NULL)) != -1) {
    if(c == 'p') zPattern = optarg;
    else if(c == 'a') bAll = 1;
    else if(c == 'y') bYes = 1;
    else if(c == 'o') {
      if(opt_output(zCmd, optarg, &out)) return CLI_USAGE;
      bOutput = 1;
    } else return cli_usage_error(zCmd, "unknown option");
  }
  int nArg = argc - optind;
  if(!zPattern && !bAll) {
    if(nArg != 1) return cli_usage_error(zCmd, "expected one DAG id, --pattern REGEX or --all");
  } else if(nArg) {
    return cli_usage_error(zCmd, "give a DAG id, --pattern REGEX or --all, not several");
  } else if(zPattern && bAll) {
    return cli_usage_error(zCmd, "give --pattern REGEX or --all, not both");
  }
  regex_t re;
  if(zPattern) {
    int e = regcomp(&re, zPattern, REG_EXTENDED | REG_NOSUB);
    if(e) {
      char zWhy[200];
      regerror(e, &re, zWhy, sizeof(zWhy));
      return cli_usage_error(zCmd, "--pattern '%s': %s", zPattern, zWhy);
    }
  }
  store *s = cli_open_store();
  if(!s) {
    if(zPattern) regfree(&re);
    return CLI_FAIL;
  }
  airc_err err = {0};
  if(!zPattern && !bAll) {
    airc_rc rc = store_dag_set_paused(s, argv[optind], bPaused, &err);
    if(!rc) cli_audit(s, bPaused ? "paused" : "unpaused", argv[optind], NULL, NULL, NULL);
    store_close(s);
    if(rc) return cli_fail_dag_err(&err, argv[optind]);
    if(bOutput) {
      json_t *pIds = json_pack("[s]", argv[optind]);
      print_paused_rows(pIds, bPaused, out);
      json_decref(pIds);
    } else printf("DAG %s is %s\n", argv[optind], bPaused ? "paused" : "unpaused");
    return CLI_OK;
  }
  pause_pick pick = {zPattern ? &re : NULL, json_array(), 0, bPaused};
  store_view_dag_filter f = {-1, 1, NULL, NULL};
  airc_rc rc = store_view_dag_list(s, &f, INT64_MAX, 0, pick_dag, &pick, &err);
  if(zPattern) regfree(&re);
  int ret = CLI_OK;
  size_t n = json_array_size(pick.pIds);
  if(rc) ret = cli_fail_err(&err);
  else if(n == 0) {
    if(bOutput && out == OUT_JSON) printf("[]\n");
    else printf("No DAG to %s (%d matching DAGs already %s)\n", zVerb, pick.nAlready, bPaused ? "paused" : "unpaused");
  } else if(!bYes && !isatty(STDIN_FILENO)) {
    ret = cli_usage_error(zCmd, "refusing to %s %zu DAGs without --yes (stdin is not a terminal to confirm on)", zVerb, n);
  } else {
    int bGo = bYes;
    if(!bGo) {
      size_t i;
      json_t *pId;
      json_array_foreach(pick.pIds, i, pId) printf("  %s\n", json_string_value(pId));
      char zQ[128];
      snprintf(zQ, sizeof(zQ), "%s these %zu DAGs?", bPaused ? "Pause" : "Unpause", n);
      bGo = confirm_on_tty(zQ);
      if(!bGo) printf("Nothing changed\n");
    }
    if(bGo) {
      const char **azIds = malloc(sizeof(char *) * n);
      int nChanged = 0;
      if(!azIds) ret = cli_error("out of memory");
      else {
        for(size_t i = 0; i < n; i++) azIds[i] = json_string_value(json_array_get(pick.pIds, i));
        rc = store_dag_set_paused_many(s, azIds, (int)n, bPaused, &nChanged, &err);
        free(azIds);
        if(!rc) { /* bulk: one row per DAG, so filtering by DAG finds it */
          for(size_t i = 0; i < n; i++)
            cli_audit(s, bPaused ? "paused" : "unpaused", json_string_value(json_array_get(pick.pIds, i)), NULL,
                      NULL, json_pack("{s:s}", "bulk", zPattern ? zPattern : "--all"));
        }
        if(rc) ret = cli_fail_err(&err);
        else if(bOutput) print_paused_rows(pick.pIds, bPaused, out);
        else printf("%s %d DAGs (%d already %s)\n", bPaused ? "Paused" : "Unpaused", nChanged, pick.nAlready,
                    bPaused ? "paused" : "unpaused");
      }
    }
  }
  json_decref(pick.pIds);
  store_close(s);
  return ret;
}

int cmd_dags_pause(int argc, char **argv) { return set_paused(argc, argv, 1); }
int cmd_dags_unpause(int argc, char **argv) { return set_paused(argc, argv, 0); }

/* `dags reserialize`: parses the DAG folder into the store now (what the
 * scheduler does on its own after a change), and says what it found. */
int cmd_dags_reserialize(int argc, char **argv) {
  if(argc > 1) return cli_usage_error("dags reserialize", "unexpected argument '%s'", argv[1]);
  int nChanged = 0, bFailed = 0;
  store *s = cli_open_store_synced(&nChanged, &bFailed);
  if(!s) return CLI_FAIL;
  if(bFailed) {
    store_close(s);
    return cli_error("DAG folder %s was not synced (see the warning above)", airc_path_dags());
  }
  airc_err err = {0};
  int64_t nDags = 0, nErrors = 0;
  store_view_dag_filter f = {-1, 1, NULL, NULL};
  airc_rc rc = store_view_dag_count(s, &f, &nDags, &err);
  if(!rc) rc = store_view_import_error_count(s, &nErrors, &err);
  store_close(s);
  if(rc) return cli_fail_err(&err);
  printf("DAG folder %s: %lld DAGs, %d files parsed or gone, %lld files with import errors%s\n", airc_path_dags(),
         (long long)nDags, nChanged, (long long)nErrors, nErrors ? " ('airc dags list-import-errors')" : "");
  return CLI_OK;
}

static int rm_entry(const char *zPath, const struct stat *pSt, int type, struct FTW *pFtw) {
  (void)pSt;
  (void)pFtw;
  if(type == FTW_DP) rmdir(zPath);
  else unlink(zPath);
  return 0;
}

int cmd_dags_delete(int argc, char **argv) {
  static const struct option aOpt[] = {{"yes", no_argument, 0, 'y'}, {"delete-logs", no_argument, 0, 'l'},
                                       {0, 0, 0, 0}};
  int bYes = 0, bLogs = 0, c;
  optind = 0;
  while((c = getopt_long(argc, argv, "yl", aOpt, NULL)) != -1) {
    if(c == 'y') bYes = 1;
    else if(c == 'l') bLogs = 1;
    else return cli_usage_error("dags delete", "unknown option");
  }
  if(optind + 1 != argc) return cli_usage_error("dags delete", "expected one DAG id");
  const char *zDag = argv[optind];
  if(!bYes) {
    if(!isatty(0)) return cli_usage_error("dags delete", "stdin is not a terminal: confirm with --yes");
    printf("Delete every run, task instance and XCom value of DAG %s? [y/N] ", zDag);
    fflush(stdout);
    char zLine[16] = "";
    if(!fgets(zLine, sizeof(zLine), stdin) || (zLine[0] != 'y' && zLine[0] != 'Y')) {
      printf("Nothing deleted\n");
      return CLI_OK;
    }
  }
  store *s = cli_open_store();
  if(!s) return CLI_FAIL;
  airc_err err = {0};
  int nStopped = 0;
  airc_rc rc = store_dag_delete(s, zDag, &nStopped, &err);
  if(!rc) cli_audit(s, "delete_dag", zDag, NULL, NULL, json_pack("{s:b}", "delete_logs", bLogs));
  store_close(s);
  if(rc) return cli_fail_err(&err);
  if(bLogs && !strchr(zDag, '/') && strcmp(zDag, ".") && strcmp(zDag, "..")) {
    char zDir[4400];
    snprintf(zDir, sizeof(zDir), "%s/dag_id=%s", airc_path_logs(), zDag);
    (void)nftw(zDir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
  }
  printf("Deleted DAG %s%s", zDag, bLogs ? " and its logs" : "");
  if(nStopped) printf("; %d running tries are being stopped", nStopped);
  printf("\n");
  return CLI_OK;
}

/* store_view_run_list_no_test callback: appends the run to pCtx. */
static int add_run_row(void *pCtx, const store_view_run *pRun) {
  char zL[40], zS[48], zE[48];
  json_array_append_new(pCtx, json_pack("{ss ss ss ss ss ss ss}", "dag_id", str_or_empty(pRun->zDagId), "run_id",
                                        str_or_empty(pRun->zRunId), "state", str_or_empty(pRun->zState), "run_type",
                                        str_or_empty(pRun->zRunType), "logical_date",
                                        airc_time_format(pRun->logicalDate == STORE_VIEW_NULL ? 0 : pRun->logicalDate,
                                                         zL, sizeof(zL)),
                                        "start_date", cli_fmt_time_us(pRun->startUs, zS, sizeof(zS)), "end_date",
                                        cli_fmt_time_us(pRun->endUs, zE, sizeof(zE))));
  return 0;
}

int cmd_dags_list_runs(int argc, char **argv) {
  static const struct option aOpt[] = {{"output", required_argument, 0, 'o'}, {"state", required_argument, 0, 's'},
                                       {"limit", required_argument, 0, 'l'}, {"offset", required_argument, 0, 'f'},
                                       {0, 0, 0, 0}};
  cli_output out = OUT_TABLE;
  const char *zState = NULL;
  int nLimit = 100, nOffset = 0, c;
  optind = 0;
  while((c = getopt_long(argc, argv, "o:s:l:", aOpt, NULL)) != -1) {
    if(c == 'o') {
      if(opt_output("dags list-runs", optarg, &out)) return CLI_USAGE;
    } else if(c == 's') zState = optarg;
    else if(c == 'l') nLimit = atoi(optarg);
    else if(c == 'f') nOffset = atoi(optarg);
    else return cli_usage_error("dags list-runs", "unknown option");
  }
  if(optind + 1 != argc) return cli_usage_error("dags list-runs", "expected one DAG id");
  if(nLimit < 1 || nOffset < 0) return cli_usage_error("dags list-runs", "--limit must be positive and --offset not negative");
  store *s = cli_open_store();
  if(!s) return CLI_FAIL;
  airc_err err = {0};
  int bFound = 0;
  if(store_view_dag_exists(s, argv[optind], &bFound, &err)) {
    store_close(s);
    return cli_fail_err(&err);
  }
  if(!bFound) {
    store_close(s);
    return cli_dag_not_found(argv[optind]);
  }
  json_t *pRows = json_array();
  if(store_view_run_list_no_test(s, argv[optind], zState, nLimit, nOffset, add_run_row, pRows, &err)) {
    json_decref(pRows);
    store_close(s);
    return cli_fail_err(&err);
  }
  static const char *const azCols[] = {"run_id", "state", "run_type", "logical_date", "start_date", "end_date", NULL};
  cli_print_rows(pRows, azCols, out);
  json_decref(pRows);
  store_close(s);
  return CLI_OK;
}

/* store_view_run_get callback: the run's state into pCtx (32 bytes). */
static int copy_run_state(void *pCtx, const store_view_run *pRun) {
  snprintf(pCtx, 32, "%s", str_or_empty(pRun->zState));
  return 0;
}

int cmd_dags_state(int argc, char **argv) {
  if(argc != 3) return cli_usage_error("dags state", "expected DAG RUN_ID");
  store *s = cli_open_store();
  if(!s) return CLI_FAIL;
  airc_err err = {0};
  char zState[32] = "";
  airc_rc r = store_view_run_get(s, argv[1], argv[2], copy_run_state, zState, &err);
  int rc = CLI_OK;
  if(!r) printf("%s\n", zState);
  else if(r == AIRC_ERR_NOTFOUND) rc = cli_error("DAG '%s' has no run '%s'", argv[1], argv[2]);
  else rc = cli_fail_err(&err);
  store_close(s);
  return rc;
}
