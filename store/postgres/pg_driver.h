/* pg_driver.h: what the PostgreSQL backend's files share: the schema
 * version its migrations reach and the migration texts. The versions are
 * the SQLite backend's: version N has the same tables on both. */
#ifndef AIRC_PG_DRIVER_H
#define AIRC_PG_DRIVER_H
#include "store/store_int.h"

#define PG_SCHEMA_VERSION 15

/* SQL (several statements, for PQexec) that migrates version i to i + 1
 * (0 <= i < PG_SCHEMA_VERSION); NULL out of range. */
const char *pg_migration(int i);

/* libpq's message zIn (several lines, a trailing newline) as one line in zOut. */
void pg_one_line(const char *zIn, char *zOut, size_t n);

#endif
