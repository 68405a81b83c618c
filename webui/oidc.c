/* oidc.c: see oidc.h. The network side (libcurl) and the handlers; the
 * checks that need no network are in oidc_jwt.c. */
#include "webui/oidc.h"
#include "common/config.h"
#include "common/dynbuf.h"
#include "common/log.h"
#include "common/timeutil.h"
#include "store/store_user.h"
#include "webui/api.h"
#include "webui/auth.h"
#include "webui/http_reply.h"
#include "webui/oidc_jwt.h"
#include "webui/users.h"
#include <curl/curl.h>
#include <microhttpd.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OIDC_URL_MAX 1024
#define OIDC_FETCH_MAX (512 * 1024)     /* discovery, JWKS and token replies */
#define OIDC_DISCOVERY_TTL_US (3600LL * 1000000)
#define OIDC_JWKS_MIN_REFETCH_US (10LL * 1000000)
#define OIDC_NEXT_MAX 512

typedef struct oidc_conf {
  char zIssuer[OIDC_URL_MAX];
  char zClientId[256];
  char zClientSecret[512];
  char zScopes[256];
  char zRoleClaim[128];
  char zUserClaim[128];
  char zRedirect[OIDC_URL_MAX];     /* "" : from the request's Host */
  web_role defaultRole;             /* WEB_ROLE_NONE: refuse unmapped users */
  oidc_role_map map;
} oidc_conf;

static oidc_conf g_conf;
static int g_bEnabled;

/* what discovery told, and the provider's keys (guarded by g_discMutex) */
typedef struct oidc_provider {
  char zAuthorize[OIDC_URL_MAX];
  char zToken[OIDC_URL_MAX];
  char zJwksUri[OIDC_URL_MAX];
  int64_t fetchedUs;                /* 0: not yet */
} oidc_provider;
static oidc_provider g_prov;
static json_t *g_pJwks;
static int64_t g_jwksFetchedUs;
static pthread_mutex_t g_discMutex = PTHREAD_MUTEX_INITIALIZER;

/* sign-ins between /login and /callback (guarded by g_pendMutex) */
typedef struct oidc_pending {
  char zState[48];                  /* "" : free */
  char zNonce[48];
  char zVerifier[48];
  char zRedirect[OIDC_URL_MAX];
  char zNext[OIDC_NEXT_MAX];
  int64_t expiresUs;
} oidc_pending;
static oidc_pending g_aPend[OIDC_PENDING_MAX];
static pthread_mutex_t g_pendMutex = PTHREAD_MUTEX_INITIALIZER;

/* ---- settings ---- */

static airc_rc conf_copy(char *zOut, size_t nOut, const char *zKey, const char *zDefault, airc_err *pErr) {
  const char *z = airc_config_get("webserver", zKey, zDefault);
  if(!z) z = "";
  if(strlen(z) >= nOut)
    return airc_err_set(pErr, AIRC_ERR_INVALID, "[webserver] %s is longer than %zu characters", zKey, nOut - 1);
  snprintf(zOut, nOut, "%s", z);
  return AIRC_OK;
}

