/* cql.c: see cql.h. Sockets are blocking with SO_RCVTIMEO/SO_SNDTIMEO for
 * the read timeout; only connect() is done non-blocking, to bound it. */
#include "providers/cassandra/cql.h"
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include "common/dynbuf.h"

struct cql_conn {
  int fd;
  int16_t stream;           /* next stream id (0..32767) */
  uint32_t nMaxFrame;
  char zPeer[300];          /* "host:port" for messages */
};

const char *cql_conn_peer(const cql_conn *c) { return c->zPeer; }

int cql_consistency_parse(const char *z, uint16_t *pOut) {
  static const struct { const char *z; uint16_t v; } a[] = {
      {"ANY", CQL_ANY}, {"ONE", CQL_ONE}, {"TWO", CQL_TWO}, {"THREE", CQL_THREE},
      {"QUORUM", CQL_QUORUM}, {"ALL", CQL_ALL}, {"LOCAL_QUORUM", CQL_LOCAL_QUORUM},
      {"EACH_QUORUM", CQL_EACH_QUORUM}, {"LOCAL_ONE", CQL_LOCAL_ONE}};
  for(size_t i = 0; z && i < sizeof(a) / sizeof(a[0]); i++)
    if(!strcasecmp(z, a[i].z)) { *pOut = a[i].v; return 0; }
  return -1;
}

/* Non-blocking connect bounded by ms, to each address of zHost in turn. */
static airc_rc cql_tcp_connect(cql_conn *c, const char *zHost, int port, int ms, airc_err *pErr) {
  char zPort[16];
  snprintf(zPort, sizeof(zPort), "%d", port);
  struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *pList = NULL;
  int g = getaddrinfo(zHost, zPort, &hints, &pList);
  if(g) return airc_err_set(pErr, AIRC_ERR_NET, "cassandra at %s: resolve: %s", c->zPeer, gai_strerror(g));
  int err = 0;
  for(struct addrinfo *a = pList; a; a = a->ai_next) {
    int fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, a->ai_protocol);
    if(fd < 0) { err = errno; continue; }
    int r = connect(fd, a->ai_addr, a->ai_addrlen);
    if(r < 0 && errno == EINPROGRESS) {
      struct pollfd pfd = {.fd = fd, .events = POLLOUT};
      do r = poll(&pfd, 1, ms); while(r < 0 && errno == EINTR);
      if(r == 0) { err = ETIMEDOUT; close(fd); continue; }
      socklen_t n = sizeof(err);
      if(r < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &n) < 0) err = errno;
      r = err ? -1 : 0;
    } else if(r < 0) {
      err = errno;
    }
    if(r < 0) { close(fd); continue; }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    c->fd = fd;
    freeaddrinfo(pList);
    return AIRC_OK;
  }
  freeaddrinfo(pList);
  return airc_err_set(pErr, err == ETIMEDOUT ? AIRC_ERR_TIMEOUT : AIRC_ERR_NET,
                      "cassandra at %s: connect: %s", c->zPeer, strerror(err ? err : ECONNREFUSED));
}

static airc_rc cql_write_all(cql_conn *c, const void *p, size_t n, airc_err *pErr) {
  const char *z = p;
  while(n > 0) {
    ssize_t w = send(c->fd, z, n, MSG_NOSIGNAL);
    if(w < 0 && errno == EINTR) continue;
    if(w < 0)
      return airc_err_set(pErr, errno == EAGAIN ? AIRC_ERR_TIMEOUT : AIRC_ERR_NET,
                          "cassandra at %s: send: %s", c->zPeer,
                          errno == EAGAIN ? "timed out" : strerror(errno));
    z += w;
    n -= (size_t)w;
  }
  return AIRC_OK;
}

static airc_rc cql_read_all(cql_conn *c, void *p, size_t n, airc_err *pErr) {
  char *z = p;
  while(n > 0) {
    ssize_t r = recv(c->fd, z, n, 0);
    if(r < 0 && errno == EINTR) continue;
    if(r == 0) return airc_err_set(pErr, AIRC_ERR_NET, "cassandra at %s: connection closed by server", c->zPeer);
    if(r < 0)
      return airc_err_set(pErr, errno == EAGAIN ? AIRC_ERR_TIMEOUT : AIRC_ERR_NET,
                          "cassandra at %s: read: %s", c->zPeer,
                          errno == EAGAIN ? "timed out waiting for a response" : strerror(errno));
    z += r;
    n -= (size_t)r;
  }
  return AIRC_OK;
}

/* Sends the frame in pReq and reads the response to its stream (EVENT
 * frames and stray streams are skipped). ERROR frames become errors. */
