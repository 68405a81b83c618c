/* fetch_users.h: the fetch + transform loop of the fetch-users task type,
 * on its own so that a benchmark can drive it without a task process.
 *
 * Requests page, page+1, ... of opts->nResults users each (always the same
 * page size, so that a seed's pages line up with what the API serves),
 * turns each user into a pipeline record (user_record.h) and writes it as
 * one compact JSON line to pOut, stopping after opts->nCount records.
 * Users the transform rejects are counted and logged ("user 17: field
 * 'name.first' missing"), not fatal; a page whose users are all rejected
 * is, so that a broken API cannot keep the loop going forever.
 *
 * Each user is written once per run: one the run has already written (same
 * key, user_record_key(): its login.uuid, which is its record id) is
 * skipped and counted in nDuplicates, and opts->nCount counts distinct
 * users. The set of keys is capped at nCount (at most ~43 bytes a user).
 * Three pages in a row that bring no new user fail the run. 
 *
 * HTTP: retries (opts->nRetries) on connection errors, timeouts, 429 and
 * 5xx, waiting opts->backoffMs doubling each time, or Retry-After when a 429
 * or 503 carries one, never longer than opts->maxBackoffMs. Any other
 * non-200 status, a body over opts->nMaxBody, or a response that is not a
 * JSON object with a "results" array fails at once with a one-line message
 * naming the URL. */
#ifndef AIRC_FETCH_USERS_H
#define AIRC_FETCH_USERS_H
#include <stdint.h>
#include <stdio.h>
#include "common/err.h"
#include "providers/fetch_users/fetch_users_opts.h"

typedef struct fetch_users_stats {
  int64_t nRecords;   /* lines written */
  int64_t nRejected;  /* users refused by the transform */
  int64_t nDuplicates; /* users skipped because already written this run */
  int64_t nRequests;  /* HTTP requests made, retries included */
  int64_t nRetries;
  int64_t lastPage;   /* last page fetched */
} fetch_users_stats;

/* Runs the loop. pOut receives the JSON Lines; pLog (may be NULL) receives
 * progress lines ("fetched 500/1000 users (page 5)"), retry notices and
 * rejection reasons. The caller has called curl_global_init(). *pStats is
 * filled even on failure. */
AIRC_WUR airc_rc fetch_users_run(const fetch_users_opts *pOpts, FILE *pOut, FILE *pLog,
                                 fetch_users_stats *pStats /* OUT */, airc_err *pErr);

#endif
