/* auth.h: who is asking, and may they.
 *
 * Two ways in, both checked against the users in the store (users.h):
 *   - the dashboard's session: POST /api/v1/auth/login sets the cookie
 *     `airc_session` (a random token; the store keeps only its SHA-256,
 *     with an expiry) and returns a CSRF token that every POST/PATCH/
 *     DELETE made with the cookie must echo in `X-CSRF-Token`;
 *   - bearer tokens (`Authorization: Bearer airc_...`, users.h): access
 *     tokens from POST /auth/token that expire after [webserver]
 *     token_ttl seconds, and personal tokens made by an admin; no CSRF;
 *   - HTTP Basic for scripts (no CSRF: browsers do not add it on their
 *     own). A verified user+password is remembered for a minute under a
 *     keyed hash so that argon2 runs once, not per request; the cached
 *     entry is re-checked against the stored hash on every use, so a
 *     password change or deletion takes effect at once.
 *   - a trusted reverse proxy's header ([webserver] auth_header, e.g.
 *     X-Remote-User) naming the user, honoured ONLY from client addresses
 *     in [webserver] trusted_proxies (IPs/CIDRs) and only on requests
 *     without an Authorization header; elsewhere it is ignored (logged
 *     once). The user must exist unless [webserver] auth_header_create
 *     names the role to create it with. Off by default.
 * Failed logins (either way) are throttled per username + IP (throttle.h).
 * With `[webserver] authenticate = false` every request acts as an
 * anonymous user with `[webserver] anonymous_role` (default viewer). */
#ifndef AIRC_AUTH_H
#define AIRC_AUTH_H
#include "webui/web_req.h"

#define AUTH_COOKIE "airc_session"

/* Reads the settings and seeds the cache key. AIRC_ERR_INVALID (one line
 * naming the [webserver] key) for a bad auth_header, trusted_proxies or
 * auth_header_create. */
AIRC_WUR airc_rc auth_init(airc_err *pErr);
/* Sets r->user and checks that its role is at least `need` and, for
 * cookie-authenticated state changes, the CSRF token. Returns 1 when the
 * request may proceed, 0 when an error (401, 403, 429) was sent. */
int auth_check(web_req *r, web_role need);
int auth_enabled(void);

/* Starts a dashboard session for user userId (password or single sign-on
 * login): records the token's hash with an expiry, writes the whole
 * Set-Cookie value into zCookie (AUTH_COOKIE_BUF bytes) and the session's
 * CSRF token into zCsrf (>= 80 bytes). Store errors as airc_rc. */
#define AUTH_COOKIE_BUF 256
AIRC_WUR airc_rc auth_session_start(web_req *r, int64_t userId, char *zCookie, char *zCsrf, airc_err *pErr);
/* 1 when cookies carry Secure ([webserver] cookie_secure, on with HTTPS). */
int auth_cookie_secure(void);

/* Handlers: POST /api/v1/auth/login, POST /api/v1/auth/logout, GET /api/v1/auth/me. */
int auth_handle_login(web_req *r);
int auth_handle_logout(web_req *r);
int auth_handle_me(web_req *r);
/* POST /auth/token ({"username","password"} -> an access token valid
 * [webserver] token_ttl seconds) and DELETE /auth/token (revokes the
 * bearer token the request was sent with). */
int auth_handle_token_create(web_req *r);
int auth_handle_token_delete(web_req *r);

#endif
