/* dynbuf.h: a growable byte buffer with a hard cap, set at init.
 *
 * Every buffer that grows from outside input (task output, HTTP bodies,
 * DAG files, Kafka payloads) is a dynbuf: appending past the cap fails with
 * AIRC_ERR_TOOBIG and leaves the contents as they were (curl's dynbuf).
 * The contents are always NUL-terminated. */
#ifndef AIRC_DYNBUF_H
#define AIRC_DYNBUF_H
#include <stddef.h>
#include "common/rc.h"

typedef struct dynbuf {
  char *z;        /* contents, NUL-terminated; NULL until first append */
  size_t n;       /* bytes used, excluding the NUL */
  size_t nAlloc;  /* bytes allocated */
  size_t nMax;    /* cap on n */
} dynbuf;

void dynbuf_init(dynbuf *p, size_t nMax);
AIRC_WUR airc_rc dynbuf_append(dynbuf *p, const void *pData, size_t n);
/* Allocates room for at least n bytes of contents in one go (capped at
 * nMax), so that a text of known rough size is not copied by each
 * doubling; a no-op when there is room already. AIRC_ERR_NOMEM. */
AIRC_WUR airc_rc dynbuf_reserve(dynbuf *p, size_t n);
AIRC_WUR airc_rc dynbuf_appendz(dynbuf *p, const char *z);
AIRC_WUR airc_rc dynbuf_printf(dynbuf *p, const char *zFmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Contents ("" when empty); borrowed, valid until the next append/free. */
const char *dynbuf_str(const dynbuf *p);
/* Transfers ownership of the contents to the caller (free() it); the
 * dynbuf is reset to empty. Returns NULL when empty. */
char *dynbuf_take(dynbuf *p);
void dynbuf_reset(dynbuf *p);
void dynbuf_free(dynbuf *p);

#endif
