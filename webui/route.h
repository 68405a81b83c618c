/* route.h: matching request paths against route patterns (pure).
 *
 * A pattern is a path whose segments are literal or "{name}", e.g.
 * "/api/v1/dags/{dag_id}/dagRuns/{dag_run_id}". A "{name}" segment matches
 * one non-empty path segment; a last segment "{name*}" matches the rest of
 * the path, slashes included (a dataset URI, decoded from %2F, has them).
 * Nothing here knows about HTTP or MHD, so the
 * unit tests drive it directly. */
#ifndef AIRC_ROUTE_H
#define AIRC_ROUTE_H
#include <stddef.h>

/* Matches zPath against zPattern. zPath is copied into zBuf (nBuf bytes)
 * and split there; on a match, azParam[0..*pnParam-1] point into zBuf at
 * the captured segments (at most nMax). Returns 1 on a match, 0 otherwise
 * (including a path longer than zBuf). */
int route_match(const char *zPattern, const char *zPath, char *zBuf, size_t nBuf,
                const char **azParam, int nMax, int *pnParam /* OUT */);

#endif
