/* test_template.c: unit tests of dag/template.c: every built-in
 * name, params./conf./xcom. lookups with dotted paths (and task ids that
 * contain dots), string vs JSON rendering, the error messages (unknown
 * name, unclosed "{{", bad name, cap exceeded), the AIRC_* environment,
 * and shell commands: the quoting function, each quote context, the
 * refusals, the raw filter, and hostile values run through /bin/sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dag/template.h"
#include <sys/wait.h>
#include <unistd.h>

#define T2026 1767225600LL /* 2026-01-01T00:00:00Z */

typedef struct fixture {
  template_ctx ctx;
  json_t *pParams, *pConf, *pXcom;
} fixture;

static json_t *json_parse(const char *z) {
  json_error_t e;
  json_t *p = json_loads(z, JSON_DECODE_ANY, &e);
  if(!p) fail_msg("bad test JSON: %s", e.text);
  return p;
}

static int setup(void **state) {
  fixture *f = calloc(1, sizeof(fixture));
  f->pParams = json_parse("{\"region\": \"eu\", \"n\": 5, \"flag\": true, \"nested\": {\"a\": {\"b\": \"deep\"}},"
                          " \"list\": [1, \"x\"], \"nothing\": null, \"my key\": \"spaced\"}");
  f->pConf = json_parse("{\"mode\": \"full\", \"limits\": {\"max\": 10}, \"empty\": \"\"}");
  f->pXcom = json_parse("{\"extract\": {\"path\": \"/tmp/out.jsonl\", \"count\": 42, \"meta\": {\"ok\": true}},"
                        " \"plain\": \"hello\", \"num\": 7,"
                        " \"group.load\": {\"rows\": 3},"
                        " \"group\": {\"load\": {\"rows\": 999}, \"other\": 1},"
                        " \"a.b.c\": \"dotted-task\"}");
  f->ctx.zDagId = "etl";
  f->ctx.zRunId = "scheduled__2026-01-01T00:00:00+00:00";
  f->ctx.zTaskId = "load";
  f->ctx.tryNumber = 2;
  f->ctx.logicalDate = T2026 + 3600 + 2 * 60 + 3;
  f->ctx.dataIntervalStart = T2026 - 86400;
  f->ctx.dataIntervalEnd = T2026;
  f->ctx.pParams = f->pParams;
  f->ctx.pConf = f->pConf;
  f->ctx.pXcom = f->pXcom;
  *state = f;
  return 0;
}

static int teardown(void **state) {
  fixture *f = *state;
  json_decref(f->pParams);
  json_decref(f->pConf);
  json_decref(f->pXcom);
  free(f);
  return 0;
}

/* Renders zIn and checks the output. */
static void assert_render(const template_ctx *pCtx, const char *zIn, const char *zWant) {
  dynbuf b;
  dynbuf_init(&b, 1 << 16);
  airc_err e = {0};
  airc_rc rc = template_render(pCtx, zIn, &b, &e);
  if(rc) fail_msg("render '%s' failed: %s", zIn, e.zMsg);
  if(strcmp(dynbuf_str(&b), zWant)) fail_msg("render '%s' = '%s', want '%s'", zIn, dynbuf_str(&b), zWant);
  dynbuf_free(&b);
}

static void assert_render_error(const template_ctx *pCtx, const char *zIn, size_t nMax, airc_rc rcWant,
                                const char *zWant) {
  dynbuf b;
  dynbuf_init(&b, nMax);
  airc_err e = {0};
  assert_int_equal(template_render(pCtx, zIn, &b, &e), rcWant);
  assert_int_equal(e.rc, rcWant);
  assert_string_equal(e.zMsg, zWant);
  dynbuf_free(&b);
}

static void test_builtin_names(void **state) {
  const template_ctx *c = &((fixture *)*state)->ctx;
  assert_render(c, "{{ ds }}", "2026-01-01");
  assert_render(c, "{{ds_nodash}}", "20260101");
  assert_render(c, "{{ ts }}", "2026-01-01T01:02:03+00:00");
  assert_render(c, "{{ ts_nodash }}", "20260101T010203");
  assert_render(c, "{{ logical_date }}", "2026-01-01T01:02:03+00:00");
  assert_render(c, "{{ data_interval_start }}", "2025-12-31T00:00:00+00:00");
  assert_render(c, "{{ data_interval_end }}", "2026-01-01T00:00:00+00:00");
  assert_render(c, "{{ run_id }}", "scheduled__2026-01-01T00:00:00+00:00");
  assert_render(c, "{{ dag_id }}", "etl");
  assert_render(c, "{{ task_id }}", "load");
  assert_render(c, "{{ try_number }}", "2");
  assert_render(c, "{{\tds\n}}", "2026-01-01");
}

