/* kafka_publish.c: see kafka_publish.h.
 *
 * Two passes over the input (jsonl_reader): the first validates every line (so a bad line
 * publishes nothing) with kafka_record_check(), a scanner that allocates
 * nothing (kafka_record.h), in two threads for a big file, while
 * librdkafka's threads connect; the second produces. Kafka transactions would have allowed one pass (abort on a bad
 * line) but cost two round trips to a transaction coordinator per publish
 * and make every consumer read with isolation.level=read_committed: the
 * check pass costs less (about 20 ms of CPU for 50,000 users). Delivery reports are served by
 * rd_kafka_poll() from this thread, so the counters need no locking. The
 * error and log callbacks run on librdkafka's threads: they only copy a
 * message under a mutex.
 *
 * Bounding: the caller's timeoutMs is one deadline for the whole call.
 * message.timeout.ms makes undeliverable messages fail by themselves; if the
 * deadline still comes first, the remaining messages are purged, which
 * produces their delivery reports at once, and the call fails. */
#include "providers/kafka/kafka_publish.h"
#include <errno.h>
#include <fcntl.h>
#include <librdkafka/rdkafka.h>
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "common/dynbuf.h"
#include "common/timeutil.h"
#include "providers/jsonl_reader.h"
#include "providers/kafka/kafka_record.h"

#define PUBLISH_ID_MAX 256
/* Pass 1 keeps the ids it parsed (NUL-separated) so that pass 2 need not
 * scan every line again. Past
 * this many bytes (~1.7 M uuids) pass 2 parses again instead. */
#define PUBLISH_IDS_MAX (64u * 1024 * 1024)
/* With an encoder, pass 1 keeps the encoded values too (each after its
 * 4-byte length), so that pass 2 sends them without encoding again; past
 * this many bytes pass 2 encodes again instead. */
#define PUBLISH_VALS_MAX (128u * 1024 * 1024)

typedef struct publish_state {
  kafka_publish_result *pRes;
  rd_kafka_resp_err_t drErr;       /* first failed delivery report */
  char zDrErr[256];
  pthread_mutex_t mu;              /* guards zBrokerErr (set on librdkafka threads) */
  char zBrokerErr[512];            /* last error_cb message */
  airc_rc rcAlloc;                 /* allocation failure inside the DR callback */
} publish_state;

/* Pass 1: checks every line, counts the records, and keeps their ids in
 * pIds (each followed by a NUL) while they fit its cap; when they do not,
 * pIds is freed and left empty, and pass 2 parses every line again. */
static airc_rc publish_scan(jsonl_reader *pRd, const kafka_publish_opts *o, int64_t *pnRec, dynbuf *pIds,
                            dynbuf *pVals, airc_err *pErr) {
  char zId[PUBLISH_ID_MAX];
  const char *z;
  size_t n;
  int r, bKeep = 1, bKeepVals = pVals != NULL;
  int64_t nRec = 0;
  while((r = jsonl_next(pRd, &z, &n, pErr)) > 0) {
    airc_err e = {0};
    const uint8_t *pVal;
    size_t nVal;
    if(kafka_record_check(z, n, zId, sizeof(zId), &e) ||
       (o && o->xEncode && o->xEncode(o->pEncodeCtx, z, n, &pVal, &nVal, &e)))
      return airc_err_set(pErr, e.rc, "%s:%lld: %s", pRd->zPath, (long long)pRd->iLine, e.zMsg);
    if(bKeep && dynbuf_append(pIds, zId, strlen(zId) + 1) != AIRC_OK) {
      bKeep = 0;
      dynbuf_free(pIds);
    }
    if(bKeepVals && o && o->xEncode) {
      uint32_t k = (uint32_t)nVal;
      if(dynbuf_append(pVals, &k, sizeof(k)) != AIRC_OK || dynbuf_append(pVals, pVal, nVal) != AIRC_OK) {
        bKeepVals = 0;
        dynbuf_free(pVals);
      }
    }
    nRec++;
  }
  if(r < 0) return pErr->rc;
  *pnRec = nRec;
  return AIRC_OK;
}

/* Files of at least this many bytes are checked by two threads, one half
 * each (split at a line boundary): the check pass is the part of a publish
 * that nothing else overlaps, and the machine has at least two cores. */
#define PUBLISH_SPLIT_MIN (4 * 1024 * 1024)

