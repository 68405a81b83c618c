/* uuid.c: see uuid.h. */
#include "common/uuid.h"
#include <ctype.h>
#include <errno.h>
#include <sys/random.h>

int uuid_is_valid(const char *z, size_t n) {
  if(!z || n != 36) return 0;
  for(size_t i = 0; i < 36; i++) {
    if(i == 8 || i == 13 || i == 18 || i == 23) {
      if(z[i] != '-') return 0;
    } else if(!isxdigit((unsigned char)z[i])) {
      return 0;
    }
  }
  return 1;
}

void uuid_format_v4(const uint8_t a16[16], char zOut[UUID_STR_LEN]) {
  static const char zHex[] = "0123456789abcdef";
  uint8_t a[16];
  for(int i = 0; i < 16; i++) a[i] = a16[i];
  a[6] = (uint8_t)((a[6] & 0x0f) | 0x40); /* version 4 */
  a[8] = (uint8_t)((a[8] & 0x3f) | 0x80); /* variant 10xx */
  int j = 0;
  for(int i = 0; i < 16; i++) {
    if(i == 4 || i == 6 || i == 8 || i == 10) zOut[j++] = '-';
    zOut[j++] = zHex[a[i] >> 4];
    zOut[j++] = zHex[a[i] & 15];
  }
  zOut[j] = 0;
}

airc_rc uuid_random_v4(char zOut[UUID_STR_LEN]) {
  uint8_t a[16];
  size_t got = 0;
  while(got < sizeof(a)) {
    ssize_t n = getrandom(a + got, sizeof(a) - got, 0);
    if(n < 0) {
      if(errno == EINTR) continue;
      zOut[0] = 0;
      return AIRC_ERR_IO;
    }
    got += (size_t)n;
  }
  uuid_format_v4(a, zOut);
  return AIRC_OK;
}

void uuid_normalize(const char *z, char zOut[UUID_STR_LEN]) {
  for(int i = 0; i < 36; i++) zOut[i] = (char)tolower((unsigned char)z[i]);
  zOut[36] = 0;
}
