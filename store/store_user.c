/* store_user.c: see store_user.h. The table is "user", quoted: a
 * reserved word in PostgreSQL (unquoted, FROM user is current_user). */
#include "store/store_user.h"
#include "store/store_int.h"
#include <stdio.h>
#include <string.h>

airc_rc store_user_insert(store *p, const char *zName, const char *zRole, const char *zHash, int64_t createdUs,
                          airc_err *pErr) {
  store_stmt *st =
      store_stmt_prepare(p, "INSERT INTO \"user\"(username, role, password_hash, created_us) VALUES(?,?,?,?)", pErr);
  if(!st) return pErr->rc;
  store_bind_text(st, 1, zName);
  store_bind_text(st, 2, zRole);
  store_bind_text(st, 3, zHash);
  store_bind_int64(st, 4, createdUs);
  airc_err stepErr = {0};
  int r = store_stmt_step(st, &stepErr);
  store_stmt_done(st);
  if(r == STORE_ERROR) {
    if(stepErr.rc == AIRC_ERR_EXISTS) return airc_err_set(pErr, AIRC_ERR_EXISTS, "user '%s' already exists", zName);
    return airc_err_set(pErr, stepErr.rc, "insert user: %s", stepErr.zMsg);
  }
  return AIRC_OK;
}

airc_rc store_user_delete(store *p, const char *zName, airc_err *pErr) {
  store_stmt *st = store_stmt_prepare(p, "DELETE FROM \"user\" WHERE username=?", pErr);
  if(!st) return pErr->rc;
  store_bind_text(st, 1, zName);
  int64_t nChanged = 0;
  if(store_stmt_run_changes(p, st, "delete user", &nChanged, pErr)) return pErr->rc;
  if(!nChanged) return airc_err_set(pErr, AIRC_ERR_NOTFOUND, "no user '%s'", zName);
  return AIRC_OK;
}

/* Copies the row id, username, role, password_hash, created_us. */
static void user_fill(store_stmt *st, store_user *pOut) {
  memset(pOut, 0, sizeof(*pOut));
  pOut->id = store_col_int64(st, 0);
  snprintf(pOut->zName, sizeof(pOut->zName), "%s", store_col_str(st, 1));
  snprintf(pOut->zRole, sizeof(pOut->zRole), "%s", store_col_str(st, 2));
  snprintf(pOut->zHash, sizeof(pOut->zHash), "%s", store_col_str(st, 3));
  pOut->createdUs = store_col_int64(st, 4);
}

airc_rc store_user_get_by_name(store *p, const char *zName, store_user *pOut, airc_err *pErr) {
  store_stmt *st =
      store_stmt_prepare(p, "SELECT id, username, role, password_hash, created_us FROM \"user\" WHERE username=?", pErr);
  if(!st) return pErr->rc;
  store_bind_text(st, 1, zName);
  int r = store_stmt_step(st, pErr);
  if(r == STORE_ROW) user_fill(st, pOut);
  store_stmt_done(st);
  if(r == STORE_ERROR) {
    airc_err_prefix(pErr, "read user");
    return pErr->rc;
  }
  if(r == STORE_DONE) return airc_err_set(pErr, AIRC_ERR_NOTFOUND, "no user '%s'", zName);
  return AIRC_OK;
}

airc_rc store_user_get_by_id(store *p, int64_t id, store_user *pOut, airc_err *pErr) {
  store_stmt *st =
      store_stmt_prepare(p, "SELECT id, username, role, password_hash, created_us FROM \"user\" WHERE id=?", pErr);
  if(!st) return pErr->rc;
  store_bind_int64(st, 1, id);
  int r = store_stmt_step(st, pErr);
  if(r == STORE_ROW) user_fill(st, pOut);
  store_stmt_done(st);
  if(r == STORE_ERROR) {
    airc_err_prefix(pErr, "read user");
    return pErr->rc;
  }
  if(r == STORE_DONE) return airc_err_set(pErr, AIRC_ERR_NOTFOUND, "user %lld is gone", (long long)id);
  return AIRC_OK;
}

airc_rc store_user_each(store *p, store_user_fn xRow, void *pCtx, airc_err *pErr) {
  store_stmt *st = store_stmt_prepare(p, "SELECT id, username, role, created_us FROM \"user\" ORDER BY username", pErr);
  if(!st) return pErr->rc;
  int r;
  while((r = store_stmt_step(st, pErr)) == STORE_ROW) {
    store_user_row row = {store_col_int64(st, 0), store_col_str(st, 1), store_col_str(st, 2),
                          store_col_int64(st, 3)};
    if(xRow(pCtx, &row)) break;
  }
  store_stmt_done(st);
  if(r == STORE_ERROR) {
    airc_err_prefix(pErr, "list users");
    return pErr->rc;
  }
  return AIRC_OK;
}

