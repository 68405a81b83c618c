/* config.c: see config.h. The settings live in a small array (there are a
 * few dozen at most).
 *
 * airc.ini is read by config_parse_file() below, not by inih: Debian's
 * libinih is built with INI_MAX_LINE=200 and inline ';' comments, so a
 * setting such as [spark] jars (a comma list of a dozen jar paths) was a
 * "syntax error" and a value holding ';' was cut. The format is inih's
 * minus inline comments: [section] headers, `key = value` (or `key: value`),
 * whole-line comments starting with '#' or ';', blank lines. */
#include "common/config.h"
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define CONFIG_MAX_ENTRIES 256
#define CONFIG_LINE_MAX (64 * 1024) /* longest airc.ini line */

typedef struct config_entry {
  char *zSection, *zKey, *zValue;
} config_entry;

static config_entry g_aEntry[CONFIG_MAX_ENTRIES];
static int g_nEntry;
static char g_zHome[4096];
static char g_zDags[4096], g_zDb[4096], g_zLogs[4096], g_zRun[4096], g_zData[4096];
static int g_loaded;

int airc_parse_bool(const char *z) {
  if(!z) return -1;
  if(!strcasecmp(z, "true") || !strcasecmp(z, "yes") || !strcasecmp(z, "on") || !strcmp(z, "1"))
    return 1;
  if(!strcasecmp(z, "false") || !strcasecmp(z, "no") || !strcasecmp(z, "off") || !strcmp(z, "0"))
    return 0;
  return -1;
}

static int config_ini_handler(void *pArg, const char *zSection, const char *zKey,
                              const char *zValue) {
  (void)pArg;
  for(int i = 0; i < g_nEntry; i++) {
    if(!strcasecmp(g_aEntry[i].zSection, zSection) && !strcasecmp(g_aEntry[i].zKey, zKey)) {
      char *z = strdup(zValue);
      if(!z) return 0;
      free(g_aEntry[i].zValue);
      g_aEntry[i].zValue = z;
      return 1;
    }
  }
  if(g_nEntry >= CONFIG_MAX_ENTRIES) return 0;
  config_entry *p = &g_aEntry[g_nEntry];
  p->zSection = strdup(zSection);
  p->zKey = strdup(zKey);
  p->zValue = strdup(zValue);
  if(!p->zSection || !p->zKey || !p->zValue) return 0;
  g_nEntry++;
  return 1;
}

static char *config_trim(char *z) {
  while(isspace((unsigned char)*z)) z++;
  char *e = z + strlen(z);
  while(e > z && isspace((unsigned char)e[-1])) *--e = 0;
  return z;
}

/* Reads airc.ini into the settings. Returns 0, or the number of the first
 * bad line (no closing ']', no '=' or ':', empty key, longer than
 * CONFIG_LINE_MAX), or -1 when out of memory or on a read error. */
static int config_parse_file(FILE *f) {
  char *zLine = NULL, zSection[256] = "";
  size_t nAlloc = 0;
  ssize_t n;
  int line = 0, rc = 0;
  while(!rc && (n = getline(&zLine, &nAlloc, f)) >= 0) {
    line++;
    if(n > CONFIG_LINE_MAX) { rc = line; break; }
    char *z = config_trim(zLine);
    if(line == 1 && !strncmp(z, "\xEF\xBB\xBF", 3)) z = config_trim(z + 3); /* UTF-8 BOM */
    if(!*z || *z == '#' || *z == ';') continue;
    if(*z == '[') {
      char *zEnd = strchr(z, ']');
      if(!zEnd || zEnd[1]) { rc = line; break; }
      *zEnd = 0;
      char *zName = config_trim(z + 1);
      if(strlen(zName) >= sizeof(zSection)) { rc = line; break; }
      snprintf(zSection, sizeof(zSection), "%s", zName);
      continue;
    }
    char *zSep = z + strcspn(z, "=:");
    if(!*zSep) { rc = line; break; }
    *zSep = 0;
    char *zKey = config_trim(z), *zValue = config_trim(zSep + 1);
    if(!*zKey) { rc = line; break; }
    if(!config_ini_handler(NULL, zSection, zKey, zValue)) rc = -1;
  }
  if(!rc && ferror(f)) rc = -1;
  free(zLine);
  return rc;
}

/* Makes zPath absolute relative to the current directory, in place. */
static void config_absolute(char *zPath, size_t nPath) {
  if(zPath[0] == '/') return;
  char zCwd[2048];
  if(!getcwd(zCwd, sizeof(zCwd))) return;
  char zTmp[4096];
  snprintf(zTmp, sizeof(zTmp), "%s/%s", zCwd, zPath);
  snprintf(zPath, nPath, "%s", zTmp);
}

static void config_path(char *zOut, size_t nOut, const char *zSection, const char *zKey,
                        const char *zDefaultLeaf) {
  const char *z = airc_config_get(zSection, zKey, NULL);
  if(z && *z) snprintf(zOut, nOut, "%s", z);
  else if(snprintf(zOut, nOut, "%s/%s", g_zHome, zDefaultLeaf) >= (int)nOut) zOut[0] = 0;
  config_absolute(zOut, nOut);
  size_t n = strlen(zOut);
  while(n > 1 && zOut[n - 1] == '/') zOut[--n] = 0;
}

