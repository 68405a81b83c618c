/* jsonl_reader.c: see jsonl_reader.h. The file is read in blocks of
 * JSONL_BLOCK bytes into one buffer of nMax + 1 + JSONL_BLOCK bytes; a line
 * is found with memchr() and returned in place, its "\n" replaced by a NUL.
 * The cap stays exact: more than nMax bytes without a newline fail at once
 * (getline() would grow without bound on a file with no newline). */
#include "providers/jsonl_reader.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define JSONL_BLOCK (128u * 1024)

airc_rc jsonl_open(jsonl_reader *p, const char *zPath, size_t nMax, airc_err *pErr) {
  memset(p, 0, sizeof(*p));
  p->zPath = zPath;
  p->nMax = nMax;
  p->f = fopen(zPath, "r");
  if(!p->f) return airc_err_set(pErr, AIRC_ERR_IO, "open %s: %s", zPath, strerror(errno));
  p->nLeft = -1;
  p->nCap = nMax + 1 + JSONL_BLOCK;
  p->zBuf = malloc(p->nCap);
  if(!p->zBuf) {
    fclose(p->f);
    p->f = NULL;
    return airc_err_set(pErr, AIRC_ERR_NOMEM, "out of memory");
  }
  return AIRC_OK;
}

airc_rc jsonl_open_range(jsonl_reader *p, const char *zPath, size_t nMax, int64_t iStart,
                         int64_t iEnd, airc_err *pErr) {
  airc_rc rc = jsonl_open(p, zPath, nMax, pErr);
  if(rc) return rc;
  if(fseeko(p->f, (off_t)iStart, SEEK_SET) != 0) {
    rc = airc_err_set(pErr, AIRC_ERR_IO, "seek %s: %s", zPath, strerror(errno));
    jsonl_close(p);
    return rc;
  }
  p->nLeft = iEnd > iStart ? iEnd - iStart : 0;
  return AIRC_OK;
}

/* Moves the unread bytes to the front and reads one more block (less at the
 * end of the file). -1 on a read error. */
static int jsonl_fill(jsonl_reader *p, airc_err *pErr) {
  size_t nLeft = p->iEnd - p->iPos;
  if(p->iPos) memmove(p->zBuf, p->zBuf + p->iPos, nLeft);
  p->iPos = 0;
  p->iEnd = nLeft;
  size_t nRoom = p->nCap - 1 - p->iEnd; /* 1 byte kept for the last line's NUL */
  size_t nWant = nRoom < JSONL_BLOCK ? nRoom : JSONL_BLOCK;
  if(p->nLeft >= 0 && (uint64_t)p->nLeft < nWant) nWant = (size_t)p->nLeft;
  size_t nGot = nWant ? fread(p->zBuf + p->iEnd, 1, nWant, p->f) : 0;
  p->iEnd += nGot;
  if(p->nLeft >= 0) p->nLeft -= (int64_t)nGot;
  if(nGot == 0) {
    if(ferror(p->f)) {
      airc_err_set(pErr, AIRC_ERR_IO, "read %s: %s", p->zPath, strerror(errno));
      return -1;
    }
    p->bEof = 1;
  }
  return 0;
}

int jsonl_next(jsonl_reader *p, const char **pz, size_t *pn, airc_err *pErr) {
  for(;;) {
    char *z = p->zBuf + p->iPos;
    size_t nAvail = p->iEnd - p->iPos;
    char *zNl = memchr(z, '\n', nAvail);
    size_t n = zNl ? (size_t)(zNl - z) : nAvail;
    if(n > p->nMax) {
      airc_err_set(pErr, AIRC_ERR_TOOBIG, "%s:%lld: line longer than %zu bytes", p->zPath,
                   (long long)p->iLine + 1, p->nMax);
      return -1;
    }
    if(!zNl && !p->bEof) {
      if(jsonl_fill(p, pErr)) return -1;
      continue;
    }
    if(!zNl && n == 0) return 0; /* end of file */
    p->iPos += n + (zNl ? 1 : 0);
    p->iLine++;
    if(n && z[n - 1] == '\r') n--;
    z[n] = 0;
    size_t i = 0;
    while(i < n && (z[i] == ' ' || z[i] == '\t')) i++;
    if(i == n) continue; /* blank */
    *pz = z;
    *pn = n;
    return 1;
  }
}

airc_rc jsonl_rewind(jsonl_reader *p, airc_err *pErr) {
  if(p->nLeft >= 0) return airc_err_set(pErr, AIRC_ERR_INVALID, "rewind %s: a range reader", p->zPath);
  if(fseek(p->f, 0, SEEK_SET) != 0)
    return airc_err_set(pErr, AIRC_ERR_IO, "rewind %s: %s", p->zPath, strerror(errno));
  clearerr(p->f);
  p->iLine = 0;
  p->iPos = p->iEnd = 0;
  p->bEof = 0;
  return AIRC_OK;
}

void jsonl_close(jsonl_reader *p) {
  if(p->f) fclose(p->f);
  free(p->zBuf);
  p->f = NULL;
  p->zBuf = NULL;
}