airc_rc oidc_init(airc_err *pErr) {
  g_bEnabled = 0;
  memset(&g_conf, 0, sizeof(g_conf));
  airc_rc rc = conf_copy(g_conf.zIssuer, sizeof(g_conf.zIssuer), "oidc_issuer", "", pErr);
  if(rc || !g_conf.zIssuer[0]) return rc;
  if(strncmp(g_conf.zIssuer, "https://", 8) && strncmp(g_conf.zIssuer, "http://", 7))
    return airc_err_set(pErr, AIRC_ERR_INVALID, "[webserver] oidc_issuer: '%.200s' is not an http(s) URL", g_conf.zIssuer);
  if(!rc) rc = conf_copy(g_conf.zClientId, sizeof(g_conf.zClientId), "oidc_client_id", "", pErr);
  if(!rc && !g_conf.zClientId[0])
    rc = airc_err_set(pErr, AIRC_ERR_INVALID, "[webserver] oidc_issuer is set but oidc_client_id is empty");
  if(!rc) rc = conf_copy(g_conf.zClientSecret, sizeof(g_conf.zClientSecret), "oidc_client_secret", "", pErr);
  if(!rc) rc = conf_copy(g_conf.zScopes, sizeof(g_conf.zScopes), "oidc_scopes", "openid profile email", pErr);
  if(!rc) rc = conf_copy(g_conf.zRoleClaim, sizeof(g_conf.zRoleClaim), "oidc_role_claim", "groups", pErr);
  if(!rc) rc = conf_copy(g_conf.zUserClaim, sizeof(g_conf.zUserClaim), "oidc_username_claim", "preferred_username", pErr);
  if(!rc) rc = conf_copy(g_conf.zRedirect, sizeof(g_conf.zRedirect), "oidc_redirect_uri", "", pErr);
  if(!rc && !strstr(g_conf.zScopes, "openid"))
    rc = airc_err_set(pErr, AIRC_ERR_INVALID, "[webserver] oidc_scopes must include 'openid'");
  if(!rc) rc = oidc_role_map_parse(airc_config_get("webserver", "oidc_role_map", ""), &g_conf.map, pErr);
  if(!rc) {
    const char *zDef = airc_config_get("webserver", "oidc_default_role", "viewer");
    g_conf.defaultRole = web_role_parse(zDef);
    if(g_conf.defaultRole == WEB_ROLE_NONE && strcmp(zDef, "none"))
      rc = airc_err_set(pErr, AIRC_ERR_INVALID, "[webserver] oidc_default_role: '%.40s' is not viewer, op, admin or none",
                        zDef);
  }
  if(rc) return rc;
  /* the issuer is kept exactly as given: discovery's issuer and the ID
   * token's iss must equal it character for character */
  if(curl_global_init(CURL_GLOBAL_DEFAULT))
    return airc_err_set(pErr, AIRC_ERR_INVALID, "libcurl failed to initialise (single sign-on)");
  g_bEnabled = 1;
  LOG_INFO("web: single sign-on with OpenID provider %s (client %s)", g_conf.zIssuer, g_conf.zClientId);
  return AIRC_OK;
}

int oidc_enabled(void) { return g_bEnabled; }

/* ---- HTTP (libcurl) ---- */

static size_t curl_sink(char *p, size_t size, size_t n, void *pv) {
  if(dynbuf_append(pv, p, size * n)) return 0; /* over the cap: curl stops */
  return size * n;
}

/* GETs zUrl, or POSTs the form zPost when not NULL (with HTTP Basic
 * zUser/zPw when zUser is set). *pStatus gets the HTTP status and pOut the
 * body (capped). AIRC_ERR_NET for a transport failure. */
static airc_rc http_fetch(const char *zUrl, const char *zPost, const char *zUser, const char *zPw, long *pStatus,
                          dynbuf *pOut, airc_err *pErr) {
  CURL *c = curl_easy_init();
  if(!c) return airc_err_set(pErr, AIRC_ERR_NOMEM, "libcurl: out of memory");
  struct curl_slist *pHdr = curl_slist_append(NULL, "Accept: application/json");
  curl_easy_setopt(c, CURLOPT_URL, zUrl);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 5L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, pHdr);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, curl_sink);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, pOut);
  curl_easy_setopt(c, CURLOPT_USERAGENT, "airc-webserver");
  if(zPost) curl_easy_setopt(c, CURLOPT_POSTFIELDS, zPost);
  if(zUser) {
    curl_easy_setopt(c, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
    curl_easy_setopt(c, CURLOPT_USERNAME, zUser);
    curl_easy_setopt(c, CURLOPT_PASSWORD, zPw);
  }
  CURLcode cc = curl_easy_perform(c);
  airc_rc rc = AIRC_OK;
  if(cc == CURLE_WRITE_ERROR) rc = airc_err_set(pErr, AIRC_ERR_TOOBIG, "%s: the answer is larger than %d bytes", zUrl, OIDC_FETCH_MAX);
  else if(cc) rc = airc_err_set(pErr, AIRC_ERR_NET, "%s: %s", zUrl, curl_easy_strerror(cc));
  else curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, pStatus);
  curl_slist_free_all(pHdr);
  curl_easy_cleanup(c);
  return rc;
}

