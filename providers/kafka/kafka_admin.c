/* kafka_admin.c: see kafka_admin.h.
 *
 * Order of a snapshot, each step bounded by what is left of the budget:
 * metadata (brokers, topics, partitions; failing here is "down"), the
 * controller id, the watermarks of each partition (one ListOffsets round
 * trip each), then the admin API: ListConsumerGroups, DescribeConsumerGroups
 * of all of them in one call, and ListConsumerGroupOffsets (one group per
 * call, as librdkafka 2.0 requires; all issued at once on one queue).
 *
 * librdkafka's own log lines would go to stderr on every reconnect attempt
 * to a dead broker: they go to airc's log at debug level instead, and the
 * last error event is kept to explain a "down". */
#include "providers/kafka/kafka_admin.h"
#include <librdkafka/rdkafka.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common/log.h"
#include "common/timeutil.h"

struct kafka_admin {
  rd_kafka_t *rk;
  char *zBootstrap;
  pthread_mutex_t mutex;  /* guards zLastError (error_cb runs on librdkafka's threads) */
  char zLastError[512];
};

static void admin_log_cb(const rd_kafka_t *rk, int level, const char *zFac, const char *zBuf) {
  (void)rk;
  (void)level;
  LOG_DEBUG("kafka admin: %s: %s", zFac, zBuf);
}

static void admin_error_cb(rd_kafka_t *rk, int err, const char *zReason, void *pOpaque) {
  (void)rk;
  (void)err;
  kafka_admin *p = pOpaque;
  pthread_mutex_lock(&p->mutex);
  snprintf(p->zLastError, sizeof(p->zLastError), "%s", zReason);
  pthread_mutex_unlock(&p->mutex);
}

airc_rc kafka_admin_open(const char *zBootstrap, kafka_admin **ppOut, airc_err *pErr) {
  *ppOut = NULL;
  kafka_admin *p = calloc(1, sizeof(*p));
  if(!p || !(p->zBootstrap = strdup(zBootstrap))) {
    free(p);
    return airc_err_set(pErr, AIRC_ERR_NOMEM, "out of memory");
  }
  pthread_mutex_init(&p->mutex, NULL);
  char zErr[512];
  rd_kafka_conf_t *pConf = rd_kafka_conf_new();
  /* short reconnect backoff: a broker that comes back is seen on the next page load */
  const char *azKv[][2] = {{"bootstrap.servers", zBootstrap}, {"client.id", "airc-webserver"},
                           {"reconnect.backoff.ms", "100"}, {"reconnect.backoff.max.ms", "1000"},
                           {"socket.connection.setup.timeout.ms", "3000"}, {"topic.metadata.refresh.interval.ms", "-1"}};
  for(size_t i = 0; i < sizeof(azKv) / sizeof(azKv[0]); i++) {
    if(rd_kafka_conf_set(pConf, azKv[i][0], azKv[i][1], zErr, sizeof(zErr)) != RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(pConf);
      kafka_admin_close(p);
      return airc_err_set(pErr, AIRC_ERR_INVALID, "kafka at %s: %s", zBootstrap, zErr);
    }
  }
  rd_kafka_conf_set_log_cb(pConf, admin_log_cb);
  rd_kafka_conf_set_error_cb(pConf, admin_error_cb);
  rd_kafka_conf_set_opaque(pConf, p);
  p->rk = rd_kafka_new(RD_KAFKA_PRODUCER, pConf, zErr, sizeof(zErr));
  if(!p->rk) {
    rd_kafka_conf_destroy(pConf);
    kafka_admin_close(p);
    return airc_err_set(pErr, AIRC_ERR_INVALID, "kafka at %s: %s", zBootstrap, zErr);
  }
  *ppOut = p;
  return AIRC_OK;
}

void kafka_admin_close(kafka_admin *p) {
  if(!p) return;
  if(p->rk) rd_kafka_destroy(p->rk);
  pthread_mutex_destroy(&p->mutex);
  free(p->zBootstrap);
  free(p);
}