static void test_text_around(void **state) {
  const template_ctx *c = &((fixture *)*state)->ctx;
  assert_render(c, "", "");
  assert_render(c, "no templates here", "no templates here");
  assert_render(c, "out/{{ ds }}/{{ task_id }}.csv", "out/2026-01-01/load.csv");
  assert_render(c, "{{ dag_id }}{{ dag_id }}", "etletl");
  assert_render(c, "a } b }} c {", "a } b }} c {");
  assert_render(c, "echo '{ not a template }'", "echo '{ not a template }'");
  /* a value containing "{{" is not expanded again */
  template_ctx c2 = *c;
  c2.zDagId = "{{ ds }}";
  assert_render(&c2, "{{ dag_id }}!", "{{ ds }}!");
}

static void test_null_ids(void **state) {
  (void)state;
  template_ctx c = {0};
  assert_render(&c, "[{{ run_id }}|{{ dag_id }}|{{ task_id }}|{{ try_number }}]", "[|||0]");
  assert_render(&c, "{{ ds }} {{ ts }}", "1970-01-01 1970-01-01T00:00:00+00:00");
}

static void test_params_conf(void **state) {
  const template_ctx *c = &((fixture *)*state)->ctx;
  assert_render(c, "{{ params.region }}", "eu");               /* string: no quotes */
  assert_render(c, "{{ params.n }}", "5");                     /* number: JSON */
  assert_render(c, "{{ params.flag }}", "true");
  assert_render(c, "{{ params.nothing }}", "null");
  assert_render(c, "{{ params.list }}", "[1,\"x\"]");
  assert_render(c, "{{ params.nested }}", "{\"a\":{\"b\":\"deep\"}}");
  assert_render(c, "{{ params.nested.a.b }}", "deep");
  assert_render(c, "{{ params.my key }}", "spaced");
  assert_render(c, "{{ conf.mode }}", "full");
  assert_render(c, "{{ conf.limits.max }}", "10");
  assert_render(c, "[{{ conf.empty }}]", "[]");
}

static void test_xcom(void **state) {
  const template_ctx *c = &((fixture *)*state)->ctx;
  assert_render(c, "{{ xcom.plain }}", "hello");
  assert_render(c, "{{ xcom.num }}", "7");
  assert_render(c, "{{ xcom.extract.path }}", "/tmp/out.jsonl");
  assert_render(c, "{{ xcom.extract.count }}", "42");
  assert_render(c, "{{ xcom.extract.meta }}", "{\"ok\":true}");
  assert_render(c, "{{ xcom.extract.meta.ok }}", "true");
  assert_render(c, "{{ xcom.extract }}",
                "{\"path\":\"/tmp/out.jsonl\",\"count\":42,\"meta\":{\"ok\":true}}");
  /* task ids containing dots: the whole name first, then the longest task
   * id prefix that exists, the rest as a path */
  assert_render(c, "{{ xcom.a.b.c }}", "dotted-task");
  assert_render(c, "{{ xcom.group.load }}", "{\"rows\":3}");
  assert_render(c, "{{ xcom.group.load.rows }}", "3");
  assert_render(c, "{{ xcom.group.other }}", "1");
}

static void test_lookup(void **state) {
  const template_ctx *c = &((fixture *)*state)->ctx;
  char *z = template_lookup(c, "params.region");
  assert_string_equal(z, "eu");
  free(z);
  assert_null(template_lookup(c, "nope"));
  assert_null(template_lookup(c, "params.missing"));
  assert_null(template_lookup(c, "params.region.deeper")); /* a string has no fields */
  assert_null(template_lookup(c, "params.list.0"));        /* no array indexing */
  assert_null(template_lookup(c, "xcom.missing"));
  assert_null(template_lookup(c, "xcom.extract.nope"));
  assert_null(template_lookup(c, "DS"));                   /* names are case-sensitive */
  template_ctx empty = {0};
  assert_null(template_lookup(&empty, "params.x"));
  assert_null(template_lookup(&empty, "conf.x"));
  assert_null(template_lookup(&empty, "xcom.x"));
}