/* GETs zUrl expecting 200 and a JSON object (new reference). */
static json_t *http_get_json(const char *zUrl, airc_err *pErr) {
  dynbuf b;
  dynbuf_init(&b, OIDC_FETCH_MAX);
  long status = 0;
  json_t *p = NULL;
  if(!http_fetch(zUrl, NULL, NULL, NULL, &status, &b, pErr)) {
    if(status != 200) airc_err_set(pErr, AIRC_ERR_NET, "%s answered HTTP %ld", zUrl, status);
    else if(!(p = json_loadb(dynbuf_str(&b), b.n, 0, NULL)) || !json_is_object(p)) {
      json_decref(p);
      p = NULL;
      airc_err_set(pErr, AIRC_ERR_NET, "%s did not answer a JSON object", zUrl);
    }
  }
  dynbuf_free(&b);
  return p;
}

static airc_rc copy_url(const json_t *pDoc, const char *zKey, char *zOut, airc_err *pErr) {
  const char *z = json_string_value(json_object_get(pDoc, zKey));
  if(!z || (strncmp(z, "https://", 8) && strncmp(z, "http://", 7)) || strlen(z) >= OIDC_URL_MAX)
    return airc_err_set(pErr, AIRC_ERR_NET, "the provider's discovery document has no valid %s", zKey);
  snprintf(zOut, OIDC_URL_MAX, "%s", z);
  return AIRC_OK;
}

/* Fills *pOut with the provider's endpoints, from discovery when the copy
 * is missing or older than an hour. */
static airc_rc provider_get(oidc_provider *pOut, airc_err *pErr) {
  int64_t now = airc_now_us();
  pthread_mutex_lock(&g_discMutex);
  int bFresh = g_prov.fetchedUs && now - g_prov.fetchedUs < OIDC_DISCOVERY_TTL_US;
  if(bFresh) *pOut = g_prov;
  pthread_mutex_unlock(&g_discMutex);
  if(bFresh) return AIRC_OK;
  char zUrl[OIDC_URL_MAX + 64];
  size_t n = strlen(g_conf.zIssuer);
  snprintf(zUrl, sizeof(zUrl), "%s%s.well-known/openid-configuration", g_conf.zIssuer,
           n && g_conf.zIssuer[n - 1] == '/' ? "" : "/");
  json_t *pDoc = http_get_json(zUrl, pErr);
  if(!pDoc) return pErr->rc;
  oidc_provider p = {0};
  const char *zIss = json_string_value(json_object_get(pDoc, "issuer"));
  airc_rc rc = AIRC_OK;
  if(!zIss || strcmp(zIss, g_conf.zIssuer))
    rc = airc_err_set(pErr, AIRC_ERR_NET, "the provider's discovery document names issuer '%.200s', not [webserver] oidc_issuer '%.200s'",
                      zIss ? zIss : "(none)", g_conf.zIssuer);
  if(!rc) rc = copy_url(pDoc, "authorization_endpoint", p.zAuthorize, pErr);
  if(!rc) rc = copy_url(pDoc, "token_endpoint", p.zToken, pErr);
  if(!rc) rc = copy_url(pDoc, "jwks_uri", p.zJwksUri, pErr);
  json_decref(pDoc);
  if(rc) return rc;
  p.fetchedUs = now;
  pthread_mutex_lock(&g_discMutex);
  g_prov = p;
  pthread_mutex_unlock(&g_discMutex);
  *pOut = p;
  return AIRC_OK;
}

