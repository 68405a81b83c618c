/* exec_pool.h: warm supervisors, started ahead of need and used again.
 *
 * Starting a try's supervisor costs a posix_spawn + exec of `airc` (and its
 * dynamic linking) before the task's own fork + exec. The pool keeps up to
 * [core] supervisor_pool such supervisors (`airc __supervise pool N`)
 * already started, each blocked on its end of a SOCK_SEQPACKET socket pair.
 * A launch hands one of them the try's request (a memfd) and the try's
 * lock (an open file description holding the try's byte lock) as
 * SCM_RIGHTS: a sendmsg instead of a spawn. The scheduler refills the pool
 * after its launches, off the critical path. `airc worker` keeps a pool
 * too: its hand-over adds a third descriptor, the try's lease pipe, which
 * the member installs on EXEC_LEASE_FD as a spawned supervisor has it.
 *
 * The fork server: members are not exec'd one by one. The pool starts ONE
 * `airc-supervisor __supervise forkserver N` (exec'd once) holding a control
 * socket; a refill sends it the member's end of a new socket pair and it
 * clone()s itself with CLONE_PARENT, so the member is the scheduler's own
 * child (reaped by its waitpid(-1) loop as before, whatever becomes of the
 * server), in its own session, holding only that socket (and 0-2), with the
 * signal state every supervisor starts from. The server writes the
 * member's pid on the scheduler's end of the member's socket. If the server
 * is gone (killed, timed out) the next refill starts another; if that
 * fails, members are spawned one by one as before.
 *
 * Members come back (a pool made with bReuse, the scheduler's by default:
 * [core] supervisor_reuse). A member takes one try at a time, and runs it
 * as any supervisor (own session, result file, doorbell); then it lets go
 * of the try's lock and waits on the same socket for another, so a chain
 * costs no fork, no page faults and no exit per task. The scheduler keeps
 * it aside meanwhile and puts it back in the pool when it has read the
 * try's result (exec_pool_try_done); the pool forks new members only to
 * keep waiting + out-on-a-try at [core] supervisor_pool. What a try sets in
 * the member (the environment its vfork'd task sets, a stop request that
 * came late) is undone before the next (exec_spawn.c); a member retires
 * after EXEC_MEMBER_TRIES tries, closing its socket before its last result
 * so that no try is handed to it after. A pool made without bReuse (a
 * worker's: its tries carry leases) closes its end at the hand-over: the
 * member sees end of file after its one try and exits.
 *
 * Nothing of the crash-safety design changes: the lock is taken by the
 * scheduler before the hand-over and stays held while the descriptors are
 * in flight (a descriptor in a socket's queue keeps its file open), so a
 * kill -9 of the scheduler right after the sendmsg leaves the message to
 * the supervisor, which runs the try; the member holds the lock until the
 * try's result is written, as a supervisor that exits after it did; one
 * that dies on a try is reaped and its try settled as any supervisor's.
 * A member exits when its socket reaches end of file (the
 * scheduler closed it: graceful stop, kill -9, or exec_pool_free) or after
 * N idle seconds; on that timeout it shuts its socket for reading first
 * and takes a request that got in before, so no hand-over is ever lost: a
 * sendmsg after the shutdown fails with EPIPE and the scheduler uses
 * another member or a fresh spawn. The fork server exits the same way (end
 * of file on its control socket, or N idle seconds).
 *
 * Chains grow while a member runs them (docs/scheduler.md, "A member
 * continues a chain"). A try handed over may carry the next links of its
 * chain, which the member continues itself (exec_spawn.h); while it does,
 * the scheduler sends it more links (exec_pool_extend) before it runs out,
 * so that a long chain never comes back to the scheduler between links.
 * Each message on a member's socket is one byte and its descriptors: 'R'
 * a hand-over (request, lock, lease), 'E' an extension (a request that
 * holds only links). A member takes an extension between two links
 * (exec_pool_take_extension) and keeps it only if it follows the chain
 * it runs; one that comes while it waits for a try is dropped. Nothing is
 * lost either way: links not run by the member are the scheduler's, as
 * when a chain ends. */
#ifndef AIRC_EXEC_POOL_H
#define AIRC_EXEC_POOL_H
#include <sys/types.h>
#include "common/err.h"

#define EXEC_POOL_MAX 64           /* cap on [core] supervisor_pool, and on members waiting */
#define EXEC_POOL_BUSY_MAX 256     /* members out on a try that are kept to come back */
#define EXEC_MEMBER_TRIES 1000     /* tries a member takes before it retires (bounds what it leaks) */
#define EXEC_POOL_IDLE_DEFAULT 300 /* seconds a member waits for a try */

