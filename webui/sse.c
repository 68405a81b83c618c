/* sse.c: see sse.h. Lock order: g_hub.mutex, then libmicrohttpd's own
 * (MHD_suspend_connection and MHD_resume_connection are called under
 * g_hub.mutex, and MHD never calls our reader with a lock of its own held
 * that we also take). */
#include "webui/sse.h"
#include "common/config.h"
#include "common/log.h"
#include "common/timeutil.h"
#include "store/store.h"
#include "webui/http_reply.h"
#include <microhttpd.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct sse_stream {
  struct sse_stream *pPrev, *pNext;
  struct MHD_Connection *pConn;
  uint64_t seqSent;     /* last sequence number written */
  int64_t lastWriteUs;
  int64_t startUs;
  int bHello;           /* `ready` written */
  int bSuspended;
} sse_stream;

static struct {
  pthread_mutex_t mutex;
  pthread_cond_t cond;
  sse_stream *pHead;
  int nStreams;
  int nMax;
  int64_t heartbeatUs;
  int64_t maxAgeUs;     /* a stream ends after this; the client reconnects (and logs in again) */
  uint64_t seq;         /* moves by one per change of the store seen */
  int bStop;
  int bRunning;
  pthread_t thread;
} g_hub = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, NULL, 0, SSE_MAX_STREAMS_DEFAULT,
         SSE_HEARTBEAT_SEC * 1000000LL, SSE_MAX_AGE_SEC * 1000000LL, 1, 0, 0, 0};

int sse_stream_count(void) {
  pthread_mutex_lock(&g_hub.mutex);
  int n = g_hub.nStreams;
  pthread_mutex_unlock(&g_hub.mutex);
  return n;
}

/* Resumes the streams that have something to say (g_hub.mutex held). */
static void hub_wake_locked(int64_t now) {
  for(sse_stream *p = g_hub.pHead; p; p = p->pNext) {
    if(!p->bSuspended) continue;
    if(g_hub.bStop || p->seqSent != g_hub.seq || now - p->lastWriteUs >= g_hub.heartbeatUs ||
       now - p->startUs >= g_hub.maxAgeUs) {
      p->bSuspended = 0;
      MHD_resume_connection(p->pConn);
    }
  }
}

static void *hub_main(void *pArg) {
  (void)pArg;
  store *s = NULL;
  uint64_t last = 0;
  int bWarned = 0;
  pthread_mutex_lock(&g_hub.mutex);
  while(!g_hub.bStop) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_nsec += SSE_CHECK_MS * 1000000L;
    if(ts.tv_nsec >= 1000000000L) {
      ts.tv_sec++;
      ts.tv_nsec -= 1000000000L;
    }
    pthread_cond_timedwait(&g_hub.cond, &g_hub.mutex, &ts);
    if(g_hub.bStop) break;
    if(!g_hub.nStreams) continue; /* nobody listens: no store reads */
    pthread_mutex_unlock(&g_hub.mutex);
    airc_err err = {0};
    if(!s && store_open_existing(airc_store_target(), &s, &err)) {
      if(!bWarned) LOG_WARN("web: live updates: cannot open the store: %s", airc_err_msg(&err));
      bWarned = 1;
      s = NULL;
    }
    uint64_t v = s ? store_change_counter(s) : 0;
    pthread_mutex_lock(&g_hub.mutex);
    if(v && v != last) {
      if(last) g_hub.seq++; /* the first reading is the starting point */
      last = v;
    }
    hub_wake_locked(airc_now_us());
  }
  hub_wake_locked(airc_now_us()); /* bStop: every stream ends */
  pthread_mutex_unlock(&g_hub.mutex);
  if(s) store_close(s);
  return NULL;
}

airc_rc sse_start(int nMaxStreams, int heartbeatSec, int maxAgeSec, airc_err *pErr) {
  pthread_mutex_lock(&g_hub.mutex);
  g_hub.maxAgeUs = (maxAgeSec > 0 ? maxAgeSec : SSE_MAX_AGE_SEC) * 1000000LL;
  g_hub.heartbeatUs = (heartbeatSec > 0 ? heartbeatSec : SSE_HEARTBEAT_SEC) * 1000000LL;
  g_hub.bStop = 0;
  g_hub.nMax = nMaxStreams > 0 ? nMaxStreams : SSE_MAX_STREAMS_DEFAULT;
  pthread_mutex_unlock(&g_hub.mutex);
  if(pthread_create(&g_hub.thread, NULL, hub_main, NULL))
    return airc_err_set(pErr, AIRC_ERR_NOMEM, "cannot start the live-updates thread");
  g_hub.bRunning = 1;
  return AIRC_OK;
}

