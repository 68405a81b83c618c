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

--format avro (with --registry-url, a Confluent-compatible schema registry's
base URL, e.g. Apicurio's .../apis/ccompat/v7) reads values in the Confluent
wire format (magic byte 0, 4-byte big-endian schema id, Avro binary) that
publish-kafka writes with `format = avro`. One topic may hold several schema
versions: each micro-batch reads the ids in its values, fetches each new id's
writer schema from the registry (GET /schemas/ids/N, cached for the job's
life), decodes each id's rows with spark-avro's from_avro and that schema, and
projects them onto RECORD_FIELDS (a field the writer schema lacks is null,
one it adds is dropped). A bad magic byte, a value shorter than the header,
an id the registry does not know or bytes that do not decode go to the dead
letter table like bad JSON (raw = the value in base64). A registry that does
not answer fails the batch (and the job): nothing is dead-lettered for it.

--ready-file PATH is created once the streaming query is active (the signal
airc's trigger-stream-job waits for in continuous mode) and removed on exit.

The same file runs locally (spark-submit --master local[2]) and on a cluster
(--master spark://host:7077); connector jars come from --jars (see
scripts/stack.sh env). The keyspace and tables are created if missing.

PostgreSQL sink (the batch half), when a URL is given (--postgres-url, else
$AIRC_SPARK_POSTGRES_URL, which airc's trigger-stream-job sets from
[postgres] url, else $AIRC__POSTGRES__URL): each micro-batch's valid users
are upserted by id into created_users (the twelve columns plus created_at,
the Kafka timestamp of the id's first record) through a staging table and
INSERT ... ON CONFLICT (id) DO UPDATE in one transaction, and the hourly
aggregate users_per_country_hour(window_start, window_end, country, users)
is recomputed from created_users for the windows the batch touched that are
still open under the watermark (max event time seen minus the allowed
lateness, kept in stream_watermarks so it survives restarts). Both are
upserts, so replays add nothing. Without a URL the job logs that it skips
PostgreSQL and writes Cassandra only. docs/pipeline.md has the details.

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
PG_IDENT_RE = __import__("re").compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")
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
    # no environment default: trigger-stream-job passes --format avro when its
    # own format (option or [kafka] format) says so, and a task's explicit
    # format = json must not be overridden by an exported AIRC__KAFKA__FORMAT
    p.add_argument("--format", choices=("json", "avro"), default="json",
                   help="the values' format: json (default) or avro (Confluent wire format)")
    p.add_argument("--registry-url", default=env("AIRC__REGISTRY__URL"),
                   help="schema registry base URL for --format avro (e.g. .../apis/ccompat/v7)")
    p.add_argument("--postgres-url", default=None,
                   help="postgresql://user:password@host:port/db of the batch sink; default "
                        "$AIRC_SPARK_POSTGRES_URL, else $AIRC__POSTGRES__URL; empty = no PostgreSQL")
    p.add_argument("--pg-table", default="created_users")
    p.add_argument("--pg-agg-table", default="users_per_country_hour")
    p.add_argument("--allowed-lateness", type=int,
                   default=int(env("AIRC_SPARK_ALLOWED_LATENESS", "600")),
                   help="seconds an event may lag the newest event seen and still count "
                        "in its hourly window (watermark = max event time - this)")
    p.add_argument("--ready-file", default=None,
                   help="created (atomically) once the streaming query is active; "
                        "removed when the job exits")
    args = p.parse_args(argv)
    if not args.checkpoint.strip():
        p.error("--checkpoint must not be empty")
    if args.format == "avro" and not (args.registry_url or "").strip():
        p.error("--format avro needs --registry-url (or AIRC__REGISTRY__URL)")
    if args.postgres_url is None:
        args.postgres_url = env("AIRC_SPARK_POSTGRES_URL", env("AIRC__POSTGRES__URL", ""))
    for name in ("pg_table", "pg_agg_table"):
        if not PG_IDENT_RE.match(getattr(args, name)):
            p.error("--%s must be a plain SQL identifier" % name.replace("_", "-"))
    if args.allowed_lateness < 0:
        p.error("--allowed-lateness must be >= 0")
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


def classify(raw_df, args=None):
    """Adds the parsed record columns and `error` (NULL for a usable record).
    With --format avro the stream is returned as it is: Avro values are
    decoded per micro-batch by classify_avro (the schemas to fetch depend on
    the batch's ids)."""
    if args is not None and args.format == "avro":
        return raw_df
    from pyspark.sql import functions as F
    from pyspark.sql.types import StringType, StructField, StructType

    schema = StructType([StructField(f, StringType(), True) for f in RECORD_FIELDS])
    df = raw_df.select(
        F.col("topic"), F.col("partition"), F.col("offset"), F.col("timestamp").alias("kafka_ts"),
        F.col("value").cast("string").alias("raw"))
    df = df.withColumn("rec", F.from_json(F.col("raw"), schema))
    trimmed = F.trim(F.col("raw"))
    error = (F.when(F.col("raw").isNull() | (trimmed == ""), F.lit("empty value"))
             .when(F.get_json_object(F.col("raw"), "$").isNull(), F.lit("not valid JSON"))
             .when(~trimmed.startswith("{"), F.lit("not a JSON object"))
             .when(F.col("rec").isNull() | F.col("rec.id").isNull(), F.lit("missing id"))
             .when(~F.trim(F.col("rec.id")).rlike(UUID_RE), F.lit("id is not a UUID")))
    return df.withColumn("error", error)


REGISTRY_TIMEOUT = 10      # seconds per schema fetch
REGISTRY_MAX_BODY = 1 << 20


def fetch_schema(registry_url, schema_id):
    """The writer schema (JSON text) of schema_id from the registry's
    GET /schemas/ids/N, or None when the registry does not know the id (404)
    or the schema is not an Avro record. Any other failure raises a
    RuntimeError naming the URL."""
    import json
    import urllib.error
    import urllib.request
    url = "%s/schemas/ids/%d" % (registry_url.rstrip("/"), schema_id)
    try:
        with urllib.request.urlopen(url, timeout=REGISTRY_TIMEOUT) as r:
            body = json.loads(r.read(REGISTRY_MAX_BODY).decode("utf-8"))
    except urllib.error.HTTPError as e:
        if e.code == 404:
            return None
        raise RuntimeError("schema registry %s: HTTP %d" % (url, e.code)) from None
    except (urllib.error.URLError, OSError, ValueError) as e:
        raise RuntimeError("schema registry %s did not answer: %s" % (url, e)) from None
    text = body.get("schema") if isinstance(body, dict) else None
    if body.get("schemaType", "AVRO") != "AVRO" or not isinstance(text, str):
        return None
    try:
        parsed = json.loads(text)
    except ValueError:
        return None
    if not isinstance(parsed, dict) or parsed.get("type") != "record":
        return None
    return text


def schema_field_names(text):
    import json
    return {f.get("name") for f in json.loads(text).get("fields", []) if isinstance(f, dict)}


def classify_avro(batch_df, args, schemas):
    """One micro-batch of Confluent wire-format values -> the columns of
    classify() (topic, partition, offset, kafka_ts, raw, rec, error). `schemas` caches
    id -> writer schema text (None: unknown) across batches."""
    from functools import reduce
    from pyspark.sql import functions as F
    from pyspark.sql.avro.functions import from_avro
    from pyspark.sql.types import StringType, StructField, StructType

    rec_type = StructType([StructField(f, StringType(), True) for f in RECORD_FIELDS])
    n = F.length(F.col("value"))
    framed = (F.col("value").isNotNull() & (n >= 5)
              & (F.substring(F.col("value"), 1, 1) == F.unhex(F.lit("00"))))
    df = (batch_df.select("topic", "partition", "offset", F.col("timestamp").alias("kafka_ts"), "value")
          .withColumn("schema_id", F.when(framed, F.conv(F.hex(F.substring(F.col("value"), 2, 4)), 16, 10)
                                          .cast("long")))
          .withColumn("raw", F.base64(F.col("value"))))
    ids = sorted(r[0] for r in df.where(F.col("schema_id").isNotNull()).select("schema_id").distinct().collect())
    for i in ids:
        if i not in schemas:
            schemas[i] = fetch_schema(args.registry_url, i)
            log("schema id %d: %s" % (i, "fetched" if schemas[i] else "unknown to the registry"))
    known = [i for i in ids if schemas.get(i)]
    cols = ("topic", "partition", "offset", "kafka_ts", "raw", "rec", "error")

    undecodable = F.col("schema_id").isNull()
    if known:
        undecodable = undecodable | ~F.col("schema_id").isin(known)
    why = (F.when(F.col("value").isNull() | (n == 0), F.lit("empty value"))
           .when(~framed, F.lit("not Avro in the Confluent wire format (bad magic byte or shorter than 5 bytes)"))
           .otherwise(F.concat(F.lit("unknown schema id "), F.col("schema_id").cast("string"))))
    parts = [df.where(undecodable).select("topic", "partition", "offset", "kafka_ts", "raw",
                                          F.lit(None).cast(rec_type).alias("rec"), why.alias("error"))]
    for i in known:
        text = schemas[i]
        present = schema_field_names(text)
        sub = df.where(F.col("schema_id") == i).withColumn(
            "avro", from_avro(F.expr("substring(value, 6, length(value) - 5)"), text, {"mode": "PERMISSIVE"}))
        rec = F.struct(*[(F.col("avro." + f).cast("string") if f in present else F.lit(None).cast("string")).alias(f)
                         for f in RECORD_FIELDS])
        sub = sub.withColumn("rec", F.when(F.col("avro").isNotNull(), rec))
        error = (F.when(F.col("avro").isNull(), F.lit("not valid Avro for schema id %d" % i))
                 .when(F.col("rec.id").isNull(), F.lit("missing id"))
                 .when(~F.trim(F.col("rec.id")).rlike(UUID_RE), F.lit("id is not a UUID")))
        parts.append(sub.withColumn("error", error).select(*cols))
    return reduce(lambda a, b: a.unionByName(b), parts)
# --- PostgreSQL sink ---------------------------------------------------------

def pg_jdbc(url):
    """libpq URL -> (JDBC URL, properties dict, URL with the password masked)."""
    from urllib.parse import unquote, urlsplit
    u = urlsplit(url)
    if u.scheme not in ("postgresql", "postgres") or not u.hostname:
        raise ValueError("postgres url must be postgresql://user:password@host:port/db")
    host = u.hostname if ":" not in u.hostname else "[%s]" % u.hostname
    jdbc = "jdbc:postgresql://%s:%d%s" % (host, u.port or 5432, u.path or "/")
    if u.query:
        jdbc += "?" + u.query
    props = {"driver": "org.postgresql.Driver"}
    if u.username:
        props["user"] = unquote(u.username)
    if u.password:
        props["password"] = unquote(u.password)
    shown = "postgresql://%s%s:%d%s" % (unquote(u.username) + ":***@" if u.username else "",
                                        u.hostname, u.port or 5432, u.path or "/")
    return jdbc, props, shown


def pg_connect(spark, pg):
    """A java.sql.Connection from the driver JVM (autocommit off). The driver
    class is loaded from --jars, so it is instantiated directly: DriverManager
    does not see jars of Spark's class loader."""
    jvm = spark.sparkContext._jvm
    props = jvm.java.util.Properties()
    for k, v in pg["props"].items():
        if k != "driver":
            props.setProperty(k, v)
    conn = jvm.org.postgresql.Driver().connect(pg["jdbc"], props)
    if conn is None:
        raise RuntimeError("the PostgreSQL driver refused %s" % pg["jdbc"])
    conn.setAutoCommit(False)
    return conn


def pg_run(conn, statements, params=None):
    """Runs statements in order in the connection's open transaction; the
    last one may be a query: returns its first row as a list (or None)."""
    row = None
    for i, sql in enumerate(statements):
        st = conn.prepareStatement(sql)
        try:
            for j, v in enumerate((params or {}).get(i, ())):
                st.setObject(j + 1, v)
            if st.execute():
                rs = st.getResultSet()
                if rs.next():
                    n = rs.getMetaData().getColumnCount()
                    row = [rs.getObject(k + 1) for k in range(n)]
        finally:
            st.close()
    return row


def pg_country_sql(col):
    """SQL for the country of an address (airc's fetch-users writes
    "street, city, state, country"; older APIs have no country: 'unknown')."""
    return ("CASE WHEN array_length(string_to_array(%s, ','), 1) >= 4 "
            "THEN btrim(split_part(%s, ',', array_length(string_to_array(%s, ','), 1))) "
            "ELSE 'unknown' END" % (col, col, col))


def ensure_pg_schema(spark, pg):
    """Creates the sink's tables if missing: created_users (Cassandra's
    columns, id uuid, plus created_at), the hourly aggregate keyed by
    (window_start, country), and the watermark table."""
    t, agg = pg["table"], pg["agg_table"]
    cols = ",\n  ".join(["id uuid PRIMARY KEY"] + ["%s text" % f for f in RECORD_FIELDS[1:]]
                        + ["created_at timestamptz NOT NULL"])
    conn = pg_connect(spark, pg)
    try:
        pg_run(conn, [
            "CREATE TABLE IF NOT EXISTS %s (\n  %s\n)" % (t, cols),
            "CREATE INDEX IF NOT EXISTS %s_created_at ON %s (created_at)" % (t, t),
            "CREATE TABLE IF NOT EXISTS %s (window_start timestamptz NOT NULL, "
            "window_end timestamptz NOT NULL, country text NOT NULL, users bigint NOT NULL, "
            "updated_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (window_start, country))" % agg,
            "CREATE TABLE IF NOT EXISTS stream_watermarks (name text PRIMARY KEY, "
            "max_event_time timestamptz NOT NULL, updated_at timestamptz NOT NULL DEFAULT now())",
        ])
        conn.commit()
    finally:
        conn.close()


def write_pg(spark, pg, good, batch_id):
    """Upserts one batch's users (columns RECORD_FIELDS + event_ms) into
    PostgreSQL and refreshes the aggregate windows it touched. Returns
    (new rows, upserted rows, late rows). One transaction: a failure leaves
    nothing half written, and the retried batch redoes all of it."""
    t, agg, stage = pg["table"], pg["agg_table"], pg["table"] + "_stage"
    # executors write the staging table (truncated, not dropped, each batch)
    (good.write.mode("overwrite").option("truncate", "true")
     .jdbc(pg["jdbc"], stage, properties=pg["props"]))
    fields = ", ".join(RECORD_FIELDS[1:])
    sets = ", ".join("%s = EXCLUDED.%s" % (f, f) for f in RECORD_FIELDS[1:])
    win = "date_trunc('hour', u.created_at)"
    country = pg_country_sql("u.address")
    late_s = int(pg["lateness"])
    conn = pg_connect(spark, pg)
    try:
        row = pg_run(conn, [
            # the watermark before this batch (NULL: nothing seen yet)
            "CREATE TEMP TABLE _airc_wm ON COMMIT DROP AS SELECT max_event_time - make_interval(secs => %d) AS wm "
            "FROM stream_watermarks WHERE name = ?" % late_s,
            # windows the batch's ids were in before the upsert (a changed address moves a user)
            "CREATE TEMP TABLE _airc_win ON COMMIT DROP AS SELECT DISTINCT %s AS window_start, %s AS country "
            "FROM %s u JOIN %s s ON u.id = s.id::uuid" % (win, country, t, stage),
            "CREATE TEMP TABLE _airc_up ON COMMIT DROP AS WITH up AS ("
            "INSERT INTO %s AS u (id, %s, created_at) "
            "SELECT s.id::uuid, %s, to_timestamp(s.event_ms / 1000.0) FROM %s s "
            "ON CONFLICT (id) DO UPDATE SET %s, created_at = LEAST(u.created_at, EXCLUDED.created_at) "
            "RETURNING (xmax = 0) AS inserted) SELECT * FROM up" % (
                t, fields, ", ".join("s." + f for f in RECORD_FIELDS[1:]), stage, sets),
            "INSERT INTO _airc_win SELECT DISTINCT %s, %s FROM %s u JOIN %s s ON u.id = s.id::uuid "
            "EXCEPT SELECT window_start, country FROM _airc_win" % (win, country, t, stage),
            # recompute the open windows from the table: exact and idempotent
            "INSERT INTO %s (window_start, window_end, country, users) "
            "SELECT w.window_start, w.window_start + interval '1 hour', w.country, "
            "(SELECT count(*) FROM %s u WHERE u.created_at >= w.window_start "
            "AND u.created_at < w.window_start + interval '1 hour' AND %s = w.country) "
            "FROM _airc_win w WHERE NOT EXISTS (SELECT 1 FROM _airc_wm m "
            "WHERE w.window_start + interval '1 hour' <= m.wm) "
            "ON CONFLICT (window_start, country) DO UPDATE SET users = EXCLUDED.users, "
            "window_end = EXCLUDED.window_end, updated_at = now()" % (agg, t, country),
            "INSERT INTO stream_watermarks AS m (name, max_event_time) "
            "SELECT ?, to_timestamp(max(event_ms) / 1000.0) FROM %s HAVING count(*) > 0 "
            "ON CONFLICT (name) DO UPDATE SET max_event_time = GREATEST(m.max_event_time, "
            "EXCLUDED.max_event_time), updated_at = now()" % stage,
            "SELECT (SELECT count(*) FROM _airc_up WHERE inserted), (SELECT count(*) FROM _airc_up), "
            "(SELECT count(*) FROM %s u JOIN %s s ON u.id = s.id::uuid, _airc_wm m "
            "WHERE %s + interval '1 hour' <= m.wm)" % (t, stage, win),
        ], params={0: (pg["wm_name"],), 5: (pg["wm_name"],)})
        conn.commit()
    except Exception:
        conn.rollback()
        raise
    finally:
        conn.close()
    return int(row[0]), int(row[1]), int(row[2])


def pg_settings(args):
    """The PG sink's settings, or None when no URL is configured (logged)."""
    if not args.postgres_url:
        log("postgres: no URL (--postgres-url, [postgres] url): skipping the PostgreSQL sink")
        return None
    jdbc, props, shown = pg_jdbc(args.postgres_url)
    log("postgres: sink %s tables %s, %s (allowed lateness %d s)" % (
        shown, args.pg_table, args.pg_agg_table, args.allowed_lateness))
    return {"jdbc": jdbc, "props": props, "table": args.pg_table, "agg_table": args.pg_agg_table,
            "lateness": args.allowed_lateness, "wm_name": "%s:%s" % (args.topic, args.pg_agg_table)}


def make_batch_writer(args, totals):
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    cass = {"keyspace": args.keyspace}
    schemas = {}  # --format avro: schema id -> writer schema text (None: unknown)
    pg = getattr(args, "pg", None)   # pg_settings(), set by run(); None = Cassandra only
    totals.setdefault("pg_new", 0)
    totals.setdefault("pg_late", 0)

    def write_batch(batch_df, batch_id):
        if args.format == "avro":
            batch_df = classify_avro(batch_df, args, schemas)
        batch_df = batch_df.persist()
        good = None
        try:
            good = (batch_df.where(F.col("error").isNull())
                    .select(F.lower(F.trim(F.col("rec.id"))).alias("id"),
                            F.col("partition"), F.col("offset"),
                            F.expr("unix_millis(kafka_ts)").alias("event_ms"),
                            *[F.col("rec." + f).alias(f) for f in RECORD_FIELDS[1:]]))
            # Within one batch the newest offset of an id wins, as it would
            # across batches (Cassandra upsert = last write wins); its event
            # time is the id's earliest Kafka timestamp (PostgreSQL keeps the
            # first creation time across batches too).
            newest = Window.partitionBy("id").orderBy(F.col("partition").desc(), F.col("offset").desc())
            good = (good.withColumn("_rn", F.row_number().over(newest))
                    .withColumn("event_ms", F.min("event_ms").over(Window.partitionBy("id")))
                    .where(F.col("_rn") == 1).select(*RECORD_FIELDS, "event_ms"))
            if pg:
                good = good.persist()
            bad = (batch_df.where(F.col("error").isNotNull())
                   .select("partition", "offset", "topic", "raw", "error",
                           F.current_timestamp().alias("seen_at")))
            n_rows = batch_df.count()
            n_good = good.count() if n_rows else 0
            n_bad = bad.count() if n_rows else 0
            if n_good:
                (good.select(*RECORD_FIELDS).write.format("org.apache.spark.sql.cassandra")
                 .options(table=args.table, **cass).mode("append").save())
            pg_note = ""
            if n_good and pg:
                n_new, n_up, n_late = write_pg(batch_df.sparkSession, pg, good, batch_id)
                totals["pg_new"] += n_new
                totals["pg_late"] += n_late
                pg_note = " pg_upserted=%d pg_new=%d pg_late=%d" % (n_up, n_new, n_late)
            if n_bad:
                (bad.write.format("org.apache.spark.sql.cassandra")
                 .options(table=args.table + "_dead_letter", **cass).mode("append").save())
            totals["batches"] += 1
            totals["written"] += n_good
            totals["dead_letter"] += n_bad
            log("batch=%d rows=%d written=%d dead_letter=%d%s" % (batch_id, n_rows, n_good, n_bad, pg_note))
        finally:
            if pg and good is not None:
                good.unpersist()
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
    writer = (classify(reader.load(), args).writeStream
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
    args.pg = pg_settings(args)
    if args.pg:
        ensure_pg_schema(spark, args.pg)
    totals = {"batches": 0, "written": 0, "dead_letter": 0, "pg_new": 0, "pg_late": 0}
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
    log("done mode=%s batches=%d written=%d dead_letter=%d%s seconds=%.1f" % (
        args.mode, totals["batches"], totals["written"], totals["dead_letter"],
        " pg_new=%d pg_late=%d" % (totals["pg_new"], totals["pg_late"]) if args.pg else " postgres=skipped",
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
