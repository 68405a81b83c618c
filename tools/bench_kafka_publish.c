/* bench_kafka_publish.c: throughput of kafka_publish_file() (records/s).
 * A benchmark, not a test: prints figures, asserts nothing.
 *
 *   bin/bench_kafka_publish [N [BOOTSTRAP [TOPIC [FILE]]]]
 *
 * N records (default 100000) shaped like fetch-users' output (~600 bytes)
 * are written to a temp file, then published; with FILE, that JSON Lines
 * file is published instead (N is ignored), so that another producer
 * (scripts/bench-pipeline.sh runs kcat) can send the very same records.
 * BOOTSTRAP "mock" (default) uses librdkafka's in-process mock cluster;
 * anything else is a real broker (the topic is then created with the Admin
 * API if missing, 3 partitions). */
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "providers/kafka/kafka_publish.h"

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 100000;
  const char *zBoot = argc > 2 ? argv[2] : "mock";
  const char *zTopic = argc > 3 ? argv[3] : "airc_bench";
  const char *zFile = argc > 4 ? argv[4] : NULL;
  char zPath[] = "/tmp/airc-bench-XXXXXX";
  int fd = zFile ? -1 : mkstemp(zPath);
  if(!zFile && fd < 0) { perror("mkstemp"); return 1; }
  FILE *f = zFile ? NULL : fdopen(fd, "w");
  for(long i = 0; f && i < n; i++)
    fprintf(f, "{\"id\":\"%08lx-0000-4000-8000-%012ld\",\"first_name\":\"Zoë\",\"last_name\":\"Nguyen\","
               "\"gender\":\"female\",\"address\":\"%ld Rue de la Paix, Lyon, Auvergne-Rhône-Alpes, France\","
               "\"post_code\":\"69001\",\"email\":\"zoe.nguyen%ld@example.com\",\"username\":\"bluecat%ld\","
               "\"dob\":\"1990-04-12T08:30:00.000Z\",\"registered_date\":\"2015-06-01T10:00:00.000Z\","
               "\"phone\":\"04-12-34-56-78\",\"picture\":\"https://randomuser.me/api/portraits/women/%ld.jpg\"}\n",
            (unsigned long)i, i, i, i, i, i % 100);
  if(f) fclose(f);

  rd_kafka_t *rkMock = NULL;
  rd_kafka_mock_cluster_t *pMock = NULL;
  char zMockBoot[256];
  int bMock = !strcmp(zBoot, "mock");
  if(bMock) {
    char zErr[256];
    rkMock = rd_kafka_new(RD_KAFKA_PRODUCER, rd_kafka_conf_new(), zErr, sizeof(zErr));
    pMock = rd_kafka_mock_cluster_new(rkMock, 1);
    rd_kafka_mock_topic_create(pMock, zTopic, 3, 1);
    snprintf(zMockBoot, sizeof(zMockBoot), "%s", rd_kafka_mock_cluster_bootstraps(pMock));
    zBoot = zMockBoot;
  }
  kafka_publish_opts o;
  memset(&o, 0, sizeof(o));
  o.zBootstrap = zBoot;
  o.zTopic = zTopic;
  o.zInput = zFile ? zFile : zPath;
  o.bCreateTopic = !bMock;
  o.nPartitions = 3;
  o.nReplication = 1;
  o.timeoutMs = 300000;
  o.zDagId = "bench";
  o.zRunId = "bench";
  o.zTaskId = "publish";
  kafka_publish_result r;
  airc_err e = {0};
  airc_rc rc = kafka_publish_file(&o, &r, &e);
  if(rc) fprintf(stderr, "bench_kafka_publish: %s\n", e.zMsg);
  else
    printf("publish-kafka bench: %lld records to %s (%s): %.3fs, %.0f records/s\n",
           (long long)r.nDelivered, zTopic, bMock ? "mock cluster" : zBoot, r.secProduce,
           (double)r.nDelivered / (r.secProduce > 0 ? r.secProduce : 1e-9));
  kafka_publish_result_free(&r);
  if(pMock) rd_kafka_mock_cluster_destroy(pMock);
  if(rkMock) rd_kafka_destroy(rkMock);
  if(!zFile) unlink(zPath);
  return rc ? 1 : 0;
}
