/* cassandra_count.h: row counts of tables, for the dashboard's pipeline
 * view (SELECT count(*) over one CQL connection).
 *
 * count(*) reads the whole table: fine for the pipeline's tables of up to
 * some hundred thousand rows, bounded by the connection's read timeout
 * (a table too big to count in time reports that, not a wrong number).
 * Not for: anything needing exact counts under concurrent writes. */
#ifndef AIRC_CASSANDRA_COUNT_H
#define AIRC_CASSANDRA_COUNT_H
#include <jansson.h>
#include "providers/cassandra/cql.h"

#define CASS_COUNT_MAX_TABLES 16

/* Counts the rows of each "keyspace.table" in the comma-separated
 * zTables (at most CASS_COUNT_MAX_TABLES) over one connection. Returns
 * (new reference) {"status": "up"|"down", "error", "host": "h:p",
 * "tables": [{"table": "ks.t", "rows": N|null, "error": null|"..."}]}:
 * "down" when the connection fails; a table that does not exist
 * (yet: the Spark job creates it) has rows null and its error. NULL only
 * when out of memory. */
json_t *cass_count_tables(const cql_conn_opts *pOpts, const char *zTables);

#endif
