/* test_cql.c: the CQL v4 codec (cql_wire.c) on hand-built byte vectors, its
 * behaviour on truncated and hostile frames, a replay of the fuzz corpus,
 * and the client (cql.c) against a unit-level fake server (handshake with
 * login, query, server error, refused connection, read timeout). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common/timeutil.h"
#include "providers/cassandra/cql.h"
#include "providers/cassandra/cql_wire.h"
#include "tests/unit/cql_fake_server.h"
/* the fuzz target itself, so the corpus replay runs the same code */
#include "tests/fuzz/fuzz_cql_decode.c"

#define CORPUS_DIR "tests/fuzz/corpus/cql_decode"

/* ---- encoding: compare with literal byte vectors ---- */

static void test_encode_startup(void **state) {
  (void)state;
  static const uint8_t want[] = {
      0x04, 0x00, 0x00, 0x07, 0x01, 0x00, 0x00, 0x00, 0x16,  /* v4, stream 7, STARTUP, 22 */
      0x00, 0x01,                                             /* map of 1 */
      0x00, 0x0b, 'C', 'Q', 'L', '_', 'V', 'E', 'R', 'S', 'I', 'O', 'N',
      0x00, 0x05, '3', '.', '0', '.', '0'};
  dynbuf b;
  dynbuf_init(&b, 1024);
  assert_int_equal(cql_encode_startup(&b, 7), AIRC_OK);
  assert_int_equal(b.n, sizeof(want));
  assert_memory_equal(b.z, want, sizeof(want));
  dynbuf_free(&b);
}

static void test_encode_auth_response(void **state) {
  (void)state;
  static const uint8_t want[] = {0x04, 0x00, 0x00, 0x01, 0x0f, 0x00, 0x00, 0x00, 0x0c,
                                 0x00, 0x00, 0x00, 0x08, 0x00, 'u', 's', 'r', 0x00, 'p', 'w', 'd'};
  dynbuf b;
  dynbuf_init(&b, 1024);
  assert_int_equal(cql_encode_auth_response(&b, 1, "usr", "pwd"), AIRC_OK);
  assert_int_equal(b.n, sizeof(want));
  assert_memory_equal(b.z, want, sizeof(want));
  dynbuf_free(&b);
}

static void test_encode_query_plain(void **state) {
  (void)state;
  static const uint8_t want[] = {0x04, 0x00, 0x00, 0x02, 0x07, 0x00, 0x00, 0x00, 0x0f,
                                 0x00, 0x00, 0x00, 0x08, 'S', 'E', 'L', 'E', 'C', 'T', ' ', '1',
                                 0x00, 0x01,  /* ONE */
                                 0x00};       /* no flags */
  dynbuf b;
  dynbuf_init(&b, 1024);
  assert_int_equal(cql_encode_query(&b, 2, "SELECT 1", CQL_ONE, NULL, 0, 0, NULL, 0), AIRC_OK);
  assert_int_equal(b.n, sizeof(want));
  assert_memory_equal(b.z, want, sizeof(want));
  dynbuf_free(&b);
}

static void test_encode_query_values_paging(void **state) {
  (void)state;
  static const uint8_t want[] = {
      0x04, 0x00, 0x00, 0x03, 0x07, 0x00, 0x00, 0x00, 0x20,
      0x00, 0x00, 0x00, 0x03, 'Q', ' ', '?',
      0x00, 0x0a,                          /* LOCAL_ONE */
      0x0d,                                /* values | page_size | paging_state */
      0x00, 0x02,                          /* 2 values */
      0x00, 0x00, 0x00, 0x02, 'a', 'b',    /* "ab" */
      0xff, 0xff, 0xff, 0xff,              /* null */
      0x00, 0x00, 0x00, 0x64,              /* page size 100 */
      0x00, 0x00, 0x00, 0x02, 0xde, 0xad}; /* paging state */
  static const uint8_t aPaging[] = {0xde, 0xad};
  cql_value aVal[2] = {{"ab", 2}, {NULL, -1}};
  dynbuf b;
  dynbuf_init(&b, 1024);
  assert_int_equal(cql_encode_query(&b, 3, "Q ?", CQL_LOCAL_ONE, aVal, 2, 100, aPaging, 2), AIRC_OK);
  assert_int_equal(b.n, sizeof(want));
  assert_memory_equal(b.z, want, sizeof(want));
  dynbuf_free(&b);
}

