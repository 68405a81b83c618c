/* task_regex.c: see task_regex.h. A one-pass scan of the ERE syntax that
 * matters for cost (groups, brackets, escapes, quantifiers), then regcomp. */
#include "dag/task_regex.h"
#include <stdlib.h>
#include <string.h>

#define GROUP_DEPTH_MAX 32

/* Skips a bracket expression starting at z[0] == '['; returns the index
 * just after its ']' (or the end of z when unterminated: regcomp reports it). */
static size_t skip_bracket(const char *z, size_t i) {
  i++;
  if(z[i] == '^') i++;
  if(z[i] == ']') i++;
  while(z[i] && z[i] != ']') {
    if(z[i] == '[' && (z[i + 1] == ':' || z[i + 1] == '.' || z[i + 1] == '=')) {
      char cEnd = z[i + 1];
      const char *zClose = z + i + 2;
      while(*zClose && !(zClose[0] == cEnd && zClose[1] == ']')) zClose++;
      i = *zClose ? (size_t)(zClose - z) + 2 : strlen(z);
    } else {
      i++;
    }
  }
  return z[i] ? i + 1 : i;
}

static airc_rc regex_refuse(airc_err *pErr, const char *zRe, const char *zWhy) {
  return airc_err_set(pErr, AIRC_ERR_INVALID, "task regex '%.300s' is refused: %s", zRe, zWhy);
}

/* The cost checks of task_regex.h. */
static airc_rc regex_check(const char *zRe, size_t nMax, airc_err *pErr) {
  if(nMax && strlen(zRe) > nMax) {
    return airc_err_set(pErr, AIRC_ERR_INVALID, "task regex is longer than %zu characters (%zu)", nMax, strlen(zRe));
  }
  int aQuant[GROUP_DEPTH_MAX + 1]; /* group level -> it contains a quantifier */
  int depth = 0;
  int bLastGroupQuant = 0; /* the atom just before is a group containing a quantifier */
  int bLastQuant = 0;      /* the token just before is a quantifier */
  memset(aQuant, 0, sizeof(aQuant));
  for(size_t i = 0; zRe[i];) {
    char c = zRe[i];
    int bWasQuant = bLastQuant;
    bLastQuant = 0;
    if(c == '\\') {
      if(zRe[i + 1] >= '1' && zRe[i + 1] <= '9') return regex_refuse(pErr, zRe, "back-references are not allowed");
      i += zRe[i + 1] ? 2 : 1;
      bLastGroupQuant = 0;
    } else if(c == '[') {
      i = skip_bracket(zRe, i);
      bLastGroupQuant = 0;
    } else if(c == '(') {
      if(++depth > GROUP_DEPTH_MAX) return regex_refuse(pErr, zRe, "groups are nested too deeply");
      aQuant[depth] = 0;
      i++;
      bLastGroupQuant = 0;
    } else if(c == ')' && depth > 0) {
      bLastGroupQuant = aQuant[depth];
      depth--;
      if(bLastGroupQuant) aQuant[depth] = 1;
      i++;
    } else if(c == '*' || c == '+' || c == '?' || c == '{') {
      if(c == '{') {
        char *zEnd;
        long a = strtol(zRe + i + 1, &zEnd, 10), b = a;
        if(*zEnd == ',') b = zEnd[1] == '}' ? -1 : strtol(zEnd + 1, &zEnd, 10);
        else if(*zEnd != '}') return regex_refuse(pErr, zRe, "a '{' must be a repetition count {m}, {m,} or {m,n}");
        if(*zEnd == ',') zEnd++;
        if(*zEnd != '}') return regex_refuse(pErr, zRe, "a '{' must be a repetition count {m}, {m,} or {m,n}");
        if(a > TASK_REGEX_MAX_COUNT || b > TASK_REGEX_MAX_COUNT)
          return airc_err_set(pErr, AIRC_ERR_INVALID,
                              "task regex '%.300s' is refused: repetition counts above %d are not allowed", zRe,
                              TASK_REGEX_MAX_COUNT);
        i = (size_t)(zEnd - zRe) + 1;
      } else {
        i++;
      }
      if(bLastGroupQuant || bWasQuant)
        return regex_refuse(pErr, zRe, "a repeated group may not itself contain repetition (nested repetition)");
      aQuant[depth] = 1;
      bLastQuant = 1;
      continue;
    } else {
      i++;
      bLastGroupQuant = 0;
    }
  }
  return AIRC_OK;
}

airc_rc task_regex_compile(const char *zRe, size_t nMax, regex_t *pRe, airc_err *pErr) {
  airc_rc rc = regex_check(zRe, nMax, pErr);
  if(rc) return rc;
  int e = regcomp(pRe, zRe, REG_EXTENDED | REG_NOSUB);
  if(e) {
    char zMsg[128];
    regerror(e, pRe, zMsg, sizeof(zMsg));
    return airc_err_set(pErr, AIRC_ERR_INVALID, "bad task regex '%.300s': %s", zRe, zMsg);
  }
  return AIRC_OK;
}
