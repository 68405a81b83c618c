/* sched_notify.c: the scheduler's side of notifications and deadlines.
 *
 * Events become rows of the notification outbox (store/store_notify.h) in
 * the transaction that records them, one row per target: a task's
 * on_failure / on_retry / on_success when a try's outcome is recorded, a
 * run's on_run_failure / on_run_success when it ends, on_deadline_miss
 * when a run is still queued or running at its deadline (checked at each
 * zombie sweep, so at most about ten seconds late). The scheduler never
 * talks to an endpoint itself: a delivery process does (airc-task
 * --deliver-notifications, providers/notify/), which the scheduler starts,
 * restarts when it dies and stops on exit; [notifications] deliver =
 * false leaves delivery to `airc notifications deliver` run elsewhere.
 * A dead endpoint therefore costs the scheduler nothing. */
#include "scheduler/scheduler_int.h"
#include "common/config.h"
#include "common/log.h"
#include "common/timeutil.h"
#include "store/store_notify.h"
#include <errno.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

/* Appends z to zOut percent-encoded (RFC 3986 unreserved kept). */
static void url_escape_cat(char *zOut, size_t nOut, const char *z) {
  size_t n = strlen(zOut);
  for(; *z && n + 4 < nOut; z++) {
    unsigned char ch = (unsigned char)*z;
    if((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || strchr("-._~", ch)) {
      zOut[n++] = (char)ch;
    } else {
      snprintf(zOut + n, nOut - n, "%%%02X", ch);
      n += 3;
    }
  }
  zOut[n] = 0;
}

/* The web server's address for links ([webserver] base_url, as Airflow). */
static const char *base_url(void) {
  return airc_config_get("webserver", "base_url", "http://localhost:8080");
}

/* Writes one outbox row per target of pTargets (an array). Takes pPayload. */
static airc_rc notify_write(sched *S, const char *zEvent, const char *zDag, const char *zRunId, const char *zTask,
                            int tryNumber, json_t *pTargets, json_t *pPayload, airc_err *pErr) {
  char *zPayload = json_dumps(pPayload, JSON_COMPACT | JSON_SORT_KEYS);
  json_decref(pPayload);
  if(!zPayload) return airc_err_set(pErr, AIRC_ERR_NOMEM, "out of memory");
  airc_rc rc = AIRC_OK;
  size_t i;
  json_t *pT;
  int64_t now = airc_now_us();
  json_array_foreach(pTargets, i, pT) {
    store_notify_new n = {zEvent, zDag, zRunId, zTask, tryNumber, json_string_value(pT), zPayload};
    if((rc = store_notify_add(S->s, &n, now, pErr))) break;
  }
  free(zPayload);
  return rc;
}

static json_t *time_json(int64_t sec) {
  char z[40];
  return json_string(airc_time_format(sec, z, sizeof(z)));
}

airc_rc sched_notify_task(sched *S, const store_sched_ti_current *cur, int tryNumber, const char *zState,
                          const char *zReason, airc_err *pErr) {
  const char *zEvent = !strcmp(zState, "failed")         ? "on_failure"
                       : !strcmp(zState, "up_for_retry") ? "on_retry"
                       : !strcmp(zState, "success")      ? "on_success"
                                                         : NULL;
  if(!zEvent) return AIRC_OK;
  sched_version *v = sched_version_get(S, cur->zDagHash, pErr);
  if(!v) return pErr->rc;
  int i = sched_version_task(v, cur->zTaskId);
  json_t *pTargets = i >= 0 && v->d->aTask[i].pNotify ? json_object_get(v->d->aTask[i].pNotify, zEvent) : NULL;
  if(!json_array_size(pTargets)) return AIRC_OK;
  int64_t logical = 0;
  airc_rc rc = store_notify_run_logical(S->s, cur->runPk, &logical, pErr);
  if(rc) return rc;
  char zUrl[2400];
  snprintf(zUrl, sizeof(zUrl), "%s/api/v1/dags/", base_url());
  url_escape_cat(zUrl, sizeof(zUrl), cur->zDagId);
  strncat(zUrl, "/dagRuns/", sizeof(zUrl) - strlen(zUrl) - 1);
  url_escape_cat(zUrl, sizeof(zUrl), cur->zRunId);
  strncat(zUrl, "/taskInstances/", sizeof(zUrl) - strlen(zUrl) - 1);
  url_escape_cat(zUrl, sizeof(zUrl), cur->zTaskId);
  snprintf(zUrl + strlen(zUrl), sizeof(zUrl) - strlen(zUrl), "/logs/%d", tryNumber);
  /* the supervisor's reason ends with the task's last line of output:
   * "exited with code 3: disk full on /data" */
  const char *zError = zReason && *zReason && strcmp(zState, "success") ? zReason : NULL;
  json_t *pPayload = json_object();
  json_object_set_new(pPayload, "event", json_string(zEvent));
  json_object_set_new(pPayload, "dag_id", json_string(cur->zDagId));
  json_object_set_new(pPayload, "run_id", json_string(cur->zRunId));
  json_object_set_new(pPayload, "task_id", json_string(cur->zTaskId));
  json_object_set_new(pPayload, "try_number", json_integer(tryNumber));
  json_object_set_new(pPayload, "state", json_string(zState));
  json_object_set_new(pPayload, "logical_date", time_json(logical));
  json_object_set_new(pPayload, "error", zError ? json_string(zError) : json_null());
  json_object_set_new(pPayload, "log_url", json_string(zUrl));
  json_object_set_new(pPayload, "timestamp", time_json(airc_now()));
  return notify_write(S, zEvent, cur->zDagId, cur->zRunId, cur->zTaskId, tryNumber, pTargets, pPayload, pErr);
}

/* A run event's payload. */
static json_t *run_payload(const char *zEvent, const char *zDag, const char *zRunId, const char *zState,
                           int64_t logical) {
  char zUrl[2400];
  snprintf(zUrl, sizeof(zUrl), "%s/api/v1/dags/", base_url());
  url_escape_cat(zUrl, sizeof(zUrl), zDag);
  strncat(zUrl, "/dagRuns/", sizeof(zUrl) - strlen(zUrl) - 1);
  url_escape_cat(zUrl, sizeof(zUrl), zRunId);
  json_t *p = json_object();
  json_object_set_new(p, "event", json_string(zEvent));
  json_object_set_new(p, "dag_id", json_string(zDag));
  json_object_set_new(p, "run_id", json_string(zRunId));
  json_object_set_new(p, "task_id", json_null());
  json_object_set_new(p, "try_number", json_null());
  json_object_set_new(p, "state", json_string(zState));
  json_object_set_new(p, "logical_date", time_json(logical));
  json_object_set_new(p, "error", json_null());
  json_object_set_new(p, "run_url", json_string(zUrl));
  json_object_set_new(p, "log_url", json_null());
  json_object_set_new(p, "timestamp", time_json(airc_now()));
  return p;
}

airc_rc sched_notify_run(sched *S, const dag *d, const char *zRunId, int64_t logical, const char *zState,
                         airc_err *pErr) {
  const char *zEvent = !strcmp(zState, "failed") ? "on_run_failure" : !strcmp(zState, "success") ? "on_run_success" : NULL;
  json_t *pTargets = zEvent && d->pNotify ? json_object_get(d->pNotify, zEvent) : NULL;
  if(!json_array_size(pTargets)) return AIRC_OK;
  json_t *p = run_payload(zEvent, d->zId, zRunId, zState, logical);
  if(!strcmp(zState, "failed")) {
    /* the first failed task, as the error line */
    json_object_set_new(p, "error", json_string("the run failed"));
  }
  return notify_write(S, zEvent, d->zId, zRunId, NULL, 0, pTargets, p, pErr);
}

typedef struct missed_run {
  int64_t runPk, logical, deadlineUs;
  char zDag[256], zRunId[300], zHash[80], zState[16];
} missed_run;

typedef struct missed_set {
  missed_run *a;
  int n;
} missed_set;

static int missed_add(void *pCtx, const store_deadline_row *r) {
  missed_set *M = pCtx;
  if(M->n >= 1000) return 1; /* the rest next sweep */
  M->a = realloc(M->a, sizeof(missed_run) * (size_t)(M->n + 1));
  missed_run *m = &M->a[M->n++];
  m->runPk = r->runPk;
  m->logical = r->logicalDate;
  m->deadlineUs = r->deadlineUs;
  snprintf(m->zDag, sizeof(m->zDag), "%s", r->zDagId);
  snprintf(m->zRunId, sizeof(m->zRunId), "%s", r->zRunId);
  snprintf(m->zHash, sizeof(m->zHash), "%s", r->zDagHash);
  snprintf(m->zState, sizeof(m->zState), "%s", r->zState);
  return 0;
}

airc_rc sched_notify_deadlines(sched *S, airc_err *pErr) {
  missed_set M = {NULL, 0};
  int64_t now = airc_now_us();
  airc_rc rc = store_deadline_each_missed(S->s, now, missed_add, &M, pErr);
  for(int i = 0; !rc && i < M.n; i++) {
    missed_run *m = &M.a[i];
    rc = store_deadline_mark_missed(S->s, m->runPk, now, pErr);
    if(rc) break;
    LOG_WARN("run %s of DAG '%s' missed its deadline (still %s)", m->zRunId, m->zDag, m->zState);
    sched_version *v = sched_version_get(S, m->zHash, pErr);
    if(!v) {
      rc = pErr->rc;
      break;
    }
    json_t *pTargets = v->d->pNotify ? json_object_get(v->d->pNotify, "on_deadline_miss") : NULL;
    if(!json_array_size(pTargets)) continue;
    json_t *p = run_payload("on_deadline_miss", m->zDag, m->zRunId, m->zState, m->logical);
    json_object_set_new(p, "deadline", time_json(m->deadlineUs / 1000000));
    char zErr[200];
    snprintf(zErr, sizeof(zErr), "the run is still %s after its deadline of %llds", m->zState,
             (long long)v->d->deadline);
    json_object_set_new(p, "error", json_string(zErr));
    rc = notify_write(S, "on_deadline_miss", m->zDag, m->zRunId, NULL, 0, pTargets, p, pErr);
  }
  free(M.a);
  return rc;
}

/* ---- the delivery process ---- */

static pid_t g_notifyPid;
static int64_t g_notifyStartedUs;

void sched_notify_start(sched *S) {
  (void)S;
  if(g_notifyPid > 0 || !airc_config_get_bool("notifications", "deliver", 1)) return;
  int64_t now = airc_now_us();
  if(g_notifyStartedUs && now - g_notifyStartedUs < 10 * INT64_C(1000000)) return; /* no restart loop */
  g_notifyStartedUs = now;
  char zSelf[4096], zExe[4200];
  ssize_t n = readlink("/proc/self/exe", zSelf, sizeof(zSelf) - 1);
  if(n <= 0) return;
  zSelf[n] = 0;
  snprintf(zExe, sizeof(zExe), "%s/airc-task", dirname(zSelf));
  if(access(zExe, X_OK)) {
    static int bWarned;
    if(!bWarned++) LOG_WARN("notifications are not delivered: %s: %s", zExe, strerror(errno));
    return;
  }
  char zParent[32];
  snprintf(zParent, sizeof(zParent), "%d", (int)getpid());
  pid_t pid = fork();
  if(pid < 0) {
    LOG_WARN("notifications: cannot start the delivery process: %s", strerror(errno));
    return;
  }
  if(pid == 0) {
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL); /* the scheduler blocks its signals for signalfd */
    signal(SIGPIPE, SIG_DFL);
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if(getppid() != (pid_t)atoi(zParent)) _exit(0);
    char *azArgv[] = {zExe, (char *)"--deliver-notifications", (char *)"--parent", zParent, NULL};
    execv(zExe, azArgv);
    _exit(127);
  }
  g_notifyPid = pid;
  LOG_DEBUG("notification delivery process %d started", (int)pid);
}

int sched_notify_reaped(pid_t pid, int status) {
  if(pid <= 0 || pid != g_notifyPid) return 0;
  g_notifyPid = 0;
  LOG_WARN("the notification delivery process %d exited (%s %d); it is restarted", (int)pid,
           WIFSIGNALED(status) ? "signal" : "status", WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
  return 1;
}

void sched_notify_stop(void) {
  if(g_notifyPid <= 0) return;
  kill(g_notifyPid, SIGTERM);
  for(int i = 0; i < 50; i++) { /* up to 5 s: it finishes the attempt at hand */
    if(waitpid(g_notifyPid, NULL, WNOHANG) == g_notifyPid) {
      g_notifyPid = 0;
      return;
    }
    usleep(100000);
  }
  kill(g_notifyPid, SIGKILL);
  waitpid(g_notifyPid, NULL, 0);
  g_notifyPid = 0;
}
