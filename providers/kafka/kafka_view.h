/* kafka_view.h: shaping a Kafka cluster snapshot for the dashboard (pure).
 *
 * kafka_admin.c reads the cluster with librdkafka into a snapshot, a jansson
 * object; everything here works on that object alone, so the unit tests
 * build snapshots by hand. The snapshot's shape (all keys always present):
 *
 *   {"status": "up"|"down", "error": null|"one line", "bootstrap": "...",
 *    "sampled_us": <microseconds since the epoch>,
 *    "controller_id": <int>|null,
 *    "brokers": [{"id", "host", "port"}],
 *    "topics": [{"name", "internal": bool,
 *                "partitions": [{"partition", "leader", "replicas": [..], "isr": [..],
 *                                "low_watermark", "high_watermark", "error"}]}],
 *    "groups": [{"group_id", "state", "simple": bool, "error",
 *                "members": [{"client_id", "consumer_id", "host",
 *                             "assignments": [{"topic", "partition"}]}],
 *                "offsets": [{"topic", "partition", "committed"}]}]}
 *
 * A group may also carry "kind" (e.g. "spark_checkpoint": a Spark query's
 * position read from its checkpoint, spark_checkpoint.h), "checkpoint" and
 * "batch"; they are passed through.
 *
 * Watermarks and committed offsets are null when unknown (a query that
 * failed or ran out of time, a partition with no committed offset).
 *
 * Not for: talking to Kafka (kafka_admin.c) or HTTP (webui/api_pipeline.c). */
#ifndef AIRC_KAFKA_VIEW_H
#define AIRC_KAFKA_VIEW_H
#include <jansson.h>
#include "common/dynbuf.h"
#include "common/err.h"

/* Completes pSnap in place: topics sorted by name, groups by id, partitions
 * and offsets by topic and partition, brokers by id; each group offset gets "high_watermark" (from
 * the topic's partition) and "lag" = high_watermark - committed (never
 * below 0; null when either is unknown), each group a total "lag" (sum of
 * the known lags, null if none); each topic gets "messages" (sum of
 * high - low watermarks) and "messages_per_second": the growth of the sum
 * of its high watermarks since pPrev (an earlier snapshot, may be NULL),
 * null when pPrev is NULL, lacks the topic, is not older, or the sum went
 * down (topic recreated). */
void kafka_view_complete(json_t *pSnap, const json_t *pPrev);

/* {"status", "error", "sampled_at", "topics": [...]}: the topics of a
 * completed snapshot in the API's shape (new reference). */
json_t *kafka_view_topics(const json_t *pSnap);
/* {"status", "error", "sampled_at", "groups": [...]} (new reference). */
json_t *kafka_view_groups(const json_t *pSnap);
/* {"status", "error", "sampled_at", "bootstrap", "controller_id",
 *  "brokers": [{"id","host","port","controller": bool}]} (new reference). */
json_t *kafka_view_cluster(const json_t *pSnap);

/* Appends the snapshot's figures in the Prometheus text format:
 *   airc_kafka_up                                      gauge 1/0
 *   airc_kafka_partition_high_watermark{topic,partition}
 *   airc_kafka_consumer_group_lag{group,topic,partition}
 *   airc_kafka_consumer_group_committed_offset{group,topic,partition}
 * (label values escaped; metrics with no sample keep their HELP/TYPE).
 * Fails only when b's cap is reached. */
AIRC_WUR airc_rc kafka_view_metrics(const json_t *pSnap, dynbuf *b);

/* Appends z escaped as a Prometheus label value (\\, \", \n). */
AIRC_WUR airc_rc kafka_view_label(dynbuf *b, const char *z);

#endif
