/* main.c: the `airc` command: finds the subcommand and runs it.
 * Each subcommand lives in a cmd_*.c file; this file holds only the table
 * and the top-level help. */
#include "cli/cli.h"
#include "cli/commands.h"
#include "common/config.h"
#include "common/log.h"
#include "executor/exec_continue.h"
#include "executor/exec_spawn.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/version.h"

static const cli_command aCommand[] = {
    {"db init", "Create or migrate the store and the AIRC_HOME folders.", "usage: airc db init\n", cmd_db_init},
    {"db upgrade", "Migrate an existing store to this airc's schema version.", "usage: airc db upgrade\n",
     cmd_db_upgrade},
    {"db check", "Check that the store exists, is current and is intact.", "usage: airc db check\n", cmd_db_check},
    {"config get-value", "Print one setting.", "usage: airc config get-value SECTION KEY\n", cmd_config_get_value},
    {"scheduler", "Run the scheduler in the foreground.",
     "usage: airc scheduler [-v|--verbose] [--stats-file FILE]\n\n"
     "Runs DAGs on their schedules, manual and backfill runs, until SIGTERM or Ctrl-C.\n"
     "Running tasks are not killed when it stops: a restarted scheduler records them.\n\n"
     "  --stats-file FILE  append one JSON line per working wake: store statements, rows,\n"
     "                     vm_steps and round_trips (PostgreSQL) it took, what woke it, and\n"
     "                     what it did (a work guard for tests; distributed: worker_claims,\n"
     "                     queued, continued)\n", cmd_scheduler},
    {"worker", CMD_WORKER_SUMMARY, CMD_WORKER_USAGE, cmd_worker},
    {"standalone", "Run the scheduler and the web server together.",
     "usage: airc standalone [--port PORT] [--host HOST]\n", cmd_standalone},
    {"webserver", "Run the web server (REST API and dashboard).",
     "usage: airc webserver [--port 8080] [--host 127.0.0.1]\n", cmd_webserver_exec},
    {"dags list", "List the DAGs (as the scheduler last parsed them).",
     "usage: airc dags list [--output table|json|plain] [--all] [--limit N] [--offset N]\n\n"
     "  --all       include DAGs whose file is gone\n"
     "  --limit N   at most N DAGs (by dag_id), after skipping --offset N\n\n"
     "Reads the store, which the scheduler fills from the DAG folder; a file the scheduler\n"
     "has not parsed yet shows after 'airc dags reserialize'.\n", cmd_dags_list},
    {"dags list-import-errors", "List DAG files that failed to load, with the reason.",
     "usage: airc dags list-import-errors [--output table|json|plain] [--reparse]\n\n"
     "  --reparse  parse the DAG folder first (as 'airc dags reserialize')\n", cmd_dags_list_import_errors},
    {"dags reserialize", "Parse the DAG folder into the store now (the scheduler does it on its own).",
     "usage: airc dags reserialize\n\n"
     "Every other command reads the store; this one parses the files, records new and changed\n"
     "DAGs and import errors, and deactivates DAGs whose file is gone.\n", cmd_dags_reserialize},
    {"dags show", "Show a DAG's tasks and dependencies.",
     "usage: airc dags show DAG [--dot] [--output table|json]\n\n  --dot  print Graphviz (pipe into 'dot -Tsvg')\n", cmd_dags_show},
    {"dags next-execution", "Print the next logical dates the scheduler will run, one ISO 8601 time per line.",
     "usage: airc dags next-execution DAG [-n N]\n", cmd_dags_next_execution},
    {"dags pause", "Pause DAGs: no new runs or tasks start.",
     "usage: airc dags pause DAG | --pattern REGEX | --all [--yes] [--output table|json|plain]\n\n"
     "  --pattern REGEX  every active DAG whose id matches (POSIX extended regex, unanchored)\n"
     "  --all            every active DAG\n"
     "  --yes            do not ask (required when stdin is not a terminal)\n\n"
     "The bulk forms change all the DAGs in one transaction and print how many changed.\n", cmd_dags_pause},
    {"dags unpause", "Unpause DAGs.",
     "usage: airc dags unpause DAG | --pattern REGEX | --all [--yes] [--output table|json|plain]\n\n"
     "  --pattern REGEX  every active DAG whose id matches (POSIX extended regex, unanchored)\n"
     "  --all            every active DAG\n"
     "  --yes            do not ask (required when stdin is not a terminal)\n", cmd_dags_unpause},
    {"dags delete", "Delete a DAG's history: runs, task instances, tries, XCom values, backfills.",
     "usage: airc dags delete DAG [--yes] [--delete-logs]\n\n"
     "  Running tries are stopped first. A file still in the DAG folder brings the DAG back\n"
     "  as a new DAG (paused when [core] dags_are_paused_at_creation).\n"
     "  --yes          do not ask (required when stdin is not a terminal)\n"
     "  --delete-logs  also remove its log files\n", cmd_dags_delete},
    {"dags list-runs", "List a DAG's runs, newest first.",
     "usage: airc dags list-runs DAG [--state STATE] [--limit N] [--offset N] [--output table|json|plain]\n", cmd_dags_list_runs},
    {"dags state", "Print the state of a run.", "usage: airc dags state DAG RUN_ID\n", cmd_dags_state},
    {"dags trigger", "Create a manual run.",
     "usage: airc dags trigger DAG [--conf JSON] [--run-id ID] [--logical-date ISO] [--wait [--timeout DURATION]]\n\n"
     "  --conf JSON          the run's conf, a JSON object ({{ conf.NAME }} in tasks)\n"
     "  --run-id ID          choose the run id (default manual__<time>)\n"
     "  --logical-date ISO   logical date (default now)\n"
     "  --wait               follow the run, print progress, exit 0 if it succeeds, 1 if it fails\n", cmd_dags_trigger},
    {"dags backfill", "Create runs for the schedule's ticks in a date range; the scheduler runs them.",
     "usage: airc dags backfill DAG -s START -e END [--reprocess none|failed|completed] [--dry-run] [--wait] [--conf JSON]\n\n"
     "  -s, --start-date   first logical date (inclusive)\n"
     "  -e, --end-date     last logical date (inclusive)\n"
     "  --reprocess        re-run existing runs that failed (failed) or all finished ones (completed); default none\n"
     "  --dry-run          print what would be done\n"
     "  --wait             follow the runs until they finish\n", cmd_dags_backfill},
    {"dags test", "Run one DAG run in the foreground, without a scheduler.",
     "usage: airc dags test DAG [LOGICAL_DATE] [--conf JSON]\n", cmd_dags_test},
    {"tasks list", "List a DAG's tasks.", "usage: airc tasks list DAG [--output table|json|plain]\n", cmd_tasks_list},
    {"tasks states-for-dag-run", "Show the task instances of a run.",
     "usage: airc tasks states-for-dag-run DAG RUN_ID [--output table|json|plain]\n", cmd_tasks_states_for_dag_run},
    {"tasks state", "Print the state of one task instance.", "usage: airc tasks state DAG RUN_ID TASK\n", cmd_tasks_state},
    {"tasks logs", "Print the log of a task try.",
     "usage: airc tasks logs DAG RUN_ID TASK [--try N] [--follow]\n\n  --follow  keep printing while the try runs\n", cmd_tasks_logs},
    {"tasks clear", "Clear task instances so the scheduler runs them again.",
     "usage: airc tasks clear DAG RUN_ID [-t REGEX] [--downstream] [--only-failed] [-y]\n", cmd_tasks_clear},
    {"tasks mark", "Mark a task instance success, failed or skipped.",
     "usage: airc tasks mark DAG RUN_ID TASK --state success|failed|skipped\n\n"
     "  A running or queued try is stopped: its process group gets SIGTERM, then SIGKILL after\n"
     "  [core] kill_grace_period; the new state is kept whatever the try reports.\n"
     "  (The state may also be given as a fourth argument.)\n", cmd_tasks_mark},
    {"tasks test", "Run one task in the foreground, output to the terminal, without its upstream tasks.",
     "usage: airc tasks test DAG TASK [LOGICAL_DATE] [--conf JSON]\n", cmd_tasks_test},
    {"users create", "Create a web user.",
     "usage: airc users create --username U --role admin|op|viewer [--password-stdin]\n", cmd_users_create},
    {"users list", "List web users.", "usage: airc users list [--output table|json|plain]\n", cmd_users_list},
    {"users delete", "Delete a web user (its sessions and tokens go with it).", "usage: airc users delete --username U\n", cmd_users_delete},
    {"users set-password", "Set a web user's password; revokes its sessions and access tokens.",
     "usage: airc users set-password --username U [--password-stdin]\n", cmd_users_set_password},
    {"users tokens", "Personal API tokens: create (printed once), list, revoke.",
     "usage: airc users tokens create USER --name NAME [--expires-days N]\n"
     "       airc users tokens list USER [--output table|json|plain]\n"
     "       airc users tokens revoke USER NAME\n\n"
     "  Scripts send the token as 'Authorization: Bearer TOKEN'; only its hash is stored.\n", cmd_users_tokens},
    {"connections add", "Add a connection from an Airflow-style URI.",
     "usage: airc connections add NAME --conn-uri URI [--conn-description TEXT]\n\n"
     "  e.g. postgres://user:pw@db.example:5432/sales?sslmode=require; $AIRC_CONN_<NAME> overrides\n", cmd_connections_add},
    {"plugins list", "List the task types defined by programs in the plugins folder.",
     "usage: airc plugins list [--output table|json|plain]\n\n"
     "An executable airc-type-NAME in [core] plugins_folder (default $AIRC_HOME/plugins)\n"
     "defines task type NAME; see docs/authoring.md. Options: * required, =default.\n", cmd_plugins_list},
    {"connections list", "List connections (passwords as ***).",
     "usage: airc connections list [--output table|json|plain] [--reveal]\n", cmd_connections_list},
    {"connections get", "Print one connection (password as *** unless --reveal).",
     "usage: airc connections get NAME [--output table|json|plain] [--reveal]\n", cmd_connections_get},
    {"connections delete", "Delete a connection.", "usage: airc connections delete NAME\n", cmd_connections_delete},
    {"variables set", "Set a variable (--secret: encrypted, masked in logs).",
     "usage: airc variables set NAME VALUE [--secret] [--description TEXT]\n", cmd_variables_set},
    {"variables get", "Print a variable's value.", "usage: airc variables get NAME\n", cmd_variables_get},
    {"variables list", "List variables (names only).", "usage: airc variables list [--output table|json|plain]\n",
     cmd_variables_list},
    {"variables delete", "Delete a variable.", "usage: airc variables delete NAME\n", cmd_variables_delete},
    {"variables import", "Set variables from a JSON file, all or none.",
     "usage: airc variables import FILE.json\n\n  {\"NAME\": \"value\", \"S\": {\"value\": \"x\", \"is_secret\": true}}\n",
     cmd_variables_import},
    {"variables export", "Print (or write) every variable as JSON, secrets included.",
     "usage: airc variables export [FILE.json]\n", cmd_variables_export},
    {"db rotate-key", "Re-encrypt every secret under a new key, in one transaction.",
     "usage: airc db rotate-key [--new-key TEXT]\n", cmd_db_rotate_key},
    {"pools set", "Create or resize a pool (tasks take its slots with `pool = NAME`).",
     "usage: airc pools set NAME SLOTS [DESCRIPTION]\n\n"
     "  A pool never has more slots taken by queued and running tries than SLOTS. default_pool (tasks without\n"
     "  `pool`) is created with [core] default_pool_slots (128).\n", cmd_pools_set},
    {"pools list", "List pools with their slots in use.", "usage: airc pools list [--output table|json|plain]\n",
     cmd_pools_list},
    {"pools get", "Show one pool.", "usage: airc pools get NAME [--output table|json|plain]\n", cmd_pools_get},
    {"pools delete", "Delete a pool (its tasks wait until it exists again).", "usage: airc pools delete NAME\n",
     cmd_pools_delete},
    {"notifications list", "List notifications (on_failure, on_deadline_miss, ...) and whether they were delivered.",
     "usage: airc notifications list [--dag-id DAG] [--state pending|sent|failed] [--limit N] [--output table|json|plain]\n",
     cmd_notifications_list},
    {"notifications deliver", "Send due notifications (the scheduler runs this itself unless [notifications] deliver = false).",
     "usage: airc notifications deliver [--once]\n\n"
     "  Claims due notifications from the store and sends them, retrying with backoff; --once: until none is due.\n"
     "  Several may run (on several hosts): a notification is sent by one of them.\n",
     cmd_notifications_deliver},
};