static void test_encode_respects_cap(void **state) {
  (void)state;
  dynbuf b;
  dynbuf_init(&b, 16);
  assert_int_equal(cql_encode_startup(&b, 0), AIRC_ERR_TOOBIG);
  dynbuf_free(&b);
}

/* ---- decoding ---- */

static void test_decode_ready_and_error(void **state) {
  (void)state;
  static const uint8_t ready[] = {0x84, 0x00, 0x00, 0x05, 0x02, 0x00, 0x00, 0x00, 0x00};
  static const uint8_t error[] = {0x84, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0d,
                                  0x00, 0x00, 0x22, 0x00, 0x00, 0x07,
                                  'n', 'o', ' ', 't', 'a', 'b', 'l'};
  cql_result r;
  airc_err e = {0};
  assert_int_equal(cql_frame_decode(ready, sizeof(ready), 1024, &r, &e), AIRC_OK);
  assert_int_equal(r.opcode, CQL_OP_READY);
  assert_int_equal(r.stream, 5);
  cql_result_free(&r);
  assert_int_equal(cql_frame_decode(error, sizeof(error), 1024, &r, &e), AIRC_OK);
  assert_int_equal(r.opcode, CQL_OP_ERROR);
  assert_int_equal(r.iErrCode, 0x2200);
  assert_string_equal(r.zText, "no tabl");
  char z[200];
  cql_error_format(r.iErrCode, r.zText, z, sizeof(z));
  assert_string_equal(z, "Invalid (0x2200): no tabl");
  cql_result_free(&r);
}

static const uint8_t g_aUuid[16] = {0x6f, 0x1c, 0x2b, 0x1e, 0x8a, 0x4b, 0x4c, 0x1e,
                                    0x9d, 0x2f, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab};

/* A RESULT Rows frame: 7 columns of assorted types, a full row and a null row. */
static void build_rows_frame(dynbuf *pFrame) {
  static const char *const azName[] = {"id", "first_name", "n", "big", "ok", "ts", "other"};
  static const uint16_t aType[] = {CQL_TYPE_UUID, CQL_TYPE_VARCHAR, CQL_TYPE_INT, CQL_TYPE_BIGINT,
                                   CQL_TYPE_BOOLEAN, CQL_TYPE_TIMESTAMP, CQL_TYPE_BLOB};
  dynbuf b;
  dynbuf_init(&b, 1 << 20);
  bb_rows_header(&b, 7, azName, aType);
  bb_i32(&b, 2);
  bb_bytes(&b, g_aUuid, 16);
  bb_bytes(&b, "Zo\xc3\xab \xe6\x97\xa5\xe6\x9c\xac", 11);   /* "Zoë 日本" */
  bb_i32(&b, 4); bb_i32(&b, -7);
  bb_i32(&b, 8); bb_i64(&b, 1099511627776LL);
  bb_i32(&b, 1); bb_u8(&b, 1);
  bb_i32(&b, 8); bb_i64(&b, 1767225600123LL);               /* 2026-01-01T00:00:00.123Z */
  bb_bytes(&b, "\xde\xad", 2);
  for(int i = 0; i < 7; i++) bb_i32(&b, -1);
  bb_frame(pFrame, 0, 9, CQL_OP_RESULT, &b);
  dynbuf_free(&b);
}

static void assert_cell(const cql_result *r, int iRow, int iCol, const char *zWant) {
  dynbuf b;
  int bNull;
  dynbuf_init(&b, 1024);
  assert_int_equal(cql_result_cell_text(r, iRow, iCol, &b, &bNull), AIRC_OK);
  if(!zWant) assert_true(bNull);
  else { assert_false(bNull); assert_string_equal(dynbuf_str(&b), zWant); }
  dynbuf_free(&b);
}

