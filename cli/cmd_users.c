/* cmd_users.c: `airc users create|list|delete` (the CLI side of users.h).
 * The password of `users create` comes from a prompt with echo off when
 * stdin is a terminal, else from the first line of stdin
 * (--password-stdin says so explicitly); never from argv, where `ps` would
 * show it. */
#include "cli/cli.h"
#include "cli/commands.h"
#include "webui/users.h"
#include <getopt.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

/* Reads one line (without its newline) into zOut; 0 on success. */
static int read_line(FILE *f, char *zOut, size_t nOut) {
  if(!fgets(zOut, (int)nOut, f)) return -1;
  size_t n = strlen(zOut);
  if(n && zOut[n - 1] == '\n') zOut[--n] = 0;
  else if(n == nOut - 1 && !feof(f)) return -2; /* too long */
  if(n && zOut[n - 1] == '\r') zOut[--n] = 0;
  return 0;
}

static int prompt_password(const char *zPrompt, char *zOut, size_t nOut) {
  struct termios old, quiet;
  fprintf(stderr, "%s", zPrompt);
  fflush(stderr);
  int bTty = tcgetattr(STDIN_FILENO, &old) == 0;
  if(bTty) {
    quiet = old;
    quiet.c_lflag &= ~(tcflag_t)ECHO;
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  }
  int rc = read_line(stdin, zOut, nOut);
  if(bTty) {
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
    fprintf(stderr, "\n");
  }
  return rc;
}

int cmd_users_create(int argc, char **argv) {
  static const struct option aOpt[] = {{"username", required_argument, 0, 'u'},
                                       {"role", required_argument, 0, 'r'},
                                       {"password-stdin", no_argument, 0, 'p'},
                                       {0, 0, 0, 0}};
  const char *zName = NULL, *zRole = NULL;
  int bStdin = 0, c;
  optind = 0;
  while((c = getopt_long(argc, argv, "u:r:", aOpt, NULL)) != -1) {
    if(c == 'u') zName = optarg;
    else if(c == 'r') zRole = optarg;
    else if(c == 'p') bStdin = 1;
    else return cli_usage_error("users create", "unknown option");
  }
  if(optind != argc) return cli_usage_error("users create", "unexpected argument '%s'", argv[optind]);
  if(!zName) return cli_usage_error("users create", "--username is required");
  if(!zRole) return cli_usage_error("users create", "--role is required");
  web_role role = web_role_parse(zRole);
  if(role == WEB_ROLE_NONE) return cli_usage_error("users create", "--role must be admin, op or viewer, not '%s'", zRole);
  if(!users_name_is_valid(zName))
    return cli_usage_error("users create", "username '%s' is not valid (1-64 characters: letters, digits, _ . @ -)", zName);
  char zPw[USERS_PASSWORD_MAX + 2], zPw2[USERS_PASSWORD_MAX + 2];
  int bTty = !bStdin && isatty(STDIN_FILENO);
  int rcRead = bTty ? prompt_password("Password: ", zPw, sizeof(zPw)) : read_line(stdin, zPw, sizeof(zPw));
  if(rcRead) return cli_error("could not read the password from %s%s", bTty ? "the terminal" : "stdin",
                              rcRead == -2 ? " (longer than 1024 bytes)" : "");
  if(bTty) {
    if(prompt_password("Repeat password: ", zPw2, sizeof(zPw2)) || strcmp(zPw, zPw2)) {
      sodium_memzero(zPw, sizeof(zPw));
      sodium_memzero(zPw2, sizeof(zPw2));
      return cli_error("the passwords do not match");
    }
    sodium_memzero(zPw2, sizeof(zPw2));
  }
  store *s = cli_open_store();
  if(!s) {
    sodium_memzero(zPw, sizeof(zPw));
    return CLI_FAIL;
  }
  airc_err err = {0};
  airc_rc rc = users_create(s, zName, role, zPw, &err);
  sodium_memzero(zPw, sizeof(zPw));
  if(!rc) cli_audit(s, "user_create", NULL, NULL, NULL, json_pack("{s:s, s:s}", "username", zName, "role", web_role_name(role)));
  store_close(s);
  if(rc) return cli_fail_err(&err);
  printf("Created user %s with role %s\n", zName, web_role_name(role));
  return CLI_OK;
}

