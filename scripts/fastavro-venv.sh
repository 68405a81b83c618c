#!/bin/sh
# Creates .venv/fastavro (cached) with fastavro 1.x from PyPI, the
# independent Avro decoder tests/e2e/test_avro.py checks the Kafka values with, and
# prints the venv's site-packages directory (the test puts it on sys.path).
# Usage: scripts/fastavro-venv.sh [PYTHON]  (default python3; the venv is
# rebuilt when PYTHON is another version than the one it has).
set -eu
cd "$(dirname "$0")/.."
PY=${1:-python3}
V=.venv/fastavro
WANT="$("$PY" -c 'import sys; print("%d.%d" % sys.version_info[:2])') fastavro==1.*"
if [ ! -f "$V/.installed" ] || [ "$(cat "$V/.installed")" != "$WANT" ]; then
  rm -rf "$V"
  "$PY" -m venv "$V" >&2
  "$V/bin/pip" install -q 'fastavro==1.*' >&2
  echo "$WANT" >"$V/.installed"
fi
exec "$V/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])'