airc_rc store_user_is_empty(store *p, int *pbEmpty, airc_err *pErr) {
  *pbEmpty = 0;
  store_stmt *st = store_stmt_prepare(p, "SELECT NOT EXISTS(SELECT 1 FROM \"user\")", pErr);
  if(!st) return pErr->rc;
  int r = store_stmt_step(st, pErr);
  if(r == STORE_ROW) *pbEmpty = store_col_int(st, 0) != 0;
  store_stmt_done(st);
  if(r == STORE_ERROR) {
    airc_err_prefix(pErr, "count users");
    return pErr->rc;
  }
  return AIRC_OK;
}

/* ---- sessions ---- */

airc_rc store_user_session_insert(store *p, const char *zTokenHash, int64_t userId, const char *zCsrf,
                                  int64_t createdUs, int64_t expiresUs, airc_err *pErr) {
  store_stmt *st = store_stmt_prepare(
      p, "INSERT INTO web_session(token_hash, user_id, csrf_token, created_us, expires_us) VALUES(?,?,?,?,?)", pErr);
  if(!st) return pErr->rc;
  store_bind_text(st, 1, zTokenHash);
  store_bind_int64(st, 2, userId);
  store_bind_text(st, 3, zCsrf);
  store_bind_int64(st, 4, createdUs);
  store_bind_int64(st, 5, expiresUs);
  int r = store_stmt_step(st, pErr);
  store_stmt_done(st);
  if(r == STORE_ERROR) {
    airc_err_prefix(pErr, "insert session");
    return pErr->rc;
  }
  return AIRC_OK;
}

airc_rc store_user_session_lookup(store *p, const char *zTokenHash, int64_t nowUs, store_user_session *pOut,
                                  airc_err *pErr) {
  store_stmt *st = store_stmt_prepare(p,
                                      "SELECT u.id, u.username, u.role, s.csrf_token FROM web_session s"
                                      " JOIN \"user\" u ON u.id=s.user_id WHERE s.token_hash=? AND s.expires_us>?",
                                      pErr);
  if(!st) return pErr->rc;
  store_bind_text(st, 1, zTokenHash);
  store_bind_int64(st, 2, nowUs);
  int r = store_stmt_step(st, pErr);
  if(r == STORE_ROW) {
    memset(pOut, 0, sizeof(*pOut));
    pOut->userId = store_col_int64(st, 0);
    snprintf(pOut->zName, sizeof(pOut->zName), "%s", store_col_str(st, 1));
    snprintf(pOut->zRole, sizeof(pOut->zRole), "%s", store_col_str(st, 2));
    snprintf(pOut->zCsrf, sizeof(pOut->zCsrf), "%s", store_col_str(st, 3));
  }
  store_stmt_done(st);
  if(r == STORE_ERROR) {
    airc_err_prefix(pErr, "read session");
    return pErr->rc;
  }
  if(r == STORE_DONE) return airc_err_set(pErr, AIRC_ERR_NOTFOUND, "no session");
  return AIRC_OK;
}

airc_rc store_user_session_delete(store *p, const char *zTokenHash, airc_err *pErr) {
  store_stmt *st = store_stmt_prepare(p, "DELETE FROM web_session WHERE token_hash=?", pErr);
  if(!st) return pErr->rc;
  store_bind_text(st, 1, zTokenHash);
  int r = store_stmt_step(st, pErr);
  store_stmt_done(st);
  if(r == STORE_ERROR) {
    airc_err_prefix(pErr, "delete session");
    return pErr->rc;
  }
  return AIRC_OK;
}

airc_rc store_user_session_purge(store *p, int64_t nowUs, int64_t *pnDeleted, airc_err *pErr) {
  if(pnDeleted) *pnDeleted = 0;
  store_stmt *st = store_stmt_prepare(p, "DELETE FROM web_session WHERE expires_us<=?", pErr);
  if(!st) return pErr->rc;
  store_bind_int64(st, 1, nowUs);
  int r = store_stmt_step(st, pErr);
  if(r != STORE_ERROR && pnDeleted) *pnDeleted = store_changes(p);
  store_stmt_done(st);
  if(r == STORE_ERROR) {
    airc_err_prefix(pErr, "purge sessions");
    return pErr->rc;
  }
  return AIRC_OK;
}