/* Timestamps at and near the int64 limits: no overflow converting ms to
 * seconds (UBSan aborts on one in the SAN=1 build); out of years 1..9999
 * they are shown as raw hex, inside as ISO 8601 with milliseconds. */
static void test_timestamp_limits(void **state) {
  (void)state;
  static const char *const azName[] = {"ts"};
  static const uint16_t aType[] = {CQL_TYPE_TIMESTAMP};
  static const struct {
    int64_t ms;
    const char *zWant;
  } aCase[] = {
      {INT64_MIN, "0x8000000000000000"},
      {INT64_MIN + 1, "0x8000000000000001"},
      {INT64_MIN + 998, "0x80000000000003e6"},
      {INT64_MAX, "0x7fffffffffffffff"},
      {-1, "1969-12-31T23:59:59.999Z"},
      {-1001, "1969-12-31T23:59:58.999Z"},
      {0, "1970-01-01T00:00:00.000Z"},
      {253402300799999LL, "9999-12-31T23:59:59.999Z"},
      {253402300800000LL, "0x0000e677d21fdc00"},
      {-62135596800000LL, "0001-01-01T00:00:00.000Z"},
      {-62135596800001LL, "0xffffc77cedd327ff"},
  };
  int nCase = (int)(sizeof(aCase) / sizeof(aCase[0]));
  dynbuf b, f;
  dynbuf_init(&b, 1 << 16);
  dynbuf_init(&f, 1 << 16);
  bb_rows_header(&b, 1, azName, aType);
  bb_i32(&b, nCase);
  for(int i = 0; i < nCase; i++) {
    bb_i32(&b, 8);
    bb_i64(&b, aCase[i].ms);
  }
  bb_frame(&f, 0, 9, CQL_OP_RESULT, &b);
  cql_result r;
  airc_err e = {0};
  assert_int_equal(cql_frame_decode((uint8_t *)f.z, f.n, 1 << 16, &r, &e), AIRC_OK);
  assert_int_equal(r.nRow, nCase);
  for(int i = 0; i < nCase; i++) assert_cell(&r, i, 0, aCase[i].zWant);
  cql_result_free(&r);
  dynbuf_free(&b);
  dynbuf_free(&f);
}

static void test_decode_rows(void **state) {
  (void)state;
  dynbuf f;
  dynbuf_init(&f, 1 << 20);
  build_rows_frame(&f);
  cql_result r;
  airc_err e = {0};
  assert_int_equal(cql_frame_decode((uint8_t *)f.z, f.n, 1 << 20, &r, &e), AIRC_OK);
  assert_int_equal(r.kind, CQL_RESULT_ROWS);
  assert_int_equal(r.nCol, 7);
  assert_int_equal(r.nRow, 2);
  assert_string_equal(r.azCol[1], "first_name");
  assert_int_equal(cql_result_column(&r, "ts"), 5);
  assert_int_equal(cql_result_column(&r, "nope"), -1);
  assert_null(r.pPaging);
  assert_cell(&r, 0, 0, "6f1c2b1e-8a4b-4c1e-9d2f-0123456789ab");
  assert_cell(&r, 0, 1, "Zoë 日本");
  assert_cell(&r, 0, 2, "-7");
  assert_cell(&r, 0, 3, "1099511627776");
  assert_cell(&r, 0, 4, "true");
  assert_cell(&r, 0, 5, "2026-01-01T00:00:00.123Z");
  assert_cell(&r, 0, 6, "0xdead");
  for(int c = 0; c < 7; c++) assert_cell(&r, 1, c, NULL);
  dynbuf b;
  int bNull;
  dynbuf_init(&b, 64);
  assert_int_equal(cql_result_cell_text(&r, 2, 0, &b, &bNull), AIRC_ERR_INVALID);
  dynbuf_free(&b);
  cql_result_free(&r);
  dynbuf_free(&f);
}

