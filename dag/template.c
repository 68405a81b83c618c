/* template.c: see template.h. */
#include "dag/template.h"
#include "common/timeutil.h"
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *dup_json_value(json_t *p) {
  if(!p) return NULL;
  if(json_is_string(p)) return strdup(json_string_value(p));
  return json_dumps(p, JSON_COMPACT | JSON_ENCODE_ANY);
}

/* Follows a dotted path "a.b.c" through nested objects. */
static json_t *json_path(json_t *pRoot, const char *zPath) {
  if(!pRoot || !*zPath) return pRoot;
  const char *zDot = strchr(zPath, '.');
  size_t n = zDot ? (size_t)(zDot - zPath) : strlen(zPath);
  json_t *pChild = NULL;
  if(json_is_object(pRoot)) {
    char zKey[256];
    if(n >= sizeof(zKey)) return NULL;
    memcpy(zKey, zPath, n);
    zKey[n] = 0;
    pChild = json_object_get(pRoot, zKey);
  }
  if(!pChild) return NULL;
  return zDot ? json_path(pChild, zDot + 1) : pChild;
}

/* xcom lookup: task ids may contain dots, so try the longest task id
 * prefix that exists, then the rest as a path. */
static json_t *xcom_lookup(json_t *pXcom, const char *zName) {
  if(!pXcom) return NULL;
  json_t *pVal = json_object_get(pXcom, zName);
  if(pVal) return pVal;
  size_t n = strlen(zName);
  for(size_t i = n; i > 0; i--) {
    if(zName[i - 1] != '.') continue;
    char zTask[512];
    if(i - 1 >= sizeof(zTask)) continue;
    memcpy(zTask, zName, i - 1);
    zTask[i - 1] = 0;
    json_t *pTask = json_object_get(pXcom, zTask);
    if(pTask) return json_path(pTask, zName + i);
  }
  return NULL;
}

static void format_nodash(const char *zIn, char *zOut) {
  for(; *zIn; zIn++)
    if(*zIn != '-' && *zIn != ':') *zOut++ = *zIn;
  *zOut = 0;
}

char *template_lookup(const template_ctx *p, const char *zName) {
  char zBuf[64];
  if(!strcmp(zName, "ds")) {
    airc_time_format(p->logicalDate, zBuf, sizeof(zBuf));
    zBuf[10] = 0;
    return strdup(zBuf);
  }
  if(!strcmp(zName, "ds_nodash")) {
    char zNd[64];
    airc_time_format(p->logicalDate, zBuf, sizeof(zBuf));
    zBuf[10] = 0;
    format_nodash(zBuf, zNd);
    return strdup(zNd);
  }
  if(!strcmp(zName, "ts") || !strcmp(zName, "logical_date"))
    return strdup(airc_time_format_api(p->logicalDate * 1000000, zBuf, sizeof(zBuf)));
  if(!strcmp(zName, "ts_nodash")) {
    char zNd[64];
    airc_time_format(p->logicalDate, zBuf, sizeof(zBuf));
    zBuf[19] = 0;
    format_nodash(zBuf, zNd);
    return strdup(zNd);
  }
  if(!strcmp(zName, "data_interval_start"))
    return strdup(airc_time_format_api(p->dataIntervalStart * 1000000, zBuf, sizeof(zBuf)));
  if(!strcmp(zName, "data_interval_end"))
    return strdup(airc_time_format_api(p->dataIntervalEnd * 1000000, zBuf, sizeof(zBuf)));
  if(!strcmp(zName, "run_id")) return strdup(p->zRunId ? p->zRunId : "");
  if(!strcmp(zName, "dag_id")) return strdup(p->zDagId ? p->zDagId : "");
  if(!strcmp(zName, "task_id")) return strdup(p->zTaskId ? p->zTaskId : "");
  if(!strcmp(zName, "try_number")) {
    snprintf(zBuf, sizeof(zBuf), "%d", p->tryNumber);
    return strdup(zBuf);
  }
  if(p->pItem && !strcmp(zName, "item")) return dup_json_value(p->pItem);
  if(p->pItem && !strncmp(zName, "item.", 5)) return dup_json_value(json_path(p->pItem, zName + 5));
  if(p->pItem && !strcmp(zName, "map_index")) {
    snprintf(zBuf, sizeof(zBuf), "%d", p->mapIndex);
    return strdup(zBuf);
  }
  if(!strncmp(zName, "params.", 7)) return dup_json_value(json_path(p->pParams, zName + 7));
  if(!strncmp(zName, "conf.", 5)) return dup_json_value(json_path(p->pConf, zName + 5));
  if(!strncmp(zName, "xcom.", 5)) return dup_json_value(xcom_lookup(p->pXcom, zName + 5));
  if(!strncmp(zName, "conn.", 5)) {
    /* names may hold dots: the longest connection name that exists, then the field */
    json_t *pV = xcom_lookup(p->pConn, zName + 5);
    return pV && json_is_null(pV) ? strdup("") : dup_json_value(pV);
  }
  if(!strncmp(zName, "var.value.", 10)) return dup_json_value(json_object_get(p->pVar, zName + 10));
  if(!strncmp(zName, "var.", 4)) return dup_json_value(json_object_get(p->pVar, zName + 4));
  return NULL;
}

