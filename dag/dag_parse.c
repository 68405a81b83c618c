/* dag_parse.c: DAG files -> documents.
 *
 * JSON files are parsed by jansson straight into the document shape. INI
 * files go through inih, the Debian-packaged INI parser, fed by our own
 * line reader (ini_parse_stream) because Debian's libinih is built with
 * INI_MAX_LINE=200, inline ';' comments on, and no line numbers for the
 * handler. The reader therefore
 *   - counts physical lines, so every key knows its line;
 *   - hides ';' inside values from inih (as byte 0x01, restored in the
 *     handler), so `command = a ; b` keeps its text: in airc DAG files only
 *     whole lines starting with ';' or '#' are comments;
 *   - splits lines longer than inih's buffer into synthetic continuation
 *     lines that the handler joins back without a newline (blanks at the
 *     cut, and a '#' starting a piece, are hidden as well);
 *   - reads section headers itself, so empty sections and duplicates are
 *     seen and every section knows its line;
 *   - decides continuation lines the way Python's configparser does: a line
 *     is a continuation of the last key only if it is indented deeper than
 *     that key's line. Keys may thus be indented (uniformly) under their
 *     section header, and a continuation may start with '[' (a shell test)
 *     without being read as a section header. Other lines reach inih with
 *     their indentation removed, since inih alone would take any indented
 *     line for a continuation, even of a key of the previous section;
 *   - drops comment lines itself, whatever their length (inih would see the
 *     tail of a long one, split as above, as a continuation of the last key).
 * This file does not validate: dag_build.c does, for both formats. */
#include "dag/dag.h"
#include "common/dynbuf.h"
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Bytes hidden from inih, restored by the handler. Input with control
 * characters is refused before parsing, so these cannot occur in it. */
#define INI_HIDDEN_SEMICOLON '\x01'
#define INI_HIDDEN_SPACE '\x02'
#define INI_HIDDEN_TAB '\x03'
#define INI_HIDDEN_HASH '\x04'

typedef struct ini_state {
  const char *zName;       /* file name for messages */
  const char *z;           /* input */
  size_t n, off;
  int line;                /* physical line of the text last handed to inih */
  int lineCont;            /* 1 if that text is a synthetic continuation */
  int lineIndented;        /* 1 if that physical line continues the last key */
  int keyIndent;           /* indentation of the last key line, -1 if none in this section */
  const char *zPending;    /* rest of a long line not yet handed over */
  size_t nPending;
  json_t *pDoc, *pLines;
  json_t *pCur;            /* object receiving keys (dag or a task), or NULL */
  json_t *pCurLines;       /* its line map */
  char zLastKey[256];      /* last key set in pCur, for continuations */
  airc_err *pErr;
} ini_state;

static void ini_fail(ini_state *p, int line, const char *zMsg, const char *zArg) {
  airc_err_set(p->pErr, AIRC_ERR_PARSE, "%s:%d: %s%s%s", p->zName, line, zMsg, zArg ? zArg : "",
               zArg ? "'" : "");
}

/* Handles a "[...]" header line (already stripped). Returns 0 on error. */
static int ini_section(ini_state *p, const char *zLine, size_t n) {
  if(n < 2 || zLine[n - 1] != ']') {
    ini_fail(p, p->line, "section header without closing ']'", NULL);
    return 0;
  }
  char zSec[512];
  size_t nSec = n - 2;
  if(nSec >= sizeof(zSec)) nSec = sizeof(zSec) - 1;
  memcpy(zSec, zLine + 1, nSec);
  zSec[nSec] = 0;
  char *s = zSec;
  while(isspace((unsigned char)*s)) s++;
  char *e = s + strlen(s);
  while(e > s && isspace((unsigned char)e[-1])) *--e = 0;
  p->zLastKey[0] = 0;
  if(!strcmp(s, "dag")) {
    if(json_object_get(p->pDoc, "dag")) {
      ini_fail(p, p->line, "duplicate [dag] section", NULL);
      return 0;
    }
    p->pCur = json_object();
    p->pCurLines = json_object();
    json_object_set_new(p->pDoc, "dag", p->pCur);
    json_object_set_new(p->pLines, "dag", p->pCurLines);
    json_object_set_new(p->pCurLines, "", json_integer(p->line));
    return 1;
  }
  if(!strncmp(s, "task", 4) && (isspace((unsigned char)s[4]) || !s[4])) {
    char *zId = s + 4;
    while(isspace((unsigned char)*zId)) zId++;
    if(!*zId) {
      ini_fail(p, p->line, "task section without an id: write [task ID]", NULL);
      return 0;
    }
    p->pCur = json_object();
    p->pCurLines = json_object();
    json_object_set_new(p->pCur, "id", json_string(zId));
    json_object_set_new(p->pCurLines, "", json_integer(p->line));
    json_object_set_new(p->pCurLines, "id", json_integer(p->line));
    json_array_append_new(json_object_get(p->pDoc, "tasks"), p->pCur);
    json_array_append_new(json_object_get(p->pLines, "tasks"), p->pCurLines);
    return 1;
  }
  ini_fail(p, p->line, "unknown section '[", s);
  if(p->pErr->rc) {
    size_t l = strlen(p->pErr->zMsg);
    snprintf(p->pErr->zMsg + l - 1, sizeof(p->pErr->zMsg) - l + 1,
             "]' (expected [dag] or [task ID])");
  }
  return 0;
}