static void test_decode_rows_paging_and_flags(void **state) {
  (void)state;
  dynbuf b, f;
  dynbuf_init(&b, 1 << 20);
  dynbuf_init(&f, 1 << 20);
  bb_u16(&b, 1); bb_string(&b, "a warning");        /* warning flag prefix */
  bb_i32(&b, 2); bb_i32(&b, 0x0002); bb_i32(&b, 1); /* Rows, Has_more_pages, 1 column */
  bb_bytes(&b, "PS", 2);
  bb_string(&b, "ks"); bb_string(&b, "t"); bb_string(&b, "n");
  bb_u16(&b, CQL_TYPE_LIST); bb_u16(&b, CQL_TYPE_INT); /* list<int>: shown as hex */
  bb_i32(&b, 1);
  bb_bytes(&b, "\x00\x00\x00\x00", 4);
  bb_frame(&f, CQL_FLAG_WARNING, 0, CQL_OP_RESULT, &b);
  cql_result r;
  airc_err e = {0};
  assert_int_equal(cql_frame_decode((uint8_t *)f.z, f.n, 1 << 20, &r, &e), AIRC_OK);
  assert_int_equal(r.nPaging, 2);
  assert_memory_equal(r.pPaging, "PS", 2);
  assert_int_equal(r.aType[0], CQL_TYPE_LIST);
  assert_cell(&r, 0, 0, "0x00000000");
  cql_result_free(&r);
  dynbuf_free(&b);
  dynbuf_free(&f);
}

static void test_decode_other_results(void **state) {
  (void)state;
  dynbuf b, f;
  cql_result r;
  airc_err e = {0};
  dynbuf_init(&b, 1024);
  dynbuf_init(&f, 1024);
  bb_i32(&b, 5); bb_string(&b, "CREATED"); bb_string(&b, "TABLE");
  bb_string(&b, "spark_streams"); bb_string(&b, "created_users");
  bb_frame(&f, 0, 0, CQL_OP_RESULT, &b);
  assert_int_equal(cql_frame_decode((uint8_t *)f.z, f.n, 1024, &r, &e), AIRC_OK);
  assert_int_equal(r.kind, CQL_RESULT_SCHEMA_CHANGE);
  assert_string_equal(r.zText, "CREATED TABLE spark_streams.created_users");
  cql_result_free(&r);
  dynbuf_reset(&b); dynbuf_reset(&f);
  bb_i32(&b, 3); bb_string(&b, "spark_streams");
  bb_frame(&f, 0, 0, CQL_OP_RESULT, &b);
  assert_int_equal(cql_frame_decode((uint8_t *)f.z, f.n, 1024, &r, &e), AIRC_OK);
  assert_int_equal(r.kind, CQL_RESULT_SET_KEYSPACE);
  assert_string_equal(r.zText, "spark_streams");
  cql_result_free(&r);
  dynbuf_reset(&b); dynbuf_reset(&f);
  bb_i32(&b, 99);
  bb_frame(&f, 0, 0, CQL_OP_RESULT, &b);
  assert_int_equal(cql_frame_decode((uint8_t *)f.z, f.n, 1024, &r, &e), AIRC_ERR_PARSE);
  assert_string_equal(e.zMsg, "RESULT of unknown kind 99");
  cql_result_free(&r);
  dynbuf_free(&b);
  dynbuf_free(&f);
}

/* Every prefix of a valid Rows frame, with the header length patched to
 * match, must fail cleanly (the decoder meets the end mid-field). */
static void test_decode_every_truncation_fails(void **state) {
  (void)state;
  dynbuf f;
  dynbuf_init(&f, 1 << 20);
  build_rows_frame(&f);
  for(size_t n = 0; n < f.n; n++) {
    uint8_t *p = malloc(n ? n : 1);
    memcpy(p, f.z, n);
    if(n >= CQL_HEADER_LEN) {
      uint32_t nBody = (uint32_t)(n - CQL_HEADER_LEN);
      p[5] = (uint8_t)(nBody >> 24); p[6] = (uint8_t)(nBody >> 16);
      p[7] = (uint8_t)(nBody >> 8); p[8] = (uint8_t)nBody;
    }
    cql_result r;
    airc_err e = {0};
    assert_int_not_equal(cql_frame_decode(p, n, 1 << 20, &r, &e), AIRC_OK);
    assert_true(e.zMsg[0] != 0);
    cql_result_free(&r);
    /* and unpatched: header claims more than present */
    if(n >= CQL_HEADER_LEN) {
      memcpy(p, f.z, CQL_HEADER_LEN);
      airc_err_clear(&e);
      assert_int_not_equal(cql_frame_decode(p, n, 1 << 20, &r, &e), AIRC_OK);
      cql_result_free(&r);
    }
    free(p);
  }
  dynbuf_free(&f);
}

