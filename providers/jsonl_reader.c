/* jsonl_reader.c: see jsonl_reader.h. getc_unlocked() keeps the cap exact
 * (getline() would grow without bound on a file with no newline). */
#include "providers/jsonl_reader.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>

airc_rc jsonl_open(jsonl_reader *p, const char *zPath, size_t nMax, airc_err *pErr) {
  memset(p, 0, sizeof(*p));
  p->zPath = zPath;
  p->nMax = nMax;
  p->f = fopen(zPath, "r");
  if(!p->f) return airc_err_set(pErr, AIRC_ERR_IO, "open %s: %s", zPath, strerror(errno));
  p->zBuf = malloc(nMax + 1);
  if(!p->zBuf) {
    fclose(p->f);
    p->f = NULL;
    return airc_err_set(pErr, AIRC_ERR_NOMEM, "out of memory");
  }
  return AIRC_OK;
}

int jsonl_next(jsonl_reader *p, const char **pz, size_t *pn, airc_err *pErr) {
  for(;;) {
    size_t n = 0;
    int c;
    while((c = getc_unlocked(p->f)) != EOF && c != '\n') {
      if(n >= p->nMax) {
        airc_err_set(pErr, AIRC_ERR_TOOBIG, "%s:%lld: line longer than %zu bytes", p->zPath,
                     (long long)p->iLine + 1, p->nMax);
        return -1;
      }
      p->zBuf[n++] = (char)c;
    }
    if(c == EOF && ferror(p->f)) {
      airc_err_set(pErr, AIRC_ERR_IO, "read %s: %s", p->zPath, strerror(errno));
      return -1;
    }
    if(c == EOF && n == 0) return 0;
    p->iLine++;
    if(n && p->zBuf[n - 1] == '\r') n--;
    p->zBuf[n] = 0;
    size_t i = 0;
    while(i < n && (p->zBuf[i] == ' ' || p->zBuf[i] == '\t')) i++;
    if(i == n) continue; /* blank */
    *pz = p->zBuf;
    *pn = n;
    return 1;
  }
}

airc_rc jsonl_rewind(jsonl_reader *p, airc_err *pErr) {
  if(fseek(p->f, 0, SEEK_SET) != 0)
    return airc_err_set(pErr, AIRC_ERR_IO, "rewind %s: %s", p->zPath, strerror(errno));
  p->iLine = 0;
  return AIRC_OK;
}

void jsonl_close(jsonl_reader *p) {
  if(p->f) fclose(p->f);
  free(p->zBuf);
  p->f = NULL;
  p->zBuf = NULL;
}