typedef struct publish_half {
  const char *zPath;
  int64_t iStart, iEnd;   /* byte range */
  int64_t nRec;
  dynbuf ids;
  airc_rc rc;             /* AIRC_OK when every line of the half is good */
} publish_half;

/* Thread body: checks one half. Only the verdict is kept: on any failure
 * the caller checks the file again from the start, in one thread, for the
 * exact message and line number. */
static void *publish_half_scan(void *pArg) {
  publish_half *h = pArg;
  jsonl_reader rd;
  airc_err e = {0};
  h->rc = jsonl_open_range(&rd, h->zPath, KAFKA_PUBLISH_MAX_LINE, h->iStart, h->iEnd, &e);
  if(!h->rc) {
    h->rc = publish_scan(&rd, NULL, &h->nRec, &h->ids, NULL, &e);
    jsonl_close(&rd);
  }
  return NULL;
}

/* The offset just after the first newline at or after the middle of the
 * file, with *pnSize its size; -1 when the file is small, the newline is
 * further than a line's cap, or anything fails (the caller then checks in
 * one thread). */
static int64_t publish_split_point(const char *zPath, int64_t *pnSize) {
  int fd = open(zPath, O_RDONLY | O_CLOEXEC);
  if(fd < 0) return -1;
  struct stat st;
  int64_t iSplit = -1;
  if(fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size >= PUBLISH_SPLIT_MIN) {
    char aBuf[64 * 1024];
    int64_t off = st.st_size / 2, offMax = off + KAFKA_PUBLISH_MAX_LINE + 1;
    while(iSplit < 0 && off < offMax && off < st.st_size) {
      ssize_t n = pread(fd, aBuf, sizeof(aBuf), (off_t)off);
      if(n <= 0) break;
      const char *zNl = memchr(aBuf, '\n', (size_t)n);
      if(zNl) iSplit = off + (zNl - aBuf) + 1;
      off += n;
    }
    if(iSplit >= st.st_size) iSplit = -1;
    *pnSize = st.st_size;
  }
  close(fd);
  return iSplit;
}

/* Pass 1 for the whole file: two threads on a big file, else (or when a
 * half fails, to name the first bad line exactly) publish_scan on pRd.
 * Same contract as publish_scan. */
static airc_rc publish_scan_all(jsonl_reader *pRd, const kafka_publish_opts *o, int64_t *pnRec, dynbuf *pIds,
                                dynbuf *pVals, airc_err *pErr) {
  /* an encoder is not thread-safe: with one, a single thread checks */
  int64_t nSize = 0, iSplit = o->xEncode ? -1 : publish_split_point(pRd->zPath, &nSize);
  if(iSplit > 0) {
    publish_half a = {.zPath = pRd->zPath, .iStart = 0, .iEnd = iSplit};
    publish_half b = {.zPath = pRd->zPath, .iStart = iSplit, .iEnd = nSize};
    dynbuf_init(&a.ids, PUBLISH_IDS_MAX / 2);
    dynbuf_init(&b.ids, PUBLISH_IDS_MAX / 2);
    pthread_t t;
    int bThread = pthread_create(&t, NULL, publish_half_scan, &b) == 0;
    publish_half_scan(&a);
    if(bThread) pthread_join(t, NULL);
    else publish_half_scan(&b);
    airc_rc rc = a.rc ? a.rc : b.rc;
    if(!rc) {
      *pnRec = a.nRec + b.nRec;
      /* the ids in file order; when a half dropped its own (over its cap),
       * none are kept and pass 2 checks every line again */
      int bKept = (a.ids.n || !a.nRec) && (b.ids.n || !b.nRec);
      if(!bKept || (a.ids.n && dynbuf_append(pIds, a.ids.z, a.ids.n) != AIRC_OK) ||
         (b.ids.n && dynbuf_append(pIds, b.ids.z, b.ids.n) != AIRC_OK))
        dynbuf_free(pIds);
    }
    dynbuf_free(&a.ids);
    dynbuf_free(&b.ids);
    if(!rc) return AIRC_OK;
  }
  return publish_scan(pRd, o, pnRec, pIds, pVals, pErr);
}

/* ---- librdkafka callbacks ---------------------------------------------- */

