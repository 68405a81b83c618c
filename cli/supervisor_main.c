/* supervisor_main.c: bin/airc-supervisor, the process that runs one task
 * try (see executor/exec_spawn.h and exec_pool.h). The same body as `airc
 * __supervise`, in a small statically linked binary: no libsodium and no
 * dynamic loader work, so starting one costs about a third of the CPU of
 * starting bin/airc (docs/benchmarks.md). SQLite is linked in, statically,
 * for a pool member that continues a chain (executor/exec_continue.h):
 * its pages are touched only by a member that opens the store. */
#include "common/config.h"
#include "executor/exec_continue.h"
#include "executor/exec_spawn.h"
#include <stdio.h>
#include <sys/stat.h>

int main(int argc, char **argv) {
  umask(077); /* as bin/airc: what a try creates is its user's alone */
  airc_err err = {0};
  if(airc_config_load(&err)) {
    fprintf(stderr, "airc supervisor: %s\n", airc_err_msg(&err));
    return 1;
  }
  exec_set_continue(exec_continue_in_store); /* a member continues a local chain (exec_continue.h) */
  exec_supervise_main(argc, argv);
}
