/* json_fd.c: see json_fd.h. */
#include "common/json_fd.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "common/dynbuf.h"

json_t *json_fd_load(int fd, size_t nMax, size_t flags, json_error_t *pErr) {
  dynbuf b;
  dynbuf_init(&b, nMax);
  /* a regular file or memfd tells its size: one allocation, one read */
  struct stat st;
  size_t nHint = !fstat(fd, &st) && S_ISREG(st.st_mode) && st.st_size > 0 ? (size_t)st.st_size : 4096;
  if(nHint > nMax) nHint = nMax;
  if(dynbuf_reserve(&b, nHint + 1)) {
    snprintf(pErr->text, sizeof(pErr->text), "out of memory");
    return NULL;
  }
  for(;;) {
    char aChunk[16384];
    ssize_t r = read(fd, aChunk, sizeof(aChunk));
    if(r < 0 && errno == EINTR) continue;
    if(r < 0) {
      snprintf(pErr->text, sizeof(pErr->text), "%s", strerror(errno));
      dynbuf_free(&b);
      return NULL;
    }
    if(r == 0) break;
    if(dynbuf_append(&b, aChunk, (size_t)r)) {
      snprintf(pErr->text, sizeof(pErr->text), "larger than %zu bytes", nMax);
      dynbuf_free(&b);
      return NULL;
    }
  }
  json_t *p = json_loadb(b.z ? b.z : "", b.n, flags, pErr);
  dynbuf_free(&b);
  return p;
}
