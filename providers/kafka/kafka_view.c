/* kafka_view.c: see kafka_view.h. Lookups are linear scans: a dashboard's
 * cluster has tens of topics and partitions, not thousands. */
#include "providers/kafka/kafka_view.h"
#include <stdio.h>
#include <string.h>
#include "common/timeutil.h"

/* The integer at pObj[zKey], or -1 when it is absent or not an integer
 * (watermarks and offsets are never negative when known). */
static json_int_t view_int(const json_t *pObj, const char *zKey) {
  const json_t *p = json_object_get(pObj, zKey);
  return json_is_integer(p) ? json_integer_value(p) : -1;
}

static const json_t *view_topic(const json_t *pSnap, const char *zTopic) {
  size_t i;
  const json_t *pTopic;
  json_array_foreach(json_object_get(pSnap, "topics"), i, pTopic) {
    const char *z = json_string_value(json_object_get(pTopic, "name"));
    if(z && !strcmp(z, zTopic)) return pTopic;
  }
  return NULL;
}

static const json_t *view_partition(const json_t *pTopic, json_int_t iPart) {
  size_t i;
  const json_t *pPart;
  json_array_foreach(json_object_get(pTopic, "partitions"), i, pPart) {
    if(view_int(pPart, "partition") == iPart) return pPart;
  }
  return NULL;
}

/* Sum of the known high watermarks of a topic, -1 if none is known. */
static json_int_t view_topic_high_sum(const json_t *pTopic) {
  json_int_t sum = -1;
  size_t i;
  const json_t *pPart;
  json_array_foreach(json_object_get(pTopic, "partitions"), i, pPart) {
    json_int_t hi = view_int(pPart, "high_watermark");
    if(hi >= 0) sum = (sum < 0 ? 0 : sum) + hi;
  }
  return sum;
}

static void view_complete_topics(json_t *pSnap, const json_t *pPrev) {
  json_int_t nowUs = view_int(pSnap, "sampled_us");
  json_int_t prevUs = pPrev ? view_int(pPrev, "sampled_us") : -1;
  size_t i;
  json_t *pTopic;
  json_array_foreach(json_object_get(pSnap, "topics"), i, pTopic) {
    json_int_t nMsg = -1;
    size_t j;
    json_t *pPart;
    json_array_foreach(json_object_get(pTopic, "partitions"), j, pPart) {
      json_int_t lo = view_int(pPart, "low_watermark"), hi = view_int(pPart, "high_watermark");
      if(lo >= 0 && hi >= lo) nMsg = (nMsg < 0 ? 0 : nMsg) + (hi - lo);
    }
    json_object_set_new(pTopic, "messages", nMsg >= 0 ? json_integer(nMsg) : json_null());
    json_t *pRate = json_null();
    const char *zName = json_string_value(json_object_get(pTopic, "name"));
    const json_t *pOld = pPrev && zName ? view_topic(pPrev, zName) : NULL;
    if(pOld && prevUs > 0 && nowUs > prevUs) {
      json_int_t now = view_topic_high_sum(pTopic), old = view_topic_high_sum(pOld);
      if(now >= 0 && old >= 0 && now >= old) {
        json_decref(pRate);
        pRate = json_real((double)(now - old) * 1e6 / (double)(nowUs - prevUs));
      }
    }
    json_object_set_new(pTopic, "messages_per_second", pRate);
  }
}

static void view_complete_groups(json_t *pSnap) {
  size_t i;
  json_t *pGroup;
  json_array_foreach(json_object_get(pSnap, "groups"), i, pGroup) {
    json_int_t total = -1;
    size_t j;
    json_t *pOff;
    json_array_foreach(json_object_get(pGroup, "offsets"), j, pOff) {
      const char *zTopic = json_string_value(json_object_get(pOff, "topic"));
      const json_t *pTopic = zTopic ? view_topic(pSnap, zTopic) : NULL;
      const json_t *pPart = pTopic ? view_partition(pTopic, view_int(pOff, "partition")) : NULL;
      json_int_t hi = pPart ? view_int(pPart, "high_watermark") : -1;
      json_int_t committed = view_int(pOff, "committed");
      json_object_set_new(pOff, "high_watermark", hi >= 0 ? json_integer(hi) : json_null());
      if(hi >= 0 && committed >= 0) {
        json_int_t lag = hi > committed ? hi - committed : 0;
        json_object_set_new(pOff, "lag", json_integer(lag));
        total = (total < 0 ? 0 : total) + lag;
      } else {
        json_object_set_new(pOff, "lag", json_null());
      }
    }
    json_object_set_new(pGroup, "lag", total >= 0 ? json_integer(total) : json_null());
  }
}

