/* commands.h: entry points of the `airc` subcommands (argv[0] is the
 * subcommand's last word). Registered in cli/main.c. */
#ifndef AIRC_COMMANDS_H
#define AIRC_COMMANDS_H
#include <stddef.h>

int cmd_db_init(int argc, char **argv);
int cmd_db_check(int argc, char **argv);
int cmd_db_upgrade(int argc, char **argv);
int cmd_config_get_value(int argc, char **argv);
int cmd_scheduler(int argc, char **argv);
int cmd_standalone(int argc, char **argv);
/* `airc worker`'s help, shared by bin/airc and bin/airc-worker */
#define CMD_WORKER_SUMMARY "Run tries that a distributed scheduler queued ([core] executor = distributed)."
#define CMD_WORKER_USAGE \
  "usage: airc worker [--name NAME] [--queues a,b] [--concurrency N] [-v|--verbose]\n\n" \
  "  --name NAME        the task instances' hostname (default: this host's name)\n" \
  "  --queues a,b       the queues it takes tries from (default: default)\n" \
  "  --concurrency N    tries at once (default: [worker] concurrency, 16)\n\n" \
  "SIGTERM stops claiming and waits for running tries; a second one leaves at once\n" \
  "(its tries are killed and the scheduler retries them). See docs/scaling.md.\n"
int cmd_worker(int argc, char **argv);
/* the worker itself, in-process: bin/airc-worker's main, and cmd_worker's
 * fallback when bin/airc-worker is missing */
int cmd_worker_run(int argc, char **argv);
int cmd_dags_list(int argc, char **argv);
int cmd_dags_list_import_errors(int argc, char **argv);
int cmd_dags_show(int argc, char **argv);
int cmd_dags_next_execution(int argc, char **argv);
int cmd_dags_pause(int argc, char **argv);
int cmd_dags_delete(int argc, char **argv);
int cmd_dags_unpause(int argc, char **argv);
int cmd_dags_reserialize(int argc, char **argv);
int cmd_dags_list_runs(int argc, char **argv);
int cmd_dags_state(int argc, char **argv);
int cmd_dags_trigger(int argc, char **argv);
int cmd_dags_backfill(int argc, char **argv);
int cmd_dags_test(int argc, char **argv);
int cmd_tasks_list(int argc, char **argv);
int cmd_tasks_states_for_dag_run(int argc, char **argv);
int cmd_tasks_state(int argc, char **argv);
int cmd_tasks_logs(int argc, char **argv);
int cmd_tasks_clear(int argc, char **argv);
int cmd_tasks_mark(int argc, char **argv);
int cmd_tasks_test(int argc, char **argv);

/* `airc webserver`: execs bin/airc-webserver (beside bin/airc), which links
 * libmicrohttpd; the scheduler's binary does not. */
int cmd_webserver_exec(int argc, char **argv);

/* Connections, variables, key rotation (cli/cmd_secrets.c). */
int cmd_connections_add(int argc, char **argv);
int cmd_connections_list(int argc, char **argv);
int cmd_connections_get(int argc, char **argv);
int cmd_connections_delete(int argc, char **argv);
int cmd_variables_set(int argc, char **argv);
int cmd_variables_get(int argc, char **argv);
int cmd_variables_list(int argc, char **argv);
int cmd_variables_delete(int argc, char **argv);
int cmd_variables_import(int argc, char **argv);
int cmd_variables_export(int argc, char **argv);
int cmd_db_rotate_key(int argc, char **argv);
/* Task-type plugins (cli/cmd_plugins.c). */
int cmd_plugins_list(int argc, char **argv);

/* Pools (cli/cmd_pools.c) and notifications (cli/cmd_notify.c). */
int cmd_pools_set(int argc, char **argv);
int cmd_pools_list(int argc, char **argv);
int cmd_pools_get(int argc, char **argv);
int cmd_pools_delete(int argc, char **argv);
int cmd_notifications_list(int argc, char **argv);
int cmd_notifications_deliver(int argc, char **argv);

/* Web users (cli/cmd_users.c, in bin/airc: they need only libsodium). */
int cmd_users_create(int argc, char **argv);
int cmd_users_list(int argc, char **argv);
int cmd_users_delete(int argc, char **argv);
int cmd_users_set_password(int argc, char **argv);
int cmd_users_tokens(int argc, char **argv);
/* The web server itself (cli/cmd_webserver.c): linked only into
 * bin/airc-webserver (libmicrohttpd), whose main() calls it. */
int cmd_webserver(int argc, char **argv);

#endif
