/* cmd_worker.c: `airc worker` (executor/exec_worker.h), and the body of
 * bin/airc-worker.
 *
 * An idle worker is meant to cost little memory (docs/scaling.md, goal
 * < 8 MB resident), but bin/airc maps libcurl and its dozen dependencies
 * for the scheduler's http sensors. So `airc worker` replaces itself with
 * bin/airc-worker, a sibling binary linked with the store's libraries
 * only (no libcurl, no librdkafka, no libmicrohttpd), and runs in-process
 * only when that binary is missing (a partial install).
 *
 * GnuTLS still reaches the worker as a dependency of libpq's LDAP
 * library, which initializes it itself before any use; left alone, GnuTLS
 * also initializes itself when loaded (and loads p11-kit): about 1.5 MB.
 * So the exec sets GNUTLS_NO_IMPLICIT_INIT=1, and the worker, once it has
 * loaded libpq (dlopen'ed, store/pq_lazy.h), takes it out of its
 * environment again (with AIRC_WORKER_LEAN, its marker) so that its
 * tasks do not inherit it. A user's own GNUTLS_NO_IMPLICIT_INIT is left
 * as it is. */
#include "cli/cli.h"
#include "cli/commands.h"
#include "common/log.h"
#include "common/config.h"
#include "executor/exec_worker.h"
#include "store/store.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define WORKER_MAX_ARGS 60

int cmd_worker(int argc, char **argv) {
  if(argc > WORKER_MAX_ARGS) return cmd_worker_run(argc, argv);
  char zPath[4200];
  cli_sibling_path("airc-worker", zPath, sizeof(zPath));
  char *azArg[WORKER_MAX_ARGS + 2] = {"airc-worker"};
  for(int i = 1; i < argc; i++) azArg[i] = argv[i];
  azArg[argc] = NULL;
  int bSetGnutls = getenv("GNUTLS_NO_IMPLICIT_INIT") == NULL;
  if(bSetGnutls) {
    setenv("AIRC_WORKER_LEAN", "1", 1);
    setenv("GNUTLS_NO_IMPLICIT_INIT", "1", 1);
  }
  execv(zPath, azArg);
  if(bSetGnutls) {
    unsetenv("AIRC_WORKER_LEAN");
    unsetenv("GNUTLS_NO_IMPLICIT_INIT");
  }
  airc_log(AIRC_LOG_DEBUG, "worker: %s not runnable, the worker runs in bin/airc", zPath);
  return cmd_worker_run(argc, argv);
}

int cmd_worker_run(int argc, char **argv) {
  if(getenv("AIRC_WORKER_LEAN")) {
    /* libpq (and GnuTLS through it) is dlopen'ed on first use
     * (store/pq_lazy.h): load it now, while GNUTLS_NO_IMPLICIT_INIT holds */
    store_preload(airc_store_target());
    unsetenv("AIRC_WORKER_LEAN");
    unsetenv("GNUTLS_NO_IMPLICIT_INIT");
  }
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
      if(!*argv[i] || *zEnd || n < 1 || n > EXEC_WORKER_CONCURRENCY_MAX)
        return cli_usage_error("worker", "--concurrency must be a whole number 1..%d, not '%s'",
                               EXEC_WORKER_CONCURRENCY_MAX, argv[i]);
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
