/* exec_spawn.c: see exec_spawn.h. */
#include "executor/exec_spawn.h"
#include "executor/task_plugin.h"
#include "common/config.h"
#include "common/fsafe.h"
#include "common/json_fd.h"
#include "common/mask.h"
#include "common/timeutil.h"
#include "common/wake.h"
#include "executor/exec_result.h"
#include "executor/exec_pool.h"
#include "executor/log_spare.h"
#include "executor/exec_prefault.h"
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <sched.h>
#include <spawn.h>
#include <unistd.h>

/* Descriptors of a supervisor started by exec_spawn(): its request and
 * its try lock. */
#define SUP_REQ_FD 3
#define SUP_LOCK_FD 4

/* Write end of the exec-error pipe in the task process (see task_exec.c). */
extern int g_task_exec_err_fd;

void exec_log_path(const char *zDag, const char *zRun, const char *zTask, int tryNumber, char *zOut, size_t n) {
  snprintf(zOut, n, "%s/dag_id=%s/run_id=%s/task_id=%s/attempt=%d.log", airc_path_logs(), zDag, zRun, zTask, tryNumber);
}

void exec_log_path_mapped(const char *zDag, const char *zRun, const char *zTask, int mapIndex, int tryNumber,
                          char *zOut, size_t n) {
  if(mapIndex < 0) {
    exec_log_path(zDag, zRun, zTask, tryNumber, zOut, n);
    return;
  }
  snprintf(zOut, n, "%s/dag_id=%s/run_id=%s/task_id=%s/map_index=%d/attempt=%d.log", airc_path_logs(), zDag, zRun,
           zTask, mapIndex, tryNumber);
}

int exec_mkdirs(const char *zDir) { return fsafe_mkdirs(zDir); /* 0700 */ }

int exec_mkdirs_for(const char *zPath) {
  char z[4400];
  snprintf(z, sizeof(z), "%s", zPath);
  char *zSlash = strrchr(z, '/');
  if(!zSlash || zSlash == z) return 0;
  *zSlash = 0;
  return exec_mkdirs(z);
}

static ssize_t write_all(int fd, const void *p, size_t n) {
  const char *z = p;
  size_t done = 0;
  while(done < n) {
    ssize_t w = write(fd, z + done, n - done);
    if(w < 0 && errno == EINTR) continue;
    if(w <= 0) return -1;
    done += (size_t)w;
  }
  return (ssize_t)done;
}

int exec_log_vline(int fd, const char *zFmt, va_list ap) {
  char z[1200], zTs[48];
  int n = snprintf(z, sizeof(z), "[%s] [airc] ", airc_time_format_us(airc_now_us(), zTs, sizeof(zTs)));
  vsnprintf(z + n, sizeof(z) - (size_t)n - 1, zFmt, ap);
  size_t len = strlen(z);
  z[len++] = '\n';
  return write_all(fd, z, len) < 0 ? -1 : 0;
}

static int log_line(int fd, const char *zFmt, ...) __attribute__((format(printf, 2, 3)));
static int log_line(int fd, const char *zFmt, ...) {
  va_list ap;
  va_start(ap, zFmt);
  int rc = exec_log_vline(fd, zFmt, ap);
  va_end(ap);
  return rc;
}

/* Gives the task process the signal state of a fresh login: every
 * disposition default and nothing blocked, whatever the supervisor (which
 * ignores SIGTERM, SIGINT, SIGHUP, SIGPIPE) or whoever started the
 * scheduler (nohup ignores SIGHUP) had. Ignored dispositions survive exec,
 * so without this a task could never be stopped by SIGHUP or see EPIPE-
 * free SIGPIPE. Uses the raw system call so that the two signals glibc
 * keeps for itself (32, 33), which its posix_spawn leaves ignored, are
 * reset too: a zeroed kernel sigaction is SIG_DFL, no flags, empty mask
 * on every architecture. */
static void signals_reset_all(void) {
  unsigned long aKernelAct[4] = {0, 0, 0, 0};
  for(int sig = 1; sig < _NSIG; sig++) {
    if(sig == SIGKILL || sig == SIGSTOP) continue;
    (void)syscall(SYS_rt_sigaction, sig, aKernelAct, NULL, (size_t)(_NSIG / 8));
  }
  sigset_t empty;
  sigemptyset(&empty);
  sigprocmask(SIG_SETMASK, &empty, NULL);
}

/* 1 once exec_supervise_main has reset every disposition of this process
 * and then ignored only the first four of aSupervisorIgnored: a task
 * process forked from it resets those (and glibc's own two, 32 and 33,
 * which nothing here sets, for good measure) instead of all 64 (the
 * supervisor waits for this under vfork). */
static int g_bSignalsKnown;

/* A pool member's connected doorbell (wake_connect), made once by its fork
 * server; -1 elsewhere */
static int g_bellFd = -1;

/* A pool member's socket to its scheduler, open through its tries; -1
 * elsewhere */
static int g_memberFd = -1;

/* A "continued" ring not sent yet: a member that continued its chain rings
 * once the next link's task has begun (ring_continued_now, right after its
 * vfork), not before: the ring's wake-up would put the scheduler on this
 * CPU just as the member starts that task, and the kernel would place the
 * task beside them. Nothing waits for this ring (the scheduler reads
 * continued results up to EXEC_CONTINUED_READ_US after a ring, and rings
 * are spaced by as much: a result waits 10 ms at most); a try that fails
 * before its task begins rings for its own result, which reads every
 * result there is. */
static int g_bContinuedRingDue;
static int64_t g_lastContinuedRingUs; /* when this member rang `continued` last */
static int g_continuedLeft;           /* links the member held after the continued link */

static void ring(const char *zRing) {
  if(wake_send_on(g_bellFd, zRing)) wake_send(zRing); /* no bell of ours, or its scheduler is gone */
}

/* At most once per EXEC_CONTINUED_READ_US, and when the chain comes down
 * to EXEC_CHAIN_EXTEND_AT links (exec_pool.h): the scheduler reads every
 * continued result there is when it reads, and each ring it takes costs
 * it a wake-up on a busy CPU (2 of this machine's, shared with the chain) */
static void ring_continued_now(void) {
  if(!g_bContinuedRingDue) return;
  g_bContinuedRingDue = 0;
  const int64_t now = airc_now_us();
  if(now - g_lastContinuedRingUs < EXEC_CONTINUED_READ_US && g_continuedLeft != EXEC_CHAIN_EXTEND_AT) return;
  g_lastContinuedRingUs = now;
  ring("continued");
}

/* Moves fd above EXEC_LEASE_FD (closing the original), or returns it as
 * it is when it is above already. For what a pool member opens before its
 * try arrives: the hand-over installs a worker's lease on EXEC_LEASE_FD
 * with dup3(), which would silently close whatever sat there. -1 (fd
 * closed) when no descriptor is free. */
static int fd_above_lease(int fd) {
  if(fd < 0 || fd > EXEC_LEASE_FD) return fd;
  int high = fcntl(fd, F_DUPFD_CLOEXEC, EXEC_LEASE_FD + 1);
  close(fd);
  return high;
}

/* Marks the LD_BIND_NOW a fork server got from exec_spawn_supervisor */
#define SUP_BIND_NOW_MARK "AIRC_SUPERVISOR_BIND_NOW"
static const int aSupervisorIgnored[] = {SIGTERM, SIGINT, SIGHUP, SIGPIPE, 32, 33};

static void signals_reset_task(void) {
  if(!g_bSignalsKnown) {
    signals_reset_all();
    return;
  }
  unsigned long aKernelAct[4] = {0, 0, 0, 0};
  for(size_t i = 0; i < sizeof(aSupervisorIgnored) / sizeof(aSupervisorIgnored[0]); i++)
    (void)syscall(SYS_rt_sigaction, aSupervisorIgnored[i], aKernelAct, NULL, (size_t)(_NSIG / 8));
  sigset_t empty;
  sigemptyset(&empty);
  sigprocmask(SIG_SETMASK, &empty, NULL);
}

/* In the task process: environment, descriptors, then the type's xRun.
 * Never returns. */
