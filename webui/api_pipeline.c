/* api_pipeline.c: the Control Center behind the dashboard's Pipeline page
 * (airc extensions; docs/dashboard.md "Pipeline"):
 *
 *   GET /api/v1/kafka/cluster         brokers, controller
 *   GET /api/v1/kafka/topics          partitions, leader, replicas, ISR, watermarks, messages/s
 *   GET /api/v1/kafka/consumerGroups  groups, members, committed offsets, lag per partition,
 *                                     and the Spark queries' positions from their checkpoints
 *   GET /api/v1/schemas               schema registry subjects, versions, compatibility
 *   GET /api/v1/spark                 Spark master, workers, applications
 *   GET /api/v1/pipeline/tables       row counts of the pipeline's Cassandra and PostgreSQL tables
 *   GET /api/v1/pipeline/health       each component: up, down or not_configured
 *
 * and the Kafka part of /metrics (api_pipeline_metrics).
 *
 * Where the addresses come from: the settings the pipeline's task types use
 * ([kafka] bootstrap_servers, [cassandra] host/port/username/password) plus
 * [registry] url, [spark] ui and [postgres] url (the batch sink, read through
 * store/store_external.h since libpq belongs to store/), which are optional
 * ("not_configured" when unset). Each component is read by one reader whose result is kept for
 * [control_center] cache_seconds (2), in one slot shared by every thread, so
 * that page loads and scrapes within that time share one read (and Kafka
 * one long-lived librdkafka client). A read holds its slot's mutex: a
 * second request waits for the first read instead of starting its own.
 * Every read is bounded ([control_center] kafka_timeout_ms, http_timeout_ms,
 * cassandra_timeout_ms): a dead component answers "down" with the reason,
 * and /pipeline/health reads all components in parallel threads.
 *
 * A component that is down is not an HTTP error: the reply is 200 with
 * "status": "down" and "error", so the page can show it. */
#include <curl/curl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "common/config.h"
#include "common/log.h"
#include "common/timeutil.h"
#include "providers/cassandra/cassandra_count.h"
#include "providers/fetch_users/http_get.h"
#include "providers/kafka/kafka_admin.h"
#include "providers/kafka/kafka_view.h"
#include "providers/kafka/registry_view.h"
#include "providers/spark/spark_checkpoint.h"
#include "providers/spark/spark_view.h"
#include "store/store_external.h"
#include "webui/api.h"

#define PIPE_HTTP_MAX_BODY (4 * 1024 * 1024)
#define PIPE_DEFAULT_TABLES "spark_streams.created_users,spark_streams.created_users_dead_letter"
#define PIPE_DEFAULT_PG_TABLES "created_users, users_per_country_hour, users_per_country_day"
#define PIPE_MAX_PG_TABLES 16

/* One component's cached reading. */
typedef struct pipe_slot {
  pthread_mutex_t mutex;
  json_t *pVal;    /* the last reading, or NULL */
  int64_t atUs;    /* when it was taken */
  json_t *(*xRead)(void);
} pipe_slot;

static int64_t pipe_ttl_us(void) {
  int64_t sec = airc_config_get_int("control_center", "cache_seconds", 2);
  return (sec < 0 ? 0 : sec) * 1000000;
}

static int pipe_ms(const char *zKey, int dflt) {
  int64_t v = airc_config_get_int("control_center", zKey, dflt);
  return v < 100 ? 100 : v > 60000 ? 60000 : (int)v;
}

/* A non-empty setting, or NULL. */
static const char *pipe_setting(const char *zSection, const char *zKey) {
  const char *z = airc_config_get(zSection, zKey, NULL);
  return z && *z ? z : NULL;
}

/* The slot's reading, fresh within the TTL (new reference). */
static json_t *pipe_slot_get(pipe_slot *s) {
  pthread_mutex_lock(&s->mutex);
  int64_t now = airc_now_us();
  if(!s->pVal || now - s->atUs >= pipe_ttl_us()) {
    json_t *p = s->xRead();
    if(p) {
      json_decref(s->pVal);
      s->pVal = p;
      s->atUs = airc_now_us();
    }
  }
  json_t *pOut = json_incref(s->pVal);
  pthread_mutex_unlock(&s->mutex);
  return pOut;
}

static json_t *pipe_not_configured(const char *zWhat) {
  return json_pack("{ssss+}", "status", "not_configured", "error", zWhat, " is not set");
}

/* ---- Kafka ---- */

static kafka_admin *g_admin;   /* guarded by g_kafka.mutex (held during reads) */
static json_t *g_kafkaPrevUp;  /* the last "up" snapshot: the base of messages/s */

