/* randomuser_nat.h: per-nationality word lists and formats for the
 * randomuser-compatible test server (tools/randomuser/randomuser_gen.c).
 *
 * Data only. The lists are short but chosen to exercise what the real API
 * sends: non-ASCII names and places (Norwegian, Turkish, Persian, Cyrillic,
 * French, German), postcodes that are JSON numbers for some nationalities
 * (US, FR, DE, TR, IR, UA) and strings for others (GB, CA, NO), and an
 * id.value that is null for some. Patterns: '#' is a digit, 'L' an upper
 * case ASCII letter, anything else literal. */
#ifndef AIRC_RANDOMUSER_NAT_H
#define AIRC_RANDOMUSER_NAT_H

typedef struct randomuser_place {
  const char *zCity, *zState;
} randomuser_place;

typedef struct randomuser_nat {
  const char *zCode;        /* "US", as in the user's "nat" field */
  const char *zCountry;     /* location.country */
  const char *const *azMale, *const *azFemale, *const *azLast, *const *azStreet;
  const randomuser_place *aPlace; /* terminated by a NULL zCity */
  const char *zPostcode;    /* pattern */
  int bPostcodeNumber;      /* postcode sent as a JSON number */
  const char *zPhone, *zCell;
  const char *zIdName;      /* id.name ("" when none) */
  const char *zIdValue;     /* pattern, or NULL for a JSON null */
} randomuser_nat;

/* All nationalities, terminated by a NULL zCode. At most 32. */
extern const randomuser_nat randomuser_aNat[];
/* Index into randomuser_aNat of the two-letter code (any case), or -1. */
int randomuser_nat_find(const char *z, int n);
int randomuser_nat_count(void);

/* Shared lists (NULL-terminated) for usernames, passwords, titles, time zones. */
extern const char *const randomuser_azAdjective[];
extern const char *const randomuser_azAnimal[];
extern const char *const randomuser_azPassword[];
typedef struct randomuser_tz {
  const char *zOffset, *zDescription;
} randomuser_tz;
extern const randomuser_tz randomuser_aTz[]; /* terminated by a NULL zOffset */

#endif