/* Orders by the string pObj[zKey] (NULL: none), then by the integer
 * pObj[zInt] (NULL: none). */
static int view_cmp(const json_t *a, const json_t *b, const char *zKey, const char *zInt) {
  if(zKey) {
    const char *za = json_string_value(json_object_get(a, zKey)), *zb = json_string_value(json_object_get(b, zKey));
    int c = strcmp(za ? za : "", zb ? zb : "");
    if(c) return c;
  }
  if(!zInt) return 0;
  json_int_t pa = view_int(a, zInt), pb = view_int(b, zInt);
  return pa < pb ? -1 : pa > pb;
}

/* Stable insertion sort: the arrays are short. */
static void view_sort(json_t *pArr, const char *zKey, const char *zInt) {
  size_t n = json_array_size(pArr);
  for(size_t i = 1; i < n; i++) {
    for(size_t j = i; j > 0 && view_cmp(json_array_get(pArr, j - 1), json_array_get(pArr, j), zKey, zInt) > 0; j--) {
      json_t *p = json_incref(json_array_get(pArr, j));
      json_array_remove(pArr, j);
      json_array_insert_new(pArr, j - 1, p);
    }
  }
}

/* Topics, groups and partitions in a stable order (the metadata's is not). */
static void view_sort_all(json_t *pSnap) {
  size_t i;
  json_t *p;
  view_sort(json_object_get(pSnap, "topics"), "name", NULL);
  json_array_foreach(json_object_get(pSnap, "topics"), i, p) view_sort(json_object_get(p, "partitions"), NULL, "partition");
  view_sort(json_object_get(pSnap, "groups"), "group_id", NULL);
  json_array_foreach(json_object_get(pSnap, "groups"), i, p) view_sort(json_object_get(p, "offsets"), "topic", "partition");
  view_sort(json_object_get(pSnap, "brokers"), NULL, "id");
}

void kafka_view_complete(json_t *pSnap, const json_t *pPrev) {
  view_sort_all(pSnap);
  view_complete_topics(pSnap, pPrev);
  view_complete_groups(pSnap);
}

/* {"status","error","sampled_at"} of a snapshot, to which a view adds. */
static json_t *view_head(const json_t *pSnap) {
  json_t *pOut = json_object();
  json_t *pStatus = json_object_get(pSnap, "status");
  json_object_set_new(pOut, "status", pStatus ? json_copy(pStatus) : json_string("down"));
  json_t *pErr = json_object_get(pSnap, "error");
  json_object_set_new(pOut, "error", pErr ? json_copy(pErr) : json_null());
  json_int_t us = view_int(pSnap, "sampled_us");
  char z[48];
  json_object_set_new(pOut, "sampled_at", us > 0 ? json_string(airc_time_format_api(us, z, sizeof(z))) : json_null());
  return pOut;
}

/* A deep copy of pSnap[zKey] (an array), [] when absent. */
static json_t *view_array_copy(const json_t *pSnap, const char *zKey) {
  json_t *p = json_object_get(pSnap, zKey);
  return json_is_array(p) ? json_deep_copy(p) : json_array();
}

json_t *kafka_view_topics(const json_t *pSnap) {
  json_t *pOut = view_head(pSnap);
  json_object_set_new(pOut, "topics", view_array_copy(pSnap, "topics"));
  return pOut;
}

json_t *kafka_view_groups(const json_t *pSnap) {
  json_t *pOut = view_head(pSnap);
  json_object_set_new(pOut, "groups", view_array_copy(pSnap, "groups"));
  return pOut;
}

json_t *kafka_view_cluster(const json_t *pSnap) {
  json_t *pOut = view_head(pSnap);
  json_t *pBoot = json_object_get(pSnap, "bootstrap");
  json_object_set_new(pOut, "bootstrap", pBoot ? json_copy(pBoot) : json_null());
  json_int_t ctl = view_int(pSnap, "controller_id");
  json_object_set_new(pOut, "controller_id", ctl >= 0 ? json_integer(ctl) : json_null());
  json_t *pBrokers = view_array_copy(pSnap, "brokers");
  size_t i;
  json_t *pB;
  json_array_foreach(pBrokers, i, pB) {
    json_object_set_new(pB, "controller", json_boolean(ctl >= 0 && view_int(pB, "id") == ctl));
  }
  json_object_set_new(pOut, "brokers", pBrokers);
  return pOut;
}

