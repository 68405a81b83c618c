/* dag_folder.c: see dag_folder.h. */
#include "scheduler/dag_folder.h"
#include "common/config.h"
#include "common/log.h"
#include "common/timeutil.h"
#include "dag/dag.h"
#include "executor/task_type.h"
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define DAG_FOLDER_MAX_FILES 10000
#define DAG_FOLDER_MAX_DEPTH 8

typedef struct folder_file {
  char *zPath;
  int64_t mtimeNs;
  int64_t size;
  int bSeen;           /* found in the current listing */
  char *zDagId;        /* id it defined when last parsed, NULL if broken */
} folder_file;

struct dag_folder {
  char *zDir;
  folder_file *aFile;
  int nFile, nAlloc;
  int bSynced;         /* a full reconciliation has run */
};

dag_folder *dag_folder_new(const char *zDir) {
  dag_folder *p = calloc(1, sizeof(dag_folder));
  if(p) p->zDir = strdup(zDir);
  return p;
}

void dag_folder_free(dag_folder *p) {
  if(!p) return;
  for(int i = 0; i < p->nFile; i++) {
    free(p->aFile[i].zPath);
    free(p->aFile[i].zDagId);
  }
  free(p->aFile);
  free(p->zDir);
  free(p);
}

static int is_dag_file(const char *zName) {
  size_t n = strlen(zName);
  return (n > 4 && !strcmp(zName + n - 4, ".ini")) || (n > 5 && !strcmp(zName + n - 5, ".json"));
}

typedef struct listing {
  char **azPath;
  int n, nAlloc;
} listing;

