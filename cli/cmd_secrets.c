/* cmd_secrets.c: `airc connections add|list|get|delete`, `airc variables
 * set|get|list|delete|import|export` and `airc db rotate-key`.
 * Passwords and secret values are sealed in the store (common/seal.h);
 * list and get print them as *** unless --reveal is given (variables get
 * prints the value: reading it is what the command is for). */
#include "cli/cli.h"
#include "cli/commands.h"
#include "common/conn_uri.h"
#include "common/seal.h"
#include "common/secret_view.h"
#include "store/store_secret.h"
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Opens the store and loads the key; prints and returns NULL on failure. */
static store *open_with_key(seal_key *pKey) {
  airc_err err = {0};
  if(seal_key_load(pKey, &err)) {
    cli_fail_err(&err);
    return NULL;
  }
  return cli_open_store();
}

/* The value of option zOpt at argv[*pi] ("--x V" or "--x=V"), advancing *pi; NULL if absent. */
static const char *opt_value(int argc, char **argv, int *pi, const char *zOpt) {
  size_t n = strlen(zOpt);
  if(strncmp(argv[*pi], zOpt, n)) return NULL;
  if(argv[*pi][n] == '=') return argv[*pi] + n + 1;
  if(argv[*pi][n] || *pi + 1 >= argc) return NULL;
  return argv[++*pi];
}

int cmd_connections_add(int argc, char **argv) {
  const char *zName = NULL, *zUri = NULL, *zDesc = NULL, *z;
  for(int i = 1; i < argc; i++) {
    if((z = opt_value(argc, argv, &i, "--conn-uri"))) zUri = z;
    else if((z = opt_value(argc, argv, &i, "--conn-description"))) zDesc = z;
    else if(argv[i][0] == '-') return cli_usage_error("connections add", "unknown option '%s'", argv[i]);
    else if(!zName) zName = argv[i];
    else return cli_usage_error("connections add", "unexpected argument '%s'", argv[i]);
  }
  if(!zName) return cli_usage_error("connections add", "NAME is required");
  if(!zUri) return cli_usage_error("connections add", "--conn-uri is required");
  if(!conn_name_is_valid(zName))
    return cli_usage_error("connections add", "connection name '%.100s' is not valid (1-250 of A-Z a-z 0-9 _ . -)", zName);
  airc_err err = {0};
  json_t *pConn = conn_uri_parse(zUri, &err);
  if(!pConn) return cli_error("--conn-uri: %s", airc_err_msg(&err));
  if(zDesc) json_object_set_new(pConn, "description", json_string(zDesc));
  seal_key key;
  store *s = open_with_key(&key);
  if(!s) {
    json_decref(pConn);
    return CLI_FAIL;
  }
  airc_rc rc = store_conn_put(s, &key, zName, pConn, 0, &err);
  if(!rc) cli_audit(s, "connection_add", NULL, NULL, NULL, json_pack("{s:s}", "conn_id", zName));
  store_close(s);
  json_decref(pConn);
  sodium_memzero(&key, sizeof(key));
  if(rc) return cli_fail_err(&err);
  printf("Successfully added `conn_id`=%s\n", zName);
  return CLI_OK;
}

static int parse_list_opts(const char *zCmd, int argc, char **argv, cli_output *pOut, int *pbReveal, const char **pzName) {
  const char *z;
  for(int i = 1; i < argc; i++) {
    if((z = opt_value(argc, argv, &i, "--output")) || (z = opt_value(argc, argv, &i, "-o"))) {
      if(!cli_parse_output(z, pOut)) return cli_usage_error(zCmd, "--output must be table, json or plain");
    } else if(pbReveal && !strcmp(argv[i], "--reveal")) *pbReveal = 1;
    else if(argv[i][0] == '-') return cli_usage_error(zCmd, "unknown option '%s'", argv[i]);
    else if(pzName && !*pzName) *pzName = argv[i];
    else return cli_usage_error(zCmd, "unexpected argument '%s'", argv[i]);
  }
  if(pzName && !*pzName) return cli_usage_error(zCmd, "NAME is required");
  return CLI_OK;
}