/* The provider's JWKS (new reference); bRefresh fetches it again unless it
 * was fetched in the last few seconds. */
static json_t *jwks_get(const oidc_provider *pProv, int bRefresh, airc_err *pErr) {
  int64_t now = airc_now_us();
  pthread_mutex_lock(&g_discMutex);
  json_t *p = NULL;
  if(g_pJwks && (!bRefresh || now - g_jwksFetchedUs < OIDC_JWKS_MIN_REFETCH_US)) p = json_incref(g_pJwks);
  pthread_mutex_unlock(&g_discMutex);
  if(p) return p;
  p = http_get_json(pProv->zJwksUri, pErr);
  if(!p) return NULL;
  if(!json_is_array(json_object_get(p, "keys"))) {
    json_decref(p);
    airc_err_set(pErr, AIRC_ERR_NET, "the provider's JWKS (%s) has no \"keys\" array", pProv->zJwksUri);
    return NULL;
  }
  pthread_mutex_lock(&g_discMutex);
  json_decref(g_pJwks);
  g_pJwks = json_incref(p);
  g_jwksFetchedUs = now;
  pthread_mutex_unlock(&g_discMutex);
  return p;
}

/* ---- pending sign-ins ---- */

static void pending_put(const oidc_pending *pNew) {
  int64_t now = airc_now_us();
  pthread_mutex_lock(&g_pendMutex);
  oidc_pending *pSlot = &g_aPend[0];
  for(int i = 0; i < OIDC_PENDING_MAX; i++) {
    oidc_pending *p = &g_aPend[i];
    if(!p->zState[0] || p->expiresUs <= now) {
      pSlot = p;
      break;
    }
    if(p->expiresUs < pSlot->expiresUs) pSlot = p; /* full: the oldest goes */
  }
  *pSlot = *pNew;
  pthread_mutex_unlock(&g_pendMutex);
}

/* Moves the live sign-in of zState into *pOut (it can be used once). 0 on success. */
static int pending_take(const char *zState, oidc_pending *pOut) {
  int64_t now = airc_now_us();
  int found = -1;
  size_t n = strlen(zState);
  pthread_mutex_lock(&g_pendMutex);
  for(int i = 0; i < OIDC_PENDING_MAX; i++) {
    oidc_pending *p = &g_aPend[i];
    if(p->zState[0] && strlen(p->zState) == n && !sodium_memcmp(p->zState, zState, n)) {
      if(p->expiresUs > now) {
        *pOut = *p;
        found = 0;
      }
      sodium_memzero(p, sizeof(*p));
      break;
    }
  }
  pthread_mutex_unlock(&g_pendMutex);
  return found;
}

