"""Kafka topic users_created -> Cassandra spark_streams.created_users.

A PySpark 3.5 Structured Streaming job. It reads the JSON user records that
airc publishes to Kafka, upserts the valid ones by id into
spark_streams.created_users and writes every record it cannot use (not JSON,
not an object, no id, id not a UUID) to spark_streams.created_users_dead_letter,
keyed by the Kafka partition and offset. Both writes are upserts, so replaying
a range of offsets (at-least-once delivery, a lost checkpoint, a second run)
never duplicates a row.

Modes:
  --mode available_now  (default) process everything in the topic up to the
                        offsets seen at start, then exit 0; nonzero on failure.
  --mode continuous     processingTime trigger, runs until SIGTERM/SIGINT.

--ready-file PATH is created once the streaming query is active (the signal
airc's trigger-stream-job waits for in continuous mode) and removed on exit.

The same file runs locally (spark-submit --master local[2]) and on a cluster
(--master spark://host:7077); connector jars come from --jars (see
scripts/stack.sh env). The keyspace and tables are created if missing.

Not for: transforming the raw randomuser.me payload. The producer (airc's
fetch task) flattens it into the twelve string fields of RECORD_FIELDS.

Prints one line per micro-batch and a final summary on stdout, e.g.
  spark_stream: batch=0 rows=3 written=2 dead_letter=1
  spark_stream: done mode=available_now batches=1 written=2 dead_letter=1
"""

import argparse
import os
import signal
import sys
import time

# Field order of the Cassandra table and of the JSON records (all strings).
RECORD_FIELDS = (
    "id", "first_name", "last_name", "gender", "address", "post_code",
    "email", "username", "dob", "registered_date", "phone", "picture",
)
WRITE_CONSISTENCY_LEVELS = ("ANY", "ONE", "TWO", "THREE", "QUORUM", "ALL", "LOCAL_QUORUM",
                            "EACH_QUORUM", "LOCAL_ONE")
UUID_RE = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"


def parse_args(argv):
    env = os.environ.get
    p = argparse.ArgumentParser(prog="spark_stream.py", description=__doc__.split("\n")[0])
    p.add_argument("--mode", choices=("available_now", "continuous"), default="available_now")
    p.add_argument("--checkpoint", required=True,
                   help="checkpoint directory (local path or URL); keeps the Kafka offsets")
    p.add_argument("--topic", default=env("AIRC_SPARK_TOPIC", "users_created"))
    p.add_argument("--bootstrap-servers",
                   default=env("AIRC__KAFKA__BOOTSTRAP_SERVERS", "127.0.0.1:9092"))
    p.add_argument("--cassandra-host", default=env("AIRC__CASSANDRA__HOST", "127.0.0.1"))
    p.add_argument("--cassandra-port", type=int, default=int(env("AIRC__CASSANDRA__PORT", "9042")))
    p.add_argument("--cassandra-replication-factor", type=int,
                   default=int(env("AIRC__CASSANDRA__REPLICATION_FACTOR", "1")),
                   help="replication factor of the keyspace when the job creates it "
                        "(1 single node; the cluster profile uses 2)")
    p.add_argument("--cassandra-write-consistency",
                   default=env("AIRC__CASSANDRA__WRITE_CONSISTENCY", "LOCAL_QUORUM"),
                   help="spark.cassandra.output.consistency.level (connector default LOCAL_QUORUM; "
                        "the cluster profile uses ONE so one node down still lands)")
    p.add_argument("--keyspace", default="spark_streams")
    p.add_argument("--table", default="created_users")
    p.add_argument("--starting-offsets", default="earliest",
                   help="earliest, latest or Spark's JSON form; used only for a fresh checkpoint")
    p.add_argument("--trigger-interval", default="10 seconds",
                   help="processingTime interval for --mode continuous")
    p.add_argument("--max-offsets-per-trigger", type=int, default=None)
    p.add_argument("--fail-on-data-loss", action="store_true",
                   help="fail when checkpointed offsets are gone from Kafka (default: skip ahead)")
    p.add_argument("--app-name", default="airc-spark-stream")
    p.add_argument("--ready-file", default=None,
                   help="created (atomically) once the streaming query is active; "
                        "removed when the job exits")
    args = p.parse_args(argv)
    if not args.checkpoint.strip():
        p.error("--checkpoint must not be empty")
    if args.cassandra_replication_factor < 1:
        p.error("--cassandra-replication-factor must be at least 1")
    args.cassandra_write_consistency = args.cassandra_write_consistency.strip().upper()
    if args.cassandra_write_consistency not in WRITE_CONSISTENCY_LEVELS:
        p.error("--cassandra-write-consistency: '%s' is not one of %s" % (
            args.cassandra_write_consistency, ", ".join(WRITE_CONSISTENCY_LEVELS)))
    return args


