/* task_plugin.c: task types defined by `airc-type-NAME` programs (see
 * task_plugin.h): scanning the plugins folder, running and caching
 * --describe, checking descriptions, and running a try.
 *
 * Not for: validating DAG files (dag/ does that with the schemas built
 * here) or supervising the try (exec_spawn.c forks the task process that
 * calls task_plugin_run()). */
#include "executor/task_plugin.h"
#include "common/config.h"
#include "common/dynbuf.h"
#include "common/fsafe.h"
#include "common/log.h"
#include "dag/dag.h"
#include "dag/task_schema.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* One scan of the folder. Generations are never freed: a pointer handed
 * out stays valid (plugins change rarely; a process sees few scans). */
typedef struct plugin_set {
  task_plugin *a;
  int n;
  const task_schema **apSchema; /* builtins + usable plugins, NULL-terminated */
  const task_schema *const *apBuiltin;
  char zSig[64];                /* folder mtime, to notice a change */
  char (*azFileSig)[64];        /* each plugin's mtime and size, row for row with a */
  struct plugin_set *pOlder;    /* the generation it replaced (kept, reachable) */
} plugin_set;


static plugin_set *g_pSet;   /* the current generation; read under g_mutex */
static time_t g_lastCheck;
/* the web server asks from several threads: one scan at a time */
static pthread_mutex_t g_mutex = PTHREAD_MUTEX_INITIALIZER;

const char *task_plugin_folder(void) {
  static char zPath[4096];
  const char *z = airc_config_get("core", "plugins_folder", NULL);
  if(z && *z) snprintf(zPath, sizeof(zPath), "%s", z);
  else snprintf(zPath, sizeof(zPath), "%s/plugins", airc_home());
  return zPath;
}

static const char *const azOptionTypes[] = {"string", "integer", "number", "boolean", "json", NULL};

static int name_ok(const char *z, size_t nMax) {
  size_t n = strlen(z);
  if(!n || n > nMax) return 0;
  for(; *z; z++)
    if(!(*z >= 'a' && *z <= 'z') && !(*z >= 'A' && *z <= 'Z') && !(*z >= '0' && *z <= '9') && *z != '_' && *z != '-')
      return 0;
  return 1;
}

static int type_known(const char *z) {
  for(int i = 0; azOptionTypes[i]; i++)
    if(!strcmp(azOptionTypes[i], z)) return 1;
  return 0;
}

/* 1 if JSON value v is of declared type zType. */
static int json_is_type(json_t *v, const char *zType) {
  if(!strcmp(zType, "string")) return json_is_string(v);
  if(!strcmp(zType, "integer")) return json_is_integer(v);
  if(!strcmp(zType, "number")) return json_is_number(v);
  if(!strcmp(zType, "boolean")) return json_is_boolean(v);
  return 1; /* json: anything */
}

