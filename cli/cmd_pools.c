/* cmd_pools.c: `airc pools set|list|get|delete` (store/store_pool.h).
 * A pool caps the slots its tries take while queued or running; tasks
 * name one with `pool = NAME` (default_pool otherwise). */
#include "cli/cli.h"
#include "cli/commands.h"
#include "common/config.h"
#include "store/store_pool.h"
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* default_pool exists once the scheduler has run; the CLI creates it too,
 * so that `pools list` shows it on a fresh home ([core] default_pool_slots). */
static airc_rc pools_ensure_default(store *s, airc_err *pErr) {
  return store_pool_ensure_default(s, airc_config_get_int("core", "default_pool_slots", 128), pErr);
}

int cmd_pools_set(int argc, char **argv) {
  const char *azArg[3] = {NULL, NULL, NULL};
  int nArg = 0;
  for(int i = 1; i < argc; i++) {
    if(argv[i][0] == '-' && argv[i][1] && !isdigit((unsigned char)argv[i][1])) return cli_usage_error("pools set", "unknown option '%s'", argv[i]);
    if(nArg == 3) return cli_usage_error("pools set", "unexpected argument '%s'", argv[i]);
    azArg[nArg++] = argv[i];
  }
  if(nArg < 2) return cli_usage_error("pools set", "NAME and SLOTS are required");
  if(!store_pool_name_is_valid(azArg[0]))
    return cli_usage_error("pools set", "pool name '%.60s' is not valid (1..256 letters, digits, '_', '-' or '.')", azArg[0]);
  char *zEnd = NULL;
  long long slots = strtoll(azArg[1], &zEnd, 10);
  if(!*azArg[1] || *zEnd || slots < 0 || slots > STORE_POOL_SLOTS_MAX)
    return cli_usage_error("pools set", "SLOTS must be a whole number 0..%d, not '%.40s'", STORE_POOL_SLOTS_MAX, azArg[1]);
  store *s = cli_open_store();
  if(!s) return CLI_FAIL;
  airc_err err = {0};
  airc_rc rc = pools_ensure_default(s, &err);
  if(!rc) rc = store_pool_set(s, azArg[0], slots, azArg[2], -1, &err);
  if(!rc) cli_audit(s, "pool_set", NULL, NULL, NULL, json_pack("{s:s,s:I}", "pool", azArg[0], "slots", (json_int_t)slots));
  store_close(s);
  if(rc) return cli_fail_err(&err);
  printf("Pool %s: %lld slots\n", azArg[0], slots);
  return CLI_OK;
}

static int pool_add_row(void *pCtx, const store_pool_row *r) {
  json_t *o = json_object();
  json_object_set_new(o, "pool", json_string(r->zName));
  json_object_set_new(o, "slots", json_integer(r->slots));
  json_object_set_new(o, "running", json_integer(r->nRunning));
  json_object_set_new(o, "queued", json_integer(r->nQueued));
  json_object_set_new(o, "scheduled", json_integer(r->nScheduled));
  json_object_set_new(o, "open", json_integer(r->slots - r->nRunning - r->nQueued));
  json_object_set_new(o, "description", r->zDescription ? json_string(r->zDescription) : json_null());
  json_array_append_new(pCtx, o);
  return 0;
}

/* `pools list` and `pools get NAME`. */
static int pools_print(const char *zCmd, int argc, char **argv, int bOne) {
  cli_output out = OUT_TABLE;
  const char *zName = NULL;
  for(int i = 1; i < argc; i++) {
    const char *z = NULL;
    if(!strncmp(argv[i], "--output=", 9)) z = argv[i] + 9;
    else if((!strcmp(argv[i], "--output") || !strcmp(argv[i], "-o")) && i + 1 < argc) z = argv[++i];
    if(z) {
      if(!cli_parse_output(z, &out)) return cli_usage_error(zCmd, "--output must be table, json or plain");
    } else if(argv[i][0] == '-') {
      return cli_usage_error(zCmd, "unknown option '%s'", argv[i]);
    } else if(bOne && !zName) {
      zName = argv[i];
    } else {
      return cli_usage_error(zCmd, "unexpected argument '%s'", argv[i]);
    }
  }
  if(bOne && !zName) return cli_usage_error(zCmd, "NAME is required");
  store *s = cli_open_store();
  if(!s) return CLI_FAIL;
  airc_err err = {0};
  json_t *pRows = json_array();
  airc_rc rc = pools_ensure_default(s, &err);
  if(!rc) rc = store_pool_each(s, zName, 0, 0, pool_add_row, pRows, &err);
  store_close(s);
  if(rc) {
    json_decref(pRows);
    return cli_fail_err(&err);
  }
  if(bOne && !json_array_size(pRows)) {
    json_decref(pRows);
    return cli_error("no pool '%s'", zName);
  }
  static const char *const azCols[] = {"pool", "slots", "running", "queued", "scheduled", "open", "description", NULL};
  cli_print_rows(pRows, azCols, out);
  json_decref(pRows);
  return CLI_OK;
}

int cmd_pools_list(int argc, char **argv) { return pools_print("pools list", argc, argv, 0); }
int cmd_pools_get(int argc, char **argv) { return pools_print("pools get", argc, argv, 1); }

int cmd_pools_delete(int argc, char **argv) {
  if(argc != 2 || argv[1][0] == '-') return cli_usage_error("pools delete", "expected exactly one NAME");
  store *s = cli_open_store();
  if(!s) return CLI_FAIL;
  airc_err err = {0};
  airc_rc rc = store_pool_delete(s, argv[1], &err);
  if(!rc) cli_audit(s, "pool_delete", NULL, NULL, NULL, json_pack("{s:s}", "pool", argv[1]));
  store_close(s);
  if(rc) return cli_fail_err(&err);
  printf("Pool %s deleted\n", argv[1]);
  return CLI_OK;
}
