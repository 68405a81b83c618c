/* json_out.h: a streaming JSON writer for the API's hot lists.
 *
 * Writes JSON text straight into a capped dynbuf instead of building a
 * jansson tree and dumping it: a list of 100 runs costs a few small
 * appends per field, no allocation per value. The text is byte for byte
 * what json_dumps(..., JSON_COMPACT | JSON_PRESERVE_ORDER) prints for the
 * same values (tests/unit/test_json_out.c compares the two), so handlers
 * can move to it without changing a reply. Not a general encoder: the
 * caller writes the punctuation (`{`, `"key":`, `,`) itself with
 * json_out_lit(); this file only escapes strings, prints integers and
 * times, and splices stored JSON documents.
 *
 * Errors are sticky: the first failed append (cap reached, no memory) is
 * kept in p->rc and later calls do nothing; check p->rc once at the end. */
#ifndef AIRC_JSON_OUT_H
#define AIRC_JSON_OUT_H
#include <stddef.h>
#include <stdint.h>
#include "common/dynbuf.h"

typedef struct json_out {
  dynbuf b;          /* the text so far */
  airc_rc rc;        /* first failure, AIRC_OK while all appends succeeded */
  int64_t dayCache;  /* day number (since 1970) whose date is in zDay; INT64_MIN none */
  char zDay[16];     /* "YYYY-MM-DDT" of dayCache */
} json_out;

/* Starts an empty text of at most nMax bytes. */
void json_out_init(json_out *p, size_t nMax);
/* Makes room for about n bytes at once (see dynbuf_reserve); a failure
 * is kept in p->rc. */
void json_out_reserve(json_out *p, size_t n);
/* Releases the text (after json_out_take, a no-op). */
void json_out_free(json_out *p);
/* The text (malloc'd, caller frees) and its length; NULL when p->rc is set
 * or nothing was written. The writer is empty afterwards. */
char *json_out_take(json_out *p, size_t *pnOut);

/* n bytes of already-valid JSON text (punctuation, keys, spliced values). */
void json_out_raw(json_out *p, const char *z, size_t n);
#define json_out_lit(p, LIT) json_out_raw((p), (LIT), sizeof(LIT) - 1)
/* A JSON string of z, escaped as jansson does (RFC 8259: `"`, `\`, control
 * characters; UTF-8 passes through). NULL writes null; text that is not
 * valid UTF-8 writes "(not UTF-8)" (api_text's rule). */
void json_out_str(json_out *p, const char *z);
/* A JSON integer. */
void json_out_int(json_out *p, int64_t v);
/* A time in microseconds as the API's ISO 8601 string, the text of
 * airc_time_format_api() in quotes. */
void json_out_time_us(json_out *p, int64_t us);
/* A stored JSON document that must be an object (a run's conf): text that
 * is already in the compact form jansson would print is copied as is;
 * other text is parsed and re-printed with jansson; NULL, unparseable text
 * and non-objects write {}. */
void json_out_object_text(json_out *p, const char *z);

/* 1 when z is a JSON object in exactly the compact form that json_loads +
 * json_dumps(JSON_COMPACT | JSON_PRESERVE_ORDER) gives back unchanged
 * (conservative: 0 also for some texts that would round-trip, such as
 * reals or deep nesting). Exposed for the unit test. */
int json_out_is_canonical_object(const char *z);

#endif
