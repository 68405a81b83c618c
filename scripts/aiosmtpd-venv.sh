#!/bin/sh
# Creates .venv/aiosmtpd (cached) with aiosmtpd 1.4 from PyPI, the local
# SMTP server tests/integration/test_notifications.py sends e-mail to, and
# prints the venv's site-packages directory (the test puts it on sys.path).
# Usage: scripts/aiosmtpd-venv.sh [PYTHON]  (default python3; the venv is
# rebuilt when PYTHON is another version than the one it has).
set -eu
cd "$(dirname "$0")/.."
PY=${1:-python3}
V=.venv/aiosmtpd
WANT="$("$PY" -c 'import sys; print("%d.%d" % sys.version_info[:2])') aiosmtpd==1.4.*"
if [ ! -f "$V/.installed" ] || [ "$(cat "$V/.installed")" != "$WANT" ]; then
  rm -rf "$V"
  "$PY" -m venv "$V" >&2
  "$V/bin/pip" install -q 'aiosmtpd==1.4.*' >&2
  echo "$WANT" >"$V/.installed"
fi
exec "$V/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])'