static void test_decode_hostile(void **state) {
  (void)state;
  cql_result r;
  airc_err e = {0};
  /* length beyond the cap */
  static const uint8_t big[] = {0x84, 0, 0, 0, 0x08, 0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 1};
  assert_int_equal(cql_frame_decode(big, sizeof(big), 1 << 20, &r, &e), AIRC_ERR_TOOBIG);
  assert_string_equal(e.zMsg, "frame body of 2147483647 bytes exceeds the cap of 1048576");
  cql_result_free(&r);
  /* a request version byte, i.e. not a response */
  static const uint8_t req[] = {0x04, 0, 0, 0, 0x02, 0, 0, 0, 0};
  airc_err_clear(&e);
  assert_int_equal(cql_frame_decode(req, sizeof(req), 1024, &r, &e), AIRC_ERR_PARSE);
  cql_result_free(&r);
  /* compression flag */
  static const uint8_t comp[] = {0x84, 0x01, 0, 0, 0x02, 0, 0, 0, 0};
  airc_err_clear(&e);
  assert_int_equal(cql_frame_decode(comp, sizeof(comp), 1024, &r, &e), AIRC_ERR_PARSE);
  cql_result_free(&r);
  /* short header */
  airc_err_clear(&e);
  assert_int_equal(cql_frame_decode(req, 4, 1024, &r, &e), AIRC_ERR_PARSE);
  assert_string_equal(e.zMsg, "short frame header: 4 bytes");
  cql_result_free(&r);

  dynbuf b, f;
  dynbuf_init(&b, 1 << 20);
  dynbuf_init(&f, 1 << 20);
  /* negative column count */
  bb_i32(&b, 2); bb_i32(&b, 0); bb_i32(&b, -5);
  bb_frame(&f, 0, 0, CQL_OP_RESULT, &b);
  airc_err_clear(&e);
  assert_int_equal(cql_frame_decode((uint8_t *)f.z, f.n, 1 << 20, &r, &e), AIRC_ERR_PARSE);
  assert_string_equal(e.zMsg, "RESULT Rows: bad column count -5");
  cql_result_free(&r);
  /* row count far beyond the bytes present: no giant allocation, an error */
  static const char *const azN[] = {"id"};
  static const uint16_t aT[] = {CQL_TYPE_INT};
  dynbuf_reset(&b); dynbuf_reset(&f);
  bb_rows_header(&b, 1, azN, aT);
  bb_i32(&b, 0x7fffffff);
  bb_bytes(&b, "\0\0\0\1", 4);
  bb_frame(&f, 0, 0, CQL_OP_RESULT, &b);
  airc_err_clear(&e);
  assert_int_equal(cql_frame_decode((uint8_t *)f.z, f.n, 1 << 20, &r, &e), AIRC_ERR_PARSE);
  assert_non_null(strstr(e.zMsg, "row count 2147483647 does not fit"));
  cql_result_free(&r);
  /* cell length beyond the frame */
  dynbuf_reset(&b); dynbuf_reset(&f);
  bb_rows_header(&b, 1, azN, aT);
  bb_i32(&b, 1);
  bb_i32(&b, 1000); bb_i32(&b, 0);
  bb_frame(&f, 0, 0, CQL_OP_RESULT, &b);
  airc_err_clear(&e);
  assert_int_equal(cql_frame_decode((uint8_t *)f.z, f.n, 1 << 20, &r, &e), AIRC_ERR_PARSE);
  assert_non_null(strstr(e.zMsg, "truncated RESULT Rows content frame"));
  cql_result_free(&r);
  /* negative cell length other than -1: null, not a crash */
  dynbuf_reset(&b); dynbuf_reset(&f);
  bb_rows_header(&b, 1, azN, aT);
  bb_i32(&b, 1);
  bb_i32(&b, -77);
  bb_frame(&f, 0, 0, CQL_OP_RESULT, &b);
  airc_err_clear(&e);
  assert_int_equal(cql_frame_decode((uint8_t *)f.z, f.n, 1 << 20, &r, &e), AIRC_OK);
  assert_cell(&r, 0, 0, NULL);
  cql_result_free(&r);
  /* int cell of the wrong width: hex, not an over-read */
  dynbuf_reset(&b); dynbuf_reset(&f);
  bb_rows_header(&b, 1, azN, aT);
  bb_i32(&b, 1);
  bb_bytes(&b, "\x01", 1);
  bb_frame(&f, 0, 0, CQL_OP_RESULT, &b);
  assert_int_equal(cql_frame_decode((uint8_t *)f.z, f.n, 1 << 20, &r, &e), AIRC_OK);
  assert_cell(&r, 0, 0, "0x01");
  cql_result_free(&r);
  /* nested type option deeper than the limit */
  dynbuf_reset(&b); dynbuf_reset(&f);
  bb_i32(&b, 2); bb_i32(&b, 1); bb_i32(&b, 1);
  bb_string(&b, "ks"); bb_string(&b, "t"); bb_string(&b, "x");
  for(int i = 0; i < 40; i++) bb_u16(&b, CQL_TYPE_LIST);
  bb_u16(&b, CQL_TYPE_INT);
  bb_i32(&b, 0);
  bb_frame(&f, 0, 0, CQL_OP_RESULT, &b);
  airc_err_clear(&e);
  assert_int_equal(cql_frame_decode((uint8_t *)f.z, f.n, 1 << 20, &r, &e), AIRC_ERR_PARSE);
  cql_result_free(&r);
  dynbuf_free(&b);
  dynbuf_free(&f);
}

