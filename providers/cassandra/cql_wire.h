/* cql_wire.h: encoding and decoding of CQL native protocol v4 frames.
 *
 * Pure functions over byte buffers, no sockets (cql.c does the I/O), so
 * that every decoder is unit-tested on hand-built frames and fuzzed. Only
 * what a validator needs: STARTUP, AUTH_RESPONSE and QUERY requests; READY,
 * AUTHENTICATE, AUTH_CHALLENGE, AUTH_SUCCESS, ERROR and RESULT responses
 * (kinds Void, Rows, Set_keyspace, Schema_change; Prepared is accepted and
 * ignored). No compression, no PREPARE/EXECUTE, no BATCH.
 *
 * Decoders never trust a length from the wire: each is checked against the
 * bytes actually present and the frame cap before use, nested type options
 * are depth-limited, and a bad frame is an AIRC_ERR_PARSE (or TOOBIG) with a
 * one-line reason, never a crash. Spec: Apache Cassandra
 * doc/native_protocol_v4.spec. */
#ifndef AIRC_CQL_WIRE_H
#define AIRC_CQL_WIRE_H
#include <stddef.h>
#include <stdint.h>
#include "common/dynbuf.h"
#include "common/err.h"

#define CQL_HEADER_LEN 9
#define CQL_VERSION_REQUEST 0x04
#define CQL_VERSION_RESPONSE 0x84
#define CQL_MAX_FRAME_DEFAULT (64u * 1024 * 1024)  /* body cap */
#define CQL_TYPE_DEPTH_MAX 16

enum cql_opcode {
  CQL_OP_ERROR = 0x00, CQL_OP_STARTUP = 0x01, CQL_OP_READY = 0x02, CQL_OP_AUTHENTICATE = 0x03,
  CQL_OP_OPTIONS = 0x05, CQL_OP_SUPPORTED = 0x06, CQL_OP_QUERY = 0x07, CQL_OP_RESULT = 0x08,
  CQL_OP_EVENT = 0x0C, CQL_OP_AUTH_CHALLENGE = 0x0E, CQL_OP_AUTH_RESPONSE = 0x0F,
  CQL_OP_AUTH_SUCCESS = 0x10
};

enum cql_flag {
  CQL_FLAG_COMPRESSION = 0x01, CQL_FLAG_TRACING = 0x02, CQL_FLAG_CUSTOM_PAYLOAD = 0x04,
  CQL_FLAG_WARNING = 0x08
};

enum cql_consistency {
  CQL_ANY = 0x0000, CQL_ONE = 0x0001, CQL_TWO = 0x0002, CQL_THREE = 0x0003, CQL_QUORUM = 0x0004,
  CQL_ALL = 0x0005, CQL_LOCAL_QUORUM = 0x0006, CQL_EACH_QUORUM = 0x0007, CQL_SERIAL = 0x0008,
  CQL_LOCAL_SERIAL = 0x0009, CQL_LOCAL_ONE = 0x000A
};

enum cql_result_kind {
  CQL_RESULT_VOID = 1, CQL_RESULT_ROWS = 2, CQL_RESULT_SET_KEYSPACE = 3,
  CQL_RESULT_PREPARED = 4, CQL_RESULT_SCHEMA_CHANGE = 5
};

enum cql_type {
  CQL_TYPE_CUSTOM = 0x00, CQL_TYPE_ASCII = 0x01, CQL_TYPE_BIGINT = 0x02, CQL_TYPE_BLOB = 0x03,
  CQL_TYPE_BOOLEAN = 0x04, CQL_TYPE_COUNTER = 0x05, CQL_TYPE_DECIMAL = 0x06,
  CQL_TYPE_DOUBLE = 0x07, CQL_TYPE_FLOAT = 0x08, CQL_TYPE_INT = 0x09, CQL_TYPE_TIMESTAMP = 0x0B,
  CQL_TYPE_UUID = 0x0C, CQL_TYPE_VARCHAR = 0x0D, CQL_TYPE_VARINT = 0x0E,
  CQL_TYPE_TIMEUUID = 0x0F, CQL_TYPE_INET = 0x10, CQL_TYPE_DATE = 0x11, CQL_TYPE_TIME = 0x12,
  CQL_TYPE_SMALLINT = 0x13, CQL_TYPE_TINYINT = 0x14, CQL_TYPE_LIST = 0x20, CQL_TYPE_MAP = 0x21,
  CQL_TYPE_SET = 0x22, CQL_TYPE_UDT = 0x30, CQL_TYPE_TUPLE = 0x31
};

