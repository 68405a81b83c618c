/* cmd_scheduler.c: `airc scheduler` and `airc standalone`. */
#include "cli/cli.h"
#include "cli/commands.h"
#include "common/config.h"
#include "common/log.h"
#include "executor/exec_worker.h"
#include "scheduler/scheduler.h"
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int cmd_scheduler(int argc, char **argv) {
  const char *zStats = NULL;
  for(int i = 1; i < argc; i++) {
    if(!strcmp(argv[i], "-v") || !strcmp(argv[i], "--verbose")) airc_log_set_level(AIRC_LOG_DEBUG);
    else if(!strcmp(argv[i], "--stats-file") && i + 1 < argc) zStats = argv[++i];
    else if(!strncmp(argv[i], "--stats-file=", 13)) zStats = argv[i] + 13;
    else if(!strcmp(argv[i], "--stats-file")) return cli_usage_error("scheduler", "--stats-file needs a file name");
    else return cli_usage_error("scheduler", "unexpected argument '%s'", argv[i]);
  }
  cli_check_home();
  store *s = cli_open_store(); /* creates and migrates the store */
  if(!s) return CLI_FAIL;
  store_close(s);
  scheduler_opts o = {0, 0, 0, zStats};
  airc_err err = {0};
  if(scheduler_run(&o, &err)) return cli_fail_err(&err);
  return CLI_OK;
}

/* `airc worker`: see exec_worker.h. */
/* GnuTLS reaches `airc` only as a dependency of libpq's LDAP library,
 * which initializes it itself before any use; left alone, GnuTLS also
 * initializes itself when loaded (and loads p11-kit): about 1.5 MB of an
 * idle worker's resident memory. So the worker executes itself once more
 * with GNUTLS_NO_IMPLICIT_INIT=1, and then takes it out of the
 * environment again so that its tasks do not inherit it. Nothing happens
 * if the user set it, or if the exec fails (the worker then runs as is). */
static void worker_exec_lean(int argc, char **argv) {
  if(getenv("AIRC_WORKER_LEAN")) {
    unsetenv("AIRC_WORKER_LEAN");
    unsetenv("GNUTLS_NO_IMPLICIT_INIT");
    return;
  }
  if(getenv("GNUTLS_NO_IMPLICIT_INIT") || argc > 60) return;
  char *azArg[64] = {"airc"};
  for(int i = 0; i < argc; i++) azArg[i + 1] = argv[i];
  azArg[argc + 1] = NULL;
  setenv("AIRC_WORKER_LEAN", "1", 1);
  setenv("GNUTLS_NO_IMPLICIT_INIT", "1", 1);
  execv("/proc/self/exe", azArg);
  unsetenv("AIRC_WORKER_LEAN");
  unsetenv("GNUTLS_NO_IMPLICIT_INIT");
}

int cmd_worker(int argc, char **argv) {
  worker_exec_lean(argc, argv);
  exec_worker_opts o;
  memset(&o, 0, sizeof(o));
  static char zQueues[1024];
  for(int i = 1; i < argc; i++) {
    const char *zArg = argv[i];
    if(!strcmp(zArg, "-v") || !strcmp(zArg, "--verbose")) {
      airc_log_set_level(AIRC_LOG_DEBUG);
    } else if(!strcmp(zArg, "--name") && i + 1 < argc) {
      o.zName = argv[++i];
      if(!*o.zName || strlen(o.zName) > 200) return cli_usage_error("worker", "--name must be 1..200 characters");
    } else if(!strcmp(zArg, "--queues") && i + 1 < argc) {
      snprintf(zQueues, sizeof(zQueues), "%s", argv[++i]);
      for(char *z = strtok(zQueues, ","); z; z = strtok(NULL, ",")) {
        while(*z == ' ') z++;
        if(!*z) continue;
        if(o.nQueue == EXEC_WORKER_MAX_QUEUES)
          return cli_usage_error("worker", "--queues: at most %d queues", EXEC_WORKER_MAX_QUEUES);
        o.azQueue[o.nQueue++] = z;
      }
      if(!o.nQueue) return cli_usage_error("worker", "--queues needs at least one queue name");
    } else if(!strcmp(zArg, "--concurrency") && i + 1 < argc) {
      char *zEnd = NULL;
      long n = strtol(argv[++i], &zEnd, 10);
      if(!*argv[i] || *zEnd || n < 1 || n > 1024)
        return cli_usage_error("worker", "--concurrency must be a whole number 1..1024, not '%s'", argv[i]);
      o.nConcurrency = (int)n;
    } else {
      return cli_usage_error("worker", "unexpected argument '%s'", zArg);
    }
  }
  cli_check_home();
  store *s = cli_open_store(); /* creates and migrates the store */
  if(!s) return CLI_FAIL;
  store_close(s);
  airc_err err = {0};
  if(exec_worker_run(&o, &err)) return cli_fail_err(&err);
  return CLI_OK;
}