/* Copies up to num-1 bytes of the next logical piece into str (see top). */
static char *dag_ini_reader(char *str, int num, void *pArg) {
  ini_state *p = pArg;
  if(p->pErr->rc) return NULL;
  size_t nMax = (size_t)num - 3; /* room for the leading space, '\n' and NUL */
  const char *zLine;
  size_t nLine;
  if(p->zPending) {
    zLine = p->zPending;
    nLine = p->nPending;
    p->lineCont = 1;
  } else {
    if(p->off >= p->n) return NULL;
    zLine = p->z + p->off;
    const char *zEol = memchr(zLine, '\n', p->n - p->off);
    nLine = zEol ? (size_t)(zEol - zLine) : p->n - p->off;
    p->off += nLine + (zEol ? 1 : 0);
    if(nLine && zLine[nLine - 1] == '\r') nLine--;
    p->line++;
    p->lineCont = 0;
    size_t i = 0;
    while(i < nLine && isspace((unsigned char)zLine[i])) i++;
    /* blank and comment lines: inih keeps the last key across them */
    if(i == nLine || zLine[i] == ';' || zLine[i] == '#') {
      str[0] = '\n';
      str[1] = 0;
      return str;
    }
    p->lineIndented = p->keyIndent >= 0 && (int)i > p->keyIndent;
    if(!p->lineIndented) {
      /* section headers are ours */
      if(zLine[i] == '[') {
        size_t e = nLine;
        while(e > i && isspace((unsigned char)zLine[e - 1])) e--;
        p->keyIndent = -1;
        if(!ini_section(p, zLine + i, e - i)) return NULL;
        /* hand inih an empty line: it must not open sections of its own */
        str[0] = '\n';
        str[1] = 0;
        return str;
      }
      /* a key line: inih must not see its indentation */
      p->keyIndent = (int)i;
      zLine += i;
      nLine -= i;
    }
  }
  size_t nTake = nLine;
  p->zPending = NULL;
  if(nLine > nMax) {
    nTake = nMax;
    p->zPending = zLine + nMax;
    p->nPending = nLine - nMax;
  }
  size_t o = 0;
  if(p->lineCont) str[o++] = ' ';
  for(size_t i = 0; i < nTake; i++) {
    char c = zLine[i];
    if(c == ';') c = INI_HIDDEN_SEMICOLON;
    /* at a split, inih would trim the blanks on either side of the cut and
     * take a continuation starting with '#' for a comment: hide them */
    else if(p->zPending && i == nTake - 1 && c == ' ') c = INI_HIDDEN_SPACE;
    else if(p->zPending && i == nTake - 1 && c == '\t') c = INI_HIDDEN_TAB;
    else if(p->lineCont && i == 0 && c == ' ') c = INI_HIDDEN_SPACE;
    else if(p->lineCont && i == 0 && c == '\t') c = INI_HIDDEN_TAB;
    else if(p->lineCont && i == 0 && c == '#') c = INI_HIDDEN_HASH;
    str[o++] = c;
  }
  str[o++] = '\n';
  str[o] = 0;
  return str;
}

