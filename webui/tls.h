/* tls.h: the web server's own HTTPS ([webserver] ssl_cert, ssl_key).
 *
 * Reads the PEM certificate (chain) and private key files and checks with
 * GnuTLS, before the server starts, that they parse and belong together,
 * so that a bad pair is refused with one line naming the file instead of
 * a server that fails every handshake. libmicrohttpd (built with GnuTLS)
 * then serves them (MHD_USE_TLS). */
#ifndef AIRC_TLS_H
#define AIRC_TLS_H
#include "common/err.h"

#define TLS_PEM_MAX (1024 * 1024) /* larger certificate or key files are refused */

/* Reads and checks zCertPath and zKeyPath. On success *pzCert and *pzKey
 * are NUL-terminated PEM text the caller frees (the key is wiped by
 * tls_pem_free). AIRC_ERR_IO (unreadable, too big) or AIRC_ERR_INVALID
 * (not a certificate/key, or they do not match), the message naming the
 * setting and the file. */
AIRC_WUR airc_rc tls_pem_load(const char *zCertPath, const char *zKeyPath, char **pzCert /* OUT */,
                              char **pzKey /* OUT */, airc_err *pErr);
/* Wipes and frees PEM text from tls_pem_load (NULL is fine). */
void tls_pem_free(char *z);

#endif
