/* mask.h: replaces known secret values with *** in a byte stream (task
 * logs) or a string (XCom values, error lines).
 *
 * Streaming-safe: a secret split across two feeds is still masked, because
 * a tail that could be the start of a secret is held back (at most
 * MASK_SECRET_MAX - 1 bytes) until the next feed or mask_flush(). Bounded:
 * at most MASK_MAX_SECRETS secrets of MASK_MIN..MASK_SECRET_MAX bytes;
 * shorter ones are not masked (as Airflow, which skips values under 5
 * characters: masking "1" would garble every log). */
#ifndef AIRC_MASK_H
#define AIRC_MASK_H
#include <jansson.h>
#include <stddef.h>

#define MASK_MAX_SECRETS 256
#define MASK_SECRET_MAX 4096
#define MASK_MIN 5

typedef struct mask {
  char *azSecret[MASK_MAX_SECRETS];
  size_t anSecret[MASK_MAX_SECRETS];
  int nSecret;
  size_t nLongest;
  unsigned char aFirst[32];       /* bit set of the secrets' first bytes */
  char aHeld[MASK_SECRET_MAX];    /* held-back tail */
  size_t nHeld;
} mask;

void mask_init(mask *p);
/* Adds a secret (copied); ignored when too short, too long or the table is full. */
void mask_add(mask *p, const char *zSecret);
/* Adds every string of a JSON array. */
void mask_add_json(mask *p, json_t *pArray);
void mask_free(mask *p);
/* Feeds n bytes; writes the masked output that is final to aOut (capacity
 * nOut must be >= n + MASK_SECRET_MAX) and returns its length. */
size_t mask_feed(mask *p, const char *aIn, size_t n, char *aOut, size_t nOut);
/* The held-back tail, as it is (no secret can complete any more). */
size_t mask_flush(mask *p, char *aOut, size_t nOut);
/* New string (caller frees): z with every secret replaced by ***. */
char *mask_string(const mask *p, const char *z);
/* Masks every string inside pValue in place (XCom values). */
void mask_json(const mask *p, json_t *pValue);

#endif