static void task_process_main(const exec_request *r, int outFd, int errPipe, const char *zXcomOut) {
  if(g_bellFd >= 0) close(g_bellFd); /* the supervisor's, not the task's (an exec would close it too) */
  if(g_memberFd >= 0) close(g_memberFd); /* a task type that runs without an exec must not keep it */
  setpgid(0, 0);
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  signals_reset_task();
  if(outFd >= 0) {
    dup2(outFd, 1);
    dup2(outFd, 2);
    if(outFd > 2) close(outFd);
  }
  int nullFd = open("/dev/null", O_RDONLY);
  if(nullFd >= 0) {
    dup2(nullFd, 0);
    if(nullFd > 0) close(nullFd);
  }
  g_task_exec_err_fd = errPipe;
  template_export_env(&r->tctx);
  if(zXcomOut) setenv("AIRC_XCOM_OUT", zXcomOut, 1);
  setenv("AIRC_HOME", airc_home(), 1);
  if(r->zCwd && chdir(r->zCwd)) {
    fprintf(stderr, "[airc] cannot enter working directory %s: %s\n", r->zCwd, strerror(errno));
    _exit(TASK_EXIT_FAILED);
  }
  task_ctx ctx = r->ctx;
  ctx.zXcomOut = zXcomOut;
  int code = task_type_run(r->pType, &ctx);
  fflush(stdout);
  fflush(stderr);
  _exit(code);
}

/* Starts the task process (task_process_main) and returns its pid, or -1
 * with errno. bShare: with vfork(), the child running in our memory until
 * it execs (or _exits), while we wait; what it allocates or sets before
 * that stays in our memory (this process ends with the try). In a function
 * of its own so that no local of the caller lives across the vfork. */
static pid_t task_process_start(const exec_request *r, int bShare, const int aOut[2], const int aErr[2],
                                const char *zXcom) {
  pid_t pid = bShare ? vfork() : fork();
  if(pid == 0) {
    close(aErr[0]);
    if(aOut[0] >= 0) close(aOut[0]);
    task_process_main(r, aOut[1], aErr[1], zXcom);
  }
  return pid;
}

/* Reads the XCom file: JSON if it parses, else the trimmed text as a JSON
 * string. Sets zReason when it is too large. */
static json_t *read_xcom(const char *zPath, exec_result *pRes) {
  int fd = fsafe_open(zPath, O_RDONLY); /* a symlink is not followed */
  if(fd < 0) {
    if(errno != ENOENT) unlink(zPath); /* a symlink (ELOOP), say: removed */
    return NULL;
  }
  char *z = malloc(EXEC_XCOM_MAX + 2);
  size_t n = 0;
  while(z && n < EXEC_XCOM_MAX + 1) {
    ssize_t r = read(fd, z + n, EXEC_XCOM_MAX + 1 - n);
    if(r < 0 && errno == EINTR) continue;
    if(r <= 0) break;
    n += (size_t)r;
  }
  close(fd);
  unlink(zPath);
  if(!z) return NULL;
  if(n > EXEC_XCOM_MAX) {
    snprintf(pRes->zReason, sizeof(pRes->zReason), "XCom value larger than %d bytes", EXEC_XCOM_MAX);
    free(z);
    return NULL;
  }
  z[n] = 0;
  while(n && (z[n - 1] == '\n' || z[n - 1] == '\r' || z[n - 1] == ' ')) z[--n] = 0;
  if(n == 0) {
    free(z);
    return NULL;
  }
  json_t *p = json_loads(z, JSON_DECODE_ANY, NULL);
  if(!p) p = json_string(z);
  free(z);
  return p;
}

/* The last non-empty line of a task's output, so that a failure's note says
 * why ("exited with code 1: publish-kafka: 0/5 delivered ...") and not only
 * how. Lines are capped at LAST_LINE_MAX bytes. */
#define LAST_LINE_MAX 300
typedef struct last_line {
  char zCur[LAST_LINE_MAX + 1];
  size_t nCur;
  char zDone[LAST_LINE_MAX + 1];
} last_line;

static void last_line_feed(last_line *p, const char *z, size_t n) {
  for(size_t i = 0; i < n; i++) {
    char c = z[i];
    if(c == '\n' || c == '\r') {
      size_t k = p->nCur;
      while(k && (p->zCur[k - 1] == ' ' || p->zCur[k - 1] == '\t')) k--;
      if(k) {
        memcpy(p->zDone, p->zCur, k);
        p->zDone[k] = 0;
      }
      p->nCur = 0;
    } else if(p->nCur < LAST_LINE_MAX && (unsigned char)c >= 0x20) {
      p->zCur[p->nCur++] = c;
    }
  }
}

/* What supervising a try needs that no try decides: the pipes of the
 * task's output and of its exec's error, and the signalfd for SIGCHLD and
 * SIGUSR1 (SIGCHLD blocked). A pool member makes them while it waits
 * (try_fds_make), off its try's path; supervise() makes what is missing. */
typedef struct try_fds {
  int aOut[2], aErr[2], sigFd; /* -1: not made */
} try_fds;

/* A close-on-exec pipe with both ends above EXEC_LEASE_FD, or both -1 */
static void pipe_above_lease(int a[2]) {
  if(pipe2(a, O_CLOEXEC)) {
    a[0] = a[1] = -1;
    return;
  }
  a[0] = fd_above_lease(a[0]);
  a[1] = fd_above_lease(a[1]);
  if(a[0] < 0 || a[1] < 0) { /* no descriptor free: supervise() tries again */
    if(a[0] >= 0) close(a[0]);
    if(a[1] >= 0) close(a[1]);
    a[0] = a[1] = -1;
  }
}

static void try_fds_make(try_fds *p) {
  pipe_above_lease(p->aOut);
  if(p->aOut[0] >= 0) fcntl(p->aOut[0], F_SETFL, O_NONBLOCK); /* the read end only: the task's is blocking */
  pipe_above_lease(p->aErr);
  sigset_t watch;
  sigemptyset(&watch);
  sigaddset(&watch, SIGCHLD);
  sigprocmask(SIG_BLOCK, &watch, NULL);
  sigaddset(&watch, SIGUSR1);
  p->sigFd = fd_above_lease(signalfd(-1, &watch, SFD_CLOEXEC | SFD_NONBLOCK));
}

/* The task closed its output (its end of the pipe): almost always because
 * it is exiting, which follows within microseconds. Its exit is waited
 * for here, at most EXIT_AWAIT_US, yielding meanwhile (on this CPU it is
 * the task that runs then), instead of a poll() that sleeps until its
 * SIGCHLD: one sleep and wake-up fewer per try, 20-50 us of a short task's
 * end on a virtual machine, whose idle CPU wakes slowly. A task that
 * closed its output and goes on is waited for by poll() as before.
 * Returns waitpid's answer. */
#define EXIT_AWAIT_US 200
static pid_t exit_await(pid_t pid, int *pStatus) {
  const int64_t until = airc_now_us() + EXIT_AWAIT_US;
  pid_t w = 0;
  while(w == 0 && airc_now_us() < until) {
    sched_yield();
    w = waitpid(pid, pStatus, WNOHANG);
    if(w < 0 && errno == EINTR) w = 0;
  }
  return w;
}

/* A stop request's value: the try it is for (exec_stop_send). */
static uint64_t stop_token(int64_t tiId, int tryNumber) {
  return ((uint64_t)tiId << 16) ^ (uint64_t)(uint16_t)tryNumber;
}

int exec_stop_send(pid_t pid, int64_t tiId, int tryNumber) {
  union sigval v;
  memset(&v, 0, sizeof(v));
  v.sival_ptr = (void *)(uintptr_t)stop_token(tiId, tryNumber);
  return sigqueue(pid, SIGUSR1, v);
}

/* 1 if the SIGUSR1 read in si is for try r: one from exec_stop_send
 * carries its try's token (a pool member that has gone on to another try
 * ignores one for the last); any other (a user's kill -USR1) stops what
 * runs. */
static int stop_is_for(const struct signalfd_siginfo *si, const exec_request *r) {
  return si->ssi_code != SI_QUEUE || si->ssi_ptr == stop_token(r->tiId, r->ctx.tryNumber);
}

