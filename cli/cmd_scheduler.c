/* cmd_scheduler.c: `airc scheduler` and `airc standalone`. */
#include "cli/cli.h"
#include "cli/commands.h"
#include "common/config.h"
#include "common/log.h"
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
