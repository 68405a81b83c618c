/* kafka_avro.h: one JSON record -> one Kafka value in Avro, Confluent wire
 * format, for publish-kafka's `format = avro`.
 *
 * The wire format (what Confluent's and Apicurio's serializers write):
 *   byte 0      magic, 0
 *   bytes 1-4   the schema's registry id, big-endian
 *   bytes 5-    the record in Avro binary encoding (Avro C, libavro)
 *
 * The mapping is by field name, one rule for every schema: each field of the
 * record schema takes the JSON key of the same name; a key that is absent or
 * JSON null takes the field's "default" when it has one, else null when the
 * field is a union with null, else the record is refused naming the field.
 * JSON keys the schema does not name are ignored. Field types publish-kafka
 * can fill from JSON: string, boolean, int, long, float, double, null, and a
 * union of null with one or more of them; a schema with any other field type
 * (record, array, map, enum, fixed, bytes) is refused when it is opened.
 *
 * Not for: reading Avro (the consumer is the Spark job) or talking to the
 * registry (kafka_registry.h). A codec is not thread-safe: one per thread. */
#ifndef AIRC_KAFKA_AVRO_H
#define AIRC_KAFKA_AVRO_H
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "common/err.h"

#define KAFKA_AVRO_HEADER_LEN 5
#define KAFKA_AVRO_MAGIC 0
#define KAFKA_AVRO_MAX_SCHEMA (1024 * 1024)
#define KAFKA_AVRO_MAX_VALUE (1024 * 1024)   /* Kafka's default message.max.bytes */

typedef struct kafka_avro kafka_avro;

/* Parses the record schema zJson (n bytes; zOrigin, e.g. the file's path,
 * names it in messages). On success *pp is a codec the caller frees with
 * kafka_avro_free(); its schema id is 0 until kafka_avro_set_id(). Fails
 * with AIRC_ERR_PARSE ("ORIGIN: not an Avro schema: ...") or
 * AIRC_ERR_INVALID ("ORIGIN: field 'x' has type map, ..."). */
AIRC_WUR airc_rc kafka_avro_open(const char *zJson, size_t n, const char *zOrigin, kafka_avro **pp /* OUT */,
                                 airc_err *pErr);

/* Reads the schema from the file zPath (capped at KAFKA_AVRO_MAX_SCHEMA)
 * and opens it as kafka_avro_open() does. */
AIRC_WUR airc_rc kafka_avro_open_file(const char *zPath, kafka_avro **pp /* OUT */, airc_err *pErr);

void kafka_avro_free(kafka_avro *p);

/* The text of schemas/user.avsc, built into the binary: the schema used
 * when a task names none. */
const char *kafka_avro_default_schema(void);

/* The schema as compact JSON, the text registered with the registry
 * (borrowed from p). */
const char *kafka_avro_schema_json(const kafka_avro *p);

/* The record's full name ("airc.users.User"), borrowed from p. */
const char *kafka_avro_schema_name(const kafka_avro *p);

void kafka_avro_set_id(kafka_avro *p, uint32_t id);

/* Encodes the JSON object pObj (borrowed) as header + Avro binary. *ppOut
 * points into a buffer owned by p, valid until the next encode call or
 * kafka_avro_free. Fails with AIRC_ERR_INVALID and a one-line reason naming
 * the field: "field 'email' missing (required by the schema, no default)",
 * "field 'email' has wrong type (integer), the schema wants string",
 * "record is not a JSON object"; AIRC_ERR_TOOBIG past KAFKA_AVRO_MAX_VALUE. */
AIRC_WUR airc_rc kafka_avro_encode(kafka_avro *p, json_t *pObj, const uint8_t **ppOut /* OUT */,
                                   size_t *pnOut /* OUT */, airc_err *pErr);

/* The same for one JSON text (n bytes): AIRC_ERR_PARSE when it is not JSON. */
AIRC_WUR airc_rc kafka_avro_encode_text(kafka_avro *p, const char *zJson, size_t n, const uint8_t **ppOut /* OUT */,
                                        size_t *pnOut /* OUT */, airc_err *pErr);

/* Writes the 5-byte header for schema id. */
void kafka_avro_header_write(uint8_t aOut[KAFKA_AVRO_HEADER_LEN], uint32_t id);

/* Reads the header of a wire-format value of n bytes: 0 with *pId set, or
 * -1 when it is shorter than the header or its magic byte is not 0. */
int kafka_avro_header_read(const uint8_t *a, size_t n, uint32_t *pId /* OUT */);

#endif
