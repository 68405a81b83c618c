/* store_secret.c: see store_secret.h. */
#include "store/store_secret.h"
#include "store/store_int.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* After a write to connection or variable: on PostgreSQL, NOTIFY
 * STORE_CH_SECRETS (sent when the caller's transaction commits, not at all
 * if it rolls back), so that a distributed scheduler drops the ones it
 * keeps for launches (scheduler/sched_runs.c). SQLite has no notifications:
 * its scheduler sees another process's commit in the store's change
 * counter. A failure is returned: the write it follows is the caller's to
 * roll back or keep. */
static airc_rc secrets_changed(store *p, airc_err *pErr) {
  if(p->pDrv->eDialect != STORE_DIALECT_PG) return AIRC_OK;
  return store_run_sql(p, "SELECT pg_notify('" STORE_CH_SECRETS "', '')", pErr);
}

static void bind_opt_text(store_stmt *st, int i, json_t *p) {
  if(json_is_string(p)) store_bind_text(st, i, json_string_value(p));
  else store_bind_null(st, i);
}

airc_rc store_conn_put(store *p, const seal_key *pKey, const char *zName, json_t *pConn, int bReplace,
                       airc_err *pErr) {
  const char *zPw = json_string_value(json_object_get(pConn, "password"));
  char *zSealed = zPw ? seal_encrypt(pKey, zPw, pErr) : NULL;
  if(zPw && !zSealed) return pErr->rc;
  json_t *pExtra = json_object_get(pConn, "extra");
  char *zExtra = json_dumps(json_is_object(pExtra) ? pExtra : json_object(), JSON_COMPACT | JSON_SORT_KEYS);
  store_stmt *st = store_stmt_prepare(
      p, bReplace ? "INSERT INTO connection(conn_id, conn_type, description, host, schema, login, password_sealed, port, extra)"
                    " VALUES(?,?,?,?,?,?,?,?,?) ON CONFLICT(conn_id) DO UPDATE SET conn_type=excluded.conn_type,"
                    " description=excluded.description, host=excluded.host, schema=excluded.schema,"
                    " login=excluded.login, password_sealed=excluded.password_sealed, port=excluded.port,"
                    " extra=excluded.extra"
                  : "INSERT INTO connection(conn_id, conn_type, description, host, schema, login, password_sealed, port, extra)"
                    " VALUES(?,?,?,?,?,?,?,?,?) ON CONFLICT(conn_id) DO NOTHING",
      pErr);
  if(!st) {
    free(zSealed);
    free(zExtra);
    return pErr->rc;
  }
  const char *zType = json_string_value(json_object_get(pConn, "conn_type"));
  store_bind_text(st, 1, zName);
  store_bind_text(st, 2, zType ? zType : "");
  bind_opt_text(st, 3, json_object_get(pConn, "description"));
  bind_opt_text(st, 4, json_object_get(pConn, "host"));
  bind_opt_text(st, 5, json_object_get(pConn, "schema"));
  bind_opt_text(st, 6, json_object_get(pConn, "login"));
  if(zSealed) store_bind_text(st, 7, zSealed);
  else store_bind_null(st, 7);
  json_t *pPort = json_object_get(pConn, "port");
  if(json_is_integer(pPort)) store_bind_int64(st, 8, json_integer_value(pPort));
  else store_bind_null(st, 8);
  store_bind_text(st, 9, zExtra ? zExtra : "{}");
  int r = store_stmt_step(st, pErr);
  store_stmt_done(st);
  free(zSealed);
  free(zExtra);
  if(r == STORE_ERROR) {
    airc_err_prefix(pErr, "write connection: ");
    return pErr->rc;
  }
  if(!bReplace && store_changes(p) == 0) return airc_err_set(pErr, AIRC_ERR_EXISTS, "connection '%s' already exists", zName);
  return secrets_changed(p, pErr);
}

static json_t *text_or_null(store_stmt *st, int i) {
  return store_col_is_null(st, i) ? json_null() : json_string(store_col_str(st, i));
}

/* The connection of the current row (columns as in CONN_COLS). */
#define CONN_COLS "conn_id, conn_type, description, host, schema, login, password_sealed, port, extra"
static json_t *conn_row(store_stmt *st, const seal_key *pKey, airc_err *pErr) {
  json_t *p = json_object();
  json_object_set_new(p, "conn_type", json_string(store_col_str(st, 1)));
  json_object_set_new(p, "description", text_or_null(st, 2));
  json_object_set_new(p, "host", text_or_null(st, 3));
  json_object_set_new(p, "schema", text_or_null(st, 4));
  json_object_set_new(p, "login", text_or_null(st, 5));
  json_t *pPw = json_null();
  if(!store_col_is_null(st, 6)) {
    char *z = seal_decrypt(pKey, store_col_str(st, 6), pErr);
    if(!z) {
      airc_err_prefix(pErr, "connection '%s': ", store_col_str(st, 0));
      json_decref(p);
      return NULL;
    }
    pPw = json_string(z);
    free(z);
  }
  json_object_set_new(p, "password", pPw ? pPw : json_null());
  json_object_set_new(p, "port", store_col_is_null(st, 7) ? json_null() : json_integer(store_col_int64(st, 7)));
  json_t *pExtra = json_loads(store_col_str(st, 8), 0, NULL);
  json_object_set_new(p, "extra", json_is_object(pExtra) ? pExtra : json_object());
  if(pExtra && !json_is_object(pExtra)) json_decref(pExtra);
  return p;
}