int cmd_users_list(int argc, char **argv) {
  static const struct option aOpt[] = {{"output", required_argument, 0, 'o'}, {0, 0, 0, 0}};
  cli_output out = OUT_TABLE;
  int c;
  optind = 0;
  while((c = getopt_long(argc, argv, "o:", aOpt, NULL)) != -1) {
    if(c == 'o') {
      if(!cli_parse_output(optarg, &out)) return cli_usage_error("users list", "--output must be table, json or plain");
    } else return cli_usage_error("users list", "unknown option");
  }
  if(optind != argc) return cli_usage_error("users list", "unexpected argument '%s'", argv[optind]);
  store *s = cli_open_store();
  if(!s) return CLI_FAIL;
  airc_err err = {0};
  json_t *pRows = users_list_json(s, &err);
  store_close(s);
  if(!pRows) return cli_fail_err(&err);
  static const char *const azCols[] = {"username", "role", "created", NULL};
  cli_print_rows(pRows, azCols, out);
  json_decref(pRows);
  return CLI_OK;
}

int cmd_users_delete(int argc, char **argv) {
  static const struct option aOpt[] = {{"username", required_argument, 0, 'u'}, {0, 0, 0, 0}};
  const char *zName = NULL;
  int c;
  optind = 0;
  while((c = getopt_long(argc, argv, "u:", aOpt, NULL)) != -1) {
    if(c == 'u') zName = optarg;
    else return cli_usage_error("users delete", "unknown option");
  }
  if(optind != argc) return cli_usage_error("users delete", "unexpected argument '%s'", argv[optind]);
  if(!zName) return cli_usage_error("users delete", "--username is required");
  store *s = cli_open_store();
  if(!s) return CLI_FAIL;
  airc_err err = {0};
  airc_rc rc = users_delete(s, zName, &err);
  if(!rc) cli_audit(s, "user_delete", NULL, NULL, NULL, json_pack("{s:s}", "username", zName));
  store_close(s);
  if(rc) return cli_fail_err(&err);
  printf("Deleted user %s\n", zName);
  return CLI_OK;
}

int cmd_users_set_password(int argc, char **argv) {
  static const struct option aOpt[] = {{"username", required_argument, 0, 'u'},
                                       {"password-stdin", no_argument, 0, 'p'},
                                       {0, 0, 0, 0}};
  const char *zName = NULL;
  int bStdin = 0, c;
  optind = 0;
  while((c = getopt_long(argc, argv, "u:", aOpt, NULL)) != -1) {
    if(c == 'u') zName = optarg;
    else if(c == 'p') bStdin = 1;
    else return cli_usage_error("users set-password", "unknown option");
  }
  if(optind != argc) return cli_usage_error("users set-password", "unexpected argument '%s'", argv[optind]);
  if(!zName) return cli_usage_error("users set-password", "--username is required");
  char zPw[USERS_PASSWORD_MAX + 2], zPw2[USERS_PASSWORD_MAX + 2];
  int bTty = !bStdin && isatty(STDIN_FILENO);
  int rcRead = bTty ? prompt_password("New password: ", zPw, sizeof(zPw)) : read_line(stdin, zPw, sizeof(zPw));
  if(rcRead) return cli_error("could not read the password from %s%s", bTty ? "the terminal" : "stdin",
                              rcRead == -2 ? " (longer than 1024 bytes)" : "");
  if(bTty) {
    if(prompt_password("Repeat password: ", zPw2, sizeof(zPw2)) || strcmp(zPw, zPw2)) {
      sodium_memzero(zPw, sizeof(zPw));
      sodium_memzero(zPw2, sizeof(zPw2));
      return cli_error("the passwords do not match");
    }
    sodium_memzero(zPw2, sizeof(zPw2));
  }
  store *s = cli_open_store();
  if(!s) {
    sodium_memzero(zPw, sizeof(zPw));
    return CLI_FAIL;
  }
  airc_err err = {0};
  airc_rc rc = users_set_password(s, zName, zPw, &err);
  sodium_memzero(zPw, sizeof(zPw));
  if(!rc) cli_audit(s, "user_password", NULL, NULL, NULL, json_pack("{s:s}", "username", zName));
  store_close(s);
  if(rc) return cli_fail_err(&err);
  printf("Changed the password of %s; its sessions and access tokens are revoked\n", zName);
  return CLI_OK;
}

