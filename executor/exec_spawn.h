/* exec_spawn.h: running one task try in its own processes.
 *
 *   scheduler --posix_spawn--> supervisor (`airc-supervisor`, else `airc
 *                              __supervise`; own session; a warm one of
 *                              exec_pool.h if there is one, forked by
 *                              its fork server;
 *                              holds the try lock)
 *                         --fork--> task process (own process group;
 *                                    stdout+stderr -> pipe -> log file)
 *
 * The supervisor copies output to the try's log up to a cap, enforces
 * execution_timeout (SIGTERM to the task's process group, SIGKILL after a
 * grace period), reads the XCom file, writes the result file (see
 * exec_result.h), rings the scheduler's doorbell and exits (a pool member
 * lets go of the try's lock and waits for another: exec_pool.h). It never
 * touches SQLite: results reach the store through the scheduler, which
 * also ingests those left while it was down. A failed exec is reported through a close-on-exec
 * pipe (libuv's trick) and becomes the task's failure reason.
 * The scheduler may die at any point; the supervisor carries on. */
#ifndef AIRC_EXEC_SPAWN_H
#define AIRC_EXEC_SPAWN_H
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "common/err.h"
#include "executor/task_type.h"
#include "dag/template.h"

#define EXEC_XCOM_MAX (64 * 1024)
/* Cap on a try request a supervisor reads (the scheduler writes it; the cap
 * only bounds a supervisor's memory if the text is not what it wrote) */
#define EXEC_REQUEST_MAX (256 * 1024 * 1024)

typedef struct exec_request {
  int64_t tiId;
  const task_type *pType;
  task_ctx ctx;              /* what the task sees; ctx.zXcomOut is set by exec */
  template_ctx tctx;         /* for the AIRC_* environment */
  const char *zLogPath;      /* the try's log file (directories are created) */
  const char *zCwd;          /* working directory of the task, or NULL */
  int64_t timeoutSec;        /* 0 = none */
  int64_t killGraceSec;      /* SIGTERM -> SIGKILL delay */
  size_t maxLogBytes;
  json_t *pMask;             /* secret strings masked as *** in the log and XCom (borrowed, may be NULL) */
  int bForeground;           /* tasks test: output to our stdout, no result file, no lock */
  /* distributed executor (docs/scaling.md): the try holds a lease its
   * worker renews and announces on descriptor EXEC_LEASE_FD (8-byte lease
   * ends, microseconds); the supervisor kills the task's process group at
   * once when the lease is about to end unrenewed (leaseUntilUs -
   * leaseMarginUs) or the worker is gone (end of file). When that
   * descriptor is a socket (the worker's socketpair), the supervisor sends
   * EXEC_LEASE_DONE back on it once the try's result file is written:
   * the worker records the result without waiting for the supervisor's
   * exit. */
  int bLease;
  int64_t leaseUntilUs, leaseMarginUs;
  /* the chain after this try (borrowed, may be NULL): links as
   * sched_runs.c's chain_links() makes them, {"ti", "try", "request",
   * ...}, that a pool member that comes back may run next itself
   * (exec_set_continue) */
  json_t *pChain;
} exec_request;

/* A pool member continues a local chain (docs/scheduler.md, "A member
 * continues a chain"). After a try that succeeded without an XCom value,
 * a member whose request carried a chain takes the next link's try lock
 * and calls this to queue that try in the store, fenced as the scheduler's
 * own queuing (store_sched_ti_continue): upstream (upTiId, upTry) still
 * running, the link still not run, the run running, the DAG not paused.
 * Returns 1 if it was queued (the member then writes the upstream's result,
 * naming the continued try, and runs it without waiting for the
 * scheduler), 0 if not (the scheduler queues it as always). Set once, in
 * the process that becomes the supervisor (bin/airc-supervisor, `airc
 * __supervise`); without one no chain is continued. */
typedef int (*exec_continue_fn)(int64_t upTiId, int upTry, int64_t tiId, int tryNumber, const char *zLogPath,
                                int64_t nowUs);
void exec_set_continue(exec_continue_fn xContinue);

