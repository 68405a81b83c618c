/* fuzz_http.c: libFuzzer target for the web server's request handling.
 *
 * The input is raw bytes sent as they are over a TCP connection to the real
 * server (webui/server.c) running in this process on 127.0.0.1 and a free
 * port, with its own temporary AIRC_HOME holding one DAG ("hello", tasks a
 * and b). After sending, the client half-closes and reads until the server
 * closes. So the request line, headers, percent-decoding, body collection
 * (Content-Length, chunked, the 1 MiB cap), route matching, query
 * parameters, JSON bodies and every handler (reads and writes on a real
 * SQLite store) see the bytes, pipelined requests included. A complete
 * request must get an answer (starting with an HTTP status line) within
 * 5 s although the client has half-closed; a crash or sanitizer report in a
 * server thread stops the fuzzer. (This found the server never answering
 * some half-closed clients: tests/web/test_limits.py.)
 *
 * Limits: libmicrohttpd parses the HTTP framing (not instrumented, so its
 * coverage does not guide the fuzzer); authentication is off (the
 * anonymous user is admin): password hashing costs tens of milliseconds per
 * try and would stall the fuzzer, and the code behind each route is what
 * this target is for; the response cache is off, so that every request
 * reaches its handler.
 *
 *   make build-fuzz/fuzz_http && build-fuzz/fuzz_http tests/fuzz/corpus/http
 *
 * tests/unit/test_fuzz_replay.c #includes this file (FUZZ_NO_ENTRY) and
 * replays the corpus through fuzz_http_check without clang. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include "common/backoff.h"
#include "common/config.h"
#include "scheduler/dag_folder.h"
#include "store/store.h"
#include "webui/auth.h"
#include "webui/server.h"
#include "webui/static_files.h"

#define FUZZ_HTTP_WAIT_MS 5000

static web_server *g_pFuzzServer;
static int g_fuzzPort;
static char g_zFuzzHome[64];

static void fuzz_http_die(const char *zWhat) {
  fprintf(stderr, "fuzz_http: %s\n", zWhat);
  abort();
}

/* Stops the server and removes its home (atexit). */
static void fuzz_http_stop(void) {
  if(!g_pFuzzServer) return;
  web_server_stop(g_pFuzzServer);
  g_pFuzzServer = NULL;
  char zCmd[128];
  snprintf(zCmd, sizeof(zCmd), "rm -rf '%s'", g_zFuzzHome);
  if(system(zCmd) != 0) fprintf(stderr, "fuzz_http: cannot remove %s\n", g_zFuzzHome);
}

/* Starts the server once per process. */
static void fuzz_http_start(void) {
  if(g_pFuzzServer) return;
  signal(SIGPIPE, SIG_IGN);
  snprintf(g_zFuzzHome, sizeof(g_zFuzzHome), "/tmp/airc-fuzz-http-XXXXXX");
  if(!mkdtemp(g_zFuzzHome)) fuzz_http_die("mkdtemp failed");
  setenv("AIRC_HOME", g_zFuzzHome, 1);
  setenv("AIRC__WEBSERVER__AUTHENTICATE", "false", 1);
  setenv("AIRC__WEBSERVER__RESPONSE_CACHE", "false", 1);
  setenv("AIRC_LOG_LEVEL", "error", 1);
  airc_err err = {0};
  if(airc_config_load(&err)) fuzz_http_die(airc_err_msg(&err));
  char zPath[256];
  snprintf(zPath, sizeof(zPath), "%s/dags", g_zFuzzHome);
  mkdir(zPath, 0700);
  snprintf(zPath, sizeof(zPath), "%s/dags/hello.ini", g_zFuzzHome);
  FILE *f = fopen(zPath, "w");
  if(!f) fuzz_http_die("cannot write the DAG");
  fputs("[dag]\nid = hello\nschedule = @daily\nstart_date = 2026-01-01\ntags = demo, web\n\n"
        "[task a]\ntype = shell\ncommand = echo a\n\n"
        "[task b]\ntype = shell\ncommand = echo {{ params.x }}\nupstream = a\n", f);
  fclose(f);
  store *s = NULL;
  if(store_open(airc_store_target(), &s, &err)) fuzz_http_die(airc_err_msg(&err));
  dag_folder *pFolder = dag_folder_new(airc_path_dags());
  int n = 0;
  if(dag_folder_sync(pFolder, s, &n, &err) || n != 1) fuzz_http_die("the DAG did not load");
  dag_folder_free(pFolder);
  store_close(s);
  airc_err authErr = {0};
  if(auth_init(&authErr)) abort();
  static_files_init();
  /* any Host, so that fuzzed requests reach the routes behind the check */
  web_server_opts o = {"127.0.0.1", 0, 1, "*", NULL, 0, 0, NULL, NULL, 0}; /* plain HTTP */
  if(web_server_start(&o, &g_pFuzzServer, &err)) fuzz_http_die(airc_err_msg(&err));
  g_fuzzPort = web_server_port(g_pFuzzServer);
  atexit(fuzz_http_stop);
}

/* 1 if the first request of aData is complete without a body: a header
 * block ended by a blank line, with no Content-Length nor Transfer-Encoding
 * in it. Such a request must be answered; anything else (a request cut
 * short, a body announced and not all sent) may legitimately wait for more
 * input until the server's 60 s connection timeout. */
