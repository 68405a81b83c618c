/* route.c: see route.h. */
#include "webui/route.h"
#include <string.h>

int route_match(const char *zPattern, const char *zPath, char *zBuf, size_t nBuf,
                const char **azParam, int nMax, int *pnParam) {
  size_t n = strlen(zPath);
  *pnParam = 0;
  if(n + 1 > nBuf) return 0;
  memcpy(zBuf, zPath, n + 1);
  const char *p = zPattern;
  char *q = zBuf;
  int nParam = 0, iRest = -1;
  /* walk both, one "/segment" at a time */
  while(*p && *q) {
    if(*p != '/' || *q != '/') return 0;
    p++;
    q++;
    const char *pEnd = strchrnul(p, '/');
    char *qEnd = strchrnul(q, '/');
    size_t np = (size_t)(pEnd - p), nq = (size_t)(qEnd - q);
    if(np >= 3 && !*pEnd && p[0] == '{' && pEnd[-2] == '*' && pEnd[-1] == '}') {
      /* "{name*}", last: the rest of the path */
      if(nq == 0 || nParam >= nMax) return 0;
      iRest = nParam;
      azParam[nParam++] = q;
      p = pEnd;
      q += strlen(q);
      break;
    }
    if(np >= 2 && p[0] == '{' && pEnd[-1] == '}') {
      if(nq == 0 || nParam >= nMax) return 0;
      azParam[nParam++] = q;
    } else if(np != nq || memcmp(p, q, np)) {
      return 0;
    }
    p = pEnd;
    q = qEnd;
  }
  if(*p || *q) return 0;
  /* now cut each capture at its next '/' (later captures start after it) */
  for(int i = 0; i < nParam; i++) {
    if(i == iRest) continue;
    char *zSlash = strchr(azParam[i], '/');
    if(zSlash) *zSlash = 0;
  }
  *pnParam = nParam;
  return 1;
}
