/* response_cache.h: recent GET replies of one worker thread, reused while
 * the store has not changed.
 *
 * A dashboard polls the same few URLs every couple of seconds from every
 * open tab, and scripts do the same; between two scheduler commits the
 * answers are identical. Each worker thread keeps the JSON bodies of its
 * last replies, keyed by method, path, every query argument and role
 * (each part length-prefixed, so different queries never share a key), with
 * the store's change counter at the time (store_change_counter(): it moves
 * whenever any connection commits, this one included). A reply is
 * reused only if the counter is unchanged, so no reply is ever staler than the
 * store. Only routes whose answer depends on the store alone are cached
 * (not logs, which are files; not health or metrics, which depend on the
 * clock). Bounded: RESP_CACHE_SLOTS entries, bodies up to RESP_CACHE_MAX_BODY. */
#ifndef AIRC_RESPONSE_CACHE_H
#define AIRC_RESPONSE_CACHE_H
#include "webui/web_req.h"

#define RESP_CACHE_SLOTS 32
#define RESP_CACHE_MAX_BODY (256 * 1024)

/* 1 if this request may be answered from or stored in the cache. */
int resp_cache_wanted(const web_req *r);
/* Answers r from the cache and returns 1 on a hit; 0 on a miss, after
 * arming r so that its 200 JSON reply is stored (http_reply_json). */
int resp_cache_try(web_req *r);
/* Called by the JSON reply path with the serialized body of an armed
 * request (copies it). */
void resp_cache_store(web_req *r, const char *zBody, size_t nBody);
/* Frees this thread's entries (at thread exit). */
void resp_cache_thread_free(void);

#endif