static void test_errors(void **state) {
  const template_ctx *c = &((fixture *)*state)->ctx;
  assert_render_error(c, "{{ dss }}", 1000, AIRC_ERR_INVALID, "template: unknown variable 'dss'");
  assert_render_error(c, "x {{ params.missing }} y", 1000, AIRC_ERR_INVALID,
                      "template: unknown variable 'params.missing'");
  assert_render_error(c, "{{ xcom.nobody }}", 1000, AIRC_ERR_INVALID,
                      "template: unknown variable 'xcom.nobody'");
  assert_render_error(c, "{{ conf.limits.min }}", 1000, AIRC_ERR_INVALID,
                      "template: unknown variable 'conf.limits.min'");
  assert_render_error(c, "echo {{ ds", 1000, AIRC_ERR_INVALID, "template: '{{' without closing '}}'");
  assert_render_error(c, "{{ ds }} {{", 1000, AIRC_ERR_INVALID, "template: '{{' without closing '}}'");
  assert_render_error(c, "{{ ds } }", 1000, AIRC_ERR_INVALID, "template: '{{' without closing '}}'");
  assert_render_error(c, "{{}}", 1000, AIRC_ERR_INVALID, "template: bad variable name");
  assert_render_error(c, "{{   }}", 1000, AIRC_ERR_INVALID, "template: bad variable name");
  char zLong[700];
  memcpy(zLong, "{{ ", 3);
  memset(zLong + 3, 'a', 600);
  memcpy(zLong + 603, " }}", 4);
  assert_render_error(c, zLong, 1000, AIRC_ERR_INVALID, "template: bad variable name");
}

static void test_cap(void **state) {
  const template_ctx *c = &((fixture *)*state)->ctx;
  /* exactly at the cap is fine */
  dynbuf b;
  dynbuf_init(&b, 10);
  airc_err e = {0};
  assert_int_equal(template_render(c, "{{ ds }}", &b, &e), AIRC_OK);
  assert_string_equal(dynbuf_str(&b), "2026-01-01");
  dynbuf_free(&b);
  /* one byte over, in each of the three places text is appended */
  assert_render_error(c, "{{ ds }}", 9, AIRC_ERR_TOOBIG, "template: rendered value exceeds 9 bytes");
  assert_render_error(c, "0123456789{{ ds }}", 9, AIRC_ERR_TOOBIG, "template: rendered value exceeds 9 bytes");
  assert_render_error(c, "{{ ds }}!", 10, AIRC_ERR_TOOBIG, "template: rendered value exceeds 10 bytes");
  assert_render_error(c, "0123456789x", 10, AIRC_ERR_TOOBIG, "template: rendered value exceeds 10 bytes");
}

static void unset_airc_env(void) {
  static const char *const az[] = {"AIRC_DS", "AIRC_TS", "AIRC_LOGICAL_DATE", "AIRC_DATA_INTERVAL_START",
                                   "AIRC_DATA_INTERVAL_END", "AIRC_RUN_ID", "AIRC_DAG_ID",
                                   "AIRC_TASK_ID", "AIRC_TRY_NUMBER", "AIRC_PARAMS", "AIRC_CONF",
                                   "AIRC_XCOM", "AIRC_PARAMS_REGION", "AIRC_PARAMS_N"};
  for(size_t i = 0; i < sizeof(az) / sizeof(az[0]); i++) unsetenv(az[i]);
}

static void assert_env(const char *zName, const char *zWant) {
  const char *z = getenv(zName);
  if(!z) fail_msg("%s is not set", zName);
  if(strcmp(z, zWant)) fail_msg("%s='%s', want '%s'", zName, z, zWant);
}

