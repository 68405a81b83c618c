/* rc.h: the one result type of airc's fallible functions.
 *
 * Every function that can fail returns an airc_rc; AIRC_OK is zero so calls
 * chain the curl way:  rc = a(); if(!rc) rc = b();
 * Functions returning airc_rc are marked AIRC_WUR so that an ignored error
 * breaks the -Werror build. The human message travels separately, in an
 * airc_err the caller passes in (see err.h). */
#ifndef AIRC_RC_H
#define AIRC_RC_H

#define AIRC_WUR __attribute__((warn_unused_result))

typedef enum airc_rc {
  AIRC_OK = 0,
  AIRC_ERR_NOMEM,      /* allocation failed */
  AIRC_ERR_IO,         /* read/write/open failed (errno in the message) */
  AIRC_ERR_PARSE,      /* input is not well-formed (syntax) */
  AIRC_ERR_INVALID,    /* input is well-formed but not acceptable */
  AIRC_ERR_NOTFOUND,   /* no such DAG, run, task, user, file */
  AIRC_ERR_EXISTS,     /* duplicate (run id, user) */
  AIRC_ERR_DB,         /* SQLite error */
  AIRC_ERR_TOOBIG,     /* a capped buffer or input exceeded its cap */
  AIRC_ERR_BUSY,       /* resource held by someone else (lock, scheduler) */
  AIRC_ERR_EXEC,       /* fork/exec failed */
  AIRC_ERR_NET,        /* network peer unreachable or misbehaving */
  AIRC_ERR_TIMEOUT,    /* a bounded wait ran out */
  AIRC_ERR_STATE,      /* operation not allowed in the current state */
  AIRC_ERR_USAGE       /* command-line usage error (exit code 2) */
} airc_rc;

/* 1 if an error of this class may go away by itself and the operation is
 * worth retrying later: the store was busy (locked by another process past
 * its busy timeout, or, later, a lost PostgreSQL connection). A full disk
 * (AIRC_ERR_IO from the store: SQLITE_FULL, ENOSPC) is in this class too.
 * Long-lived processes (the scheduler, the web server) retry these and
 * never exit on them; see docs/scheduler.md "A busy store". */
int airc_rc_is_transient(airc_rc rc);

/* Static English name of an rc, never NULL. */
const char *airc_strerror(airc_rc rc);

#endif
