/* cli.c: see cli.h. */
#include "cli/cli.h"
#include "common/config.h"
#include "common/fsafe.h"
#include "common/timeutil.h"
#include "executor/exec_spawn.h"
#include "scheduler/dag_folder.h"
#include "store/store_audit.h"
#include "store/store_run.h"
#include <pwd.h>
#include <unistd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int cli_error(const char *zFmt, ...) {
  char z[2048];
  va_list ap;
  va_start(ap, zFmt);
  vsnprintf(z, sizeof(z), zFmt, ap);
  va_end(ap);
  for(char *p = z; *p; p++)
    if(*p == '\n') *p = ' ';
  fprintf(stderr, "airc: error: %s\n", z);
  return CLI_FAIL;
}

int cli_usage_error(const char *zCmd, const char *zFmt, ...) {
  char z[1024];
  va_list ap;
  va_start(ap, zFmt);
  vsnprintf(z, sizeof(z), zFmt, ap);
  va_end(ap);
  fprintf(stderr, "airc: error: %s (see 'airc %s --help')\n", z, zCmd);
  return CLI_USAGE;
}

int cli_fail_err(const airc_err *pErr) {
  if(pErr->rc == AIRC_ERR_USAGE) {
    fprintf(stderr, "airc: error: %s\n", airc_err_msg(pErr));
    return CLI_USAGE;
  }
  return cli_error("%s", airc_err_msg(pErr));
}

int cli_dag_not_found(const char *zDagId) {
  return cli_error("DAG '%s' not found (the scheduler has not parsed it yet? `airc dags reserialize` parses the "
                   "folder now)", zDagId);
}

int cli_fail_dag_err(const airc_err *pErr, const char *zDagId) {
  char zMsg[600];
  snprintf(zMsg, sizeof(zMsg), "DAG '%s' not found", zDagId);
  if(pErr->rc == AIRC_ERR_NOTFOUND && !strcmp(airc_err_msg(pErr), zMsg)) return cli_dag_not_found(zDagId);
  return cli_fail_err(pErr);
}

void cli_check_home(void) {
  static int bDone; /* once per process (standalone's scheduler is a fork) */
  if(bDone) return;
  bDone = 1;
  struct stat st;
  if(!lstat(airc_home(), &st) && S_ISDIR(st.st_mode) && (st.st_mode & 077))
    fprintf(stderr, "airc: warning: AIRC_HOME %s has mode %04o: other users can look inside; run 'chmod 700 %s'\n",
            airc_home(), (unsigned)(st.st_mode & 07777), airc_home());
  /* what airc owns in it: airc.ini (it may hold passwords) and the default
   * log folder; the store tightens its own files when it opens them */
  char zIni[4200], zLogs[4200];
  snprintf(zIni, sizeof(zIni), "%s/airc.ini", airc_home());
  snprintf(zLogs, sizeof(zLogs), "%s/logs", airc_home());
  const char *azOwned[] = {zIni, !strcmp(airc_path_logs(), zLogs) ? zLogs : NULL};
  for(size_t i = 0; i < sizeof(azOwned) / sizeof(azOwned[0]); i++) {
    unsigned old = 0;
    if(azOwned[i] && fsafe_tighten(azOwned[i], &old))
      fprintf(stderr, "airc: warning: %s had mode %04o: tightened to owner-only\n", azOwned[i], old);
  }
}

#define CLI_STORE_BUSY_TRIES 3

store *cli_open_store(void) {
  airc_err err = {0};
  if(exec_mkdirs(airc_home())) {
    cli_error("cannot create AIRC_HOME %s", airc_home());
    return NULL;
  }
  store *s = NULL;
  if(store_open(airc_store_target(), &s, &err)) {
    cli_fail_err(&err);
    return NULL;
  }
  /* a command waits a bounded time for a busy store (CLI_STORE_BUSY_TRIES
   * times [database] busy_timeout_ms), then fails with one line */
  store_set_busy_tries(s, CLI_STORE_BUSY_TRIES);
  return s;
}

store *cli_open_store_synced(int *pnChanged, int *pbFailed) {
  if(pnChanged) *pnChanged = 0;
  if(pbFailed) *pbFailed = 0;
  store *s = cli_open_store();
  if(!s) return NULL;
  dag_folder *f = dag_folder_new(airc_path_dags());
  int n = 0;
  airc_err err = {0};
  if(dag_folder_sync(f, s, &n, &err)) {
    fprintf(stderr, "airc: warning: DAG folder %s: %s\n", airc_path_dags(), airc_err_msg(&err));
    if(pbFailed) *pbFailed = 1;
  }
  if(pnChanged) *pnChanged = n;
  dag_folder_free(f);
  return s;
}

/* The login name of the OS user running the CLI: the password database's
 * entry for the real uid, else $USER, else the uid as a number. */
static void cli_os_user(char *zOut, size_t n) {
  struct passwd *pw = getpwuid(getuid());
  const char *zEnv = getenv("USER");
  if(pw && pw->pw_name && *pw->pw_name) snprintf(zOut, n, "%s", pw->pw_name);
  else if(zEnv && *zEnv) snprintf(zOut, n, "%s", zEnv);
  else snprintf(zOut, n, "%u", (unsigned)getuid());
}