static void publish_dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *pOpaque) {
  (void)rk;
  publish_state *s = pOpaque;
  kafka_publish_result *r = s->pRes;
  if(m->err) {
    if(!s->drErr) {
      s->drErr = m->err;
      snprintf(s->zDrErr, sizeof(s->zDrErr), "%s", rd_kafka_err2str(m->err));
    }
    return;
  }
  r->nDelivered++;
  int32_t iPart = m->partition;
  if(iPart < 0 || iPart >= KAFKA_PUBLISH_MAX_PARTITIONS) return;
  if(iPart >= r->nPart) {
    kafka_partition_range *a = realloc(r->aPart, sizeof(*a) * (size_t)(iPart + 1));
    if(!a) { s->rcAlloc = AIRC_ERR_NOMEM; return; }
    memset(a + r->nPart, 0, sizeof(*a) * (size_t)(iPart + 1 - r->nPart));
    r->aPart = a;
    r->nPart = iPart + 1;
  }
  kafka_partition_range *p = &r->aPart[iPart];
  if(p->nDelivered == 0 || m->offset < p->iFirst) p->iFirst = m->offset;
  if(p->nDelivered == 0 || m->offset > p->iLast) p->iLast = m->offset;
  p->nDelivered++;
}

static void publish_error_cb(rd_kafka_t *rk, int err, const char *zReason, void *pOpaque) {
  (void)rk;
  publish_state *s = pOpaque;
  pthread_mutex_lock(&s->mu);
  snprintf(s->zBrokerErr, sizeof(s->zBrokerErr), "%s: %s",
           rd_kafka_err2str((rd_kafka_resp_err_t)err), zReason);
  pthread_mutex_unlock(&s->mu);
}

/* librdkafka's own log lines would go to stderr, which is reserved for the
 * task's one-line error: keep them out of it. */
static void publish_log_cb(const rd_kafka_t *rk, int level, const char *zFac, const char *zBuf) {
  (void)rk; (void)level; (void)zFac; (void)zBuf;
}

/* ---- producer ------------------------------------------------------------ */

static int64_t publish_ms_left(int64_t deadlineUs) {
  int64_t ms = (deadlineUs - airc_now_us()) / 1000;
  return ms > 0 ? ms : 0;
}

static airc_rc publish_conf_set(rd_kafka_conf_t *pConf, const char *zKey, const char *zVal,
                                airc_err *pErr) {
  char zErr[256];
  if(rd_kafka_conf_set(pConf, zKey, zVal, zErr, sizeof(zErr)) != RD_KAFKA_CONF_OK)
    return airc_err_set(pErr, AIRC_ERR_INVALID, "kafka setting %s=%s: %s", zKey, zVal, zErr);
  return AIRC_OK;
}

static airc_rc publish_producer_new(const kafka_publish_opts *o, publish_state *s,
                                    rd_kafka_t **ppRk, airc_err *pErr) {
  rd_kafka_conf_t *pConf = rd_kafka_conf_new();
  char zMsgTimeout[32];
  /* by default messages time out a little before the overall deadline, so
   * that their own error (not a purge) is what gets reported */
  int64_t msgMs = o->messageTimeoutMs;
  if(msgMs <= 0) { /* librdkafka scans for timed-out messages about once a second */
    msgMs = o->timeoutMs * 9 / 10;
    if(o->timeoutMs - msgMs < 1500) msgMs = o->timeoutMs - 1500;
    if(msgMs < 1000) msgMs = 1000;
  }
  if(msgMs < 1) msgMs = 1;
  snprintf(zMsgTimeout, sizeof(zMsgTimeout), "%lld", (long long)msgMs);
  airc_rc rc = publish_conf_set(pConf, "bootstrap.servers", o->zBootstrap, pErr);
  if(!rc) rc = publish_conf_set(pConf, "enable.idempotence", "true", pErr);
  if(!rc) rc = publish_conf_set(pConf, "acks", "all", pErr);
  if(!rc) rc = publish_conf_set(pConf, "linger.ms", "5", pErr);
  if(!rc) rc = publish_conf_set(pConf, "message.timeout.ms", zMsgTimeout, pErr);
  if(!rc) rc = publish_conf_set(pConf, "client.id", "airc-publish-kafka", pErr);
  for(int i = 0; !rc && o->azConf && o->azConf[i] && o->azConf[i + 1]; i += 2)
    rc = publish_conf_set(pConf, o->azConf[i], o->azConf[i + 1], pErr);
  if(rc) {
    rd_kafka_conf_destroy(pConf);
    return rc;
  }
  rd_kafka_conf_set_opaque(pConf, s);
  rd_kafka_conf_set_dr_msg_cb(pConf, publish_dr_cb);
  rd_kafka_conf_set_error_cb(pConf, publish_error_cb);
  rd_kafka_conf_set_log_cb(pConf, publish_log_cb);
  char zErr[512];
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, pConf, zErr, sizeof(zErr));
  if(!rk) {
    rd_kafka_conf_destroy(pConf);
    return airc_err_set(pErr, AIRC_ERR_INVALID, "kafka producer: %s", zErr);
  }
  *ppRk = rk;
  return AIRC_OK;
}

