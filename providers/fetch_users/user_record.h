/* user_record.h: one randomuser.me user object -> one flat pipeline record.
 *
 * This is the record the reference Airflow+Spark pipeline produces (and that
 * the Kafka topic and the Cassandra table carry): every value a string,
 *
 *   id              login.uuid if it is a valid UUID (lower-cased), else a
 *                   fresh random v4 UUID
 *   first_name      name.first
 *   last_name       name.last
 *   gender          gender
 *   address         "{street.number} {street.name}, {city}, {state}, {country}"
 *                   (API >= 1.3); "{street}, {city}, {state}, {country}" when
 *                   location.street is a plain string (older API); without
 *                   ", {country}" when location.country is absent (API 1.0-1.2)
 *   post_code       location.postcode, a number for some nationalities and a
 *                   string for others in the API; always a string here
 *   email, username (login.username), dob (dob.date),
 *   registered_date (registered.date), phone, picture (picture.medium);
 *   in API 1.0-1.1 dob and registered are the date strings themselves,
 *   which are taken as they are
 *
 * Pure: no I/O, no global state (apart from reading the kernel's random
 * source for a missing id). Not a validator of the values themselves: an
 * email without '@' passes; only presence and JSON types are checked. */
#ifndef AIRC_USER_RECORD_H
#define AIRC_USER_RECORD_H
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "common/rc.h"
#include "common/uuid.h" /* uuid_is_valid(), uuid_random_v4() */

/* The record's keys, in output order, NULL-terminated. */
extern const char *const user_record_azKeys[];

/* Builds the record for pUser (borrowed). On success *ppOut is a new object
 * the caller owns (json_decref). On failure *ppOut is NULL, the return is
 * AIRC_ERR_INVALID (missing field / wrong type, message like
 * "field 'name.first' missing" or "field 'location.postcode' has wrong type
 * (array)") or AIRC_ERR_NOMEM / AIRC_ERR_IO, and zErr holds a one-line
 * reason (zErr may be NULL when nErr is 0). */
AIRC_WUR airc_rc user_record_from_api(json_t *pUser, json_t **ppOut /* OUT */, char *zErr,
                                      size_t nErr);

/* Length of a user's identity key (user_record_key). */
#define USER_RECORD_KEY_LEN 16

/* The identity of API user pUser (borrowed), for recognising a user seen
 * before: the 16 bytes of login.uuid when that is a valid UUID (so two users
 * with the same record id have the same key, whatever the case of the hex),
 * else a keyed BLAKE2b-128 of the whole object serialised with sorted keys
 * (such a user's record id is random, so only an identical repeat can be
 * recognised). AIRC_ERR_NOMEM if the object cannot be serialised. */
AIRC_WUR airc_rc user_record_key(json_t *pUser, uint8_t aKey[USER_RECORD_KEY_LEN] /* OUT */);

#endif
