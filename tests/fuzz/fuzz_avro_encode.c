/* fuzz_avro_encode.c: libFuzzer target for publish-kafka's Avro side: the
 * JSON -> Avro mapping (providers/kafka/kafka_avro.c) and the parsing of
 * schema registry answers (providers/kafka/kafka_registry.c), both fed
 * untrusted bytes (a record line, a registry's body).
 *
 * The first byte picks the part. Even: the rest is a record line, encoded
 * with a schema using every field type the mapping supports; an accepted
 * record must carry the header (magic 0, the codec's id) and decode back
 * with Avro C's reader using exactly the bytes written; a refused one must
 * come with a one-line message. Odd: the rest is a registry body, parsed as
 * the answer to a registration and to a compatibility change with the
 * status the byte names; a failure must be one line, a success must come
 * from a 200. Anything else aborts.
 *
 *   make build-fuzz/fuzz_avro_encode && build-fuzz/fuzz_avro_encode tests/fuzz/corpus/avro_encode
 *
 * tests/unit/test_kafka_avro.c #includes this file (FUZZ_NO_ENTRY) and
 * replays the corpus through fuzz_avro_encode_check() without clang. */
#include <avro.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "providers/kafka/kafka_avro.h"
#include "providers/kafka/kafka_registry.h"

static const char g_zSchema[] =
    "{\"type\":\"record\",\"name\":\"U\",\"fields\":["
    "{\"name\":\"id\",\"type\":\"string\"},"
    "{\"name\":\"n\",\"type\":\"int\",\"default\":3},"
    "{\"name\":\"l\",\"type\":[\"null\",\"long\"],\"default\":null},"
    "{\"name\":\"d\",\"type\":[\"double\",\"null\",\"boolean\"],\"default\":1.5},"
    "{\"name\":\"f\",\"type\":\"float\",\"default\":0},"
    "{\"name\":\"b\",\"type\":\"boolean\",\"default\":false},"
    "{\"name\":\"s\",\"type\":[\"string\",\"null\"]},"
    "{\"name\":\"z\",\"type\":\"null\"}]}";

static kafka_avro *g_pCodec;
static avro_schema_t g_pSchema;
static avro_value_iface_t *g_pIface;

static void fuzz_avro_check_encoded(const uint8_t *a, size_t n) {
  uint32_t id = 0;
  if(kafka_avro_header_read(a, n, &id) || id != 0xA1B2C3D4u) abort();
  avro_value_t v;
  if(avro_generic_value_new(g_pIface, &v)) abort();
  avro_reader_t r = avro_reader_memory((const char *)a + KAFKA_AVRO_HEADER_LEN, (int64_t)(n - KAFKA_AVRO_HEADER_LEN));
  if(avro_value_read(r, &v)) abort();
  /* every byte written is the record: nothing left over */
  char c;
  if(avro_read(r, &c, 1) == 0) abort();
  avro_reader_free(r);
  avro_value_decref(&v);
}

/* At exit, so that LeakSanitizer sees the codec's memory returned. */
static void fuzz_avro_free(void) {
  kafka_avro_free(g_pCodec);
  avro_value_iface_decref(g_pIface);
  avro_schema_decref(g_pSchema);
  g_pCodec = NULL;
  g_pIface = NULL;
  g_pSchema = NULL;
}

static void fuzz_avro_encode_check(const uint8_t *aData, size_t nData) {
  if(!g_pCodec) {
    airc_err e = {0};
    if(kafka_avro_open(g_zSchema, strlen(g_zSchema), "fuzz", &g_pCodec, &e)) abort();
    kafka_avro_set_id(g_pCodec, 0xA1B2C3D4u);
    if(avro_schema_from_json_length(g_zSchema, strlen(g_zSchema), &g_pSchema)) abort();
    g_pIface = avro_generic_class_from_schema(g_pSchema);
#ifndef FUZZ_NO_ENTRY
    atexit(fuzz_avro_free);
#endif
  }
  if(nData < 1) return;
  const char *z = (const char *)aData + 1;
  size_t n = nData - 1;
  airc_err e = {0};
  if(aData[0] % 2 == 0) {
    const uint8_t *pOut;
    size_t nOut;
    if(kafka_avro_encode_text(g_pCodec, z, n, &pOut, &nOut, &e) == AIRC_OK) fuzz_avro_check_encoded(pOut, nOut);
    else if(!e.zMsg[0] || strchr(e.zMsg, '\n')) abort();
    return;
  }
  static const long aStatus[] = {200, 409, 422, 404, 500};
  long status = aStatus[(aData[0] / 2) % 5];
  uint32_t id;
  airc_rc rc = kafka_registry_parse_register("s-value", "BACKWARD", status, z, n, &id, &e);
  if((rc == AIRC_OK && status != 200) || (rc && (!e.zMsg[0] || strchr(e.zMsg, '\n')))) abort();
  airc_err_clear(&e);
  rc = kafka_registry_parse_config("s-value", "BACKWARD", status, z, n, &e);
  if((rc == AIRC_OK && status != 200) || (rc && (!e.zMsg[0] || strchr(e.zMsg, '\n')))) abort();
}

#ifndef FUZZ_NO_ENTRY
int LLVMFuzzerTestOneInput(const uint8_t *aData, size_t nData);
int LLVMFuzzerTestOneInput(const uint8_t *aData, size_t nData) {
  fuzz_avro_encode_check(aData, nData);
  return 0;
}
#endif