airc_rc task_plugin_check_describe(const char *zName, const char *zText, json_t **ppOut, airc_err *pErr) {
  *ppOut = NULL;
  json_error_t je;
  json_t *p = json_loads(zText, 0, &je);
  if(!json_is_object(p)) {
    json_decref(p);
    return airc_err_set(pErr, AIRC_ERR_INVALID, "--describe: not a JSON object (%s)", p ? "another value" : je.text);
  }
  airc_rc rc = AIRC_OK;
  json_t *pName = json_object_get(p, "name");
  json_t *pOpts = json_object_get(p, "options");
  json_t *pDesc = json_object_get(p, "description");
  if(pName && (!json_is_string(pName) || strcmp(json_string_value(pName), zName)))
    rc = airc_err_set(pErr, AIRC_ERR_INVALID, "--describe: \"name\" must be \"%s\" (the file's name)", zName);
  else if(pDesc && !json_is_string(pDesc))
    rc = airc_err_set(pErr, AIRC_ERR_INVALID, "--describe: \"description\" must be a string");
  else if(!json_is_array(pOpts))
    rc = airc_err_set(pErr, AIRC_ERR_INVALID, "--describe: \"options\" must be a list of objects");
  else if(json_array_size(pOpts) > 200)
    rc = airc_err_set(pErr, AIRC_ERR_INVALID, "--describe: more than 200 options");
  json_t *pSeen = json_object();
  size_t i;
  json_t *o;
  json_array_foreach(pOpts, i, o) {
    if(rc) break;
    const char *zOpt = json_string_value(json_object_get(o, "name"));
    if(!json_is_object(o) || !zOpt) {
      rc = airc_err_set(pErr, AIRC_ERR_INVALID, "--describe: option #%zu needs a \"name\"", i + 1);
      break;
    }
    if(!name_ok(zOpt, 64) || strchr(zOpt, '-')) {
      rc = airc_err_set(pErr, AIRC_ERR_INVALID, "--describe: option name '%.80s' must be 1..64 letters, digits or '_'",
                        zOpt);
      break;
    }
    if(dag_is_task_common_key(zOpt)) {
      rc = airc_err_set(pErr, AIRC_ERR_INVALID, "--describe: option '%s' is a key every task takes (id, type, upstream, ...)",
                        zOpt);
      break;
    }
    if(json_object_get(pSeen, zOpt)) {
      rc = airc_err_set(pErr, AIRC_ERR_INVALID, "--describe: option '%s' is listed twice", zOpt);
      break;
    }
    json_object_set_new(pSeen, zOpt, json_true());
    const char *zKey;
    json_t *v;
    json_object_foreach(o, zKey, v) {
      if(strcmp(zKey, "name") && strcmp(zKey, "type") && strcmp(zKey, "required") && strcmp(zKey, "default") &&
         strcmp(zKey, "secret") && strcmp(zKey, "description")) {
        rc = airc_err_set(pErr, AIRC_ERR_INVALID, "--describe: option '%s': unknown field '%.60s'", zOpt, zKey);
        break;
      }
    }
    if(rc) break;
    json_t *pType = json_object_get(o, "type");
    if(pType && (!json_is_string(pType) || !type_known(json_string_value(pType)))) {
      rc = airc_err_set(pErr, AIRC_ERR_INVALID,
                        "--describe: option '%s': type must be string, integer, number, boolean or json", zOpt);
      break;
    }
    const char *zType = pType ? json_string_value(pType) : "string";
    static const char *const azBool[] = {"required", "secret"};
    for(int k = 0; k < 2 && !rc; k++) {
      json_t *b = json_object_get(o, azBool[k]);
      if(b && !json_is_boolean(b))
        rc = airc_err_set(pErr, AIRC_ERR_INVALID, "--describe: option '%s': %s must be true or false", zOpt, azBool[k]);
    }
    if(rc) break;
    json_t *pDef = json_object_get(o, "default");
    if(pDef && !json_is_null(pDef) && !json_is_type(pDef, zType)) {
      rc = airc_err_set(pErr, AIRC_ERR_INVALID, "--describe: option '%s': default is not of type %s", zOpt, zType);
      break;
    }
    if(json_object_get(o, "description") && !json_is_string(json_object_get(o, "description"))) {
      rc = airc_err_set(pErr, AIRC_ERR_INVALID, "--describe: option '%s': description must be a string", zOpt);
      break;
    }
    json_object_set_new(o, "type", json_string(zType));
    if(!json_object_get(o, "required")) json_object_set_new(o, "required", json_false());
    if(!json_object_get(o, "secret")) json_object_set_new(o, "secret", json_false());
  }
  json_decref(pSeen);
  if(rc) {
    json_decref(p);
    return rc;
  }
  *ppOut = p;
  return AIRC_OK;
}

/* Runs `zPath --describe` with a time limit; its stdout into *pzOut
 * (malloc'ed). Errors name the exit status and stderr's last line. */