def log(msg):
    print("spark_stream: " + msg, flush=True)


def build_session(args):
    from pyspark.sql import SparkSession
    b = (SparkSession.builder.appName(args.app_name)
         .config("spark.cassandra.connection.host", args.cassandra_host)
         .config("spark.cassandra.connection.port", str(args.cassandra_port))
         .config("spark.cassandra.output.consistency.level", args.cassandra_write_consistency)
         # Small data, two cores: 200 shuffle partitions would dominate each batch.
         .config("spark.sql.shuffle.partitions", os.environ.get("AIRC_SPARK_SHUFFLE_PARTITIONS", "2"))
         .config("spark.sql.streaming.stopGracefullyOnShutdown", "true"))
    if os.environ.get("AIRC_SPARK_UI", "0") != "1":
        b = b.config("spark.ui.enabled", "false")
    spark = b.getOrCreate()
    spark.sparkContext.setLogLevel(os.environ.get("AIRC_SPARK_LOG_LEVEL", "WARN"))
    return spark


def ensure_schema(spark, args):
    """Creates the keyspace and both tables if missing, through the connector's
    own session (so the job needs no Python Cassandra driver on a cluster)."""
    ks, tbl = args.keyspace, args.table
    cols = ",\n  ".join(["id uuid PRIMARY KEY"] + ["%s text" % f for f in RECORD_FIELDS[1:]])
    statements = [
        "CREATE KEYSPACE IF NOT EXISTS %s WITH replication = "
        "{'class': 'SimpleStrategy', 'replication_factor': %d}" % (ks, args.cassandra_replication_factor),
        "CREATE TABLE IF NOT EXISTS %s.%s (\n  %s\n)" % (ks, tbl, cols),
        "CREATE TABLE IF NOT EXISTS %s.%s_dead_letter (\n"
        "  partition int,\n  offset bigint,\n  topic text,\n  raw text,\n  error text,\n"
        "  seen_at timestamp,\n  PRIMARY KEY ((partition), offset)\n)" % (ks, tbl),
    ]
    jvm = spark.sparkContext._jvm
    conf = spark.sparkContext._jsc.sc().getConf()
    connector = jvm.com.datastax.spark.connector.cql.CassandraConnector.apply(conf)
    session = connector.openSession()
    try:
        for stmt in statements:
            session.execute(stmt)
    finally:
        session.close()


def classify(raw_df):
    """Adds the parsed record columns and `error` (NULL for a usable record)."""
    from pyspark.sql import functions as F
    from pyspark.sql.types import StringType, StructField, StructType

    schema = StructType([StructField(f, StringType(), True) for f in RECORD_FIELDS])
    df = raw_df.select(
        F.col("topic"), F.col("partition"), F.col("offset"),
        F.col("value").cast("string").alias("raw"))
    df = df.withColumn("rec", F.from_json(F.col("raw"), schema))
    trimmed = F.trim(F.col("raw"))
    error = (F.when(F.col("raw").isNull() | (trimmed == ""), F.lit("empty value"))
             .when(F.get_json_object(F.col("raw"), "$").isNull(), F.lit("not valid JSON"))
             .when(~trimmed.startswith("{"), F.lit("not a JSON object"))
             .when(F.col("rec").isNull() | F.col("rec.id").isNull(), F.lit("missing id"))
             .when(~F.trim(F.col("rec.id")).rlike(UUID_RE), F.lit("id is not a UUID")))
    return df.withColumn("error", error)


