/* test_stream_job.c: trigger-stream-job with a UNIT-LEVEL FAKE spark-submit
 * (a shell script written to a temp dir; no Spark involved). It checks the
 * argv given to spark-submit, exit status propagation, the timeout, and
 * that continuous mode never runs two jobs at once.
 *
 * The fake records its argv (one per line) to $FAKE_ARGV_FILE, exits with
 * $FAKE_EXIT; given --ready-file it sleeps $FAKE_READY_DELAY then creates
 * the file (unless FAKE_NEVER_READY=1) and stays up like a streaming job. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "common/timeutil.h"
#include "providers/spark/stream_job.h"
#include "executor/task_type.h"

extern const task_type task_type_trigger_stream_job;

#include "xcom_capture.h"

static char g_zDir[] = "/tmp/airc-test-stream-XXXXXX";
static char g_zFake[400], g_zArgvFile[400];

static const char g_zFakeScript[] =
    "#!/bin/sh\n"
    "# unit-level fake of spark-submit (tests/unit/test_stream_job.c)\n"
    ": > \"$FAKE_ARGV_FILE.tmp\"\n"
    "for a in \"$0\" \"$@\"; do printf '%s\\n' \"$a\" >> \"$FAKE_ARGV_FILE.tmp\"; done\n"
    "mv \"$FAKE_ARGV_FILE.tmp\" \"$FAKE_ARGV_FILE\"\n"
    "printf '%s' \"${AIRC_SPARK_POSTGRES_URL-<unset>}\" > \"$FAKE_ARGV_FILE.env\"\n"
    "ready=''\n"
    "while [ $# -gt 0 ]; do [ \"$1\" = --ready-file ] && ready=\"$2\"; shift; done\n"
    "echo 'fake spark-submit: started'\n"
    "if [ -n \"$ready\" ]; then\n"
    "  sleep \"${FAKE_READY_DELAY:-0}\"\n"
    "  [ \"${FAKE_EXIT:-0}\" != 0 ] && exit \"$FAKE_EXIT\"\n"
    "  [ \"${FAKE_NEVER_READY:-0}\" = 1 ] || touch \"$ready\"\n"
    "  exec sleep 60\n"
    "fi\n"
    "exit \"${FAKE_EXIT:-0}\"\n";

static int group_setup(void **state) {
  (void)state;
  if(!mkdtemp(g_zDir)) return -1;
  snprintf(g_zFake, sizeof(g_zFake), "%s/fake-spark-submit", g_zDir);
  snprintf(g_zArgvFile, sizeof(g_zArgvFile), "%s/argv.txt", g_zDir);
  FILE *f = fopen(g_zFake, "w");
  fputs(g_zFakeScript, f);
  fclose(f);
  chmod(g_zFake, 0755);
  setenv("FAKE_ARGV_FILE", g_zArgvFile, 1);
  return 0;
}

static int group_teardown(void **state) {
  (void)state;
  json_decref(g_pXcom);
  char zCmd[300];
  snprintf(zCmd, sizeof(zCmd), "rm -rf %s", g_zDir);
  return system(zCmd) == 0 ? 0 : -1;
}

static int run_task(json_t *pOptions) {
  task_ctx c;
  memset(&c, 0, sizeof(c));
  c.zDagId = "user_pipeline";
  c.zRunId = "manual__1";
  c.zTaskId = "trigger_stream_job";
  c.zAircHome = g_zDir;
  c.pOptions = pOptions;
  c.pUpstreamXcom = json_object();
  json_decref(g_pXcom);
  g_pXcom = NULL;
  unlink(g_zArgvFile);
  int rc = task_type_trigger_stream_job.xRun(&c);
  json_decref(c.pUpstreamXcom);
  json_decref(pOptions);
  return rc;
}

static char *slurp(const char *zPath) {
  FILE *f = fopen(zPath, "r");
  if(!f) return NULL;
  static char z[8192];
  size_t n = fread(z, 1, sizeof(z) - 1, f);
  z[n] = 0;
  fclose(f);
  return z;
}

static void test_argv_available_now(void **state) {
  (void)state;
  setenv("FAKE_EXIT", "0", 1);
  int rc = run_task(json_pack("{ssssssssssss}", "spark_submit", g_zFake, "jars", "/j/a.jar,/j/b.jar",
                              "job", "/repo/jobs/spark_stream.py", "bootstrap_servers", "127.0.0.1:9092",
                              "cassandra_host", "cass.local", "topic", "users_created"));
  assert_int_equal(rc, TASK_EXIT_SUCCESS);
  char zWant[4096];
  snprintf(zWant, sizeof(zWant),
           "%s\n--master\nlocal[2]\n--jars\n/j/a.jar,/j/b.jar\n"
           "--conf\nspark.cassandra.connection.host=cass.local\n"
           "--conf\nspark.cassandra.connection.port=9042\n"
           "/repo/jobs/spark_stream.py\n--mode\navailable_now\n"
           "--checkpoint\n%s/checkpoints/user_pipeline/trigger_stream_job\n"
           "--topic\nusers_created\n--bootstrap-servers\n127.0.0.1:9092\n"
           "--cassandra-host\ncass.local\n--cassandra-port\n9042\n",
           g_zFake, g_zDir);
  assert_string_equal(slurp(g_zArgvFile), zWant);
  assert_string_equal(json_string_value(json_object_get(g_pXcom, "mode")), "available_now");
  assert_int_equal(json_integer_value(json_object_get(g_pXcom, "exit_code")), 0);
  char zCk[600];
  snprintf(zCk, sizeof(zCk), "%s/checkpoints/user_pipeline/trigger_stream_job", g_zDir);
  assert_string_equal(json_string_value(json_object_get(g_pXcom, "checkpoint")), zCk);
  struct stat st;
  assert_int_equal(stat(zCk, &st), 0); /* created under $AIRC_HOME */
}