/* Closes what try_fds_make made and no try took. */
static void try_fds_close(try_fds *p) {
  int *apFd[5] = {&p->aOut[0], &p->aOut[1], &p->aErr[0], &p->aErr[1], &p->sigFd};
  for(int i = 0; i < 5; i++) {
    if(*apFd[i] >= 0) close(*apFd[i]);
    *apFd[i] = -1;
  }
}

/* The extensions the scheduler sent while this member ran its chain
 * (exec_pool.h): each {"after_ti", "after_try", "chain"} is appended to
 * r's chain (r->pChain, an array: a request whose chain ran out holds an
 * empty one) when it follows the chain's last link (try r itself when the
 * chain is empty), else dropped: it follows links this member no longer
 * holds (they failed, wrote XCom, or the store refused one), which are the
 * scheduler's again. Called while r's task runs (supervise: the parsing,
 * about 20 us a link, is then off the chain's path) and, when the chain
 * has run out, before the next link is taken (a single recv when none
 * waits). */
/* The last link of chain pChain (its task instance and try), or (tiId,
 * tryNumber), the try that holds the chain, when it has no links. */
static void chain_tail(json_t *pChain, int64_t tiId, int tryNumber, int64_t *pTailTi, int *pTailTry) {
  size_t n = json_array_size(pChain);
  json_t *pLast = n ? json_array_get(pChain, n - 1) : NULL;
  *pTailTi = pLast ? json_integer_value(json_object_get(pLast, "ti")) : tiId;
  *pTailTry = pLast ? (int)json_integer_value(json_object_get(pLast, "try")) : tryNumber;
}

static void chain_take_extensions(const exec_request *r) {
  json_t *pChain = r->pChain;
  int fd;
  while(json_is_array(pChain) && (fd = exec_pool_take_extension(g_memberFd)) >= 0) {
    json_error_t je;
    json_t *pExt = json_fd_load(fd, EXEC_REQUEST_MAX, 0, &je);
    close(fd);
    int64_t tailTi;
    int tailTry;
    chain_tail(pChain, r->tiId, r->ctx.tryNumber, &tailTi, &tailTry);
    json_t *pMore = json_object_get(pExt, "chain");
    if(json_is_array(pMore) && json_integer_value(json_object_get(pExt, "after_ti")) == tailTi &&
       json_integer_value(json_object_get(pExt, "after_try")) == tailTry)
      json_array_extend(pChain, pMore);
    json_decref(pExt);
  }
}

/* The supervisor: runs the try to completion and records the result.
 * pSpare: the log folder and file made ahead (log_spare.h), pPre the
 * descriptors (try_fds_make: taken, and set to -1 in *pPre, once the try
 * gets that far); both NULL in the foreground. */
