/* response_cache.c: see response_cache.h. Thread-local: no locks. */
#include "webui/response_cache.h"
#include "webui/http_reply.h"
#include "common/config.h"
#include "common/dynbuf.h"
#include "store/store.h"
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct cache_slot {
  char *zKey;
  uint64_t version; /* store_change_counter() when the body was stored */
  char *zBody;
  size_t nBody;
  uint64_t lastUse;
} cache_slot;

static _Thread_local cache_slot g_aSlot[RESP_CACHE_SLOTS];
static _Thread_local uint64_t g_clock;

int resp_cache_wanted(const web_req *r) {
  static int bEnabled = -1; /* [webserver] response_cache, read once */
  if(bEnabled < 0) bEnabled = airc_config_get_bool("webserver", "response_cache", 1);
  if(!bEnabled || strcmp(r->zMethod, "GET")) return 0;
  if(strncmp(r->zPath, "/api/v1/dags", 12) && strcmp(r->zPath, "/api/v1/importErrors")) return 0;
  return strstr(r->zPath, "/logs/") == NULL;
}

typedef struct key_builder {
  dynbuf b;
  int bOverflow;
} key_builder;

/* Each part is written as "<length>:<bytes>" so that no decoded value can
 * imitate a separator: "?a=1%26b%3D2" and "?a=1&b=2" once shared the key
 * "&a=1&b=2" and got each other's answers. A missing value ("?a") is "-". */
static int key_part(dynbuf *b, const char *z) {
  if(!z) return dynbuf_printf(b, "-");
  return dynbuf_printf(b, "%zu:%s", strlen(z), z);
}

static int collect_arg(void *pCls, enum MHD_ValueKind kind, const char *zKey, const char *zVal) {
  (void)kind;
  key_builder *k = pCls;
  if(dynbuf_printf(&k->b, "&") || key_part(&k->b, zKey) || key_part(&k->b, zVal)) {
    k->bOverflow = 1;
    return MHD_NO;
  }
  return MHD_YES;
}

int resp_cache_try(web_req *r) {
  key_builder k = {{0}, 0};
  dynbuf_init(&k.b, 8192);
  if(key_part(&k.b, r->zMethod) || key_part(&k.b, r->zPath) || key_part(&k.b, web_role_name(r->user.role)))
    k.bOverflow = 1;
  if(!k.bOverflow)
    MHD_get_connection_values(r->pConn, MHD_GET_ARGUMENT_KIND, (MHD_KeyValueIterator)collect_arg, &k);
  if(k.bOverflow) {
    dynbuf_free(&k.b);
    return 0;
  }
  dynbuf key = k.b;
  uint64_t version = store_change_counter(r->s);
  if(!version) { /* the store cannot say: never reuse */
    dynbuf_free(&key);
    return 0;
  }
  for(int i = 0; i < RESP_CACHE_SLOTS; i++) {
    cache_slot *p = &g_aSlot[i];
    if(!p->zKey || strcmp(p->zKey, dynbuf_str(&key))) continue;
    if(p->version != version) break;
    p->lastUse = ++g_clock;
    dynbuf_free(&key);
    char *zCopy = malloc(p->nBody + 1);
    if(!zCopy) return 0;
    memcpy(zCopy, p->zBody, p->nBody + 1);
    http_reply_body(r, 200, "application/json", zCopy, p->nBody, NULL);
    return 1;
  }
  r->zCacheKey = dynbuf_take(&key);
  r->cacheVersion = version;
  return 0;
}

void resp_cache_store(web_req *r, const char *zBody, size_t nBody) {
  if(!r->zCacheKey || nBody > RESP_CACHE_MAX_BODY) return;
  cache_slot *pSlot = NULL;
  for(int i = 0; i < RESP_CACHE_SLOTS; i++) {
    cache_slot *p = &g_aSlot[i];
    if(p->zKey && !strcmp(p->zKey, r->zCacheKey)) {
      pSlot = p;
      break;
    }
    if(!pSlot || !p->zKey || (pSlot->zKey && p->lastUse < pSlot->lastUse)) pSlot = p;
  }
  char *zBodyCopy = malloc(nBody + 1);
  if(!zBodyCopy) return;
  memcpy(zBodyCopy, zBody, nBody);
  zBodyCopy[nBody] = 0;
  free(pSlot->zKey);
  free(pSlot->zBody);
  pSlot->zKey = r->zCacheKey;
  r->zCacheKey = NULL;
  pSlot->zBody = zBodyCopy;
  pSlot->nBody = nBody;
  pSlot->version = r->cacheVersion;
  pSlot->lastUse = ++g_clock;
}

void resp_cache_thread_free(void) {
  for(int i = 0; i < RESP_CACHE_SLOTS; i++) {
    free(g_aSlot[i].zKey);
    free(g_aSlot[i].zBody);
    memset(&g_aSlot[i], 0, sizeof(g_aSlot[i]));
  }
}
