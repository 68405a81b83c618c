/* notify_deliver.c: see notify_deliver.h.
 *
 * The loop: claim up to 16 due rows (a lease of a few minutes, so another
 * deliverer never sends them meanwhile and takes them over if we die),
 * send each, record the attempt: sent; or failed with the error and tried
 * again after [notifications] retry_delay * 2^(attempt-1) seconds (capped
 * at 10 minutes); or, after [notifications] max_attempts, `failed` for
 * good, logged as an error and listed by `airc notifications list`.
 *
 * What a target gets:
 *   http(s)://URL    POST of the event as JSON (Content-Type: application/json)
 *   smtp(s)://[USER:PASS@]HOST[:PORT]/RCPT   an e-mail (subject and text body)
 *   conn:NAME        by the connection's conn_type: slack, slackwebhook,
 *                    teams, msteams, webhook -> POST {"text": "..."} (an
 *                    incoming webhook; URL from extra.webhook_url, or
 *                    https://HOST[:PORT]/SCHEMA[/PASSWORD]); http, https ->
 *                    POST of the JSON to the connection's URL (login and
 *                    password as basic auth); smtp, smtps, email -> an e-mail
 *                    to extra.to through HOST:PORT.
 * Each attempt is bounded by [notifications] timeout (10 s). */
#include "providers/notify/notify_deliver.h"
#include "common/config.h"
#include "common/conn_uri.h"
#include "common/log.h"
#include "common/seal.h"
#include "common/timeutil.h"
#include "store/store_notify.h"
#include "store/store_secret.h"
#include <curl/curl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t g_stop;
static void on_signal(int sig) {
  (void)sig;
  g_stop = 1;
}

static size_t sink_write(char *p, size_t n, size_t m, void *u) {
  (void)p;
  (void)u;
  return n * m; /* the answer's body is not kept */
}

static long timeout_ms(void) {
  int64_t s = airc_config_get_int("notifications", "timeout", 10);
  return (long)(s < 1 ? 1 : s > 300 ? 300 : s) * 1000;
}

/* POSTs zBody to zUrl; 0 if the answer is 2xx. */
static int http_post(const char *zUrl, const char *zBody, const char *zUserPwd, char *zErr, size_t nErr) {
  CURL *c = curl_easy_init();
  if(!c) {
    snprintf(zErr, nErr, "cannot start libcurl");
    return 1;
  }
  char zCurlErr[CURL_ERROR_SIZE] = "";
  struct curl_slist *pH = curl_slist_append(NULL, "Content-Type: application/json");
  curl_easy_setopt(c, CURLOPT_URL, zUrl);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_USERAGENT, "airc-notify");
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, pH);
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, zBody);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms());
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms() < 5000 ? timeout_ms() : 5000L);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, zCurlErr);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink_write);
  if(zUserPwd) curl_easy_setopt(c, CURLOPT_USERPWD, zUserPwd);
  CURLcode res = curl_easy_perform(c);
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup(c);
  curl_slist_free_all(pH);
  if(res != CURLE_OK) {
    snprintf(zErr, nErr, "%s", zCurlErr[0] ? zCurlErr : curl_easy_strerror(res));
    return 1;
  }
  if(status < 200 || status > 299) {
    snprintf(zErr, nErr, "HTTP %ld from the endpoint", status);
    return 1;
  }
  return 0;
}

typedef struct mail_src {
  const char *z;
  size_t n, off;
} mail_src;

static size_t mail_read(char *p, size_t n, size_t m, void *u) {
  mail_src *s = u;
  size_t k = s->n - s->off < n * m ? s->n - s->off : n * m;
  memcpy(p, s->z + s->off, k);
  s->off += k;
  return k;
}