static airc_rc describe_exec(const char *zPath, char **pzOut, airc_err *pErr) {
  int aOut[2], aErr[2];
  *pzOut = NULL;
  if(pipe2(aOut, O_CLOEXEC)) return airc_err_set(pErr, AIRC_ERR_IO, "pipe: %s", strerror(errno));
  if(pipe2(aErr, O_CLOEXEC)) {
    close(aOut[0]);
    close(aOut[1]);
    return airc_err_set(pErr, AIRC_ERR_IO, "pipe: %s", strerror(errno));
  }
  pid_t pid = fork();
  if(pid == 0) {
    int nullFd = open("/dev/null", O_RDONLY);
    if(nullFd >= 0) dup2(nullFd, 0);
    dup2(aOut[1], 1);
    dup2(aErr[1], 2);
    signal(SIGPIPE, SIG_DFL);
    execl(zPath, zPath, "--describe", (char *)NULL);
    /* async-signal-safe only: the web server forks this from one of its threads */
    static const char zMsg[] = "cannot execute the program\n";
    ssize_t w = write(2, zMsg, sizeof(zMsg) - 1);
    (void)w;
    _exit(127);
  }
  close(aOut[1]);
  close(aErr[1]);
  if(pid < 0) {
    close(aOut[0]);
    close(aErr[0]);
    return airc_err_set(pErr, AIRC_ERR_IO, "fork: %s", strerror(errno));
  }
  dynbuf out, err;
  dynbuf_init(&out, TASK_PLUGIN_DESCRIBE_MAX);
  dynbuf_init(&err, 4096);
  struct pollfd aP[2] = {{aOut[0], POLLIN, 0}, {aErr[0], POLLIN, 0}};
  int nOpen = 2, bTooBig = 0, bTimeout = 0;
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  while(nOpen > 0) {
    clock_gettime(CLOCK_MONOTONIC, &t1);
    long msLeft = TASK_PLUGIN_DESCRIBE_TIMEOUT_MS - ((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000);
    if(msLeft <= 0) {
      bTimeout = 1;
      break;
    }
    int r = poll(aP, 2, (int)msLeft);
    if(r < 0 && errno == EINTR) continue;
    if(r < 0) break;
    for(int k = 0; k < 2; k++) {
      if(aP[k].fd < 0 || !aP[k].revents) continue;
      char zBuf[8192];
      ssize_t n = read(aP[k].fd, zBuf, sizeof(zBuf));
      if(n < 0 && errno == EINTR) continue;
      if(n <= 0) {
        close(aP[k].fd);
        aP[k].fd = -1;
        nOpen--;
        continue;
      }
      if(k == 0 && dynbuf_append(&out, zBuf, (size_t)n)) bTooBig = 1;
      if(k == 1 && dynbuf_append(&err, zBuf, (size_t)n)) { /* keep what fits */
      }
    }
    if(bTooBig) break;
  }
  for(int k = 0; k < 2; k++)
    if(aP[k].fd >= 0) close(aP[k].fd);
  if(bTimeout || bTooBig) kill(pid, SIGKILL);
  int status = 0;
  while(waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  airc_rc rc = AIRC_OK;
  if(bTimeout) rc = airc_err_set(pErr, AIRC_ERR_TIMEOUT, "--describe took longer than %d s", TASK_PLUGIN_DESCRIBE_TIMEOUT_MS / 1000);
  else if(bTooBig) rc = airc_err_set(pErr, AIRC_ERR_TOOBIG, "--describe printed more than %d bytes", TASK_PLUGIN_DESCRIBE_MAX);
  else if(!WIFEXITED(status) || WEXITSTATUS(status)) {
    /* the last non-empty line of stderr says why */
    char *zE = (char *)dynbuf_str(&err);
    size_t n = strlen(zE);
    while(n && (zE[n - 1] == '\n' || zE[n - 1] == '\r' || zE[n - 1] == ' ')) zE[--n] = 0;
    char *zLast = strrchr(zE, '\n');
    zLast = zLast ? zLast + 1 : zE;
    if(WIFEXITED(status))
      rc = airc_err_set(pErr, AIRC_ERR_INVALID, "--describe exited with status %d%s%.300s", WEXITSTATUS(status),
                        *zLast ? ": " : "", zLast);
    else
      rc = airc_err_set(pErr, AIRC_ERR_INVALID, "--describe was killed by signal %d", WTERMSIG(status));
  }
  if(!rc) *pzOut = dynbuf_take(&out);
  dynbuf_free(&out);
  dynbuf_free(&err);
  return rc;
}

/* ---- the describe cache ---- */

static void cache_path(char *z, size_t n) { snprintf(z, n, "%s/plugins.describe-cache.json", airc_home()); }

static json_t *cache_load(void) {
  char zPath[4200];
  cache_path(zPath, sizeof(zPath));
  json_t *p = json_load_file(zPath, 0, NULL);
  if(!json_is_object(p)) {
    json_decref(p);
    p = json_object();
  }
  return p;
}

static void cache_save(json_t *pCache) {
  char zPath[4200];
  cache_path(zPath, sizeof(zPath));
  char *z = json_dumps(pCache, JSON_COMPACT);
  airc_err err = {0};
  if(z && fsafe_write_atomic(zPath, z, strlen(z), &err)) LOG_DEBUG("plugins: cannot write %s: %s", zPath, err.zMsg);
  free(z);
}

/* Fills p's description: from the cache when path, mtime and size match,
 * else by running --describe (and updating the cache). */
static void plugin_describe(task_plugin *p, const struct stat *st, json_t *pCache, int *pbDirty) {
  char zSig[80];
  snprintf(zSig, sizeof(zSig), "%lld.%09ld:%lld", (long long)st->st_mtim.tv_sec, st->st_mtim.tv_nsec,
           (long long)st->st_size);
  json_t *pEnt = json_object_get(pCache, p->zPath);
  const char *zText = NULL;
  char *zOwned = NULL;
  airc_err err = {0};
  if(pEnt && !strcmp(json_string_value(json_object_get(pEnt, "sig")) ? json_string_value(json_object_get(pEnt, "sig")) : "", zSig)) {
    zText = json_string_value(json_object_get(pEnt, "describe"));
    if(!zText) {
      p->zErr = strdup(json_string_value(json_object_get(pEnt, "error")) ? json_string_value(json_object_get(pEnt, "error"))
                                                                         : "unusable");
      return;
    }
  } else {
    if(describe_exec(p->zPath, &zOwned, &err)) {
      p->zErr = strdup(err.zMsg);
      json_object_set_new(pCache, p->zPath, json_pack("{s:s,s:s}", "sig", zSig, "error", err.zMsg));
      *pbDirty = 1;
      return;
    }
    zText = zOwned;
    json_object_set_new(pCache, p->zPath, json_pack("{s:s,s:s}", "sig", zSig, "describe", zText));
    *pbDirty = 1;
  }
  if(task_plugin_check_describe(p->zName, zText, &p->pDescribe, &err)) p->zErr = strdup(err.zMsg);
  free(zOwned);
}

/* Builds p->type's schema from its description. */
static void plugin_schema(task_plugin *p) {
  json_t *pOpts = json_object_get(p->pDescribe, "options");
  size_t n = json_array_size(pOpts);
  const char **azKeys = calloc(n + 1, sizeof(char *));
  const char **azTypes = calloc(n + 1, sizeof(char *));
  const char **azReq = calloc(n + 1, sizeof(char *));
  int nReq = 0;
  for(size_t i = 0; azKeys && azTypes && azReq && i < n; i++) {
    json_t *o = json_array_get(pOpts, i);
    azKeys[i] = json_string_value(json_object_get(o, "name"));
    azTypes[i] = json_string_value(json_object_get(o, "type"));
    if(json_is_true(json_object_get(o, "required"))) azReq[nReq++] = azKeys[i];
  }
  p->type.schema.zName = p->zName;
  p->type.schema.azKeys = azKeys;
  p->type.schema.azKeyTypes = azTypes;
  p->type.schema.azRequired = azReq;
  p->type.pPlugin = p;
  const char *zD = json_string_value(json_object_get(p->pDescribe, "description"));
  p->zDescription = zD ? strdup(zD) : NULL;
}

static int plugin_cmp(const void *a, const void *b) {
  return strcmp(((const task_plugin *)a)->zName, ((const task_plugin *)b)->zName);
}

static void folder_sig(const char *zDir, char *zSig, size_t n) {
  struct stat st;
  if(stat(zDir, &st)) snprintf(zSig, n, "none");
  else snprintf(zSig, n, "%lld.%09ld:%lld", (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec, (long long)st.st_size);
}

/* A new generation from the folder. */
static plugin_set *plugins_scan(const task_schema *const *apBuiltin) {
  plugin_set *s = calloc(1, sizeof(plugin_set));
  if(!s) return NULL;
  s->apBuiltin = apBuiltin;
  const char *zDir = task_plugin_folder();
  folder_sig(zDir, s->zSig, sizeof(s->zSig));
  s->a = calloc(TASK_PLUGIN_MAX, sizeof(task_plugin));
  DIR *d = opendir(zDir);
  json_t *pCache = NULL;
  int bDirty = 0;
  if(d && s->a) {
    struct dirent *e;
    const size_t nPre = strlen(TASK_PLUGIN_PREFIX);
    while((e = readdir(d)) && s->n < TASK_PLUGIN_MAX) {
      if(strncmp(e->d_name, TASK_PLUGIN_PREFIX, nPre) || !name_ok(e->d_name + nPre, 60)) continue;
      char zPath[4400];
      snprintf(zPath, sizeof(zPath), "%s/%s", zDir, e->d_name);
      struct stat st;
      if(stat(zPath, &st) || !S_ISREG(st.st_mode) || access(zPath, X_OK)) continue;
      task_plugin *p = &s->a[s->n++];
      p->zName = strdup(e->d_name + nPre);
      p->zPath = strdup(zPath);
      if(task_schema_find(apBuiltin, p->zName)) {
        p->zErr = strdup("shadowed by the built-in task type of the same name");
        continue;
      }
      if(!pCache) pCache = cache_load();
      plugin_describe(p, &st, pCache, &bDirty);
      if(!p->zErr) plugin_schema(p);
      else LOG_WARN("plugin %s: %s", p->zPath, p->zErr);
    }
  }
  if(d) closedir(d);
  if(bDirty) cache_save(pCache);
  json_decref(pCache);
  qsort(s->a, (size_t)s->n, sizeof(task_plugin), plugin_cmp);
  s->azFileSig = calloc((size_t)s->n + 1, sizeof(*s->azFileSig));
  for(int i = 0; s->azFileSig && i < s->n; i++) folder_sig(s->a[i].zPath, s->azFileSig[i], sizeof(s->azFileSig[i]));
  for(int i = 0; i < s->n; i++)
    if(!s->a[i].zErr) s->a[i].type.pPlugin = &s->a[i]; /* after the sort */
  int nBuiltin = 0;
  while(apBuiltin && apBuiltin[nBuiltin]) nBuiltin++;
  s->apSchema = calloc((size_t)(nBuiltin + s->n + 1), sizeof(task_schema *));
  if(s->apSchema) {
    int k = 0;
    for(int i = 0; i < nBuiltin; i++) s->apSchema[k++] = apBuiltin[i];
    for(int i = 0; i < s->n; i++)
      if(!s->a[i].zErr) s->apSchema[k++] = &s->a[i].type.schema;
  }
  return s;
}

static void plugins_ensure(const task_schema *const *apBuiltin, int bForce) {
  time_t now = time(NULL);
  if(g_pSet && !bForce && now == g_lastCheck) return;
  g_lastCheck = now;
  if(!apBuiltin) apBuiltin = g_pSet ? g_pSet->apBuiltin : task_type_builtin_schemas();
  if(g_pSet) {
    /* a changed folder (a file added, removed or renamed) or a changed
     * program (its mtime) calls for a new scan */
    char zSig[64];
    folder_sig(task_plugin_folder(), zSig, sizeof(zSig));
    int bSame = !strcmp(zSig, g_pSet->zSig);
    for(int i = 0; bSame && g_pSet->azFileSig && i < g_pSet->n; i++) {
      folder_sig(g_pSet->a[i].zPath, zSig, sizeof(zSig));
      bSame = !strcmp(zSig, g_pSet->azFileSig[i]);
    }
    if(bSame && !bForce) return;
  }
  plugin_set *s = plugins_scan(apBuiltin);
  if(s) {
    s->pOlder = g_pSet; /* the old generation stays allocated: see plugin_set */
    g_pSet = s;
  }
}

/* The current generation, checked first (under the lock). */
static plugin_set *plugins_current(const task_schema *const *apBuiltin, int bForce) {
  pthread_mutex_lock(&g_mutex);
  plugins_ensure(apBuiltin, bForce);
  plugin_set *s = g_pSet;
  pthread_mutex_unlock(&g_mutex);
  return s;
}

void task_plugins_refresh(int bForce) { (void)plugins_current(NULL, bForce); }

const task_plugin *task_plugins(int *pn) {
  plugin_set *s = plugins_current(NULL, 0);
  *pn = s ? s->n : 0;
  return s ? s->a : NULL;
}

const task_type *task_plugin_find(const char *zName) {
  plugin_set *s = plugins_current(NULL, 0);
  for(int i = 0; s && i < s->n; i++)
    if(!s->a[i].zErr && !strcmp(s->a[i].zName, zName)) return &s->a[i].type;
  return NULL;
}

const task_schema *const *task_plugin_schemas_with(const task_schema *const *apBuiltin) {
  plugin_set *s = plugins_current(apBuiltin, 0);
  return s && s->apSchema ? (const task_schema *const *)s->apSchema : apBuiltin;
}

json_t *task_plugin_stdin_json(const json_t *pDescribe, json_t *pOptions, airc_err *pErr) {
  json_t *pOut = json_object();
  json_t *pOpts = json_object_get(pDescribe, "options");
  size_t i;
  json_t *o;
  json_array_foreach(pOpts, i, o) {
    const char *zKey = json_string_value(json_object_get(o, "name"));
    const char *zType = json_string_value(json_object_get(o, "type"));
    if(!zKey) continue;
    if(!zType) zType = "string";
    json_t *v = json_object_get(pOptions, zKey);
    if(!v) {
      json_t *pDef = json_object_get(o, "default");
      if(pDef && !json_is_null(pDef)) json_object_set(pOut, zKey, pDef);
      continue;
    }
    if(!json_is_string(v) || !strcmp(zType, "string")) {
      json_object_set(pOut, zKey, v);
      continue;
    }
    const char *z = json_string_value(v);
    char zErr[300];
    if(task_schema_check_type(zType, z, zErr, sizeof(zErr)) || strstr(z, "{{")) {
      if(strstr(z, "{{")) snprintf(zErr, sizeof(zErr), "'%.60s' is not %s", z, zType);
      json_decref(pOut);
      airc_err_set(pErr, AIRC_ERR_INVALID, "option '%s': %s", zKey, zErr);
      return NULL;
    }
    json_t *x;
    if(!strcmp(zType, "integer")) x = json_integer((json_int_t)strtoll(z, NULL, 10));
    else if(!strcmp(zType, "number")) x = json_real(strtod(z, NULL));
    else if(!strcmp(zType, "boolean")) x = json_boolean(airc_parse_bool(z) == 1);
    else x = json_loads(z, JSON_DECODE_ANY, NULL);
    json_object_set_new(pOut, zKey, x ? x : json_null());
  }
  return pOut;
}

int task_plugin_run(const task_plugin *p, const task_ctx *pCtx) {
  airc_err err = {0};
  json_t *pIn = task_plugin_stdin_json(p->pDescribe, pCtx->pOptions, &err);
  if(!pIn) {
    fprintf(stderr, "[airc] task type '%s': %s\n", p->zName, err.zMsg);
    return TASK_EXIT_FAILED;
  }
  char *z = json_dumps(pIn, JSON_COMPACT);
  json_decref(pIn);
  /* a memory file, not a pipe: the options may be larger than a pipe's
   * buffer and nobody would read them before the exec */
  int fd = memfd_create("airc-plugin-options", 0);
  size_t n = z ? strlen(z) : 0, off = 0;
  while(fd >= 0 && off < n) {
    ssize_t w = write(fd, z + off, n - off);
    if(w < 0 && errno == EINTR) continue;
    if(w <= 0) break;
    off += (size_t)w;
  }
  free(z);
  if(fd < 0 || off < n || lseek(fd, 0, SEEK_SET) < 0 || dup2(fd, 0) < 0) {
    fprintf(stderr, "[airc] task type '%s': cannot hand over the options: %s\n", p->zName, strerror(errno));
    return TASK_EXIT_FAILED;
  }
  if(fd > 0) close(fd);
  char *azArgv[] = {p->zPath, NULL};
  return task_exec_or_report(p->zPath, azArgv);
}

void task_plugin_add_secrets(const task_type *pType, json_t *pOptions, json_t *pMask) {
  if(!pType || !pType->pPlugin || !json_is_array(pMask)) return;
  json_t *pOpts = json_object_get(pType->pPlugin->pDescribe, "options");
  size_t i;
  json_t *o;
  json_array_foreach(pOpts, i, o) {
    if(!json_is_true(json_object_get(o, "secret"))) continue;
    json_t *v = json_object_get(pOptions, json_string_value(json_object_get(o, "name")));
    if(json_is_string(v) && *json_string_value(v)) json_array_append(pMask, v);
  }
}
