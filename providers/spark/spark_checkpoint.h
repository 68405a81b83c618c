/* spark_checkpoint.h: how far a Spark Structured Streaming query has read
 * its Kafka topics, from the query's checkpoint folder, so that the
 * dashboard can show the query's lag per partition like a consumer group's.
 *
 * The Spark Kafka source commits nothing to Kafka: its offsets live in the
 * checkpoint. offsets/<N> is the plan of batch N (a version line "v1", the
 * batch metadata as JSON, then one line per source: for Kafka
 * {"topic":{"partition":next offset}}); commits/<N> exists once batch N
 * finished. What the query has processed is the offsets of the newest batch
 * that has a commit.
 *
 * Not for: writing or repairing checkpoints, or other sources than Kafka
 * (their lines are skipped). */
#ifndef AIRC_SPARK_CHECKPOINT_H
#define AIRC_SPARK_CHECKPOINT_H
#include <jansson.h>
#include "common/err.h"

#define SPARK_CHECKPOINT_MAX_FILE (1024 * 1024)
#define SPARK_CHECKPOINT_MAX_QUERIES 64

/* Parses the text of an offsets/<N> file into *ppOut (new reference): an
 * array of {"topic", "partition", "committed"} sorted as written. Fails
 * with AIRC_ERR_PARSE ("offsets file: ...") on a missing version line or
 * metadata; lines that are not Kafka offsets ("-", other sources) are
 * skipped. */
AIRC_WUR airc_rc spark_checkpoint_parse_offsets(const char *zText, json_t **ppOut /* OUT */, airc_err *pErr);

/* Reads the checkpoint folder zDir. Returns (new reference) a consumer
 * group in kafka_view.h's shape, group_id "spark:" zName, state
 * "Checkpoint", "kind": "spark_checkpoint", "checkpoint": zDir, "batch": N
 * (null before the first commit), "offsets" of batch N, and "error" when the
 * folder cannot be read (then offsets is []). NULL only when out of memory. */
json_t *spark_checkpoint_group(const char *zName, const char *zDir);

/* Every query under zRoot, two levels deep (<dag>/<task>, as
 * trigger-stream-job lays them out) where an offsets/ folder exists, as
 * spark_checkpoint_group()s named "<dag>/<task>", sorted; at most
 * SPARK_CHECKPOINT_MAX_QUERIES. An absent zRoot gives []. */
json_t *spark_checkpoint_scan(const char *zRoot);

#endif