def make_batch_writer(args, totals):
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    cass = {"keyspace": args.keyspace}

    def write_batch(batch_df, batch_id):
        batch_df = batch_df.persist()
        try:
            good = (batch_df.where(F.col("error").isNull())
                    .select(F.lower(F.trim(F.col("rec.id"))).alias("id"),
                            F.col("partition"), F.col("offset"),
                            *[F.col("rec." + f).alias(f) for f in RECORD_FIELDS[1:]]))
            # Within one batch the newest offset of an id wins, as it would
            # across batches (Cassandra upsert = last write wins).
            newest = Window.partitionBy("id").orderBy(F.col("partition").desc(), F.col("offset").desc())
            good = (good.withColumn("_rn", F.row_number().over(newest))
                    .where(F.col("_rn") == 1).select(*RECORD_FIELDS))
            bad = (batch_df.where(F.col("error").isNotNull())
                   .select("partition", "offset", "topic", "raw", "error",
                           F.current_timestamp().alias("seen_at")))
            n_rows = batch_df.count()
            n_good = good.count() if n_rows else 0
            n_bad = bad.count() if n_rows else 0
            if n_good:
                (good.write.format("org.apache.spark.sql.cassandra")
                 .options(table=args.table, **cass).mode("append").save())
            if n_bad:
                (bad.write.format("org.apache.spark.sql.cassandra")
                 .options(table=args.table + "_dead_letter", **cass).mode("append").save())
            totals["batches"] += 1
            totals["written"] += n_good
            totals["dead_letter"] += n_bad
            log("batch=%d rows=%d written=%d dead_letter=%d" % (batch_id, n_rows, n_good, n_bad))
        finally:
            batch_df.unpersist()

    return write_batch


def start_query(spark, args, totals):
    reader = (spark.readStream.format("kafka")
              .option("kafka.bootstrap.servers", args.bootstrap_servers)
              .option("subscribe", args.topic)
              .option("startingOffsets", args.starting_offsets)
              .option("failOnDataLoss", "true" if args.fail_on_data_loss else "false"))
    if args.max_offsets_per_trigger:
        reader = reader.option("maxOffsetsPerTrigger", str(args.max_offsets_per_trigger))
    writer = (classify(reader.load()).writeStream
              .queryName("users_created_to_cassandra")
              .option("checkpointLocation", args.checkpoint)
              .foreachBatch(make_batch_writer(args, totals)))
    if args.mode == "available_now":
        writer = writer.trigger(availableNow=True)
    else:
        writer = writer.trigger(processingTime=args.trigger_interval)
    return writer.start()


def write_ready_file(path, query):
    tmp = "%s.tmp.%d" % (path, os.getpid())
    with open(tmp, "w") as f:
        f.write('{"pid": %d, "query_id": "%s", "run_id": "%s"}\n' % (
            os.getpid(), query.id, query.runId))
    os.replace(tmp, path)
    log("query active (ready file %s)" % path)


def run(args):
    t0 = time.monotonic()
    spark = build_session(args)
    log("session ready in %.1f s (master %s)" % (time.monotonic() - t0, spark.sparkContext.master))
    ensure_schema(spark, args)
    totals = {"batches": 0, "written": 0, "dead_letter": 0}
    query = start_query(spark, args, totals)
    if args.ready_file:
        write_ready_file(args.ready_file, query)

    stop = {"requested": False}

    def on_signal(signum, _frame):
        stop["requested"] = True

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    # Poll rather than block forever so a signal can stop the query cleanly.
    while query.isActive and not stop["requested"]:
        query.awaitTermination(2)
    if stop["requested"] and query.isActive:
        log("stopping on signal")
        query.stop()
    exc = query.exception()
    if exc is not None:
        log("query failed: %s" % str(exc).splitlines()[0])
        return 1
    log("done mode=%s batches=%d written=%d dead_letter=%d seconds=%.1f" % (
        args.mode, totals["batches"], totals["written"], totals["dead_letter"],
        time.monotonic() - t0))
    return 0


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        rc = run(args)
    except Exception as e:  # noqa: BLE001 - report any failure as one line + exit code
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        log("error: %s: %s" % (type(e).__name__, first))
        rc = 1
    finally:
        if args.ready_file:
            try:
                os.unlink(args.ready_file)
            except OSError:
                pass
    return rc


if __name__ == "__main__":
    sys.exit(main())