int cmd_connections_list(int argc, char **argv) {
  cli_output out = OUT_TABLE;
  int bReveal = 0;
  int rc = parse_list_opts("connections list", argc, argv, &out, &bReveal, NULL);
  if(rc) return rc;
  seal_key key;
  store *s = open_with_key(&key);
  if(!s) return CLI_FAIL;
  airc_err err = {0};
  json_t *pAll = NULL;
  airc_rc arc = store_conn_all(s, &key, &pAll, &err);
  store_close(s);
  if(arc) return cli_fail_err(&err);
  conn_env_overlay(pAll);
  json_t *pRows = json_array();
  const char *zKey;
  json_t *pV;
  json_object_foreach(pAll, zKey, pV) json_array_append_new(pRows, secret_conn_row(zKey, pV, bReveal));
  static const char *const azCols[] = {"conn_id", "conn_type", "host", "port", "login", "schema", NULL};
  cli_print_rows(pRows, azCols, out);
  json_decref(pRows);
  json_decref(pAll);
  return CLI_OK;
}

int cmd_connections_get(int argc, char **argv) {
  cli_output out = OUT_TABLE;
  int bReveal = 0;
  const char *zName = NULL;
  int rc = parse_list_opts("connections get", argc, argv, &out, &bReveal, &zName);
  if(rc) return rc;
  airc_err err = {0};
  json_t *pConn = conn_env_get(zName, &err);
  if(!pConn && err.rc) return cli_fail_err(&err);
  if(!pConn) {
    seal_key key;
    store *s = open_with_key(&key);
    if(!s) return CLI_FAIL;
    airc_rc arc = store_conn_get(s, &key, zName, &pConn, &err);
    store_close(s);
    if(arc) return cli_fail_err(&err);
  }
  json_t *pRows = json_array();
  json_array_append_new(pRows, secret_conn_row(zName, pConn, bReveal));
  static const char *const azCols[] = {"conn_id", "conn_type", "description", "host", "schema", "login", "password",
                                       "port", "extra", "uri", NULL};
  cli_print_rows(pRows, azCols, out);
  json_decref(pRows);
  json_decref(pConn);
  return CLI_OK;
}

int cmd_connections_delete(int argc, char **argv) {
  if(argc != 2 || argv[1][0] == '-') return cli_usage_error("connections delete", "expected exactly one NAME");
  store *s = cli_open_store();
  if(!s) return CLI_FAIL;
  airc_err err = {0};
  airc_rc rc = store_conn_delete(s, argv[1], &err);
  if(!rc) cli_audit(s, "connection_delete", NULL, NULL, NULL, json_pack("{s:s}", "conn_id", argv[1]));
  store_close(s);
  if(rc) return cli_fail_err(&err);
  printf("Successfully deleted connection with `conn_id`=%s\n", argv[1]);
  return CLI_OK;
}

int cmd_variables_set(int argc, char **argv) {
  const char *azPos[2] = {NULL, NULL}, *zDesc = NULL, *z;
  int nPos = 0, bSecret = 0;
  for(int i = 1; i < argc; i++) {
    if(!strcmp(argv[i], "--secret")) bSecret = 1;
    else if((z = opt_value(argc, argv, &i, "--description"))) zDesc = z;
    else if(argv[i][0] == '-' && argv[i][1] == '-') return cli_usage_error("variables set", "unknown option '%s'", argv[i]);
    else if(nPos < 2) azPos[nPos++] = argv[i];
    else return cli_usage_error("variables set", "unexpected argument '%s'", argv[i]);
  }
  if(nPos != 2) return cli_usage_error("variables set", "expected NAME VALUE");
  if(!conn_name_is_valid(azPos[0]))
    return cli_usage_error("variables set", "variable name '%.100s' is not valid (1-250 of A-Z a-z 0-9 _ . -)", azPos[0]);
  seal_key key;
  store *s = open_with_key(&key);
  if(!s) return CLI_FAIL;
  airc_err err = {0};
  airc_rc rc = store_var_set(s, &key, azPos[0], azPos[1], bSecret, zDesc, &err);
  if(!rc) cli_audit(s, "variable_set", NULL, NULL, NULL, json_pack("{s:s}", "key", azPos[0]));
  store_close(s);
  sodium_memzero(&key, sizeof(key));
  if(rc) return cli_fail_err(&err);
  printf("Variable %s created\n", azPos[0]);
  return CLI_OK;
}

