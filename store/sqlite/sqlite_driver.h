/* sqlite_driver.h: what the SQLite backend's two files share: the schema
 * version its migrations reach and the migration texts. */
#ifndef AIRC_SQLITE_DRIVER_H
#define AIRC_SQLITE_DRIVER_H
#include "store/store_int.h"

#define SQLITE_SCHEMA_VERSION 15

/* SQL that migrates version i to i + 1 (0 <= i < SQLITE_SCHEMA_VERSION). */
const char *sqlite_migration(int i);

#endif