static void test_uuid_parse_format(void **state) {
  (void)state;
  uint8_t a[16];
  char z[37];
  assert_int_equal(cql_uuid_parse("6F1C2B1E-8a4b-4c1e-9d2f-0123456789ab", a), 0);
  assert_memory_equal(a, g_aUuid, 16);
  cql_uuid_format(a, z);
  assert_string_equal(z, "6f1c2b1e-8a4b-4c1e-9d2f-0123456789ab");
  assert_int_equal(cql_uuid_parse("6f1c2b1e-8a4b-4c1e-9d2f-0123456789a", a), -1);
  assert_int_equal(cql_uuid_parse("6f1c2b1e-8a4b-4c1e-9d2f-0123456789abc", a), -1);
  assert_int_equal(cql_uuid_parse("6f1c2b1e08a4b-4c1e-9d2f-0123456789ab", a), -1);
  assert_int_equal(cql_uuid_parse("6f1c2b1e-8a4b-4c1e-9d2f-0123456789a'", a), -1);
  assert_int_equal(cql_uuid_parse("", a), -1);
  uint16_t c;
  assert_int_equal(cql_consistency_parse("local_one", &c), 0);
  assert_int_equal(c, CQL_LOCAL_ONE);
  assert_int_equal(cql_consistency_parse("QUORUM", &c), 0);
  assert_int_equal(c, CQL_QUORUM);
  assert_int_equal(cql_consistency_parse("MOST", &c), -1);
}

/* ---- fuzz corpus replay ---- */

static void test_fuzz_corpus_replay(void **state) {
  (void)state;
  DIR *d = opendir(CORPUS_DIR);
  assert_non_null(d); /* run from the repository root, as make does */
  struct dirent *p;
  int n = 0;
  while((p = readdir(d)) != NULL) {
    if(p->d_name[0] == '.') continue;
    char zPath[512];
    snprintf(zPath, sizeof(zPath), "%s/%s", CORPUS_DIR, p->d_name);
    FILE *f = fopen(zPath, "rb");
    assert_non_null(f);
    static uint8_t a[1 << 20];
    size_t nData = fread(a, 1, sizeof(a), f);
    fclose(f);
    /* copy to an exact-size heap block so ASan sees any over-read */
    uint8_t *pExact = malloc(nData ? nData : 1);
    memcpy(pExact, a, nData);
    LLVMFuzzerTestOneInput(pExact, nData);
    free(pExact);
    n++;
  }
  closedir(d);
  assert_true(n >= 10);
}

