/* spark_checkpoint.c: see spark_checkpoint.h. Files are read whole, capped
 * at SPARK_CHECKPOINT_MAX_FILE; batch numbers are the names of the files
 * in commits/ that are all digits. */
#include "providers/spark/spark_checkpoint.h"
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

airc_rc spark_checkpoint_parse_offsets(const char *zText, json_t **ppOut, airc_err *pErr) {
  *ppOut = NULL;
  const char *zEol = strchr(zText, '\n');
  if(!zEol || strncmp(zText, "v", 1))
    return airc_err_set(pErr, AIRC_ERR_PARSE, "offsets file: no version line");
  const char *zMeta = zEol + 1;
  zEol = strchr(zMeta, '\n');
  if(!zEol) return airc_err_set(pErr, AIRC_ERR_PARSE, "offsets file: no batch metadata line");
  json_t *pOut = json_array();
  for(const char *z = zEol + 1; *z;) {
    const char *zEnd = strchr(z, '\n');
    size_t n = zEnd ? (size_t)(zEnd - z) : strlen(z);
    json_t *pSrc = n && *z == '{' ? json_loadb(z, n, 0, NULL) : NULL;
    const char *zTopic;
    json_t *pParts;
    json_object_foreach(pSrc, zTopic, pParts) {
      const char *zPart;
      json_t *pOff;
      json_object_foreach(pParts, zPart, pOff) {
        char *zBad = NULL;
        long part = strtol(zPart, &zBad, 10);
        if(!json_is_integer(pOff) || *zBad || zBad == zPart) continue;
        json_array_append_new(pOut, json_pack("{sssIsI}", "topic", zTopic, "partition", (json_int_t)part,
                                              "committed", json_integer_value(pOff)));
      }
    }
    json_decref(pSrc);
    z += n + (zEnd ? 1 : 0);
  }
  *ppOut = pOut;
  return AIRC_OK;
}

/* The newest batch number in zDir/commits, -1 if none. */
static long long checkpoint_last_commit(const char *zDir) {
  char zPath[4096];
  snprintf(zPath, sizeof(zPath), "%s/commits", zDir);
  DIR *d = opendir(zPath);
  if(!d) return -1;
  long long best = -1;
  struct dirent *e;
  while((e = readdir(d))) {
    char *zEnd = NULL;
    if(e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    long long n = strtoll(e->d_name, &zEnd, 10);
    if(!*zEnd && n > best) best = n;
  }
  closedir(d);
  return best;
}

/* zPath's text (malloc'd) or NULL with errno/EFBIG. */
static char *checkpoint_slurp(const char *zPath) {
  FILE *f = fopen(zPath, "rb");
  if(!f) return NULL;
  char *z = malloc(SPARK_CHECKPOINT_MAX_FILE + 1);
  size_t n = z ? fread(z, 1, SPARK_CHECKPOINT_MAX_FILE + 1, f) : 0;
  fclose(f);
  if(!z || n > SPARK_CHECKPOINT_MAX_FILE) {
    free(z);
    errno = EFBIG;
    return NULL;
  }
  z[n] = 0;
  return z;
}

json_t *spark_checkpoint_group(const char *zName, const char *zDir) {
  json_t *pG = json_pack("{s:s+ s:s s:b s:s s:s s:n s:[] s:[] s:n}", "group_id", "spark:", zName, "state", "Checkpoint",
                         "simple", 0, "kind", "spark_checkpoint", "checkpoint", zDir, "batch", "members", "offsets",
                         "error");
  if(!pG) return NULL;
  long long batch = checkpoint_last_commit(zDir);
  if(batch < 0) return pG; /* nothing processed yet */
  char zPath[4096];
  snprintf(zPath, sizeof(zPath), "%s/offsets/%lld", zDir, batch);
  char *zText = checkpoint_slurp(zPath);
  if(!zText) {
    json_object_set_new(pG, "error", json_sprintf("%s: %s", zPath, strerror(errno)));
    return pG;
  }
  json_t *pOffsets = NULL;
  airc_err err = {0};
  if(spark_checkpoint_parse_offsets(zText, &pOffsets, &err)) {
    json_object_set_new(pG, "error", json_sprintf("%s: %s", zPath, airc_err_msg(&err)));
  } else {
    json_object_set_new(pG, "offsets", pOffsets);
    json_object_set_new(pG, "batch", json_integer(batch));
  }
  free(zText);
  return pG;
}

static int checkpoint_is_dir(const char *zPath) {
  struct stat st;
  return stat(zPath, &st) == 0 && S_ISDIR(st.st_mode);
}

static int checkpoint_name_cmp(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted names of the subfolders of zDir (malloc'd array of malloc'd
 * strings, at most nMax); *pn their count. */
static char **checkpoint_subdirs(const char *zDir, int nMax, int *pn) {
  *pn = 0;
  DIR *d = opendir(zDir);
  if(!d) return NULL;
  char **az = calloc((size_t)nMax, sizeof(char *));
  struct dirent *e;
  while(az && *pn < nMax && (e = readdir(d))) {
    if(e->d_name[0] == '.') continue;
    char zPath[4096];
    snprintf(zPath, sizeof(zPath), "%s/%s", zDir, e->d_name);
    if(checkpoint_is_dir(zPath) && (az[*pn] = strdup(e->d_name))) (*pn)++;
  }
  closedir(d);
  if(az) qsort(az, (size_t)*pn, sizeof(char *), checkpoint_name_cmp);
  return az;
}

json_t *spark_checkpoint_scan(const char *zRoot) {
  json_t *pOut = json_array();
  int nDag = 0;
  char **azDag = checkpoint_subdirs(zRoot, 256, &nDag);
  for(int i = 0; i < nDag; i++) {
    char zDag[4200];
    snprintf(zDag, sizeof(zDag), "%s/%s", zRoot, azDag[i]);
    int nTask = 0;
    char **azTask = checkpoint_subdirs(zDag, 256, &nTask);
    for(int j = 0; j < nTask; j++) {
      char zDir[8300], zOffsets[8400], zName[600];
      snprintf(zDir, sizeof(zDir), "%s/%s", zDag, azTask[j]);
      snprintf(zOffsets, sizeof(zOffsets), "%s/offsets", zDir);
      if(json_array_size(pOut) >= SPARK_CHECKPOINT_MAX_QUERIES || !checkpoint_is_dir(zOffsets)) continue;
      snprintf(zName, sizeof(zName), "%.250s/%.250s", azDag[i], azTask[j]);
      json_array_append_new(pOut, spark_checkpoint_group(zName, zDir));
    }
    for(int j = 0; j < nTask; j++) free(azTask[j]);
    free(azTask);
  }
  for(int i = 0; i < nDag; i++) free(azDag[i]);
  free(azDag);
  return pOut;
}