static json_t *pipe_read_kafka(void) {
  const char *zBoot = airc_config_get("kafka", "bootstrap_servers", "127.0.0.1:9092");
  airc_err err = {0};
  if(!g_admin && kafka_admin_open(zBoot, &g_admin, &err))
    return json_pack("{sssssIs[]s[]s[]}", "status", "down", "error", airc_err_msg(&err), "sampled_us",
                     (json_int_t)airc_now_us(), "brokers", "topics", "groups");
  json_t *pSnap = kafka_admin_snapshot(g_admin, pipe_ms("kafka_timeout_ms", 2500));
  if(!pSnap) return NULL;
  /* the Spark queries' positions (their checkpoints) count as groups too */
  if(!strcmp(json_string_value(json_object_get(pSnap, "status")), "up")) {
    char zRoot[4096];
    const char *zCk = pipe_setting("control_center", "spark_checkpoints");
    snprintf(zRoot, sizeof(zRoot), "%s/checkpoints", airc_home());
    json_t *pQueries = spark_checkpoint_scan(zCk ? zCk : zRoot);
    json_array_extend(json_object_get(pSnap, "groups"), pQueries);
    json_decref(pQueries);
  }
  kafka_view_complete(pSnap, g_kafkaPrevUp);
  if(!strcmp(json_string_value(json_object_get(pSnap, "status")), "up")) {
    json_decref(g_kafkaPrevUp);
    g_kafkaPrevUp = json_incref(pSnap);
  } else {
    /* no client left reconnecting in the background to a dead cluster
     * while nobody looks: the next reading opens a new one */
    kafka_admin_close(g_admin);
    g_admin = NULL;
  }
  return pSnap;
}

static pipe_slot g_kafka = {PTHREAD_MUTEX_INITIALIZER, NULL, 0, pipe_read_kafka};

/* ---- HTTP (schema registry, Spark master) ---- */

static pthread_once_t g_curlOnce = PTHREAD_ONCE_INIT;
static void pipe_curl_init(void) { (void)curl_global_init(CURL_GLOBAL_DEFAULT); }

typedef struct pipe_http {
  CURL *pCurl;
  const char *zBase;    /* base URL, without a trailing '/' */
  int64_t deadlineUs;   /* all GETs of one reading end by then */
  int timeoutMs;
} pipe_http;

/* registry_get_fn over libcurl: zBase + zPath, the body parsed as JSON. */
static airc_rc pipe_http_get(void *pCtx, const char *zPath, long *pStatus, json_t **ppBody, airc_err *pErr) {
  pipe_http *h = pCtx;
  *pStatus = 0;
  *ppBody = NULL;
  int64_t left = (h->deadlineUs - airc_now_us()) / 1000;
  if(left <= 0) return airc_err_set(pErr, AIRC_ERR_TIMEOUT, "GET %s: out of time", zPath);
  char *zUrl = NULL;
  if(asprintf(&zUrl, "%s%s", h->zBase, zPath) < 0) return airc_err_set(pErr, AIRC_ERR_NOMEM, "out of memory");
  http_get_opts o = {left < h->timeoutMs ? left : h->timeoutMs, left < h->timeoutMs ? left : h->timeoutMs,
                     PIPE_HTTP_MAX_BODY, "airc-webserver"};
  http_response resp = {0};
  dynbuf_init(&resp.body, PIPE_HTTP_MAX_BODY);
  airc_rc rc = http_get(h->pCurl, zUrl, &o, &resp, pErr);
  free(zUrl);
  if(!rc) {
    *pStatus = resp.status;
    *ppBody = json_loadb(dynbuf_str(&resp.body), resp.body.n, 0, NULL);
  }
  dynbuf_free(&resp.body);
  return rc;
}

/* Opens a curl handle for a reading of zBase; 0 on failure. */
static int pipe_http_open(pipe_http *h, const char *zBase) {
  pthread_once(&g_curlOnce, pipe_curl_init);
  memset(h, 0, sizeof(*h));
  h->pCurl = curl_easy_init();
  h->zBase = zBase;
  h->timeoutMs = pipe_ms("http_timeout_ms", 2000);
  h->deadlineUs = airc_now_us() + (int64_t)h->timeoutMs * 1000 * 2;
  return h->pCurl != NULL;
}

/* zUrl without its trailing slashes (malloc'd). */
static char *pipe_trim_url(const char *zUrl) {
  char *z = strdup(zUrl);
  size_t n = z ? strlen(z) : 0;
  while(n > 0 && z[n - 1] == '/') z[--n] = 0;
  return z;
}

/* A reading of the HTTP component whose base URL is [zSection] zKey:
 * not_configured when unset, else xRead(base URL, open curl handle). */
