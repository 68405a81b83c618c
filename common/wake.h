/* wake.h: the scheduler's doorbell.
 *
 * The scheduler sleeps until something happens. Other processes (the CLI,
 * the web server, task supervisors whose parent scheduler died) ring it by
 * sending a datagram to a Linux abstract unix socket named after
 * $AIRC_HOME, so there is no socket file to go stale and no path length
 * limit. Ringing is best effort: when no scheduler runs, nothing happens,
 * and the scheduler re-reads the store on every wake anyway, so a lost
 * ring only delays work until its next timer. */
#ifndef AIRC_WAKE_H
#define AIRC_WAKE_H
#include "common/err.h"

/* Binds the doorbell for this $AIRC_HOME; returns a non-blocking, close-on-
 * exec datagram fd, or -1 with pErr set (AIRC_ERR_BUSY if another scheduler
 * already listens). */
int wake_listen(airc_err *pErr);
/* Rings the doorbell with a short message (e.g. "trigger"). Never blocks. */
void wake_send(const char *zMsg);
/* Reads and discards all pending datagrams. */
void wake_drain(int fd);

#endif