static int supervise(const exec_request *r, int bForeground, log_spare *pSpare, try_fds *pPre,
                     exec_result *pRes, airc_err *pErr) {
  char zXcom[4200], zResult[4200];
  snprintf(zXcom, sizeof(zXcom), "%s/xcom/%lld-%d.json", airc_path_run(), (long long)r->tiId, r->ctx.tryNumber);
  exec_result_path(r->tiId, r->ctx.tryNumber, zResult, sizeof(zResult));
  static int bXcomDir; /* made once per process: a pool member's tries share it */
  if(!bXcomDir) bXcomDir = !exec_mkdirs_for(zXcom);
  unlink(zXcom);
  memset(pRes, 0, sizeof(*pRes));
  pRes->tiId = r->tiId;
  pRes->tryNumber = r->ctx.tryNumber;
  pRes->exitCode = -1;
  pRes->startUs = airc_now_us();

  int logFd = -1;
  if(!bForeground) {
    /* before the task, always: the zombie sweep takes a try's log with a
     * line in it (the one written next) as proof that it started
     * (sched_try_log_exists), and gives a queued try whose supervisor died
     * without one back to be run again */
    logFd = log_spare_open(pSpare, r->zLogPath); /* 0600, no symlink */
    if(logFd < 0) {
      snprintf(pRes->zReason, sizeof(pRes->zReason), "cannot open log %s: %s", r->zLogPath, strerror(errno));
      pRes->outcome = EXEC_OUTCOME_FAILED;
      pRes->endUs = airc_now_us();
      return -1;
    }
    if(log_line(logFd, "task '%s' of DAG '%s', run '%s', try %d started", r->ctx.zTaskId, r->ctx.zDagId,
                r->ctx.zRunId, r->ctx.tryNumber)) {
      /* a try whose output cannot be kept does not start */
      snprintf(pRes->zReason, sizeof(pRes->zReason), "cannot write log %s: %s", r->zLogPath, strerror(errno));
      pRes->outcome = EXEC_OUTCOME_FAILED;
      pRes->endUs = airc_now_us();
      close(logFd);
      return -1;
    }
  }
  int aOut[2] = {-1, -1}, aErr[2] = {-1, -1}, sigFd = -1;
  const int bOutMade = pPre && pPre->aOut[0] >= 0; /* its read end non-blocking already */
  if(pPre) { /* made while the member waited */
    aOut[0] = pPre->aOut[0], aOut[1] = pPre->aOut[1];
    aErr[0] = pPre->aErr[0], aErr[1] = pPre->aErr[1];
    sigFd = pPre->sigFd;
    *pPre = (try_fds){{-1, -1}, {-1, -1}, -1}; /* ours now: each is closed below */
  }
  if((!bForeground && aOut[0] < 0 && pipe2(aOut, O_CLOEXEC)) || (aErr[0] < 0 && pipe2(aErr, O_CLOEXEC))) {
    snprintf(pRes->zReason, sizeof(pRes->zReason), "pipe: %s", strerror(errno));
    pRes->outcome = EXEC_OUTCOME_FAILED;
    pRes->endUs = airc_now_us();
    if(logFd >= 0) close(logFd);
    return -1;
  }
  sigset_t chld, watch;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  /* blocked for the try, even with a signalfd made before (try_fds_make
   * blocked it then, but the try before this one unblocked it at its end):
   * else a SIGCHLD would go to its default action, not to sigFd */
  sigprocmask(SIG_BLOCK, &chld, NULL);
  if(sigFd < 0) {
    watch = chld;
    /* SIGUSR1 from the scheduler: a user stopped this try (blocked since
     * exec_supervise_main began, so one sent early waits here) */
    if(!bForeground) sigaddset(&watch, SIGUSR1);
    sigFd = signalfd(-1, &watch, SFD_CLOEXEC | SFD_NONBLOCK);
  }
  /* in the background (a supervisor process of its own, which ends with
   * the try) a type that only execs shares our memory until its exec; a
   * foreground try (`airc tasks test`) keeps fork(), since whatever the
   * child sets (its environment) would stay in the caller */
  pid_t pid = task_process_start(r, !bForeground && r->pType->bExecsAtOnce, aOut, aErr, zXcom);
  if(pid < 0) {
    snprintf(pRes->zReason, sizeof(pRes->zReason), "fork: %s", strerror(errno));
    pRes->outcome = EXEC_OUTCOME_FAILED;
    pRes->endUs = airc_now_us();
    if(logFd >= 0) close(logFd);
    return -1;
  }
  setpgid(pid, pid); /* also in the child: whoever runs first */
  ring_continued_now(); /* the last link's result: the task has begun */
  pRes->pid = (int)pid;
  close(aErr[1]);
  if(aOut[1] >= 0) close(aOut[1]);
  if(logFd >= 0) log_line(logFd, "task process pid %d", (int)pid);
  if(r->pChain && pSpare && pPre) chain_take_extensions(r); /* while the task runs */
  if(json_array_size(r->pChain) && pSpare && pPre) {
    /* the chain's next try likely follows in this member (chain_continue):
     * its log (empty: log_spare_make_log), pipes and signalfd are made
     * now, while this try runs, as an idle member makes spares for a
     * hand-over */
    const char *zNext = json_string_value(
        json_object_get(json_object_get(json_array_get(r->pChain, 0), "request"), "log_path"));
    if(zNext) log_spare_make_log(pSpare, zNext);
    else log_spare_make(pSpare, airc_path_logs());
    pSpare->fdFile = fd_above_lease(pSpare->fdFile);
    try_fds_make(pPre);
  }

  last_line ll;
  memset(&ll, 0, sizeof(ll));
  mask mk;
  mask_init(&mk);
  mask_add_json(&mk, r->pMask);
  static char aMasked[65536 + MASK_SECRET_MAX];
  size_t nLogged = 0;
  int bCapped = 0, bExited = 0, status = 0, bTermSent = 0, bKillSent = 0, logErrno = 0, bStopped = 0;
  int bExitAwaited = 0; /* exit_await done for the output's end */
  int64_t deadline = r->timeoutSec > 0 ? pRes->startUs + r->timeoutSec * 1000000 : 0;
  int64_t killAt = 0, drainUntil = 0;
  char aBuf[65536];
  int outFd = aOut[0];
  int leaseFd = r->bLease ? EXEC_LEASE_FD : -1, bLeaseLost = 0;
  int64_t leaseUntil = r->leaseUntilUs;
  if(outFd >= 0 && !bOutMade) fcntl(outFd, F_SETFL, O_NONBLOCK);
  while(!bExited || outFd >= 0) {
    int64_t now = airc_now_us();
    int timeoutMs = -1;
    if(deadline && !bTermSent) {
      if(now >= deadline) {
        kill(-pid, SIGTERM);
        bTermSent = 1;
        pRes->timedOut = 1;
        killAt = now + (r->killGraceSec > 0 ? r->killGraceSec : 5) * 1000000;
        if(logFd >= 0) log_line(logFd, "execution_timeout of %llds exceeded: sent SIGTERM to process group %d",
                                (long long)r->timeoutSec, (int)pid);
      } else {
        timeoutMs = (int)((deadline - now) / 1000) + 1;
      }
    }
    if(bTermSent && !bKillSent) {
      if(now >= killAt) {
        kill(-pid, SIGKILL);
        bKillSent = 1;
        if(logFd >= 0) log_line(logFd, "still running after the grace period: sent SIGKILL");
      } else {
        timeoutMs = (int)((killAt - now) / 1000) + 1;
      }
    }
    if(leaseFd >= 0 && !bLeaseLost) {
      int64_t leaseEnd = leaseUntil - r->leaseMarginUs;
      if(now >= leaseEnd) {
        bLeaseLost = 1; /* the work must not go on unleased: no grace */
        kill(-pid, SIGKILL);
        bTermSent = bKillSent = 1;
        if(logFd >= 0) log_line(logFd, "lease lost (not renewed in time): killed process group %d", (int)pid);
      } else if(timeoutMs < 0 || (leaseEnd - now) / 1000 + 1 < timeoutMs) {
        timeoutMs = (int)((leaseEnd - now) / 1000) + 1;
      }
    }
    if(bExited) {
      /* main process gone but someone still holds the pipe (a background
       * child): drain what is there for at most 2 s, then stop the group */
      if(!drainUntil) drainUntil = now + 2000000;
      timeoutMs = now >= drainUntil ? 0 : 50;
    }
    struct pollfd aPoll[3] = {{sigFd, POLLIN, 0}, {outFd, POLLIN, 0}, {bLeaseLost ? -1 : leaseFd, POLLIN, 0}};
    int nPoll = poll(aPoll, leaseFd >= 0 ? 3 : outFd >= 0 ? 2 : 1, timeoutMs);
    if(nPoll < 0 && errno != EINTR) break;
    if(leaseFd >= 0 && !bLeaseLost && (aPoll[2].revents & (POLLIN | POLLHUP | POLLERR))) {
      int64_t aUntil[16];
      ssize_t n = read(leaseFd, aUntil, sizeof(aUntil));
      if(n >= (ssize_t)sizeof(int64_t)) {
        leaseUntil = aUntil[n / (ssize_t)sizeof(int64_t) - 1]; /* the newest renewal */
      } else if(n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) {
        bLeaseLost = 1; /* the worker is gone: its try dies with it */
        kill(-pid, SIGKILL);
        bTermSent = bKillSent = 1;
        if(logFd >= 0) log_line(logFd, "worker gone: killed process group %d", (int)pid);
      }
    }
    if(outFd >= 0 && (aPoll[1].revents & (POLLIN | POLLHUP | POLLERR))) {
      for(;;) {
        ssize_t n = read(outFd, aBuf, sizeof(aBuf));
        if(n < 0 && errno == EINTR) continue;
        if(n < 0 && errno == EAGAIN) break;
        if(n <= 0) {
          close(outFd);
          outFd = -1;
          break;
        }
        /* secrets are masked before anything keeps the output (log, last line) */
        size_t nm = mask_feed(&mk, aBuf, (size_t)n, aMasked, sizeof(aMasked));
        last_line_feed(&ll, aMasked, nm);
        if(bCapped || logErrno) continue;
        size_t take = nm;
        if(nLogged + take > r->maxLogBytes) {
          take = r->maxLogBytes > nLogged ? r->maxLogBytes - nLogged : 0;
          bCapped = 1;
        }
        if(take && write_all(logFd, aMasked, take) < 0) logErrno = errno ? errno : EIO;
        nLogged += take;
        if(bCapped && !logErrno &&
           log_line(logFd, "\n[airc] log capped at %zu bytes: further output of this try is discarded", r->maxLogBytes))
          logErrno = errno ? errno : EIO;
      }
      if(logErrno && !bTermSent && !bExited) {
        /* the log cannot take the output (the disk is full, say): a try
         * that would run unrecorded is stopped, as on a timeout, and
         * fails with the reason */
        kill(-pid, SIGTERM);
        bTermSent = 1;
        killAt = airc_now_us() + (r->killGraceSec > 0 ? r->killGraceSec : 5) * 1000000;
      }
    }
    if(!bExited) {
      struct signalfd_siginfo si;
      while(read(sigFd, &si, sizeof(si)) > 0) {
        if(si.ssi_signo == SIGUSR1 && !bTermSent && stop_is_for(&si, r)) {
          /* stopped on request: as on a timeout, SIGTERM then SIGKILL */
          kill(-pid, SIGTERM);
          bTermSent = 1;
          bStopped = 1;
          killAt = airc_now_us() + (r->killGraceSec > 0 ? r->killGraceSec : 5) * 1000000;
          if(logFd >= 0) log_line(logFd, "stopped on request: sent SIGTERM to process group %d", (int)pid);
        }
      }
      pid_t w;
      do {
        w = waitpid(pid, &status, WNOHANG);
      } while(w < 0 && errno == EINTR);
      if(w == 0 && outFd < 0 && !bExitAwaited) w = exit_await(pid, &status);
      if(w == pid) bExited = 1;
      bExitAwaited = outFd < 0;
    } else if(outFd >= 0 && (nPoll == 0 || airc_now_us() >= drainUntil)) {
      kill(-pid, SIGTERM);
      close(outFd);
      outFd = -1;
    }
  }
  if(outFd >= 0) close(outFd);
  { /* a held-back tail that turned out not to be a secret */
    size_t nm = mask_flush(&mk, aMasked, sizeof(aMasked));
    last_line_feed(&ll, aMasked, nm);
    if(nm && !bCapped && !logErrno && logFd >= 0 && nLogged + nm <= r->maxLogBytes && write_all(logFd, aMasked, nm) < 0)
      logErrno = errno ? errno : EIO;
  }
  kill(-pid, SIGKILL); /* leftovers of the task's own group, if any */
  pRes->endUs = airc_now_us();
  int execErrno = 0;
  char aExecErr[TASK_EXEC_ERR_MAX]; /* errno, then the program's name (task_exec_or_report) */
  ssize_t nErr;
  do {
    nErr = read(aErr[0], aExecErr, sizeof(aExecErr));
  } while(nErr < 0 && errno == EINTR);
  if(nErr >= (ssize_t)sizeof(execErrno)) memcpy(&execErrno, aExecErr, sizeof(execErrno));
  close(aErr[0]);
  close(sigFd);
  sigprocmask(SIG_UNBLOCK, &chld, NULL);

  if(WIFEXITED(status)) pRes->exitCode = WEXITSTATUS(status);
  if(WIFSIGNALED(status)) pRes->termSignal = WTERMSIG(status);
  if(nErr >= (ssize_t)sizeof(execErrno)) {
    int nName = (int)(nErr - (ssize_t)sizeof(execErrno));
    pRes->outcome = EXEC_OUTCOME_FAILED;
    snprintf(pRes->zReason, sizeof(pRes->zReason), "exec failed: %.*s%s%s", nName, aExecErr + sizeof(execErrno),
             nName ? ": " : "", strerror(execErrno));
  } else if(bLeaseLost) {
    pRes->outcome = EXEC_OUTCOME_FAILED;
    snprintf(pRes->zReason, sizeof(pRes->zReason), "lease lost: task killed");
  } else if(bStopped) {
    pRes->outcome = EXEC_OUTCOME_FAILED;
    snprintf(pRes->zReason, sizeof(pRes->zReason), "stopped on request");
  } else if(logErrno) {
    pRes->outcome = EXEC_OUTCOME_FAILED;
    snprintf(pRes->zReason, sizeof(pRes->zReason), "cannot write log %s: %s (task stopped)", r->zLogPath,
             strerror(logErrno));
  } else if(pRes->timedOut) {
    pRes->outcome = EXEC_OUTCOME_FAILED;
    snprintf(pRes->zReason, sizeof(pRes->zReason), "execution_timeout of %llds exceeded", (long long)r->timeoutSec);
  } else if(pRes->termSignal) {
    pRes->outcome = EXEC_OUTCOME_FAILED;
    snprintf(pRes->zReason, sizeof(pRes->zReason), "killed by signal %d (%s)", pRes->termSignal, strsignal(pRes->termSignal));
  } else if(pRes->exitCode == TASK_EXIT_SUCCESS) {
    pRes->outcome = EXEC_OUTCOME_SUCCESS;
  } else if(pRes->exitCode == TASK_EXIT_SKIPPED) {
    pRes->outcome = EXEC_OUTCOME_SKIPPED;
  } else {
    pRes->outcome = EXEC_OUTCOME_FAILED;
    if(ll.zDone[0])
      snprintf(pRes->zReason, sizeof(pRes->zReason), "exited with code %d: %s", pRes->exitCode, ll.zDone);
    else
      snprintf(pRes->zReason, sizeof(pRes->zReason), "exited with code %d", pRes->exitCode);
  }
  pRes->pXcom = read_xcom(zXcom, pRes);
  mask_json(&mk, pRes->pXcom);
  if(json_is_string(pRes->pXcom) && mk.nSecret) {
    char *zM = mask_string(&mk, json_string_value(pRes->pXcom));
    if(zM) {
      json_decref(pRes->pXcom);
      pRes->pXcom = json_string(zM);
      free(zM);
    }
  }
  mask_free(&mk);
  if(pRes->outcome == EXEC_OUTCOME_SUCCESS && pRes->zReason[0]) pRes->outcome = EXEC_OUTCOME_FAILED;
  if(logFd >= 0) {
    log_line(logFd, "task %s after %.3fs%s%s", exec_outcome_state(pRes->outcome),
             (double)(pRes->endUs - pRes->startUs) / 1e6, pRes->zReason[0] ? ": " : "", pRes->zReason);
    close(logFd);
  }
  (void)pErr;
  return 0;
}

