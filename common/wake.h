/* wake.h: the scheduler's doorbell.
 *
 * The scheduler sleeps until something happens. Other processes (the CLI,
 * the web server, task supervisors whose parent scheduler died) ring it by
 * sending a datagram to a Linux abstract unix socket, so there is no socket
 * file to go stale and no path length limit.
 *
 * Abstract names are one namespace for every user of the machine, so the
 * name must not be guessable: each scheduler binds "airc-<32 random hex
 * digits>" and writes those digits to <run folder>/doorbell, a 0600 file in
 * a folder only its user can enter (fsafe_run_folder()). Ringers read the
 * name from there. If the random name is somehow in use, the scheduler draws
 * another (up to WAKE_BIND_TRIES times) instead of waiting or giving up.
 * The scheduler accepts only datagrams whose sender has its own uid
 * (SO_PASSCRED): the kernel stamps every datagram with the sender's
 * credentials, so another user who learned the name still cannot ring.
 *
 * Ringing is best effort: when no scheduler runs, nothing happens, and the
 * scheduler re-reads the store on every wake anyway, so a lost ring only
 * delays work until its next timer. */
#ifndef AIRC_WAKE_H
#define AIRC_WAKE_H
#include <stddef.h>
#include <sys/types.h>
#include "common/err.h"

#define WAKE_BIND_TRIES 8

/* Binds a fresh doorbell for this $AIRC_HOME and publishes its name in the
 * run folder; returns a non-blocking, close-on-exec datagram fd, or -1 with
 * pErr set (the run folder is refused, or WAKE_BIND_TRIES random names were
 * all taken: AIRC_ERR_BUSY). */
int wake_listen(airc_err *pErr);
/* Rings the doorbell with a short message (e.g. "trigger"). Never blocks. */
void wake_send(const char *zMsg);
/* For a process that rings often (a pool's fork server, whose members
 * inherit it): a datagram socket connected to the doorbell of the
 * scheduler running now, so that a ring is one send(). -1 when there is
 * none (as wake_send: no scheduler has run here, or the run folder is not
 * private). Close-on-exec, non-blocking. */
int wake_connect(void);
/* Rings on a socket from wake_connect(). 0, or -1 when fd is -1 or its
 * scheduler is gone (ECONNREFUSED: a newer one listens under another name;
 * ring with wake_send(), which reads the current one). */
int wake_send_on(int fd, const char *zMsg);
/* Reads the next datagram from our own uid into zBuf (NUL-terminated,
 * truncated to nBuf - 1); datagrams from other uids are read and dropped.
 * Returns its length, or -1 when none is pending. Never blocks. */
ssize_t wake_recv(int fd, char *zBuf, size_t nBuf);
/* Reads and discards all pending datagrams. */
void wake_drain(int fd);

/* Fault injection for tests: the source of the 32 hex digits of a name
 * (zOut has room for 33 bytes). NULL restores getrandom(). */
void wake_set_token_source(void (*xToken)(char *zOut));

#endif
