/* throttle.c: see throttle.h. A small open-addressing table of key hashes. */
#include "webui/throttle.h"
#include <pthread.h>
#include <string.h>

#define THROTTLE_SLOTS 1024
#define THROTTLE_PROBE 16

typedef struct throttle_slot {
  uint64_t hash;       /* 0: empty */
  int nFail;
  int64_t firstUs;     /* first failure of the current window */
} throttle_slot;

static pthread_mutex_t g_mutex = PTHREAD_MUTEX_INITIALIZER;
static throttle_slot g_aSlot[THROTTLE_SLOTS];
static int g_nMax = 5;
static int64_t g_windowUs = 300LL * 1000000;

void throttle_configure(int nMaxFailures, int64_t windowSec) {
  pthread_mutex_lock(&g_mutex);
  g_nMax = nMaxFailures > 0 ? nMaxFailures : 5;
  g_windowUs = (windowSec > 0 ? windowSec : 300) * 1000000;
  pthread_mutex_unlock(&g_mutex);
}

static uint64_t key_hash(const char *z) {
  uint64_t h = 1469598103934665603ULL; /* FNV-1a */
  for(; *z; z++) h = (h ^ (unsigned char)*z) * 1099511628211ULL;
  return h ? h : 1;
}

/* The slot of h, or NULL; with bCreate, a free or the oldest probed slot. */
static throttle_slot *find_slot(uint64_t h, int bCreate) {
  throttle_slot *pOld = NULL;
  for(int i = 0; i < THROTTLE_PROBE; i++) {
    throttle_slot *p = &g_aSlot[(h + (uint64_t)i) % THROTTLE_SLOTS];
    if(p->hash == h) return p;
    if(!bCreate) continue;
    if(p->hash == 0) {
      if(!pOld || pOld->hash) pOld = p;
    } else if(!pOld || (pOld->hash && p->firstUs < pOld->firstUs)) {
      pOld = p;
    }
  }
  if(!bCreate) return NULL;
  memset(pOld, 0, sizeof(*pOld));
  pOld->hash = h;
  return pOld;
}

int64_t throttle_wait(const char *zKey, int64_t nowUs) {
  int64_t wait = 0;
  pthread_mutex_lock(&g_mutex);
  throttle_slot *p = find_slot(key_hash(zKey), 0);
  if(p && p->nFail >= g_nMax && nowUs < p->firstUs + g_windowUs)
    wait = (p->firstUs + g_windowUs - nowUs + 999999) / 1000000;
  pthread_mutex_unlock(&g_mutex);
  return wait;
}

void throttle_fail(const char *zKey, int64_t nowUs) {
  pthread_mutex_lock(&g_mutex);
  throttle_slot *p = find_slot(key_hash(zKey), 1);
  if(p->nFail == 0 || nowUs >= p->firstUs + g_windowUs) {
    p->nFail = 0;
    p->firstUs = nowUs;
  }
  p->nFail++;
  pthread_mutex_unlock(&g_mutex);
}

void throttle_clear(const char *zKey) {
  pthread_mutex_lock(&g_mutex);
  throttle_slot *p = find_slot(key_hash(zKey), 0);
  if(p) memset(p, 0, sizeof(*p));
  pthread_mutex_unlock(&g_mutex);
}

void throttle_reset_all(void) {
  pthread_mutex_lock(&g_mutex);
  memset(g_aSlot, 0, sizeof(g_aSlot));
  pthread_mutex_unlock(&g_mutex);
}