/* ---- the supervisor as a fresh process ----
 *
 * The scheduler starts each supervisor with posix_spawn() (vfork
 * semantics: no copy of the scheduler's page tables, whose cost on a
 * virtual machine grows with the scheduler's size and was most of a short
 * task's overhead) running `airc __supervise`. The request travels as JSON
 * in a memfd on descriptor 3; the try's lock on descriptor 4. */

static json_t *opt_ref(json_t *p) { return p ? json_incref(p) : json_object(); }

static json_t *request_to_json(const exec_request *r) {
  const task_ctx *c = &r->ctx;
  json_t *p = json_pack("{sI ss ss ss ss si sI sI sI so so so so so ss* ss* sI sI sI}",
                        "ti_id", (json_int_t)r->tiId, "type", r->pType->schema.zName, "dag_id", c->zDagId,
                        "run_id", c->zRunId, "task_id", c->zTaskId, "try_number", c->tryNumber,
                        "logical_date", (json_int_t)c->logicalDate, "data_interval_start",
                        (json_int_t)c->dataIntervalStart, "data_interval_end", (json_int_t)c->dataIntervalEnd,
                        "options", opt_ref(c->pOptions), "params", opt_ref(c->pParams), "conf", opt_ref(c->pConf),
                        "upstream_xcom", opt_ref(c->pUpstreamXcom), "xcom", opt_ref(r->tctx.pXcom),
                        "log_path", r->zLogPath, "cwd", r->zCwd, "timeout", (json_int_t)r->timeoutSec,
                        "kill_grace", (json_int_t)r->killGraceSec, "max_log_bytes", (json_int_t)r->maxLogBytes);
  /* the request is a memfd only the supervisor reads: secrets may travel in it */
  if(p && r->tctx.pConn) json_object_set(p, "conn", r->tctx.pConn);
  if(p && r->tctx.pVar) json_object_set(p, "vars", r->tctx.pVar);
  if(p && r->pMask) json_object_set(p, "mask", r->pMask);
  if(p && json_array_size(r->pChain)) json_object_set(p, "chain", r->pChain);
  if(p && r->tctx.pItem) {
    /* a mapped task instance: its item and index */
    json_object_set(p, "item", r->tctx.pItem);
    json_object_set_new(p, "map_index", json_integer(r->tctx.mapIndex));
  }
  return p;
}

static const char *g_zSupExe; /* the supervisor binary, resolved once */
static int g_bSupSmall;        /* 1: bin/airc-supervisor, 0: this binary */

/* bin/airc-supervisor beside this binary when it is there (a third of the
 * CPU of starting bin/airc), else this binary's `__supervise`. */
static airc_rc supervisor_exe(airc_err *pErr) {
  if(g_zSupExe) return AIRC_OK;
  static char zSelf[4096], zSmall[4200];
  ssize_t n = readlink("/proc/self/exe", zSelf, sizeof(zSelf) - 1);
  if(n <= 0) return airc_err_set(pErr, AIRC_ERR_EXEC, "cannot find my own binary: %s", strerror(errno));
  zSelf[n] = 0;
  snprintf(zSmall, sizeof(zSmall), "%s", zSelf);
  char *zSlash = strrchr(zSmall, '/');
  if(zSlash) snprintf(zSlash + 1, sizeof(zSmall) - (size_t)(zSlash + 1 - zSmall), "airc-supervisor");
  g_bSupSmall = zSlash && access(zSmall, X_OK) == 0;
  g_zSupExe = g_bSupSmall ? zSmall : zSelf;
  return AIRC_OK;
}