static void test_argv_keyspace_and_table(void **state) {
  (void)state;
  setenv("FAKE_EXIT", "0", 1);
  int rc = run_task(json_pack("{ssssssssss}", "spark_submit", g_zFake, "job", "/repo/jobs/spark_stream.py",
                              "checkpoint", "/ck", "keyspace", "e2e_ks", "table", "users_t"));
  assert_int_equal(rc, TASK_EXIT_SUCCESS);
  const char *z = slurp(g_zArgvFile);
  assert_non_null(strstr(z, "--cassandra-port\n9042\n--keyspace\ne2e_ks\n--table\nusers_t\n"));
}

/* format avro: --format avro --registry-url U, from the options or from
 * [kafka] format / [registry] url; avro without a registry fails in one line
 * before spark-submit runs; json passes nothing. */
static void test_argv_avro_format(void **state) {
  (void)state;
  setenv("FAKE_EXIT", "0", 1);
  int rc = run_task(json_pack("{ssssssssss}", "spark_submit", g_zFake, "job", "/repo/jobs/spark_stream.py",
                              "checkpoint", "/ck", "format", "avro", "registry_url", "http://r:8081/apis/ccompat/v7"));
  assert_int_equal(rc, TASK_EXIT_SUCCESS);
  assert_non_null(strstr(slurp(g_zArgvFile), "--cassandra-port\n9042\n--format\navro\n--registry-url\nhttp://r:8081/apis/ccompat/v7\n"));

  setenv("AIRC__KAFKA__FORMAT", "avro", 1);
  setenv("AIRC__REGISTRY__URL", "http://reg/v7", 1);
  rc = run_task(json_pack("{ssssss}", "spark_submit", g_zFake, "job", "/repo/jobs/spark_stream.py", "checkpoint", "/ck"));
  assert_int_equal(rc, TASK_EXIT_SUCCESS);
  assert_non_null(strstr(slurp(g_zArgvFile), "--format\navro\n--registry-url\nhttp://reg/v7\n"));

  unsetenv("AIRC__REGISTRY__URL");
  rc = run_task(json_pack("{ssssss}", "spark_submit", g_zFake, "job", "/repo/jobs/spark_stream.py", "checkpoint", "/ck"));
  assert_int_equal(rc, TASK_EXIT_FAILED);
  assert_null(slurp(g_zArgvFile)); /* spark-submit never ran */
  unsetenv("AIRC__KAFKA__FORMAT");

  rc = run_task(json_pack("{ssssssss}", "spark_submit", g_zFake, "job", "/repo/jobs/spark_stream.py", "checkpoint", "/ck",
                          "format", "json"));
  assert_int_equal(rc, TASK_EXIT_SUCCESS);
  assert_null(strstr(slurp(g_zArgvFile), "--format"));
}

/* The PostgreSQL sink's URL (it holds a password) reaches the job in its
 * environment, never in argv (printed to the log, visible in ps); without
 * one the variable is set empty, so the job skips PostgreSQL even when
 * AIRC__POSTGRES__URL is inherited. */