/* ---- passwords ---- */

/* Runs zSql ("UPDATE ... SET col=? WHERE username=?") with zValue and
 * zName; AIRC_ERR_NOTFOUND when no user has that name. */
static airc_rc user_update_text(store *p, const char *zSql, const char *zWhat, const char *zValue, const char *zName,
                                airc_err *pErr) {
  store_stmt *st = store_stmt_prepare(p, zSql, pErr);
  if(!st) return pErr->rc;
  store_bind_text(st, 1, zValue);
  store_bind_text(st, 2, zName);
  int64_t nChanged = 0;
  if(store_stmt_run_changes(p, st, zWhat, &nChanged, pErr)) return pErr->rc;
  if(!nChanged) return airc_err_set(pErr, AIRC_ERR_NOTFOUND, "no user '%s'", zName);
  return AIRC_OK;
}

airc_rc store_user_set_hash(store *p, const char *zName, const char *zHash, airc_err *pErr) {
  return user_update_text(p, "UPDATE \"user\" SET password_hash=? WHERE username=?", "set password", zHash, zName, pErr);
}

airc_rc store_user_set_role(store *p, const char *zName, const char *zRole, airc_err *pErr) {
  return user_update_text(p, "UPDATE \"user\" SET role=? WHERE username=?", "set role", zRole, zName, pErr);
}


airc_rc store_user_session_delete_user(store *p, int64_t userId, airc_err *pErr) {
  store_stmt *st = store_stmt_prepare(p, "DELETE FROM web_session WHERE user_id=?", pErr);
  if(!st) return pErr->rc;
  store_bind_int64(st, 1, userId);
  int r = store_stmt_step(st, pErr);
  store_stmt_done(st);
  if(r == STORE_ERROR) {
    airc_err_prefix(pErr, "delete sessions");
    return pErr->rc;
  }
  return AIRC_OK;
}

/* ---- API tokens ---- */

airc_rc store_user_token_insert(store *p, int64_t userId, const char *zKind, const char *zTokenName,
                                const char *zHash, int64_t createdUs, int64_t expiresUs, int64_t *pId,
                                airc_err *pErr) {
  *pId = 0;
  store_stmt *st = store_stmt_prepare(
      p, "INSERT INTO api_token(user_id, kind, name, token_hash, created_us, expires_us) VALUES(?,?,?,?,?,?)", pErr);
  if(!st) return pErr->rc;
  store_bind_int64(st, 1, userId);
  store_bind_text(st, 2, zKind);
  if(zTokenName) store_bind_text(st, 3, zTokenName);
  else store_bind_null(st, 3);
  store_bind_text(st, 4, zHash);
  store_bind_int64(st, 5, createdUs);
  if(expiresUs == STORE_TOKEN_NEVER) store_bind_null(st, 6);
  else store_bind_int64(st, 6, expiresUs);
  airc_err stepErr = {0};
  int r = store_stmt_step(st, &stepErr);
  if(r != STORE_ERROR) *pId = store_last_insert_id(p);
  store_stmt_done(st);
  if(r == STORE_ERROR) {
    if(stepErr.rc == AIRC_ERR_EXISTS)
      return airc_err_set(pErr, AIRC_ERR_EXISTS, "token '%s' already exists", zTokenName ? zTokenName : "");
    return airc_err_set(pErr, stepErr.rc, "insert token: %s", stepErr.zMsg);
  }
  return AIRC_OK;
}

