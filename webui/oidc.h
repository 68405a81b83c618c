/* oidc.h: single sign-on with OpenID Connect (authorization code flow with
 * PKCE), off unless [webserver] oidc_issuer is set.
 *
 *   GET /api/v1/auth/oidc            public: {"enabled", "login_url"} for the login page
 *   GET /api/v1/auth/oidc/login      public: 302 to the provider's authorization
 *                                    endpoint with state, nonce and an S256 code challenge;
 *                                    binds the state to the browser (cookie airc_oidc)
 *   GET /api/v1/auth/oidc/callback   public: checks state and cookie, exchanges the code
 *                                    (with the PKCE verifier and the client secret) for an
 *                                    ID token, verifies it (oidc_jwt.h), creates the user on
 *                                    first sign-in with the role mapped from a claim, starts
 *                                    a session as a password login does, 303 to the dashboard
 *
 * The provider is found by discovery (<issuer>/.well-known/openid-configuration,
 * fetched with libcurl on first use and kept an hour; its issuer must equal
 * the configured one); its JWKS is kept and fetched again when a token names
 * an unknown kid. Pending sign-ins live in memory (OIDC_PENDING_MAX, ten
 * minutes each), so the callback must reach the web server process that
 * started the sign-in. Not for: logout at the provider, refresh tokens,
 * access to other APIs with the provider's tokens (airc keeps none). */
#ifndef AIRC_OIDC_H
#define AIRC_OIDC_H
#include "common/err.h"
#include "webui/web_req.h"

#define OIDC_COOKIE "airc_oidc"
#define OIDC_PENDING_MAX 256
#define OIDC_PENDING_TTL_SEC 600

/* Reads the [webserver] oidc_* settings. AIRC_ERR_INVALID (one line naming
 * the key) when oidc_issuer is set without oidc_client_id, for a bad
 * oidc_role_map or role, or an issuer that is not an http(s) URL. */
AIRC_WUR airc_rc oidc_init(airc_err *pErr);
/* 1 when single sign-on is configured. */
int oidc_enabled(void);

int oidc_handle_info(web_req *r);
int oidc_handle_login(web_req *r);
int oidc_handle_callback(web_req *r);

#endif