static void test_postgres_url_goes_in_the_environment(void **state) {
  (void)state;
  char zEnvFile[500];
  snprintf(zEnvFile, sizeof(zEnvFile), "%s.env", g_zArgvFile);
  setenv("FAKE_EXIT", "0", 1);
  unsetenv("AIRC__POSTGRES__URL");
  int rc = run_task(json_pack("{ssssssss}", "spark_submit", g_zFake, "job", "/repo/jobs/spark_stream.py",
                              "checkpoint", "/ck", "postgres_url", "postgresql://airc:pw-secret@127.0.0.1:5433/airc"));
  assert_int_equal(rc, TASK_EXIT_SUCCESS);
  assert_null(strstr(slurp(g_zArgvFile), "pw-secret"));
  assert_string_equal(slurp(zEnvFile), "postgresql://airc:pw-secret@127.0.0.1:5433/airc");
  rc = run_task(json_pack("{ssssss}", "spark_submit", g_zFake, "job", "/repo/jobs/spark_stream.py",
                          "checkpoint", "/ck"));
  assert_int_equal(rc, TASK_EXIT_SUCCESS);
  assert_string_equal(slurp(zEnvFile), "");
}

/* [cassandra] replication_factor / write_consistency (the cluster profile's
 * `stack.sh env`) reach the job as arguments; unset, none is passed. */
static void test_argv_cassandra_cluster_settings(void **state) {
  (void)state;
  setenv("FAKE_EXIT", "0", 1);
  setenv("AIRC__CASSANDRA__REPLICATION_FACTOR", "2", 1);
  setenv("AIRC__CASSANDRA__WRITE_CONSISTENCY", "ONE", 1);
  int rc = run_task(json_pack("{ssssss}", "spark_submit", g_zFake, "job", "/repo/jobs/spark_stream.py",
                              "checkpoint", "/ck"));
  unsetenv("AIRC__CASSANDRA__REPLICATION_FACTOR");
  unsetenv("AIRC__CASSANDRA__WRITE_CONSISTENCY");
  assert_int_equal(rc, TASK_EXIT_SUCCESS);
  const char *z = slurp(g_zArgvFile);
  assert_non_null(strstr(z, "--cassandra-replication-factor\n2\n--cassandra-write-consistency\nONE\n"));
  rc = run_task(json_pack("{ssssss}", "spark_submit", g_zFake, "job", "/repo/jobs/spark_stream.py",
                          "checkpoint", "/ck"));
  assert_int_equal(rc, TASK_EXIT_SUCCESS);
  z = slurp(g_zArgvFile);
  assert_null(strstr(z, "--cassandra-replication-factor"));
  assert_null(strstr(z, "--cassandra-write-consistency"));
}

static void test_exit_status_propagates(void **state) {
  (void)state;
  setenv("FAKE_EXIT", "3", 1);
  assert_int_equal(run_task(json_pack("{ss}", "spark_submit", g_zFake)), TASK_EXIT_FAILED);
  assert_int_equal(json_integer_value(json_object_get(g_pXcom, "exit_code")), 3);
  setenv("FAKE_EXIT", "0", 1);
  assert_int_equal(run_task(json_pack("{ss}", "spark_submit", "/nonexistent/spark-submit")),
                   TASK_EXIT_FAILED);
  assert_int_equal(run_task(json_pack("{ssss}", "spark_submit", g_zFake, "mode", "sometimes")),
                   TASK_EXIT_FAILED);
}

static void test_available_now_timeout_stops_job(void **state) {
  (void)state;
  stream_job_opts o;
  memset(&o, 0, sizeof(o));
  char zCk[600];
  snprintf(zCk, sizeof(zCk), "%s/ck-timeout", g_zDir);
  o.zMaster = "local[2]";
  o.zJob = "job.py";
  o.zCheckpoint = zCk;
  o.zTopic = "t";
  o.zBootstrap = "b";
  o.zCassHost = "h";
  o.cassPort = 9042;
  o.timeoutMs = 1000;
  stream_job_result r;
  airc_err e = {0};
  /* a second unit-level fake that never finishes */
  char zSlow[500];
  snprintf(zSlow, sizeof(zSlow), "%s/slow-spark-submit", g_zDir);
  FILE *f = fopen(zSlow, "w");
  fputs("#!/bin/sh\n# unit-level fake: never finishes\nsleep 30\n", f);
  fclose(f);
  chmod(zSlow, 0755);
  o.zSparkSubmit = zSlow;
  int64_t t0 = airc_now_us();
  assert_int_equal(stream_job_run(&o, &r, &e), AIRC_ERR_TIMEOUT);
  assert_true(airc_now_us() - t0 < 8000000);
  assert_string_equal(e.zMsg, "spark-submit still running after 1s: stopped it");
}

