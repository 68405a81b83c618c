/* params.h: parsing query parameters (pure, unit-tested).
 *
 * Every list endpoint takes limit (default 100, at most 1000) and offset
 * (default 0); a value that is not a plain decimal number in range is a
 * 400, never silently clamped. Booleans accept true/false/1/0/yes/no. */
#ifndef AIRC_PARAMS_H
#define AIRC_PARAMS_H
#include <stdint.h>
#include "common/err.h"

#define PARAMS_LIMIT_DEFAULT 100
#define PARAMS_LIMIT_MAX 1000

typedef struct params_page {
  int64_t limit;
  int64_t offset;
} params_page;

/* zValue NULL: *pOut = iDefault. Otherwise digits only, iMin..iMax. */
AIRC_WUR airc_rc params_parse_int(const char *zName, const char *zValue, int64_t iMin, int64_t iMax,
                                  int64_t iDefault, int64_t *pOut /* OUT */, airc_err *pErr);
/* zValue NULL: *pOut = bDefault (which may be -1 for "not given"). */
AIRC_WUR airc_rc params_parse_bool(const char *zName, const char *zValue, int bDefault,
                                   int *pOut /* OUT */, airc_err *pErr);
/* limit and offset; nMaxLimit 0 means PARAMS_LIMIT_MAX. */
AIRC_WUR airc_rc params_parse_page(const char *zLimit, const char *zOffset, int64_t nDefault,
                                   int64_t nMaxLimit, params_page *pOut /* OUT */, airc_err *pErr);

#endif