/* Appends " (broker: <last error_cb message>)" to zOut when one was seen. */
static void publish_broker_suffix(publish_state *s, char *zOut, size_t nOut) {
  pthread_mutex_lock(&s->mu);
  if(s->zBrokerErr[0]) snprintf(zOut, nOut, " (broker: %s)", s->zBrokerErr);
  else zOut[0] = 0;
  pthread_mutex_unlock(&s->mu);
}

/* 1 when the cluster's metadata (all topics: a request naming the topic could
 * auto-create it with the broker's defaults) lists the topic with partitions.
 * Asked before CreateTopics because that call goes to the cluster's
 * controller: with the broker metadata named as controller dead (a broker
 * killed on a cluster), librdkafka 2.0 waits for it until the timeout even
 * though the topic is there. Best effort: 0 on any failure. */
static int publish_topic_exists(rd_kafka_t *rk, const kafka_publish_opts *o, int64_t deadlineUs) {
  const struct rd_kafka_metadata *pMd = NULL;
  int64_t ms = publish_ms_left(deadlineUs);
  if(ms > 5000) ms = 5000;
  if(ms <= 0 || rd_kafka_metadata(rk, 1, NULL, &pMd, (int)ms) != RD_KAFKA_RESP_ERR_NO_ERROR || !pMd) return 0;
  int bFound = 0;
  for(int i = 0; i < pMd->topic_cnt && !bFound; i++) {
    const rd_kafka_metadata_topic_t *t = &pMd->topics[i];
    bFound = !strcmp(t->topic, o->zTopic) && t->err == RD_KAFKA_RESP_ERR_NO_ERROR && t->partition_cnt > 0;
  }
  rd_kafka_metadata_destroy(pMd);
  return bFound;
}

/* 1 if a CreateTopics failure e may pass on its own: the broker asked, or
 * the controller, died or did not answer in time, and the cluster's
 * metadata (refreshed meanwhile) names another. */
static int publish_create_transient(rd_kafka_resp_err_t e) {
  return e == RD_KAFKA_RESP_ERR__TIMED_OUT || e == RD_KAFKA_RESP_ERR__TIMED_OUT_QUEUE ||
         e == RD_KAFKA_RESP_ERR__TRANSPORT || e == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN ||
         e == RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT || e == RD_KAFKA_RESP_ERR_NOT_CONTROLLER;
}

/* One CreateTopics request of at most ms milliseconds. AIRC_OK when the
 * topic was created or exists; else the error's text in zWhy, the rc
 * (AIRC_ERR_INVALID: the topic's settings, AIRC_ERR_TIMEOUT: no answer,
 * AIRC_ERR_NET: the cluster's refusal) and *pbTransient = 1 if another
 * attempt may succeed (publish_create_transient, or no answer). */
