/* stream_job.c: see stream_job.h.
 *
 * Processes: the child is put in its own process group (available_now) or
 * session (continuous) so that a timeout can stop spark-submit together
 * with the JVM and Python processes under it (kill of -pgid). Exec failure
 * travels back through a close-on-exec pipe (libuv's trick): the parent
 * reads either EOF (exec succeeded) or the child's errno. */
#include "providers/spark/stream_job.h"
#include "common/fsafe.h"
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "common/timeutil.h"

#define STREAM_MAX_ARGS 40

static volatile sig_atomic_t g_bTerm; /* SIGTERM/SIGINT seen while waiting */
static void stream_on_term(int sig) { (void)sig; g_bTerm = 1; }

airc_rc stream_job_mkdirs(const char *zPath, airc_err *pErr) {
  char z[4096];
  if(snprintf(z, sizeof(z), "%s", zPath) >= (int)sizeof(z))
    return airc_err_set(pErr, AIRC_ERR_TOOBIG, "path too long: %s", zPath);
  for(char *p = z + 1;; p++) {
    if(*p == '/' || *p == 0) {
      char c = *p;
      *p = 0;
      if(mkdir(z, 0700) != 0 && errno != EEXIST)
        return airc_err_set(pErr, AIRC_ERR_IO, "mkdir %s: %s", z, strerror(errno));
      *p = c;
      if(!c) break;
    }
  }
  return AIRC_OK;
}

airc_rc stream_job_argv(const stream_job_opts *o, const char *zReady, char ***pazArgv,
                        airc_err *pErr) {
  const char *az[STREAM_MAX_ARGS];
  char zHostConf[600], zPortConf[80], zPort[16];
  int n = 0;
  snprintf(zHostConf, sizeof(zHostConf), "spark.cassandra.connection.host=%s", o->zCassHost);
  snprintf(zPortConf, sizeof(zPortConf), "spark.cassandra.connection.port=%d", o->cassPort);
  snprintf(zPort, sizeof(zPort), "%d", o->cassPort);
  az[n++] = o->zSparkSubmit;
  az[n++] = "--master"; az[n++] = o->zMaster;
  if(o->zJars && *o->zJars) { az[n++] = "--jars"; az[n++] = o->zJars; }
  az[n++] = "--conf"; az[n++] = zHostConf;
  az[n++] = "--conf"; az[n++] = zPortConf;
  az[n++] = o->zJob;
  az[n++] = "--mode"; az[n++] = o->bContinuous ? "continuous" : "available_now";
  az[n++] = "--checkpoint"; az[n++] = o->zCheckpoint;
  az[n++] = "--topic"; az[n++] = o->zTopic;
  az[n++] = "--bootstrap-servers"; az[n++] = o->zBootstrap;
  az[n++] = "--cassandra-host"; az[n++] = o->zCassHost;
  az[n++] = "--cassandra-port"; az[n++] = zPort;
  if(o->zKeyspace && *o->zKeyspace) { az[n++] = "--keyspace"; az[n++] = o->zKeyspace; }
  if(o->zTable && *o->zTable) { az[n++] = "--table"; az[n++] = o->zTable; }
  if(o->zFormat && !strcmp(o->zFormat, "avro")) {
    az[n++] = "--format"; az[n++] = "avro";
    if(o->zRegistryUrl && *o->zRegistryUrl) { az[n++] = "--registry-url"; az[n++] = o->zRegistryUrl; }
  }
  if(o->zCassReplication && *o->zCassReplication) {
    az[n++] = "--cassandra-replication-factor"; az[n++] = o->zCassReplication;
  }
  if(o->zCassWriteCl && *o->zCassWriteCl) {
    az[n++] = "--cassandra-write-consistency"; az[n++] = o->zCassWriteCl;
  }
  if(zReady) { az[n++] = "--ready-file"; az[n++] = zReady; }
  /* one block: the pointer array, then the strings */
  size_t nBytes = sizeof(char *) * (size_t)(n + 1);
  for(int i = 0; i < n; i++) nBytes += strlen(az[i]) + 1;
  char **a = malloc(nBytes);
  if(!a) return airc_err_set(pErr, AIRC_ERR_NOMEM, "out of memory");
  char *z = (char *)(a + n + 1);
  for(int i = 0; i < n; i++) {
    size_t k = strlen(az[i]) + 1;
    memcpy(z, az[i], k);
    a[i] = z;
    z += k;
  }
  a[n] = NULL;
  *pazArgv = a;
  return AIRC_OK;
}

/* Prints the command line as one progress line. */
static void stream_print_argv(char **azArgv) {
  printf("trigger-stream-job: running");
  for(int i = 0; azArgv[i]; i++) printf(" %s", azArgv[i]);
  printf("\n");
  fflush(stdout);
}

/* Forks and execs azArgv. bDetach: new session, stdio to zLog, fdKeep
 * inherited (the lock). Otherwise: new process group, stdio inherited.
 * Returns AIRC_ERR_EXEC with the child's errno when exec failed. */