/* Sends one e-mail through zServer (smtp(s)://[user:pass@]host[:port]). */
static int mail_send(const char *zServer, const char *zTo, const char *zSubject, const char *zText, char *zErr,
                     size_t nErr) {
  const char *zFrom = airc_config_get("notifications", "mail_from", "airc@localhost");
  char zDate[64];
  time_t now = time(NULL);
  struct tm tmv;
  gmtime_r(&now, &tmv);
  strftime(zDate, sizeof(zDate), "%a, %d %b %Y %H:%M:%S +0000", &tmv);
  size_t nMsg = strlen(zText) + strlen(zSubject) + strlen(zTo) + strlen(zFrom) + 256;
  char *zMsg = malloc(nMsg);
  if(!zMsg) {
    snprintf(zErr, nErr, "out of memory");
    return 1;
  }
  snprintf(zMsg, nMsg,
           "Date: %s\r\nFrom: %s\r\nTo: %s\r\nSubject: %s\r\nContent-Type: text/plain; charset=utf-8\r\n"
           "X-Mailer: airc\r\n\r\n%s\r\n",
           zDate, zFrom, zTo, zSubject, zText);
  char zFromArg[600], zToArg[600];
  snprintf(zFromArg, sizeof(zFromArg), "<%s>", zFrom);
  snprintf(zToArg, sizeof(zToArg), "<%s>", zTo);
  CURL *c = curl_easy_init();
  if(!c) {
    free(zMsg);
    snprintf(zErr, nErr, "cannot start libcurl");
    return 1;
  }
  char zCurlErr[CURL_ERROR_SIZE] = "";
  struct curl_slist *pRcpt = curl_slist_append(NULL, zToArg);
  mail_src src = {zMsg, strlen(zMsg), 0};
  curl_easy_setopt(c, CURLOPT_URL, zServer);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_MAIL_FROM, zFromArg);
  curl_easy_setopt(c, CURLOPT_MAIL_RCPT, pRcpt);
  curl_easy_setopt(c, CURLOPT_READFUNCTION, mail_read);
  curl_easy_setopt(c, CURLOPT_READDATA, &src);
  curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(c, CURLOPT_USE_SSL, (long)CURLUSESSL_TRY); /* STARTTLS when the server offers it */
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms());
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms() < 5000 ? timeout_ms() : 5000L);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, zCurlErr);
  CURLcode res = curl_easy_perform(c);
  curl_easy_cleanup(c);
  curl_slist_free_all(pRcpt);
  free(zMsg);
  if(res != CURLE_OK) {
    snprintf(zErr, nErr, "%s", zCurlErr[0] ? zCurlErr : curl_easy_strerror(res));
    return 1;
  }
  return 0;
}

/* One line for people (chat messages, e-mail subjects) and a body. */
static void message_text(json_t *p, char *zSubject, size_t nSubject, char *zText, size_t nText) {
  const char *zEvent = json_string_value(json_object_get(p, "event"));
  const char *zDag = json_string_value(json_object_get(p, "dag_id"));
  const char *zRun = json_string_value(json_object_get(p, "run_id"));
  const char *zTask = json_string_value(json_object_get(p, "task_id"));
  const char *zState = json_string_value(json_object_get(p, "state"));
  const char *zError = json_string_value(json_object_get(p, "error"));
  const char *zUrl = json_string_value(json_object_get(p, "log_url"));
  if(!zUrl) zUrl = json_string_value(json_object_get(p, "run_url"));
  zEvent = zEvent ? zEvent : "?";
  zDag = zDag ? zDag : "?";
  zRun = zRun ? zRun : "?";
  if(!strcmp(zEvent, "on_deadline_miss"))
    snprintf(zSubject, nSubject, "[airc] run %s of DAG %s missed its deadline", zRun, zDag);
  else if(zTask)
    snprintf(zSubject, nSubject, "[airc] task %s of DAG %s: %s (try %lld)", zTask, zDag, zState ? zState : "?",
             (long long)json_integer_value(json_object_get(p, "try_number")));
  else
    snprintf(zSubject, nSubject, "[airc] run %s of DAG %s: %s", zRun, zDag, zState ? zState : "?");
  char *zJson = json_dumps(p, JSON_INDENT(2) | JSON_SORT_KEYS);
  snprintf(zText, nText, "%s (run %s, logical date %s)%s%s%s%s\n\n%s", zSubject + 7, zRun,
           json_string_value(json_object_get(p, "logical_date")) ? json_string_value(json_object_get(p, "logical_date")) : "?",
           zError ? "\nerror: " : "", zError ? zError : "", zUrl ? "\n" : "", zUrl ? zUrl : "", zJson ? zJson : "");
  free(zJson);
}

