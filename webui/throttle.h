/* throttle.h: rate limiting of failed logins, per username and per client IP.
 *
 * Two counters are kept for every failed login: one for the username
 * (whichever IP tried it) and one for the client IP (whichever usernames
 * it tried). After `[webserver] login_max_failures` (5) failures of a
 * username, or `login_max_failures_per_ip` (20) failures from an IP,
 * within `login_failure_window` seconds (300), that username or IP is
 * refused until the window of its first failure ends. A successful login
 * clears the username's counter, not the IP's (so one valid account does
 * not reset an IP that is guessing others).
 *
 * The table is fixed size and in memory (per web server process). Keys
 * are hashed with a keyed hash (SipHash, libsodium crypto_shorthash) whose
 * key is random per process, so collisions cannot be planned. A locked
 * entry is never evicted: when a new key finds only locked entries where
 * it could live, it is treated as locked too (refused until the earliest
 * of them ends) rather than forgetting anyone. Thread-safe. Not persistent. */
#ifndef AIRC_THROTTLE_H
#define AIRC_THROTTLE_H
#include <stdint.h>

typedef enum throttle_kind { THROTTLE_USER = 0, THROTTLE_IP = 1 } throttle_kind;

/* Limits (<= 0: the defaults 5, 20, 300). Also draws a new hash key. */
void throttle_configure(int nMaxUser, int nMaxIp, int64_t windowSec);
/* Seconds until zKey of this kind may try again (0: now). */
int64_t throttle_wait(throttle_kind kind, const char *zKey, int64_t nowUs);
/* Counts one failure of zKey (dropped only when the table has no room,
 * in which case throttle_wait already refuses the key). */
void throttle_fail(throttle_kind kind, const char *zKey, int64_t nowUs);
void throttle_clear(throttle_kind kind, const char *zKey);
/* Forgets everything (tests). */
void throttle_reset_all(void);

#endif