#define N_COMMAND ((int)(sizeof(aCommand) / sizeof(aCommand[0])))

static void print_help(const char *zGroup) {
  printf("usage: airc [--version] <command> [<args>] (every command takes --help)\n\n");
  printf("airc is a workflow orchestrator: DAG files, a SQLite-backed scheduler, task executors.\n");
  printf("AIRC_HOME=%s\n\ncommands:\n", airc_home());
  for(int i = 0; i < N_COMMAND; i++) {
    if(zGroup && strncmp(aCommand[i].zName, zGroup, strlen(zGroup))) continue;
    printf("  %-28s %s\n", aCommand[i].zName, aCommand[i].zSummary);
  }
}

const cli_command *cli_find(const char *zName) {
  for(int i = 0; i < N_COMMAND; i++)
    if(!strcmp(aCommand[i].zName, zName)) return &aCommand[i];
  return NULL;
}

int main(int argc, char **argv) {
  umask(077); /* what airc creates is its user's alone (docs/scheduler.md) */
  airc_err err = {0};
  const char *zLevel = getenv("AIRC_LOG_LEVEL");
  if(zLevel && !strcmp(zLevel, "debug")) airc_log_set_level(AIRC_LOG_DEBUG);
  if(airc_config_load(&err)) {
    fprintf(stderr, "airc: error: %s\n", airc_err_msg(&err));
    return CLI_FAIL;
  }
  if(argc >= 2 && !strcmp(argv[1], "__supervise")) {
    exec_set_continue(exec_continue_in_store); /* as bin/airc-supervisor */
    exec_supervise_main(argc, argv); /* internal: see exec_spawn.c */
  }
  if(argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
    print_help(NULL);
    return argc < 2 ? CLI_USAGE : CLI_OK;
  }
  if(!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
    printf("airc %s\n", AIRC_VERSION);
    return CLI_OK;
  }
  /* one-word commands, then two-word ones ("dags list") */
  const cli_command *p = cli_find(argv[1]);
  int nWords = 1;
  if(!p && argc >= 3) {
    char zName[128];
    snprintf(zName, sizeof(zName), "%s %s", argv[1], argv[2]);
    p = cli_find(zName);
    nWords = 2;
  }
  if(!p) {
    int bGroup = 0;
    for(int i = 0; i < N_COMMAND; i++)
      if(!strncmp(aCommand[i].zName, argv[1], strlen(argv[1])) && aCommand[i].zName[strlen(argv[1])] == ' ') bGroup = 1;
    if(bGroup && (argc < 3 || !strcmp(argv[2], "--help") || !strcmp(argv[2], "-h"))) {
      print_help(argv[1]);
      return argc < 3 ? CLI_USAGE : CLI_OK;
    }
    fprintf(stderr, "airc: error: unknown command '%s%s%s' (see 'airc --help')\n", argv[1],
            bGroup && argc >= 3 ? " " : "", bGroup && argc >= 3 ? argv[2] : "");
    return CLI_USAGE;
  }
  int subArgc = argc - nWords;
  char **subArgv = argv + nWords;
  if(cli_wants_help(subArgc, subArgv, p)) return CLI_OK;
  int rc = p->xMain(subArgc, subArgv);
  airc_config_free();
  return rc;
}