static airc_rc stream_spawn(char **azArgv, int bDetach, const char *zLog, int fdKeep,
                            const char *zPidFile, pid_t *pPid, airc_err *pErr) {
  int aPipe[2];
  if(pipe2(aPipe, O_CLOEXEC) != 0)
    return airc_err_set(pErr, AIRC_ERR_EXEC, "pipe: %s", strerror(errno));
  fflush(stdout);
  fflush(stderr);
  pid_t pid = fork();
  if(pid < 0) {
    close(aPipe[0]);
    close(aPipe[1]);
    return airc_err_set(pErr, AIRC_ERR_EXEC, "fork: %s", strerror(errno));
  }
  if(pid == 0) {
    int err = 0;
    signal(SIGTERM, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    if(bDetach) {
      if(setsid() < 0) err = errno;
      int fdNull = open("/dev/null", O_RDONLY);
      int fdLog = open(zLog, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW, 0600);
      if(fdNull < 0 || fdLog < 0) err = errno;
      if(!err && (dup2(fdNull, 0) < 0 || dup2(fdLog, 1) < 0 || dup2(fdLog, 2) < 0)) err = errno;
      if(!err && fdKeep >= 0) fcntl(fdKeep, F_SETFD, 0); /* the lock lives with the job */
      if(!err && zPidFile) {
        int fdPid = fsafe_create(zPidFile); /* fresh, 0600, never through a symlink */
        FILE *f = fdPid >= 0 ? fdopen(fdPid, "w") : NULL;
        if(f) { fprintf(f, "%d\n", (int)getpid()); fclose(f); }
        else if(fdPid >= 0) close(fdPid);
      }
    } else if(setpgid(0, 0) < 0) {
      err = errno;
    }
    if(!err) {
      execvp(azArgv[0], azArgv);
      err = errno;
    }
    ssize_t w;
    do w = write(aPipe[1], &err, sizeof(err)); while(w < 0 && errno == EINTR);
    _exit(127);
  }
  close(aPipe[1]);
  int err = 0;
  ssize_t r;
  do r = read(aPipe[0], &err, sizeof(err)); while(r < 0 && errno == EINTR);
  close(aPipe[0]);
  if(r == (ssize_t)sizeof(err)) {
    int st;
    while(waitpid(pid, &st, 0) < 0 && errno == EINTR) {}
    return airc_err_set(pErr, AIRC_ERR_EXEC, "cannot run %s: %s", azArgv[0], strerror(err));
  }
  *pPid = pid;
  return AIRC_OK;
}

static void stream_sleep_ms(int ms) {
  struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000};
  nanosleep(&ts, NULL); /* an interrupting signal just ends the nap early */
}

/* Stops process group pgid: SIGTERM, then SIGKILL after 5 s; reaps pid. */
static void stream_stop_group(pid_t pgid) {
  int st;
  kill(-pgid, SIGTERM);
  for(int i = 0; i < 50; i++) {
    if(waitpid(pgid, &st, WNOHANG) == pgid) return;
    stream_sleep_ms(100);
  }
  kill(-pgid, SIGKILL);
  while(waitpid(pgid, &st, 0) < 0 && errno == EINTR) {}
}

static int stream_exit_code(int st) {
  if(WIFEXITED(st)) return WEXITSTATUS(st);
  if(WIFSIGNALED(st)) return 128 + WTERMSIG(st);
  return 1;
}

static void stream_catch_term(struct sigaction *aOld) {
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = stream_on_term; /* no SA_RESTART: waits wake up */
  sigemptyset(&sa.sa_mask);
  g_bTerm = 0;
  sigaction(SIGTERM, &sa, &aOld[0]);
  sigaction(SIGINT, &sa, &aOld[1]);
}

static void stream_restore_term(const struct sigaction *aOld) {
  sigaction(SIGTERM, &aOld[0], NULL);
  sigaction(SIGINT, &aOld[1], NULL);
}

static airc_rc stream_run_available_now(const stream_job_opts *o, stream_job_result *pOut,
                                        airc_err *pErr) {
  char **azArgv = NULL;
  pid_t pid = 0;
  airc_rc rc = stream_job_argv(o, NULL, &azArgv, pErr);
  if(rc) return rc;
  stream_print_argv(azArgv);
  struct sigaction aOld[2];
  stream_catch_term(aOld);
  rc = stream_spawn(azArgv, 0, NULL, -1, NULL, &pid, pErr);
  int64_t deadlineUs = airc_now_us() + o->timeoutMs * 1000;
  while(!rc) {
    int st;
    pid_t w = waitpid(pid, &st, WNOHANG);
    if(w == pid) { pOut->exitCode = stream_exit_code(st); break; }
    if(w < 0 && errno != EINTR) {
      rc = airc_err_set(pErr, AIRC_ERR_EXEC, "waitpid: %s", strerror(errno));
      break;
    }
    if(g_bTerm || airc_now_us() >= deadlineUs) {
      stream_stop_group(pid);
      pOut->exitCode = -1;
      rc = g_bTerm ? airc_err_set(pErr, AIRC_ERR_STATE, "stopped: the task was terminated")
                   : airc_err_set(pErr, AIRC_ERR_TIMEOUT, "spark-submit still running after %llds: stopped it",
                                  (long long)(o->timeoutMs / 1000));
      break;
    }
    stream_sleep_ms(100);
  }
  stream_restore_term(aOld);
  free(azArgv);
  return rc;
}

