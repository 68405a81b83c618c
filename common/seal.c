/* seal.c: see seal.h. */
#include "common/seal.h"
#include "common/config.h"
#include "common/fsafe.h"
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void key_path(char *z, size_t n) { snprintf(z, n, "%s/secret.key", airc_home()); }

int seal_key_from_config(void) {
  const char *z = airc_config_get("core", "secret_key", NULL);
  return z && *z;
}

void seal_key_random(seal_key *pOut) {
  if(sodium_init() < 0) abort();
  crypto_secretbox_keygen(pOut->a);
}

void seal_key_from_text(const char *z, seal_key *pOut) {
  if(sodium_init() < 0) abort();
  crypto_generichash(pOut->a, SEAL_KEY_BYTES, (const unsigned char *)z, strlen(z), NULL, 0);
}

airc_rc seal_key_save(const seal_key *pKey, airc_err *pErr) {
  char zHex[SEAL_KEY_BYTES * 2 + 2], zPath[4200];
  sodium_bin2hex(zHex, sizeof(zHex), pKey->a, SEAL_KEY_BYTES);
  strcat(zHex, "\n");
  key_path(zPath, sizeof(zPath));
  airc_rc rc = fsafe_write_atomic(zPath, zHex, strlen(zHex), pErr);
  sodium_memzero(zHex, sizeof(zHex));
  return rc;
}

airc_rc seal_key_load(seal_key *pOut, airc_err *pErr) {
  if(sodium_init() < 0) return airc_err_set(pErr, AIRC_ERR_IO, "libsodium did not initialise");
  const char *zCfg = airc_config_get("core", "secret_key", NULL);
  if(zCfg && *zCfg) {
    seal_key_from_text(zCfg, pOut);
    return AIRC_OK;
  }
  char zPath[4200], zHex[SEAL_KEY_BYTES * 2 + 8];
  key_path(zPath, sizeof(zPath));
  FILE *f = fopen(zPath, "r");
  if(!f && errno == ENOENT) {
    seal_key_random(pOut);
    return seal_key_save(pOut, pErr);
  }
  if(!f) return airc_err_set(pErr, AIRC_ERR_IO, "cannot read %s: %s", zPath, strerror(errno));
  struct stat st;
  if(fstat(fileno(f), &st) == 0 && (st.st_mode & 077)) {
    fclose(f);
    return airc_err_set(pErr, AIRC_ERR_IO, "%s is readable by others (mode %03o): chmod 600 it", zPath,
                        (unsigned)(st.st_mode & 0777));
  }
  size_t n = fread(zHex, 1, sizeof(zHex) - 1, f);
  fclose(f);
  zHex[n] = 0;
  size_t nBin = 0;
  if(sodium_hex2bin(pOut->a, SEAL_KEY_BYTES, zHex, n, " \r\n", &nBin, NULL) || nBin != SEAL_KEY_BYTES)
    return airc_err_set(pErr, AIRC_ERR_PARSE, "%s: expected 64 hex digits", zPath);
  sodium_memzero(zHex, sizeof(zHex));
  return AIRC_OK;
}

char *seal_encrypt(const seal_key *pKey, const char *zPlain, airc_err *pErr) {
  size_t n = strlen(zPlain);
  if(n > SEAL_VALUE_MAX) {
    airc_err_set(pErr, AIRC_ERR_INVALID, "secret value is %zu bytes, above the limit of %d", n, SEAL_VALUE_MAX);
    return NULL;
  }
  size_t nBox = crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + n;
  unsigned char *aBox = malloc(nBox);
  size_t nB64 = sodium_base64_ENCODED_LEN(nBox, sodium_base64_VARIANT_ORIGINAL);
  char *zOut = malloc(3 + nB64);
  if(!aBox || !zOut) {
    free(aBox);
    free(zOut);
    airc_err_set(pErr, AIRC_ERR_NOMEM, "out of memory");
    return NULL;
  }
  randombytes_buf(aBox, crypto_secretbox_NONCEBYTES);
  crypto_secretbox_easy(aBox + crypto_secretbox_NONCEBYTES, (const unsigned char *)zPlain, n, aBox, pKey->a);
  memcpy(zOut, "v1:", 3);
  sodium_bin2base64(zOut + 3, nB64, aBox, nBox, sodium_base64_VARIANT_ORIGINAL);
  free(aBox);
  return zOut;
}

char *seal_decrypt(const seal_key *pKey, const char *zSealed, airc_err *pErr) {
  size_t nIn = strlen(zSealed);
  if(strncmp(zSealed, "v1:", 3) || nIn > SEAL_VALUE_MAX * 2) {
    airc_err_set(pErr, AIRC_ERR_PARSE, "cannot decrypt: not a sealed value");
    return NULL;
  }
  unsigned char *aBox = malloc(nIn);
  size_t nBox = 0;
  char *zOut = NULL;
  if(aBox && !sodium_base642bin(aBox, nIn, zSealed + 3, nIn - 3, NULL, &nBox, NULL, sodium_base64_VARIANT_ORIGINAL) &&
     nBox >= crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES) {
    size_t n = nBox - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES;
    zOut = malloc(n + 1);
    if(zOut && crypto_secretbox_open_easy((unsigned char *)zOut, aBox + crypto_secretbox_NONCEBYTES,
                                          nBox - crypto_secretbox_NONCEBYTES, aBox, pKey->a) == 0) {
      zOut[n] = 0;
    } else {
      free(zOut);
      zOut = NULL;
    }
  }
  free(aBox);
  if(!zOut) airc_err_set(pErr, AIRC_ERR_PARSE, "cannot decrypt: wrong secret key or damaged value");
  return zOut;
}