/* smtp(s)://[user:pass@]host[:port]/RCPT -> server URL and recipient. */
static int split_mail_target(const char *zTarget, char *zServer, size_t nServer, char *zTo, size_t nTo) {
  const char *zHost = strstr(zTarget, "://");
  const char *zSlash = zHost ? strchr(zHost + 3, '/') : NULL;
  if(!zSlash || !strchr(zSlash, '@')) return 1;
  snprintf(zServer, nServer, "%.*s", (int)(zSlash - zTarget), zTarget);
  snprintf(zTo, nTo, "%s", zSlash + 1);
  char *zQ = strchr(zTo, '?');
  if(zQ) *zQ = 0;
  return 0;
}

static const char *jstr(json_t *p, const char *zKey) {
  const char *z = json_string_value(json_object_get(p, zKey));
  return z && *z ? z : NULL;
}

/* conn:NAME: by conn_type. */
static int deliver_conn(json_t *pConn, const char *zName, json_t *pPayload, const char *zPayload, char *zErr, size_t nErr) {
  const char *zType = jstr(pConn, "conn_type");
  json_t *pExtra = json_object_get(pConn, "extra");
  const char *zHost = jstr(pConn, "host");
  json_int_t port = json_integer_value(json_object_get(pConn, "port"));
  const char *zSchema = jstr(pConn, "schema"), *zLogin = jstr(pConn, "login"), *zPw = jstr(pConn, "password");
  char zUrl[2400], zPort[24] = "";
  if(port > 0) snprintf(zPort, sizeof(zPort), ":%lld", (long long)port);
  char zSubject[600], zText[16384];
  message_text(pPayload, zSubject, sizeof(zSubject), zText, sizeof(zText));
  zType = zType ? zType : "";
  if(!strcmp(zType, "slack") || !strcmp(zType, "slackwebhook") || !strcmp(zType, "slack_webhook") ||
     !strcmp(zType, "teams") || !strcmp(zType, "msteams") || !strcmp(zType, "webhook")) {
    const char *zHook = jstr(pExtra, "webhook_url");
    if(zHook) snprintf(zUrl, sizeof(zUrl), "%s", zHook);
    else if(zHost)
      snprintf(zUrl, sizeof(zUrl), "%s://%s%s%s%s%s%s", jstr(pExtra, "scheme") ? jstr(pExtra, "scheme") : "https",
               zHost, zPort, zSchema ? "/" : "", zSchema ? zSchema : "", zPw ? "/" : "", zPw ? zPw : "");
    else {
      snprintf(zErr, nErr, "connection '%s' (%s) has neither extra.webhook_url nor a host", zName, zType);
      return 1;
    }
    /* Slack and Teams incoming webhooks both take {"text": ...} */
    json_t *pMsg = json_pack("{s:s}", "text", zText);
    char *zBody = json_dumps(pMsg, JSON_COMPACT);
    json_decref(pMsg);
    int rc = http_post(zUrl, zBody ? zBody : "{}", NULL, zErr, nErr);
    free(zBody);
    return rc;
  }
  if(!strcmp(zType, "http") || !strcmp(zType, "https")) {
    if(!zHost) {
      snprintf(zErr, nErr, "connection '%s' has no host", zName);
      return 1;
    }
    snprintf(zUrl, sizeof(zUrl), "%s://%s%s/%s", zType, zHost, zPort, zSchema ? zSchema : "");
    char zUserPwd[600];
    snprintf(zUserPwd, sizeof(zUserPwd), "%s:%s", zLogin ? zLogin : "", zPw ? zPw : "");
    return http_post(zUrl, zPayload, zLogin ? zUserPwd : NULL, zErr, nErr);
  }
  if(!strcmp(zType, "smtp") || !strcmp(zType, "smtps") || !strcmp(zType, "email")) {
    const char *zTo = jstr(pExtra, "to");
    if(!zTo || !zHost) {
      snprintf(zErr, nErr, "connection '%s' needs a host and extra.to (the recipient)", zName);
      return 1;
    }
    char zServer[1400];
    snprintf(zServer, sizeof(zServer), "%s://%s%s", !strcmp(zType, "smtps") ? "smtps" : "smtp", zHost, zPort);
    CURLU *u = curl_url();
    char *zFull = NULL;
    if(u && !curl_url_set(u, CURLUPART_URL, zServer, 0)) {
      if(zLogin) curl_url_set(u, CURLUPART_USER, zLogin, CURLU_URLENCODE);
      if(zPw) curl_url_set(u, CURLUPART_PASSWORD, zPw, CURLU_URLENCODE);
      curl_url_get(u, CURLUPART_URL, &zFull, 0);
    }
    int rc = mail_send(zFull ? zFull : zServer, zTo, zSubject, zText, zErr, nErr);
    curl_free(zFull);
    curl_url_cleanup(u);
    return rc;
  }
  snprintf(zErr, nErr, "connection '%s' has conn_type '%s': notifications take slack, teams, webhook, http(s) or smtp(s)",
           zName, zType);
  return 1;
}

