/* cmd_db.c: `airc db init`, `airc db check`, `airc config ...`. */
#include "cli/cli.h"
#include "cli/commands.h"
#include "common/config.h"
#include "common/fsafe.h"
#include "executor/exec_spawn.h"
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
  store *s = cli_open_store();
  if(!s) return CLI_FAIL;
  printf("Initialized the store at %s (schema version %d)\n", airc_path_db(), store_schema_version(s));
  printf("DAG folder: %s\n", airc_path_dags());
  store_close(s);
  return CLI_OK;
}

int cmd_db_check(int argc, char **argv) {
  if(argc > 1) return cli_usage_error("db check", "unexpected argument '%s'", argv[1]);
  store *s = NULL;
  airc_err err = {0};
  if(store_open_existing(airc_path_db(), &s, &err)) return cli_fail_err(&err);
  int v = store_schema_version(s);
  sqlite3_stmt *st = store_prepare(s, "PRAGMA quick_check", &err);
  const char *zCheck = "?";
  char zBuf[256] = "";
  if(st && sqlite3_step(st) == SQLITE_ROW) {
    snprintf(zBuf, sizeof(zBuf), "%s", store_col_text(st, 0));
    zCheck = zBuf;
  }
  if(st) sqlite3_reset(st);
  int ok = v == STORE_SCHEMA_VERSION && !strcmp(zCheck, "ok");
  printf("store: %s\nschema version: %d (this airc: %d)\nintegrity: %s\n", airc_path_db(), v, STORE_SCHEMA_VERSION, zCheck);
  store_close(s);
  if(!ok) return cli_error("store check failed%s", v != STORE_SCHEMA_VERSION ? ": schema needs 'airc db init' to migrate" : "");
  printf("ok\n");
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