/* Milliseconds left until deadlineUs, at least 1 (librdkafka treats 0 as
 * "do not wait"), 0 once it has passed. */
static int admin_left_ms(int64_t deadlineUs) {
  int64_t left = (deadlineUs - airc_now_us()) / 1000;
  return left <= 0 ? 0 : left > 60000 ? 60000 : (int)left;
}

static json_t *admin_int_array(const int32_t *a, int n) {
  json_t *p = json_array();
  for(int i = 0; i < n; i++) json_array_append_new(p, json_integer(a[i]));
  return p;
}

static void admin_metadata_json(const rd_kafka_metadata_t *md, json_t *pSnap) {
  json_t *pBrokers = json_object_get(pSnap, "brokers");
  for(int i = 0; i < md->broker_cnt; i++)
    json_array_append_new(pBrokers, json_pack("{sisssi}", "id", md->brokers[i].id, "host", md->brokers[i].host,
                                              "port", md->brokers[i].port));
  json_t *pTopics = json_object_get(pSnap, "topics");
  for(int i = 0; i < md->topic_cnt; i++) {
    const rd_kafka_metadata_topic_t *t = &md->topics[i];
    json_t *pParts = json_array();
    for(int j = 0; j < t->partition_cnt; j++) {
      const rd_kafka_metadata_partition_t *pm = &t->partitions[j];
      json_array_append_new(pParts, json_pack("{sisisososnsnso}", "partition", pm->id, "leader", pm->leader,
                                              "replicas", admin_int_array(pm->replicas, pm->replica_cnt),
                                              "isr", admin_int_array(pm->isrs, pm->isr_cnt),
                                              "low_watermark", "high_watermark", "error",
                                              pm->err ? json_string(rd_kafka_err2str(pm->err)) : json_null()));
    }
    json_array_append_new(pTopics, json_pack("{sssbso}", "name", t->topic, "internal", t->topic[0] == '_' && t->topic[1] == '_',
                                             "partitions", pParts));
  }
}

static void admin_watermarks(kafka_admin *p, json_t *pSnap, int64_t deadlineUs) {
  size_t i, j;
  json_t *pTopic, *pPart;
  json_array_foreach(json_object_get(pSnap, "topics"), i, pTopic) {
    const char *zTopic = json_string_value(json_object_get(pTopic, "name"));
    json_array_foreach(json_object_get(pTopic, "partitions"), j, pPart) {
      int left = admin_left_ms(deadlineUs);
      if(!left) {
        json_object_set_new(pPart, "error", json_string("watermarks: out of time"));
        continue;
      }
      int64_t lo = -1, hi = -1;
      int32_t part = (int32_t)json_integer_value(json_object_get(pPart, "partition"));
      rd_kafka_resp_err_t err = rd_kafka_query_watermark_offsets(p->rk, zTopic, part, &lo, &hi, left);
      if(err) {
        json_object_set_new(pPart, "error", json_sprintf("watermarks: %s", rd_kafka_err2str(err)));
        continue;
      }
      json_object_set_new(pPart, "low_watermark", json_integer(lo));
      json_object_set_new(pPart, "high_watermark", json_integer(hi));
    }
  }
}

/* Waits for the next result event of type evType on q; NULL (and zWhy
 * filled) on timeout or error. */
static rd_kafka_event_t *admin_wait(rd_kafka_queue_t *q, int evType, int64_t deadlineUs, char *zWhy, size_t nWhy) {
  for(;;) {
    int left = admin_left_ms(deadlineUs);
    if(!left) {
      snprintf(zWhy, nWhy, "out of time");
      return NULL;
    }
    rd_kafka_event_t *ev = rd_kafka_queue_poll(q, left);
    if(!ev) continue;
    if(rd_kafka_event_type(ev) != evType) {
      rd_kafka_event_destroy(ev);
      continue;
    }
    if(rd_kafka_event_error(ev)) {
      snprintf(zWhy, nWhy, "%s", rd_kafka_event_error_string(ev));
      rd_kafka_event_destroy(ev);
      return NULL;
    }
    return ev;
  }
}