static airc_rc publish_topic_create_once(rd_kafka_t *rk, const kafka_publish_opts *o, int64_t ms, char *zWhy,
                                         size_t nWhy, int *pbTransient) {
  *pbTransient = 0;
  rd_kafka_NewTopic_t *pNew = rd_kafka_NewTopic_new(o->zTopic, o->nPartitions, o->nReplication, zWhy, nWhy);
  if(!pNew) return AIRC_ERR_INVALID;
  rd_kafka_AdminOptions_t *pAdm = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
  if(rd_kafka_AdminOptions_set_request_timeout(pAdm, (int)(ms > 1 ? ms : 1), zWhy, nWhy) ||
     rd_kafka_AdminOptions_set_operation_timeout(pAdm, (int)(ms > 1 ? ms : 1), zWhy, nWhy)) {
    rd_kafka_AdminOptions_destroy(pAdm);
    rd_kafka_NewTopic_destroy(pNew);
    return AIRC_ERR_INVALID;
  }
  rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
  rd_kafka_CreateTopics(rk, &pNew, 1, pAdm, q);
  /* Admin timeouts start when the request is sent; allow a little slack so
   * that the result (a timeout error) arrives before we give up. Serve the
   * main queue meanwhile: error_cb (the broker's side of the story) runs
   * from rd_kafka_poll(). */
  rd_kafka_event_t *ev = NULL;
  int64_t untilUs = airc_now_us() + (ms + 2000) * 1000;
  while(!ev && airc_now_us() < untilUs) {
    ev = rd_kafka_queue_poll(q, 100);
    rd_kafka_poll(rk, 0);
  }
  airc_rc rc = AIRC_OK;
  if(!ev) {
    snprintf(zWhy, nWhy, "timed out");
    *pbTransient = 1;
    rc = AIRC_ERR_TIMEOUT;
  } else if(rd_kafka_event_error(ev)) {
    snprintf(zWhy, nWhy, "%s", rd_kafka_event_error_string(ev));
    *pbTransient = publish_create_transient(rd_kafka_event_error(ev));
    rc = AIRC_ERR_NET;
  } else {
    size_t n = 0;
    const rd_kafka_CreateTopics_result_t *pRes = rd_kafka_event_CreateTopics_result(ev);
    const rd_kafka_topic_result_t **a = pRes ? rd_kafka_CreateTopics_result_topics(pRes, &n) : NULL;
    for(size_t i = 0; i < n; i++) {
      rd_kafka_resp_err_t e = rd_kafka_topic_result_error(a[i]);
      if(e == RD_KAFKA_RESP_ERR_NO_ERROR) {
        if(o->pProgress) fprintf(o->pProgress, "publish-kafka: created topic %s (%d partitions, replication %d)\n",
                                 o->zTopic, o->nPartitions, o->nReplication);
      } else if(e == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
        if(o->pProgress) fprintf(o->pProgress, "publish-kafka: topic %s already exists\n", o->zTopic);
      } else {
        const char *zMsg = rd_kafka_topic_result_error_string(a[i]);
        snprintf(zWhy, nWhy, "%s", zMsg ? zMsg : rd_kafka_err2str(e));
        *pbTransient = publish_create_transient(e);
        rc = AIRC_ERR_NET;
      }
    }
  }
  if(ev) rd_kafka_event_destroy(ev);
  rd_kafka_queue_destroy(q);
  rd_kafka_AdminOptions_destroy(pAdm);
  rd_kafka_NewTopic_destroy(pNew);
  return rc;
}

/* Creates the topic with the Admin API on the producer's own handle, unless
 * the cluster's metadata lists it. CreateTopics goes to the controller; when
 * the one librdkafka knows of dies (a broker killed on a cluster) the request
 * waits for it until its timeout: so each attempt gets at most
 * PUBLISH_CREATE_ATTEMPT_MS, and a transient failure is followed by another
 * look at the metadata and another attempt, until deadlineUs. */
#define PUBLISH_CREATE_ATTEMPT_MS 10000
static airc_rc publish_topic_create(rd_kafka_t *rk, const kafka_publish_opts *o, publish_state *s,
                                    int64_t deadlineUs, airc_err *pErr) {
  char zWhy[512] = "", zSuffix[600];
  airc_rc rc = AIRC_OK;
  for(int nTry = 1;; nTry++) {
    if(publish_topic_exists(rk, o, deadlineUs)) {
      if(o->pProgress) fprintf(o->pProgress, "publish-kafka: topic %s already exists\n", o->zTopic);
      return AIRC_OK;
    }
    int64_t ms = publish_ms_left(deadlineUs);
    if(ms > PUBLISH_CREATE_ATTEMPT_MS) ms = PUBLISH_CREATE_ATTEMPT_MS;
    int bTransient = 0;
    if(!(rc = publish_topic_create_once(rk, o, ms, zWhy, sizeof(zWhy), &bTransient))) return AIRC_OK;
    if(!bTransient || publish_ms_left(deadlineUs) <= 0) break;
    if(o->pProgress) {
      fprintf(o->pProgress, "publish-kafka: create topic %s, attempt %d: %s; trying again\n", o->zTopic, nTry, zWhy);
      fflush(o->pProgress);
    }
    rd_kafka_poll(rk, 200); /* a moment for the metadata to name the new controller */
  }
  publish_broker_suffix(s, zSuffix, sizeof(zSuffix));
  return airc_err_set(pErr, rc, "create topic %s at %s: %s%s", o->zTopic, o->zBootstrap, zWhy, zSuffix);
}