static void test_export_env(void **state) {
  const template_ctx *c = &((fixture *)*state)->ctx;
  unset_airc_env();
  template_export_env(c);
  assert_env("AIRC_DS", "2026-01-01");
  assert_env("AIRC_TS", "2026-01-01T01:02:03+00:00");
  assert_env("AIRC_LOGICAL_DATE", "2026-01-01T01:02:03+00:00");
  assert_env("AIRC_DATA_INTERVAL_START", "2025-12-31T00:00:00+00:00");
  assert_env("AIRC_DATA_INTERVAL_END", "2026-01-01T00:00:00+00:00");
  assert_env("AIRC_RUN_ID", "scheduled__2026-01-01T00:00:00+00:00");
  assert_env("AIRC_DAG_ID", "etl");
  assert_env("AIRC_TASK_ID", "load");
  assert_env("AIRC_TRY_NUMBER", "2");
  assert_env("AIRC_PARAMS_REGION", "eu");
  assert_env("AIRC_PARAMS_N", "5");
  assert_env("AIRC_PARAMS_FLAG", "true");
  assert_env("AIRC_PARAMS_NESTED", "{\"a\":{\"b\":\"deep\"}}");
  assert_env("AIRC_PARAMS_MY_KEY", "spaced");
  assert_env("AIRC_CONF_MODE", "full");
  assert_env("AIRC_CONF_LIMITS", "{\"max\":10}");
  assert_env("AIRC_XCOM_PLAIN", "hello");
  assert_env("AIRC_XCOM_GROUP_LOAD", "{\"rows\":3}");
  assert_env("AIRC_XCOM_A_B_C", "dotted-task");
  /* whole objects as JSON, parsable back to the same value */
  json_error_t je;
  json_t *p = json_loads(getenv("AIRC_PARAMS"), 0, &je);
  assert_non_null(p);
  assert_true(json_equal(p, ((fixture *)*state)->pParams));
  json_decref(p);
  p = json_loads(getenv("AIRC_XCOM"), 0, &je);
  assert_true(json_equal(p, ((fixture *)*state)->pXcom));
  json_decref(p);
}


/* A mapped instance: {{ item }}, {{ item.KEY }}, {{ map_index }} and the
 * environment; an unmapped task knows no {{ item }}. */
static void test_item_of_a_mapped_instance(void **state) {
  template_ctx c = ((fixture *)*state)->ctx;
  char *z = template_lookup(&c, "item");
  assert_null(z);
  json_t *pItem = json_pack("{s:s, s:i}", "file", "a.csv", "n", 3);
  c.pItem = pItem;
  c.mapIndex = 4;
  z = template_lookup(&c, "item");
  assert_string_equal(z, "{\"file\":\"a.csv\",\"n\":3}");
  free(z);
  z = template_lookup(&c, "item.file");
  assert_string_equal(z, "a.csv");
  free(z);
  z = template_lookup(&c, "map_index");
  assert_string_equal(z, "4");
  free(z);
  unsetenv("AIRC_ITEM");
  unsetenv("AIRC_MAP_INDEX");
  template_export_env(&c);
  assert_string_equal(getenv("AIRC_ITEM"), "{\"file\":\"a.csv\",\"n\":3}");
  assert_string_equal(getenv("AIRC_MAP_INDEX"), "4");
  json_t *pStr = json_string("plain");
  c.pItem = pStr;
  template_export_env(&c);
  assert_string_equal(getenv("AIRC_ITEM"), "plain");
  json_decref(pStr);
  json_decref(pItem);
  unsetenv("AIRC_ITEM");
  unsetenv("AIRC_MAP_INDEX");
}

static void test_export_env_empty(void **state) {
  (void)state;
  template_ctx c = {0};
  unset_airc_env();
  template_export_env(&c);
  assert_env("AIRC_PARAMS", "{}");
  assert_env("AIRC_CONF", "{}");
  assert_env("AIRC_XCOM", "{}");
  assert_env("AIRC_DS", "1970-01-01");
  assert_env("AIRC_DAG_ID", "");
  assert_null(getenv("AIRC_PARAMS_REGION"));
}

/* ---- shell commands ---- */

static void assert_quote(const char *zVal, int bInside, const char *zWant) {
  dynbuf b;
  dynbuf_init(&b, 1 << 16);
  assert_int_equal(template_shell_quote(zVal, bInside, &b), AIRC_OK);
  if(strcmp(dynbuf_str(&b), zWant)) fail_msg("quote '%s' = [%s], want [%s]", zVal, dynbuf_str(&b), zWant);
  dynbuf_free(&b);
}

