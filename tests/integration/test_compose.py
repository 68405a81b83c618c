"""docker-compose.yml and Dockerfile: static checks (no Docker engine needed).

`docker-compose config -q` validates the file; the rest asserts that the
services, pinned images, health checks and start order describe the same
pipeline as scripts/stack.sh, and airc scaled out as docs/scaling.md says: a
PostgreSQL store, a one-shot `airc db init` that every airc service waits for,
two schedulers and two workers with the distributed executor, the web server,
and the volumes hosts must share (and those they must not). Skipped only when
docker-compose is not installed.
"""

import json
import os
import re
import shutil
import subprocess

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COMPOSE = os.path.join(REPO, "docker-compose.yml")
PIPELINE = {"kafka", "cassandra", "spark-master", "spark-worker", "randomuser"}
SCHEDULERS = {"airc-scheduler-1", "airc-scheduler-2"}
WORKERS = {"airc-worker-1", "airc-worker-2"}
AIRC = SCHEDULERS | WORKERS | {"airc-webserver"}
# The cluster profile (`--profile cluster`): the system of `scripts/stack.sh up --cluster`.
CLUSTER = {"kafka-1", "kafka-2", "kafka-3", "kafka-topics", "spark-worker-2", "cassandra-1", "cassandra-2",
           "registry", "sink-postgres"}
ONE_SHOT = {"airc-init", "kafka-topics"}
SERVICES = PIPELINE | AIRC | ONE_SHOT | {"postgres"} | CLUSTER


def _compose_bin():
    return shutil.which("docker-compose")


def _env():
    """The environment without AIRC_DB_PASSWORD, so that its default applies."""
    env = dict(os.environ)
    env.pop("AIRC_DB_PASSWORD", None)
    return env


def _config_json():
    """The resolved configuration as a dict (docker-compose prints YAML; it is
    parsed with PyYAML if present, else through `config --format json` of
    Compose v2)."""
    p = subprocess.run([_compose_bin(), "-f", COMPOSE, "config"], cwd=REPO, env=_env(),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60, text=True)
    assert p.returncode == 0, p.stderr
    try:
        import yaml
    except ImportError:
        q = subprocess.run([_compose_bin(), "-f", COMPOSE, "config", "--format", "json"], cwd=REPO, env=_env(),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60, text=True)
        if q.returncode != 0:
            pytest.skip("PyYAML missing and this docker-compose has no --format json")
        return json.loads(q.stdout)
    return yaml.safe_load(p.stdout)


pytestmark = pytest.mark.skipif(_compose_bin() is None,
                                reason="docker-compose is not installed (apt-get install docker-compose)")


def test_config_is_valid():
    p = subprocess.run([_compose_bin(), "-f", COMPOSE, "config", "-q"], cwd=REPO,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60, text=True)
    assert p.returncode == 0, p.stderr


def test_services_exist():
    p = subprocess.run([_compose_bin(), "-f", COMPOSE, "config", "--services"], cwd=REPO,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60, text=True)
    assert p.returncode == 0, p.stderr
    assert set(p.stdout.split()) == SERVICES


def test_images_pinned_and_healthchecked():
    services = _config_json()["services"]
    for name, svc in services.items():
        if name in ONE_SHOT:
            # Runs to completion; the others wait for its exit status instead.
            assert svc["restart"] == "no", name
            continue
        assert "healthcheck" in svc, name + " has no healthcheck"
        if "build" in svc:
            continue
        image = svc["image"]
        tag = image.rsplit(":", 1)[-1] if ":" in image else ""
        # PostgreSQL numbers its releases major.minor (15.13); the others x.y.z.
        pattern = r"^\d+\.\d+(-|$)" if "postgres" in name else r"^\d+\.\d+\.\d+"
        assert re.match(pattern, tag), "%s: image %s is not pinned" % (name, image)
    assert services["kafka"]["image"].startswith("apache/kafka:3.9.")
    assert services["cassandra"]["image"].startswith("cassandra:5.0.")
    assert services["postgres"]["image"].startswith("postgres:15.")


