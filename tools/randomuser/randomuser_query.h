/* randomuser_query.h: the query string of the randomuser-compatible test
 * server (GET /api/?results=&seed=&page=&nat=&inc=&exc=&gender=&format=&noinfo),
 * parsed and checked.
 *
 * Parsing is separate from HTTP (values come through a getter) so that it
 * can be unit-tested and fuzzed without a socket. Differences from the real
 * randomuser.me, on purpose: unknown nationalities, unknown inc/exc fields
 * and malformed numbers are errors (HTTP 400) instead of being ignored, so a
 * typo in a DAG shows up at once. Like the real API, results above 5000 are
 * clamped to 5000. */
#ifndef AIRC_RANDOMUSER_QUERY_H
#define AIRC_RANDOMUSER_QUERY_H
#include <stddef.h>
#include <stdint.h>
#include "common/rc.h"

#define RANDOMUSER_MAX_RESULTS 5000
#define RANDOMUSER_MAX_PAGE 1000000000LL
#define RANDOMUSER_SEED_MAX 64

/* Top-level fields of a user, in the API's order; bit i of a field mask is
 * randomuser_azField[i]. */
extern const char *const randomuser_azField[]; /* NULL-terminated, 12 names */
#define RANDOMUSER_ALL_FIELDS 0xfffu

typedef struct randomuser_query {
  int nResults;                         /* 1..RANDOMUSER_MAX_RESULTS */
  int64_t page;                         /* 1..RANDOMUSER_MAX_PAGE */
  char zSeed[RANDOMUSER_SEED_MAX + 1];  /* as given, or 16 random hex digits */
  uint32_t natMask;                     /* bit per randomuser_aNat index; 0 = any */
  uint32_t fieldMask;                   /* fields to include */
  int gender;                           /* 0 any, 1 male, 2 female */
  int bNoInfo;                          /* omit "info" */
} randomuser_query;

/* Returns the value of query parameter zKey, or NULL when absent. */
typedef const char *(*randomuser_getter)(void *pArg, const char *zKey);

/* Fills *pOut from the parameters. AIRC_ERR_INVALID with a one-line message
 * in zErr (e.g. "results must be a whole number, got 'abc'") for any value
 * it does not accept; AIRC_ERR_IO if a seed had to be generated and the
 * kernel's random source failed. */
AIRC_WUR airc_rc randomuser_query_parse(randomuser_getter xGet, void *pArg,
                                        randomuser_query *pOut /* OUT */, char *zErr, size_t nErr);

#endif
