/* throttle.h: rate limiting of failed logins (per username + client IP).
 *
 * After `[webserver] login_max_failures` (5) failures within
 * `login_failure_window` seconds (300) a key is refused until the window
 * of its first failure ends; a success clears the key. The table is fixed
 * size and in memory (per web server process): when full, the oldest entry
 * is forgotten, so an attacker filling it can only make limiting weaker
 * for others, never lock them out. Thread-safe. Not persistent. */
#ifndef AIRC_THROTTLE_H
#define AIRC_THROTTLE_H
#include <stdint.h>

void throttle_configure(int nMaxFailures, int64_t windowSec);
/* Seconds until zKey may try again (0: now). */
int64_t throttle_wait(const char *zKey, int64_t nowUs);
void throttle_fail(const char *zKey, int64_t nowUs);
void throttle_clear(const char *zKey);
/* Forgets everything (tests). */
void throttle_reset_all(void);

#endif