void cli_audit(store *s, const char *zEvent, const char *zDagId, const char *zRunId, const char *zTaskId,
               json_t *pExtra) {
  char zUser[128], zOwner[140];
  cli_os_user(zUser, sizeof(zUser));
  snprintf(zOwner, sizeof(zOwner), "cli:%s", zUser);
  if(!pExtra) pExtra = json_object();
  json_object_set_new(pExtra, "source", json_string("cli"));
  char *zExtra = json_dumps(pExtra, JSON_COMPACT | JSON_PRESERVE_ORDER);
  json_decref(pExtra);
  store_event_rec e = {0, airc_now_us(), zEvent, zOwner, zDagId, zRunId, zTaskId,
                       STORE_EVENT_NULL, STORE_EVENT_NULL, STORE_EVENT_NULL, zExtra};
  airc_err err = {0};
  if(store_event_insert(s, &e, NULL, &err)) 
    fprintf(stderr, "airc: warning: audit trail: event '%s' not recorded: %s\n", zEvent, airc_err_msg(&err));
  free(zExtra);
}

int cli_parse_conf(const char *zCmd, const char *zConf, json_t **ppOut) {
  *ppOut = NULL;
  if(!zConf) return CLI_OK;
  json_error_t je;
  json_t *p = json_loads(zConf, 0, &je);
  if(!json_is_object(p)) {
    int bParsed = p != NULL;
    json_decref(p);
    return cli_usage_error(zCmd, "--conf must be a JSON object: %s", bParsed ? "not an object" : je.text);
  }
  airc_err err = {0};
  if(dag_run_conf_check(p, &err)) {
    json_decref(p);
    return cli_usage_error(zCmd, "--conf: %s", err.zMsg);
  }
  *ppOut = p;
  return CLI_OK;
}

int cli_parse_output(const char *z, cli_output *pOut) {
  if(!strcmp(z, "table")) *pOut = OUT_TABLE;
  else if(!strcmp(z, "json")) *pOut = OUT_JSON;
  else if(!strcmp(z, "plain")) *pOut = OUT_PLAIN;
  else return 0;
  return 1;
}

static const char *cell_text(json_t *v, char *zBuf, size_t n) {
  if(!v || json_is_null(v)) return "";
  if(json_is_string(v)) return json_string_value(v);
  if(json_is_true(v)) return "True";
  if(json_is_false(v)) return "False";
  if(json_is_integer(v)) {
    snprintf(zBuf, n, "%lld", (long long)json_integer_value(v));
    return zBuf;
  }
  if(json_is_real(v)) {
    snprintf(zBuf, n, "%.3f", json_real_value(v));
    return zBuf;
  }
  char *z = json_dumps(v, JSON_COMPACT);
  snprintf(zBuf, n, "%s", z ? z : "");
  free(z);
  return zBuf;
}

void cli_print_rows(json_t *pRows, const char *const *azCols, cli_output out) {
  if(out == OUT_JSON) {
    char *z = json_dumps(pRows, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    printf("%s\n", z ? z : "[]");
    free(z);
    return;
  }
  int nCol = 0;
  while(azCols[nCol]) nCol++;
  size_t aW[32] = {0};
  char zBuf[1024];
  size_t i;
  json_t *pRow;
  for(int c = 0; c < nCol && c < 32; c++) aW[c] = strlen(azCols[c]);
  json_array_foreach(pRows, i, pRow) {
    for(int c = 0; c < nCol && c < 32; c++) {
      size_t w = strlen(cell_text(json_object_get(pRow, azCols[c]), zBuf, sizeof(zBuf)));
      if(w > aW[c]) aW[c] = w;
    }
  }
  if(out == OUT_TABLE) {
    for(int c = 0; c < nCol; c++) printf("%s%-*s", c ? " | " : "", c == nCol - 1 ? 0 : (int)aW[c], azCols[c]);
    printf("\n");
    for(int c = 0; c < nCol; c++) {
      printf("%s", c ? "=+=" : "");
      for(size_t k = 0; k < aW[c]; k++) putchar('=');
    }
    printf("\n");
  }
  json_array_foreach(pRows, i, pRow) {
    for(int c = 0; c < nCol; c++) {
      const char *z = cell_text(json_object_get(pRow, azCols[c]), zBuf, sizeof(zBuf));
      if(out == OUT_TABLE) printf("%s%-*s", c ? " | " : "", c == nCol - 1 ? 0 : (int)aW[c], z);
      else printf("%s%s", c ? "\t" : "", z);
    }
    printf("\n");
  }
}

int cli_wants_help(int argc, char **argv, const cli_command *pCmd) {
  for(int i = 1; i < argc; i++) {
    if(!strcmp(argv[i], "--")) break;
    if(!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
      /* zUsage starts with its own "usage:" line */
      printf("%s\n", pCmd->zSummary);
      if(pCmd->zUsage && *pCmd->zUsage) printf("\n%s", pCmd->zUsage);
      else printf("\nusage: airc %s\n", pCmd->zName);
      return 1;
    }
  }
  return 0;
}

const char *cli_fmt_time_us(int64_t us, char *zBuf, size_t n) {
  if(us == INT64_MIN) return "";
  airc_time_format_api(us, zBuf, n);
  return zBuf;
}

void cli_sibling_path(const char *zName, char *zOut, size_t nOut) {
  char zSelf[4096];
  ssize_t n = readlink("/proc/self/exe", zSelf, sizeof(zSelf) - 1);
  if(n <= 0) {
    snprintf(zOut, nOut, "%s", zName);
    return;
  }
  zSelf[n] = 0;
  char *zSlash = strrchr(zSelf, '/');
  if(zSlash) *zSlash = 0;
  snprintf(zOut, nOut, "%s/%s", zSelf, zName);
}