static void random_b64(char *zOut, size_t nOut) {
  unsigned char a[24];
  randombytes_buf(a, sizeof(a));
  sodium_bin2base64(zOut, nOut, a, sizeof(a), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

/* ---- handlers ---- */

#define LOGIN_PATH "/api/v1/auth/oidc/login"
#define CALLBACK_PATH "/api/v1/auth/oidc/callback"

int oidc_handle_info(web_req *r) {
  if(!g_bEnabled) return http_reply_json(r, 200, json_pack("{s:b}", "enabled", 0));
  return http_reply_json(r, 200, json_pack("{s:b, s:s}", "enabled", 1, "login_url", LOGIN_PATH));
}

static int reply_not_configured(web_req *r) {
  return http_reply_error(r, 404, NULL, "single sign-on is not configured ([webserver] oidc_issuer is empty)");
}

/* Appends "&key=<escaped value>" (or "?key=" first) to b. */
static airc_rc url_arg(dynbuf *b, CURL *c, const char *zKey, const char *zVal) {
  char *zEsc = curl_easy_escape(c, zVal, 0);
  if(!zEsc) return AIRC_ERR_NOMEM;
  airc_rc rc = dynbuf_printf(b, "%s%s=%s", strchr(dynbuf_str(b), '?') ? "&" : "?", zKey, zEsc);
  curl_free(zEsc);
  return rc;
}

/* 1 if zNext may end the sign-in as Location "/<zNext>": a dashboard hash
 * ("#/..."), not the login page, of URL-safe characters only (no CR/LF or
 * quotes: it goes into a header). */
static int next_is_safe(const char *zNext) {
  static const char zOk[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789#/_.-~:=?&%+,";
  if(!zNext || strncmp(zNext, "#/", 2) || strlen(zNext) >= OIDC_NEXT_MAX || strstr(zNext, "#/login")) return 0;
  return strspn(zNext, zOk) == strlen(zNext);
}

int oidc_handle_login(web_req *r) {
  if(!g_bEnabled) return reply_not_configured(r);
  airc_err err = {0};
  oidc_provider prov;
  if(provider_get(&prov, &err))
    return http_reply_error(r, 502, NULL, "single sign-on: the OpenID provider cannot be reached: %s", airc_err_msg(&err));
  oidc_pending pend;
  memset(&pend, 0, sizeof(pend));
  random_b64(pend.zState, sizeof(pend.zState));
  random_b64(pend.zNonce, sizeof(pend.zNonce));
  char zChallenge[48];
  oidc_pkce_make(pend.zVerifier, sizeof(pend.zVerifier), zChallenge, sizeof(zChallenge));
  snprintf(pend.zNext, sizeof(pend.zNext), "%s", next_is_safe(web_req_arg(r, "next")) ? web_req_arg(r, "next") : "#/dags");
  if(g_conf.zRedirect[0]) snprintf(pend.zRedirect, sizeof(pend.zRedirect), "%s", g_conf.zRedirect);
  else {
    const char *zHost = web_req_header(r, "Host"); /* checked against allowed_hosts already */
    const char *zCert = airc_config_get("webserver", "ssl_cert", NULL);
    snprintf(pend.zRedirect, sizeof(pend.zRedirect), "%s://%.200s" CALLBACK_PATH, zCert && *zCert ? "https" : "http",
             zHost ? zHost : "127.0.0.1");
  }
  pend.expiresUs = airc_now_us() + OIDC_PENDING_TTL_SEC * 1000000LL;
  CURL *c = curl_easy_init();
  dynbuf b;
  dynbuf_init(&b, 8192);
  airc_rc rc = c ? dynbuf_appendz(&b, prov.zAuthorize) : AIRC_ERR_NOMEM;
  if(!rc) rc = url_arg(&b, c, "response_type", "code");
  if(!rc) rc = url_arg(&b, c, "client_id", g_conf.zClientId);
  if(!rc) rc = url_arg(&b, c, "redirect_uri", pend.zRedirect);
  if(!rc) rc = url_arg(&b, c, "scope", g_conf.zScopes);
  if(!rc) rc = url_arg(&b, c, "state", pend.zState);
  if(!rc) rc = url_arg(&b, c, "nonce", pend.zNonce);
  if(!rc) rc = url_arg(&b, c, "code_challenge", zChallenge);
  if(!rc) rc = url_arg(&b, c, "code_challenge_method", "S256");
  if(c) curl_easy_cleanup(c);
  if(rc) {
    dynbuf_free(&b);
    return http_reply_error(r, 500, NULL, "single sign-on: the authorization URL is too long");
  }
  pending_put(&pend);
  /* binds the state to this browser (login CSRF); Lax: the provider's
   * redirect back is a cross-site top-level GET */
  char zCookie[256];
  snprintf(zCookie, sizeof(zCookie), OIDC_COOKIE "=%s; HttpOnly; SameSite=Lax; Path=/api/v1/auth/oidc; Max-Age=%d%s",
           pend.zState, OIDC_PENDING_TTL_SEC, auth_cookie_secure() ? "; Secure" : "");
  http_header aH[] = {{"Location", dynbuf_str(&b)}, {"Set-Cookie", zCookie}, {NULL, NULL}};
  json_t *pDoc = json_pack("{s:s}", "location", dynbuf_str(&b));
  char *zBody = json_dumps(pDoc, JSON_COMPACT);
  json_decref(pDoc);
  int res = zBody ? http_reply_body(r, 302, "application/json", zBody, strlen(zBody), aH)
                  : http_reply_error(r, 500, NULL, "out of memory");
  dynbuf_free(&b);
  sodium_memzero(&pend, sizeof(pend));
  return res;
}

/* Exchanges the code for the token reply (new reference). */
static json_t *token_exchange(const oidc_provider *pProv, const oidc_pending *pPend, const char *zCode, airc_err *pErr) {
  CURL *c = curl_easy_init();
  if(!c) {
    airc_err_set(pErr, AIRC_ERR_NOMEM, "libcurl: out of memory");
    return NULL;
  }
  dynbuf form;
  dynbuf_init(&form, 16384);
  airc_rc rc = url_arg(&form, c, "grant_type", "authorization_code");
  if(!rc) rc = url_arg(&form, c, "code", zCode);
  if(!rc) rc = url_arg(&form, c, "redirect_uri", pPend->zRedirect);
  if(!rc) rc = url_arg(&form, c, "client_id", g_conf.zClientId);
  if(!rc) rc = url_arg(&form, c, "code_verifier", pPend->zVerifier);
  /* client_secret_basic (RFC 6749 2.3.1: the id and secret form-encoded) */
  char *zId = curl_easy_escape(c, g_conf.zClientId, 0);
  char *zSecret = g_conf.zClientSecret[0] ? curl_easy_escape(c, g_conf.zClientSecret, 0) : NULL;
  curl_easy_cleanup(c);
  json_t *pOut = NULL;
  if(rc || !zId) {
    airc_err_set(pErr, AIRC_ERR_NOMEM, "the token request is too long");
  } else {
    /* url_arg started the form with '?' */
    dynbuf body;
    dynbuf_init(&body, OIDC_FETCH_MAX);
    long status = 0;
    if(!http_fetch(pProv->zToken, dynbuf_str(&form) + 1, zSecret ? zId : NULL, zSecret, &status, &body, pErr)) {
      json_t *p = json_loadb(dynbuf_str(&body), body.n, 0, NULL);
      if(status != 200) {
        const char *zE = json_string_value(json_object_get(p, "error"));
        const char *zD = json_string_value(json_object_get(p, "error_description"));
        airc_err_set(pErr, AIRC_ERR_NET, "the provider's token endpoint answered HTTP %ld%s%.100s%s%.200s", status,
                     zE ? ": " : "", zE ? zE : "", zD ? ": " : "", zD ? zD : "");
        json_decref(p);
      } else if(!json_is_object(p) || !json_is_string(json_object_get(p, "id_token"))) {
        json_decref(p);
        airc_err_set(pErr, AIRC_ERR_NET, "the provider's token endpoint answered no id_token");
      } else pOut = p;
    }
    dynbuf_free(&body);
  }
  if(zSecret) {
    sodium_memzero(zSecret, strlen(zSecret));
    curl_free(zSecret);
  }
  curl_free(zId);
  dynbuf_free(&form);
  return pOut;
}

/* Refuses a sign-in: audit, log, JSON with the reason. */
static int sso_refuse(web_req *r, unsigned status, const char *zWho, const char *zWhy) {
  char zIp[64];
  web_req_client_ip(r, zIp, sizeof(zIp));
  LOG_INFO("web: single sign-on refused (%s): %s", zIp, zWhy);
  api_audit_as(r, zWho ? zWho : "sso", "login_failed", NULL, NULL, NULL, json_pack("{s:s, s:s}", "via", "sso", "reason", zWhy));
  return http_reply_error(r, status, NULL, "single sign-on failed: %s", zWhy);
}

/* The user of a verified ID token, created or brought to the mapped role. */
static int sso_user(web_req *r, const json_t *pClaims, web_user *pUser) {
  const char *zName = json_string_value(json_object_get(pClaims, g_conf.zUserClaim));
  const char *zClaimUsed = g_conf.zUserClaim;
  if(!zName) {
    zName = json_string_value(json_object_get(pClaims, "sub"));
    zClaimUsed = "sub";
  }
  char zWhy[400];
  if(!users_name_is_valid(zName)) {
    snprintf(zWhy, sizeof(zWhy), "the ID token's claim '%s' ('%.80s') is not a valid airc user name "
             "(1-64 of letters, digits, _ . @ -)", zClaimUsed, zName ? zName : "");
    sso_refuse(r, 403, NULL, zWhy);
    return 0;
  }
  web_role role = oidc_role_from_claim(&g_conf.map, json_object_get(pClaims, g_conf.zRoleClaim), g_conf.defaultRole);
  if(role == WEB_ROLE_NONE) {
    snprintf(zWhy, sizeof(zWhy), "no airc role for '%s': claim '%s' matches no entry of [webserver] oidc_role_map "
             "and oidc_default_role is none", zName, g_conf.zRoleClaim);
    sso_refuse(r, 403, zName, zWhy);
    return 0;
  }
  airc_err err = {0};
  airc_rc rc = users_get_by_name(r->s, zName, pUser, &err);
  if(rc == AIRC_ERR_NOTFOUND) {
    char zPw[64]; /* a random password nobody knows: this user signs in with SSO */
    random_b64(zPw, sizeof(zPw));
    airc_err cErr = {0};
    airc_rc cRc = users_create(r->s, zName, role, zPw, &cErr);
    sodium_memzero(zPw, sizeof(zPw));
    if(cRc && cRc != AIRC_ERR_EXISTS) {
      http_reply_err(r, &cErr);
      return 0;
    }
    if(!cRc) {
      LOG_INFO("web: created user '%s' (role %s) at their first single sign-on", zName, web_role_name(role));
      api_audit_as(r, zName, "user_create_sso", NULL, NULL, NULL, json_pack("{s:s}", "role", web_role_name(role)));
    }
    memset(&err, 0, sizeof(err));
    rc = users_get_by_name(r->s, zName, pUser, &err);
  }
  if(!rc && pUser->role != role) {
    /* the provider's claims decide the role at every sign-in */
    if(store_user_set_role(r->s, zName, web_role_name(role), &err)) rc = err.rc;
    else {
      LOG_INFO("web: user '%s' role %s -> %s (single sign-on claim)", zName, web_role_name(pUser->role),
               web_role_name(role));
      api_audit_as(r, zName, "user_role_sso", NULL, NULL, NULL,
                   json_pack("{s:s, s:s}", "from", web_role_name(pUser->role), "to", web_role_name(role)));
      pUser->role = role;
    }
  }
  if(rc) {
    http_reply_err(r, &err);
    return 0;
  }
  return 1;
}

int oidc_handle_callback(web_req *r) {
  if(!g_bEnabled) return reply_not_configured(r);
  char zWhy[AIRC_ERR_MAX + 64];
  const char *zError = web_req_arg(r, "error");
  if(zError) {
    const char *zDesc = web_req_arg(r, "error_description");
    snprintf(zWhy, sizeof(zWhy), "the OpenID provider refused the sign-in: %.100s%s%.300s", zError, zDesc ? ": " : "",
             zDesc ? zDesc : "");
    return sso_refuse(r, 401, NULL, zWhy);
  }
  const char *zCode = web_req_arg(r, "code");
  const char *zState = web_req_arg(r, "state");
  if(!zCode || !zState || !*zCode || !*zState)
    return http_reply_error(r, 400, NULL, "the sign-in callback needs the 'code' and 'state' query arguments");
  const char *zCookie = MHD_lookup_connection_value(r->pConn, MHD_COOKIE_KIND, OIDC_COOKIE);
  if(!zCookie || strlen(zCookie) != strlen(zState) || sodium_memcmp(zCookie, zState, strlen(zState)))
    return sso_refuse(r, 400, NULL, "this sign-in was not started in this browser (the " OIDC_COOKIE
                      " cookie is missing or does not match the state)");
  oidc_pending pend;
  if(pending_take(zState, &pend))
    return sso_refuse(r, 400, NULL, "unknown or expired sign-in state (older than 10 minutes, or used already): sign in again");
  airc_err err = {0};
  oidc_provider prov;
  json_t *pTok = NULL, *pH = NULL, *pClaims = NULL, *pJwks = NULL;
  int res = -1;
  if(provider_get(&prov, &err) || !(pTok = token_exchange(&prov, &pend, zCode, &err))) {
    snprintf(zWhy, sizeof(zWhy), "%s", airc_err_msg(&err));
    res = sso_refuse(r, 502, NULL, zWhy);
  } else {
    const char *zJwt = json_string_value(json_object_get(pTok, "id_token"));
    airc_rc rc = (pJwks = jwks_get(&prov, 0, &err)) ? oidc_jwt_verify_sig(zJwt, pJwks, &err) : err.rc;
    if(rc == AIRC_ERR_NOTFOUND) { /* a new key: the provider rotated its keys */
      json_decref(pJwks);
      memset(&err, 0, sizeof(err));
      rc = (pJwks = jwks_get(&prov, 1, &err)) ? oidc_jwt_verify_sig(zJwt, pJwks, &err) : err.rc;
    }
    if(!rc) rc = oidc_jwt_decode(zJwt, &pH, &pClaims, &err);
    if(!rc) rc = oidc_claims_check(pClaims, g_conf.zIssuer, g_conf.zClientId, pend.zNonce, airc_now_us() / 1000000, &err);
    if(rc) {
      snprintf(zWhy, sizeof(zWhy), "%s", airc_err_msg(&err));
      res = sso_refuse(r, rc == AIRC_ERR_NET ? 502 : 401, NULL, zWhy);
    }
  }
  web_user u;
  if(res < 0 && sso_user(r, pClaims, &u)) {
    char zSess[AUTH_COOKIE_BUF], zCsrf[80];
    memset(&err, 0, sizeof(err));
    if(auth_session_start(r, u.id, zSess, zCsrf, &err)) res = http_reply_err(r, &err);
    else {
      api_audit_as(r, u.zName, "login", NULL, NULL, NULL, json_pack("{s:s}", "via", "sso"));
      char zLoc[OIDC_NEXT_MAX + 8];
      snprintf(zLoc, sizeof(zLoc), "/%s", pend.zNext);
      http_header aH[] = {{"Location", zLoc},
                          {"Set-Cookie", zSess},
                          {"Set-Cookie", OIDC_COOKIE "=; HttpOnly; SameSite=Lax; Path=/api/v1/auth/oidc; Max-Age=0"},
                          {NULL, NULL}};
      char *zBody = strdup("{\"signed_in\":true}");
      res = zBody ? http_reply_body(r, 303, "application/json", zBody, strlen(zBody), aH)
                  : http_reply_error(r, 500, NULL, "out of memory");
      sodium_memzero(zSess, sizeof(zSess));
    }
  } else if(res < 0) {
    res = r->mhdResult; /* sso_user replied */
  }
  sodium_memzero(&pend, sizeof(pend));
  json_decref(pTok);
  json_decref(pH);
  json_decref(pClaims);
  json_decref(pJwks);
  return res;
}