static void test_shell_quote(void **state) {
  (void)state;
  assert_quote("", 0, "''");
  assert_quote("plain", 0, "'plain'");
  assert_quote("it's", 0, "'it'\\''s'");
  assert_quote("'", 0, "''\\'''");
  assert_quote("$(id) `id` \"x\" ;|&*\n-", 0, "'$(id) `id` \"x\" ;|&*\n-'");
  assert_quote("it's", 1, "it'\\''s");
  assert_quote("", 1, "");
  dynbuf b;
  dynbuf_init(&b, 3);
  assert_int_equal(template_shell_quote("abcd", 0, &b), AIRC_ERR_TOOBIG);
  dynbuf_free(&b);
}

/* A context whose conf.v is zVal. */
static template_ctx *conf_ctx(template_ctx *pOut, json_t **ppConf, const char *zVal) {
  memset(pOut, 0, sizeof(*pOut));
  *ppConf = json_pack("{ss}", "v", zVal);
  pOut->pConf = *ppConf;
  pOut->zRunId = "r1";
  return pOut;
}

static void assert_shell(const char *zVal, const char *zIn, const char *zWant) {
  template_ctx c;
  json_t *pConf;
  conf_ctx(&c, &pConf, zVal);
  dynbuf b;
  dynbuf_init(&b, 1 << 16);
  airc_err e = {0};
  if(template_render_shell(&c, zIn, &b, &e)) fail_msg("render '%s' failed: %s", zIn, e.zMsg);
  if(strcmp(dynbuf_str(&b), zWant)) fail_msg("render '%s' = [%s], want [%s]", zIn, dynbuf_str(&b), zWant);
  dynbuf_free(&b);
  json_decref(pConf);
}

static void test_shell_contexts(void **state) {
  (void)state;
  assert_shell("a b", "echo {{ conf.v }}", "echo 'a b'");
  assert_shell("a'b", "echo x{{ conf.v }}y", "echo x'a'\\''b'y");
  assert_shell("a'b", "echo 'x{{ conf.v }}y'", "echo 'xa'\\''by'");
  assert_shell("a\"b", "echo \"x{{ conf.v }}y\"", "echo \"x\"'a\"b'\"y\"");
  assert_shell("v", "t=$(cat \"{{ conf.v }}\")", "t=$(cat \"\"'v'\"\")");
  assert_shell("v", "echo \"$(echo \"{{ conf.v }}\")\" {{ conf.v }}", "echo \"$(echo \"\"'v'\"\")\" 'v'");
  assert_shell("v", "echo \"$(echo ')')\" {{ conf.v }}", "echo \"$(echo ')')\" 'v'");
  assert_shell("v", "n=$(( $(date +%s) % 100 )); echo \"n {{ conf.v }}\"", "n=$(( $(date +%s) % 100 )); echo \"n \"'v'\"\"");
  assert_shell("v", "echo \\' {{ conf.v }}", "echo \\' 'v'");
  assert_shell("v", "echo \"\\\"\" {{ conf.v }}", "echo \"\\\"\" 'v'");
  assert_shell("v", "echo $# ${#x} ${HOME} {{ conf.v }}", "echo $# ${#x} ${HOME} 'v'");
  assert_shell("v", "echo a#b {{ conf.v }} # done", "echo a#b 'v' # done");
  assert_shell("v", "# note\necho {{ conf.v }}", "# note\necho 'v'");
  assert_shell("v", "[ {{ conf.v }} = v ] && echo '{\"k\": {{ conf.v }}}'", "[ 'v' = v ] && echo '{\"k\": v}'");
  /* raw: as is, anywhere */
  assert_shell("$(id)", "echo {{ conf.v | raw }} `{{conf.v|raw}}`", "echo $(id) `$(id)`");
  /* run_id is quoted like any value */
  template_ctx c = {0};
  c.zRunId = "r1";
  dynbuf b;
  dynbuf_init(&b, 100);
  airc_err e = {0};
  assert_int_equal(template_render_shell(&c, "echo \"{{ run_id }}\"", &b, &e), AIRC_OK);
  assert_string_equal(dynbuf_str(&b), "echo \"\"'r1'\"\"");
  dynbuf_free(&b);
}