static int fuzz_http_must_answer(const uint8_t *aData, size_t nData) {
  /* empty lines before a request line are ignored (RFC 9112 2.2), so a
   * leading "\r\n\r\n" does not end a request: skip them first */
  while(nData && (aData[0] == '\r' || aData[0] == '\n')) {
    aData++;
    nData--;
  }
  const uint8_t *pEnd = memmem(aData, nData, "\r\n\r\n", 4);
  if(!pEnd) return 0;
  size_t nHead = (size_t)(pEnd - aData);
  for(size_t i = 0; i < nHead; i++) {
    if(aData[i] == '\n' && i + 1 < nHead &&
       (!strncasecmp((const char *)aData + i + 1, "content-length", 14) ||
        !strncasecmp((const char *)aData + i + 1, "transfer-encoding", 17))) {
      return 0;
    }
    if(aData[i] == 0 || (aData[i] == '\n' && (i == 0 || aData[i - 1] != '\r'))) return 0;
  }
  return 1;
}

/* Connects fd to the server within FUZZ_HTTP_WAIT_MS or stops the fuzzer
 * naming the errno. libFuzzer's -timeout alarm (SIGALRM, installed without
 * SA_RESTART) can interrupt a connect that waits because the server's accept
 * queue is full; the handshake then goes on in the kernel, so an EINTR is
 * followed by waiting for the socket to become writable and reading its
 * SO_ERROR, not by a failure. */
static void fuzz_http_connect(int fd, const struct sockaddr_in *pAddr) {
  char zMsg[96];
  if(connect(fd, (const struct sockaddr *)pAddr, sizeof(*pAddr)) == 0) return;
  if(errno != EINTR && errno != EINPROGRESS) {
    snprintf(zMsg, sizeof(zMsg), "connect failed: %s", strerror(errno));
    fuzz_http_die(zMsg);
  }
  int64_t deadline = airc_backoff_clock_us() + FUZZ_HTTP_WAIT_MS * 1000;
  for(;;) {
    int64_t now = airc_backoff_clock_us();
    if(now >= deadline) fuzz_http_die("connect did not complete within 5 s");
    struct pollfd p = {fd, POLLOUT, 0};
    int rc = poll(&p, 1, (int)((deadline - now + 999) / 1000));
    if(rc < 0 && errno == EINTR) continue;
    if(rc <= 0) continue; /* a timeout is caught by the deadline above */
    int e = 0;
    socklen_t n = sizeof(e);
    if(getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &n) != 0) e = errno;
    if(e == 0) return;
    snprintf(zMsg, sizeof(zMsg), "connect failed: %s", strerror(e));
    fuzz_http_die(zMsg);
  }
}

/* Sends aData, half-closes, reads what comes. A request that must be
 * answered (fuzz_http_must_answer) must see its first byte within 5 s;
 * after that, or for any other input, 200 ms of silence ends the exchange
 * and the connection is reset, so that the server does not keep it. */
static void fuzz_http_check(const uint8_t *aData, size_t nData) {
  fuzz_http_start();
  int bMust = fuzz_http_must_answer(aData, nData);
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if(fd < 0) fuzz_http_die("socket failed");
  struct sockaddr_in sa;
  memset(&sa, 0, sizeof(sa));
  sa.sin_family = AF_INET;
  sa.sin_port = htons((uint16_t)g_fuzzPort);
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  fuzz_http_connect(fd, &sa);
  /* the server may answer and close before reading everything (413): a
   * failed send is not an error */
  for(size_t off = 0; off < nData;) {
    ssize_t w = send(fd, aData + off, nData - off, MSG_NOSIGNAL);
    if(w < 0 && errno == EINTR) continue;
    if(w <= 0) break;
    off += (size_t)w;
  }
  shutdown(fd, SHUT_WR);
  char aHead[16], aBuf[65536];
  size_t nHead = 0;
  int bClosed = 0;
  for(;;) {
    struct pollfd p = {fd, POLLIN, 0};
    int rc = poll(&p, 1, bMust && !nHead ? FUZZ_HTTP_WAIT_MS : 200);
    if(rc == 0) {
      if(bMust && !nHead) fuzz_http_die("a complete request got no answer within 5 s");
      break;
    }
    if(rc < 0) continue;
    ssize_t r = recv(fd, aBuf, sizeof(aBuf), 0);
    if(r < 0 && errno == EINTR) continue;
    if(r <= 0) {
      bClosed = 1; /* closed, or reset after an early answer */
      break;
    }
    if(nHead < sizeof(aHead)) {
      size_t k = sizeof(aHead) - nHead < (size_t)r ? sizeof(aHead) - nHead : (size_t)r;
      memcpy(aHead + nHead, aBuf, k);
      nHead += k;
    }
  }
  if(!bClosed) {
    struct linger l = {1, 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
  }
  close(fd);
  if(nHead && memcmp(aHead, "HTTP/1.", nHead < 7 ? nHead : 7)) fuzz_http_die("answer is not HTTP");
}

#ifndef FUZZ_NO_ENTRY
int LLVMFuzzerTestOneInput(const uint8_t *aData, size_t nData);
int LLVMFuzzerTestOneInput(const uint8_t *aData, size_t nData) {
  fuzz_http_check(aData, nData);
  return 0;
}
#endif