airc_rc kafka_view_label(dynbuf *b, const char *z) {
  airc_rc rc = AIRC_OK;
  for(; z && *z && !rc; z++) {
    if(*z == '\\') rc = dynbuf_appendz(b, "\\\\");
    else if(*z == '"') rc = dynbuf_appendz(b, "\\\"");
    else if(*z == '\n') rc = dynbuf_appendz(b, "\\n");
    else rc = dynbuf_append(b, z, 1);
  }
  return rc;
}

/* name{group="..",topic="..",partition="N"} value, for one group offset. */
static airc_rc view_group_sample(dynbuf *b, const char *zMetric, const char *zGroup, const json_t *pOff,
                                 json_int_t v) {
  airc_rc rc = dynbuf_printf(b, "%s{group=\"", zMetric);
  if(!rc) rc = kafka_view_label(b, zGroup);
  if(!rc) rc = dynbuf_appendz(b, "\",topic=\"");
  if(!rc) rc = kafka_view_label(b, json_string_value(json_object_get(pOff, "topic")));
  if(!rc) rc = dynbuf_printf(b, "\",partition=\"%lld\"} %lld\n", (long long)view_int(pOff, "partition"), (long long)v);
  return rc;
}

/* One metric over every group offset whose zField is known. */
static airc_rc view_group_metric(const json_t *pSnap, dynbuf *b, const char *zMetric, const char *zHelp,
                                 const char *zField) {
  airc_rc rc = dynbuf_printf(b, "# HELP %s %s\n# TYPE %s gauge\n", zMetric, zHelp, zMetric);
  size_t i, j;
  const json_t *pGroup, *pOff;
  json_array_foreach(json_object_get(pSnap, "groups"), i, pGroup) {
    const char *zGroup = json_string_value(json_object_get(pGroup, "group_id"));
    json_array_foreach(json_object_get(pGroup, "offsets"), j, pOff) {
      json_int_t v = view_int(pOff, zField);
      if(!rc && zGroup && v >= 0) rc = view_group_sample(b, zMetric, zGroup, pOff, v);
    }
  }
  return rc;
}

airc_rc kafka_view_metrics(const json_t *pSnap, dynbuf *b) {
  const char *zStatus = json_string_value(json_object_get(pSnap, "status"));
  int bUp = zStatus && !strcmp(zStatus, "up");
  airc_rc rc = dynbuf_printf(b, "# HELP airc_kafka_up 1 if the web server could read the Kafka cluster.\n"
                                "# TYPE airc_kafka_up gauge\nairc_kafka_up %d\n", bUp);
  if(!rc) rc = dynbuf_appendz(b, "# HELP airc_kafka_partition_high_watermark Offset of the next message of a partition.\n"
                                 "# TYPE airc_kafka_partition_high_watermark gauge\n");
  size_t i, j;
  const json_t *pTopic, *pPart;
  json_array_foreach(json_object_get(pSnap, "topics"), i, pTopic) {
    const char *zTopic = json_string_value(json_object_get(pTopic, "name"));
    json_array_foreach(json_object_get(pTopic, "partitions"), j, pPart) {
      json_int_t hi = view_int(pPart, "high_watermark");
      if(rc || !zTopic || hi < 0) continue;
      rc = dynbuf_appendz(b, "airc_kafka_partition_high_watermark{topic=\"");
      if(!rc) rc = kafka_view_label(b, zTopic);
      if(!rc) rc = dynbuf_printf(b, "\",partition=\"%lld\"} %lld\n", (long long)view_int(pPart, "partition"), (long long)hi);
    }
  }
  if(!rc) rc = view_group_metric(pSnap, b, "airc_kafka_consumer_group_lag",
                                 "Messages of a partition not yet committed by a consumer group.", "lag");
  if(!rc) rc = view_group_metric(pSnap, b, "airc_kafka_consumer_group_committed_offset",
                                 "Offset a consumer group committed for a partition.", "committed");
  return rc;
}
