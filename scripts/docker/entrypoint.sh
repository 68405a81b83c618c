#!/bin/sh
# Container entrypoint of the airc image: fills in the settings that depend on
# what the image holds (the connector jar list), then runs the command.
set -eu
if [ -z "${AIRC__SPARK__JARS:-}" ]; then
  AIRC__SPARK__JARS=$(ls /opt/spark-jars/*.jar | paste -sd, -)
  export AIRC__SPARK__JARS
fi
mkdir -p "${AIRC_HOME:-/var/lib/airc}"
exec "$@"