/* Pid in zPidFile, or 0. */
static pid_t stream_read_pid(const char *zPidFile) {
  FILE *f = fopen(zPidFile, "r");
  int pid = 0;
  if(f) {
    if(fscanf(f, "%d", &pid) != 1) pid = 0;
    fclose(f);
  }
  return (pid_t)pid;
}

static airc_rc stream_run_continuous(const stream_job_opts *o, stream_job_result *pOut,
                                     airc_err *pErr) {
  char zLock[4200], zPid[4200], zReady[4200];
  snprintf(zLock, sizeof(zLock), "%s/stream-%s.lock", o->zRunDir, o->zName);
  snprintf(zPid, sizeof(zPid), "%s/stream-%s.pid", o->zRunDir, o->zName);
  snprintf(zReady, sizeof(zReady), "%s/stream-%s.ready", o->zRunDir, o->zName);
  snprintf(pOut->zLog, sizeof(pOut->zLog), "%s/%s.log", o->zLogDir, o->zName);
  airc_rc rc = stream_job_mkdirs(o->zRunDir, pErr);
  if(!rc) rc = stream_job_mkdirs(o->zLogDir, pErr);
  if(rc) return rc;
  int fd = fsafe_open(zLock, O_RDWR | O_CREAT); /* 0600, no symlink */
  if(fd < 0) return airc_err_set(pErr, AIRC_ERR_IO, "open %s: %s", zLock, strerror(errno));
  if(flock(fd, LOCK_EX | LOCK_NB) != 0) {
    close(fd);
    if(errno != EWOULDBLOCK) return airc_err_set(pErr, AIRC_ERR_IO, "flock %s: %s", zLock, strerror(errno));
    /* a live job holds it; its pid file may be a moment behind its start */
    for(int i = 0; i < 10 && (pOut->pid = stream_read_pid(zPid)) == 0; i++) stream_sleep_ms(100);
    pOut->bStarted = 0;
    printf("trigger-stream-job: streaming job '%s' already running (pid %d, lock %s)\n", o->zName,
           (int)pOut->pid, zLock);
    fflush(stdout);
    return AIRC_OK;
  }
  /* we hold the lock: no job is running; start one that inherits it */
  unlink(zReady);
  unlink(zPid);
  char **azArgv = NULL;
  pid_t pid = 0;
  rc = stream_job_argv(o, zReady, &azArgv, pErr);
  if(!rc) {
    stream_print_argv(azArgv);
    printf("trigger-stream-job: output goes to %s\n", pOut->zLog);
    rc = stream_spawn(azArgv, 1, pOut->zLog, fd, zPid, &pid, pErr);
  }
  free(azArgv);
  close(fd); /* the child's copy keeps the lock */
  if(rc) return rc;
  pOut->pid = pid;
  pOut->bStarted = 1;
  struct sigaction aOld[2];
  stream_catch_term(aOld);
  int64_t t0 = airc_now_us(), deadlineUs = t0 + o->timeoutMs * 1000;
  while(!rc) {
    int st;
    if(access(zReady, F_OK) == 0) {
      printf("trigger-stream-job: streaming query active after %.1fs (pid %d)\n",
             (double)(airc_now_us() - t0) / 1e6, (int)pid);
      fflush(stdout);
      break;
    }
    if(waitpid(pid, &st, WNOHANG) == pid) {
      rc = airc_err_set(pErr, AIRC_ERR_EXEC, "streaming job exited with code %d before its query was active; see %s",
                        stream_exit_code(st), pOut->zLog);
      break;
    }
    if(g_bTerm || airc_now_us() >= deadlineUs) {
      stream_stop_group(pid);
      rc = g_bTerm ? airc_err_set(pErr, AIRC_ERR_STATE, "stopped: the task was terminated")
                   : airc_err_set(pErr, AIRC_ERR_TIMEOUT,
                                  "streaming query not active within %llds: stopped the job; see %s",
                                  (long long)(o->timeoutMs / 1000), pOut->zLog);
      break;
    }
    stream_sleep_ms(200);
  }
  stream_restore_term(aOld);
  return rc;
}

airc_rc stream_job_run(const stream_job_opts *o, stream_job_result *pOut, airc_err *pErr) {
  memset(pOut, 0, sizeof(*pOut));
  /* set even when empty: an empty value tells the job "no PostgreSQL" even
   * if AIRC__POSTGRES__URL is in the environment (the task's config won) */
  if(setenv("AIRC_SPARK_POSTGRES_URL", o->zPgUrl ? o->zPgUrl : "", 1) != 0)
    return airc_err_set(pErr, AIRC_ERR_NOMEM, "setenv AIRC_SPARK_POSTGRES_URL: %s", strerror(errno));
  airc_rc rc = stream_job_mkdirs(o->zCheckpoint, pErr);
  if(rc) return rc;
  return o->bContinuous ? stream_run_continuous(o, pOut, pErr)
                        : stream_run_available_now(o, pOut, pErr);
}