airc_rc store_user_token_lookup(store *p, int64_t id, int64_t nowUs, store_user_token *pOut, airc_err *pErr) {
  store_stmt *st = store_stmt_prepare(p,
                                      "SELECT t.id, u.id, u.username, u.role, t.kind, t.name, t.token_hash,"
                                      " t.expires_us FROM api_token t JOIN \"user\" u ON u.id=t.user_id"
                                      " WHERE t.id=? AND (t.expires_us IS NULL OR t.expires_us>?)",
                                      pErr);
  if(!st) return pErr->rc;
  store_bind_int64(st, 1, id);
  store_bind_int64(st, 2, nowUs);
  int r = store_stmt_step(st, pErr);
  if(r == STORE_ROW) {
    memset(pOut, 0, sizeof(*pOut));
    pOut->id = store_col_int64(st, 0);
    pOut->userId = store_col_int64(st, 1);
    snprintf(pOut->zName, sizeof(pOut->zName), "%s", store_col_str(st, 2));
    snprintf(pOut->zRole, sizeof(pOut->zRole), "%s", store_col_str(st, 3));
    snprintf(pOut->zKind, sizeof(pOut->zKind), "%s", store_col_str(st, 4));
    snprintf(pOut->zTokenName, sizeof(pOut->zTokenName), "%s", store_col_str(st, 5));
    snprintf(pOut->zHash, sizeof(pOut->zHash), "%s", store_col_str(st, 6));
    pOut->expiresUs = store_col_is_null(st, 7) ? STORE_TOKEN_NEVER : store_col_int64(st, 7);
  }
  store_stmt_done(st);
  if(r == STORE_ERROR) {
    airc_err_prefix(pErr, "read token");
    return pErr->rc;
  }
  if(r == STORE_DONE) return airc_err_set(pErr, AIRC_ERR_NOTFOUND, "no token");
  return AIRC_OK;
}

airc_rc store_user_token_delete(store *p, int64_t id, airc_err *pErr) {
  store_stmt *st = store_stmt_prepare(p, "DELETE FROM api_token WHERE id=?", pErr);
  if(!st) return pErr->rc;
  store_bind_int64(st, 1, id);
  int r = store_stmt_step(st, pErr);
  store_stmt_done(st);
  if(r == STORE_ERROR) {
    airc_err_prefix(pErr, "delete token");
    return pErr->rc;
  }
  return AIRC_OK;
}

airc_rc store_user_token_delete_named(store *p, int64_t userId, const char *zTokenName, airc_err *pErr) {
  store_stmt *st =
      store_stmt_prepare(p, "DELETE FROM api_token WHERE user_id=? AND kind='personal' AND name=?", pErr);
  if(!st) return pErr->rc;
  store_bind_int64(st, 1, userId);
  store_bind_text(st, 2, zTokenName);
  int64_t nChanged = 0;
  if(store_stmt_run_changes(p, st, "revoke token", &nChanged, pErr)) return pErr->rc;
  if(!nChanged) return airc_err_set(pErr, AIRC_ERR_NOTFOUND, "no token '%s'", zTokenName);
  return AIRC_OK;
}

airc_rc store_user_token_delete_kind(store *p, int64_t userId, const char *zKind, airc_err *pErr) {
  store_stmt *st = store_stmt_prepare(p, "DELETE FROM api_token WHERE user_id=? AND kind=?", pErr);
  if(!st) return pErr->rc;
  store_bind_int64(st, 1, userId);
  store_bind_text(st, 2, zKind);
  int r = store_stmt_step(st, pErr);
  store_stmt_done(st);
  if(r == STORE_ERROR) {
    airc_err_prefix(pErr, "revoke tokens");
    return pErr->rc;
  }
  return AIRC_OK;
}

airc_rc store_user_token_each(store *p, int64_t userId, store_user_token_fn xRow, void *pCtx, airc_err *pErr) {
  store_stmt *st = store_stmt_prepare(p,
                                      "SELECT id, name, created_us, expires_us FROM api_token"
                                      " WHERE user_id=? AND kind='personal' ORDER BY name",
                                      pErr);
  if(!st) return pErr->rc;
  store_bind_int64(st, 1, userId);
  int r;
  while((r = store_stmt_step(st, pErr)) == STORE_ROW) {
    store_user_token_row row = {store_col_int64(st, 0), store_col_str(st, 1), store_col_int64(st, 2),
                                store_col_is_null(st, 3) ? STORE_TOKEN_NEVER : store_col_int64(st, 3)};
    if(xRow(pCtx, &row)) break;
  }
  store_stmt_done(st);
  if(r == STORE_ERROR) {
    airc_err_prefix(pErr, "list tokens");
    return pErr->rc;
  }
  return AIRC_OK;
}

airc_rc store_user_token_purge(store *p, int64_t nowUs, airc_err *pErr) {
  store_stmt *st = store_stmt_prepare(p, "DELETE FROM api_token WHERE expires_us<=?", pErr);
  if(!st) return pErr->rc;
  store_bind_int64(st, 1, nowUs);
  int r = store_stmt_step(st, pErr);
  store_stmt_done(st);
  if(r == STORE_ERROR) {
    airc_err_prefix(pErr, "purge tokens");
    return pErr->rc;
  }
  return AIRC_OK;
}
