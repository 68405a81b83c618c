/* cmd_scheduler.c: `airc scheduler` and `airc standalone`. */
#include "cli/cli.h"
#include "cli/commands.h"
#include "common/config.h"
#include "common/log.h"
#include "scheduler/scheduler.h"
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int cmd_scheduler(int argc, char **argv) {
  for(int i = 1; i < argc; i++) {
    if(!strcmp(argv[i], "-v") || !strcmp(argv[i], "--verbose")) airc_log_set_level(AIRC_LOG_DEBUG);
    else return cli_usage_error("scheduler", "unexpected argument '%s'", argv[i]);
  }
  store *s = cli_open_store(); /* creates and migrates the store */
  if(!s) return CLI_FAIL;
  store_close(s);
  scheduler_opts o = {0, 0, 0};
  airc_err err = {0};
  if(scheduler_run(&o, &err)) return cli_fail_err(&err);
  return CLI_OK;
}

/* Runs the scheduler and, when built in, the web server, as two child
 * processes; stops both when either ends or on SIGTERM/SIGINT. */
int cmd_standalone(int argc, char **argv) {
  if(!cmd_webserver) {
    fprintf(stderr, "airc: note: this build has no web server; running the scheduler only\n");
    return cmd_scheduler(argc, argv);
  }
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
      argv[0] = "webserver";
      _exit(cmd_webserver(argc, argv));
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
