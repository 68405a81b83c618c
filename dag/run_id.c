/* run_id.c: which run ids a user may choose and how big a conf may be.
 * Pure (no I/O); the store, the CLI and the web server ask it before a run
 * id or a conf reaches the store. */
#include "dag/dag.h"
#include <stdlib.h>
#include <string.h>

static int run_id_char_ok(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
         c == ':' || c == '+' || c == '~' || c == '-';
}

airc_rc dag_run_id_check(const char *z, airc_err *pErr) {
  static const char zRule[] = "allowed: 1-200 of A-Z a-z 0-9 _ . : + ~ -";
  size_t n = z ? strlen(z) : 0;
  if(n == 0) return airc_err_set(pErr, AIRC_ERR_INVALID, "run id is empty (%s)", zRule);
  if(n > DAG_RUN_ID_MAX)
    return airc_err_set(pErr, AIRC_ERR_INVALID, "run id is %zu bytes long (%s)", n, zRule);
  for(size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)z[i];
    if(run_id_char_ok(c)) continue;
    /* the id itself is not echoed: it may hold control characters */
    if(c > 0x20 && c < 0x7f)
      return airc_err_set(pErr, AIRC_ERR_INVALID, "run id has '%c' at position %zu (%s)", c, i + 1, zRule);
    return airc_err_set(pErr, AIRC_ERR_INVALID, "run id has byte 0x%02x at position %zu (%s)", c, i + 1, zRule);
  }
  return AIRC_OK;
}

airc_rc dag_run_conf_check(json_t *pConf, airc_err *pErr) {
  if(!pConf) return AIRC_OK;
  char *z = json_dumps(pConf, JSON_COMPACT | JSON_ENCODE_ANY);
  if(!z) return airc_err_set(pErr, AIRC_ERR_NOMEM, "conf: out of memory");
  size_t n = strlen(z);
  free(z);
  if(n > DAG_RUN_CONF_MAX)
    return airc_err_set(pErr, AIRC_ERR_INVALID, "conf is %zu bytes as JSON, above the limit of %d bytes (64 KiB)",
                        n, DAG_RUN_CONF_MAX);
  return AIRC_OK;
}