/* `airc users tokens create USER --name NAME [--expires-days N]`, `... list
 * USER [--output F]`, `... revoke USER NAME`. argv[0] is "tokens". */
int cmd_users_tokens(int argc, char **argv) {
  const char *zSub = argc >= 2 ? argv[1] : "";
  argc--;
  argv++;
  static const struct option aOpt[] = {{"name", required_argument, 0, 'n'},
                                       {"expires-days", required_argument, 0, 'e'},
                                       {"output", required_argument, 0, 'o'},
                                       {0, 0, 0, 0}};
  const char *zName = NULL;
  long long days = 0;
  cli_output out = OUT_TABLE;
  int c;
  if(strcmp(zSub, "create") && strcmp(zSub, "list") && strcmp(zSub, "revoke"))
    return cli_usage_error("users tokens", "expected create, list or revoke, not '%s'", zSub);
  optind = 0;
  while((c = getopt_long(argc, argv, "n:o:", aOpt, NULL)) != -1) {
    if(c == 'n' && !strcmp(zSub, "create")) zName = optarg;
    else if(c == 'e' && !strcmp(zSub, "create")) {
      char *zEnd = NULL;
      days = strtoll(optarg, &zEnd, 10);
      if(!*optarg || *zEnd || days < 1 || days > 36500)
        return cli_usage_error("users tokens create", "--expires-days must be a whole number from 1 to 36500, not '%s'", optarg);
    } else if(c == 'o' && !strcmp(zSub, "list")) {
      if(!cli_parse_output(optarg, &out)) return cli_usage_error("users tokens list", "--output must be table, json or plain");
    } else return cli_usage_error("users tokens", "unknown option for 'users tokens %s'", zSub);
  }
  int nPos = argc - optind;
  int nWant = !strcmp(zSub, "revoke") ? 2 : 1;
  if(nPos < nWant) return cli_usage_error("users tokens", "'users tokens %s' needs %s", zSub, nWant == 2 ? "USER NAME" : "USER");
  if(nPos > nWant) return cli_usage_error("users tokens", "unexpected argument '%s'", argv[optind + nWant]);
  const char *zUser = argv[optind];
  if(!strcmp(zSub, "create") && !zName) return cli_usage_error("users tokens create", "--name is required");
  store *s = cli_open_store();
  if(!s) return CLI_FAIL;
  airc_err err = {0};
  if(!strcmp(zSub, "list")) {
    json_t *pRows = users_token_list_json(s, zUser, &err);
    store_close(s);
    if(!pRows) return cli_fail_err(&err);
    static const char *const azCols[] = {"name", "created", "expires", NULL};
    cli_print_rows(pRows, azCols, out);
    json_decref(pRows);
    return CLI_OK;
  }
  if(!strcmp(zSub, "revoke")) {
    airc_rc rc = users_token_revoke(s, zUser, argv[optind + 1], &err);
    if(!rc) cli_audit(s, "token_revoke", NULL, NULL, NULL, json_pack("{s:s, s:s}", "username", zUser, "name", argv[optind + 1]));
    store_close(s);
    if(rc) return cli_fail_err(&err);
    printf("Revoked token %s of %s\n", argv[optind + 1], zUser);
    return CLI_OK;
  }
  char zTok[USERS_TOKEN_BUF];
  airc_rc rc = users_token_create(s, zUser, zName, days, zTok, sizeof(zTok), &err);
  if(!rc) cli_audit(s, "token_create", NULL, NULL, NULL, json_pack("{s:s, s:s}", "username", zUser, "name", zName));
  store_close(s);
  if(rc) return cli_fail_err(&err);
  printf("%s\n", zTok);
  fprintf(stderr, "Created token %s for %s%s; it is shown only this once\n", zName, zUser,
          days > 0 ? "" : " (it does not expire)");
  sodium_memzero(zTok, sizeof(zTok));
  return CLI_OK;
}