static void test_continuous_never_two_at_once(void **state) {
  (void)state;
  setenv("FAKE_EXIT", "0", 1);
  setenv("FAKE_READY_DELAY", "0.3", 1);
  /* first: starts and waits for the ready file */
  assert_int_equal(run_task(json_pack("{ssss}", "spark_submit", g_zFake, "mode", "continuous")),
                   TASK_EXIT_SUCCESS);
  assert_true(json_is_true(json_object_get(g_pXcom, "started")));
  pid_t pid = (pid_t)json_integer_value(json_object_get(g_pXcom, "pid"));
  assert_true(pid > 0);
  assert_int_equal(kill(pid, 0), 0);
  assert_non_null(strstr(slurp(g_zArgvFile), "--ready-file\n"));
  /* second: finds the live one, starts nothing */
  assert_int_equal(run_task(json_pack("{ssss}", "spark_submit", g_zFake, "mode", "continuous")),
                   TASK_EXIT_SUCCESS);
  assert_true(json_is_false(json_object_get(g_pXcom, "started")));
  assert_int_equal(json_integer_value(json_object_get(g_pXcom, "pid")), pid);
  assert_null(slurp(g_zArgvFile)); /* the fake was not run again */
  /* the job dies: the next trigger starts a new one */
  kill(-pid, SIGTERM);
  int st;
  assert_int_equal(waitpid(pid, &st, 0), pid);
  assert_int_equal(run_task(json_pack("{ssss}", "spark_submit", g_zFake, "mode", "continuous")),
                   TASK_EXIT_SUCCESS);
  assert_true(json_is_true(json_object_get(g_pXcom, "started")));
  pid_t pid2 = (pid_t)json_integer_value(json_object_get(g_pXcom, "pid"));
  assert_true(pid2 > 0 && pid2 != pid);
  char zLog[600];
  snprintf(zLog, sizeof(zLog), "%s/logs/stream/spark_stream.log", g_zDir);
  assert_string_equal(json_string_value(json_object_get(g_pXcom, "log")), zLog);
  assert_non_null(strstr(slurp(zLog), "fake spark-submit: started"));
  kill(-pid2, SIGTERM);
  assert_int_equal(waitpid(pid2, &st, 0), pid2);
}

static void test_continuous_failures(void **state) {
  (void)state;
  /* dies before ready */
  setenv("FAKE_READY_DELAY", "0", 1);
  setenv("FAKE_EXIT", "4", 1);
  assert_int_equal(run_task(json_pack("{ssssss}", "spark_submit", g_zFake, "mode", "continuous",
                                      "name", "dies")), TASK_EXIT_FAILED);
  /* never ready: stopped at the timeout, and the lock is free again */
  setenv("FAKE_EXIT", "0", 1);
  setenv("FAKE_NEVER_READY", "1", 1);
  int64_t t0 = airc_now_us();
  assert_int_equal(run_task(json_pack("{ssssssss}", "spark_submit", g_zFake, "mode", "continuous",
                                      "name", "slow", "timeout", "1s")), TASK_EXIT_FAILED);
  assert_true(airc_now_us() - t0 < 8000000);
  unsetenv("FAKE_NEVER_READY");
  assert_int_equal(run_task(json_pack("{ssssss}", "spark_submit", g_zFake, "mode", "continuous",
                                      "name", "slow")), TASK_EXIT_SUCCESS);
  assert_true(json_is_true(json_object_get(g_pXcom, "started")));
  pid_t pid = (pid_t)json_integer_value(json_object_get(g_pXcom, "pid"));
  kill(-pid, SIGTERM);
  int st;
  waitpid(pid, &st, 0);
  char zErr[128];
  assert_int_equal(task_type_trigger_stream_job.schema.xValidate("mode", "sometimes", zErr, sizeof(zErr)), -1);
  assert_string_equal(zErr, "'sometimes' is not a mode (available_now or continuous)");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_argv_available_now),
      cmocka_unit_test(test_argv_keyspace_and_table),
      cmocka_unit_test(test_argv_avro_format),
      cmocka_unit_test(test_postgres_url_goes_in_the_environment),
      cmocka_unit_test(test_argv_cassandra_cluster_settings),
      cmocka_unit_test(test_exit_status_propagates),
      cmocka_unit_test(test_available_now_timeout_stops_job),
      cmocka_unit_test(test_continuous_never_two_at_once),
      cmocka_unit_test(test_continuous_failures),
  };
  return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
