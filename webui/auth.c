/* auth.c: see auth.h. */
#include "webui/auth.h"
#include "common/config.h"
#include "common/log.h"
#include "common/timeutil.h"
#include "store/store_user.h"
#include "webui/api.h"
#include "webui/http_reply.h"
#include "webui/throttle.h"
#include "webui/users.h"
#include <arpa/inet.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define BASIC_CACHE_SLOTS 64
#define BASIC_CACHE_TTL_US (60LL * 1000000)

typedef struct basic_entry {
  unsigned char aKey[32];   /* keyed BLAKE2b of "user\0password" */
  int64_t userId;
  char zHash[128];          /* the password hash it was verified against */
  int64_t expiresUs;
} basic_entry;

static int g_bAuth = 1;
static int g_bCookieSecure = 0;
static int64_t g_sessionUs = 12LL * 3600 * 1000000;
static int64_t g_tokenTtlSec = 3600;
static web_role g_anonRole = WEB_ROLE_VIEWER;
static unsigned char g_aCacheKey[crypto_generichash_KEYBYTES];
static basic_entry g_aBasic[BASIC_CACHE_SLOTS];
static pthread_mutex_t g_basicMutex = PTHREAD_MUTEX_INITIALIZER;

/* ---- trusted-proxy header ---- */

#define PROXY_MAX 32
#define PROXY_HEADER_MAX 64

typedef struct proxy_net {
  int family;                /* AF_INET or AF_INET6 */
  unsigned char aAddr[16];
  int nPrefix;               /* bits */
} proxy_net;

static char g_zAuthHeader[PROXY_HEADER_MAX + 1]; /* "" : off */
static web_role g_proxyCreateRole = WEB_ROLE_NONE; /* NONE: unknown users are refused */
static proxy_net g_aProxy[PROXY_MAX];
static int g_nProxy;
static atomic_flag g_proxyWarned = ATOMIC_FLAG_INIT;

/* Parses "IP" or "IP/BITS" into *p. 0 on success. */
static int proxy_net_parse(const char *zIn, proxy_net *p) {
  char z[80];
  if(strlen(zIn) >= sizeof(z)) return -1;
  snprintf(z, sizeof(z), "%s", zIn);
  char *zSlash = strchr(z, '/');
  if(zSlash) *zSlash = 0;
  memset(p, 0, sizeof(*p));
  if(inet_pton(AF_INET, z, p->aAddr) == 1) p->family = AF_INET, p->nPrefix = 32;
  else if(inet_pton(AF_INET6, z, p->aAddr) == 1) p->family = AF_INET6, p->nPrefix = 128;
  else return -1;
  if(zSlash) {
    char *zEnd = NULL;
    long n = strtol(zSlash + 1, &zEnd, 10);
    if(!zSlash[1] || *zEnd || n < 0 || n > p->nPrefix) return -1;
    p->nPrefix = (int)n;
  }
  return 0;
}

static int proxy_net_contains(const proxy_net *p, int family, const unsigned char *aAddr) {
  if(p->family != family) return 0;
  int nFull = p->nPrefix / 8, nRest = p->nPrefix % 8;
  if(memcmp(p->aAddr, aAddr, (size_t)nFull)) return 0;
  if(!nRest) return 1;
  unsigned char m = (unsigned char)(0xff << (8 - nRest));
  return (p->aAddr[nFull] & m) == (aAddr[nFull] & m);
}

/* 1 when the text address zIp is in [webserver] trusted_proxies (an
 * IPv4-mapped IPv6 address counts as its IPv4 address). */
static int proxy_is_trusted(const char *zIp) {
  unsigned char a[16];
  int family;
  if(inet_pton(AF_INET, zIp, a) == 1) family = AF_INET;
  else if(inet_pton(AF_INET6, zIp, a) == 1) {
    static const unsigned char aMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    family = AF_INET6;
    if(!memcmp(a, aMapped, 12)) {
      memmove(a, a + 12, 4);
      family = AF_INET;
    }
  } else return 0;
  for(int i = 0; i < g_nProxy; i++)
    if(proxy_net_contains(&g_aProxy[i], family, a)) return 1;
  return 0;
}

