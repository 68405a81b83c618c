/* cql_fake_server.h: a unit-level fake of a Cassandra native port, for the
 * CQL client and validate-cassandra tests. NOT a Cassandra: a thread that
 * accepts one connection at a time on 127.0.0.1:<ephemeral> and answers each
 * request frame through a handler callback. Also byte builders for
 * hand-made response bodies. Header-only (static functions) so that each
 * test program includes it. */
#ifndef AIRC_TEST_CQL_FAKE_SERVER_H
#define AIRC_TEST_CQL_FAKE_SERVER_H
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "common/dynbuf.h"

#define FAKE_UNUSED __attribute__((unused))

/* ---- byte builders (big-endian, as the protocol) ---- */
FAKE_UNUSED static void bb_u8(dynbuf *b, uint8_t v) { if(dynbuf_append(b, &v, 1)) abort(); }
FAKE_UNUSED static void bb_u16(dynbuf *b, uint16_t v) { bb_u8(b, (uint8_t)(v >> 8)); bb_u8(b, (uint8_t)v); }
FAKE_UNUSED static void bb_i32(dynbuf *b, int32_t v) {
  uint32_t u = (uint32_t)v;
  bb_u8(b, (uint8_t)(u >> 24)); bb_u8(b, (uint8_t)(u >> 16)); bb_u8(b, (uint8_t)(u >> 8)); bb_u8(b, (uint8_t)u);
}
FAKE_UNUSED static void bb_i64(dynbuf *b, int64_t v) { bb_i32(b, (int32_t)((uint64_t)v >> 32)); bb_i32(b, (int32_t)(uint32_t)v); }
FAKE_UNUSED static void bb_mem(dynbuf *b, const void *p, size_t n) { if(n && dynbuf_append(b, p, n)) abort(); }
FAKE_UNUSED static void bb_string(dynbuf *b, const char *z) { bb_u16(b, (uint16_t)strlen(z)); bb_mem(b, z, strlen(z)); }
FAKE_UNUSED static void bb_bytes(dynbuf *b, const void *p, int32_t n) { bb_i32(b, n); if(n > 0) bb_mem(b, p, (size_t)n); }
/* A whole response frame around body. */
FAKE_UNUSED static void bb_frame(dynbuf *b, uint8_t flags, int16_t stream, uint8_t op, const dynbuf *pBody) {
  bb_u8(b, 0x84); bb_u8(b, flags); bb_u16(b, (uint16_t)stream); bb_u8(b, op);
  bb_i32(b, (int32_t)pBody->n); bb_mem(b, pBody->z, pBody->n);
}

/* ---- the fake server ---- */
/* Handler: given a request (opcode, body), fill the response opcode and
 * body. Return 0 to answer, 1 to stay silent (timeout tests), -1 to hang up. */
typedef int (*fake_cql_handler)(void *pArg, uint8_t op, const uint8_t *pBody, size_t nBody,
                                uint8_t *pOpOut, dynbuf *pBodyOut);

typedef struct fake_cql {
  int fdListen;
  int port;
  fake_cql_handler xHandler;
  void *pArg;
  pthread_t thread;
  int nConn;          /* connections served */
} fake_cql;

static int fake_read_all(int fd, void *p, size_t n) {
  char *z = p;
  while(n) { ssize_t r = read(fd, z, n); if(r <= 0) return -1; z += r; n -= (size_t)r; }
  return 0;
}

static void *fake_cql_main(void *pArg) {
  fake_cql *f = pArg;
  for(;;) {
    int fd = accept(f->fdListen, NULL, NULL);
    if(fd < 0) return NULL; /* listener closed: stop */
    f->nConn++;
    for(;;) {
      uint8_t h[9];
      if(fake_read_all(fd, h, 9)) break;
      uint32_t n = (uint32_t)h[5] << 24 | (uint32_t)h[6] << 16 | (uint32_t)h[7] << 8 | h[8];
      uint8_t *pBody = malloc(n ? n : 1);
      if(fake_read_all(fd, pBody, n)) { free(pBody); break; }
      dynbuf body, frame;
      dynbuf_init(&body, 1 << 26);
      dynbuf_init(&frame, 1 << 26);
      uint8_t op = 0;
      int r = f->xHandler(f->pArg, h[4], pBody, n, &op, &body);
      free(pBody);
      if(r == 0) {
        bb_frame(&frame, 0, (int16_t)(h[2] << 8 | h[3]), op, &body);
        ssize_t w = write(fd, frame.z, frame.n);
        (void)w;
      }
      dynbuf_free(&body);
      dynbuf_free(&frame);
      if(r < 0) break;
      if(r == 1) { usleep(1500 * 1000); break; }
    }
    close(fd);
  }
}

static int fake_cql_start(fake_cql *f, fake_cql_handler x, void *pArg) {
  memset(f, 0, sizeof(*f));
  f->xHandler = x;
  f->pArg = pArg;
  f->fdListen = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t n = sizeof(a);
  if(bind(f->fdListen, (struct sockaddr *)&a, sizeof(a)) || listen(f->fdListen, 8) ||
     getsockname(f->fdListen, (struct sockaddr *)&a, &n))
    return -1;
  f->port = ntohs(a.sin_port);
  return pthread_create(&f->thread, NULL, fake_cql_main, f);
}

static void fake_cql_stop(fake_cql *f) {
  shutdown(f->fdListen, SHUT_RDWR);
  close(f->fdListen);
  pthread_join(f->thread, NULL);
}

/* Rows body builder: global table spec ks.t, columns of the given names and
 * type ids; the caller then appends the row count and cells. */
FAKE_UNUSED static void bb_rows_header(dynbuf *b, int nCol, const char *const *azName, const uint16_t *aType) {
  bb_i32(b, 2);          /* kind Rows */
  bb_i32(b, 0x0001);     /* Global_tables_spec */
  bb_i32(b, nCol);
  bb_string(b, "ks");
  bb_string(b, "t");
  for(int i = 0; i < nCol; i++) { bb_string(b, azName[i]); bb_u16(b, aType[i]); }
}

#endif
