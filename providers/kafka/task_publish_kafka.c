/* task_publish_kafka.c: the `publish-kafka` task type.
 *
 * Reads the task's options, finds the input file (option `input`, else the
 * `path` of the first upstream XCom that has one), runs kafka_publish_file()
 * and writes its counts and offsets as the XCom. All Kafka work is in
 * kafka_publish.c; this file only maps options to kafka_publish_opts. */
#include <stdio.h>
#include <string.h>
#include "common/config.h"
#include "executor/task_opt.h"
#include "executor/task_type.h"

#define TYPE "publish-kafka"

static const char *const g_azKeys[] = {"topic", "bootstrap_servers", "input", "partitions",
                                       "replication_factor", "create_topic", "timeout",
                                       "message_timeout", "conn", "security_protocol", "sasl_mechanism",
                                       "sasl_username", "sasl_password", "ssl_ca_location",
                                       "ssl_certificate_location", "ssl_key_location", "format", "schema",
                                       "registry_url", "subject", "compatibility", "registry_timeout", NULL};

static int publish_kafka_validate(const char *zKey, const char *zValue, char *zErr, size_t nErr) {
  if(!strcmp(zKey, "partitions") || !strcmp(zKey, "replication_factor"))
    return task_opt_check_int(zValue, 1, 100000, zErr, nErr);
  if(!strcmp(zKey, "create_topic")) return task_opt_check_bool(zValue, zErr, nErr);
  if(!strcmp(zKey, "format") && strcmp(zValue, "json") && strcmp(zValue, "avro") && !strstr(zValue, "{{")) {
    snprintf(zErr, nErr, "must be json or avro, not '%s'", zValue);
    return -1;
  }
  if(!strcmp(zKey, "timeout") || !strcmp(zKey, "message_timeout") || !strcmp(zKey, "registry_timeout"))
    return task_opt_check_duration(zValue, zErr, nErr);
  return 0;
}

static void set_if_absent(json_t *pOpts, const char *zKey, const char *zValue) {
  if(zValue && *zValue && !json_object_get(pOpts, zKey)) json_object_set_new(pOpts, zKey, json_string(zValue));
}

/* `conn = NAME`: an extra key as written, or with dots (Airflow's Kafka
 * connections keep librdkafka's names: security.protocol, ...). */
static const char *extra_get(const json_t *pExtra, const char *zKey) {
  const char *z = json_string_value(json_object_get(pExtra, zKey));
  if(z) return z;
  char zDots[64];
  snprintf(zDots, sizeof(zDots), "%s", zKey);
  for(char *p = zDots; *p; p++)
    if(*p == '_') *p = '.';
  return json_string_value(json_object_get(pExtra, zDots));
}

/* host:port -> bootstrap_servers (extra bootstrap_servers wins: several
 * brokers), login/password -> SASL, extra -> TLS and the protocol. With a
 * login and no protocol, SASL_SSL when a CA is given, else SASL_PLAINTEXT;
 * the mechanism defaults to PLAIN. Options set in the DAG file win. */
static void publish_kafka_conn(const json_t *pConn, json_t *pOpts) {
  const json_t *pExtra = json_object_get(pConn, "extra");
  const char *zHost = json_string_value(json_object_get(pConn, "host"));
  const char *zLogin = json_string_value(json_object_get(pConn, "login"));
  char zBoot[600];
  if(extra_get(pExtra, "bootstrap_servers")) {
    set_if_absent(pOpts, "bootstrap_servers", extra_get(pExtra, "bootstrap_servers"));
  } else if(zHost && *zHost) {
    json_t *pPort = json_object_get(pConn, "port");
    snprintf(zBoot, sizeof(zBoot), "%s:%lld", zHost, json_is_integer(pPort) ? (long long)json_integer_value(pPort) : 9092LL);
    set_if_absent(pOpts, "bootstrap_servers", zBoot);
  }
  set_if_absent(pOpts, "sasl_username", zLogin);
  set_if_absent(pOpts, "sasl_password", json_string_value(json_object_get(pConn, "password")));
  static const char *const azTls[] = {"ssl_ca_location", "ssl_certificate_location", "ssl_key_location",
                                      "security_protocol", "sasl_mechanism", NULL};
  for(int i = 0; azTls[i]; i++) set_if_absent(pOpts, azTls[i], extra_get(pExtra, azTls[i]));
  if(zLogin && *zLogin) {
    set_if_absent(pOpts, "security_protocol", json_object_get(pOpts, "ssl_ca_location") ? "SASL_SSL" : "SASL_PLAINTEXT");
    set_if_absent(pOpts, "sasl_mechanism", "PLAIN");
  }
}

/* xRun is NULL: the body (runner_publish_kafka, in
 * providers/kafka/run_publish_kafka.c) runs in airc-task, see
 * executor/task_types.def. */
const task_type task_type_publish_kafka = {
    .schema = {.zName = TYPE, .azKeys = g_azKeys, .azRequired = NULL, .xValidate = publish_kafka_validate},
    .xRun = NULL,
    .xConnOptions = publish_kafka_conn,
};
