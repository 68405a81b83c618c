/* api_users.c: /api/v1/users (admin only): list, create
 * ({"username","role","password"}), DELETE /users/{username}. An admin
 * cannot delete themself (so there is always a way back in).
 * PATCH /users/{username} ({"password"}) sets a password and revokes the
 * user's sessions and access tokens. /users/{username}/tokens: personal
 * API tokens (list; create {"name", "expires_days"?} shows the token once;
 * DELETE .../tokens/{name} revokes). /auth/tokens (any role): the same
 * for the request's own user, for the dashboard's token page. */
#include "webui/api.h"
#include "webui/users.h"
#include <sodium.h>
#include <string.h>

int api_users_list(web_req *r) {
  airc_err err = {0};
  json_t *pArr = users_list_json(r->s, &err);
  if(!pArr) return http_reply_err(r, &err);
  size_t n = json_array_size(pArr);
  return http_reply_json(r, 200, api_list("users", pArr, (int64_t)n));
}

int api_users_create(web_req *r) {
  airc_err err = {0};
  json_t *pBody = web_req_json_body(r, &err);
  if(!pBody) return http_reply_err(r, &err);
  const char *zName = json_string_value(json_object_get(pBody, "username"));
  const char *zRole = json_string_value(json_object_get(pBody, "role"));
  const char *zPw = json_string_value(json_object_get(pBody, "password"));
  if(!zName || !zRole || !zPw) {
    json_decref(pBody);
    return http_reply_error(r, 400, NULL, "the body needs \"username\", \"role\" and \"password\" strings");
  }
  airc_rc rc = users_create(r->s, zName, web_role_parse(zRole), zPw, &err);
  json_t *pOut = rc ? NULL : json_pack("{s:s, s:s}", "username", zName, "role", zRole);
  json_decref(pBody);
  if(rc) return http_reply_err(r, &err);
  return http_reply_json(r, 201, pOut);
}

int api_users_delete(web_req *r) {
  if(!strcmp(r->azParam[0], r->user.zName))
    return http_reply_error(r, 409, NULL, "you cannot delete your own user");
  airc_err err = {0};
  if(users_delete(r->s, r->azParam[0], &err)) return http_reply_err(r, &err);
  return http_reply_json(r, 200, json_pack("{s:s, s:b}", "username", r->azParam[0], "deleted", 1));
}

int api_users_patch(web_req *r) {
  airc_err err = {0};
  json_t *pBody = web_req_json_body(r, &err);
  if(!pBody) return http_reply_err(r, &err);
  const char *zPw = json_string_value(json_object_get(pBody, "password"));
  if(!zPw || json_object_size(pBody) != 1) {
    json_decref(pBody);
    return http_reply_error(r, 400, NULL, "the body needs exactly a \"password\" string");
  }
  airc_rc rc = users_set_password(r->s, r->azParam[0], zPw, &err);
  json_decref(pBody);
  if(rc) return http_reply_err(r, &err);
  api_audit(r, "user_password", NULL, NULL, NULL, json_pack("{s:s}", "username", r->azParam[0]));
  return http_reply_json(r, 200, json_pack("{s:s, s:b}", "username", r->azParam[0], "password_changed", 1));
}

/* zUser's personal tokens: the admin routes name the user in the path,
 * the self-service ones (/auth/tokens) act on the request's own user. */
static int tokens_list(web_req *r, const char *zUser) {
  airc_err err = {0};
  json_t *pArr = users_token_list_json(r->s, zUser, &err);
  if(!pArr) return http_reply_err(r, &err);
  size_t n = json_array_size(pArr);
  return http_reply_json(r, 200, api_list("tokens", pArr, (int64_t)n));
}

static int tokens_create(web_req *r, const char *zUser) {
  airc_err err = {0};
  json_t *pBody = web_req_json_body(r, &err);
  if(!pBody) return http_reply_err(r, &err);
  const char *zName = json_string_value(json_object_get(pBody, "name"));
  json_t *pDays = json_object_get(pBody, "expires_days");
  if(!zName || (pDays && !json_is_null(pDays) && !json_is_integer(pDays))) {
    json_decref(pBody);
    return http_reply_error(r, 400, NULL, "the body needs a \"name\" string and optionally \"expires_days\" (an integer)");
  }
  int64_t days = json_is_integer(pDays) ? (int64_t)json_integer_value(pDays) : 0;
  char zTok[USERS_TOKEN_BUF];
  char zName2[USERS_TOKEN_NAME_MAX + 1];
  snprintf(zName2, sizeof(zName2), "%s", zName);
  airc_rc rc = users_token_create(r->s, zUser, zName, days, zTok, sizeof(zTok), &err);
  json_decref(pBody);
  if(rc) return http_reply_err(r, &err);
  api_audit(r, "token_create", NULL, NULL, NULL, json_pack("{s:s, s:s}", "username", zUser, "name", zName2));
  json_t *pOut = json_pack("{s:s, s:s, s:s, s:s}", "username", zUser, "name", zName2, "token", zTok,
                           "token_type", "bearer");
  sodium_memzero(zTok, sizeof(zTok));
  return http_reply_json(r, 201, pOut);
}

static int tokens_revoke(web_req *r, const char *zUser, const char *zName) {
  airc_err err = {0};
  if(users_token_revoke(r->s, zUser, zName, &err)) return http_reply_err(r, &err);
  api_audit(r, "token_revoke", NULL, NULL, NULL, json_pack("{s:s, s:s}", "username", zUser, "name", zName));
  return http_reply_json(r, 200, json_pack("{s:s, s:s, s:b}", "username", zUser, "name", zName, "revoked", 1));
}

int api_user_tokens_list(web_req *r) { return tokens_list(r, r->azParam[0]); }
int api_user_tokens_create(web_req *r) { return tokens_create(r, r->azParam[0]); }
int api_user_tokens_revoke(web_req *r) { return tokens_revoke(r, r->azParam[0], r->azParam[1]); }

/* The request's own user, or 0 after a reply: with authentication off the
 * anonymous user has no tokens. */
static int self_user(web_req *r) {
  if(r->user.id) return 1;
  http_reply_error(r, 400, NULL, "personal tokens belong to a logged-in user; authentication is off");
  return 0;
}

int api_my_tokens_list(web_req *r) { return self_user(r) ? tokens_list(r, r->user.zName) : r->mhdResult; }
int api_my_tokens_create(web_req *r) { return self_user(r) ? tokens_create(r, r->user.zName) : r->mhdResult; }
int api_my_tokens_revoke(web_req *r) {
  return self_user(r) ? tokens_revoke(r, r->user.zName, r->azParam[0]) : r->mhdResult;
}