/* Asks the broker for the topic's metadata once, before producing, and
 * returns the topic handle (kept until the producer is destroyed, so that
 * librdkafka keeps what it learned). Without it librdkafka (2.0) learns about
 * a topic first produced to after the cluster metadata came in (always the
 * case after CreateTopics) only on its 1 s topic scan: every publish paid a
 * fixed second before its first message left. Best effort: a failure here is
 * left to the produce path, which reports it with the broker's side. */
static rd_kafka_topic_t *publish_topic_prefetch(rd_kafka_t *rk, const kafka_publish_opts *o,
                                                int64_t deadlineUs) {
  rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, o->zTopic, NULL);
  if(!rkt) return NULL;
  const struct rd_kafka_metadata *pMd = NULL;
  int64_t ms = publish_ms_left(deadlineUs);
  if(ms > 5000) ms = 5000;
  if(ms > 0 && rd_kafka_metadata(rk, 0, rkt, &pMd, (int)ms) == RD_KAFKA_RESP_ERR_NO_ERROR && pMd)
    rd_kafka_metadata_destroy(pMd);
  return rkt;
}

/* Produces one record, waiting (bounded) while the local queue is full. */
static airc_rc publish_one(rd_kafka_t *rk, const kafka_publish_opts *o, const char *zLine,
                           size_t n, const char *zId, int64_t deadlineUs, airc_err *pErr) {
  /* The header lengths are parenthesized: RD_KAFKA_V_HEADER casts its LEN
   * argument without parentheses. */
  for(;;) {
    rd_kafka_resp_err_t e = rd_kafka_producev(
        rk, RD_KAFKA_V_TOPIC(o->zTopic), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
        RD_KAFKA_V_KEY(zId, strlen(zId)), RD_KAFKA_V_VALUE((void *)zLine, n),
        RD_KAFKA_V_HEADER("airc_dag_id", o->zDagId ? o->zDagId : "", (o->zDagId ? -1 : 0)),
        RD_KAFKA_V_HEADER("airc_run_id", o->zRunId ? o->zRunId : "", (o->zRunId ? -1 : 0)),
        RD_KAFKA_V_HEADER("airc_task_id", o->zTaskId ? o->zTaskId : "", (o->zTaskId ? -1 : 0)),
        RD_KAFKA_V_END);
    if(e == RD_KAFKA_RESP_ERR_NO_ERROR) return AIRC_OK;
    if(e != RD_KAFKA_RESP_ERR__QUEUE_FULL)
      return airc_err_set(pErr, AIRC_ERR_NET, "produce to %s: %s", o->zTopic, rd_kafka_err2str(e));
    if(publish_ms_left(deadlineUs) == 0)
      return airc_err_set(pErr, AIRC_ERR_TIMEOUT, "produce to %s: local queue full until the deadline",
                          o->zTopic);
    rd_kafka_poll(rk, 100);
  }
}

