/* dag_folder.c: see dag_folder.h. */
#include "scheduler/dag_folder.h"
#include "common/config.h"
#include "common/log.h"
#include "common/timeutil.h"
#include "dag/dag.h"
#include "executor/task_type.h"
#include "store/store_dag.h"
#include "store/store_dataset.h"
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
  int *aSlot;          /* open addressing: path -> index in aFile, -1 empty */
  int nSlot;
  int bSynced;         /* a full reconciliation has run */
  /* the task types the files were parsed against (task_type_schemas()): a
   * new set (a task-type plugin added, changed or removed) re-parses every
   * file, so that an import error it caused or cured is seen */
  const task_schema *const *apTypes;
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
  free(p->aSlot);
  free(p->zDir);
  free(p);
}

static int is_dag_file(const char *zName) {
  size_t n = strlen(zName);
  return (n > 4 && !strcmp(zName + n - 4, ".ini")) || (n > 5 && !strcmp(zName + n - 5, ".json"));
}

/* A file found by the listing, with what stat() said of it then. */
typedef struct listed {
  char *zPath;
  int64_t mtimeNs;
  int64_t size;
} listed;

typedef struct listing {
  listed *a;
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
        pL->a = realloc(pL->a, sizeof(listed) * (size_t)pL->nAlloc);
      }
      pL->a[pL->n++] = (listed){strdup(zPath), (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec,
                                (int64_t)st.st_size};
    }
  }
  closedir(d);
}

static int cmp_listed(const void *a, const void *b) {
  return strcmp(((const listed *)a)->zPath, ((const listed *)b)->zPath);
}

static uint64_t path_hash(const char *z) {
  uint64_t h = 1469598103934665603ULL;
  for(; *z; z++) h = (h ^ (unsigned char)*z) * 1099511628211ULL;
  return h;
}

/* Rebuilds the path index (after files were added or removed), sized for
 * nFile: a lookup costs O(1) with 10,000 files, not a walk of them all. */
static void folder_reindex(dag_folder *p) {
  int nWant = 64;
  while(nWant < p->nFile * 2) nWant *= 2;
  if(nWant != p->nSlot) {
    free(p->aSlot);
    p->aSlot = malloc(sizeof(int) * (size_t)nWant);
    p->nSlot = p->aSlot ? nWant : 0;
  }
  for(int i = 0; i < p->nSlot; i++) p->aSlot[i] = -1;
  for(int i = 0; i < p->nFile && p->nSlot; i++) {
    uint64_t h = path_hash(p->aFile[i].zPath) & (uint64_t)(p->nSlot - 1);
    while(p->aSlot[h] >= 0) h = (h + 1) & (uint64_t)(p->nSlot - 1);
    p->aSlot[h] = i;
  }
}

static folder_file *folder_find(dag_folder *p, const char *zPath) {
  if(!p->nSlot) { /* no index (out of memory): walk */
    for(int i = 0; i < p->nFile; i++)
      if(!strcmp(p->aFile[i].zPath, zPath)) return &p->aFile[i];
    return NULL;
  }
  for(uint64_t h = path_hash(zPath) & (uint64_t)(p->nSlot - 1); p->aSlot[h] >= 0; h = (h + 1) & (uint64_t)(p->nSlot - 1))
    if(!strcmp(p->aFile[p->aSlot[h]].zPath, zPath)) return &p->aFile[p->aSlot[h]];
  return NULL;
}

/* Upserts a good DAG and its version; AIRC_ERR_EXISTS (with a message) if
 * another live file already defines the same id. */
static airc_rc upsert_dag(store *s, const dag *d, const char *zFile, airc_err *pErr) {
  char zOther[4096];
  int bActive = 0;
  airc_rc rc = store_dag_file_get(s, d->zId, zOther, sizeof(zOther), &bActive, pErr);
  if(rc) return rc;
  if(bActive && zOther[0] && strcmp(zOther, zFile)) {
    struct stat sb;
    if(!stat(zOther, &sb))
      return airc_err_set(pErr, AIRC_ERR_EXISTS, "%s: DAG id '%s' is already defined in %s", zFile, d->zId, zOther);
  }
  int64_t now = airc_now_us();
  rc = store_dag_version_put(s, d, now, pErr);
  if(!rc)
    rc = store_dag_upsert(s, d, zFile, airc_config_get_bool("core", "dags_are_paused_at_creation", 1), now, pErr);
  if(!rc) rc = store_dataset_refs_set(s, d, now, pErr); /* its schedule's and outlets' datasets */
  return rc;
}