static rd_kafka_AdminOptions_t *admin_options(kafka_admin *p, rd_kafka_admin_op_t op, int64_t deadlineUs) {
  rd_kafka_AdminOptions_t *o = rd_kafka_AdminOptions_new(p->rk, op);
  char zErr[256];
  int left = admin_left_ms(deadlineUs);
  if(o) (void)rd_kafka_AdminOptions_set_request_timeout(o, left ? left : 1, zErr, sizeof(zErr));
  return o;
}

static json_t *admin_member_json(const rd_kafka_MemberDescription_t *m) {
  json_t *pAssign = json_array();
  const rd_kafka_MemberAssignment_t *a = rd_kafka_MemberDescription_assignment(m);
  const rd_kafka_topic_partition_list_t *l = a ? rd_kafka_MemberAssignment_partitions(a) : NULL;
  for(int i = 0; l && i < l->cnt; i++)
    json_array_append_new(pAssign, json_pack("{sssi}", "topic", l->elems[i].topic, "partition", l->elems[i].partition));
  const char *zClient = rd_kafka_MemberDescription_client_id(m);
  const char *zConsumer = rd_kafka_MemberDescription_consumer_id(m);
  const char *zHost = rd_kafka_MemberDescription_host(m);
  return json_pack("{ssssssso}", "client_id", zClient ? zClient : "", "consumer_id", zConsumer ? zConsumer : "",
                   "host", zHost ? zHost : "", "assignments", pAssign);
}

static json_t *admin_group_find(json_t *pGroups, const char *zId) {
  size_t i;
  json_t *pG;
  json_array_foreach(pGroups, i, pG) {
    if(!strcmp(json_string_value(json_object_get(pG, "group_id")), zId)) return pG;
  }
  return NULL;
}

/* Members and state of every listed group, in one DescribeConsumerGroups. */
static void admin_describe_groups(kafka_admin *p, rd_kafka_queue_t *q, json_t *pGroups, int64_t deadlineUs) {
  size_t n = json_array_size(pGroups);
  if(!n) return;
  const char **az = calloc(n, sizeof(char *));
  if(!az) return;
  for(size_t i = 0; i < n; i++) az[i] = json_string_value(json_object_get(json_array_get(pGroups, i), "group_id"));
  rd_kafka_AdminOptions_t *o = admin_options(p, RD_KAFKA_ADMIN_OP_DESCRIBECONSUMERGROUPS, deadlineUs);
  rd_kafka_DescribeConsumerGroups(p->rk, az, n, o, q);
  free(az);
  char zWhy[256];
  rd_kafka_event_t *ev = admin_wait(q, RD_KAFKA_EVENT_DESCRIBECONSUMERGROUPS_RESULT, deadlineUs, zWhy, sizeof(zWhy));
  rd_kafka_AdminOptions_destroy(o);
  if(!ev) {
    for(size_t i = 0; i < n; i++)
      json_object_set_new(json_array_get(pGroups, i), "error", json_sprintf("describe: %s", zWhy));
    return;
  }
  size_t nDesc = 0;
  const rd_kafka_ConsumerGroupDescription_t **aDesc =
      rd_kafka_DescribeConsumerGroups_result_groups(rd_kafka_event_DescribeConsumerGroups_result(ev), &nDesc);
  for(size_t i = 0; i < nDesc; i++) {
    json_t *pG = admin_group_find(pGroups, rd_kafka_ConsumerGroupDescription_group_id(aDesc[i]));
    if(!pG) continue;
    const rd_kafka_error_t *e = rd_kafka_ConsumerGroupDescription_error(aDesc[i]);
    if(e) {
      json_object_set_new(pG, "error", json_sprintf("describe: %s", rd_kafka_error_string(e)));
      continue;
    }
    json_object_set_new(pG, "state", json_string(rd_kafka_consumer_group_state_name(
                                         rd_kafka_ConsumerGroupDescription_state(aDesc[i]))));
    json_t *pMembers = json_object_get(pG, "members");
    size_t nMember = rd_kafka_ConsumerGroupDescription_member_count(aDesc[i]);
    for(size_t j = 0; j < nMember; j++)
      json_array_append_new(pMembers, admin_member_json(rd_kafka_ConsumerGroupDescription_member(aDesc[i], (int)j)));
  }
  rd_kafka_event_destroy(ev);
}