static int dag_ini_handler(void *pArg, const char *zSection, const char *zKey, const char *zValue) {
  ini_state *p = pArg;
  (void)zSection;
  if(p->pErr->rc) return 0;
  if(!p->pCur) {
    ini_fail(p, p->line, "key outside of a section: '", zKey);
    return 0;
  }
  char *zVal = strdup(zValue);
  if(!zVal) return 0;
  for(char *c = zVal; *c; c++) {
    if(*c == INI_HIDDEN_SEMICOLON) *c = ';';
    else if(*c == INI_HIDDEN_SPACE) *c = ' ';
    else if(*c == INI_HIDDEN_TAB) *c = '\t';
    else if(*c == INI_HIDDEN_HASH) *c = '#';
  }
  int bCont = !strcmp(zKey, p->zLastKey) && (p->lineCont || p->lineIndented);
  json_t *pExisting = json_object_get(p->pCur, zKey);
  int bParam = !strncmp(zKey, "params.", 7) && p->pCur == json_object_get(p->pDoc, "dag");
  if(bParam) {
    json_t *pParams = json_object_get(p->pCur, "params");
    if(!pParams) {
      pParams = json_object();
      json_object_set_new(p->pCur, "params", pParams);
    }
    pExisting = json_object_get(pParams, zKey + 7);
  }
  if(pExisting && bCont && json_is_string(pExisting)) {
    /* a continuation line of the same key: real ones join with a newline */
    dynbuf b;
    dynbuf_init(&b, DAG_FILE_MAX);
    airc_rc rc = dynbuf_appendz(&b, json_string_value(pExisting));
    if(!rc) rc = dynbuf_appendz(&b, p->lineCont ? "" : "\n");
    if(!rc) rc = dynbuf_appendz(&b, zVal);
    if(!rc) json_string_set(pExisting, dynbuf_str(&b));
    dynbuf_free(&b);
    free(zVal);
    return rc ? 0 : 1;
  }
  if(pExisting) {
    ini_fail(p, p->line, "duplicate key '", zKey);
    free(zVal);
    return 0;
  }
  if(bParam) json_object_set_new(json_object_get(p->pCur, "params"), zKey + 7, json_string(zVal));
  else json_object_set_new(p->pCur, zKey, json_string(zVal));
  json_object_set_new(p->pCurLines, zKey, json_integer(p->line));
  snprintf(p->zLastKey, sizeof(p->zLastKey), "%s", zKey);
  free(zVal);
  return 1;
}

airc_rc dag_ini_to_doc(const char *zName, const char *zData, json_t **ppDoc, json_t **ppLines,
                       airc_err *pErr) {
  ini_state s;
  memset(&s, 0, sizeof(s));
  s.zName = zName;
  s.z = zData;
  s.n = strlen(zData);
  s.pErr = pErr;
  s.keyIndent = -1;
  s.pDoc = json_object();
  s.pLines = json_object();
  json_object_set_new(s.pDoc, "tasks", json_array());
  json_object_set_new(s.pLines, "tasks", json_array());
  int rc = ini_parse_stream(dag_ini_reader, &s, dag_ini_handler, &s);
  if(!pErr->rc && rc != 0) {
    /* inih's own complaint: a line without '=' or similar */
    airc_err_set(pErr, AIRC_ERR_PARSE, "%s:%d: syntax error (expected 'key = value', '[dag]' or '[task ID]')",
                 zName, rc > 0 ? rc : s.line);
  }
  if(pErr->rc) {
    json_decref(s.pDoc);
    json_decref(s.pLines);
    return pErr->rc;
  }
  *ppDoc = s.pDoc;
  *ppLines = s.pLines;
  return AIRC_OK;
}

/* Refuses NUL bytes and other control characters: DAG files are text. */
static int text_is_plausible(const char *z, size_t n, size_t *pBad) {
  for(size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)z[i];
    if(c < 0x20 && c != '\n' && c != '\r' && c != '\t') {
      *pBad = i;
      return 0;
    }
  }
  return 1;
}

static int has_suffix(const char *z, const char *zSuf) {
  size_t n = strlen(z), m = strlen(zSuf);
  return n >= m && !strcmp(z + n - m, zSuf);
}