static airc_rc cql_roundtrip(cql_conn *c, dynbuf *pReq, int16_t stream, cql_result *pOut,
                             airc_err *pErr) {
  memset(pOut, 0, sizeof(*pOut));
  airc_rc rc = cql_write_all(c, pReq->z, pReq->n, pErr);
  for(int nSkip = 0; !rc; nSkip++) {
    uint8_t aHdr[CQL_HEADER_LEN];
    cql_header h;
    rc = cql_read_all(c, aHdr, sizeof(aHdr), pErr);
    if(!rc) rc = cql_header_decode(aHdr, sizeof(aHdr), c->nMaxFrame, &h, pErr);
    uint8_t *pBody = NULL;
    if(!rc && h.length) {
      pBody = malloc(h.length);
      if(!pBody) rc = airc_err_set(pErr, AIRC_ERR_NOMEM, "out of memory");
      if(!rc) rc = cql_read_all(c, pBody, h.length, pErr);
    }
    if(!rc && (h.stream != stream || h.opcode == CQL_OP_EVENT)) {
      free(pBody);
      if(nSkip > 1000) rc = airc_err_set(pErr, AIRC_ERR_NET, "cassandra at %s: no response to our stream", c->zPeer);
      continue;
    }
    if(!rc) rc = cql_body_decode(&h, pBody ? pBody : (const uint8_t *)"", h.length, pOut, pErr);
    free(pBody);
    if(rc) {
      airc_err_prefix(pErr, "cassandra at %s", c->zPeer);
      return rc;
    }
    if(pOut->opcode == CQL_OP_ERROR) {
      char z[700];
      cql_error_format(pOut->iErrCode, pOut->zText, z, sizeof(z));
      return airc_err_set(pErr, pOut->iErrCode == 0x0100 ? AIRC_ERR_INVALID : AIRC_ERR_NET,
                          "cassandra at %s: %s", c->zPeer, z);
    }
    return AIRC_OK;
  }
  return rc;
}

static int16_t cql_next_stream(cql_conn *c) {
  int16_t s = c->stream;
  c->stream = (int16_t)(c->stream == 32767 ? 0 : c->stream + 1);
  return s;
}

static airc_rc cql_handshake(cql_conn *c, const cql_conn_opts *o, airc_err *pErr) {
  dynbuf req;
  cql_result res;
  dynbuf_init(&req, 1 << 20);
  int16_t s = cql_next_stream(c);
  airc_rc rc = cql_encode_startup(&req, s);
  if(rc) return airc_err_set(pErr, rc, "encode STARTUP");
  rc = cql_roundtrip(c, &req, s, &res, pErr);
  if(!rc && res.opcode == CQL_OP_AUTHENTICATE) {
    if(!o->zUser || !*o->zUser) {
      rc = airc_err_set(pErr, AIRC_ERR_INVALID,
                        "cassandra at %s: server requires authentication (%s): set username and password",
                        c->zPeer, res.zText);
    } else {
      dynbuf_reset(&req);
      s = cql_next_stream(c);
      rc = cql_encode_auth_response(&req, s, o->zUser, o->zPassword ? o->zPassword : "");
      cql_result_free(&res);
      if(!rc) rc = cql_roundtrip(c, &req, s, &res, pErr);
      if(!rc && res.opcode != CQL_OP_AUTH_SUCCESS)
        rc = airc_err_set(pErr, AIRC_ERR_NET, "cassandra at %s: unexpected opcode 0x%02x after AUTH_RESPONSE "
                          "(only PasswordAuthenticator is supported)", c->zPeer, res.opcode);
    }
  } else if(!rc && res.opcode != CQL_OP_READY) {
    rc = airc_err_set(pErr, AIRC_ERR_NET, "cassandra at %s: unexpected opcode 0x%02x after STARTUP",
                      c->zPeer, res.opcode);
  }
  cql_result_free(&res);
  dynbuf_free(&req);
  return rc;
}

airc_rc cql_connect(const cql_conn_opts *o, cql_conn **ppConn, airc_err *pErr) {
  *ppConn = NULL;
  cql_conn *c = calloc(1, sizeof(*c));
  if(!c) return airc_err_set(pErr, AIRC_ERR_NOMEM, "out of memory");
  c->fd = -1;
  c->nMaxFrame = o->nMaxFrame ? o->nMaxFrame : CQL_MAX_FRAME_DEFAULT;
  snprintf(c->zPeer, sizeof(c->zPeer), strchr(o->zHost, ':') ? "[%s]:%d" : "%s:%d", o->zHost, o->port);
  airc_rc rc = cql_tcp_connect(c, o->zHost, o->port, o->connectTimeoutMs > 0 ? o->connectTimeoutMs : 5000, pErr);
  if(!rc) {
    int ms = o->readTimeoutMs > 0 ? o->readTimeoutMs : 12000;
    struct timeval tv = {.tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000};
    setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    rc = cql_handshake(c, o, pErr);
  }
  if(rc) {
    cql_close(c);
    return rc;
  }
  *ppConn = c;
  return AIRC_OK;
}

airc_rc cql_query(cql_conn *c, const char *zCql, uint16_t consistency, const cql_value *aVal,
                  int nVal, int32_t pageSize, const uint8_t *pPaging, int32_t nPaging,
                  cql_result *pOut, airc_err *pErr) {
  dynbuf req;
  dynbuf_init(&req, c->nMaxFrame);
  memset(pOut, 0, sizeof(*pOut));
  int16_t s = cql_next_stream(c);
  airc_rc rc = cql_encode_query(&req, s, zCql, consistency, aVal, nVal, pageSize, pPaging, nPaging);
  if(rc) rc = airc_err_set(pErr, rc, "encode QUERY: %s", airc_strerror(rc));
  if(!rc) rc = cql_roundtrip(c, &req, s, pOut, pErr);
  if(!rc && pOut->opcode != CQL_OP_RESULT)
    rc = airc_err_set(pErr, AIRC_ERR_NET, "cassandra at %s: unexpected opcode 0x%02x for QUERY",
                      c->zPeer, pOut->opcode);
  dynbuf_free(&req);
  return rc;
}

void cql_close(cql_conn *c) {
  if(!c) return;
  if(c->fd >= 0) close(c->fd);
  free(c);
}
