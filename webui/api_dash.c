/* api_dash.c: the operators' dashboard routes (airc extensions).
 *
 * GET /api/v1/dags/{dag_id}/calendar?year=YYYY: the year's runs counted
 * per UTC day of their logical date and per state, with the day's worst
 * state (failed > running > queued > success > any other), for the
 * calendar view. One grouped statement over dag_run(dag_id, logical_date).
 *
 * GET /api/v1/dags/{dag_id}/source: the DAG file's text as it is on disk
 * now (at most DASH_SOURCE_MAX bytes, cut back to a UTF-8 boundary and
 * flagged "truncated") with the hash of the DAG version the store holds,
 * so an operator sees what was parsed and which version ran. 404 when
 * the DAG or its file is gone. */
#include "webui/api.h"
#include "common/timeutil.h"
#include "store/store_dash.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DASH_SOURCE_MAX (1024 * 1024)

typedef struct cal_ctx {
  json_t *pDays;  /* array of {"date","state","counts","total"} */
  json_t *pLast;  /* the last day's object (borrowed) */
  int64_t lastDay;
  int lastRank;
  int64_t nRun;
} cal_ctx;

/* How bad a run state is for the day's colour. */
static int cal_rank(const char *zState) {
  static const char *const az[] = {"success", "queued", "running", "failed"};
  for(int i = 0; i < 4; i++)
    if(!strcmp(zState, az[i])) return i + 1;
  return 0;
}

static int cal_row(void *pCtx, const store_dash_day *pRow) {
  cal_ctx *c = pCtx;
  if(!c->pLast || c->lastDay != pRow->day) {
    int y, m, d;
    char z[16];
    airc_civil_from_days(pRow->day, &y, &m, &d);
    snprintf(z, sizeof(z), "%04d-%02d-%02d", y, m, d);
    c->pLast = json_pack("{s:s, s:n, s:{}, s:I}", "date", z, "state", "counts", "total", (json_int_t)0);
    json_array_append_new(c->pDays, c->pLast);
    c->lastDay = pRow->day;
    c->lastRank = -1;
  }
  json_object_set_new(json_object_get(c->pLast, "counts"), pRow->zState, json_integer(pRow->nRun));
  json_object_set_new(c->pLast, "total",
                      json_integer(json_integer_value(json_object_get(c->pLast, "total")) + pRow->nRun));
  int rank = cal_rank(pRow->zState);
  if(rank > c->lastRank) {
    json_object_set_new(c->pLast, "state", json_string(pRow->zState));
    c->lastRank = rank;
  }
  c->nRun += pRow->nRun;
  return 0;
}

int api_dag_calendar(web_req *r) {
  const char *zDag = r->azParam[0];
  airc_err err = {0};
  int yNow, mNow, dNow;
  airc_civil_from_days(airc_now() / 86400, &yNow, &mNow, &dNow);
  int64_t year;
  if(params_parse_int("year", web_req_arg(r, "year"), 1970, 9999, yNow, &year, &err)) return http_reply_err(r, &err);
  if(!api_dag_exists(r, zDag)) return r->mhdResult;
  int64_t from = airc_days_from_civil((int)year, 1, 1) * 86400, to = airc_days_from_civil((int)year + 1, 1, 1) * 86400;
  cal_ctx c = {json_array(), NULL, 0, -1, 0};
  if(store_dash_calendar(r->s, zDag, from, to, cal_row, &c, &err)) {
    json_decref(c.pDays);
    return http_reply_err(r, &err);
  }
  json_t *pOut = json_pack("{s:s, s:I, s:o, s:I}", "dag_id", zDag, "year", (json_int_t)year, "days", c.pDays,
                           "total_runs", (json_int_t)c.nRun);
  return http_reply_json(r, 200, pOut);
}

/* Length of the longest prefix of z[0..n) that does not end inside a
 * UTF-8 sequence. */
static size_t utf8_cut(const char *z, size_t n) {
  size_t i = n, k = 0;
  while(i > 0 && k < 4 && ((unsigned char)z[i - 1] & 0xC0) == 0x80) {
    i--;
    k++;
  }
  if(i == 0) return n;
  unsigned char lead = (unsigned char)z[i - 1];
  size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
  return k + 1 >= need ? n : i - 1;
}

int api_dag_source(web_req *r) {
  const char *zDag = r->azParam[0];
  airc_err err = {0};
  char zFile[PATH_MAX], zHash[80];
  airc_rc rc = store_dash_dag_source_ref(r->s, zDag, zFile, sizeof(zFile), zHash, sizeof(zHash), &err);
  if(rc == AIRC_ERR_NOTFOUND) return http_reply_error(r, 404, NULL, "DAG '%s' not found", zDag);
  if(rc) return http_reply_err(r, &err);
  if(!*zFile) return http_reply_error(r, 404, NULL, "DAG '%s' has no file", zDag);
  int fd = open(zFile, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  struct stat sb;
  if(fd < 0 || fstat(fd, &sb) || !S_ISREG(sb.st_mode)) {
    int e = fd < 0 ? errno : ENOENT;
    if(fd >= 0) close(fd);
    return http_reply_error(r, 404, NULL, "DAG '%s': file %s is gone (%s)", zDag, zFile, strerror(e));
  }
  char *zBuf = malloc(DASH_SOURCE_MAX + 1);
  size_t n = 0;
  ssize_t got = 0;
  while(zBuf && n <= DASH_SOURCE_MAX && (got = read(fd, zBuf + n, DASH_SOURCE_MAX + 1 - n)) > 0) n += (size_t)got;
  close(fd);
  if(!zBuf || got < 0) {
    free(zBuf);
    return http_reply_error(r, 500, NULL, "DAG '%s': reading %s failed", zDag, zFile);
  }
  int bTrunc = n > DASH_SOURCE_MAX;
  if(bTrunc) n = utf8_cut(zBuf, DASH_SOURCE_MAX);
  json_t *pText = json_stringn(zBuf, n);
  free(zBuf);
  if(!pText) return http_reply_error(r, 422, NULL, "DAG '%s': file %s is not UTF-8 text", zDag, zFile);
  json_t *pOut = json_pack("{s:s, s:s, s:s?, s:o, s:b, s:I}", "dag_id", zDag, "fileloc", zFile, "dag_hash",
                           *zHash ? zHash : NULL, "content", pText, "truncated", bTrunc, "size", (json_int_t)sb.st_size);
  return http_reply_json(r, 200, pOut);
}
