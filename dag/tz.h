/* tz.h: IANA time zones for schedules: UTC <-> wall clock of one zone.
 *
 * A zone is read once from the system tz database (TZif files under
 * /usr/share/zoneinfo, or $TZDIR) and kept for the life of the process:
 * tz_zone_load() hands out a borrowed, immutable pointer that any thread
 * may use without locking. Times past the file's last transition follow
 * the POSIX TZ rule in the file's footer (Debian ships "slim" files whose
 * transitions stop when the rules stop changing).
 *
 * Why not glibc: localtime_r()/mktime() only convert in the zone named by
 * $TZ, so a scheduler with DAGs in several zones would have to setenv(TZ)
 * and tzset() around every call (not thread-safe, and a file read each
 * time), and no C library packaged in Debian offers per-zone conversion
 * (ICU is C++ at heart and 30 MB). A TZif reader is small and is fuzzed.
 *
 * Local times that do not exist or exist twice follow pendulum, which
 * Airflow uses (dst_rule POST_TRANSITION): tz_local_to_utc() maps a time
 * skipped by a spring-forward jump to the same distance after the jump
 * (02:30 on a 02:00->03:00 day is 03:30), and a repeated time to its second
 * occurrence (the post-transition offset). */
#ifndef AIRC_TZ_H
#define AIRC_TZ_H
#include <stddef.h>
#include <stdint.h>
#include "common/rc.h"

#define TZ_FILE_MAX (256 * 1024)   /* TZif files above this are refused */
#define TZ_NAME_MAX 64

typedef struct tz_zone tz_zone;

/* The zone named zName ("Europe/Paris", "UTC", "Etc/GMT+5"), loaded on
 * first use and cached for the life of the process. Returns NULL and
 * writes one line to zErr (e.g. "unknown time zone 'Europe/Pari'") when the
 * name is malformed or not in the tz database. Thread-safe. */
const tz_zone *tz_zone_load(const char *zName, char *zErr, size_t nErr);

/* Parses TZif data (RFC 8536, versions 1..4) into a new zone the caller
 * frees with tz_zone_free(). Any input is safe: sizes are checked against
 * the buffer and capped. NULL with a reason in zErr on bad data. */
tz_zone *tz_zone_parse(const char *zName, const unsigned char *aData, size_t nData, char *zErr, size_t nErr);
void tz_zone_free(tz_zone *p);

/* The zone's name as given to tz_zone_load(). NULL zone means UTC. */
const char *tz_zone_name(const tz_zone *p);
/* 1 if the zone is UTC (NULL, or no offset ever). */
int tz_zone_is_utc(const tz_zone *p);

/* Offset from UTC in seconds (local = utc + offset) at UTC time t. */
int32_t tz_offset_at(const tz_zone *p, int64_t t);
/* Abbreviation in force at t ("CEST"), borrowed from the zone. */
const char *tz_abbrev_at(const tz_zone *p, int64_t t);
/* UTC time of local wall-clock time tLocal (seconds, as if the local
 * calendar were UTC), with pendulum's POST_TRANSITION rule above. */
int64_t tz_local_to_utc(const tz_zone *p, int64_t tLocal);

#endif
