/* webserver_main.c: bin/airc-webserver, what `airc webserver` (and
 * `airc standalone`) exec. A separate binary so that libmicrohttpd is
 * loaded only in the web server, never in the scheduler. The options are
 * those of `airc webserver` (cli/cmd_webserver.c). */
#include "cli/cli.h"
#include "cli/commands.h"
#include "common/config.h"
#include "common/log.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* cli.c's cli_find() comes from cli/main.c, which this binary does not
 * link: the web server needs only its own command's help text. */
static const cli_command g_cmd = {
    "webserver", "Run the web server (REST API and dashboard).",
    "usage: airc webserver [--port 8080] [--host 127.0.0.1]\n\n"
    "  --port PORT   TCP port (default [webserver] port, 8080)\n"
    "  --host HOST   address to listen on (default [webserver] host, 127.0.0.1)\n",
    NULL};

const cli_command *cli_find(const char *zName) { return strcmp(zName, "webserver") ? NULL : &g_cmd; }

int main(int argc, char **argv) {
  umask(077); /* what airc creates is its user's alone (docs/scheduler.md) */
  airc_err err = {0};
  const char *zLevel = getenv("AIRC_LOG_LEVEL");
  if(zLevel && !strcmp(zLevel, "debug")) airc_log_set_level(AIRC_LOG_DEBUG);
  if(airc_config_load(&err)) {
    fprintf(stderr, "airc: error: %s\n", airc_err_msg(&err));
    return CLI_FAIL;
  }
  if(cli_wants_help(argc, argv, &g_cmd)) return CLI_OK;
  int rc = cmd_webserver(argc, argv);
  airc_config_free();
  return rc;
}
