/* stream_job.h: starting the Spark Structured Streaming job with
 * spark-submit, for the `trigger-stream-job` task type.
 *
 * Two modes. available_now: spark-submit runs in the foreground (its output
 * is the task's, i.e. the task log), bounded by a timeout, and its exit
 * status is the result. continuous: at most ONE long-running job per name;
 * a lock file $RUN/stream-<name>.lock is held (flock) by the job itself for
 * its whole life, so "lock busy" means "a live job exists", even after the
 * airc task that started it is gone. A new job is started detached (own
 * session, output to $LOGS/stream/<name>.log) and is considered up when it
 * creates its --ready-file (the job contract of jobs/spark_stream.py).
 *
 * Not for: stopping a continuous job (kill its process group by the pid in
 * $RUN/stream-<name>.pid), or submitting to a cluster manager's REST API. */
#ifndef AIRC_STREAM_JOB_H
#define AIRC_STREAM_JOB_H
#include <stdint.h>
#include <sys/types.h>
#include "common/err.h"

typedef struct stream_job_opts {
  const char *zSparkSubmit;  /* path, or a name looked up on PATH */
  const char *zMaster;       /* local[2], spark://host:7077 */
  const char *zJars;         /* comma list for --jars, or NULL/"" */
  const char *zJob;          /* the .py job */
  const char *zName;         /* lock/log name, e.g. "spark_stream" */
  int bContinuous;           /* 0 = available_now */
  const char *zCheckpoint;   /* created if missing */
  const char *zTopic;
  const char *zBootstrap;
  const char *zCassHost;
  const char *zKeyspace;     /* --keyspace, or NULL/"" for the job's default */
  const char *zTable;        /* --table, or NULL/"" for the job's default */
  const char *zCassReplication; /* --cassandra-replication-factor (keyspace creation), or NULL/"" */
  const char *zCassWriteCl;  /* --cassandra-write-consistency (e.g. ONE), or NULL/"" */
  int cassPort;
  const char *zFormat;       /* "avro": --format avro --registry-url; NULL/"json": nothing */
  const char *zRegistryUrl;  /* schema registry (ccompat base URL) for avro */
  const char *zPgUrl;        /* PostgreSQL sink URL, or NULL/"": the job skips it. Passed in
                                the environment (AIRC_SPARK_POSTGRES_URL), never in argv: it
                                holds a password and argv is printed and visible in ps */
  const char *zRunDir;       /* $AIRC_HOME/run */
  const char *zLogDir;       /* $AIRC_HOME/logs/stream */
  int64_t timeoutMs;         /* available_now: whole run; continuous: until ready */
} stream_job_opts;

typedef struct stream_job_result {
  int exitCode;              /* available_now: job's exit status (128+sig if killed) */
  pid_t pid;                 /* continuous: the job's pid */
  int bStarted;              /* continuous: 1 if this call started it */
  char zLog[1024];           /* continuous: the job's log file */
} stream_job_result;

/* Builds the spark-submit argv (NULL-terminated, strings and array in one
 * malloc'd block: free(*pazArgv)). zReadyFile is passed as --ready-file
 * when not NULL. */
AIRC_WUR airc_rc stream_job_argv(const stream_job_opts *pOpts, const char *zReadyFile,
                                 char ***pazArgv /* OUT */, airc_err *pErr);

/* Runs the job in the mode of pOpts. available_now: AIRC_OK when it ran
 * (whatever its exit code: see pOut->exitCode), AIRC_ERR_TIMEOUT when killed
 * at the deadline, AIRC_ERR_EXEC when spark-submit could not be started.
 * continuous: AIRC_OK when a job is up (started now or already running). */
AIRC_WUR airc_rc stream_job_run(const stream_job_opts *pOpts, stream_job_result *pOut,
                                airc_err *pErr);

/* mkdir -p with mode 0700. */
AIRC_WUR airc_rc stream_job_mkdirs(const char *zPath, airc_err *pErr);

#endif