airc_rc exec_spawn_supervisor(int fdA, int fdB, int fdLease, char *const azArgvIn[], pid_t *pPid, airc_err *pErr) {
  airc_rc rcExe = supervisor_exe(pErr);
  if(rcExe) return rcExe;
  char *azArgv[8];
  int nArg = 0;
  for(; azArgvIn[nArg] && nArg < 7; nArg++) azArgv[nArg] = azArgvIn[nArg];
  azArgv[nArg] = NULL;
  if(g_bSupSmall) azArgv[0] = "airc-supervisor";
  /* posix_spawn applies the dup2s in order, so a source that is a later
   * target (a low descriptor, free again once a store connection was
   * closed and remade, say) would be overwritten before it is copied: the
   * supervisor then reads its lease from the wrong file, sees end of file
   * and kills its task. Sources at or below the targets move above them. */
  int aSrc[3] = {fdA, fdB, fdLease}, aMoved[3] = {-1, -1, -1};
  for(int i = 0; i < 3; i++) {
    if(aSrc[i] < 0 || aSrc[i] > EXEC_LEASE_FD) continue;
    aMoved[i] = fcntl(aSrc[i], F_DUPFD_CLOEXEC, EXEC_LEASE_FD + 1);
    if(aMoved[i] < 0) {
      int e = errno;
      for(int k = 0; k < i; k++)
        if(aMoved[k] >= 0) close(aMoved[k]);
      return airc_err_set(pErr, AIRC_ERR_EXEC, "cannot start the supervisor: dup: %s", strerror(e));
    }
    aSrc[i] = aMoved[i];
  }
  fdA = aSrc[0];
  fdB = aSrc[1];
  fdLease = aSrc[2];
  posix_spawn_file_actions_t fa;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, fdA, SUP_REQ_FD);
  if(fdB >= 0) posix_spawn_file_actions_adddup2(&fa, fdB, SUP_LOCK_FD);
  if(fdLease >= 0) posix_spawn_file_actions_adddup2(&fa, fdLease, EXEC_LEASE_FD);
  posix_spawnattr_init(&attr);
  sigset_t empty, def;
  sigemptyset(&empty);
  sigfillset(&def); /* nothing ignored by the scheduler's starter leaks into the supervisor */
  posix_spawnattr_setsigmask(&attr, &empty);
  posix_spawnattr_setsigdefault(&attr, &def);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  extern char **environ;
  char **azEnv = environ;
  if(nArg >= 3 && !strcmp(azArgv[2], "forkserver") && !getenv("LD_BIND_NOW")) {
    /* the fork server binds every symbol of every library at its start,
     * so that its members (clones: its memory, its bound GOT) resolve
     * none of their own on a try's path; it drops the two variables
     * again at once (exec_supervise_main), so no task inherits them */
    size_t nEnv = 0;
    while(environ[nEnv]) nEnv++;
    azEnv = malloc(sizeof(char *) * (nEnv + 3));
    if(azEnv) {
      memcpy(azEnv, environ, sizeof(char *) * nEnv);
      azEnv[nEnv] = "LD_BIND_NOW=1";
      azEnv[nEnv + 1] = SUP_BIND_NOW_MARK "=1";
      azEnv[nEnv + 2] = NULL;
    } else {
      azEnv = environ;
    }
  }
  int rc = posix_spawn(pPid, g_zSupExe, &fa, &attr, azArgv, azEnv);
  if(azEnv != environ) free(azEnv);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  for(int i = 0; i < 3; i++)
    if(aMoved[i] >= 0) close(aMoved[i]);
  if(rc) return airc_err_set(pErr, AIRC_ERR_EXEC, "cannot start the supervisor %s: %s", g_zSupExe, strerror(rc));
  return AIRC_OK;
}

/* The two descriptors a supervisor starts from: the request text in a
 * memfd (*pReqFd) and the try's lock, taken here (*pLockFd). On failure
 * neither is open. */
int exec_text_memfd(const char *z) {
  int fd = memfd_create("airc-request", MFD_CLOEXEC);
  size_t n = strlen(z);
  if(fd < 0 || write_all(fd, z, n) != (ssize_t)n || lseek(fd, 0, SEEK_SET) != 0) {
    int e = errno;
    if(fd >= 0) close(fd);
    errno = e;
    return -1;
  }
  return fd;
}

static airc_rc request_fds(int64_t tiId, int tryNumber, const char *zReq, int *pReqFd, int *pLockFd,
                           airc_err *pErr) {
  int reqFd = exec_text_memfd(zReq);
  if(reqFd < 0) return airc_err_set(pErr, AIRC_ERR_IO, "task request: %s", strerror(errno));
  int lockFd = exec_lock_take(tiId, tryNumber);
  if(lockFd < 0) {
    int e = errno;
    close(reqFd);
    if(e == EAGAIN)
      return airc_err_set(pErr, AIRC_ERR_BUSY, "task instance %lld try %d is already running (its lock is held)",
                          (long long)tiId, tryNumber);
    return airc_err_set(pErr, AIRC_ERR_IO, "try lock in %s: %s", airc_path_run(), strerror(e));
  }
  *pReqFd = reqFd;
  *pLockFd = lockFd;
  return AIRC_OK;
}

airc_rc exec_spawn(const exec_request *r, exec_pool *pPool, pid_t *pPid, airc_err *pErr) {
  airc_rc rcDir = fsafe_run_folder(pErr);
  if(rcDir) return rcDir;
  json_t *pReq = request_to_json(r);
  char *zReq = pReq ? json_dumps(pReq, JSON_COMPACT) : NULL;
  json_decref(pReq);
  if(!zReq) return airc_err_set(pErr, AIRC_ERR_NOMEM, "cannot serialise the task request");
  int reqFd = -1, lockFd = -1;
  airc_rc rcFd = request_fds(r->tiId, r->ctx.tryNumber, zReq, &reqFd, &lockFd, pErr);
  free(zReq);
  if(rcFd) return rcFd;
  /* a warm supervisor takes both descriptors; the lock stays held while
   * they are in flight (see exec_pool.h) */
  if(pPool && exec_pool_hand_over(pPool, reqFd, lockFd, -1, pPid)) {
    close(reqFd);
    close(lockFd);
    return AIRC_OK;
  }
  char *azArgv[] = {"airc", "__supervise", NULL};
  airc_rc rc = exec_spawn_supervisor(reqFd, lockFd, -1, azArgv, pPid, pErr);
  close(reqFd);
  close(lockFd); /* the supervisor holds the only reference now */
  return rc;
}

/* Runs the try whose request is on reqFd (closed here) to its end: result
 * file written, doorbell rung. bLeaseFd: a lease may be on EXEC_LEASE_FD.
 * retireFd (>= 0): a pool member's socket, closed before the result is
 * written (its last try). Exits at once, with no try run, on a request that
 * cannot be read or a leased one without its lease. */
static json_t *request_load(int reqFd, log_spare *pSpare) {
  json_error_t je;
  /* the memfd read whole, then parsed (json_fd.h: not a byte per read) */
  json_t *p = json_fd_load(reqFd, EXEC_REQUEST_MAX, 0, &je);
  close(reqFd);
  if(!p) {
    /* no request, no try to speak for: the zombie sweep fails it */
    fprintf(stderr, "airc supervisor: unreadable request: %s\n", je.text);
    log_spare_drop(pSpare);
    _exit(1);
  }
  return p;
}

static exec_continue_fn g_xContinue;
void exec_set_continue(exec_continue_fn xContinue) { g_xContinue = xContinue; }

/* The try a pool member runs next without a hand-over: a link of its
 * last try's chain, queued by the member itself (chain_continue). */
typedef struct member_next {
  json_t *pReq; /* its request, with the rest of the chain (owned); NULL: none */
  int lockFd;   /* its try lock */
} member_next;

/* The environment as the member started (azMaster, never handed to
 * environ) and the working copy the tries use (member_reset). */
static char **g_azEnvMaster, **g_azEnvWork;
static size_t g_nEnv;

/* What a try left in a pool member is undone: a stop request that came
 * after the try ended, still pending, is dropped (one for the next try
 * carries that try's token: exec_stop_send; so this runs before the next
 * try can be asked to stop); the environment the task's vfork'd child
 * changed in our memory is the member's first one again: g_azEnvMaster
 * copied into g_azEnvWork, the array in use (setenv() of a variable that
 * exists writes into the array in use; one that adds a variable makes
 * glibc's own array, not ours). What setenv allocated stays allocated:
 * EXEC_MEMBER_TRIES bounds it. */
static void member_reset(void) {
  sigset_t usr1;
  sigemptyset(&usr1);
  sigaddset(&usr1, SIGUSR1);
  struct timespec zero = {0, 0};
  while(sigtimedwait(&usr1, NULL, &zero) > 0) continue;
  if(!g_azEnvMaster) return;
  extern char **environ;
  memcpy(g_azEnvWork, g_azEnvMaster, sizeof(char *) * (g_nEnv + 1));
  environ = g_azEnvWork;
}

/* 1 if the scheduler that owns this member has closed its end of the
 * member's socket (it stopped, or died): a member continues nothing then,
 * as a stopping worker does not (no task starts after the scheduler is
 * gone; the next one starts them). */
static int member_scheduler_gone(void) {
  if(g_memberFd < 0) return 1;
  struct pollfd pfd = {g_memberFd, POLLIN | POLLRDHUP, 0};
  if(poll(&pfd, 1, 0) <= 0) return 0;
  if(pfd.revents & (POLLHUP | POLLRDHUP | POLLERR | POLLNVAL)) return 1;
  char c;
  return recv(g_memberFd, &c, 1, MSG_PEEK | MSG_DONTWAIT) == 0;
}