int cmd_variables_get(int argc, char **argv) {
  if(argc != 2 || argv[1][0] == '-') return cli_usage_error("variables get", "expected exactly one NAME");
  seal_key key;
  store *s = open_with_key(&key);
  if(!s) return CLI_FAIL;
  airc_err err = {0};
  json_t *pVar = NULL;
  airc_rc rc = store_var_get(s, &key, argv[1], &pVar, &err);
  store_close(s);
  if(rc) return cli_fail_err(&err);
  printf("%s\n", json_string_value(json_object_get(pVar, "value")));
  json_decref(pVar);
  return CLI_OK;
}

int cmd_variables_list(int argc, char **argv) {
  cli_output out = OUT_TABLE;
  int rc = parse_list_opts("variables list", argc, argv, &out, NULL, NULL);
  if(rc) return rc;
  seal_key key;
  store *s = open_with_key(&key);
  if(!s) return CLI_FAIL;
  airc_err err = {0};
  json_t *pAll = NULL;
  airc_rc arc = store_var_all(s, &key, &pAll, &err);
  store_close(s);
  if(arc) return cli_fail_err(&err);
  json_t *pRows = json_array();
  const char *zKey;
  json_t *pV;
  json_object_foreach(pAll, zKey, pV)
    json_array_append_new(pRows, json_pack("{s:s s:O}", "key", zKey, "is_secret", json_object_get(pV, "is_secret")));
  static const char *const azCols[] = {"key", "is_secret", NULL};
  cli_print_rows(pRows, azCols, out);
  json_decref(pRows);
  json_decref(pAll);
  return CLI_OK;
}

int cmd_variables_delete(int argc, char **argv) {
  if(argc != 2 || argv[1][0] == '-') return cli_usage_error("variables delete", "expected exactly one NAME");
  store *s = cli_open_store();
  if(!s) return CLI_FAIL;
  airc_err err = {0};
  airc_rc rc = store_var_delete(s, argv[1], &err);
  if(!rc) cli_audit(s, "variable_delete", NULL, NULL, NULL, json_pack("{s:s}", "key", argv[1]));
  store_close(s);
  if(rc) return cli_fail_err(&err);
  printf("Variable %s deleted\n", argv[1]);
  return CLI_OK;
}

/* import: {"NAME": "value"} or {"NAME": {"value": ..., "is_secret": true, "description": ...}}, all or nothing. */
int cmd_variables_import(int argc, char **argv) {
  if(argc != 2 || argv[1][0] == '-') return cli_usage_error("variables import", "expected exactly one FILE.json");
  json_error_t je;
  json_t *pDoc = json_load_file(argv[1], 0, &je);
  if(!pDoc) return cli_error("%s:%d: %s", argv[1], je.line, je.text);
  if(!json_is_object(pDoc)) {
    json_decref(pDoc);
    return cli_error("%s: expected a JSON object of NAME: value", argv[1]);
  }
  const char *zKey;
  json_t *pV;
  json_object_foreach(pDoc, zKey, pV) {
    json_t *pVal = json_is_object(pV) ? json_object_get(pV, "value") : pV;
    if(!conn_name_is_valid(zKey) || !pVal) {
      json_decref(pDoc);
      return cli_error("%s: variable '%.100s': bad name or no value", argv[1], zKey);
    }
  }
  seal_key key;
  store *s = open_with_key(&key);
  if(!s) {
    json_decref(pDoc);
    return CLI_FAIL;
  }
  airc_err err = {0};
  airc_rc rc = store_begin(s, &err);
  int n = 0;
  json_object_foreach(pDoc, zKey, pV) {
    if(rc) break;
    json_t *pVal = json_is_object(pV) ? json_object_get(pV, "value") : pV;
    char *zVal = json_is_string(pVal) ? strdup(json_string_value(pVal)) : json_dumps(pVal, JSON_COMPACT | JSON_ENCODE_ANY);
    int bSecret = json_is_object(pV) && json_is_true(json_object_get(pV, "is_secret"));
    const char *zDesc = json_is_object(pV) ? json_string_value(json_object_get(pV, "description")) : NULL;
    rc = store_var_set(s, &key, zKey, zVal ? zVal : "", bSecret, zDesc, &err);
    free(zVal);
    n++;
  }
  if(!rc) rc = store_commit(s, &err);
  else store_rollback(s);
  if(!rc) cli_audit(s, "variable_import", NULL, NULL, NULL, json_pack("{s:i}", "count", n));
  store_close(s);
  json_decref(pDoc);
  if(rc) return cli_fail_err(&err);
  printf("%d of %d variables successfully updated.\n", n, n);
  return CLI_OK;
}