airc_rc store_conn_get(store *p, const seal_key *pKey, const char *zName, json_t **ppOut, airc_err *pErr) {
  *ppOut = NULL;
  store_stmt *st = store_stmt_prepare(p, "SELECT " CONN_COLS " FROM connection WHERE conn_id=?", pErr);
  if(!st) return pErr->rc;
  store_bind_text(st, 1, zName);
  int r = store_stmt_step(st, pErr);
  if(r == STORE_ROW) *ppOut = conn_row(st, pKey, pErr);
  store_stmt_done(st);
  if(r == STORE_ERROR) {
    airc_err_prefix(pErr, "read connection: ");
    return pErr->rc;
  }
  if(r == STORE_DONE) return airc_err_set(pErr, AIRC_ERR_NOTFOUND, "no connection '%s'", zName);
  return *ppOut ? AIRC_OK : pErr->rc;
}

airc_rc store_conn_all(store *p, const seal_key *pKey, json_t **ppOut, airc_err *pErr) {
  json_t *pAll = json_object();
  *ppOut = NULL;
  store_stmt *st = store_stmt_prepare(p, "SELECT " CONN_COLS " FROM connection ORDER BY conn_id", pErr);
  if(!st) {
    json_decref(pAll);
    return pErr->rc;
  }
  int r;
  airc_rc rc = AIRC_OK;
  while((r = store_stmt_step(st, pErr)) == STORE_ROW) {
    json_t *pC = conn_row(st, pKey, pErr);
    if(!pC) {
      rc = pErr->rc;
      break;
    }
    json_object_set_new(pAll, store_col_str(st, 0), pC);
  }
  store_stmt_done(st);
  if(r == STORE_ERROR) rc = pErr->rc;
  if(rc) {
    json_decref(pAll);
    return rc;
  }
  *ppOut = pAll;
  return AIRC_OK;
}

/* DELETE by name; zWhat names the table in the not-found message. */
static airc_rc delete_named(store *p, store_stmt *st, const char *zWhat, const char *zName, airc_err *pErr) {
  if(!st) return pErr->rc;
  store_bind_text(st, 1, zName);
  int r = store_stmt_step(st, pErr);
  store_stmt_done(st);
  if(r == STORE_ERROR) return pErr->rc;
  if(store_changes(p) == 0) return airc_err_set(pErr, AIRC_ERR_NOTFOUND, "no %s '%s'", zWhat, zName);
  return secrets_changed(p, pErr);
}

airc_rc store_conn_delete(store *p, const char *zName, airc_err *pErr) {
  return delete_named(p, store_stmt_prepare(p, "DELETE FROM connection WHERE conn_id=?", pErr), "connection", zName,
                      pErr);
}

airc_rc store_var_set(store *p, const seal_key *pKey, const char *zName, const char *zValue, int bSecret,
                      const char *zDescription, airc_err *pErr) {
  char *zSealed = bSecret ? seal_encrypt(pKey, zValue, pErr) : NULL;
  if(bSecret && !zSealed) return pErr->rc;
  store_stmt *st = store_stmt_prepare(p,
                                      "INSERT INTO variable(key, val, is_secret, description) VALUES(?,?,?,?)"
                                      " ON CONFLICT(key) DO UPDATE SET val=excluded.val, is_secret=excluded.is_secret,"
                                      " description=excluded.description",
                                      pErr);
  if(!st) {
    free(zSealed);
    return pErr->rc;
  }
  store_bind_text(st, 1, zName);
  store_bind_text(st, 2, zSealed ? zSealed : zValue);
  store_bind_int64(st, 3, bSecret ? 1 : 0);
  if(zDescription) store_bind_text(st, 4, zDescription);
  else store_bind_null(st, 4);
  int r = store_stmt_step(st, pErr);
  store_stmt_done(st);
  free(zSealed);
  if(r == STORE_ERROR) {
    airc_err_prefix(pErr, "write variable: ");
    return pErr->rc;
  }
  return secrets_changed(p, pErr);
}

static json_t *var_row(store_stmt *st, const seal_key *pKey, airc_err *pErr) {
  int bSecret = store_col_int(st, 2) != 0;
  json_t *pVal;
  if(bSecret) {
    char *z = seal_decrypt(pKey, store_col_str(st, 1), pErr);
    if(!z) {
      airc_err_prefix(pErr, "variable '%s': ", store_col_str(st, 0));
      return NULL;
    }
    pVal = json_string(z);
    free(z);
  } else {
    pVal = json_string(store_col_str(st, 1));
  }
  return json_pack("{s:o s:b s:o}", "value", pVal ? pVal : json_string(""), "is_secret", bSecret, "description",
                   text_or_null(st, 3));
}

