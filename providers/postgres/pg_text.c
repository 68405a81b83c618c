/* pg_text.c: see pg_text.h. */
#include "providers/postgres/pg_text.h"
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void pg_text_one_line(const char *zIn, char *zOut, size_t nOut) {
  if(!nOut) return;
  size_t n = 0;
  int bSpace = 0, bCut = 0;
  for(const char *p = zIn ? zIn : ""; *p; p++) {
    if(isspace((unsigned char)*p)) { bSpace = n > 0; continue; }
    size_t need = bSpace ? 2 : 1;
    if(n + need >= nOut) { bCut = 1; break; }
    if(bSpace) zOut[n++] = ' ';
    bSpace = 0;
    zOut[n++] = *p;
  }
  zOut[n] = 0;
  if(bCut && nOut > 4) {
    size_t k = n < nOut - 4 ? n : nOut - 4;
    memcpy(zOut + k, "...", 4);
  }
}

int pg_text_truthy(const char *zCell, int bNull) {
  if(bNull || !zCell) return 0;
  while(isspace((unsigned char)*zCell)) zCell++;
  char z[16];
  size_t n = strlen(zCell);
  while(n && isspace((unsigned char)zCell[n - 1])) n--;
  if(n == 0) return 0;
  if(n < sizeof(z)) {
    memcpy(z, zCell, n);
    z[n] = 0;
    static const char *const azFalse[] = {"f", "false", "no", "off", NULL};
    for(int i = 0; azFalse[i]; i++)
      if(!strcasecmp(z, azFalse[i])) return 0;
  }
  /* a number equal to zero: the whole cell must be numeric */
  char zNum[64];
  if(n >= sizeof(zNum)) return 1;
  memcpy(zNum, zCell, n);
  zNum[n] = 0;
  char *zEnd = NULL;
  double d = strtod(zNum, &zEnd);
  if(zEnd && *zEnd == 0 && zEnd != zNum && !isalpha((unsigned char)zNum[0]) &&
     strcasecmp(zNum, "nan") != 0)
    return d != 0.0;
  return 1;
}

int pg_text_uuid_canon(const char *z, char zOut[37]) {
  if(!z) return -1;
  while(isspace((unsigned char)*z)) z++;
  size_t i = 0;
  for(; i < 36; i++) {
    char c = z[i];
    if(i == 8 || i == 13 || i == 18 || i == 23) {
      if(c != '-') return -1;
      zOut[i] = '-';
    } else {
      if(!isxdigit((unsigned char)c)) return -1;
      zOut[i] = (char)tolower((unsigned char)c);
    }
  }
  for(const char *p = z + 36; *p; p++)
    if(!isspace((unsigned char)*p)) return -1;
  zOut[36] = 0;
  return 0;
}

static int pg_text_name_ok(const char *z, size_t n) {
  if(n == 0 || n > 63 || !(isalpha((unsigned char)z[0]) || z[0] == '_')) return 0;
  for(size_t i = 0; i < n; i++)
    if(!(isalnum((unsigned char)z[i]) || z[i] == '_')) return 0;
  return 1;
}

int pg_text_ident_ok(const char *z) {
  if(!z) return 0;
  const char *zDot = strchr(z, '.');
  if(!zDot) return pg_text_name_ok(z, strlen(z));
  return pg_text_name_ok(z, (size_t)(zDot - z)) && pg_text_name_ok(zDot + 1, strlen(zDot + 1));
}