int notify_deliver_one(const char *zTarget, const char *zPayload, const void *pConnV, char *zErr, size_t nErr) {
  json_t *pPayload = json_loads(zPayload, 0, NULL);
  if(!pPayload) {
    snprintf(zErr, nErr, "the stored payload is not JSON");
    return 1;
  }
  int rc;
  if(!strncmp(zTarget, "http://", 7) || !strncmp(zTarget, "https://", 8)) {
    rc = http_post(zTarget, zPayload, NULL, zErr, nErr);
  } else if(!strncmp(zTarget, "smtp://", 7) || !strncmp(zTarget, "smtps://", 8)) {
    char zServer[2048], zTo[512], zSubject[600], zText[16384];
    if(split_mail_target(zTarget, zServer, sizeof(zServer), zTo, sizeof(zTo))) {
      snprintf(zErr, nErr, "write smtp://HOST[:PORT]/RECIPIENT");
      rc = 1;
    } else {
      message_text(pPayload, zSubject, sizeof(zSubject), zText, sizeof(zText));
      rc = mail_send(zServer, zTo, zSubject, zText, zErr, nErr);
    }
  } else if(!strncmp(zTarget, "conn:", 5) && pConnV) {
    rc = deliver_conn((json_t *)pConnV, zTarget + 5, pPayload, zPayload, zErr, nErr);
  } else {
    snprintf(zErr, nErr, "unknown target");
    rc = 1;
  }
  json_decref(pPayload);
  return rc;
}

/* ---- the loop ---- */

typedef struct row_copy {
  char *zTarget, *zPayload, *zEvent, *zDag, *zRun;
  int attempts;
  int bFound;
} row_copy;

static int row_take(void *pCtx, const store_notify_row *r) {
  row_copy *c = pCtx;
  c->zTarget = strdup(r->zTarget);
  c->zPayload = strdup(r->zPayload);
  c->zEvent = strdup(r->zEvent);
  c->zDag = strdup(r->zDagId);
  c->zRun = strdup(r->zRunId);
  c->attempts = r->attempts;
  c->bFound = 1;
  return 1;
}

static void row_free(row_copy *c) {
  free(c->zTarget);
  free(c->zPayload);
  free(c->zEvent);
  free(c->zDag);
  free(c->zRun);
}

/* conn:NAME's connection: $AIRC_CONN_NAME first, then the store. */
static json_t *conn_load(store *s, const char *zName, char *zErr, size_t nErr) {
  airc_err err = {0};
  json_t *p = conn_env_get(zName, &err);
  if(p || err.rc) {
    if(!p) snprintf(zErr, nErr, "%s", err.zMsg);
    return p;
  }
  seal_key key;
  if(seal_key_load(&key, &err)) {
    snprintf(zErr, nErr, "%s", err.zMsg);
    return NULL;
  }
  if(store_conn_get(s, &key, zName, &p, &err)) snprintf(zErr, nErr, "%s", err.zMsg);
  memset(&key, 0, sizeof(key));
  return p;
}