#define RENDER_CAP_FAIL(rc) airc_err_set(pErr, rc, "template: rendered value exceeds %zu bytes", pOut->nMax)

/* Parses the placeholder that starts at zOpen ("{{"): its name into zName
 * and whether it ends with the `| raw` filter. *pzAfter gets the text
 * after "}}". */
static airc_rc placeholder_parse(const char *zOpen, const char **pzAfter, char *zName, size_t nName,
                                 int *pbRaw, airc_err *pErr) {
  const char *zClose = strstr(zOpen + 2, "}}");
  if(!zClose) return airc_err_set(pErr, AIRC_ERR_INVALID, "template: '{{' without closing '}}'");
  const char *a = zOpen + 2, *b = zClose;
  *pbRaw = 0;
  const char *zBar = memchr(a, '|', (size_t)(b - a));
  if(zBar) {
    const char *f = zBar + 1, *g = b;
    while(f < g && isspace((unsigned char)*f)) f++;
    while(g > f && isspace((unsigned char)g[-1])) g--;
    if((size_t)(g - f) != 3 || memcmp(f, "raw", 3))
      return airc_err_set(pErr, AIRC_ERR_INVALID, "template: unknown filter '%.*s' (the only filter is raw)",
                          (int)((g - f) > 60 ? 60 : (g - f)), f);
    *pbRaw = 1;
    b = zBar;
  }
  while(a < b && isspace((unsigned char)*a)) a++;
  while(b > a && isspace((unsigned char)b[-1])) b--;
  if((size_t)(b - a) >= nName || b == a) return airc_err_set(pErr, AIRC_ERR_INVALID, "template: bad variable name");
  memcpy(zName, a, (size_t)(b - a));
  zName[b - a] = 0;
  *pzAfter = zClose + 2;
  return AIRC_OK;
}

static char *value_or_error(const template_ctx *pCtx, const char *zName, airc_err *pErr) {
  char *zVal = template_lookup(pCtx, zName);
  if(!zVal) airc_err_set(pErr, AIRC_ERR_INVALID, "template: unknown variable '%s'", zName);
  return zVal;
}

airc_rc template_render(const template_ctx *pCtx, const char *zIn, dynbuf *pOut, airc_err *pErr) {
  const char *z = zIn;
  for(;;) {
    const char *zOpen = strstr(z, "{{");
    if(!zOpen) {
      airc_rc rc = dynbuf_appendz(pOut, z);
      return rc ? RENDER_CAP_FAIL(rc) : AIRC_OK;
    }
    airc_rc rc = dynbuf_append(pOut, z, (size_t)(zOpen - z));
    if(rc) return RENDER_CAP_FAIL(rc);
    char zName[512];
    int bRaw;
    if((rc = placeholder_parse(zOpen, &z, zName, sizeof(zName), &bRaw, pErr))) return rc;
    char *zVal = value_or_error(pCtx, zName, pErr);
    if(!zVal) return pErr->rc;
    rc = dynbuf_appendz(pOut, zVal);
    free(zVal);
    if(rc) return RENDER_CAP_FAIL(rc);
  }
}

