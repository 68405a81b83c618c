/* run_publish_kafka.c: the body of the publish-kafka task, run by airc-task
 * so that the scheduler itself never links librdkafka. The task's spec
 * (keys, checks) is providers/kafka/task_publish_kafka.c; the producer is
 * providers/kafka/kafka_publish.c. */
#include <curl/curl.h>
#include <stdio.h>
#include <string.h>
#include "common/config.h"
#include "providers/kafka/kafka_avro.h"
#include "providers/kafka/kafka_publish.h"
#include "providers/kafka/kafka_registry.h"
#include "providers/runners.h"
#include "executor/task_opt.h"
#include "executor/task_type.h"

#define TYPE "publish-kafka"

/* Options -> librdkafka settings (SASL and TLS; from `conn = NAME` too):
 * "key", "value" pairs into az (room for 2 * 7 + 1). */
static void publish_kafka_security(const task_ctx *pCtx, const char **az) {
  static const char *const azMap[][2] = {
      {"security_protocol", "security.protocol"},   {"sasl_mechanism", "sasl.mechanism"},
      {"sasl_username", "sasl.username"},           {"sasl_password", "sasl.password"},
      {"ssl_ca_location", "ssl.ca.location"},       {"ssl_certificate_location", "ssl.certificate.location"},
      {"ssl_key_location", "ssl.key.location"}};
  int n = 0;
  for(size_t i = 0; i < sizeof(azMap) / sizeof(azMap[0]); i++) {
    const char *z = task_opt_str(pCtx, azMap[i][0], NULL);
    if(z && *z) {
      az[n++] = azMap[i][1];
      az[n++] = z;
    }
  }
  az[n] = NULL;
}

static const char *g_azSecurity[2 * 7 + 1];

static airc_rc publish_kafka_opts(const task_ctx *pCtx, kafka_publish_opts *o, airc_err *pErr) {
  int64_t nPart = 1, nRepl = 1;
  memset(o, 0, sizeof(*o));
  publish_kafka_security(pCtx, g_azSecurity);
  o->azConf = g_azSecurity;
  o->zTopic = task_opt_str(pCtx, "topic", "users_created");
  o->zBootstrap = task_opt_str(pCtx, "bootstrap_servers",
                               airc_config_get("kafka", "bootstrap_servers", "127.0.0.1:9092"));
  o->zInput = task_opt_str(pCtx, "input", task_opt_upstream_path(pCtx));
  o->zDagId = pCtx->zDagId;
  o->zRunId = pCtx->zRunId;
  o->zTaskId = pCtx->zTaskId;
  o->pProgress = stdout;
  /* defaults from [kafka] partitions / replication_factor (the cluster
   * profile's `stack.sh env` sets 3 / 3) */
  airc_rc rc = task_opt_int(pCtx, TYPE, "partitions", airc_config_get_int("kafka", "partitions", 1), 1, 100000,
                            &nPart, pErr);
  if(!rc)
    rc = task_opt_int(pCtx, TYPE, "replication_factor", airc_config_get_int("kafka", "replication_factor", 1), 1,
                      100, &nRepl, pErr);
  if(!rc) rc = task_opt_bool(pCtx, TYPE, "create_topic", 1, &o->bCreateTopic, pErr);
  if(!rc) rc = task_opt_duration_ms(pCtx, TYPE, "timeout", 60000, &o->timeoutMs, pErr);
  if(!rc) rc = task_opt_duration_ms(pCtx, TYPE, "message_timeout", 0, &o->messageTimeoutMs, pErr);
  if(!rc && !o->zInput)
    rc = airc_err_set(pErr, AIRC_ERR_INVALID,
                      TYPE ": no input: set option 'input' or run after a task whose XCom has a \"path\"");
  o->nPartitions = (int)nPart;
  o->nReplication = (int)nRepl;
  return rc;
}

static airc_rc publish_avro_encode(void *pCodec, const char *zLine, size_t n, const uint8_t **ppOut,
                                   size_t *pnOut, airc_err *pErr) {
  return kafka_avro_encode_text(pCodec, zLine, n, ppOut, pnOut, pErr);
}

/* format = avro: opens the schema (option `schema`, setting [kafka] schema,
 * else the built-in schemas/user.avsc), sets BACKWARD compatibility on the
 * subject (option `subject`, default <topic>-value) and registers the schema
 * with the registry (option `registry_url`, setting [registry] url), all
 * before the producer exists: a refused schema or a registry that does not
 * answer (within `registry_timeout`, default 10 s) sends nothing. On success
 * *ppCodec encodes each line with the registered id. */