/* A bound value, already serialized ([bytes] on the wire). n < 0 is null.
 * Borrowed. For text pass the UTF-8 bytes; for uuid the 16 raw bytes. */
typedef struct cql_value {
  const void *p;
  int32_t n;
} cql_value;

typedef struct cql_header {
  uint8_t version, flags, opcode;
  int16_t stream;
  uint32_t length;    /* body length */
} cql_header;

/* One cell of a Rows result: offset into the result's owned body; n < 0 = null. */
typedef struct cql_cell {
  uint32_t off;
  int32_t n;
} cql_cell;

/* A decoded RESULT (or other response). Owns all its memory. */
typedef struct cql_result {
  uint8_t opcode;          /* CQL_OP_* of the response */
  int16_t stream;
  int kind;                /* CQL_RESULT_* when opcode is RESULT */
  int nCol;
  char **azCol;            /* column names, NUL-terminated */
  uint16_t *aType;         /* top-level type id of each column */
  int nRow;
  cql_cell *aCell;         /* nRow * nCol, row-major */
  uint8_t *pBody;          /* copy of the frame body the cells point into */
  size_t nBody;
  const uint8_t *pPaging;  /* paging state (inside pBody) or NULL: more pages exist */
  int32_t nPaging;
  int32_t iErrCode;        /* ERROR frames */
  char zText[512];         /* ERROR message, AUTHENTICATE class, keyspace, or schema change */
} cql_result;

/* ---- requests: append one complete frame to pOut ---- */
AIRC_WUR airc_rc cql_encode_startup(dynbuf *pOut, int16_t stream);
/* SASL PLAIN token "\0user\0password". */
AIRC_WUR airc_rc cql_encode_auth_response(dynbuf *pOut, int16_t stream, const char *zUser,
                                          const char *zPassword);
/* QUERY with consistency, optional values (nVal > 0 sets flag 0x01), page size
 * (> 0 sets 0x04) and paging state (pPaging != NULL sets 0x08). */
AIRC_WUR airc_rc cql_encode_query(dynbuf *pOut, int16_t stream, const char *zCql,
                                  uint16_t consistency, const cql_value *aVal, int nVal,
                                  int32_t pageSize, const uint8_t *pPaging, int32_t nPaging);

/* ---- responses ---- */
/* Decodes the 9-byte header at p (n >= 9 needed). Fails on a request
 * version byte other than 0x84, on compression, and on length > nMax. */
AIRC_WUR airc_rc cql_header_decode(const uint8_t *p, size_t n, uint32_t nMax, cql_header *pOut,
                                   airc_err *pErr);
/* Decodes one complete response frame (header + body, n bytes exactly or
 * more). Fills *pOut (free with cql_result_free, also after failure). An
 * ERROR frame decodes successfully: opcode CQL_OP_ERROR, iErrCode, zText. */
AIRC_WUR airc_rc cql_frame_decode(const uint8_t *p, size_t n, uint32_t nMax, cql_result *pOut,
                                  airc_err *pErr);
/* Decodes the body of a response whose header is already known. */
AIRC_WUR airc_rc cql_body_decode(const cql_header *pHdr, const uint8_t *pBody, size_t nBody,
                                 cql_result *pOut, airc_err *pErr);
void cql_result_free(cql_result *p);

/* "Invalid (0x2200): unconfigured table users" into zOut. */
void cql_error_format(int32_t code, const char *zMsg, char *zOut, size_t nOut);
const char *cql_error_name(int32_t code);

/* ---- result access ---- */
/* Column index by name, or -1. */
int cql_result_column(const cql_result *p, const char *zName);
/* Appends the cell as text to pOut: text types as is, uuid in 8-4-4-4-12
 * form, integers in decimal, boolean true/false, timestamp as
 * "2026-01-01T00:00:00.000Z", anything else as "0x" + hex. *pbNull set to 1
 * (and nothing appended) for a null cell. */
AIRC_WUR airc_rc cql_result_cell_text(const cql_result *p, int iRow, int iCol, dynbuf *pOut,
                                      int *pbNull /* OUT */);

/* Parses "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" (hex, either case) into 16
 * bytes. Returns 0 on success, -1 if z is not exactly that form. */
int cql_uuid_parse(const char *z, uint8_t aOut[16]);
/* Lowercase 36-char form plus NUL into zOut (>= 37 bytes). */
void cql_uuid_format(const uint8_t a[16], char *zOut);

#endif
