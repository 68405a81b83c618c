/* randomuser_gen.h: deterministic fake users in randomuser.me 1.4's shape,
 * for the test server (tools/randomuser-server.c) and for tests.
 *
 * User number k of a seed (k = (page-1) * results + i) depends only on the
 * seed and k: the same seed, page and results always give the same users,
 * successive pages never repeat one, and "inc"/"exc" only hide fields (every
 * field is drawn in the same order whether shown or not). Ages are computed
 * against a fixed date (2024-06-01) instead of today so that output does
 * not change over time. Password hashes (md5/sha1/sha256) are random hex of
 * the right length, not real hashes of the password. No state outside the
 * arguments: safe to call from many threads at once. */
#ifndef AIRC_RANDOMUSER_GEN_H
#define AIRC_RANDOMUSER_GEN_H
#include <stdint.h>
#include <jansson.h>
#include "common/rc.h"
#include "tools/randomuser/randomuser_query.h"

/* 64-bit seed hash of a seed string (FNV-1a). */
uint64_t randomuser_gen_seed_hash(const char *zSeed);

/* User number k (0-based) for the seed hash, limited to the nationalities
 * in natMask (0 = any), gender 0/1/2 (any/male/female), showing the fields
 * in fieldMask. *ppOut is a new object the caller owns. AIRC_ERR_NOMEM on
 * allocation failure. */
AIRC_WUR airc_rc randomuser_gen_user(uint64_t seedHash, uint64_t k, uint32_t natMask, int gender,
                                     uint32_t fieldMask, json_t **ppOut /* OUT */);

/* The whole response for pQuery: {"results":[...],"info":{...}}. */
AIRC_WUR airc_rc randomuser_gen_response(const randomuser_query *pQuery, json_t **ppOut /* OUT */);

#endif