/* Committed offsets of every group: one ListConsumerGroupOffsets each (all
 * partitions), all in flight at once. */
static void admin_group_offsets(kafka_admin *p, rd_kafka_queue_t *q, json_t *pGroups, int64_t deadlineUs) {
  size_t n = json_array_size(pGroups);
  rd_kafka_AdminOptions_t *o = admin_options(p, RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPOFFSETS, deadlineUs);
  for(size_t i = 0; i < n; i++) {
    rd_kafka_ListConsumerGroupOffsets_t *pReq =
        rd_kafka_ListConsumerGroupOffsets_new(json_string_value(json_object_get(json_array_get(pGroups, i), "group_id")), NULL);
    rd_kafka_ListConsumerGroupOffsets(p->rk, &pReq, 1, o, q);
    rd_kafka_ListConsumerGroupOffsets_destroy(pReq);
  }
  char zWhy[256] = "";
  for(size_t i = 0; i < n; i++) {
    rd_kafka_event_t *ev = admin_wait(q, RD_KAFKA_EVENT_LISTCONSUMERGROUPOFFSETS_RESULT, deadlineUs, zWhy, sizeof(zWhy));
    if(!ev) {
      if(!strcmp(zWhy, "out of time")) break;
      continue;
    }
    size_t nRes = 0;
    const rd_kafka_group_result_t **aRes =
        rd_kafka_ListConsumerGroupOffsets_result_groups(rd_kafka_event_ListConsumerGroupOffsets_result(ev), &nRes);
    for(size_t k = 0; k < nRes; k++) {
      json_t *pG = admin_group_find(pGroups, rd_kafka_group_result_name(aRes[k]));
      if(!pG) continue;
      const rd_kafka_error_t *e = rd_kafka_group_result_error(aRes[k]);
      if(e) {
        json_object_set_new(pG, "error", json_sprintf("offsets: %s", rd_kafka_error_string(e)));
        continue;
      }
      json_t *pOffsets = json_object_get(pG, "offsets");
      const rd_kafka_topic_partition_list_t *l = rd_kafka_group_result_partitions(aRes[k]);
      for(int j = 0; l && j < l->cnt; j++) {
        const rd_kafka_topic_partition_t *tp = &l->elems[j];
        json_array_append_new(pOffsets, json_pack("{sssisoso}", "topic", tp->topic, "partition", tp->partition,
                                                  "committed", tp->offset >= 0 ? json_integer(tp->offset) : json_null(),
                                                  "error", tp->err ? json_string(rd_kafka_err2str(tp->err)) : json_null()));
      }
    }
    rd_kafka_event_destroy(ev);
  }
  rd_kafka_AdminOptions_destroy(o);
  /* a group whose offsets did not arrive in time says so */
  size_t i;
  json_t *pG;
  json_array_foreach(pGroups, i, pG) {
    if(!json_array_size(json_object_get(pG, "offsets")) && zWhy[0] && json_is_null(json_object_get(pG, "error")))
      json_object_set_new(pG, "error", json_sprintf("offsets: %s", zWhy));
  }
}