static json_t *pipe_read_http(const char *zSection, const char *zKey, const char *zWhat,
                              json_t *(*xRead)(const char *zBase, pipe_http *h)) {
  const char *zUrl = pipe_setting(zSection, zKey);
  if(!zUrl) return pipe_not_configured(zWhat);
  char *zBase = pipe_trim_url(zUrl);
  pipe_http h;
  json_t *pOut = NULL;
  if(zBase && pipe_http_open(&h, zBase)) {
    pOut = xRead(zBase, &h);
    curl_easy_cleanup(h.pCurl);
  }
  free(zBase);
  return pOut;
}

static json_t *pipe_registry_from(const char *zBase, pipe_http *h) { return registry_view_read(zBase, pipe_http_get, h); }

static json_t *pipe_read_registry(void) {
  return pipe_read_http("registry", "url", "[registry] url (AIRC__REGISTRY__URL)", pipe_registry_from);
}

static pipe_slot g_registry = {PTHREAD_MUTEX_INITIALIZER, NULL, 0, pipe_read_registry};

/* The master's /json/, shaped (spark_view.h); no answer or not 200: down. */
static json_t *pipe_spark_from(const char *zBase, pipe_http *h) {
  long status = 0;
  json_t *pBody = NULL, *pOut;
  airc_err err = {0};
  if(pipe_http_get(h, "/json/", &status, &pBody, &err) || status != 200) {
    pOut = json_pack("{sssosss[]s[]s[]}", "status", "down", "error",
                     err.rc ? json_sprintf("spark master at %s: %s", zBase, airc_err_msg(&err))
                            : json_sprintf("spark master at %s: GET /json/: HTTP %ld", zBase, status),
                     "ui", zBase, "workers", "active_apps", "completed_apps");
  } else {
    pOut = spark_view_master(zBase, pBody);
  }
  json_decref(pBody);
  return pOut;
}

static json_t *pipe_read_spark(void) { return pipe_read_http("spark", "ui", "[spark] ui (AIRC__SPARK__UI)", pipe_spark_from); }

static pipe_slot g_spark = {PTHREAD_MUTEX_INITIALIZER, NULL, 0, pipe_read_spark};

/* ---- Cassandra ---- */

static json_t *pipe_read_cassandra(void) {
  cql_conn_opts o = {0};
  o.zHost = airc_config_get("cassandra", "host", "127.0.0.1");
  o.port = (int)airc_config_get_int("cassandra", "port", 9042);
  o.zUser = airc_config_get("cassandra", "username", NULL);
  o.zPassword = airc_config_get("cassandra", "password", NULL);
  o.connectTimeoutMs = pipe_ms("cassandra_timeout_ms", 2000);
  o.readTimeoutMs = o.connectTimeoutMs;
  return cass_count_tables(&o, airc_config_get("control_center", "cassandra_tables", PIPE_DEFAULT_TABLES));
}

static pipe_slot g_cassandra = {PTHREAD_MUTEX_INITIALIZER, NULL, 0, pipe_read_cassandra};

/* ---- PostgreSQL (the batch sink) ---- */

/* {"status", "error", "url" (password masked by the store), "tables": [{"table", "rows", "error"}]} */
static json_t *pipe_read_postgres(void) {
  const char *zUrl = pipe_setting("postgres", "url");
  if(!zUrl) return pipe_not_configured("[postgres] url (AIRC__POSTGRES__URL)");
  char *zList = strdup(airc_config_get("control_center", "postgres_tables", PIPE_DEFAULT_PG_TABLES));
  if(!zList) return NULL;
  store_ext_count a[PIPE_MAX_PG_TABLES];
  int n = 0;
  char *zSave = NULL;
  for(char *z = strtok_r(zList, ", ", &zSave); z && n < PIPE_MAX_PG_TABLES; z = strtok_r(NULL, ", ", &zSave))
    a[n++] = (store_ext_count){.zTable = z, .nRows = -1};
  airc_err err = {0};
  airc_rc rc = store_ext_pg_count_rows(zUrl, pipe_ms("postgres_timeout_ms", 2000), a, n, &err);
  json_t *pOut = json_pack("{sssos[]}", "status", rc ? "down" : "up", "error",
                           rc ? json_string(airc_err_msg(&err)) : json_null(), "tables");
  for(int i = 0; pOut && i < n; i++) {
    json_array_append_new(json_object_get(pOut, "tables"),
                          json_pack("{ssso so}", "table", a[i].zTable, "rows",
                                    a[i].nRows >= 0 ? json_integer(a[i].nRows) : json_null(), "error",
                                    rc ? json_null() : a[i].zErr[0] ? json_string(a[i].zErr) : json_null()));
  }
  free(zList);
  return pOut;
}