static void list_dir(const char *zDir, int depth, listing *pL) {
  if(depth > DAG_FOLDER_MAX_DEPTH) return;
  DIR *d = opendir(zDir);
  if(!d) return;
  struct dirent *e;
  while((e = readdir(d)) && pL->n < DAG_FOLDER_MAX_FILES) {
    if(e->d_name[0] == '.') continue;
    char zPath[4096];
    snprintf(zPath, sizeof(zPath), "%s/%s", zDir, e->d_name);
    struct stat st;
    if(stat(zPath, &st)) continue;
    if(S_ISDIR(st.st_mode)) {
      list_dir(zPath, depth + 1, pL);
    } else if(S_ISREG(st.st_mode) && is_dag_file(e->d_name)) {
      if(pL->n == pL->nAlloc) {
        pL->nAlloc = pL->nAlloc ? pL->nAlloc * 2 : 32;
        pL->azPath = realloc(pL->azPath, sizeof(char *) * (size_t)pL->nAlloc);
      }
      pL->azPath[pL->n++] = strdup(zPath);
    }
  }
  closedir(d);
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static folder_file *folder_find(dag_folder *p, const char *zPath) {
  for(int i = 0; i < p->nFile; i++)
    if(!strcmp(p->aFile[i].zPath, zPath)) return &p->aFile[i];
  return NULL;
}

static airc_rc set_import_error(store *s, const char *zFile, const char *zMsg, airc_err *pErr) {
  sqlite3_stmt *st = store_prepare(s,
      "INSERT INTO import_error(fileloc, message, timestamp_us) VALUES(?,?,?)"
      " ON CONFLICT(fileloc) DO UPDATE SET message=excluded.message, timestamp_us=excluded.timestamp_us"
      " WHERE message<>excluded.message", pErr);
  if(!st) return pErr->rc;
  sqlite3_bind_text(st, 1, zFile, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, zMsg, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 3, airc_now_us());
  int r = sqlite3_step(st);
  sqlite3_reset(st);
  return r == SQLITE_DONE ? AIRC_OK : store_fail(s, "import error", pErr);
}

static airc_rc clear_import_error(store *s, const char *zFile, airc_err *pErr) {
  sqlite3_stmt *st = store_prepare(s, "DELETE FROM import_error WHERE fileloc=?", pErr);
  if(!st) return pErr->rc;
  sqlite3_bind_text(st, 1, zFile, -1, SQLITE_STATIC);
  int r = sqlite3_step(st);
  sqlite3_reset(st);
  return r == SQLITE_DONE ? AIRC_OK : store_fail(s, "import error", pErr);
}

/* Upserts a good DAG; AIRC_ERR_EXISTS (with a message) if another live
 * file already defines the same id. */
static airc_rc upsert_dag(store *s, const dag *d, const char *zFile, airc_err *pErr) {
  sqlite3_stmt *st = store_prepare(s, "SELECT fileloc, is_active FROM dag WHERE dag_id=?", pErr);
  if(!st) return pErr->rc;
  sqlite3_bind_text(st, 1, d->zId, -1, SQLITE_STATIC);
  int bExists = 0;
  char zOther[4096] = "";
  if(sqlite3_step(st) == SQLITE_ROW) {
    bExists = 1;
    if(sqlite3_column_int(st, 1)) snprintf(zOther, sizeof(zOther), "%s", store_legacy_col_text(st, 0));
  }
  sqlite3_reset(st);
  if(zOther[0] && strcmp(zOther, zFile)) {
    struct stat sb;
    if(!stat(zOther, &sb))
      return airc_err_set(pErr, AIRC_ERR_EXISTS, "%s: DAG id '%s' is already defined in %s", zFile, d->zId, zOther);
  }
  json_t *pDoc = dag_to_json(d);
  char *zJson = json_dumps(pDoc, JSON_COMPACT | JSON_SORT_KEYS);
  char *zTags = json_dumps(d->pTags, JSON_COMPACT);
  json_decref(pDoc);
  int64_t now = airc_now_us();
  airc_rc rc = AIRC_OK;
  st = store_prepare(s, "INSERT OR IGNORE INTO dag_version(hash, dag_id, json, created_us) VALUES(?,?,?,?)", pErr);
  if(!st) rc = pErr->rc;
  else {
    sqlite3_bind_text(st, 1, d->zHash, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, d->zId, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, zJson, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, now);
    if(sqlite3_step(st) != SQLITE_DONE) rc = store_fail(s, "insert DAG version", pErr);
    sqlite3_reset(st);
  }
  if(!rc && !bExists) {
    st = store_prepare(s, "INSERT INTO dag(dag_id, is_paused, created_us) VALUES(?,?,?)", pErr);
    if(!st) rc = pErr->rc;
    else {
      sqlite3_bind_text(st, 1, d->zId, -1, SQLITE_STATIC);
      sqlite3_bind_int(st, 2, airc_config_get_bool("core", "dags_are_paused_at_creation", 1));
      sqlite3_bind_int64(st, 3, now);
      if(sqlite3_step(st) != SQLITE_DONE) rc = store_fail(s, "insert DAG", pErr);
      sqlite3_reset(st);
    }
  }
  if(!rc) {
    st = store_prepare(s, "UPDATE dag SET fileloc=?, is_active=1, description=?, schedule=?, tags=?,"
                          " current_hash=?, last_parsed_us=? WHERE dag_id=?", pErr);
    if(!st) rc = pErr->rc;
    else {
      sqlite3_bind_text(st, 1, zFile, -1, SQLITE_STATIC);
      sqlite3_bind_text(st, 2, d->zDescription, -1, SQLITE_STATIC);
      sqlite3_bind_text(st, 3, d->zSchedule, -1, SQLITE_STATIC);
      sqlite3_bind_text(st, 4, zTags ? zTags : "[]", -1, SQLITE_STATIC);
      sqlite3_bind_text(st, 5, d->zHash, -1, SQLITE_STATIC);
      sqlite3_bind_int64(st, 6, now);
      sqlite3_bind_text(st, 7, d->zId, -1, SQLITE_STATIC);
      if(sqlite3_step(st) != SQLITE_DONE) rc = store_fail(s, "update DAG", pErr);
      sqlite3_reset(st);
    }
  }
  free(zJson);
  free(zTags);
  return rc;
}

airc_rc dag_folder_sync(dag_folder *p, store *s, int *pnChanged, airc_err *pErr) {
  listing L = {0};
  list_dir(p->zDir, 0, &L);
  if(L.n) qsort(L.azPath, (size_t)L.n, sizeof(char *), cmp_str);
  *pnChanged = 0;
  for(int i = 0; i < p->nFile; i++) p->aFile[i].bSeen = 0;
  airc_rc rc = AIRC_OK;
  int bTxn = 0;
  for(int i = 0; !rc && i < L.n; i++) {
    struct stat st;
    if(stat(L.azPath[i], &st)) continue;
    int64_t mtimeNs = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
    folder_file *f = folder_find(p, L.azPath[i]);
    if(f) {
      f->bSeen = 1;
      if(f->mtimeNs == mtimeNs && f->size == st.st_size) continue;
    } else {
      if(p->nFile == p->nAlloc) {
        p->nAlloc = p->nAlloc ? p->nAlloc * 2 : 32;
        p->aFile = realloc(p->aFile, sizeof(folder_file) * (size_t)p->nAlloc);
      }
      f = &p->aFile[p->nFile++];
      f->zPath = strdup(L.azPath[i]);
      f->zDagId = NULL;
      f->bSeen = 1;
    }
    f->mtimeNs = mtimeNs;
    f->size = st.st_size;
    if(!bTxn) {
      rc = store_begin(s, pErr);
      if(rc) break;
      bTxn = 1;
    }
    (*pnChanged)++;
    dag *d = NULL;
    airc_err perr = {0};
    free(f->zDagId);
    f->zDagId = NULL;
    if(dag_parse_file(L.azPath[i], task_type_schemas(), &d, &perr)) {
      LOG_WARN("import error: %s", perr.zMsg);
      rc = set_import_error(s, L.azPath[i], perr.zMsg, pErr);
      continue;
    }
    airc_err uerr = {0};
    airc_rc urc = upsert_dag(s, d, L.azPath[i], &uerr);
    if(urc == AIRC_ERR_EXISTS) {
      rc = set_import_error(s, L.azPath[i], uerr.zMsg, pErr);
    } else if(urc) {
      rc = airc_err_set(pErr, urc, "%s", uerr.zMsg);
    } else {
      f->zDagId = strdup(d->zId);
      rc = clear_import_error(s, L.azPath[i], pErr);
    }
    dag_free(d);
  }
  /* files that disappeared */
  for(int i = 0; !rc && i < p->nFile; i++) {
    if(p->aFile[i].bSeen) continue;
    if(!bTxn) {
      rc = store_begin(s, pErr);
      if(rc) break;
      bTxn = 1;
    }
    (*pnChanged)++;
    rc = clear_import_error(s, p->aFile[i].zPath, pErr);
    free(p->aFile[i].zPath);
    free(p->aFile[i].zDagId);
    p->aFile[i] = p->aFile[--p->nFile];
    i--;
  }
  if(!rc && (*pnChanged || !p->bSynced)) {
    /* deactivate DAGs whose file is gone or now defines another id (a file
     * that fails to parse keeps its last good DAG); drop import errors of
     * files that are gone */
    if(!bTxn) {
      rc = store_begin(s, pErr);
      bTxn = !rc;
    }
    sqlite3_stmt *st = rc ? NULL : store_prepare(s, "SELECT dag_id, fileloc FROM dag WHERE is_active=1", pErr);
    if(!rc && !st) rc = pErr->rc;
    char **azGone = NULL;
    int nGone = 0;
    while(!rc && sqlite3_step(st) == SQLITE_ROW) {
      const char *zId = store_legacy_col_text(st, 0);
      folder_file *f = folder_find(p, store_legacy_col_text(st, 1));
      if(f && (!f->zDagId || !strcmp(f->zDagId, zId))) continue;
      azGone = realloc(azGone, sizeof(char *) * (size_t)(nGone + 1));
      azGone[nGone++] = strdup(zId);
    }
    if(st) sqlite3_reset(st);
    for(int i = 0; !rc && i < nGone; i++) {
      sqlite3_stmt *u = store_prepare(s, "UPDATE dag SET is_active=0 WHERE dag_id=?", pErr);
      if(!u) rc = pErr->rc;
      else {
        sqlite3_bind_text(u, 1, azGone[i], -1, SQLITE_STATIC);
        if(sqlite3_step(u) != SQLITE_DONE) rc = store_fail(s, "deactivate DAG", pErr);
        sqlite3_reset(u);
        LOG_INFO("DAG '%s' deactivated: its file is gone or defines another DAG", azGone[i]);
      }
    }
    for(int i = 0; i < nGone; i++) free(azGone[i]);
    free(azGone);
    nGone = 0;
    azGone = NULL;
    st = rc ? NULL : store_prepare(s, "SELECT fileloc FROM import_error", pErr);
    while(st && sqlite3_step(st) == SQLITE_ROW) {
      if(folder_find(p, store_legacy_col_text(st, 0))) continue;
      azGone = realloc(azGone, sizeof(char *) * (size_t)(nGone + 1));
      azGone[nGone++] = strdup(store_legacy_col_text(st, 0));
    }
    if(st) sqlite3_reset(st);
    for(int i = 0; !rc && i < nGone; i++) rc = clear_import_error(s, azGone[i], pErr);
    for(int i = 0; i < nGone; i++) free(azGone[i]);
    free(azGone);
    p->bSynced = 1;
  }
  if(bTxn) {
    if(!rc) rc = store_commit(s, pErr);
    else store_rollback(s);
  }
  for(int i = 0; i < L.n; i++) free(L.azPath[i]);
  free(L.azPath);
  return rc;
}
