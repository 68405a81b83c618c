#!/usr/bin/env bash
# Browser tests of the dashboard (static/) against the REAL airc: a temporary
# AIRC_HOME with the DAGs of tests/browser/dags, an admin and a viewer user,
# `airc scheduler` and `airc webserver` on a free local port (with single
# sign-on against scripts/oidc-provider.sh when java is there), then
# `node --test tests/browser/dashboard.test.mjs` in Debian's Chromium through
# playwright-core (no browser download). Every wait is bounded; everything
# started here is stopped on exit. Exit status: that of the tests.
#
#   AIRC_BIN=bin/airc scripts/browser-tests.sh
#   KEEP_HOME=1   keep the temporary AIRC_HOME (logs, store) after the run
#   HEADFUL=1     show the browser (needs a display)
#   scripts/browser-tests.sh --test-name-pattern="single sign-on"   one test (node --test options)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
AIRC_BIN=${AIRC_BIN:-$ROOT/bin/airc}
case $AIRC_BIN in /*) ;; *) AIRC_BIN=$ROOT/$AIRC_BIN ;; esac
TESTS=$ROOT/tests/browser
ARTIFACTS=$ROOT/tests/artifacts
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

die() { echo "browser-tests: $*" >&2; exit 1; }
[ -x "$AIRC_BIN" ] || die "no airc binary at $AIRC_BIN (run make)"
command -v node >/dev/null || die "node is not installed"

# Chromium from Debian, installed on demand.
if [ ! -x "$CHROMIUM" ]; then
  echo "browser-tests: installing chromium from Debian"
  SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium \
    || die "could not install chromium"
fi

# playwright-core, reinstalled only when the lock file changed.
NPM_CACHE=${NPM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/airc-npm}
STAMP=$TESTS/node_modules/.airc-lock.sha256
LOCK_SUM=$(sha256sum "$TESTS/package-lock.json" | cut -d' ' -f1)
if [ ! -f "$STAMP" ] || [ "$(cat "$STAMP")" != "$LOCK_SUM" ]; then
  (cd "$TESTS" && timeout 300 npm ci --no-audit --no-fund --prefer-offline --cache "$NPM_CACHE" >/dev/null) \
    || die "npm ci failed in tests/browser"
  echo "$LOCK_SUM" > "$STAMP"
fi

HOME_DIR=$(mktemp -d "${TMPDIR:-/tmp}/airc-browser.XXXXXX")
export AIRC_HOME=$HOME_DIR
mkdir -p "$AIRC_HOME/dags" "$AIRC_HOME/test-logs" "$ARTIFACTS/screenshots"
cp "$TESTS"/dags/*.ini "$AIRC_HOME/dags/"
# 60 more DAGs (sorted after the others) so that the DAG list has pages
for i in $(seq -w 1 60); do
  printf '[dag]\nid = zz_page_%s\nschedule = none\n\n[task t]\ntype = shell\ncommand = true\n' "$i" \
    > "$AIRC_HOME/dags/zz_page_$i.ini"
done
# Serve this checkout's dashboard whatever binary is under test.
printf '[webserver]\nstatic_folder = %s\n' "$ROOT/static" > "$AIRC_HOME/airc.ini"
PIDS=()

cleanup() {
  local rc=$?
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  if [ $rc -ne 0 ]; then
    for f in "$AIRC_HOME"/test-logs/*.log; do
      [ -f "$f" ] || continue
      echo "---- last lines of $(basename "$f")" >&2; tail -n 40 "$f" >&2
    done
  fi
  cp "$AIRC_HOME"/test-logs/*.log "$ARTIFACTS/" 2>/dev/null || true
  if [ -n "${KEEP_HOME:-}" ]; then echo "browser-tests: AIRC_HOME kept at $AIRC_HOME"; else rm -rf "$AIRC_HOME"; fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$AIRC_BIN" db init >/dev/null

# Users: the password goes on stdin.
ADMIN_PASS="admin-$(head -c 9 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')"
VIEWER_PASS="viewer-$(head -c 9 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')"
printf '%s\n' "$ADMIN_PASS" | "$AIRC_BIN" users create --username admin --role admin >/dev/null \
  || die "airc users create (admin) failed"
printf '%s\n' "$VIEWER_PASS" | "$AIRC_BIN" users create --username viewer --role viewer >/dev/null \
  || die "airc users create (viewer) failed"

free_port() { node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }
PORT=$(free_port)

# The OpenID provider of the single sign-on test (scripts/oidc-provider.sh),
# when java is there; without java that test is skipped and says why.
OIDC_ISSUER=
if command -v java >/dev/null; then
  "$ROOT/scripts/oidc-provider.sh" fetch || die "could not fetch the OpenID provider (scripts/oidc-provider.sh fetch)"
  OIDC_PORT=$(free_port)
  "$ROOT/scripts/oidc-provider.sh" run "$OIDC_PORT" >"$AIRC_HOME/test-logs/oidc-provider.log" 2>&1 &
  PIDS+=($!)
  OIDC_ISSUER="http://127.0.0.1:$OIDC_PORT/default"
  for i in $(seq 300); do
    curl -fsS -o /dev/null --max-time 2 "$OIDC_ISSUER/.well-known/openid-configuration" 2>/dev/null && break
    [ "$i" = 300 ] && die "the OpenID provider did not answer within 60 s"
    sleep 0.2
  done
  printf 'oidc_issuer = %s\noidc_client_id = airc-browser\noidc_client_secret = browser-secret\noidc_role_map = airc-ops:op\n' \
    "$OIDC_ISSUER" >> "$AIRC_HOME/airc.ini"
fi
"$AIRC_BIN" scheduler >"$AIRC_HOME/test-logs/scheduler.log" 2>&1 &
PIDS+=($!)
"$AIRC_BIN" webserver --port "$PORT" --host 127.0.0.1 >"$AIRC_HOME/test-logs/webserver.log" 2>&1 &
PIDS+=($!)

URL="http://127.0.0.1:$PORT"
for i in $(seq 100); do
  curl -fsS -o /dev/null --max-time 2 "$URL/api/v1/health" 2>/dev/null && break
  for pid in "${PIDS[@]}"; do kill -0 "$pid" 2>/dev/null || die "airc exited early (see logs above)"; done
  [ "$i" = 100 ] && die "web server did not answer on $URL within 20 s"
  sleep 0.2
done

echo "browser-tests: airc on $URL, AIRC_HOME=$AIRC_HOME"
cd "$TESTS"
AIRC_URL=$URL AIRC_ADMIN_PASSWORD=$ADMIN_PASS AIRC_VIEWER_PASSWORD=$VIEWER_PASS \
AIRC_SCREENSHOTS=$ARTIFACTS/screenshots CHROMIUM=$CHROMIUM AIRC_BIN=$AIRC_BIN AIRC_OIDC_ISSUER=$OIDC_ISSUER \
  timeout 600 node --test --test-concurrency=1 --test-reporter=spec "$@" dashboard.test.mjs
