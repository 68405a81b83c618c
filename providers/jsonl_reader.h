/* jsonl_reader.h: line-by-line reading of a JSON Lines file with a cap on
 * the line length, blank lines skipped, line numbers kept for messages.
 *
 * Shared by the pipeline task types that consume fetch-users' output
 * (publish-kafka, validate-cassandra). It does not parse JSON: callers do,
 * and name jsonl_where() in their messages ("users.jsonl:17").
 * Reads in blocks and returns each line in place (no copy per line). */
#ifndef AIRC_JSONL_READER_H
#define AIRC_JSONL_READER_H
#include <stdint.h>
#include <stdio.h>
#include "common/err.h"

typedef struct jsonl_reader {
  FILE *f;
  char *zBuf;         /* read buffer (owned): nMax + 1 + a read block */
  size_t nCap;        /* its size */
  size_t iPos, iEnd;  /* the bytes read but not yet returned */
  int bEof;           /* f is at end of file (or of the range) */
  int64_t nLeft;      /* bytes of the range not read yet; -1 = to end of file */
  size_t nMax;        /* line length cap */
  int64_t iLine;      /* physical line number of the current line */
  const char *zPath;  /* borrowed */
} jsonl_reader;

AIRC_WUR airc_rc jsonl_open(jsonl_reader *p, const char *zPath, size_t nMax, airc_err *pErr);
/* Like jsonl_open, but reads only bytes [iStart, iEnd) of the file: for
 * splitting one file between threads at line boundaries (iStart at the
 * start of a line). iLine counts from the range's first line; jsonl_rewind
 * is not allowed. */
AIRC_WUR airc_rc jsonl_open_range(jsonl_reader *p, const char *zPath, size_t nMax, int64_t iStart,
                                  int64_t iEnd, airc_err *pErr);
/* Next non-blank line without its "\n" / "\r\n": 1 with *pz (borrowed until
 * the next call) and *pn set; 0 at end of file; -1 on error (pErr set:
 * "FILE:LINE: line longer than N bytes" or a read error). */
int jsonl_next(jsonl_reader *p, const char **pz, size_t *pn, airc_err *pErr);
AIRC_WUR airc_rc jsonl_rewind(jsonl_reader *p, airc_err *pErr);
void jsonl_close(jsonl_reader *p);

#endif