static pipe_slot g_postgres = {PTHREAD_MUTEX_INITIALIZER, NULL, 0, pipe_read_postgres};

/* ---- handlers ---- */

/* Replies 200 with xView(reading) or the reading itself (xView NULL). */
static int pipe_reply(web_req *r, pipe_slot *s, json_t *(*xView)(const json_t *)) {
  json_t *p = pipe_slot_get(s);
  if(!p) return http_reply_error(r, 500, NULL, "out of memory");
  json_t *pOut = xView ? xView(p) : json_incref(p);
  json_decref(p);
  return http_reply_json(r, 200, pOut);
}

int api_kafka_cluster(web_req *r) { return pipe_reply(r, &g_kafka, kafka_view_cluster); }
int api_kafka_topics(web_req *r) { return pipe_reply(r, &g_kafka, kafka_view_topics); }
int api_kafka_groups(web_req *r) { return pipe_reply(r, &g_kafka, kafka_view_groups); }
int api_schemas(web_req *r) { return pipe_reply(r, &g_registry, NULL); }
int api_spark(web_req *r) { return pipe_reply(r, &g_spark, NULL); }

/* {"cassandra": {...}, "postgres": {...}}: the two readings, one after
 * the other (each bounded). */
int api_pipeline_tables(web_req *r) {
  json_t *pCass = pipe_slot_get(&g_cassandra);
  json_t *pPg = pipe_slot_get(&g_postgres);
  if(!pCass || !pPg) {
    json_decref(pCass);
    json_decref(pPg);
    return http_reply_error(r, 500, NULL, "out of memory");
  }
  return http_reply_json(r, 200, json_pack("{soso}", "cassandra", pCass, "postgres", pPg));
}

typedef struct pipe_probe {
  const char *zName;
  pipe_slot *pSlot;
  json_t *pVal;
  pthread_t thread;
  int bThread;
} pipe_probe;

static void *pipe_probe_run(void *p) {
  pipe_probe *pr = p;
  pr->pVal = pipe_slot_get(pr->pSlot);
  return NULL;
}

/* {"components": {"kafka": {"status", "error", "configured"}, ...}} with
 * every reader run at once, so the reply takes as long as the slowest. The
 * order of a[] is that of aSet[]. */
int api_pipeline_health(web_req *r) {
  pipe_probe a[] = {{"kafka", &g_kafka, NULL, 0, 0},
                    {"schema_registry", &g_registry, NULL, 0, 0},
                    {"spark", &g_spark, NULL, 0, 0},
                    {"cassandra", &g_cassandra, NULL, 0, 0},
                    {"postgres", &g_postgres, NULL, 0, 0}};
  size_t n = sizeof(a) / sizeof(a[0]);
  for(size_t i = 0; i < n; i++) a[i].bThread = !pthread_create(&a[i].thread, NULL, pipe_probe_run, &a[i]);
  for(size_t i = 0; i < n; i++) {
    if(a[i].bThread) pthread_join(a[i].thread, NULL);
    else pipe_probe_run(&a[i]);
  }
  /* "configured": its address is set explicitly (Kafka and Cassandra also
   * have the task types' defaults, 127.0.0.1): the header shows those */
  int aSet[] = {pipe_setting("kafka", "bootstrap_servers") != NULL, pipe_setting("registry", "url") != NULL,
                pipe_setting("spark", "ui") != NULL,
                pipe_setting("cassandra", "host") != NULL || pipe_setting("cassandra", "port") != NULL,
                pipe_setting("postgres", "url") != NULL};
  json_t *pComp = json_object();
  for(size_t i = 0; i < n; i++) {
    json_t *pStatus = json_object_get(a[i].pVal, "status");
    json_t *pErr = json_object_get(a[i].pVal, "error");
    json_object_set_new(pComp, a[i].zName, json_pack("{sssOsb}", "status", pStatus ? json_string_value(pStatus) : "down",
                                                     "error", pErr ? pErr : json_null(), "configured", aSet[i]));
    json_decref(a[i].pVal);
  }
  return http_reply_json(r, 200, json_pack("{so}", "components", pComp));
}

airc_rc api_pipeline_metrics(dynbuf *b) {
  if(!airc_config_get_bool("control_center", "metrics", 1)) return AIRC_OK;
  json_t *p = pipe_slot_get(&g_kafka);
  if(!p) return AIRC_ERR_NOMEM;
  airc_rc rc = kafka_view_metrics(p, b);
  json_decref(p);
  return rc;
}