void sse_stop(void) {
  if(!g_hub.bRunning) return;
  pthread_mutex_lock(&g_hub.mutex);
  g_hub.bStop = 1;
  pthread_cond_signal(&g_hub.cond);
  pthread_mutex_unlock(&g_hub.mutex);
  pthread_join(g_hub.thread, NULL);
  g_hub.bRunning = 0;
}

/* MHD asks for the next bytes of a stream. */
static ssize_t stream_read(void *pCls, uint64_t pos, char *zBuf, size_t nMax) {
  (void)pos;
  sse_stream *p = pCls;
  int64_t now = airc_now_us();
  int n = 0;
  pthread_mutex_lock(&g_hub.mutex);
  if(g_hub.bStop || now - p->startUs >= g_hub.maxAgeUs) {
    pthread_mutex_unlock(&g_hub.mutex);
    return MHD_CONTENT_READER_END_OF_STREAM;
  }
  if(nMax < 256) { /* no room now; MHD calls again once it sent some */
    pthread_mutex_unlock(&g_hub.mutex);
    return 0;
  }
  if(!p->bHello) {
    /* retry: how long EventSource waits before it reconnects */
    n = snprintf(zBuf, nMax, "retry: 3000\nid: %llu\nevent: ready\ndata: {\"seq\":%llu,\"heartbeat\":%d}\n\n",
                 (unsigned long long)g_hub.seq, (unsigned long long)g_hub.seq, (int)(g_hub.heartbeatUs / 1000000));
    p->bHello = 1;
    p->seqSent = g_hub.seq;
  } else if(p->seqSent != g_hub.seq) {
    n = snprintf(zBuf, nMax, "id: %llu\nevent: change\ndata: {\"seq\":%llu}\n\n", (unsigned long long)g_hub.seq,
                 (unsigned long long)g_hub.seq);
    p->seqSent = g_hub.seq;
  } else if(now - p->lastWriteUs >= g_hub.heartbeatUs) {
    n = snprintf(zBuf, nMax, ": heartbeat\n\n");
  }
  if(n > 0) {
    p->lastWriteUs = now;
    pthread_mutex_unlock(&g_hub.mutex);
    return n;
  }
  /* nothing to say: off MHD's loop until the hub resumes us */
  p->bSuspended = 1;
  MHD_suspend_connection(p->pConn);
  pthread_mutex_unlock(&g_hub.mutex);
  return 0;
}

/* The response is gone (the connection closed or the stream ended). */
static void stream_free(void *pCls) {
  sse_stream *p = pCls;
  pthread_mutex_lock(&g_hub.mutex);
  if(p->pPrev) p->pPrev->pNext = p->pNext;
  else g_hub.pHead = p->pNext;
  if(p->pNext) p->pNext->pPrev = p->pPrev;
  g_hub.nStreams--;
  pthread_mutex_unlock(&g_hub.mutex);
  free(p);
}

int api_events_stream(web_req *r) {
  sse_stream *p = calloc(1, sizeof(sse_stream));
  if(!p) return http_reply_error(r, 500, NULL, "out of memory");
  p->pConn = r->pConn;
  p->lastWriteUs = p->startUs = airc_now_us();
  pthread_mutex_lock(&g_hub.mutex);
  if(!g_hub.bRunning || g_hub.bStop || g_hub.nStreams >= g_hub.nMax) {
    int nMax = g_hub.nMax, bOff = !g_hub.bRunning || g_hub.bStop;
    pthread_mutex_unlock(&g_hub.mutex);
    free(p);
    http_header aH[] = {{"Retry-After", "30"}, {NULL, NULL}};
    if(bOff) return http_reply_error(r, 503, aH, "live updates are not running; poll the API instead");
    return http_reply_error(r, 503, aH,
                            "too many live-update streams are open (%d, [webserver] sse_max_streams); poll the API instead",
                            nMax);
  }
  p->pNext = g_hub.pHead;
  if(g_hub.pHead) g_hub.pHead->pPrev = p;
  g_hub.pHead = p;
  g_hub.nStreams++;
  pthread_mutex_unlock(&g_hub.mutex);
  /* 1 KiB blocks: every event is far smaller */
  struct MHD_Response *pResp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 1024, stream_read, p, stream_free);
  if(!pResp) {
    stream_free(p);
    return http_reply_error(r, 500, NULL, "out of memory");
  }
  r->bStream = 1;
  /* proxies (nginx) must not buffer the stream */
  http_header aH[] = {{"X-Accel-Buffering", "no"}, {NULL, NULL}};
  return http_reply_response(r, 200, "text/event-stream; charset=utf-8", pResp, aH);
}
