/* pg_text.h: pure text helpers of the PostgreSQL task types (validate-postgres,
 * sql): folding a server message into one line, the truth of a check's
 * cell, canonical uuids, safe identifiers. No libpq here, so the unit tests
 * (tests/unit/test_pg_text.c) need no server.
 *
 * Not for: quoting values into SQL (values are always bound parameters). */
#ifndef AIRC_PG_TEXT_H
#define AIRC_PG_TEXT_H
#include <stddef.h>

/* Copies zIn to zOut (capped at nOut, cut with "...") as one line: every run
 * of whitespace (newlines of a multi-line server message, tabs, indentation)
 * becomes one space, leading/trailing space dropped. */
void pg_text_one_line(const char *zIn, char *zOut, size_t nOut);

/* The truth of a check query's first cell, as the sql task judges it:
 * 0 (false) for NULL (bNull), "", "f", "false", "no", "off" (any case) and
 * any number equal to zero ("0", "0.00", "-0", "0e3"); 1 for anything else
 * ("t", "1", "42", "yes", "some text"). */
int pg_text_truthy(const char *zCell, int bNull);

/* Checks a uuid in the 8-4-4-4-12 hex form (any case, surrounding space
 * allowed) and writes its lowercase form to zOut[37]. 0 on success, -1 if
 * z is not a uuid. */
int pg_text_uuid_canon(const char *z, char zOut[37]);

/* 1 if z is a plain identifier ([A-Za-z_][A-Za-z0-9_]*, at most 63 bytes:
 * PostgreSQL's NAMEDATALEN) or two of them joined by one '.' (schema.table),
 * safe to put in a statement unquoted; else 0. */
int pg_text_ident_ok(const char *z);

#endif