static void admin_groups(kafka_admin *p, json_t *pSnap, int64_t deadlineUs) {
  json_t *pGroups = json_object_get(pSnap, "groups");
  rd_kafka_queue_t *q = rd_kafka_queue_new(p->rk);
  rd_kafka_AdminOptions_t *o = admin_options(p, RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPS, deadlineUs);
  rd_kafka_ListConsumerGroups(p->rk, o, q);
  char zWhy[256];
  rd_kafka_event_t *ev = admin_wait(q, RD_KAFKA_EVENT_LISTCONSUMERGROUPS_RESULT, deadlineUs, zWhy, sizeof(zWhy));
  rd_kafka_AdminOptions_destroy(o);
  if(!ev) {
    json_object_set_new(pSnap, "groups_error", json_sprintf("list consumer groups: %s", zWhy));
    rd_kafka_queue_destroy(q);
    return;
  }
  const rd_kafka_ListConsumerGroups_result_t *res = rd_kafka_event_ListConsumerGroups_result(ev);
  size_t nValid = 0, nErr = 0;
  const rd_kafka_ConsumerGroupListing_t **aList = rd_kafka_ListConsumerGroups_result_valid(res, &nValid);
  const rd_kafka_error_t **aErr = rd_kafka_ListConsumerGroups_result_errors(res, &nErr);
  if(nErr) json_object_set_new(pSnap, "groups_error", json_sprintf("list consumer groups: %s", rd_kafka_error_string(aErr[0])));
  for(size_t i = 0; i < nValid; i++) {
    json_array_append_new(pGroups, json_pack("{sssssbs[]s[]sn}", "group_id", rd_kafka_ConsumerGroupListing_group_id(aList[i]),
                                             "state", rd_kafka_consumer_group_state_name(rd_kafka_ConsumerGroupListing_state(aList[i])),
                                             "simple", rd_kafka_ConsumerGroupListing_is_simple_consumer_group(aList[i]),
                                             "members", "offsets", "error"));
  }
  rd_kafka_event_destroy(ev);
  admin_describe_groups(p, q, pGroups, deadlineUs);
  admin_group_offsets(p, q, pGroups, deadlineUs);
  rd_kafka_queue_destroy(q);
}

json_t *kafka_admin_snapshot(kafka_admin *p, int budgetMs) {
  int64_t startUs = airc_now_us();
  int64_t deadlineUs = startUs + (int64_t)(budgetMs > 0 ? budgetMs : 1) * 1000;
  json_t *pSnap = json_pack("{sssnsssIsns[]s[]s[]sn}", "status", "down", "error", "bootstrap", p->zBootstrap,
                            "sampled_us", (json_int_t)startUs, "controller_id", "brokers", "topics", "groups",
                            "groups_error");
  if(!pSnap) return NULL;
  const rd_kafka_metadata_t *md = NULL;
  pthread_mutex_lock(&p->mutex);
  p->zLastError[0] = 0;
  pthread_mutex_unlock(&p->mutex);
  rd_kafka_resp_err_t err = rd_kafka_metadata(p->rk, 1, NULL, &md, admin_left_ms(deadlineUs));
  if(err) {
    rd_kafka_poll(p->rk, 0); /* serve the error events that say why */
    pthread_mutex_lock(&p->mutex);
    json_object_set_new(pSnap, "error", json_sprintf("kafka at %s: %s%s%s%s", p->zBootstrap, rd_kafka_err2str(err),
                                                     p->zLastError[0] ? " (" : "", p->zLastError,
                                                     p->zLastError[0] ? ")" : ""));
    pthread_mutex_unlock(&p->mutex);
    return pSnap;
  }
  json_object_set_new(pSnap, "status", json_string("up"));
  admin_metadata_json(md, pSnap);
  rd_kafka_metadata_destroy(md);
  int left = admin_left_ms(deadlineUs);
  int32_t ctl = left ? rd_kafka_controllerid(p->rk, left) : -1;
  if(ctl >= 0) json_object_set_new(pSnap, "controller_id", json_integer(ctl));
  admin_watermarks(p, pSnap, deadlineUs);
  admin_groups(p, pSnap, deadlineUs);
  rd_kafka_poll(p->rk, 0);
  return pSnap;
}