/* ---- client against the fake server ---- */

typedef struct fake_script {
  int bAuth;           /* answer STARTUP with AUTHENTICATE */
  int bSilent;         /* never answer QUERY */
  char zToken[64];     /* the AUTH_RESPONSE token seen */
  size_t nToken;
  char zQuery[256];    /* last QUERY text */
  int nValues;         /* bound values of the last QUERY */
} fake_script;

static int fake_handler(void *pArg, uint8_t op, const uint8_t *pBody, size_t nBody, uint8_t *pOp,
                        dynbuf *pOut) {
  fake_script *s = pArg;
  if(op == CQL_OP_STARTUP) {
    if(s->bAuth) { *pOp = CQL_OP_AUTHENTICATE; bb_string(pOut, "org.apache.cassandra.auth.PasswordAuthenticator"); }
    else *pOp = CQL_OP_READY;
    return 0;
  }
  if(op == CQL_OP_AUTH_RESPONSE) {
    s->nToken = nBody - 4 < sizeof(s->zToken) ? nBody - 4 : sizeof(s->zToken);
    memcpy(s->zToken, pBody + 4, s->nToken);
    if(s->nToken == 8 && !memcmp(s->zToken, "\0usr\0pwd", 8)) {
      *pOp = CQL_OP_AUTH_SUCCESS;
      bb_i32(pOut, -1);
    } else {
      *pOp = CQL_OP_ERROR;
      bb_i32(pOut, 0x0100);
      bb_string(pOut, "Provided username usr and/or password are incorrect");
    }
    return 0;
  }
  if(op == CQL_OP_QUERY) {
    if(s->bSilent) return 1;
    uint32_t n = (uint32_t)pBody[0] << 24 | (uint32_t)pBody[1] << 16 | (uint32_t)pBody[2] << 8 | pBody[3];
    snprintf(s->zQuery, sizeof(s->zQuery), "%.*s", (int)n, pBody + 4);
    uint8_t flags = pBody[4 + n + 2];
    s->nValues = (flags & 1) ? (pBody[4 + n + 3] << 8 | pBody[4 + n + 4]) : 0;
    if(strstr(s->zQuery, "nosuch")) {
      *pOp = CQL_OP_ERROR;
      bb_i32(pOut, 0x2200);
      bb_string(pOut, "unconfigured table nosuch");
      return 0;
    }
    static const char *const azN[] = {"id", "v"};
    static const uint16_t aT[] = {CQL_TYPE_UUID, CQL_TYPE_VARCHAR};
    *pOp = CQL_OP_RESULT;
    bb_rows_header(pOut, 2, azN, aT);
    bb_i32(pOut, 1);
    bb_bytes(pOut, g_aUuid, 16);
    bb_bytes(pOut, "hello", 5);
    return 0;
  }
  return -1;
}

static void test_client_login_and_query(void **state) {
  (void)state;
  fake_script s = {.bAuth = 1};
  fake_cql f;
  assert_int_equal(fake_cql_start(&f, fake_handler, &s), 0);
  cql_conn_opts o = {.zHost = "127.0.0.1", .port = f.port, .zUser = "usr", .zPassword = "pwd"};
  cql_conn *c;
  airc_err e = {0};
  assert_int_equal(cql_connect(&o, &c, &e), AIRC_OK);
  assert_int_equal(s.nToken, 8);
  cql_result r;
  cql_value v = {g_aUuid, 16};
  assert_int_equal(cql_query(c, "SELECT id, v FROM ks.t WHERE id = ?", CQL_LOCAL_ONE, &v, 1, 100,
                             NULL, 0, &r, &e), AIRC_OK);
  assert_string_equal(s.zQuery, "SELECT id, v FROM ks.t WHERE id = ?");
  assert_int_equal(s.nValues, 1);
  assert_int_equal(r.nRow, 1);
  assert_cell(&r, 0, 0, "6f1c2b1e-8a4b-4c1e-9d2f-0123456789ab");
  assert_cell(&r, 0, 1, "hello");
  cql_result_free(&r);
  char zWant[200];
  assert_int_equal(cql_query(c, "SELECT * FROM nosuch", CQL_ONE, NULL, 0, 0, NULL, 0, &r, &e), AIRC_ERR_NET);
  snprintf(zWant, sizeof(zWant), "cassandra at 127.0.0.1:%d: Invalid (0x2200): unconfigured table nosuch", f.port);
  assert_string_equal(e.zMsg, zWant);
  cql_result_free(&r);
  cql_close(c);
  fake_cql_stop(&f);
}

