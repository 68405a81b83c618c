#!/bin/sh
# Runs pytest with the interpreter that has it; creates .venv/test (cached)
# with pytest when the machine's python3 lacks it.
set -eu
cd "$(dirname "$0")/.."
if python3 -c 'import pytest' 2>/dev/null; then
  exec python3 -m pytest "$@"
fi
if [ ! -x .venv/test/bin/python ]; then
  python3 -m venv .venv/test
  .venv/test/bin/pip install -q pytest
fi
exec .venv/test/bin/python -m pytest "$@"
