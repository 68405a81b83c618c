/* seal.h: encryption at rest of connection passwords and secret variables.
 *
 * libsodium's crypto_secretbox (XSalsa20-Poly1305) with a 32-byte key that
 * comes from `[core] secret_key` in airc.ini (any text: its BLAKE2b hash is
 * the key) or else from $AIRC_HOME/secret.key (64 hex digits, mode 0600,
 * created on first use). A sealed value is text: "v1:" then base64 of a
 * random nonce followed by the ciphertext, so the store keeps it as TEXT.
 * `airc db rotate-key` re-encrypts every sealed value under a new key. */
#ifndef AIRC_SEAL_H
#define AIRC_SEAL_H
#include <stddef.h>
#include "common/err.h"

#define SEAL_KEY_BYTES 32
#define SEAL_VALUE_MAX (64 * 1024) /* longest plaintext sealed */

typedef struct seal_key {
  unsigned char a[SEAL_KEY_BYTES];
} seal_key;

/* The key in force (config, else the key file, created 0600 if absent). */
AIRC_WUR airc_rc seal_key_load(seal_key *pOut /* OUT */, airc_err *pErr);
/* 1 if the key comes from [core] secret_key (rotate-key must then be given the new one). */
int seal_key_from_config(void);
/* A new random key. */
void seal_key_random(seal_key *pOut /* OUT */);
/* The key of a passphrase, as [core] secret_key = TEXT gives it. */
void seal_key_from_text(const char *z, seal_key *pOut /* OUT */);
/* Writes pKey to $AIRC_HOME/secret.key (0600, atomically). */
AIRC_WUR airc_rc seal_key_save(const seal_key *pKey, airc_err *pErr);

/* New string (caller frees): zPlain sealed under pKey. NULL with pErr set
 * when zPlain is above SEAL_VALUE_MAX. */
char *seal_encrypt(const seal_key *pKey, const char *zPlain, airc_err *pErr);
/* New string (caller frees): the plaintext of zSealed, or NULL with pErr
 * set ("cannot decrypt: wrong secret key or damaged value"). */
char *seal_decrypt(const seal_key *pKey, const char *zSealed, airc_err *pErr);

#endif
