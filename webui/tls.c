/* tls.c: see tls.h. */
#include "webui/tls.h"
#include <errno.h>
#include <gnutls/gnutls.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Reads all of zPath (at most TLS_PEM_MAX bytes) into a new string. */
static airc_rc read_pem(const char *zSetting, const char *zPath, char **pz, airc_err *pErr) {
  *pz = NULL;
  FILE *f = fopen(zPath, "rb");
  if(!f) return airc_err_set(pErr, AIRC_ERR_IO, "[webserver] %s: cannot read %s: %s", zSetting, zPath, strerror(errno));
  char *z = malloc(TLS_PEM_MAX + 1);
  if(!z) {
    fclose(f);
    return airc_err_set(pErr, AIRC_ERR_NOMEM, "out of memory reading %s", zPath);
  }
  size_t n = fread(z, 1, TLS_PEM_MAX + 1, f);
  int bErr = ferror(f);
  fclose(f);
  if(bErr || n > TLS_PEM_MAX || n == 0) {
    sodium_memzero(z, TLS_PEM_MAX + 1);
    free(z);
    return airc_err_set(pErr, AIRC_ERR_IO, "[webserver] %s: cannot read %s: %s", zSetting, zPath,
                        bErr ? "read error" : n == 0 ? "the file is empty" : "larger than 1 MiB");
  }
  z[n] = 0;
  *pz = z;
  return AIRC_OK;
}

void tls_pem_free(char *z) {
  if(!z) return;
  sodium_memzero(z, strlen(z));
  free(z);
}

airc_rc tls_pem_load(const char *zCertPath, const char *zKeyPath, char **pzCert, char **pzKey, airc_err *pErr) {
  *pzCert = *pzKey = NULL;
  char *zCert = NULL, *zKey = NULL;
  airc_rc rc = read_pem("ssl_cert", zCertPath, &zCert, pErr);
  if(!rc) rc = read_pem("ssl_key", zKeyPath, &zKey, pErr);
  if(rc) {
    tls_pem_free(zCert);
    return rc;
  }
  gnutls_certificate_credentials_t cred;
  if(gnutls_certificate_allocate_credentials(&cred) < 0) {
    tls_pem_free(zCert);
    tls_pem_free(zKey);
    return airc_err_set(pErr, AIRC_ERR_NOMEM, "out of memory checking the TLS certificate");
  }
  gnutls_datum_t cert = {(unsigned char *)zCert, (unsigned)strlen(zCert)};
  gnutls_datum_t key = {(unsigned char *)zKey, (unsigned)strlen(zKey)};
  int g = gnutls_certificate_set_x509_key_mem2(cred, &cert, &key, GNUTLS_X509_FMT_PEM, NULL, 0);
  gnutls_certificate_free_credentials(cred);
  if(g < 0) {
    if(g == GNUTLS_E_CERTIFICATE_KEY_MISMATCH)
      airc_err_set(pErr, AIRC_ERR_INVALID, "[webserver] ssl_key %s does not match ssl_cert %s", zKeyPath, zCertPath);
    else
      airc_err_set(pErr, AIRC_ERR_INVALID, "[webserver] ssl_cert %s / ssl_key %s: not a usable PEM certificate and key (%s)",
                   zCertPath, zKeyPath, gnutls_strerror(g));
    tls_pem_free(zCert);
    tls_pem_free(zKey);
    return pErr->rc;
  }
  *pzCert = zCert;
  *pzKey = zKey;
  return AIRC_OK;
}
