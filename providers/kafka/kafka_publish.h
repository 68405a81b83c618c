/* kafka_publish.h: publish a JSON Lines file to a Kafka topic and wait for
 * every delivery report.
 *
 * This is the core of the `publish-kafka` task type, kept free of task_ctx
 * so that a benchmark or another tool can call it directly. It is not a
 * general Kafka client: one file, one topic, one idempotent producer
 * (enable.idempotence=true, acks=all), key = the record's "id", value = the
 * line exactly as read (without its newline), headers naming the airc run.
 *
 * Everything is bounded: a line longer than KAFKA_PUBLISH_MAX_LINE fails,
 * the whole call (topic creation, produce, flush) ends within timeoutMs even
 * when no broker answers (in-flight messages are purged at the deadline). */
#ifndef AIRC_KAFKA_PUBLISH_H
#define AIRC_KAFKA_PUBLISH_H
#include <stdint.h>
#include <stdio.h>
#include <jansson.h>
#include "common/err.h"

#define KAFKA_PUBLISH_MAX_LINE (1024 * 1024)   /* Kafka's default message.max.bytes */
#define KAFKA_PUBLISH_MAX_PARTITIONS 100000

/* Turns one checked record line (n bytes) into the message value: *ppOut
 * points into the encoder's own buffer, valid until its next call. A
 * failure is one line about the record (the caller adds file:line). Called
 * on the publishing thread only. */
typedef airc_rc (*kafka_value_encode_fn)(void *pCtx, const char *zLine, size_t n, const uint8_t **ppOut,
                                         size_t *pnOut, airc_err *pErr);

typedef struct kafka_publish_opts {
  const char *zBootstrap;   /* "host:port[,host:port]" */
  const char *zTopic;
  const char *zInput;       /* path of the JSON Lines file */
  int bCreateTopic;         /* CreateTopics first; "already exists" is fine */
  int nPartitions;          /* for topic creation */
  int nReplication;         /* for topic creation */
  int64_t timeoutMs;        /* overall bound of the call */
  int64_t messageTimeoutMs; /* librdkafka message.timeout.ms; 0 = 90% of timeoutMs */
  const char *zDagId;       /* header airc_dag_id (empty when NULL) */
  const char *zRunId;       /* header airc_run_id (empty when NULL) */
  const char *zTaskId;      /* header airc_task_id (empty when NULL) */
  const char *const *azConf;/* extra librdkafka "key","value" pairs, NULL-terminated; may be NULL */
  FILE *pProgress;          /* progress lines go here; NULL = silent */
  kafka_value_encode_fn xEncode; /* NULL: the value is the line as read (JSON) */
  void *pEncodeCtx;         /* passed to xEncode */
  const char *zFormat;      /* for progress lines and the XCom: "json" when NULL */
} kafka_publish_opts;

/* Offsets seen in delivery reports for one partition. */
typedef struct kafka_partition_range {
  int64_t nDelivered;       /* 0 = partition not written */
  int64_t iFirst, iLast;    /* lowest and highest offset delivered */
} kafka_partition_range;

typedef struct kafka_publish_result {
  int64_t nRead;            /* records read from the file */
  int64_t nDelivered;       /* records acknowledged by the broker */
  int nPart;                /* entries in aPart (highest partition + 1) */
  kafka_partition_range *aPart; /* owned; free with kafka_publish_result_free */
  double secProduce;        /* seconds from first produce to last report */
  int64_t nValueBytes;      /* sum of the produced values' sizes */
  const char *zFormat;      /* "json" or the encoder's format (borrowed) */
} kafka_publish_result;

/* Publishes every line of pOpts->zInput. The file is validated first (each
 * non-blank line a JSON object with a non-empty string "id", and, with an
 * encoder, one it encodes), so a malformed line fails with "FILE:LINE: ..."
 * before anything is sent.
 * On return *pOut holds the counts even on failure (free it either way).
 * Fails unless nDelivered == nRead, with a one-line message in pErr like
 * "0/500 delivered to users_created at 127.0.0.1:9092: Local: Message timed out
 * (broker: Local: Broker transport failure: ... Connection refused)". */
AIRC_WUR airc_rc kafka_publish_file(const kafka_publish_opts *pOpts,
                                    kafka_publish_result *pOut, airc_err *pErr);
void kafka_publish_result_free(kafka_publish_result *p);

/* The XCom value: {"topic":..,"read":N,"delivered":N,"format":"json"|"avro",
 * "value_bytes":N,
 * "partitions":{"0":{"first_offset":a,"last_offset":b},..}}. New reference;
 * NULL only when out of memory. */
json_t *kafka_publish_result_json(const kafka_publish_result *p, const char *zTopic);

/* The per-line check, kafka_record_check(), is in kafka_record.h. */

#endif
