/* kafka_record.h: the check publish-kafka runs on every line before it
 * sends anything: the line is one JSON object with a non-empty string "id"
 * (the message key).
 *
 * A validating scanner, not a parser: it builds nothing and allocates
 * nothing, so checking a line costs about one read of its bytes (jansson's
 * json_loadb(), which it replaces here, built and freed a tree per line and
 * was half the CPU of a publish). It accepts exactly RFC 8259 JSON text in
 * UTF-8, with jansson's decoder limits: an object or array at the top, no
 * "\u0000" in strings, no invalid UTF-8 or lone surrogates, nesting at most
 * KAFKA_RECORD_MAX_DEPTH. Unlike jansson it does not reject numbers outside
 * int64/double range (Spark's JSON reader, the consumer, accepts them), and
 * it refuses a raw NUL byte anywhere (jansson takes one right after a number
 * or literal for the end of the input and accepts "[7\0]"). When
 * the top-level object has "id" more than once, the last one counts (as in
 * jansson). */
#ifndef AIRC_KAFKA_RECORD_H
#define AIRC_KAFKA_RECORD_H
#include <stddef.h>
#include "common/err.h"

#define KAFKA_RECORD_MAX_DEPTH 2048   /* jansson's JSON_PARSER_MAX_DEPTH */

/* Validates one record line (n bytes, need not be NUL-terminated). On
 * success copies the decoded id, NUL-terminated, into zId (nId bytes).
 * Fails with AIRC_ERR_PARSE "not JSON: <why> (column C)" (C = 1-based byte
 * column), or AIRC_ERR_INVALID "record is not a JSON object", "record has no
 * string \"id\"", "record \"id\" is too long" (id of nId bytes or more).
 * The message has no file:line: the caller adds it. */
AIRC_WUR airc_rc kafka_record_check(const char *zLine, size_t n, char *zId /* OUT */, size_t nId,
                                    airc_err *pErr);

#endif