/* A chain a member continues (docs/scheduler.md, "A member continues a
 * chain"): it carries at most EXEC_CHAIN_LINKS_MAX links, the scheduler
 * tops it back up when the member holds EXEC_CHAIN_EXTEND_AT or fewer,
 * and reads the results a `continued` ring announces
 * EXEC_CONTINUED_READ_US after it. A member rings `continued` at most
 * once per EXEC_CONTINUED_READ_US, and when its chain comes down to
 * EXEC_CHAIN_EXTEND_AT links (a top-up is then due): the rings between
 * would only wake the scheduler to note a time it noted already. */
#define EXEC_CHAIN_LINKS_MAX 32
#define EXEC_CHAIN_EXTEND_AT (EXEC_CHAIN_LINKS_MAX / 2)
#define EXEC_CONTINUED_READ_US 5000

typedef struct exec_pool exec_pool;

/* A pool of at most nSize members (capped at EXEC_POOL_MAX; 0 = a pool
 * that never holds any) whose members exit after idleSec seconds without a
 * try; with bReuse, members come back after their tries (see above).
 * Starts none: see exec_pool_fill. NULL when out of memory. */
exec_pool *exec_pool_new(int nSize, int idleSec, int bReuse);

/* Starts members until those waiting and those out on a try to come back
 * are nSize. An error (fork limit, say) leaves it short; launches then fall
 * back to fresh supervisors. */
AIRC_WUR airc_rc exec_pool_fill(exec_pool *p, airc_err *pErr);

/* Members waiting for a try. */
int exec_pool_count(const exec_pool *p);

/* Hands reqFd, lockFd and, when >= 0, leaseFd (a worker's lease pipe, see
 * exec_spawn.h; all stay the caller's to close) to the oldest member that
 * accepts them; returns 1 and its pid in *pPid, or 0 if no member did (the
 * pool is then empty or short). */
int exec_pool_hand_over(exec_pool *p, int reqFd, int lockFd, int leaseFd, pid_t *pPid /* OUT */);

/* The try that member pid was handed has ended (its result was read): the
 * member waits in the pool again (the newest), or is let go when
 * EXEC_POOL_MAX wait already. Returns 1 if pid was a member out on a try
 * (0: a supervisor of its own, or a pool without bReuse). */
int exec_pool_try_done(exec_pool *p, pid_t pid);

/* A child was reaped: forget it if it was a waiting member (one that timed
 * out or retired) or the fork server (the next fill starts another).
 * Returns 1 if it was either; 0 for a member that died on a try (it is
 * forgotten too: its try is the caller's to settle) or any other child. */
int exec_pool_reaped(exec_pool *p, pid_t pid);

/* Closes every member's socket (they exit at once) and frees p. */
void exec_pool_free(exec_pool *p);

/* In `airc __supervise pool N`: waits on sockFd at most idleSec seconds for
 * a request; on one, returns 0 (sockFd stays open: the member waits on it
 * again after its try) with the request's and the
 * lock's descriptors (close-on-exec) and *pbLease 1 when a lease descriptor
 * came with them: it is then on EXEC_LEASE_FD (close-on-exec), as in a
 * spawned supervisor. Extensions that wait are dropped (they follow a
 * chain that has ended). Returns -1 on end of file, timeout or a malformed
 * message (no try was handed over, or its lock is released with the
 * message and the zombie sweep sees the try); sockFd is closed then. */
int exec_pool_wait_request(int sockFd, int idleSec, int *pReqFd /* OUT */, int *pLockFd /* OUT */,
                           int *pbLease /* OUT */);

/* Sends member pid, out on a try, an extension of its chain: reqFd (stays
 * the caller's to close), without blocking. Returns 1 when sent; 0 when
 * pid is not a member out on a try or the socket refused it (the member
 * then runs out of links and its chain comes back to the scheduler). */
int exec_pool_extend(exec_pool *p, pid_t pid, int reqFd);

/* In a member, between two links of its chain: the descriptor (close-on-
 * exec) of the next extension waiting on sockFd, or -1 when none waits.
 * Never blocks; never takes a hand-over (none comes to a member out on a
 * try) nor an end of file (member_scheduler_gone sees it). */
int exec_pool_take_extension(int sockFd);

/* The fork server's pid, 0 when none runs (a pool of 0, or between a
 * server's exit and the next fill). */
pid_t exec_pool_server_pid(const exec_pool *p);

/* In `airc __supervise forkserver N`: serves fork requests on ctrlFd until
 * end of file or N idle seconds, then _exit(0)s. Returns only in a new
 * member (a child of the server's parent, own session, signal state
 * inherited from the server): its socket's descriptor (close-on-exec),
 * ctrlFd closed. */
int exec_pool_serve_forks(int ctrlFd, int idleSec);

#endif