static void test_client_bad_credentials_and_no_credentials(void **state) {
  (void)state;
  fake_script s = {.bAuth = 1};
  fake_cql f;
  assert_int_equal(fake_cql_start(&f, fake_handler, &s), 0);
  cql_conn_opts o = {.zHost = "127.0.0.1", .port = f.port, .zUser = "usr", .zPassword = "nope"};
  cql_conn *c;
  airc_err e = {0};
  assert_int_equal(cql_connect(&o, &c, &e), AIRC_ERR_INVALID);
  assert_null(c);
  assert_non_null(strstr(e.zMsg, "Bad credentials (0x0100): Provided username usr"));
  airc_err_clear(&e);
  o.zUser = NULL;
  assert_int_equal(cql_connect(&o, &c, &e), AIRC_ERR_INVALID);
  assert_non_null(strstr(e.zMsg, "server requires authentication"));
  fake_cql_stop(&f);
}

static void test_client_refused_and_timeout(void **state) {
  (void)state;
  /* refused: a port from a stopped fake server */
  fake_script s = {.bSilent = 1};
  fake_cql f;
  assert_int_equal(fake_cql_start(&f, fake_handler, &s), 0);
  int port = f.port;
  cql_conn_opts o = {.zHost = "127.0.0.1", .port = port, .readTimeoutMs = 300};
  cql_conn *c;
  airc_err e = {0};
  assert_int_equal(cql_connect(&o, &c, &e), AIRC_OK);
  cql_result r;
  int64_t t0 = airc_now_us();
  assert_int_equal(cql_query(c, "SELECT 1", CQL_ONE, NULL, 0, 0, NULL, 0, &r, &e), AIRC_ERR_TIMEOUT);
  assert_true(airc_now_us() - t0 < 2000000);
  assert_non_null(strstr(e.zMsg, "timed out waiting for a response"));
  cql_result_free(&r);
  cql_close(c);
  fake_cql_stop(&f);
  airc_err_clear(&e);
  assert_int_equal(cql_connect(&o, &c, &e), AIRC_ERR_NET);
  char zWant[200];
  snprintf(zWant, sizeof(zWant), "cassandra at 127.0.0.1:%d: connect: Connection refused", port);
  assert_string_equal(e.zMsg, zWant);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_encode_startup),
      cmocka_unit_test(test_encode_auth_response),
      cmocka_unit_test(test_encode_query_plain),
      cmocka_unit_test(test_encode_query_values_paging),
      cmocka_unit_test(test_encode_respects_cap),
      cmocka_unit_test(test_decode_ready_and_error),
      cmocka_unit_test(test_decode_rows), cmocka_unit_test(test_timestamp_limits),
      cmocka_unit_test(test_decode_rows_paging_and_flags),
      cmocka_unit_test(test_decode_other_results),
      cmocka_unit_test(test_decode_every_truncation_fails),
      cmocka_unit_test(test_decode_hostile),
      cmocka_unit_test(test_uuid_parse_format),
      cmocka_unit_test(test_fuzz_corpus_replay),
      cmocka_unit_test(test_client_login_and_query),
      cmocka_unit_test(test_client_bad_credentials_and_no_credentials),
      cmocka_unit_test(test_client_refused_and_timeout),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
