/* api_users.c: /api/v1/users (admin only): list, create
 * ({"username","role","password"}), DELETE /users/{username}. An admin
 * cannot delete themself (so there is always a way back in). */
#include "webui/api.h"
#include "webui/users.h"
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
