/* expected_users.h: the expected side of the validate-* task types
 * (validate-cassandra, validate-postgres): the records of a JSON Lines file
 * (fetch-users' published file) held in memory by id, the state of each id
 * (missing, found, mismatched) as rows come back from a database, the
 * poll-until-deadline loop over the ids still missing, the verdict and the
 * task's XCom and exit code.
 *
 * Each record is a JSON object with a string "id" (a uuid, canonicalised by
 * the backend's rule); the columns compared are "id" then the other keys of
 * the first record, checked by the backend's identifier rule since they go
 * into statement text. A backend supplies one call that looks up a batch of
 * ids and reports each row with expected_users_claim()/_compare().
 *
 * Not for: talking to a database (providers/cassandra/, providers/postgres/),
 * records without an id, or more than EXPECTED_USERS_MAX_RECORDS of them. */
#ifndef AIRC_EXPECTED_USERS_H
#define AIRC_EXPECTED_USERS_H
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include "common/err.h"
#include "executor/task_type.h"

#define EXPECTED_USERS_MAX_RECORDS 10000000
#define EXPECTED_USERS_MAX_LINE (1024 * 1024)
#define EXPECTED_USERS_MAX_COLS 64
#define EXPECTED_USERS_MAX_BATCH 2000

typedef struct expected_users_result {
  int64_t nExpected, nFound, nMissing, nMismatched;
  int nChecks;               /* passes over the missing ids */
  char zFirstMissing[40];
  char zFirstMismatch[400];  /* "id ... field 'dob': expected '...' got '...'" */
  char zNote[300];           /* e.g. "table created_users does not exist" */
} expected_users_result;

/* How a backend names things. xIdCanon writes the canonical lowercase
 * 8-4-4-4-12 form of zId to zOut and returns 0, or returns nonzero when zId
 * is not a uuid; xColumnOk returns 1 for a field name that is safe unquoted
 * in the backend's statements, zColumnKind names that rule in the error
 * ("a CQL identifier"). */
typedef struct expected_users_rules {
  int (*xIdCanon)(const char *zId, char zOut[37]);
  int (*xColumnOk)(const char *zName);
  const char *zColumnKind;
} expected_users_rules;

typedef struct expected_users {
  const char *zInput;
  expected_users_result *pRes;
  json_t *pById;              /* canonical id -> {"i": index, "r": record} */
  char (*azId)[37];           /* canonical ids, in file order */
  uint8_t *aState;            /* EXPECTED_* below */
  int64_t nId, nAlloc;
  const char *azCol[EXPECTED_USERS_MAX_COLS]; /* "id", then the first record's keys */
  int nCol;
} expected_users;

enum { EXPECTED_MISSING = 0, EXPECTED_FOUND = 1, EXPECTED_MISMATCH = 2 };

/* Reads zInput (borrowed; kept in *p for messages) into *p, which the call
 * initialises; pRes (borrowed) is cleared and later receives the counts and
 * first missing/mismatch. A duplicate id is one expectation. Errors name
 * FILE:LINE: not JSON (AIRC_ERR_PARSE), no string "id", id not a uuid,
 * field name breaking the rule (AIRC_ERR_INVALID), too many records or
 * fields (AIRC_ERR_TOOBIG). Call expected_users_free() in every case. */
AIRC_WUR airc_rc expected_users_load(expected_users *p, const char *zInput, const expected_users_rules *pRules,
                                     expected_users_result *pRes, airc_err *pErr);

void expected_users_free(expected_users *p);

/* The index of the record whose canonical id is zCanon, marked found, or -1
 * when zCanon is not expected or was already seen (its columns must then not
 * be compared again). */
int64_t expected_users_claim(expected_users *p, const char *zCanon);

/* Compares column iCol (1..nCol-1) of record i with zGot (ignored when
 * bNull). Returns 1 when equal; else marks the record mismatched, keeps the
 * first mismatch's text in pRes and returns 0 (stop comparing that row).
 * Non-string JSON values compare as their compact JSON text. */
int expected_users_compare(expected_users *p, int64_t i, int iCol, const char *zGot, int bNull);

/* Looks up the ids aIdx[0..n) (indexes into azId), reporting each row with
 * claim/compare. Sets *pbNoTable and returns AIRC_OK when the table does not
 * exist yet; other failures set *pErr. */
typedef airc_rc (*expected_users_batch_fn)(void *pCtx, const int64_t *aIdx, int n, int *pbNoTable,
                                           airc_err *pErr);

typedef struct expected_users_check_opts {
  const char *zType;         /* "validate-postgres": the progress lines' prefix */
  const char *zTable;        /* as named in the notes and the final line */
  int64_t deadlineUs;        /* airc_now_us() clock: keep re-checking until then */
  int64_t pollMs;            /* sleep between passes (<= 0: 2 s), bounded by the deadline */
  int nBatch;                /* ids per call of xBatch: 1..EXPECTED_USERS_MAX_BATCH */
  FILE *pProgress;           /* progress lines; NULL = silent */
} expected_users_check_opts;

/* Passes over the ids still missing (xBatch per nBatch of them) until none
 * is missing or the deadline passed, then gives the verdict: AIRC_OK when
 * every record was found equal; AIRC_ERR_INVALID with "3 of 500 records
 * missing, 1 mismatched (first missing id ...; first mismatch id ... field
 * 'dob': expected '...' got '...')"; xBatch's error otherwise. With no
 * records, xBatch is never called. pRes is filled in every case but the
 * last. */
AIRC_WUR airc_rc expected_users_check(expected_users *p, const expected_users_check_opts *o,
                                      expected_users_batch_fn xBatch, void *pCtx, airc_err *pErr);

/* Ends a validate-* task body. rc is the options' result when !bRan, else
 * the check's. When the check ran to a verdict (AIRC_OK or
 * AIRC_ERR_INVALID), writes {"expected","found","missing","mismatched"} as
 * the XCom, also when it failed, so that the UI shows the counts. On error
 * prints one line (prefixed with zType when the check ran) to stderr.
 * Returns TASK_EXIT_SUCCESS or TASK_EXIT_FAILED. */
int expected_users_task_exit(const task_ctx *pCtx, const char *zType, airc_rc rc, int bRan,
                             const expected_users_result *pRes, airc_err *pErr);

#endif