int cmd_variables_export(int argc, char **argv) {
  if(argc > 2 || (argc == 2 && argv[1][0] == '-')) return cli_usage_error("variables export", "expected at most one FILE");
  seal_key key;
  store *s = open_with_key(&key);
  if(!s) return CLI_FAIL;
  airc_err err = {0};
  json_t *pAll = NULL;
  airc_rc rc = store_var_all(s, &key, &pAll, &err);
  store_close(s);
  if(rc) return cli_fail_err(&err);
  json_t *pOut = json_object();
  const char *zKey;
  json_t *pV;
  json_object_foreach(pAll, zKey, pV) {
    if(json_is_true(json_object_get(pV, "is_secret")) || json_is_string(json_object_get(pV, "description")))
      json_object_set(pOut, zKey, pV);
    else json_object_set(pOut, zKey, json_object_get(pV, "value"));
  }
  int bad = argc == 2 ? json_dump_file(pOut, argv[1], JSON_INDENT(2) | JSON_SORT_KEYS)
                      : json_dumpf(pOut, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
  if(argc != 2) printf("\n");
  else if(!bad) fprintf(stderr, "%zu variables successfully exported to %s\n", json_object_size(pOut), argv[1]);
  json_decref(pOut);
  json_decref(pAll);
  if(bad) return cli_error("cannot write %s", argc == 2 ? argv[1] : "stdout");
  return CLI_OK;
}

int cmd_db_rotate_key(int argc, char **argv) {
  const char *zNew = NULL, *z;
  for(int i = 1; i < argc; i++) {
    if((z = opt_value(argc, argv, &i, "--new-key"))) zNew = z;
    else return cli_usage_error("db rotate-key", "unexpected argument '%s'", argv[i]);
  }
  int bCfg = seal_key_from_config();
  if(bCfg && !zNew)
    return cli_usage_error("db rotate-key", "[core] secret_key is set in airc.ini: give the new one with --new-key, then put it in airc.ini");
  seal_key oldKey, newKey;
  store *s = open_with_key(&oldKey);
  if(!s) return CLI_FAIL;
  if(zNew) seal_key_from_text(zNew, &newKey);
  else seal_key_random(&newKey);
  airc_err err = {0};
  int n = 0;
  airc_rc rc = store_secret_rekey(s, &oldKey, &newKey, &n, &err);
  if(!rc) cli_audit(s, "rotate_key", NULL, NULL, NULL, NULL);
  store_close(s);
  /* the store is re-sealed: the key file follows (a crash in between
   * leaves the old key with new values: keep the printed count as a check) */
  if(!rc && !bCfg) rc = seal_key_save(&newKey, &err);
  sodium_memzero(&oldKey, sizeof(oldKey));
  sodium_memzero(&newKey, sizeof(newKey));
  if(rc) return cli_fail_err(&err);
  printf("Re-encrypted %d secret values under the new key%s\n", n, bCfg ? " (now set [core] secret_key to it)" : "");
  return CLI_OK;
}
