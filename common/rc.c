/* rc.c: names of airc_rc values. */
#include "common/rc.h"

const char *airc_strerror(airc_rc rc) {
  switch(rc) {
  case AIRC_OK: return "ok";
  case AIRC_ERR_NOMEM: return "out of memory";
  case AIRC_ERR_IO: return "i/o error";
  case AIRC_ERR_PARSE: return "parse error";
  case AIRC_ERR_INVALID: return "invalid input";
  case AIRC_ERR_NOTFOUND: return "not found";
  case AIRC_ERR_EXISTS: return "already exists";
  case AIRC_ERR_DB: return "database error";
  case AIRC_ERR_TOOBIG: return "too big";
  case AIRC_ERR_BUSY: return "busy";
  case AIRC_ERR_EXEC: return "exec failed";
  case AIRC_ERR_NET: return "network error";
  case AIRC_ERR_TIMEOUT: return "timed out";
  case AIRC_ERR_STATE: return "not allowed in this state";
  case AIRC_ERR_USAGE: return "usage error";
  }
  return "unknown error";
}

int airc_rc_is_transient(airc_rc rc) { return rc == AIRC_ERR_BUSY || rc == AIRC_ERR_IO; }