/* Pass 2: produce every record, serving delivery reports as we go. */
static airc_rc publish_produce_all(rd_kafka_t *rk, const kafka_publish_opts *o, jsonl_reader *pRd,
                                   const dynbuf *pIds, const dynbuf *pVals, publish_state *s,
                                   int64_t deadlineUs, airc_err *pErr) {
  char zId[PUBLISH_ID_MAX];
  const char *z;
  size_t n;
  int r;
  int64_t nSent = 0, lastUs = airc_now_us();
  airc_rc rc = AIRC_OK;
  const char *zKept = pIds->n ? pIds->z : NULL, *zKeptEnd = zKept ? pIds->z + pIds->n : NULL;
  const char *zVals = pVals->n ? pVals->z : NULL, *zValsEnd = zVals ? pVals->z + pVals->n : NULL;
  while(!rc && (r = jsonl_next(pRd, &z, &n, pErr)) > 0) {
    const char *zKey = zId;
    if(zKept) {
      /* the id pass 1 parsed; a line that no longer holds it means the
       * file changed between the passes */
      size_t nKey = strlen(zKept);
      if(zKept >= zKeptEnd || !memmem(z, n, zKept, nKey))
        return airc_err_set(pErr, AIRC_ERR_INVALID, "%s:%lld: changed while publishing: id differs from the first pass",
                            o->zInput, (long long)pRd->iLine);
      zKey = zKept;
      zKept += nKey + 1;
    } else {
      airc_err e = {0};
      rc = kafka_record_check(z, n, zId, sizeof(zId), &e);
      if(rc) return airc_err_set(pErr, rc, "%s:%lld: changed while publishing: %s", o->zInput,
                                 (long long)pRd->iLine, e.zMsg);
    }
    const char *zVal = z;
    size_t nVal = n;
    if(o->xEncode && zVals) {
      /* the value pass 1 encoded */
      uint32_t k;
      if(zValsEnd - zVals < (ptrdiff_t)sizeof(k))
        return airc_err_set(pErr, AIRC_ERR_INVALID, "%s:%lld: changed while publishing: more records than the first pass",
                            o->zInput, (long long)pRd->iLine);
      memcpy(&k, zVals, sizeof(k));
      zVal = zVals + sizeof(k);
      nVal = k;
      zVals = zVal + k;
    } else if(o->xEncode) {
      const uint8_t *pVal;
      airc_err e = {0};
      rc = o->xEncode(o->pEncodeCtx, z, n, &pVal, &nVal, &e);
      if(rc) return airc_err_set(pErr, rc, "%s:%lld: changed while publishing: %s", o->zInput,
                                 (long long)pRd->iLine, e.zMsg);
      zVal = (const char *)pVal;
    }
    rc = publish_one(rk, o, zVal, nVal, zKey, deadlineUs, pErr);
    s->pRes->nValueBytes += (int64_t)nVal;
    nSent++;
    if((nSent & 255) == 0) rd_kafka_poll(rk, 0); /* delivery reports, in batches */
    if(o->pProgress && airc_now_us() - lastUs > 1000000) {
      lastUs = airc_now_us();
      fprintf(o->pProgress, "publish-kafka: produced %lld/%lld, delivered %lld\n",
              (long long)nSent, (long long)s->pRes->nRead, (long long)s->pRes->nDelivered);
      fflush(o->pProgress);
    }
  }
  if(!rc && r < 0) rc = pErr->rc;
  return rc;
}

/* Waits for the outstanding delivery reports until the deadline, then
 * purges what is left so that every message has had its report. */