#define EXEC_LEASE_FD 5
#define EXEC_LEASE_DONE 'R' /* supervisor -> worker: the result file is written */

struct exec_pool;

/* Starts the supervisor of one try and returns its pid in *pPid: a warm
 * one of pPool when it has one (NULL: none), else a fresh `airc
 * __supervise`. The try lock is taken first, so exec_lock_is_held() is
 * true from the moment this returns. */
AIRC_WUR airc_rc exec_spawn(const exec_request *pReq, struct exec_pool *pPool, pid_t *pPid /* OUT */,
                            airc_err *pErr);

/* posix_spawn()s `airc` (this very binary) with azArgv, in its own session,
 * every signal at its default and none blocked, /dev/null as stdin, fdA as
 * descriptor 3, fdB (if >= 0) as descriptor 4 and fdLease (if >= 0) as
 * EXEC_LEASE_FD; nothing else inherited. For exec_spawn(), exec_pool and
 * exec_spawn_json(). */
AIRC_WUR airc_rc exec_spawn_supervisor(int fdA, int fdB, int fdLease, char *const azArgv[], pid_t *pPid /* OUT */,
                                       airc_err *pErr);

/* Asks supervisor pid to stop try (tiId, tryNumber) as a user asked
 * (SIGTERM to the task's process group, SIGKILL after the grace period):
 * SIGUSR1 with the try's token as its value (sigqueue), so that a pool
 * member that has gone on to another try ignores it. kill()'s return and
 * errno. */
int exec_stop_send(pid_t pid, int64_t tiId, int tryNumber);

/* The body of `airc __supervise [pool SECONDS]` (the process exec_spawn
 * or exec_pool starts): never returns. */
void exec_supervise_main(int argc, char **argv) __attribute__((noreturn));

/* The launch request of a try as JSON (what exec_spawn hands the
 * supervisor; the distributed executor stores it for a worker). New
 * reference; NULL when out of memory. */
json_t *exec_request_json(const exec_request *pReq);

/* A close-on-exec memfd holding the text z, read from its start: how a
 * request (or a chain's extension, exec_pool_extend) reaches a supervisor.
 * -1 with errno on failure. */
int exec_text_memfd(const char *z);

/* Starts a supervisor for a stored request (zRequest, JSON text from
 * exec_request_json() with "lease" added by the worker), taking the try's
 * lock like exec_spawn(): a warm one of pPool when it has one (NULL:
 * none), else a fresh one. leaseFd (>= 0; stays the caller's) becomes the
 * supervisor's EXEC_LEASE_FD either way. */
AIRC_WUR airc_rc exec_spawn_json(int64_t tiId, int tryNumber, const char *zRequest, int leaseFd,
                                 struct exec_pool *pPool, pid_t *pPid /* OUT */, airc_err *pErr);


/* Runs one try in the foreground (airc tasks test): output goes to this
 * process's stdout/stderr; returns the outcome in *pResult (caller clears). */
struct exec_result;
AIRC_WUR airc_rc exec_run_foreground(const exec_request *pReq, struct exec_result *pResult,
                                     airc_err *pErr);

/* The log file of a try: <logs>/dag_id=D/run_id=R/task_id=T/attempt=N.log
 * (Airflow's layout). */
/* Appends one "[time] [airc] ..." line (at most about 1.2 KB) to log fd.
 * Returns 0, or -1 with errno set when it could not be written (the disk
 * is full, say). */
int exec_log_vline(int fd, const char *zFmt, va_list ap) __attribute__((format(printf, 2, 0)));

void exec_log_path(const char *zDag, const char *zRun, const char *zTask, int tryNumber, char *zOut, size_t n);
/* The same for instance mapIndex of a mapped task (Airflow's layout:
 * .../task_id=T/map_index=K/attempt=N.log); mapIndex < 0: exec_log_path. */
void exec_log_path_mapped(const char *zDag, const char *zRun, const char *zTask, int mapIndex, int tryNumber,
                          char *zOut, size_t n);

/* mkdir -p (folders it creates get mode 0700) for the parent directories of zPath. */
int exec_mkdirs_for(const char *zPath);
int exec_mkdirs(const char *zDir);

#endif
