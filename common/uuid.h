/* uuid.h: textual UUIDs (RFC 9562): checking, random v4, and v4 built from
 * caller-supplied bytes (for deterministic test data).
 *
 * The text form is always 36 characters, lower-case hex, 8-4-4-4-12. */
#ifndef AIRC_UUID_H
#define AIRC_UUID_H
#include <stddef.h>
#include <stdint.h>
#include "common/rc.h"

#define UUID_STR_LEN 37 /* 36 characters plus NUL */

/* 1 if the n bytes at z are exactly a UUID in 8-4-4-4-12 hex form (either
 * case, any version), else 0. z need not be NUL-terminated. */
int uuid_is_valid(const char *z, size_t n);
/* Formats a16 as a version 4, variant 1 UUID: the version and variant bits
 * are forced, the other 122 bits taken from a16. */
void uuid_format_v4(const uint8_t a16[16], char zOut[UUID_STR_LEN]);
/* A random v4 UUID from the kernel's CSPRNG (getrandom). AIRC_ERR_IO if the
 * kernel refuses (practically never). */
AIRC_WUR airc_rc uuid_random_v4(char zOut[UUID_STR_LEN]);
/* Copies a valid UUID (see uuid_is_valid) into zOut in lower case. */
void uuid_normalize(const char *z, char zOut[UUID_STR_LEN]);

#endif