airc_rc template_shell_quote(const char *zVal, int bInsideSingle, dynbuf *pOut) {
  airc_rc rc = bInsideSingle ? AIRC_OK : dynbuf_append(pOut, "'", 1);
  for(const char *z = zVal; !rc && *z; z++) {
    if(*z == '\'') rc = dynbuf_append(pOut, "'\\''", 4);
    else rc = dynbuf_append(pOut, z, 1);
  }
  if(!rc && !bInsideSingle) rc = dynbuf_append(pOut, "'", 1);
  return rc;
}

/* ---- shell commands ----
 *
 * A small lexer of POSIX sh walks the command text (values are never
 * lexed: they are inserted after the lexer has decided how) and knows, at
 * each placeholder, whether it stands in plain text, inside '...', or
 * inside "...", at any depth of $( ) nesting. The value then becomes a
 * single-quoted word: '...' in plain text; the quoted body in '...'; and
 * "'...'" (close the double quotes, the word, reopen) in "...". Where the
 * lexer cannot be sure of the context (backticks, here-documents, ${...}
 * beyond ${NAME}, $(( )), comments, `case` inside $( ), a backslash or '$'
 * right before the placeholder) it refuses the placeholder instead of
 * guessing: no value can end up interpreted by the shell. */

typedef enum sh_state { SH_PLAIN, SH_SQ, SH_DQ, SH_COMMENT, SH_BACKTICK, SH_PARAM } sh_state;

typedef struct sh_frame {
  int bArith;       /* $(( )) rather than $( ) or the top level */
  int depth;        /* open '(' inside this frame */
  sh_state q;       /* where the lexer is in this frame */
  sh_state qSaved;  /* state to return to after a backtick or ${...} */
} sh_frame;

#define SH_MAX_DEPTH 32

static int sh_is_word_break(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == ';' || c == '&' || c == '|' || c == '(' || c == ')' ||
         c == '<' || c == '>';
}

static int sh_is_name_char(char c) { return isalnum((unsigned char)c) || c == '_'; }

/* Why a placeholder cannot be quoted in state f, or NULL if it can. */
static const char *sh_refusal(const sh_frame *f) {
  switch(f->q) {
  case SH_COMMENT: return "it is inside a shell comment";
  case SH_BACKTICK: return "it is inside backticks (use $(...) instead)";
  case SH_PARAM: return "it is inside ${...}";
  case SH_PLAIN:
    if(f->bArith) return "it is inside $((...)) (set a variable first: n={{ ... }}; echo $((n + 1)))";
    return NULL;
  default: return NULL;
  }
}

/* Renders (pCtx non-NULL) or only checks (pCtx NULL, pOut NULL) the shell
 * command zIn. See template_render_shell(). */
