/* worker_main.c: bin/airc-worker, what `airc worker` execs (see
 * cli/cmd_worker.c): the distributed executor's worker in a binary that
 * links only the store's libraries, so that an idle worker stays small.
 * The options are those of `airc worker`. */
#include "cli/cli.h"
#include "cli/commands.h"
#include "common/config.h"
#include "common/log.h"
#include "executor/exec_spawn.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* cli.c's cli_find() comes from cli/main.c, which this binary does not
 * link: the worker needs only its own command's help text. */
static const cli_command g_cmd = {"worker", CMD_WORKER_SUMMARY, CMD_WORKER_USAGE, NULL};

const cli_command *cli_find(const char *zName) { return strcmp(zName, "worker") ? NULL : &g_cmd; }

int main(int argc, char **argv) {
  umask(077); /* as bin/airc: what a worker creates is its user's alone */
  airc_err err = {0};
  const char *zLevel = getenv("AIRC_LOG_LEVEL");
  if(zLevel && !strcmp(zLevel, "debug")) airc_log_set_level(AIRC_LOG_DEBUG);
  if(airc_config_load(&err)) {
    fprintf(stderr, "airc: error: %s\n", airc_err_msg(&err));
    return CLI_FAIL;
  }
  /* the supervisor's fallback when bin/airc-supervisor is missing runs
   * this binary's `__supervise` (executor/exec_spawn.c) */
  if(argc >= 2 && !strcmp(argv[1], "__supervise")) exec_supervise_main(argc, argv);
  if(cli_wants_help(argc, argv, &g_cmd)) return CLI_OK;
  int rc = cmd_worker_run(argc, argv);
  airc_config_free();
  return rc;
}
