/* cmd_db.c: `airc db init`, `airc db check`, `airc config ...`. */
#include "cli/cli.h"
#include "cli/commands.h"
#include "common/config.h"
#include "common/fsafe.h"
#include "executor/exec_spawn.h"
#include "store/store_pool.h"
#include <stdio.h>
#include <string.h>

int cmd_db_init(int argc, char **argv) {
  if(argc > 1) return cli_usage_error("db init", "unexpected argument '%s'", argv[1]);
  const char *azDir[] = {airc_home(), airc_path_dags(), airc_path_logs(), airc_path_data()};
  for(size_t i = 0; i < sizeof(azDir) / sizeof(azDir[0]); i++)
    if(exec_mkdirs(azDir[i])) return cli_error("cannot create %s", azDir[i]);
  airc_err err = {0};
  if(fsafe_run_folder(&err)) return cli_fail_err(&err);
  cli_check_home();
  store *s = NULL;
  /* the one command that creates a server database's schema (store_open
   * does not: a scheduler on an empty PostgreSQL database says to run this) */
  if(store_open_migrate(airc_store_target(), &s, &err)) return cli_fail_err(&err);
  printf("Initialized the store at %s (schema version %d)\n", store_target(s), store_schema_version(s));
  printf("DAG folder: %s\n", airc_path_dags());
  store_close(s);
  return CLI_OK;
}

int cmd_db_check(int argc, char **argv) {
  if(argc > 1) return cli_usage_error("db check", "unexpected argument '%s'", argv[1]);
  store *s = NULL;
  airc_err err = {0};
  if(store_open_existing(airc_store_target(), &s, &err)) return cli_fail_err(&err);
  int v = store_schema_version(s), vWant = store_schema_version_supported(s);
  char zCheck[256] = "?";
  int bOk = 0;
  if(store_check(s, &bOk, zCheck, sizeof(zCheck), &err)) {
    store_close(s);
    return cli_fail_err(&err);
  }
  printf("store: %s (%s)\nschema version: %d (this airc: %d)\nintegrity: %s\n", store_target(s),
         store_backend_name(s), v, vWant, zCheck);
  if(v == vWant && bOk) { /* the tables it reads are this version's */
    char zPools[512];
    if(store_pool_check_usage(s, &bOk, zPools, sizeof(zPools), &err)) {
      store_close(s);
      return cli_fail_err(&err);
    }
    printf("pool usage: %s\n", zPools);
  }
  store_close(s);
  if(v != vWant || !bOk)
    return cli_error("store check failed%s", v < vWant   ? ": schema needs 'airc db upgrade' to migrate"
                                             : v > vWant ? ": schema is newer than this airc"
                                                         : "");
  printf("ok\n");
  return CLI_OK;
}

int cmd_db_upgrade(int argc, char **argv) {
  if(argc > 1) return cli_usage_error("db upgrade", "unexpected argument '%s'", argv[1]);
  store *s = NULL;
  airc_err err = {0};
  if(store_open_existing(airc_store_target(), &s, &err)) return cli_fail_err(&err);
  int vBefore = store_schema_version(s);
  store_close(s);
  if(store_open_migrate(airc_store_target(), &s, &err)) return cli_fail_err(&err);
  int vAfter = store_schema_version(s);
  if(vAfter == vBefore) printf("store %s is current (schema version %d)\n", store_target(s), vAfter);
  else printf("Upgraded the store at %s from schema version %d to %d\n", store_target(s), vBefore, vAfter);
  store_close(s);
  return CLI_OK;
}

int cmd_config_get_value(int argc, char **argv) {
  if(argc != 3) return cli_usage_error("config get-value", "expected SECTION KEY");
  const char *z = airc_config_get(argv[1], argv[2], NULL);
  if(!z) {
    if(!strcmp(argv[1], "core") && !strcmp(argv[2], "dags_folder")) z = airc_path_dags();
    else if(!strcmp(argv[1], "core") && !strcmp(argv[2], "airc_home")) z = airc_home();
    else if(!strcmp(argv[1], "core") && !strcmp(argv[2], "run_folder")) z = airc_path_run();
  }
  if(!z) return cli_error("the option [%s] %s is not set", argv[1], argv[2]);
  printf("%s\n", z);
  return CLI_OK;
}