static void publish_drain(rd_kafka_t *rk, const kafka_publish_opts *o, publish_state *s,
                          int64_t deadlineUs) {
  while(rd_kafka_outq_len(rk) > 0) {
    int64_t ms = publish_ms_left(deadlineUs);
    if(ms == 0) break;
    rd_kafka_flush(rk, (int)(ms < 1000 ? ms : 1000));
    if(o->pProgress && rd_kafka_outq_len(rk) > 0) {
      fprintf(o->pProgress, "publish-kafka: waiting for %d delivery reports, delivered %lld/%lld\n",
              rd_kafka_outq_len(rk), (long long)s->pRes->nDelivered, (long long)s->pRes->nRead);
      fflush(o->pProgress);
    }
  }
  if(rd_kafka_outq_len(rk) > 0) {
    /* set before purging, so that "Purged in queue" does not hide the cause */
    if(!s->drErr) {
      s->drErr = RD_KAFKA_RESP_ERR__TIMED_OUT;
      snprintf(s->zDrErr, sizeof(s->zDrErr), "timed out after %.1fs",
               (double)o->timeoutMs / 1000.0);
    }
    rd_kafka_purge(rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    rd_kafka_flush(rk, 1000); /* serves the purged messages' reports */
  }
}

airc_rc kafka_publish_file(const kafka_publish_opts *o, kafka_publish_result *pOut,
                           airc_err *pErr) {
  memset(pOut, 0, sizeof(*pOut));
  pOut->zFormat = o->zFormat ? o->zFormat : "json";
  int64_t deadlineUs = airc_now_us() + o->timeoutMs * 1000;
  jsonl_reader rd;
  airc_rc rc = jsonl_open(&rd, o->zInput, KAFKA_PUBLISH_MAX_LINE, pErr);
  if(rc) return rc;
  publish_state s;
  memset(&s, 0, sizeof(s));
  s.pRes = pOut;
  pthread_mutex_init(&s.mu, NULL);
  rd_kafka_t *rk = NULL;

  /* The producer first: its threads connect to the cluster and fetch
   * metadata while this thread checks the file, instead of after. Nothing
   * is produced before the whole file is known to be good. */
  rc = publish_producer_new(o, &s, &rk, pErr);
  dynbuf ids, vals;
  dynbuf_init(&ids, PUBLISH_IDS_MAX);
  dynbuf_init(&vals, PUBLISH_VALS_MAX);
  if(!rc) rc = publish_scan_all(&rd, o, &pOut->nRead, &ids, &vals, pErr);
  if(!rc && o->pProgress) {
    fprintf(o->pProgress, "publish-kafka: %lld records in %s, publishing to %s at %s (format %s)\n",
            (long long)pOut->nRead, o->zInput, o->zTopic, o->zBootstrap, pOut->zFormat);
    fflush(o->pProgress);
  }
  if(!rc && o->bCreateTopic) rc = publish_topic_create(rk, o, &s, deadlineUs, pErr);
  rd_kafka_topic_t *rkt = !rc ? publish_topic_prefetch(rk, o, deadlineUs) : NULL;
  if(!rc) rc = jsonl_rewind(&rd, pErr);
  int64_t t0 = airc_now_us();
  if(!rc) rc = publish_produce_all(rk, o, &rd, &ids, &vals, &s, deadlineUs, pErr);
  if(rk) publish_drain(rk, o, &s, deadlineUs);
  pOut->secProduce = (double)(airc_now_us() - t0) / 1e6;
  if(!rc && s.rcAlloc) rc = airc_err_set(pErr, s.rcAlloc, "out of memory in delivery report");
  if(!rc && rk) {
    char zFatal[256];
    rd_kafka_resp_err_t e = rd_kafka_fatal_error(rk, zFatal, sizeof(zFatal));
    if(e) rc = airc_err_set(pErr, AIRC_ERR_NET, "%lld/%lld delivered to %s at %s: fatal: %s",
                            (long long)pOut->nDelivered, (long long)pOut->nRead, o->zTopic,
                            o->zBootstrap, zFatal);
  }
  if(!rc && pOut->nDelivered != pOut->nRead) {
    char zSuffix[600] = "";
    /* A timeout says little by itself: name what the broker connection saw. */
    if(s.drErr == RD_KAFKA_RESP_ERR__MSG_TIMED_OUT || s.drErr == RD_KAFKA_RESP_ERR__TIMED_OUT ||
       s.drErr == RD_KAFKA_RESP_ERR__PURGE_QUEUE || s.drErr == RD_KAFKA_RESP_ERR__PURGE_INFLIGHT)
      publish_broker_suffix(&s, zSuffix, sizeof(zSuffix));
    rc = airc_err_set(pErr, s.drErr == RD_KAFKA_RESP_ERR__MSG_TIMED_OUT ||
                            s.drErr == RD_KAFKA_RESP_ERR__TIMED_OUT ? AIRC_ERR_TIMEOUT : AIRC_ERR_NET,
                      "%lld/%lld delivered to %s at %s: %s%s", (long long)pOut->nDelivered,
                      (long long)pOut->nRead, o->zTopic, o->zBootstrap,
                      s.zDrErr[0] ? s.zDrErr : "delivery reports missing", zSuffix);
  }
  if(!rc && o->pProgress) {
    fprintf(o->pProgress, "publish-kafka: %lld/%lld delivered to %s in %.3fs (%s, %lld value bytes)\n",
            (long long)pOut->nDelivered, (long long)pOut->nRead, o->zTopic, pOut->secProduce, pOut->zFormat,
            (long long)pOut->nValueBytes);
    fflush(o->pProgress);
  }
  if(rkt) rd_kafka_topic_destroy(rkt);
  if(rk) rd_kafka_destroy(rk);
  dynbuf_free(&ids);
  dynbuf_free(&vals);
  pthread_mutex_destroy(&s.mu);
  jsonl_close(&rd);
  return rc;
}

void kafka_publish_result_free(kafka_publish_result *p) {
  free(p->aPart);
  p->aPart = NULL;
  p->nPart = 0;
}

json_t *kafka_publish_result_json(const kafka_publish_result *p, const char *zTopic) {
  json_t *pParts = json_object();
  for(int i = 0; pParts && i < p->nPart; i++) {
    if(p->aPart[i].nDelivered == 0) continue;
    char zKey[16];
    snprintf(zKey, sizeof(zKey), "%d", i);
    json_object_set_new(pParts, zKey,
                        json_pack("{sIsI}", "first_offset", (json_int_t)p->aPart[i].iFirst,
                                  "last_offset", (json_int_t)p->aPart[i].iLast));
  }
  if(!pParts) return NULL;
  return json_pack("{sssIsIsssIso}", "topic", zTopic, "read", (json_int_t)p->nRead, "delivered",
                   (json_int_t)p->nDelivered, "format", p->zFormat ? p->zFormat : "json", "value_bytes",
                   (json_int_t)p->nValueBytes, "partitions", pParts);
}
