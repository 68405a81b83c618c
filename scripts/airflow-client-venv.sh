#!/bin/sh
# Creates .venv/airflow-client (cached) with Airflow's official Python
# client, apache-airflow-client 2.10 from PyPI, for tests/web/
# test_airflow_client.py, and prints the venv's site-packages directory.
# Usage: scripts/airflow-client-venv.sh [PYTHON]  (default python3; the
# venv is rebuilt when PYTHON is another version than the one it has).
set -eu
cd "$(dirname "$0")/.."
PY=${1:-python3}
V=.venv/airflow-client
WANT="$("$PY" -c 'import sys; print("%d.%d" % sys.version_info[:2])') apache-airflow-client==2.10.*"
if [ ! -f "$V/.installed" ] || [ "$(cat "$V/.installed")" != "$WANT" ]; then
  rm -rf "$V"
  "$PY" -m venv "$V" >&2
  "$V/bin/pip" install -q 'apache-airflow-client==2.10.*' >&2
  echo "$WANT" >"$V/.installed"
fi
exec "$V/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])'