/* Try r (request p) of a pool member succeeded without an XCom value:
 * if p carries a chain, the member queues the first link's try itself
 * (exec_continue_fn, fenced in the store) while it still holds r's lock,
 * and keeps it in *pNext with the rest of the chain; pRes then names it,
 * so that the result the scheduler reads says who runs that try. The
 * link's lock is taken first: a try whose lock someone holds is not
 * continued. */
static void chain_continue(json_t *p, const exec_request *r, exec_result *pRes, member_next *pNext) {
  if(member_scheduler_gone()) return;
  if(!json_array_size(r->pChain)) chain_take_extensions(r); /* else while the next link's task runs */
  json_t *pChain = json_object_get(p, "chain");
  json_t *pLink = json_array_get(pChain, 0);
  json_t *pReq = json_object_get(pLink, "request");
  const int64_t tiId = json_integer_value(json_object_get(pLink, "ti"));
  const int tryNumber = (int)json_integer_value(json_object_get(pLink, "try"));
  const char *zLog = json_string_value(json_object_get(pReq, "log_path"));
  if(!json_is_object(pReq) || tiId <= 0 || tryNumber < 1 || !zLog) return;
  int lockFd = exec_lock_take(tiId, tryNumber);
  if(lockFd < 0) return;
  member_reset(); /* before the try is in the store: a stop for it must not be dropped */
  const int64_t now = airc_now_us();
  if(!g_xContinue(r->tiId, r->ctx.tryNumber, tiId, tryNumber, zLog, now)) {
    close(lockFd);
    return;
  }
  json_t *pRest = json_array();
  for(size_t i = 1; pRest && i < json_array_size(pChain); i++) json_array_append(pRest, json_array_get(pChain, i));
  if(pRest) json_object_set_new(pReq, "chain", pRest);
  else json_object_del(pReq, "chain"); /* out of memory: the chain comes back to the scheduler after this link */
  pNext->pReq = json_incref(pReq);
  pNext->lockFd = lockFd;
  pRes->continuedTi = tiId;
  pRes->continuedTry = tryNumber;
  pRes->continuedUs = now;
  pRes->chainLeft = (int)json_array_size(json_object_get(pReq, "chain"));
  chain_tail(json_object_get(pReq, "chain"), tiId, tryNumber, &pRes->chainTailTi, &pRes->chainTailTry);
}

/* Runs the try of request p (consumed) to its end: result file written,
 * doorbell rung. bLeaseFd: a lease may be on EXEC_LEASE_FD. retireFd (>=
 * 0): a pool member's socket, closed before the result is written (its
 * last try). pNext (a member that comes back, else NULL): the chain's next
 * try when this one continued it (chain_continue). Exits at once, with no
 * try run, on a leased request without its lease. */
static void supervise_request(json_t *p, int bLeaseFd, log_spare *pSpare, try_fds *pPre, int retireFd,
                              member_next *pNext) {
  exec_request r;
  memset(&r, 0, sizeof(r));
  r.tiId = json_integer_value(json_object_get(p, "ti_id"));
  r.pType = task_type_find(json_string_value(json_object_get(p, "type")) ? json_string_value(json_object_get(p, "type")) : "");
  task_ctx *c = &r.ctx;
  c->zDagId = json_string_value(json_object_get(p, "dag_id"));
  c->zRunId = json_string_value(json_object_get(p, "run_id"));
  c->zTaskId = json_string_value(json_object_get(p, "task_id"));
  c->tryNumber = (int)json_integer_value(json_object_get(p, "try_number"));
  c->logicalDate = json_integer_value(json_object_get(p, "logical_date"));
  c->dataIntervalStart = json_integer_value(json_object_get(p, "data_interval_start"));
  c->dataIntervalEnd = json_integer_value(json_object_get(p, "data_interval_end"));
  c->pOptions = json_object_get(p, "options");
  c->pParams = json_object_get(p, "params");
  c->pConf = json_object_get(p, "conf");
  c->pUpstreamXcom = json_object_get(p, "upstream_xcom");
  c->zAircHome = airc_home();
  r.tctx = (template_ctx){c->zDagId, c->zRunId, c->zTaskId, c->tryNumber, c->logicalDate,
                          c->dataIntervalStart, c->dataIntervalEnd, c->pParams, c->pConf,
                          json_object_get(p, "xcom"), json_object_get(p, "conn"), json_object_get(p, "vars"),
                          json_object_get(p, "item"), (int)json_integer_value(json_object_get(p, "map_index"))};
  r.pMask = json_object_get(p, "mask");
  if(r.pType && r.pType->pPlugin && c->pOptions) {
    /* a plugin's options described as secret are masked like passwords */
    if(!r.pMask) json_object_set_new(p, "mask", json_array());
    r.pMask = json_object_get(p, "mask");
    task_plugin_add_secrets(r.pType, c->pOptions, r.pMask);
  }
  r.zLogPath = json_string_value(json_object_get(p, "log_path"));
  if(pNext && g_xContinue) r.pChain = json_object_get(p, "chain");
  r.zCwd = json_string_value(json_object_get(p, "cwd"));
  r.timeoutSec = json_integer_value(json_object_get(p, "timeout"));
  r.killGraceSec = json_integer_value(json_object_get(p, "kill_grace"));
  r.maxLogBytes = (size_t)json_integer_value(json_object_get(p, "max_log_bytes"));
  json_t *pLease = json_object_get(p, "lease");
  if(pLease && !bLeaseFd) {
    /* a leased try handed over without its lease pipe: never run it
     * unfenced; the worker records the missing result as a failure */
    fprintf(stderr, "airc supervisor: a leased try came without its lease descriptor\n");
    log_spare_drop(pSpare);
    _exit(1);
  }
  if(pLease) {
    r.bLease = 1;
    r.leaseUntilUs = json_integer_value(json_object_get(pLease, "until_us"));
    r.leaseMarginUs = json_integer_value(json_object_get(pLease, "margin_us"));
    fcntl(EXEC_LEASE_FD, F_SETFD, FD_CLOEXEC); /* no program the task execs keeps it */
    fcntl(EXEC_LEASE_FD, F_SETFL, O_NONBLOCK);
  }
  exec_result res;
  airc_err err = {0};
  if(!r.pType || !c->zDagId || !c->zRunId || !c->zTaskId || !r.zLogPath) {
    memset(&res, 0, sizeof(res));
    res.tiId = r.tiId;
    res.tryNumber = c->tryNumber;
    res.outcome = EXEC_OUTCOME_FAILED;
    res.exitCode = -1;
    res.startUs = res.endUs = airc_now_us();
    snprintf(res.zReason, sizeof(res.zReason), "bad request to the supervisor (unknown task type?)");
  } else {
    supervise(&r, 0, pSpare, pPre, &res, &err);
  }
  if(pNext && g_xContinue && !r.bLease && res.outcome == EXEC_OUTCOME_SUCCESS && !res.pXcom)
    chain_continue(p, &r, &res, pNext);
  /* a chain's next log made ahead and not continued: removed before the
   * result, which lets the scheduler start that try elsewhere (a drop
   * after it could remove that try's log) */
  if(!res.continuedTi && pSpare && pSpare->bLog) log_spare_drop(pSpare);
  if(retireFd >= 0) close(retireFd); /* before the result: no try is handed to us after it (exec_pool.h) */
  char zResult[4200];
  exec_result_path(r.tiId, c->tryNumber, zResult, sizeof(zResult));
  airc_err werr = {0};
  if(fsafe_run_folder(&werr) || exec_result_write(&res, zResult, &werr)) {
    /* nothing else can record it: the zombie sweep will fail the try */
    fprintf(stderr, "airc supervisor: %s\n", airc_err_msg(&werr));
  }
  if(r.bLease) {
    /* the worker's socketpair (exec_spawn.h); on a pipe's read end this
     * fails and the worker waits for our exit instead */
    char cDone = EXEC_LEASE_DONE;
    ssize_t nDone = send(EXEC_LEASE_FD, &cDone, 1, MSG_DONTWAIT | MSG_NOSIGNAL);
    (void)nDone;
  }
  /* "continued": the scheduler reads it a little later (SCHED_CONTINUED_DELAY_US),
   * and the ring waits for the next link's task to begin (g_bContinuedRingDue) */
  if(res.continuedTi) {
    g_bContinuedRingDue = 1;
    g_continuedLeft = res.chainLeft;
  } else {
    g_bContinuedRingDue = 0; /* a "result" ring reads every result there is */
    ring("result");
  }
  /* the ring wakes the scheduler onto this CPU (a unix socket's wake-up
   * is "sync": the kernel expects the sender to sleep), where it would
   * wait out this process's exit, or a member's preparation for its next
   * try (0.1 ms: a third of the rings of a chain); yielded to, it runs at
   * once and they wait instead. Not when this member runs the chain's
   * next try itself: that try goes first, the scheduler's reading of
   * this result is off its path */
  if(!res.continuedTi) sched_yield();
  exec_result_clear(&res);
  json_decref(p);
  if(!res.continuedTi) {
    log_spare_drop(pSpare); /* after the doorbell: off the try's critical path */
    try_fds_close(pPre);    /* a try that ended before its task began */
  } /* else they are the continued try's (supervise) */
}