static void assert_shell_refused(const char *zIn, const char *zWant) {
  airc_err e = {0};
  assert_int_equal(template_check_shell(zIn, &e), AIRC_ERR_INVALID);
  if(strcmp(e.zMsg, zWant)) fail_msg("check '%s': [%s], want [%s]", zIn, e.zMsg, zWant);
  /* rendering refuses the same way */
  template_ctx c;
  json_t *pConf;
  conf_ctx(&c, &pConf, "v");
  dynbuf b;
  dynbuf_init(&b, 1 << 16);
  airc_err e2 = {0};
  assert_int_equal(template_render_shell(&c, zIn, &b, &e2), AIRC_ERR_INVALID);
  assert_string_equal(e2.zMsg, zWant);
  dynbuf_free(&b);
  json_decref(pConf);
}

static void test_shell_refusals(void **state) {
  (void)state;
  const char *zP = "template: {{ conf.v }} cannot be quoted for the shell: ";
  char z[400];
#define REFUSED(zIn, zWhy) (snprintf(z, sizeof(z), "%s%s", zP, zWhy), assert_shell_refused(zIn, z))
  REFUSED("echo `echo {{ conf.v }}`", "it is inside backticks (use $(...) instead)");
  REFUSED("echo \"`{{ conf.v }}`\"", "it is inside backticks (use $(...) instead)");
  REFUSED("echo hi # {{ conf.v }}", "it is inside a shell comment");
  REFUSED("echo ${x:-{{ conf.v }}}", "it is inside ${...}");
  REFUSED("echo $(( {{ conf.v }} + 1 ))", "it is inside $((...)) (set a variable first: n={{ ... }}; echo $((n + 1)))");
  REFUSED("cat <<EOF\n{{ conf.v }}\nEOF", "it follows a here-document (<<), whose quoting is not checked");
  REFUSED("echo ${x:-\"a\"} {{ conf.v }}", "it follows a ${...} whose quoting is not checked");
  REFUSED("x=$(case a in a) echo ;; esac) {{ conf.v }}", "it follows a 'case' inside $(...), whose parentheses are not checked");
#undef REFUSED
  assert_shell_refused("echo \\{{ conf.v }}", "template: a backslash right before '{{' would escape the quoting of the value");
  assert_shell_refused("echo \"\\{{ conf.v }}\"", "template: a backslash right before '{{' would escape the quoting of the value");
  assert_shell_refused("echo ${{ conf.v }}", "template: a '$' right before '{{' would change the quoting of the value");
  assert_shell_refused("echo {{ conf.v | upper }}", "template: unknown filter 'upper' (the only filter is raw)");
  /* raw is the author's explicit choice: allowed anywhere */
  airc_err e = {0};
  assert_int_equal(template_check_shell("echo `{{ conf.v | raw }}` # {{ x|raw }}", &e), AIRC_OK);
  assert_int_equal(template_check_shell("cat <<EOF\n$HOME\nEOF", &e), AIRC_OK); /* no placeholder, nothing to refuse */
}

/* Runs zCmd with /bin/sh -c and returns its stdout (caller frees). */
static char *sh_output(const char *zCmd, size_t *pn) {
  int a[2];
  if(pipe(a)) fail_msg("pipe");
  pid_t pid = fork();
  if(pid == 0) {
    dup2(a[1], 1);
    close(a[0]);
    close(a[1]);
    if(chdir("/tmp")) _exit(126);
    execl("/bin/sh", "sh", "-c", zCmd, (char *)NULL);
    _exit(127);
  }
  close(a[1]);
  size_t n = 0, nAlloc = 1 << 16;
  char *z = malloc(nAlloc);
  ssize_t r;
  while((r = read(a[0], z + n, nAlloc - n)) > 0) n += (size_t)r;
  close(a[0]);
  int st;
  waitpid(pid, &st, 0);
  *pn = n;
  return z;
}

/* Every hostile value, in every context the author may write, reaches the
 * program as exactly its bytes: the rendered command is run by /bin/sh. */
