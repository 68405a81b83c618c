/* testutil.h: small helpers shared by the cmocka unit tests (header-only,
 * static functions, so each test program stays one file to build).
 * Tests run from the repository root (as `make test-unit` does); set
 * AIRC_SRC_DIR to run them from elsewhere. */
#ifndef AIRC_TESTUTIL_H
#define AIRC_TESTUTIL_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <jansson.h>

/* Path of a file in the source tree, in a static buffer. */
static inline const char *testutil_src_path(const char *zRel) {
  static char zPath[4096];
  const char *zDir = getenv("AIRC_SRC_DIR");
  snprintf(zPath, sizeof(zPath), "%s/%s", zDir && *zDir ? zDir : ".", zRel);
  return zPath;
}

/* Whole file as a malloc'd NUL-terminated string (NULL on error); *pn gets
 * its length when pn is not NULL. */
static inline char *testutil_read_file(const char *zPath, size_t *pn) {
  if(pn) *pn = 0;
  FILE *f = fopen(zPath, "rb");
  if(!f) return NULL;
  size_t nAlloc = 4096, n = 0;
  char *z = malloc(nAlloc);
  while(z) {
    size_t got = fread(z + n, 1, nAlloc - n - 1, f);
    n += got;
    if(got == 0) break;
    if(nAlloc - n - 1 == 0) {
      char *zNew = realloc(z, nAlloc * 2);
      if(!zNew) { free(z); z = NULL; break; }
      z = zNew;
      nAlloc *= 2;
    }
  }
  fclose(f);
  if(z) z[n] = 0;
  if(pn) *pn = n;
  return z;
}

/* Loads a JSON file from the source tree; NULL (with a message on stderr)
 * on error. */
static inline json_t *testutil_load_json(const char *zRel) {
  json_error_t e;
  json_t *p = json_load_file(testutil_src_path(zRel), 0, &e);
  if(!p) fprintf(stderr, "%s:%d: %s\n", zRel, e.line, e.text);
  return p;
}

/* A fresh folder /tmp/airc-test-<zWhat>-XXXXXX in z (mkdtemp): 0, or -1. */
static inline int testutil_tmpdir_make(char *z, size_t n, const char *zWhat) {
  snprintf(z, n, "/tmp/airc-test-%s-XXXXXX", zWhat);
  return mkdtemp(z) ? 0 : -1;
}

/* Removes folder z and all in it (rm -rf): 0, or -1. */
static inline int testutil_tmpdir_remove(const char *z) {
  char zCmd[4200];
  snprintf(zCmd, sizeof(zCmd), "rm -rf '%s'", z);
  return system(zCmd) == 0 ? 0 : -1;
}

#endif