airc_rc store_var_get(store *p, const seal_key *pKey, const char *zName, json_t **ppOut, airc_err *pErr) {
  *ppOut = NULL;
  store_stmt *st = store_stmt_prepare(p, "SELECT key, val, is_secret, description FROM variable WHERE key=?", pErr);
  if(!st) return pErr->rc;
  store_bind_text(st, 1, zName);
  int r = store_stmt_step(st, pErr);
  if(r == STORE_ROW) *ppOut = var_row(st, pKey, pErr);
  store_stmt_done(st);
  if(r == STORE_ERROR) return pErr->rc;
  if(r == STORE_DONE) return airc_err_set(pErr, AIRC_ERR_NOTFOUND, "no variable '%s'", zName);
  return *ppOut ? AIRC_OK : pErr->rc;
}

airc_rc store_var_all(store *p, const seal_key *pKey, json_t **ppOut, airc_err *pErr) {
  json_t *pAll = json_object();
  *ppOut = NULL;
  store_stmt *st = store_stmt_prepare(p, "SELECT key, val, is_secret, description FROM variable ORDER BY key", pErr);
  if(!st) {
    json_decref(pAll);
    return pErr->rc;
  }
  int r;
  airc_rc rc = AIRC_OK;
  while((r = store_stmt_step(st, pErr)) == STORE_ROW) {
    json_t *pV = var_row(st, pKey, pErr);
    if(!pV) {
      rc = pErr->rc;
      break;
    }
    json_object_set_new(pAll, store_col_str(st, 0), pV);
  }
  store_stmt_done(st);
  if(r == STORE_ERROR) rc = pErr->rc;
  if(rc) {
    json_decref(pAll);
    return rc;
  }
  *ppOut = pAll;
  return AIRC_OK;
}

airc_rc store_var_delete(store *p, const char *zName, airc_err *pErr) {
  return delete_named(p, store_stmt_prepare(p, "DELETE FROM variable WHERE key=?", pErr), "variable", zName, pErr);
}

/* Re-seals one column of every row that has a sealed value. */
static airc_rc rekey_table(store *p, const char *zSelect, const char *zUpdate, const seal_key *pOld,
                           const seal_key *pNew, int *pn, airc_err *pErr) {
  json_t *pWork = json_object(); /* name -> new sealed text, updated after the walk */
  store_stmt *st = store_stmt_prepare(p, zSelect, pErr);
  if(!st) {
    json_decref(pWork);
    return pErr->rc;
  }
  int r;
  airc_rc rc = AIRC_OK;
  while((r = store_stmt_step(st, pErr)) == STORE_ROW) {
    char *zPlain = seal_decrypt(pOld, store_col_str(st, 1), pErr);
    char *zNew = zPlain ? seal_encrypt(pNew, zPlain, pErr) : NULL;
    if(zPlain) {
      memset(zPlain, 0, strlen(zPlain));
      free(zPlain);
    }
    if(!zNew) {
      airc_err_prefix(pErr, "'%s': ", store_col_str(st, 0));
      rc = pErr->rc;
      break;
    }
    json_object_set_new(pWork, store_col_str(st, 0), json_string(zNew));
    free(zNew);
  }
  store_stmt_done(st);
  if(r == STORE_ERROR) rc = pErr->rc;
  const char *zKey;
  json_t *pV;
  json_object_foreach(pWork, zKey, pV) {
    if(rc) break;
    st = store_stmt_prepare(p, zUpdate, pErr);
    if(!st) {
      rc = pErr->rc;
      break;
    }
    store_bind_text(st, 1, json_string_value(pV));
    store_bind_text(st, 2, zKey);
    if(store_stmt_step(st, pErr) == STORE_ERROR) rc = pErr->rc;
    store_stmt_done(st);
    (*pn)++;
  }
  json_decref(pWork);
  return rc;
}

airc_rc store_secret_rekey(store *p, const seal_key *pOld, const seal_key *pNew, int *pnDone, airc_err *pErr) {
  *pnDone = 0;
  airc_rc rc = store_begin(p, pErr);
  if(rc) return rc;
  rc = rekey_table(p, "SELECT conn_id, password_sealed FROM connection WHERE password_sealed IS NOT NULL",
                   "UPDATE connection SET password_sealed=? WHERE conn_id=?", pOld, pNew, pnDone, pErr);
  if(!rc)
    rc = rekey_table(p, "SELECT key, val FROM variable WHERE is_secret<>0", "UPDATE variable SET val=? WHERE key=?",
                     pOld, pNew, pnDone, pErr);
  if(!rc) rc = secrets_changed(p, pErr);
  if(!rc) rc = store_commit(p, pErr);
  else store_rollback(p);
  return rc;
}