static airc_rc shell_walk(const template_ctx *pCtx, const char *zIn, dynbuf *pOut, airc_err *pErr) {
  sh_frame aFrame[SH_MAX_DEPTH];
  int nFrame = 1;
  memset(&aFrame[0], 0, sizeof(aFrame[0]));
  const char *zUnsure = NULL; /* sticky: what made later contexts unknowable */
  int bWordStart = 1;
  const char *z = zIn, *zLit = zIn; /* zLit: start of text not yet copied */
  airc_rc rc;
#define FLUSH_TO(p)                                                          \
  do {                                                                       \
    if(pOut && (rc = dynbuf_append(pOut, zLit, (size_t)((p) - zLit)))) return RENDER_CAP_FAIL(rc); \
  } while(0)
  while(*z) {
    sh_frame *f = &aFrame[nFrame - 1];
    char c = *z;
    if(c == '{' && z[1] == '{') {
      FLUSH_TO(z);
      char zName[512];
      int bRaw;
      const char *zAfter;
      if((rc = placeholder_parse(z, &zAfter, zName, sizeof(zName), &bRaw, pErr))) return rc;
      const char *zWhy = bRaw ? NULL : sh_refusal(f);
      if(!zWhy && !bRaw) zWhy = zUnsure;
      if(zWhy)
        return airc_err_set(pErr, AIRC_ERR_INVALID, "template: {{ %s }} cannot be quoted for the shell: %s", zName, zWhy);
      if(pCtx) {
        char *zVal = value_or_error(pCtx, zName, pErr);
        if(!zVal) return pErr->rc;
        if(bRaw) rc = dynbuf_appendz(pOut, zVal);
        else if(f->q == SH_SQ) rc = template_shell_quote(zVal, 1, pOut);
        else if(f->q == SH_DQ) {
          rc = dynbuf_append(pOut, "\"", 1);
          if(!rc) rc = template_shell_quote(zVal, 0, pOut);
          if(!rc) rc = dynbuf_append(pOut, "\"", 1);
        } else rc = template_shell_quote(zVal, 0, pOut);
        free(zVal);
        if(rc) return RENDER_CAP_FAIL(rc);
      }
      z = zLit = zAfter;
      bWordStart = 0;
      continue;
    }
    int bWasWordStart = bWordStart;
    bWordStart = 0;
    switch(f->q) {
    case SH_SQ:
      if(c == '\'') f->q = SH_PLAIN;
      break;
    case SH_COMMENT:
      if(c == '\n') {
        f->q = SH_PLAIN;
        bWordStart = 1;
      }
      break;
    case SH_BACKTICK:
      if(c == '\\' && z[1] == '{' && z[2] == '{') break; /* the placeholder is refused next */
      if(c == '\\' && z[1]) z++;
      else if(c == '`') f->q = f->qSaved;
      break;
    case SH_PARAM:
      if(c == '}') f->q = f->qSaved;
      else if(!sh_is_name_char(c) && !strchr("#?@*!$-:=+%/ ", c)) zUnsure = "it follows a ${...} whose quoting is not checked";
      break;
    case SH_DQ:
    case SH_PLAIN: {
      int bDq = f->q == SH_DQ;
      if(c == '\\') {
        if(z[1] == '{' && z[2] == '{')
          return airc_err_set(pErr, AIRC_ERR_INVALID, "template: a backslash right before '{{' would escape the quoting of the value");
        if(z[1]) z++;
      } else if(c == '$' && z[1] == '{' && z[2] == '{') {
        return airc_err_set(pErr, AIRC_ERR_INVALID, "template: a '$' right before '{{' would change the quoting of the value");
      } else if(c == '$' && z[1] == '(') {
        if(nFrame == SH_MAX_DEPTH) {
          zUnsure = "$(...) nested too deeply";
          z++;
          break;
        }
        int bArith = z[2] == '(';
        z += bArith ? 2 : 1;
        memset(&aFrame[nFrame], 0, sizeof(aFrame[0]));
        aFrame[nFrame++].bArith = bArith;
        bWordStart = 1;
      } else if(c == '$' && z[1] == '{') {
        f->qSaved = f->q;
        f->q = SH_PARAM;
        z++;
      } else if(c == '`') {
        f->qSaved = f->q;
        f->q = SH_BACKTICK;
      } else if(bDq) {
        if(c == '"') f->q = SH_PLAIN;
      } else if(c == '\'') {
        f->q = SH_SQ;
      } else if(c == '"') {
        f->q = SH_DQ;
      } else if(c == '#' && bWasWordStart && !f->bArith) {
        f->q = SH_COMMENT;
      } else if(c == '<' && z[1] == '<' && !f->bArith) {
        zUnsure = "it follows a here-document (<<), whose quoting is not checked";
        z++;
      } else if(c == '(' && nFrame > 1) {
        f->depth++;
        bWordStart = 1;
      } else if(c == ')' && nFrame > 1 && f->depth > 0) {
        f->depth--;
        bWordStart = 1;
      } else if(c == ')' && nFrame > 1) {
        if(f->bArith && z[1] != ')') zUnsure = "it follows a $((...)) that is not understood";
        else if(f->bArith) z++;
        nFrame--;
      } else {
        if(nFrame > 1 && !f->bArith && bWasWordStart && !strncmp(z, "case", 4) && !sh_is_name_char(z[4]))
          zUnsure = "it follows a 'case' inside $(...), whose parentheses are not checked";
        bWordStart = sh_is_word_break(c);
      }
      break;
    }
    }
    z++;
  }
  FLUSH_TO(z);
#undef FLUSH_TO
  return AIRC_OK;
}

