/* static_files.c: see static_files.h. */
#include "webui/static_files.h"
#include "common/config.h"
#include "common/log.h"
#include "webui/http_reply.h"
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

static char g_zRoot[PATH_MAX];

int static_path_clean(const char *zUrlPath, char *zOut, size_t nOut) {
  if(!zUrlPath || zUrlPath[0] != '/') return -1;
  const char *z = zUrlPath;
  if(!strcmp(z, "/") || !strcmp(z, "/static") || !strcmp(z, "/static/")) z = "/index.html";
  else if(!strncmp(z, "/static/", 8)) z += 7;
  size_t n = strlen(z);
  if(n + 1 > nOut || n < 2) return -1;
  /* z starts with '/': check each segment */
  for(const char *p = z; *p;) {
    p++; /* past '/' */
    const char *pEnd = strchrnul(p, '/');
    size_t nSeg = (size_t)(pEnd - p);
    if(nSeg == 0) return -1;                                   /* "//" or trailing "/" */
    if(nSeg == 1 && p[0] == '.') return -1;                    /* "." */
    if(nSeg == 2 && p[0] == '.' && p[1] == '.') return -1;     /* ".." */
    for(const char *q = p; q < pEnd; q++) {
      unsigned char c = (unsigned char)*q;
      if(c < 0x20 || c == 0x7f || c == '\\' || c == ':') return -1;
    }
    p = pEnd;
  }
  memcpy(zOut, z + 1, n); /* without the leading '/', with the NUL */
  return 0;
}

const char *static_content_type(const char *zName) {
  static const struct {
    const char *zExt, *zType;
  } a[] = {
      {".html", "text/html; charset=utf-8"}, {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"}, {".css", "text/css; charset=utf-8"},
      {".svg", "image/svg+xml"}, {".png", "image/png"}, {".json", "application/json"},
      {".ico", "image/x-icon"}, {".txt", "text/plain; charset=utf-8"}, {".map", "application/json"},
      {".woff2", "font/woff2"},
  };
  const char *zDot = strrchr(zName, '.');
  if(zDot && !strchr(zDot, '/'))
    for(size_t i = 0; i < sizeof(a) / sizeof(a[0]); i++)
      if(!strcasecmp(zDot, a[i].zExt)) return a[i].zType;
  return "application/octet-stream";
}

void static_files_init(void) {
  const char *zConf = airc_config_get("webserver", "static_folder", NULL);
  char zTry[PATH_MAX + 32];
  g_zRoot[0] = 0;
  if(zConf && *zConf) {
    if(!realpath(zConf, g_zRoot)) {
      LOG_WARN("web: static_folder %s does not exist: the dashboard is not served", zConf);
      g_zRoot[0] = 0;
    }
    return;
  }
  char zExe[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", zExe, sizeof(zExe) - 1);
  if(n > 0) {
    zExe[n] = 0;
    char *zSlash = strrchr(zExe, '/');
    if(zSlash) *zSlash = 0;
    snprintf(zTry, sizeof(zTry), "%s/../static", zExe);
    if(realpath(zTry, g_zRoot)) return;
  }
  if(realpath("static", g_zRoot)) return;
  g_zRoot[0] = 0;
  LOG_WARN("web: no static folder found (set [webserver] static_folder): the dashboard is not served");
}

const char *static_files_root(void) { return g_zRoot; }

int static_files_serve(web_req *r) {
  char zRel[PATH_MAX], zFull[PATH_MAX * 2], zReal[PATH_MAX];
  if(!g_zRoot[0] || static_path_clean(r->zPath, zRel, sizeof(zRel)))
    return http_reply_error(r, 404, NULL, "not found");
  snprintf(zFull, sizeof(zFull), "%s/%s", g_zRoot, zRel);
  size_t nRoot = strlen(g_zRoot);
  if(!realpath(zFull, zReal) || strncmp(zReal, g_zRoot, nRoot) || zReal[nRoot] != '/')
    return http_reply_error(r, 404, NULL, "not found");
  int fd = open(zReal, O_RDONLY | O_CLOEXEC);
  struct stat sb;
  if(fd < 0 || fstat(fd, &sb) || !S_ISREG(sb.st_mode)) {
    if(fd >= 0) close(fd);
    return http_reply_error(r, 404, NULL, "not found");
  }
  http_header aH[] = {{"Cache-Control", "no-cache"}, {NULL, NULL}};
  return http_reply_fd(r, 200, static_content_type(zReal), fd, (size_t)sb.st_size, aH);
}