/* Reads auth_header, trusted_proxies and auth_header_create. */
static airc_rc proxy_configure(airc_err *pErr) {
  g_zAuthHeader[0] = 0;
  g_nProxy = 0;
  g_proxyCreateRole = WEB_ROLE_NONE;
  const char *zHeader = airc_config_get("webserver", "auth_header", NULL);
  if(!zHeader || !*zHeader) return AIRC_OK;
  size_t nHeader = strlen(zHeader);
  if(nHeader > PROXY_HEADER_MAX || strspn(zHeader, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") != nHeader)
    return airc_err_set(pErr, AIRC_ERR_INVALID, "[webserver] auth_header: '%.80s' is not a header name", zHeader);
  if(!strcasecmp(zHeader, "Authorization") || !strcasecmp(zHeader, "Cookie"))
    return airc_err_set(pErr, AIRC_ERR_INVALID, "[webserver] auth_header may not be %s", zHeader);
  const char *zList = airc_config_get("webserver", "trusted_proxies", NULL);
  if(!zList || !*zList)
    return airc_err_set(pErr, AIRC_ERR_INVALID,
                        "[webserver] auth_header is set but trusted_proxies is empty: list the proxies' IPs/CIDRs");
  const char *z = zList;
  while(*z) {
    z += strspn(z, " \t,");
    size_t n = strcspn(z, ",");
    while(n && (z[n - 1] == ' ' || z[n - 1] == '\t')) n--;
    if(!n) break;
    char zOne[80];
    if(n >= sizeof(zOne) || g_nProxy >= PROXY_MAX ||
       (snprintf(zOne, sizeof(zOne), "%.*s", (int)n, z), proxy_net_parse(zOne, &g_aProxy[g_nProxy]))) {
      int bTooMany = g_nProxy >= PROXY_MAX;
      g_nProxy = 0;
      if(bTooMany)
        return airc_err_set(pErr, AIRC_ERR_INVALID, "[webserver] trusted_proxies: more than %d entries", PROXY_MAX);
      return airc_err_set(pErr, AIRC_ERR_INVALID, "[webserver] trusted_proxies: '%.*s' is not an IP address or CIDR",
                          (int)(n > 80 ? 80 : n), z);
    }
    g_nProxy++;
    z += n;
    z += strspn(z, " \t");
  }
  const char *zCreate = airc_config_get("webserver", "auth_header_create", NULL);
  if(zCreate && *zCreate) {
    g_proxyCreateRole = web_role_parse(zCreate);
    if(g_proxyCreateRole == WEB_ROLE_NONE) {
      g_nProxy = 0;
      return airc_err_set(pErr, AIRC_ERR_INVALID, "[webserver] auth_header_create: '%.40s' is not viewer, op or admin",
                          zCreate);
    }
  }
  snprintf(g_zAuthHeader, sizeof(g_zAuthHeader), "%s", zHeader);
  return AIRC_OK;
}

airc_rc auth_init(airc_err *pErr) {
  if(sodium_init() < 0) LOG_ERROR("libsodium failed to initialise");
  g_bAuth = airc_config_get_bool("webserver", "authenticate", 1);
  const char *zCert = airc_config_get("webserver", "ssl_cert", NULL);
  g_bCookieSecure = airc_config_get_bool("webserver", "cookie_secure", zCert && *zCert); /* HTTPS: Secure */
  g_sessionUs = airc_config_get_int("webserver", "session_lifetime", 12 * 3600) * 1000000;
  g_tokenTtlSec = airc_config_get_int("webserver", "token_ttl", 3600);
  if(g_tokenTtlSec <= 0) g_tokenTtlSec = 3600;
  g_anonRole = web_role_parse(airc_config_get("webserver", "anonymous_role", "viewer"));
  if(g_anonRole == WEB_ROLE_NONE) g_anonRole = WEB_ROLE_VIEWER;
  throttle_configure((int)airc_config_get_int("webserver", "login_max_failures", 5),
                     (int)airc_config_get_int("webserver", "login_max_failures_per_ip", 20),
                     airc_config_get_int("webserver", "login_failure_window", 300));
  randombytes_buf(g_aCacheKey, sizeof(g_aCacheKey));
  memset(g_aBasic, 0, sizeof(g_aBasic));
  return proxy_configure(pErr);
}

int auth_enabled(void) { return g_bAuth; }

static void hex_token(char *zOut, size_t nOut) {
  unsigned char a[32];
  randombytes_buf(a, sizeof(a));
  sodium_bin2hex(zOut, nOut, a, sizeof(a));
}

static void token_hash(const char *zToken, char *zOut /* >= 65 */) {
  unsigned char a[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(a, (const unsigned char *)zToken, strlen(zToken));
  sodium_bin2hex(zOut, 65, a, sizeof(a));
}

/* Seconds until this username or this client IP may try again (0: now);
 * zIp (>= 64 bytes) gets the client IP. */
static int64_t login_wait(web_req *r, const char *zUser, char *zIp) {
  web_req_client_ip(r, zIp, 64);
  int64_t now = airc_now_us();
  int64_t wUser = throttle_wait(THROTTLE_USER, zUser, now);
  int64_t wIp = throttle_wait(THROTTLE_IP, zIp, now);
  return wUser > wIp ? wUser : wIp;
}

static void login_failed(const char *zUser, const char *zIp) {
  int64_t now = airc_now_us();
  throttle_fail(THROTTLE_USER, zUser, now);
  throttle_fail(THROTTLE_IP, zIp, now);
}

/* ---- sessions ---- */

static int session_lookup(web_req *r, const char *zToken) {
  if(strlen(zToken) != 64) return 0;
  char zHash[80];
  token_hash(zToken, zHash);
  airc_err err = {0};
  store_user_session sess;
  if(store_user_session_lookup(r->s, zHash, airc_now_us(), &sess, &err)) return 0; /* unknown, expired or error */
  r->user.id = sess.userId;
  snprintf(r->user.zName, sizeof(r->user.zName), "%s", sess.zName);
  r->user.role = web_role_parse(sess.zRole);
  snprintf(r->user.zCsrf, sizeof(r->user.zCsrf), "%s", sess.zCsrf);
  snprintf(r->user.zTokenHash, sizeof(r->user.zTokenHash), "%s", zHash);
  r->user.bSession = 1;
  return 1;
}

airc_rc auth_session_start(web_req *r, int64_t userId, char *zCookie, char *zCsrf, airc_err *pErr) {
  char zToken[80], zHash[80];
  hex_token(zToken, sizeof(zToken));
  hex_token(zCsrf, 80);
  token_hash(zToken, zHash);
  int64_t now = airc_now_us();
  airc_err purgeErr = {0}; /* best effort: a failed purge does not stop the login */
  if(store_user_session_purge(r->s, now, NULL, &purgeErr))
    LOG_WARN("web: purging expired sessions: %s", purgeErr.zMsg);
  if(store_user_session_insert(r->s, zHash, userId, zCsrf, now, now + g_sessionUs, pErr)) {
    sodium_memzero(zToken, sizeof(zToken));
    return pErr->rc;
  }
  snprintf(zCookie, AUTH_COOKIE_BUF, AUTH_COOKIE "=%s; HttpOnly; SameSite=Strict; Path=/; Max-Age=%lld%s", zToken,
           (long long)(g_sessionUs / 1000000), g_bCookieSecure ? "; Secure" : "");
  sodium_memzero(zToken, sizeof(zToken));
  return AIRC_OK;
}

int auth_cookie_secure(void) { return g_bCookieSecure; }

/* ---- Basic ---- */

static void basic_cache_key(const char *zUser, const char *zPw, unsigned char *aOut) {
  crypto_generichash_state h;
  crypto_generichash_init(&h, g_aCacheKey, sizeof(g_aCacheKey), 32);
  crypto_generichash_update(&h, (const unsigned char *)zUser, strlen(zUser) + 1);
  crypto_generichash_update(&h, (const unsigned char *)zPw, strlen(zPw));
  crypto_generichash_final(&h, aOut, 32);
}

/* 1 if a fresh cache entry vouches for this user+password. */
static int basic_cache_hit(web_req *r, const unsigned char *aKey) {
  int64_t userId = 0;
  char zHash[128] = "";
  int64_t now = airc_now_us();
  pthread_mutex_lock(&g_basicMutex);
  for(int i = 0; i < BASIC_CACHE_SLOTS; i++) {
    basic_entry *e = &g_aBasic[i];
    if(e->expiresUs > now && !sodium_memcmp(e->aKey, aKey, 32)) {
      userId = e->userId;
      memcpy(zHash, e->zHash, sizeof(zHash));
      break;
    }
  }
  pthread_mutex_unlock(&g_basicMutex);
  if(!userId) return 0;
  char zNow[128];
  airc_err err = {0};
  if(users_get_by_id(r->s, userId, &r->user, zNow, &err)) return 0;
  if(strcmp(zNow, zHash)) return 0; /* password changed since */
  return 1;
}

static void basic_cache_put(const unsigned char *aKey, int64_t userId, const char *zHash) {
  int64_t now = airc_now_us();
  pthread_mutex_lock(&g_basicMutex);
  basic_entry *pVictim = &g_aBasic[0];
  for(int i = 0; i < BASIC_CACHE_SLOTS; i++) {
    if(g_aBasic[i].expiresUs < pVictim->expiresUs) pVictim = &g_aBasic[i];
  }
  memcpy(pVictim->aKey, aKey, 32);
  pVictim->userId = userId;
  snprintf(pVictim->zHash, sizeof(pVictim->zHash), "%s", zHash);
  pVictim->expiresUs = now + BASIC_CACHE_TTL_US;
  pthread_mutex_unlock(&g_basicMutex);
}

static int reply_throttled(web_req *r, int64_t wait) {
  char zWait[32];
  snprintf(zWait, sizeof(zWait), "%lld", (long long)wait);
  http_header aH[] = {{"Retry-After", zWait}, {NULL, NULL}};
  return http_reply_error(r, 429, aH, "too many failed logins; try again in %lld seconds", (long long)wait);
}

/* 1: authenticated; 0: not (no reply sent); -1: a reply (429/401) was sent. */
static int basic_check(web_req *r, const char *zAuth) {
  const char *zB64 = zAuth + 6;
  while(*zB64 == ' ') zB64++;
  unsigned char aDec[WEB_USERNAME_MAX + USERS_PASSWORD_MAX + 4];
  size_t nDec = 0;
  if(sodium_base642bin(aDec, sizeof(aDec) - 1, zB64, strlen(zB64), NULL, &nDec, NULL,
                       sodium_base64_VARIANT_ORIGINAL)) {
    http_reply_error(r, 401, NULL, "malformed Basic credentials");
    return -1;
  }
  aDec[nDec] = 0;
  char *zUser = (char *)aDec;
  char *zColon = memchr(aDec, ':', nDec);
  if(!zColon || strlen(zUser) != nDec) {
    sodium_memzero(aDec, sizeof(aDec));
    http_reply_error(r, 401, NULL, "malformed Basic credentials");
    return -1;
  }
  *zColon = 0;
  const char *zPw = zColon + 1;
  unsigned char aKey[32];
  basic_cache_key(zUser, zPw, aKey);
  if(basic_cache_hit(r, aKey)) {
    sodium_memzero(aDec, sizeof(aDec));
    return 1;
  }
  char zIp[64];
  int64_t wait = login_wait(r, zUser, zIp);
  if(wait > 0) {
    sodium_memzero(aDec, sizeof(aDec));
    reply_throttled(r, wait);
    return -1;
  }
  char zHash[128];
  airc_err err = {0};
  airc_rc rc = users_verify(r->s, zUser, zPw, &r->user, zHash, &err);
  if(rc) {
    login_failed(zUser, zIp);
    sodium_memzero(aDec, sizeof(aDec));
    memset(&r->user, 0, sizeof(r->user));
    return 0;
  }
  throttle_clear(THROTTLE_USER, zUser);
  sodium_memzero(aDec, sizeof(aDec));
  basic_cache_put(aKey, r->user.id, zHash);
  return 1;
}

/* ---- Bearer ---- */

/* 1: authenticated; 0: not (no reply sent); -1: a reply (429/503) was sent.
 * Failures count against the client IP as failed logins do. */
static int bearer_check(web_req *r, const char *zAuth) {
  const char *zTok = zAuth + 7;
  while(*zTok == ' ') zTok++;
  char zIp[64];
  web_req_client_ip(r, zIp, sizeof(zIp));
  int64_t wait = throttle_wait(THROTTLE_IP, zIp, airc_now_us());
  if(wait > 0) {
    reply_throttled(r, wait);
    return -1;
  }
  airc_err err = {0};
  int64_t tokenId = 0;
  airc_rc rc = users_token_verify(r->s, zTok, &r->user, &tokenId, &err);
  if(rc == AIRC_ERR_INVALID) {
    throttle_fail(THROTTLE_IP, zIp, airc_now_us());
    memset(&r->user, 0, sizeof(r->user));
    return 0;
  }
  if(rc) {
    http_reply_err(r, &err);
    return -1;
  }
  r->user.tokenId = tokenId;
  return 1;
}

/* ---- trusted-proxy header ---- */

/* 1: authenticated; 0: the header is absent or ignored (untrusted client);
 * -1: a reply (401/503) was sent. */
static int proxy_check(web_req *r) {
  if(!g_zAuthHeader[0]) return 0;
  const char *zName = web_req_header(r, g_zAuthHeader);
  if(!zName) return 0;
  char zIp[64];
  web_req_client_ip(r, zIp, sizeof(zIp));
  if(!proxy_is_trusted(zIp)) {
    if(!atomic_flag_test_and_set(&g_proxyWarned))
      LOG_WARN("web: ignoring header %s from %s, which is not in [webserver] trusted_proxies (logged once)",
               g_zAuthHeader, zIp);
    return 0;
  }
  if(!users_name_is_valid(zName)) {
    http_reply_error(r, 401, NULL, "the %s header holds no valid user name", g_zAuthHeader);
    return -1;
  }
  airc_err err = {0};
  airc_rc rc = users_get_by_name(r->s, zName, &r->user, &err);
  if(rc == AIRC_ERR_NOTFOUND && g_proxyCreateRole != WEB_ROLE_NONE) {
    /* a random password nobody knows: the user logs in through the proxy */
    char zPw[80];
    hex_token(zPw, sizeof(zPw));
    airc_err cErr = {0};
    airc_rc cRc = users_create(r->s, zName, g_proxyCreateRole, zPw, &cErr);
    sodium_memzero(zPw, sizeof(zPw));
    if(cRc && cRc != AIRC_ERR_EXISTS) { /* EXISTS: a concurrent request made it */
      http_reply_err(r, &cErr);
      return -1;
    }
    if(!cRc) {
      LOG_INFO("web: created user '%s' (role %s) from the %s header", zName, web_role_name(g_proxyCreateRole),
               g_zAuthHeader);
      api_audit_as(r, zName, "user_create_proxy", NULL, NULL, NULL, NULL);
    }
    memset(&err, 0, sizeof(err));
    rc = users_get_by_name(r->s, zName, &r->user, &err);
  }
  if(rc == AIRC_ERR_NOTFOUND) {
    memset(&r->user, 0, sizeof(r->user));
    http_reply_error(r, 401, NULL, "unknown user in the %s header", g_zAuthHeader);
    return -1;
  }
  if(rc) {
    memset(&r->user, 0, sizeof(r->user));
    http_reply_err(r, &err);
    return -1;
  }
  r->user.bProxy = 1;
  return 1;
}

static int reply_unauthorized(web_req *r, const char *zWhy) {
  /* browsers' fetch() would pop a password dialog on a Basic challenge:
   * only challenge clients that are not a page's script */
  const char *zMode = web_req_header(r, "Sec-Fetch-Mode");
  int bChallenge = !zMode || !strcmp(zMode, "navigate");
  http_header aH[] = {{"WWW-Authenticate", bChallenge ? "Basic realm=\"airc\", charset=\"UTF-8\"" : NULL}, {NULL, NULL}};
  return http_reply_error(r, 401, aH, "%s", zWhy);
}

int auth_check(web_req *r, web_role need) {
  memset(&r->user, 0, sizeof(r->user));
  if(need == WEB_ROLE_NONE) return 1;
  if(!g_bAuth) {
    snprintf(r->user.zName, sizeof(r->user.zName), "anonymous");
    r->user.role = g_anonRole;
  } else {
    const char *zCookie = MHD_lookup_connection_value(r->pConn, MHD_COOKIE_KIND, AUTH_COOKIE);
    const char *zAuth = web_req_header(r, "Authorization");
    int bOk = zCookie && session_lookup(r, zCookie);
    if(!bOk && zAuth && !strncasecmp(zAuth, "Bearer ", 7)) {
      int v = bearer_check(r, zAuth);
      if(v < 0) return 0;
      if(v == 0) {
        reply_unauthorized(r, "invalid, expired or revoked token");
        return 0;
      }
      bOk = 1;
    }
    if(!bOk && zAuth && !strncasecmp(zAuth, "Basic ", 6)) {
      int v = basic_check(r, zAuth);
      if(v < 0) return 0;
      if(v == 0) {
        reply_unauthorized(r, "wrong username or password");
        return 0;
      }
      bOk = 1;
    }
    if(!bOk && !zAuth) { /* an explicit Authorization always wins over the proxy header */
      int v = proxy_check(r);
      if(v < 0) return 0;
      bOk = v;
    }
    if(!bOk) {
      reply_unauthorized(r, zCookie ? "the session has expired or was logged out; log in again"
                                    : "authentication required: log in, or send a Bearer token or HTTP Basic credentials");
      return 0;
    }
  }
  if(r->user.role < need) {
    http_reply_error(r, 403, NULL, "user '%s' has role %s; this needs role %s", r->user.zName,
                     web_role_name(r->user.role), web_role_name(need));
    return 0;
  }
  if(r->user.bSession && strcmp(r->zMethod, "GET") && strcmp(r->zMethod, "HEAD") && strcmp(r->zMethod, "OPTIONS")) {
    const char *zTok = web_req_header(r, "X-CSRF-Token");
    if(!zTok || strlen(zTok) != strlen(r->user.zCsrf) ||
       sodium_memcmp(zTok, r->user.zCsrf, strlen(r->user.zCsrf))) {
      http_reply_error(r, 403, NULL, "missing or wrong X-CSRF-Token header (see GET /api/v1/auth/me)");
      return 0;
    }
  }
  return 1;
}

/* ---- handlers ---- */

static json_t *me_json(const web_user *u, const char *zCsrf, const char *zAuth) {
  json_t *p = json_object();
  json_object_set_new(p, "username", json_string(u->zName));
  json_object_set_new(p, "role", json_string(web_role_name(u->role)));
  json_object_set_new(p, "csrf_token", zCsrf && *zCsrf ? json_string(zCsrf) : json_null());
  json_object_set_new(p, "auth", json_string(zAuth));
  json_object_set_new(p, "authenticate", json_boolean(g_bAuth));
  return p;
}

int auth_handle_login(web_req *r) {
  airc_err err = {0};
  json_t *pBody = web_req_json_body(r, &err);
  if(!pBody) return http_reply_err(r, &err);
  const char *zUser = json_string_value(json_object_get(pBody, "username"));
  const char *zPw = json_string_value(json_object_get(pBody, "password"));
  if(!zUser || !zPw) {
    json_decref(pBody);
    return http_reply_error(r, 400, NULL, "the body needs \"username\" and \"password\" strings");
  }
  if(!g_bAuth) {
    json_decref(pBody);
    return http_reply_error(r, 400, NULL, "authentication is off ([webserver] authenticate = false)");
  }
  char zIp[64];
  int64_t wait = login_wait(r, zUser, zIp);
  if(wait > 0) {
    json_decref(pBody);
    return reply_throttled(r, wait);
  }
  web_user u;
  airc_rc rc = users_verify(r->s, zUser, zPw, &u, NULL, &err);
  if(rc) login_failed(zUser, zIp);
  else throttle_clear(THROTTLE_USER, zUser);
  char zTried[WEB_USERNAME_MAX + 1]; /* for the audit trail, capped */
  snprintf(zTried, sizeof(zTried), "%s", zUser);
  json_decref(pBody); /* jansson frees the password copy (and zUser) */
  if(rc) {
    LOG_INFO("web: failed login (%s)", zIp);
    api_audit_as(r, zTried, "login_failed", NULL, NULL, NULL, NULL);
    return http_reply_error(r, 401, NULL, "wrong username or password");
  }
  api_audit_as(r, u.zName, "login", NULL, NULL, NULL, NULL);
  char zCookie[AUTH_COOKIE_BUF], zCsrf[80];
  if(auth_session_start(r, u.id, zCookie, zCsrf, &err)) return http_reply_err(r, &err);
  http_header aH[] = {{"Set-Cookie", zCookie}, {NULL, NULL}};
  int rcReply = http_reply_json_h(r, 200, me_json(&u, zCsrf, "session"), aH);
  sodium_memzero(zCookie, sizeof(zCookie));
  return rcReply;
}

int auth_handle_logout(web_req *r) {
  if(r->user.bSession) {
    airc_err err = {0};
    if(store_user_session_delete(r->s, r->user.zTokenHash, &err)) return http_reply_err(r, &err);
  }
  http_header aH[] = {{"Set-Cookie", AUTH_COOKIE "=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0"}, {NULL, NULL}};
  return http_reply_json_h(r, 200, json_pack("{s:b}", "logged_out", 1), aH);
}

int auth_handle_me(web_req *r) {
  const char *zAuth = !g_bAuth ? "none" : r->user.bSession ? "session" : r->user.tokenId ? "token"
                     : r->user.bProxy ? "proxy" : "basic";
  return http_reply_json(r, 200, me_json(&r->user, r->user.bSession ? r->user.zCsrf : NULL, zAuth));
}

int auth_handle_token_create(web_req *r) {
  airc_err err = {0};
  json_t *pBody = web_req_json_body(r, &err);
  if(!pBody) return http_reply_err(r, &err);
  const char *zUser = json_string_value(json_object_get(pBody, "username"));
  const char *zPw = json_string_value(json_object_get(pBody, "password"));
  if(!zUser || !zPw) {
    json_decref(pBody);
    return http_reply_error(r, 400, NULL, "the body needs \"username\" and \"password\" strings");
  }
  if(!g_bAuth) {
    json_decref(pBody);
    return http_reply_error(r, 400, NULL, "authentication is off ([webserver] authenticate = false)");
  }
  char zIp[64];
  int64_t wait = login_wait(r, zUser, zIp);
  if(wait > 0) {
    json_decref(pBody);
    return reply_throttled(r, wait);
  }
  web_user u;
  airc_rc rc = users_verify(r->s, zUser, zPw, &u, NULL, &err);
  if(rc) login_failed(zUser, zIp);
  else throttle_clear(THROTTLE_USER, zUser);
  char zTried[WEB_USERNAME_MAX + 1];
  snprintf(zTried, sizeof(zTried), "%s", zUser);
  json_decref(pBody);
  if(rc) {
    LOG_INFO("web: failed token request (%s)", zIp);
    api_audit_as(r, zTried, "login_failed", NULL, NULL, NULL, NULL);
    return http_reply_error(r, 401, NULL, "wrong username or password");
  }
  char zTok[USERS_TOKEN_BUF];
  int64_t expiresUs = 0;
  if(users_token_issue_access(r->s, u.id, g_tokenTtlSec, zTok, sizeof(zTok), &expiresUs, &err))
    return http_reply_err(r, &err);
  api_audit_as(r, u.zName, "token_create", NULL, NULL, NULL, NULL);
  json_t *pOut = json_pack("{s:s, s:s, s:I}", "access_token", zTok, "token_type", "bearer", "expires_in",
                           (json_int_t)g_tokenTtlSec);
  sodium_memzero(zTok, sizeof(zTok));
  return http_reply_json(r, 201, pOut);
}

int auth_handle_token_delete(web_req *r) {
  if(!r->user.tokenId)
    return http_reply_error(r, 400, NULL, "DELETE /auth/token revokes the bearer token it is sent with; this request has none");
  airc_err err = {0};
  if(store_user_token_delete(r->s, r->user.tokenId, &err)) return http_reply_err(r, &err);
  api_audit(r, "token_revoke", NULL, NULL, NULL, NULL);
  return http_reply_json(r, 200, json_pack("{s:b}", "revoked", 1));
}