airc_rc dag_parse_buffer(const char *zName, const char *zData, size_t nData, const task_schema *const *apType,
                         dag **ppOut,
                         airc_err *pErr) {
  *ppOut = NULL;
  if(nData > DAG_FILE_MAX)
    return airc_err_set(pErr, AIRC_ERR_TOOBIG, "%s: file is %zu bytes, larger than the %d byte limit",
                        zName, nData, DAG_FILE_MAX);
  size_t iBad;
  if(!text_is_plausible(zData, nData, &iBad)) {
    int line = 1;
    for(size_t i = 0; i < iBad; i++) line += zData[i] == '\n';
    return airc_err_set(pErr, AIRC_ERR_PARSE, "%s:%d: binary data (byte 0x%02x at offset %zu): not a text DAG file",
                        zName, line, (unsigned char)zData[iBad], iBad);
  }
  json_t *pDoc = NULL, *pLines = NULL;
  airc_rc rc;
  if(has_suffix(zName, ".ini")) {
    char *zCopy = malloc(nData + 1);
    if(!zCopy) return airc_err_set(pErr, AIRC_ERR_NOMEM, "%s: out of memory", zName);
    memcpy(zCopy, zData, nData);
    zCopy[nData] = 0;
    rc = dag_ini_to_doc(zName, zCopy, &pDoc, &pLines, pErr);
    free(zCopy);
    if(rc) return rc;
  } else if(has_suffix(zName, ".json")) {
    json_error_t je;
    pDoc = json_loadb(zData, nData, JSON_REJECT_DUPLICATES, &je);
    if(!pDoc)
      return airc_err_set(pErr, AIRC_ERR_PARSE, "%s:%d: JSON syntax error: %s", zName, je.line, je.text);
  } else {
    return airc_err_set(pErr, AIRC_ERR_INVALID, "%s: not a DAG file (expected .ini or .json)", zName);
  }
  rc = dag_build(zName, pDoc, pLines, apType, ppOut, pErr);
  json_decref(pDoc);
  json_decref(pLines);
  return rc;
}

airc_rc dag_parse_file(const char *zPath, const task_schema *const *apType, dag **ppOut, airc_err *pErr) {
  *ppOut = NULL;
  int fd = open(zPath, O_RDONLY | O_CLOEXEC);
  if(fd < 0) return airc_err_set(pErr, AIRC_ERR_IO, "%s: cannot open: %s", zPath, strerror(errno));
  struct stat st;
  if(fstat(fd, &st) || !S_ISREG(st.st_mode)) {
    close(fd);
    return airc_err_set(pErr, AIRC_ERR_IO, "%s: not a regular file", zPath);
  }
  if(st.st_size > DAG_FILE_MAX) {
    close(fd);
    return airc_err_set(pErr, AIRC_ERR_TOOBIG, "%s: file is %lld bytes, larger than the %d byte limit",
                        zPath, (long long)st.st_size, DAG_FILE_MAX);
  }
  dynbuf b;
  dynbuf_init(&b, DAG_FILE_MAX + 1);
  char aChunk[16384];
  airc_rc rc = AIRC_OK;
  for(;;) {
    ssize_t n = read(fd, aChunk, sizeof(aChunk));
    if(n < 0 && errno == EINTR) continue;
    if(n < 0) {
      rc = airc_err_set(pErr, AIRC_ERR_IO, "%s: read: %s", zPath, strerror(errno));
      break;
    }
    if(n == 0) break;
    if(dynbuf_append(&b, aChunk, (size_t)n)) {
      rc = airc_err_set(pErr, AIRC_ERR_TOOBIG, "%s: file is larger than the %d byte limit", zPath, DAG_FILE_MAX);
      break;
    }
  }
  close(fd);
  if(!rc) rc = dag_parse_buffer(zPath, dynbuf_str(&b), b.n, apType, ppOut, pErr);
  if(!rc) {
    (*ppOut)->zFile = strdup(zPath);
    if(!(*ppOut)->zFile) {
      dag_free(*ppOut);
      *ppOut = NULL;
      rc = airc_err_set(pErr, AIRC_ERR_NOMEM, "out of memory");
    }
  }
  dynbuf_free(&b);
  return rc;
}