def _volume_targets(svc):
    """{container path: source} of a service's volumes (short or long syntax)."""
    out = {}
    for v in svc.get("volumes", []):
        if isinstance(v, dict):
            out[v["target"]] = v.get("source")
        else:
            parts = v.split(":")
            out[parts[1]] = parts[0]
    return out


def test_postgres_store_and_db_init_first():
    services = _config_json()["services"]
    pg = services["postgres"]
    assert "/var/lib/postgresql/data" in _volume_targets(pg), "postgres keeps its data in a volume"
    assert "pg_isready" in " ".join(pg["healthcheck"]["test"])
    assert "ports" not in pg, "the store is reachable from the compose network only"
    password = pg["environment"]["POSTGRES_PASSWORD"]
    url = "postgresql://%s:%s@postgres:5432/%s" % (pg["environment"]["POSTGRES_USER"], password,
                                                    pg["environment"]["POSTGRES_DB"])
    assert url == "postgresql://airc:airc@postgres:5432/airc"
    init = services["airc-init"]
    assert init["command"] == ["airc", "db", "init"]
    assert init["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    for name in AIRC | {"airc-init"}:
        env = services[name]["environment"]
        assert env["AIRC__DATABASE__URL"] == url, name
        assert env["AIRC__CORE__EXECUTOR"] == "distributed", name
    for name in AIRC:
        assert services[name]["depends_on"]["airc-init"]["condition"] == "service_completed_successfully", name
    assert "airc" not in services, "no standalone (SQLite, local executor) airc beside the scaled-out one"


def test_two_schedulers_two_workers_and_the_webserver():
    services = _config_json()["services"]
    for name in SCHEDULERS:
        assert services[name]["command"] == ["airc", "scheduler"], name
        assert "ports" not in services[name], name
    names = set()
    for name in WORKERS:
        svc = services[name]
        cmd = svc["command"]
        assert cmd[:2] == ["airc", "worker"], name
        assert "--name" in cmd, name + " names its worker (the task instances' hostname)"
        worker_name = cmd[cmd.index("--name") + 1]
        names.add(worker_name)
        # Spark executors connect back to the driver in this container by its host name.
        assert svc["hostname"] == worker_name == svc["environment"]["SPARK_LOCAL_HOSTNAME"], name
        for dep in ("kafka", "cassandra", "randomuser", "spark-master"):
            assert svc["depends_on"][dep]["condition"] == "service_healthy", (name, dep)
        env = svc["environment"]
        assert env["AIRC__KAFKA__BOOTSTRAP_SERVERS"] == "kafka:9092"
        assert env["AIRC__CASSANDRA__HOST"] == "cassandra"
        assert env["AIRC__SPARK__MASTER"].startswith("spark://spark-master:")
    assert len(names) == len(WORKERS), "worker names must differ"
    web = services["airc-webserver"]
    assert web["command"][:2] == ["airc", "webserver"]
    assert any(str(p.get("published") if isinstance(p, dict) else p).find("8080") >= 0 for p in web["ports"])
    assert services["randomuser"]["command"][0] == "randomuser-server"


def test_volumes_follow_what_hosts_share():
    """docs/scaling.md: schedulers share the DAG folder, workers the data
    folder; nobody shares a log folder or a run folder."""
    services = _config_json()["services"]
    env0 = services["airc-worker-1"]["environment"]
    dags, data = env0["AIRC__CORE__DAGS_FOLDER"], env0["AIRC__CORE__DATA_FOLDER"]
    for name in SCHEDULERS:
        assert _volume_targets(services[name]).get(dags, "").endswith("/dags"), name + " mounts ./dags"
        assert services[name]["environment"]["AIRC__CORE__DAGS_FOLDER"] == dags
    for name in WORKERS:
        assert _volume_targets(services[name]).get(data) == "airc-data", name + " mounts the shared data folder"
        assert services[name]["environment"]["AIRC__CORE__DATA_FOLDER"] == data
    log_folders = [services[n]["environment"]["AIRC__LOGGING__BASE_LOG_FOLDER"] for n in AIRC | {"airc-init"}]
    assert len(set(log_folders)) == len(log_folders), "each airc service has its own log folder"
    for name in AIRC | {"airc-init"}:
        env = services[name]["environment"]
        assert "AIRC__CORE__RUN_FOLDER" not in env, name + ": run folders stay per container"
        folder = env["AIRC__LOGGING__BASE_LOG_FOLDER"]
        mounts = _volume_targets(services[name])
        assert any(folder.startswith(t + "/") and src == "airc-logs" for t, src in mounts.items()), name
    assert {"postgres-data", "airc-data", "airc-logs"} <= set(_config_json()["volumes"])


def test_cluster_profile():
    services = _config_json()["services"]
    # the default profile is the single-node system; the cluster adds its own services
    assert {n for n, s in services.items() if "cluster" in s.get("profiles", [])} == CLUSTER
    assert all(not s.get("profiles") for n, s in services.items() if n not in CLUSTER)
    voters = "1@kafka-1:9093,2@kafka-2:9093,3@kafka-3:9093"
    ids = set()
    for i in (1, 2, 3):
        env = services["kafka-%d" % i]["environment"]
        assert env["KAFKA_CONTROLLER_QUORUM_VOTERS"] == voters
        assert env["KAFKA_ADVERTISED_LISTENERS"] == "PLAINTEXT://kafka-%d:9092" % i
        assert env["KAFKA_MIN_INSYNC_REPLICAS"] == "2" and env["KAFKA_DEFAULT_REPLICATION_FACTOR"] == "3"
        ids.add(env["KAFKA_NODE_ID"])
        assert env["CLUSTER_ID"] == services["kafka-1"]["environment"]["CLUSTER_ID"]
    assert ids == {"1", "2", "3"}
    cmd = " ".join(services["kafka-topics"]["command"])
    assert "--topic users_created --partitions 3 --replication-factor 3 --config min.insync.replicas=2" in cmd
    for n in ("cassandra-1", "cassandra-2"):
        assert services[n]["environment"]["CASSANDRA_SEEDS"] == "cassandra-1"
    assert services["cassandra-2"]["depends_on"]["cassandra-1"]["condition"] == "service_healthy"
    assert "spark://spark-master:7077" in services["spark-worker-2"]["command"]
    assert services["registry"]["image"] == "apicurio/apicurio-registry-mem:2.6.13.Final"
    assert services["sink-postgres"]["image"].startswith("postgres:15.")


def test_host_ports_bound_to_loopback():
    for name, svc in _config_json()["services"].items():
        for port in svc.get("ports", []):
            host_ip = port.get("host_ip") if isinstance(port, dict) else str(port).split(":")[0]
            assert host_ip == "127.0.0.1", "%s publishes %r beyond 127.0.0.1" % (name, port)


def test_dockerfile_builds_with_make_and_pins_pyspark():
    with open(os.path.join(REPO, "Dockerfile")) as f:
        text = f.read()
    assert re.search(r"^FROM debian:12|^ARG DEBIAN_IMAGE=debian:12", text, re.M)
    assert "make deps" in text and "make -j" in text
    assert "bin/airc" in text and "bin/randomuser-server" in text
    assert "libpq5" in text, "the runtime image needs libpq for the PostgreSQL store"
    assert re.search(r"install -d -o airc -g airc /var/lib/airc-data /var/log/airc", text), \
        "the volumes' mount points must belong to the airc user"
    m = re.search(r"^ARG PYSPARK_VERSION=(\S+)", text, re.M)
    with open(os.path.join(REPO, "scripts", "stack.sh")) as f:
        stack = f.read()
    assert m and ("pyspark==%s " % m.group(1)) in stack, "Dockerfile and stack.sh disagree on pyspark"