static airc_rc publish_kafka_avro(const task_ctx *pCtx, kafka_publish_opts *o, kafka_avro **ppCodec,
                                  airc_err *pErr) {
  const char *zSchema = task_opt_str(pCtx, "schema", airc_config_get("kafka", "schema", NULL));
  const char *zUrl = task_opt_str(pCtx, "registry_url", airc_config_get("registry", "url", NULL));
  const char *zLevel = task_opt_str(pCtx, "compatibility", "BACKWARD");
  char zSubject[512];
  snprintf(zSubject, sizeof(zSubject), "%s", task_opt_str(pCtx, "subject", ""));
  if(!zSubject[0]) snprintf(zSubject, sizeof(zSubject), "%s-value", o->zTopic);
  int64_t timeoutMs = 10000;
  airc_rc rc = task_opt_duration_ms(pCtx, TYPE, "registry_timeout", 10000, &timeoutMs, pErr);
  if(rc) return rc;
  if(!zUrl || !*zUrl)
    return airc_err_set(pErr, AIRC_ERR_INVALID,
                        "format avro needs a schema registry: set option 'registry_url' or [registry] url "
                             "(AIRC__REGISTRY__URL)");
  kafka_avro *pCodec = NULL;
  if(zSchema && *zSchema) rc = kafka_avro_open_file(zSchema, &pCodec, pErr);
  else {
    const char *z = kafka_avro_default_schema();
    rc = kafka_avro_open(z, strlen(z), "built-in schemas/user.avsc", &pCodec, pErr);
  }
  if(rc) return rc;
  CURL *pCurl = curl_easy_init();
  if(!pCurl) {
    kafka_avro_free(pCodec);
    return airc_err_set(pErr, AIRC_ERR_NOMEM, "cannot start libcurl");
  }
  kafka_registry_curl http = {pCurl, timeoutMs < 3000 ? timeoutMs : 3000, timeoutMs};
  kafka_registry reg = {zUrl, kafka_registry_http_curl, &http};
  uint32_t id = 0;
  rc = kafka_registry_register(&reg, zSubject, *zLevel ? zLevel : NULL, kafka_avro_schema_json(pCodec), &id, pErr);
  curl_easy_cleanup(pCurl);
  if(rc) {
    kafka_avro_free(pCodec);
    return rc;
  }
  printf("publish-kafka: schema %s (%s) is id %u under subject %s at %s\n", kafka_avro_schema_name(pCodec),
         zSchema && *zSchema ? zSchema : "built-in schemas/user.avsc", (unsigned)id, zSubject, zUrl);
  kafka_avro_set_id(pCodec, id);
  o->xEncode = publish_avro_encode;
  o->pEncodeCtx = pCodec;
  *ppCodec = pCodec;
  return AIRC_OK;
}

int runner_publish_kafka(const task_ctx *pCtx) {
  kafka_publish_opts o;
  kafka_publish_result res = {0};
  airc_err err = {0};
  kafka_avro *pCodec = NULL;
  airc_rc rc = publish_kafka_opts(pCtx, &o, &err);
  if(!rc) {
    o.zFormat = task_opt_str(pCtx, "format", airc_config_get("kafka", "format", "json"));
    if(!strcmp(o.zFormat, "avro")) rc = publish_kafka_avro(pCtx, &o, &pCodec, &err);
    else if(strcmp(o.zFormat, "json"))
      rc = airc_err_set(&err, AIRC_ERR_INVALID, "format must be json or avro, not '%s'", o.zFormat);
    if(rc) airc_err_prefix(&err, TYPE);
  }
  if(!rc) {
    rc = kafka_publish_file(&o, &res, &err);
    if(rc) airc_err_prefix(&err, TYPE);
  }
  if(!rc) {
    json_t *pXcom = kafka_publish_result_json(&res, o.zTopic);
    if(!pXcom || task_xcom_write(pCtx, pXcom) != 0)
      rc = airc_err_set(&err, AIRC_ERR_IO, TYPE ": cannot write XCom");
    json_decref(pXcom);
  }
  kafka_publish_result_free(&res);
  kafka_avro_free(pCodec);
  fflush(stdout);
  if(rc) {
    fprintf(stderr, "%s\n", airc_err_msg(&err));
    return TASK_EXIT_FAILED;
  }
  return TASK_EXIT_SUCCESS;
}

