/* store_test_target.h: the store a unit test opens, on either backend.
 *
 * Without AIRC_TEST_PG: DIR/airc.db (SQLite). With AIRC_TEST_PG (set by
 * scripts/pg-test.sh to a PostgreSQL admin URL, .../postgres): a fresh
 * database of its own, created with psql, with the schema installed
 * (store_open_migrate, as `airc db init`), so that the test's store_open()
 * finds it. Each call makes a new database: tests do not see each other. */
#ifndef AIRC_STORE_TEST_TARGET_H
#define AIRC_STORE_TEST_TARGET_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "store/store.h"

static inline int store_test_is_pg(void) {
  const char *z = getenv("AIRC_TEST_PG");
  return z && *z;
}

/* Creates an empty PostgreSQL database and writes its URL to zOut (n
 * bytes); 0 on success. */
static inline int store_test_pg_database(char *zOut, size_t n) {
  static int iSeq;
  const char *zAdmin = getenv("AIRC_TEST_PG");
  const char *zSlash = strrchr(zAdmin, '/');
  if(!zSlash) return -1;
  char zName[64], zCmd[1024];
  snprintf(zName, sizeof(zName), "airc_unit_%d_%d", (int)getpid(), ++iSeq);
  snprintf(zCmd, sizeof(zCmd), "psql -q -X '%s' -c 'CREATE DATABASE %s' >/dev/null", zAdmin, zName);
  if(system(zCmd) != 0) return -1;
  snprintf(zOut, n, "%.*s/%s", (int)(zSlash - zAdmin), zAdmin, zName);
  return 0;
}

/* The target for a test whose folder is zDir: zOut gets it (n bytes);
 * 0 on success. */
static inline int store_test_target(const char *zDir, char *zOut, size_t n) {
  if(!store_test_is_pg()) {
    snprintf(zOut, n, "%s/airc.db", zDir);
    return 0;
  }
  if(store_test_pg_database(zOut, n)) return -1;
  store *s = NULL;
  airc_err err = {0};
  if(store_open_migrate(zOut, &s, &err)) {
    fprintf(stderr, "store_test_target: %s\n", err.zMsg);
    return -1;
  }
  store_close(s);
  return 0;
}

/* Removes what a test's SQLite store left in zDir (the database, its WAL
 * and shared-memory files) and zDir itself; a PostgreSQL test database is
 * left to the throwaway cluster. */
static inline void store_test_remove(const char *zDir, const char *zDb) {
  char zPath[512];
  const char *azSuffix[] = {"", "-wal", "-shm"};
  for(int i = 0; i < 3; i++) {
    snprintf(zPath, sizeof(zPath), "%s%s", zDb, azSuffix[i]);
    unlink(zPath);
  }
  rmdir(zDir);
}

#endif