void cli_sibling_path(const char *zName, char *zOut, size_t nOut) {
  char zSelf[4096];
  ssize_t n = readlink("/proc/self/exe", zSelf, sizeof(zSelf) - 1);
  if(n <= 0) {
    snprintf(zOut, nOut, "%s", zName);
    return;
  }
  zSelf[n] = 0;
  char *zSlash = strrchr(zSelf, '/');
  if(zSlash) *zSlash = 0;
  snprintf(zOut, nOut, "%s/%s", zSelf, zName);
}

int cmd_webserver_exec(int argc, char **argv) {
  char zPath[4200];
  cli_sibling_path("airc-webserver", zPath, sizeof(zPath));
  char **azArgv = calloc((size_t)argc + 1, sizeof(char *));
  if(!azArgv) return cli_error("out of memory");
  azArgv[0] = "airc-webserver";
  for(int i = 1; i < argc; i++) azArgv[i] = argv[i];
  execv(zPath, azArgv);
  int e = errno;
  free(azArgv);
  return cli_error("cannot run the web server %s: %s (build it with 'make')", zPath, strerror(e));
}

/* Runs the scheduler and the web server as two child processes; stops both
 * when either ends or on SIGTERM/SIGINT. */
int cmd_standalone(int argc, char **argv) {
  char zWeb[4200];
  cli_sibling_path("airc-webserver", zWeb, sizeof(zWeb));
  if(access(zWeb, X_OK)) {
    fprintf(stderr, "airc: note: %s is not built; running the scheduler only\n", zWeb);
    return cmd_scheduler(1, argv);
  }
  cli_check_home();
  store *s = cli_open_store();
  if(!s) return CLI_FAIL;
  store_close(s);
  sigset_t mask, old;
  sigemptyset(&mask);
  sigaddset(&mask, SIGTERM);
  sigaddset(&mask, SIGINT);
  sigaddset(&mask, SIGCHLD);
  sigprocmask(SIG_BLOCK, &mask, &old);
  pid_t aPid[2];
  for(int i = 0; i < 2; i++) {
    aPid[i] = fork();
    if(aPid[i] < 0) return cli_error("fork: %s", strerror(errno));
    if(aPid[i] == 0) {
      sigprocmask(SIG_SETMASK, &old, NULL);
      if(i == 0) {
        char *azArg[] = {"scheduler", NULL};
        _exit(cmd_scheduler(1, azArg));
      }
      _exit(cmd_webserver_exec(argc, argv));
    }
  }
  int sig = 0, ret = CLI_OK;
  while(sigwait(&mask, &sig) == 0) {
    if(sig == SIGCHLD) {
      int status;
      pid_t p = waitpid(-1, &status, WNOHANG);
      if(p == aPid[0] || p == aPid[1]) {
        fprintf(stderr, "airc standalone: the %s exited; stopping\n", p == aPid[0] ? "scheduler" : "web server");
        ret = CLI_FAIL;
        break;
      }
      continue;
    }
    break;
  }
  for(int i = 0; i < 2; i++) kill(aPid[i], SIGTERM);
  for(int i = 0; i < 2; i++) waitpid(aPid[i], NULL, 0);
  return ret;
}