airc_rc template_render_shell(const template_ctx *pCtx, const char *zIn, dynbuf *pOut, airc_err *pErr) {
  return shell_walk(pCtx, zIn, pOut, pErr);
}

airc_rc template_check_shell(const char *zIn, airc_err *pErr) { return shell_walk(NULL, zIn, NULL, pErr); }

static int key_in(const char *zKey, const char *const *azKeys) {
  for(int i = 0; azKeys && azKeys[i]; i++)
    if(!strcmp(azKeys[i], zKey)) return 1;
  return 0;
}

json_t *template_render_object(const template_ctx *pCtx, json_t *pOptions, const char *const *azShellKeys,
                               airc_err *pErr) {
  json_t *pOut = json_object();
  const char *zKey;
  json_t *pVal;
  json_object_foreach(pOptions, zKey, pVal) {
    dynbuf b;
    dynbuf_init(&b, 1 << 20);
    airc_rc rc = key_in(zKey, azShellKeys) ? template_render_shell(pCtx, json_string_value(pVal), &b, pErr)
                                          : template_render(pCtx, json_string_value(pVal), &b, pErr);
    if(rc) {
      airc_err_prefix(pErr, "%s", zKey);
      dynbuf_free(&b);
      json_decref(pOut);
      return NULL;
    }
    json_object_set_new(pOut, zKey, json_string(dynbuf_str(&b)));
    dynbuf_free(&b);
  }
  return pOut;
}

/* NAME -> AIRC_PREFIX_NAME with non-alphanumerics as '_', upper case. */
static void export_object(const char *zPrefix, json_t *pObj) {
  const char *zKey;
  json_t *pVal;
  json_object_foreach(pObj, zKey, pVal) {
    char zEnv[256];
    int n = snprintf(zEnv, sizeof(zEnv), "%s_%s", zPrefix, zKey);
    if(n < 0 || (size_t)n >= sizeof(zEnv)) continue;
    for(char *c = zEnv; *c; c++) *c = isalnum((unsigned char)*c) ? (char)toupper((unsigned char)*c) : '_';
    char *zVal = dup_json_value(pVal);
    if(zVal) setenv(zEnv, zVal, 1);
    free(zVal);
  }
}

void template_export_env(const template_ctx *p) {
  static const char *const azVar[][2] = {
      {"AIRC_DS", "ds"}, {"AIRC_TS", "ts"}, {"AIRC_LOGICAL_DATE", "logical_date"},
      {"AIRC_DATA_INTERVAL_START", "data_interval_start"},
      {"AIRC_DATA_INTERVAL_END", "data_interval_end"}, {"AIRC_RUN_ID", "run_id"},
      {"AIRC_DAG_ID", "dag_id"}, {"AIRC_TASK_ID", "task_id"}, {"AIRC_TRY_NUMBER", "try_number"},
  };
  for(size_t i = 0; i < sizeof(azVar) / sizeof(azVar[0]); i++) {
    char *z = template_lookup(p, azVar[i][1]);
    if(z) setenv(azVar[i][0], z, 1);
    free(z);
  }
  json_t *aObj[3] = {p->pParams, p->pConf, p->pXcom};
  const char *azName[3] = {"AIRC_PARAMS", "AIRC_CONF", "AIRC_XCOM"};
  for(int i = 0; i < 3; i++) {
    char *z = aObj[i] ? json_dumps(aObj[i], JSON_COMPACT) : NULL;
    setenv(azName[i], z ? z : "{}", 1);
    free(z);
    if(aObj[i]) export_object(azName[i], aObj[i]);
  }
  if(p->pVar) export_object("AIRC_VAR", p->pVar);
  if(p->pItem) {
    char *z = dup_json_value(p->pItem);
    if(z) setenv("AIRC_ITEM", z, 1);
    free(z);
    char zIdx[24];
    snprintf(zIdx, sizeof(zIdx), "%d", p->mapIndex);
    setenv("AIRC_MAP_INDEX", zIdx, 1);
  }
}