static void test_shell_delivers_bytes(void **state) {
  (void)state;
  static const char *const azVal[] = {
      "", "'", "\"", "x\"; touch /tmp/airc-pwned-ut; echo \"", "'; touch /tmp/airc-pwned-ut; echo '",
      "$(touch /tmp/airc-pwned-ut)", "`touch /tmp/airc-pwned-ut`", "a;b|c&d", "line1\nline2\n", "*", "-n",
      "--help", "\\", "\\'", "'\\''", "ünï €", "$HOME ${HOME} $((1+1))", "{{ ds }}", "a\tb  c"};
  static const char *const azTpl[][2] = {
      {"printf '%s' {{ conf.v }}", NULL},
      {"printf '%s' \"{{ conf.v }}\"", NULL},
      {"printf '%s' '{{ conf.v }}'", NULL},
      {"printf '%s' \"<{{ conf.v }}>\"", "<>"},
      {"printf '%s' '<{{ conf.v }}>'", "<>"},
      {"x={{ conf.v }}; printf '%s' \"$x\"", NULL},
      {"printf '%s' \"$(printf '%s' {{ conf.v }})\"", "$"},
      {"printf '%s' \"$(printf '%s' \"{{ conf.v }}\")\"", "$"},
  };
  unlink("/tmp/airc-pwned-ut");
  for(size_t v = 0; v < sizeof(azVal) / sizeof(azVal[0]); v++) {
    for(size_t t = 0; t < sizeof(azTpl) / sizeof(azTpl[0]); t++) {
      template_ctx c;
      json_t *pConf;
      conf_ctx(&c, &pConf, azVal[v]);
      dynbuf b;
      dynbuf_init(&b, 1 << 16);
      airc_err e = {0};
      if(template_render_shell(&c, azTpl[t][0], &b, &e)) fail_msg("render failed: %s", e.zMsg);
      char zWant[256];
      const char *zWrap = azTpl[t][1];
      if(zWrap && zWrap[0] == '<') snprintf(zWant, sizeof(zWant), "<%s>", azVal[v]);
      else snprintf(zWant, sizeof(zWant), "%s", azVal[v]);
      /* $(...) strips trailing newlines, as the shell does */
      if(zWrap && zWrap[0] == '$') {
        size_t n = strlen(zWant);
        while(n && zWant[n - 1] == '\n') zWant[--n] = 0;
      }
      size_t n;
      char *zGot = sh_output(dynbuf_str(&b), &n);
      if(n != strlen(zWant) || memcmp(zGot, zWant, n))
        fail_msg("value [%s] in [%s] -> command [%s] printed [%.*s]", azVal[v], azTpl[t][0], dynbuf_str(&b), (int)n,
                 zGot);
      free(zGot);
      dynbuf_free(&b);
      json_decref(pConf);
    }
  }
  assert_int_equal(access("/tmp/airc-pwned-ut", F_OK), -1);
}

/* Only the listed keys of an options object are shell commands. */
static void test_render_object_shell_keys(void **state) {
  (void)state;
  template_ctx c;
  json_t *pConf;
  conf_ctx(&c, &pConf, "a b");
  json_t *pOpts = json_pack("{ss ss}", "command", "echo {{ conf.v }}", "url", "http://x/{{ conf.v }}");
  static const char *const azShell[] = {"command", NULL};
  airc_err e = {0};
  json_t *pOut = template_render_object(&c, pOpts, azShell, &e);
  assert_non_null(pOut);
  assert_string_equal(json_string_value(json_object_get(pOut, "command")), "echo 'a b'");
  assert_string_equal(json_string_value(json_object_get(pOut, "url")), "http://x/a b");
  json_decref(pOut);
  pOut = template_render_object(&c, pOpts, NULL, &e);
  assert_string_equal(json_string_value(json_object_get(pOut, "command")), "echo a b");
  json_decref(pOut);
  json_decref(pOpts);
  json_decref(pConf);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_builtin_names, setup, teardown),
      cmocka_unit_test_setup_teardown(test_text_around, setup, teardown),
      cmocka_unit_test(test_null_ids),
      cmocka_unit_test_setup_teardown(test_params_conf, setup, teardown),
      cmocka_unit_test_setup_teardown(test_xcom, setup, teardown),
      cmocka_unit_test_setup_teardown(test_lookup, setup, teardown),
      cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
      cmocka_unit_test_setup_teardown(test_cap, setup, teardown),
      cmocka_unit_test_setup_teardown(test_export_env, setup, teardown),
      cmocka_unit_test(test_export_env_empty),
      cmocka_unit_test_setup_teardown(test_item_of_a_mapped_instance, setup, teardown),
      cmocka_unit_test(test_shell_quote),
      cmocka_unit_test(test_shell_contexts),
      cmocka_unit_test(test_shell_refusals),
      cmocka_unit_test(test_shell_delivers_bytes),
      cmocka_unit_test(test_render_object_shell_keys),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