static void deliver_id(store *s, int64_t id) {
  row_copy c;
  memset(&c, 0, sizeof(c));
  airc_err err = {0};
  if(store_notify_get(s, id, row_take, &c, &err) || !c.bFound) {
    if(err.rc) LOG_WARN("notification %lld: %s", (long long)id, err.zMsg);
    row_free(&c);
    return;
  }
  char zErr[1100] = "";
  int rc = 1;
  json_t *pConn = NULL;
  if(!strncmp(c.zTarget, "conn:", 5)) pConn = conn_load(s, c.zTarget + 5, zErr, sizeof(zErr));
  if(strncmp(c.zTarget, "conn:", 5) || pConn) rc = notify_deliver_one(c.zTarget, c.zPayload, pConn, zErr, sizeof(zErr));
  json_decref(pConn);
  int64_t now = airc_now_us();
  int nAttempt = c.attempts + 1;
  int64_t maxAttempts = airc_config_get_int("notifications", "max_attempts", 5);
  int64_t next = 0;
  if(rc && nAttempt < maxAttempts) {
    int64_t delay = airc_config_get_int("notifications", "retry_delay", 15);
    for(int k = 1; k < nAttempt && delay < 600; k++) delay *= 2;
    if(delay > 600) delay = 600;
    if(delay < 1) delay = 1;
    next = now + delay * INT64_C(1000000);
    LOG_WARN("notification %lld (%s of %s %s) to %s: attempt %d failed: %s; next attempt in %llds", (long long)id,
             c.zEvent, c.zDag, c.zRun, c.zTarget, nAttempt, zErr, (long long)delay);
  } else if(rc) {
    LOG_ERROR("notification %lld (%s of %s %s) to %s: gave up after %d attempts: %s", (long long)id, c.zEvent, c.zDag,
              c.zRun, c.zTarget, nAttempt, zErr);
  } else {
    LOG_INFO("notification %lld (%s of %s %s) sent to %s", (long long)id, c.zEvent, c.zDag, c.zRun, c.zTarget);
  }
  for(int k = 0; k < 20; k++) { /* a busy store: the record matters, the lease would otherwise resend */
    airc_err_clear(&err);
    if(!store_notify_attempted(s, id, !rc, rc ? zErr : NULL, next, now, &err)) break;
    if(!airc_rc_is_transient(err.rc)) {
      LOG_WARN("notification %lld: %s", (long long)id, err.zMsg);
      break;
    }
    usleep(200000);
  }
  row_free(&c);
}

int notify_deliver_main(int argc, char **argv) {
  pid_t parent = 0;
  int bOnce = 0;
  for(int i = 1; i < argc; i++) {
    if(!strcmp(argv[i], "--parent") && i + 1 < argc) parent = (pid_t)atoi(argv[++i]);
    else if(!strcmp(argv[i], "--once")) bOnce = 1;
    else if(strcmp(argv[i], "--deliver-notifications")) {
      fprintf(stderr, "airc-task: --deliver-notifications: unknown argument '%s'\n", argv[i]);
      return 2;
    }
  }
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = on_signal;
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);
  curl_global_init(CURL_GLOBAL_DEFAULT);
  store *s = NULL;
  airc_err err = {0};
  airc_rc rc;
  while((rc = store_open(airc_store_target(), &s, &err)) && airc_rc_is_transient(rc) && !g_stop) {
    airc_err_clear(&err);
    usleep(500000);
  }
  if(rc) {
    fprintf(stderr, "airc: error: notifications: %s\n", airc_err_msg(&err));
    curl_global_cleanup();
    return 1;
  }
  int64_t pollMs = airc_config_get_int("notifications", "poll_interval_ms", 1000);
  if(pollMs < 50) pollMs = 50;
  while(!g_stop) {
    if(parent > 0 && getppid() != parent) break; /* the scheduler is gone */
    int64_t aId[16];
    int n = 0;
    int64_t now = airc_now_us();
    airc_err_clear(&err);
    if(store_notify_claim(s, now, now + 300 * INT64_C(1000000), aId, 16, &n, &err)) {
      if(!airc_rc_is_transient(err.rc)) LOG_WARN("notifications: %s", err.zMsg);
      n = 0;
    }
    for(int i = 0; i < n && !g_stop; i++) deliver_id(s, aId[i]);
    if(bOnce && n == 0) break;
    if(n == 0)
      for(int64_t t = 0; t < pollMs && !g_stop; t += 50) usleep(50000);
  }
  store_close(s);
  curl_global_cleanup();
  return 0;
}