/* A growable list of strings, for ids and files collected during a walk. */
typedef struct str_list {
  char **az;
  int n;
  int bOom;
} str_list;

static void str_list_add(str_list *pL, const char *z) {
  char **azNew = realloc(pL->az, sizeof(char *) * (size_t)(pL->n + 1));
  char *zCopy = strdup(z);
  if(!azNew || !zCopy) {
    if(azNew) pL->az = azNew;
    free(zCopy);
    pL->bOom = 1;
    return;
  }
  pL->az = azNew;
  pL->az[pL->n++] = zCopy;
}

static void str_list_free(str_list *pL) {
  for(int i = 0; i < pL->n; i++) free(pL->az[i]);
  free(pL->az);
  pL->az = NULL;
  pL->n = 0;
}

typedef struct gone_ctx {
  dag_folder *p;
  str_list L;
} gone_ctx;

/* Active DAG whose file is gone or now defines another id (a file that
 * fails to parse keeps its last good DAG): to deactivate. */
static int collect_gone_dag(void *pv, const store_dag_file_row *pRow) {
  gone_ctx *c = pv;
  folder_file *f = folder_find(c->p, pRow->zFile);
  if(f && (!f->zDagId || !strcmp(f->zDagId, pRow->zDagId))) return 0;
  str_list_add(&c->L, pRow->zDagId);
  return 0;
}

/* Import error of a file that is gone: to drop. */
static int collect_gone_file(void *pv, const char *zFile) {
  gone_ctx *c = pv;
  if(!folder_find(c->p, zFile)) str_list_add(&c->L, zFile);
  return 0;
}

/* Deactivates DAGs whose file is gone or defines another id, and drops the
 * import errors of files that are gone. */
static airc_rc reconcile_gone(dag_folder *p, store *s, airc_err *pErr) {
  gone_ctx c = {p, {0}};
  airc_rc rc = store_dag_active_each(s, collect_gone_dag, &c, pErr);
  if(!rc && c.L.bOom) rc = airc_err_set(pErr, AIRC_ERR_NOMEM, "out of memory");
  for(int i = 0; !rc && i < c.L.n; i++) {
    rc = store_dag_deactivate(s, c.L.az[i], pErr);
    if(!rc) LOG_INFO("DAG '%s' deactivated: its file is gone or defines another DAG", c.L.az[i]);
  }
  str_list_free(&c.L);
  c.L.bOom = 0;
  if(!rc) rc = store_import_error_each_file(s, collect_gone_file, &c, pErr);
  if(!rc && c.L.bOom) rc = airc_err_set(pErr, AIRC_ERR_NOMEM, "out of memory");
  for(int i = 0; !rc && i < c.L.n; i++) rc = store_import_error_clear(s, c.L.az[i], pErr);
  str_list_free(&c.L);
  return rc;
}

/* A listed file in the picture being built: its state once the store has
 * taken it, and for a changed file what parsing it gave. */
typedef struct pending_file {
  folder_file f;
  int bChanged;
  dag *d;      /* changed and good: the parsed DAG (owned) */
  char *zErr;  /* changed and broken: why (owned) */
} pending_file;

static void folder_files_free(folder_file *a, int n) {
  for(int i = 0; i < n; i++) {
    free(a[i].zPath);
    free(a[i].zDagId);
  }
  free(a);
}

/* Writes what phase one found, in the caller's transaction. Sets the
 * zDagId of each changed good file that the store took. */
static airc_rc sync_write(store *s, pending_file *aP, int nP, char **azGone, int nGone, airc_err *pErr) {
  airc_rc rc = AIRC_OK;
  for(int i = 0; !rc && i < nP; i++) {
    pending_file *q = &aP[i];
    if(!q->bChanged) continue;
    if(!q->d) {
      rc = store_import_error_set(s, q->f.zPath, q->zErr ? q->zErr : "cannot parse", airc_now_us(), pErr);
      continue;
    }
    airc_err uerr = {0};
    airc_rc urc = upsert_dag(s, q->d, q->f.zPath, &uerr);
    if(urc == AIRC_ERR_EXISTS) {
      rc = store_import_error_set(s, q->f.zPath, uerr.zMsg, airc_now_us(), pErr);
    } else if(urc) {
      rc = airc_err_set(pErr, urc, "%s", uerr.zMsg);
    } else {
      free(q->f.zDagId);
      q->f.zDagId = strdup(q->d->zId);
      rc = store_import_error_clear(s, q->f.zPath, pErr);
    }
  }
  for(int i = 0; !rc && i < nGone; i++) rc = store_import_error_clear(s, azGone[i], pErr);
  return rc;
}

