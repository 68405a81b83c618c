/* kafka_admin.h: reads a Kafka cluster's state with librdkafka (metadata,
 * watermarks, the admin API's consumer groups) for the dashboard.
 *
 * One kafka_admin keeps one librdkafka client, so repeated snapshots reuse
 * its broker connections. Every call is bounded by a total time budget: a
 * dead or unreachable broker gives a snapshot with "status": "down" and the
 * reason, never a wait longer than the budget (plus librdkafka's own
 * scheduling slack, tens of milliseconds).
 *
 * Used by the web server only (it is linked into bin/airc-webserver). The
 * snapshot's shape and everything computed from it are in kafka_view.h.
 * Not thread-safe: the caller serializes calls on one kafka_admin. */
#ifndef AIRC_KAFKA_ADMIN_H
#define AIRC_KAFKA_ADMIN_H
#include <jansson.h>
#include "common/err.h"

typedef struct kafka_admin kafka_admin;

/* Creates the client for zBootstrap ("host:port,..."); no connection is
 * made yet. Fails only on a bad setting or out of memory. */
AIRC_WUR airc_rc kafka_admin_open(const char *zBootstrap, kafka_admin **ppOut /* OUT */, airc_err *pErr);
void kafka_admin_close(kafka_admin *p);

/* Reads brokers, controller, every topic's partitions (leader, replicas,
 * ISR, low and high watermarks) and every consumer group (state, members,
 * committed offsets) within budgetMs. Returns a new snapshot (kafka_view.h
 * shape, not yet completed): "status" "up", or "down" with "error" when
 * the cluster's metadata could not be read in time. Parts that run out of
 * time or fail are null or carry their own "error"; the snapshot is
 * still "up". Returns NULL only when out of memory. */
json_t *kafka_admin_snapshot(kafka_admin *p, int budgetMs);

#endif
