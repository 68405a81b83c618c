/* throttle.c: see throttle.h. A fixed open-addressing table of keyed
 * hashes of (kind, key); a window of THROTTLE_PROBE slots per hash. */
#include "webui/throttle.h"
#include <pthread.h>
#include <sodium.h>
#include <string.h>

#define THROTTLE_SLOTS 4096
#define THROTTLE_PROBE 32

typedef struct throttle_slot {
  uint64_t hash;       /* 0: empty */
  int nFail;
  int nMax;            /* the limit of its kind when created */
  int64_t firstUs;     /* first failure of the current window */
} throttle_slot;

static pthread_mutex_t g_mutex = PTHREAD_MUTEX_INITIALIZER;
static throttle_slot g_aSlot[THROTTLE_SLOTS];
static int g_aMax[2] = {5, 20};
static int64_t g_windowUs = 300LL * 1000000;
static unsigned char g_aKey[crypto_shorthash_KEYBYTES];
static int g_bKeyed = 0;

static void key_init_locked(void) {
  if(g_bKeyed) return;
  if(sodium_init() >= 0) randombytes_buf(g_aKey, sizeof(g_aKey));
  g_bKeyed = 1;
}

void throttle_configure(int nMaxUser, int nMaxIp, int64_t windowSec) {
  pthread_mutex_lock(&g_mutex);
  g_aMax[THROTTLE_USER] = nMaxUser > 0 ? nMaxUser : 5;
  g_aMax[THROTTLE_IP] = nMaxIp > 0 ? nMaxIp : 20;
  g_windowUs = (windowSec > 0 ? windowSec : 300) * 1000000;
  g_bKeyed = 0;
  key_init_locked();
  memset(g_aSlot, 0, sizeof(g_aSlot));
  pthread_mutex_unlock(&g_mutex);
}

static uint64_t key_hash(throttle_kind kind, const char *z) {
  key_init_locked();
  unsigned char aOut[crypto_shorthash_BYTES];
  size_t n = strlen(z);
  unsigned char aBuf[512];
  if(n > sizeof(aBuf) - 1) n = sizeof(aBuf) - 1; /* keys are short: user <= 64, IP <= 46 */
  aBuf[0] = (unsigned char)kind;
  memcpy(aBuf + 1, z, n);
  crypto_shorthash(aOut, aBuf, n + 1, g_aKey);
  uint64_t h;
  memcpy(&h, aOut, sizeof(h));
  return h ? h : 1;
}

static int slot_expired(const throttle_slot *p, int64_t nowUs) { return nowUs >= p->firstUs + g_windowUs; }
static int slot_locked(const throttle_slot *p, int64_t nowUs) {
  return p->hash && p->nFail >= p->nMax && !slot_expired(p, nowUs);
}

/* The slot of h or NULL. With bCreate, a new slot for h: an empty or
 * expired one first, else the oldest unlocked one; NULL when every probed
 * slot is locked. *pMinWait (when not NULL) gets the least wait in µs of
 * those locked slots. */
static throttle_slot *find_slot(uint64_t h, int bCreate, int64_t nowUs, int64_t *pMinWait) {
  throttle_slot *pFree = NULL, *pOld = NULL;
  int64_t minWait = INT64_MAX;
  for(int i = 0; i < THROTTLE_PROBE; i++) {
    throttle_slot *p = &g_aSlot[(h + (uint64_t)i) % THROTTLE_SLOTS];
    if(p->hash == h) return p;
    if(p->hash == 0 || slot_expired(p, nowUs)) {
      if(!pFree) pFree = p;
    } else if(slot_locked(p, nowUs)) {
      int64_t w = p->firstUs + g_windowUs - nowUs;
      if(w < minWait) minWait = w;
    } else if(!pOld || p->firstUs < pOld->firstUs) {
      pOld = p;
    }
  }
  if(pMinWait) *pMinWait = (pFree || pOld) ? 0 : minWait;
  if(!bCreate) return NULL;
  throttle_slot *p = pFree ? pFree : pOld;
  if(!p) return NULL;
  memset(p, 0, sizeof(*p));
  p->hash = h;
  return p;
}

int64_t throttle_wait(throttle_kind kind, const char *zKey, int64_t nowUs) {
  int64_t waitUs = 0;
  pthread_mutex_lock(&g_mutex);
  int64_t minWait = 0;
  throttle_slot *p = find_slot(key_hash(kind, zKey), 0, nowUs, &minWait);
  if(p && slot_locked(p, nowUs)) waitUs = p->firstUs + g_windowUs - nowUs;
  else if(!p) waitUs = minWait; /* no room to count it: refuse, never forget */
  pthread_mutex_unlock(&g_mutex);
  return waitUs > 0 ? (waitUs + 999999) / 1000000 : 0;
}

void throttle_fail(throttle_kind kind, const char *zKey, int64_t nowUs) {
  pthread_mutex_lock(&g_mutex);
  throttle_slot *p = find_slot(key_hash(kind, zKey), 1, nowUs, NULL);
  if(p) {
    if(p->nFail == 0 || slot_expired(p, nowUs)) {
      p->nFail = 0;
      p->firstUs = nowUs;
      p->nMax = g_aMax[kind];
    }
    p->nFail++;
  }
  pthread_mutex_unlock(&g_mutex);
}

void throttle_clear(throttle_kind kind, const char *zKey) {
  pthread_mutex_lock(&g_mutex);
  throttle_slot *p = find_slot(key_hash(kind, zKey), 0, 0, NULL);
  if(p) memset(p, 0, sizeof(*p));
  pthread_mutex_unlock(&g_mutex);
}

void throttle_reset_all(void) {
  pthread_mutex_lock(&g_mutex);
  memset(g_aSlot, 0, sizeof(g_aSlot));
  pthread_mutex_unlock(&g_mutex);
}
