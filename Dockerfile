# airc image: bin/airc, bin/airc-worker, bin/airc-task, bin/airc-webserver, bin/randomuser-server, the Spark job, and a Python venv
# with pyspark (for spark-submit) plus the Spark connector jars.
# Used by docker-compose.yml for every airc service (db init, schedulers, workers,
# web server) and for `randomuser`.
#
#   docker build -t airc .
#
# Stages: build (Debian 12 + `make deps` + `make`), jars (Maven fetch of the
# connector jars listed in scripts/stack/spark-connectors-pom.xml), runtime
# (Debian 12 slim with only runtime libraries, Java 17 and the venv).

ARG DEBIAN_IMAGE=debian:12-slim
ARG PYSPARK_VERSION=3.5.7

FROM ${DEBIAN_IMAGE} AS build
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends make ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# The dependency list first, so code changes do not re-run `make deps`.
COPY Makefile ./
COPY scripts/install-deps.sh scripts/
RUN make deps && rm -rf /var/lib/apt/lists/*
COPY . .
RUN make clean && make -j"$(nproc)" all \
 && test -x bin/airc && test -x bin/airc-supervisor && test -x bin/airc-worker && test -x bin/airc-task && test -x bin/airc-webserver && test -x bin/randomuser-server \
 && mkdir -p dags static

FROM ${DEBIAN_IMAGE} AS jars
ARG PYSPARK_VERSION
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends maven openjdk-17-jdk-headless ca-certificates \
 && rm -rf /var/lib/apt/lists/*
COPY scripts/stack/spark-connectors-pom.xml /tmp/pom.xml
RUN mvn -q -B -f /tmp/pom.xml org.apache.maven.plugins:maven-dependency-plugin:3.6.1:copy-dependencies \
      -DincludeScope=runtime -DexcludeTransitive=true -Dspark.version=${PYSPARK_VERSION} \
      -DoutputDirectory=/opt/spark-jars \
 && rm -rf /root/.m2

FROM ${DEBIAN_IMAGE} AS runtime
ARG PYSPARK_VERSION
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      libsqlite3-0 libpq5 libmicrohttpd12 libcurl4 librdkafka1 libjansson4 libinih1 libsodium23 \
      ca-certificates curl kcat tini procps \
      openjdk-17-jre-headless python3 python3-venv \
 && rm -rf /var/lib/apt/lists/*
RUN python3 -m venv /opt/venv \
 && /opt/venv/bin/pip install --no-cache-dir -q "pyspark==${PYSPARK_VERSION}" cassandra-driver
COPY --from=build /src/bin/airc /src/bin/airc-supervisor /src/bin/airc-worker /src/bin/airc-task /src/bin/airc-webserver /src/bin/randomuser-server /usr/local/bin/
COPY --from=build /src/jobs /opt/airc/jobs
COPY --from=build /src/dags /opt/airc/dags
# task-type plugins (http, python): AIRC__CORE__PLUGINS_FOLDER points here (docker-compose.yml)
COPY --from=build /src/bin/plugins /opt/airc/plugins
COPY --from=build /src/static /opt/airc/static
COPY --from=jars /opt/spark-jars /opt/spark-jars
COPY scripts/docker/entrypoint.sh /usr/local/bin/airc-entrypoint
COPY scripts/docker/spark-defaults.conf /opt/spark-conf/spark-defaults.conf
COPY scripts/docker/log4j2.properties /opt/spark-conf/log4j2.properties
ENV AIRC_HOME=/var/lib/airc \
    SPARK_HOME=/opt/venv/lib/python3.11/site-packages/pyspark \
    SPARK_CONF_DIR=/opt/spark-conf \
    PYSPARK_PYTHON=/opt/venv/bin/python \
    AIRC__SPARK__SPARK_SUBMIT=/opt/venv/bin/spark-submit \
    AIRC__SPARK__JOB=/opt/airc/jobs/spark_stream.py \
    PATH=/opt/venv/bin:$PATH
# /var/lib/airc-data and /var/log/airc are the mount points of
# docker-compose.yml's shared data folder and log volume: a new named volume
# takes their owner, so the airc user can write there.
RUN useradd --system --home-dir /var/lib/airc --create-home airc \
 && install -d -o airc -g airc /var/lib/airc-data /var/log/airc \
 && test -d "$SPARK_HOME" && ls /opt/spark-jars/*.jar >/dev/null
USER airc
WORKDIR /var/lib/airc
EXPOSE 8080 8000
ENTRYPOINT ["tini", "--", "/usr/local/bin/airc-entrypoint"]
CMD ["airc", "standalone", "--host", "0.0.0.0", "--port", "8080"]