/* Two phases, so that no transaction is held while files are read:
 * 1. list and parse (no store access): build the new picture of the folder;
 * 2. one short write transaction applies it. The picture replaces this
 *    object's only once the store has committed it: a failed write (a busy
 *    store, say) leaves everything as it was, and the next sync redoes it. */
airc_rc dag_folder_sync(dag_folder *p, store *s, int *pnChanged, airc_err *pErr) {
  listing L = {0};
  list_dir(p->zDir, 0, &L);
  if(L.n) qsort(L.a, (size_t)L.n, sizeof(listed), cmp_listed);
  *pnChanged = 0;
  pending_file *aP = calloc((size_t)L.n + 1, sizeof(pending_file));
  char **azGone = calloc((size_t)p->nFile + 1, sizeof(char *));
  int nP = 0, nGone = 0, nChanged = 0;
  const task_schema *const *apTypes = task_type_schemas();
  const int bTypesChanged = p->apTypes && apTypes != p->apTypes;
  airc_rc rc = aP && azGone ? AIRC_OK : airc_err_set(pErr, AIRC_ERR_NOMEM, "out of memory");
  /* phase 1: what changed, parsed */
  for(int i = 0; !rc && i < p->nFile; i++) p->aFile[i].bSeen = 0;
  for(int i = 0; !rc && i < L.n; i++) {
    pending_file *q = &aP[nP++];
    q->f.zPath = L.a[i].zPath; /* taken */
    L.a[i].zPath = NULL;
    q->f.mtimeNs = L.a[i].mtimeNs;
    q->f.size = L.a[i].size;
    q->f.bSeen = 1;
    folder_file *old = folder_find(p, q->f.zPath);
    if(old) old->bSeen = 1;
    if(old && !bTypesChanged && old->mtimeNs == q->f.mtimeNs && old->size == q->f.size) {
      q->f.zDagId = old->zDagId ? strdup(old->zDagId) : NULL;
      continue;
    }
    q->bChanged = 1;
    nChanged++;
    airc_err perr = {0};
    if(dag_parse_file(q->f.zPath, apTypes, &q->d, &perr)) {
      LOG_WARN("import error: %s", perr.zMsg);
      q->d = NULL;
      q->zErr = strdup(perr.zMsg);
    }
  }
  for(int i = 0; !rc && i < p->nFile; i++)
    if(!p->aFile[i].bSeen) {
      azGone[nGone++] = p->aFile[i].zPath; /* borrowed from the old picture */
      nChanged++;
    }
  /* phase 2: one short write transaction, if anything is to be written */
  folder_file *aNew = NULL;
  if(!rc && (nChanged || !p->bSynced)) {
    aNew = calloc((size_t)nP + 1, sizeof(folder_file));
    if(!aNew) rc = airc_err_set(pErr, AIRC_ERR_NOMEM, "out of memory");
    if(!rc) rc = store_begin(s, pErr);
    if(!rc) {
      rc = sync_write(s, aP, nP, azGone, nGone, pErr);
      for(int i = 0; i < nP; i++) aNew[i] = aP[i].f;
      /* deactivate DAGs whose file is gone or now defines another id (a
       * file that fails to parse keeps its last good DAG); drop import
       * errors of files that are gone. Judged against the new picture. */
      folder_file *aOld = p->aFile;
      int nOld = p->nFile;
      p->aFile = aNew;
      p->nFile = nP;
      folder_reindex(p);
      if(!rc) rc = reconcile_gone(p, s, pErr);
      p->aFile = aOld;
      p->nFile = nOld;
      folder_reindex(p);
      if(!rc) rc = store_commit(s, pErr);
      else store_rollback(s);
    }
    if(!rc) {
      /* committed: the new picture is the folder's; its strings move over */
      folder_files_free(p->aFile, p->nFile);
      p->aFile = aNew;
      p->nFile = p->nAlloc = nP;
      folder_reindex(p);
      aNew = NULL;
      for(int i = 0; i < nP; i++) aP[i].f.zPath = aP[i].f.zDagId = NULL;
      p->bSynced = 1;
      p->apTypes = apTypes;
      *pnChanged = nChanged;
    }
  } else if(!rc) {
    /* nothing changed: keep the picture as it is */
  }
  free(aNew); /* on failure its strings still belong to aP */
  for(int i = 0; aP && i < nP; i++) {
    free(aP[i].f.zPath);
    free(aP[i].f.zDagId);
    dag_free(aP[i].d);
    free(aP[i].zErr);
  }
  free(aP);
  free(azGone);
  for(int i = 0; i < L.n; i++) free(L.a[i].zPath);
  free(L.a);
  return rc;
}