/* The run folder holds only what lives as long as processes do: try locks,
 * result files between a supervisor and the scheduler, the scheduler's
 * lock and doorbell name. Thousands of small files are created and deleted
 * there per hour; on ext4 every creation in a folder full of recent
 * deletions walks inode tables, which showed high in `perf record` of short
 * tasks. So by default it lives on tmpfs, named after $AIRC_HOME: first in
 * $XDG_RUNTIME_DIR (the user's own 0700 tmpfs, /run/user/<uid>), else in
 * /dev/shm. /dev/shm is writable by everyone, so the name there can be
 * taken by another user first: fsafe_run_folder() refuses any folder that
 * is not a 0700 directory of ours. A reboot empties tmpfs, which is right:
 * the tries it spoke for are gone too, and the zombie sweep retries or
 * fails them. [core] run_folder overrides. */
static uint64_t config_home_hash(void) {
  uint64_t h = 1469598103934665603ULL;
  for(const char *z = g_zHome; *z; z++) {
    h ^= (unsigned char)*z;
    h *= 1099511628211ULL;
  }
  return h;
}

static void config_run_on_tmpfs(void) {
  struct stat st;
  const char *zXdg = getenv("XDG_RUNTIME_DIR");
  if(zXdg && zXdg[0] == '/' && strlen(zXdg) < 4000 && !stat(zXdg, &st) && S_ISDIR(st.st_mode) &&
     st.st_uid == getuid() && !access(zXdg, W_OK)) {
    snprintf(g_zRun, sizeof(g_zRun), "%s/airc-%016llx", zXdg, (unsigned long long)config_home_hash());
    return;
  }
  if(stat("/dev/shm", &st) || !S_ISDIR(st.st_mode) || access("/dev/shm", W_OK)) return;
  snprintf(g_zRun, sizeof(g_zRun), "/dev/shm/airc-%u-%016llx", (unsigned)getuid(),
           (unsigned long long)config_home_hash());
}

airc_rc airc_config_load(airc_err *pErr) {
  airc_config_free();
  const char *zHome = getenv("AIRC_HOME");
  if(zHome && *zHome) snprintf(g_zHome, sizeof(g_zHome), "%s", zHome);
  else snprintf(g_zHome, sizeof(g_zHome), "%s/airc", getenv("HOME") ? getenv("HOME") : "/tmp");
  config_absolute(g_zHome, sizeof(g_zHome));
  size_t n = strlen(g_zHome);
  while(n > 1 && g_zHome[n - 1] == '/') g_zHome[--n] = 0;

  char zIni[4200];
  snprintf(zIni, sizeof(zIni), "%s/airc.ini", g_zHome);
  FILE *f = fopen(zIni, "r");
  if(f) {
    int rc = config_parse_file(f);
    fclose(f);
    if(rc < 0) return airc_err_set(pErr, AIRC_ERR_IO, "%s: cannot read it (out of memory or I/O error)", zIni);
    if(rc > 0) return airc_err_set(pErr, AIRC_ERR_PARSE, "%s:%d: syntax error", zIni, rc);
  }
  g_loaded = 1;
  config_path(g_zDags, sizeof(g_zDags), "core", "dags_folder", "dags");
  config_path(g_zDb, sizeof(g_zDb), "database", "path", "airc.db");
  config_path(g_zLogs, sizeof(g_zLogs), "logging", "base_log_folder", "logs");
  config_path(g_zRun, sizeof(g_zRun), "core", "run_folder", "run");
  if(!airc_config_get("core", "run_folder", NULL)) config_run_on_tmpfs();
  config_path(g_zData, sizeof(g_zData), "core", "data_folder", "data");
  return AIRC_OK;
}

void airc_config_free(void) {
  for(int i = 0; i < g_nEntry; i++) {
    free(g_aEntry[i].zSection);
    free(g_aEntry[i].zKey);
    free(g_aEntry[i].zValue);
  }
  g_nEntry = 0;
  g_loaded = 0;
}

const char *airc_home(void) { return g_zHome; }

const char *airc_config_get(const char *zSection, const char *zKey, const char *zDefault) {
  char zEnv[256];
  int n = snprintf(zEnv, sizeof(zEnv), "AIRC__%s__%s", zSection, zKey);
  if(n > 0 && (size_t)n < sizeof(zEnv)) {
    for(char *p = zEnv; *p; p++) *p = (char)toupper((unsigned char)*p);
    const char *z = getenv(zEnv);
    if(z) return z;
  }
  for(int i = 0; i < g_nEntry; i++) {
    if(!strcasecmp(g_aEntry[i].zSection, zSection) && !strcasecmp(g_aEntry[i].zKey, zKey))
      return g_aEntry[i].zValue;
  }
  return zDefault;
}

int64_t airc_config_get_int(const char *zSection, const char *zKey, int64_t iDefault) {
  const char *z = airc_config_get(zSection, zKey, NULL);
  if(!z || !*z) return iDefault;
  char *zEnd;
  errno = 0;
  long long v = strtoll(z, &zEnd, 10);
  if(errno || *zEnd) return iDefault;
  return v;
}

int airc_config_get_bool(const char *zSection, const char *zKey, int bDefault) {
  int b = airc_parse_bool(airc_config_get(zSection, zKey, NULL));
  return b < 0 ? bDefault : b;
}

const char *airc_path_dags(void) { return g_zDags; }
const char *airc_path_db(void) { return g_zDb; }
const char *airc_store_target(void) {
  const char *zUrl = airc_config_get("database", "url", NULL);
  return zUrl && *zUrl ? zUrl : g_zDb;
}
const char *airc_path_logs(void) { return g_zLogs; }
const char *airc_path_run(void) { return g_zRun; }
const char *airc_path_data(void) { return g_zData; }