/* A pool member's try has ended (result written, doorbell rung): the
 * try's lock is let go (its result is in place, as when a supervisor
 * exits) and what it left in this process is undone (member_reset),
 * unless that was done already because the member continued its chain. */
static void member_between_tries(int lockFd, int bContinued) {
  close(lockFd);
  if(!bContinued) member_reset(); /* else done before the next try was queued (chain_continue) */
}

/* `airc __supervise`: reads the request from descriptor 3, runs the try,
 * writes its result, rings the doorbell. Holds descriptor 4 (the try's
 * lock) until it exits. `airc __supervise pool N` first waits (at most N
 * seconds) for the scheduler to hand it both descriptors through the
 * socket on descriptor 3 (exec_pool.h); `airc __supervise forkserver N`
 * forks such members on request until its socket closes. Never returns. */
void exec_supervise_main(int argc, char **argv) {
  /* from a known state: every disposition default (whatever the starter
   * left ignored), then only the four below (g_bSignalsKnown) */
  signals_reset_all();
  g_bSignalsKnown = 1;
  sigset_t usr1;
  sigemptyset(&usr1);
  sigaddset(&usr1, SIGUSR1); /* a stop request: read by supervise(), never unblocked */
  sigprocmask(SIG_BLOCK, &usr1, NULL);
  signal(SIGTERM, SIG_IGN); /* a scheduler's Ctrl-C must not kill running tries */
  signal(SIGINT, SIG_IGN);
  signal(SIGHUP, SIG_IGN);
  signal(SIGPIPE, SIG_IGN);
  int bPool = argc >= 4 && !strcmp(argv[2], "pool");
  int bServer = argc >= 4 && !strcmp(argv[2], "forkserver");
  log_spare spare = {{0}, {0}, -1, 0}; /* nothing held */
  try_fds pre = {{-1, -1}, {-1, -1}, -1};
  if(!bServer && !bPool) {
    /* posix_spawn's dup2 cleared close-on-exec on the lock: set it again, so
     * that no program the task execs (a detached spark-submit, say) keeps the
     * try looking alive after the supervisor is gone */
    fcntl(SUP_LOCK_FD, F_SETFD, FD_CLOEXEC);
    supervise_request(request_load(SUP_REQ_FD, &spare),
                      1 /* a spawned supervisor has its lease (if any) on EXEC_LEASE_FD */, &spare, &pre, -1, NULL);
    _exit(0);
  }
  int sockFd = SUP_REQ_FD;
  if(bServer) {
    if(getenv(SUP_BIND_NOW_MARK)) { /* set for our loader only (exec_spawn_supervisor) */
      unsetenv("LD_BIND_NOW");
      unsetenv(SUP_BIND_NOW_MARK);
    }
    (void)log_spare_sweep(airc_path_logs()); /* those of members killed before */
    /* done once here, inherited by every member: jansson's hash seed
     * (else each member reads /dev/urandom when it parses its request)
     * and the run folder's ownership check (fsafe.h: a folder that is
     * ours and 0700 stays ours) */
    json_object_seed(0);
    airc_err dirErr = {0};
    if(fsafe_run_folder(&dirErr)) {
      /* each member's own call reports it (the answer is kept) */
    } else {
      g_bellFd = fd_above_lease(wake_connect()); /* each member rings with one send() */
    }
    /* the fork server (exec_pool.h): returns only in a new member, which
     * shows as `__supervise pool N` in ps from then on */
    sockFd = exec_pool_serve_forks(SUP_REQ_FD, atoi(argv[3]));
    size_t nArg = strlen(argv[2]);
    if(nArg >= 4) {
      memset(argv[2], 0, nArg);
      memcpy(argv[2], "pool", 4);
    }
  }
  g_memberFd = sockFd;
  /* the environment as the member started, for each try (member_reset) */
  extern char **environ;
  size_t nEnv = 0;
  while(environ[nEnv]) nEnv++;
  char **azEnv = malloc(sizeof(char *) * 2 * (nEnv + 1)); /* the master, then the working copy */
  if(!azEnv) _exit(1); /* no try taken: the scheduler uses another member */
  memcpy(azEnv, environ, sizeof(char *) * (nEnv + 1));
  g_azEnvMaster = azEnv;
  g_azEnvWork = azEnv + nEnv + 1;
  g_nEnv = nEnv;
  member_next next = {NULL, -1};
  for(int nTry = 1;; nTry++) {
    /* idle until a try comes: its log folder and file are made now, unless
     * the try is waiting already (then they would only delay it) or is
     * the chain's next one, this member's own (chain_continue) */
    struct pollfd pfd = {sockFd, POLLIN, 0};
    if(!next.pReq && poll(&pfd, 1, 0) == 0) {
      log_spare_make(&spare, airc_path_logs()); /* the try to come is not known yet */
      spare.fdFile = fd_above_lease(spare.fdFile);
      try_fds_make(&pre);
      if(nTry == 1) exec_prefault(); /* exec_prefault.h: the try's page faults, taken now (they stay) */
    }
    /* close-on-exec, both: no program the task execs keeps them */
    int reqFd = -1, lockFd = next.lockFd, bLeaseFd = 0;
    if(!next.pReq && exec_pool_wait_request(sockFd, atoi(argv[3]), &reqFd, &lockFd, &bLeaseFd)) {
      log_spare_drop(&spare);
      _exit(0);
    }
    const int bLast = nTry >= EXEC_MEMBER_TRIES;
    json_t *pReq = next.pReq ? next.pReq : request_load(reqFd, &spare);
    next.pReq = NULL;
    supervise_request(pReq, bLeaseFd, &spare, &pre, bLast ? sockFd : -1, bLast || bLeaseFd ? NULL : &next);
    /* a leased try's member is a worker's (one try each: its pool closed
     * our socket at the hand-over) */
    if(bLast || bLeaseFd) _exit(0);
    member_between_tries(lockFd, next.pReq != NULL);
  }
}

airc_rc exec_run_foreground(const exec_request *r, exec_result *pRes, airc_err *pErr) {
  supervise(r, 1, NULL, NULL, pRes, pErr);
  return AIRC_OK;
}

/* ---- the distributed executor's additions (docs/scaling.md) ---- */

json_t *exec_request_json(const exec_request *r) { return request_to_json(r); }

airc_rc exec_spawn_json(int64_t tiId, int tryNumber, const char *zReq, int leaseFd, exec_pool *pPool, pid_t *pPid,
                        airc_err *pErr) {
  airc_rc rcDir = fsafe_run_folder(pErr);
  if(rcDir) return rcDir;
  int reqFd = -1, lockFd = -1;
  airc_rc rcFd = request_fds(tiId, tryNumber, zReq, &reqFd, &lockFd, pErr);
  if(rcFd) return rcFd;
  /* a warm supervisor takes all three, the lease pipe's read end installed
   * on its EXEC_LEASE_FD (exec_pool.h) */
  if(pPool && exec_pool_hand_over(pPool, reqFd, lockFd, leaseFd, pPid)) {
    close(reqFd);
    close(lockFd);
    return AIRC_OK;
  }
  char *azArgv[] = {"airc", "__supervise", NULL};
  airc_rc rc = exec_spawn_supervisor(reqFd, lockFd, leaseFd, azArgv, pPid, pErr);
  close(reqFd);
  close(lockFd);
  return rc;
}
