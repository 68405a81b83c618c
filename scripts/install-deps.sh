#!/bin/sh
# Installs what `make demo` and `make test` need on a bare Debian 12 (root or
# sudo), skipping what is already there. Safe to run repeatedly: when
# everything is present it runs no apt at all.
#
# A package is skipped when dpkg has it, or when what it provides already
# works (its check below passes): a java, node or clang installed some other
# way counts. Node.js must be 20 or newer (the browser tests' playwright-core
# requires it); Debian 12 ships 18, so when no node >= 20 is found the
# NodeSource apt repository for Node 20 is added (AIRC_DEPS_NO_NODESOURCE=1
# refuses that and fails instead). Not for: Python packages (scripts/pytest.sh
# and scripts/stack.sh make their own venvs) and Java jars (scripts/stack.sh
# fetches them with Maven; `make deps` runs scripts/oidc-provider.sh fetch
# for the single sign-on tests). AIRC_DEPS_DRY_RUN=1 only prints what it would
# install.
set -eu

# PACKAGE|CHECK: CHECK is a shell command that succeeds when the package's
# job is already done; "-" means dpkg decides alone.
LIST='build-essential|command -v cc && command -v make
pkg-config|command -v pkg-config
ca-certificates|-
curl|command -v curl
sqlite3|command -v sqlite3
libsqlite3-dev|pkg-config --exists sqlite3
libmicrohttpd-dev|pkg-config --exists libmicrohttpd
libcurl4-openssl-dev|pkg-config --exists libcurl
librdkafka-dev|pkg-config --exists rdkafka
libavro-dev|pkg-config --exists avro-c
libjansson-dev|pkg-config --exists jansson
libinih-dev|pkg-config --exists inih
libcmocka-dev|pkg-config --exists cmocka
libsodium-dev|pkg-config --exists libsodium
libpq-dev|pkg-config --exists libpq
postgresql|command -v pg_ctl || ls /usr/lib/postgresql/*/bin/pg_ctl
python3|command -v python3
python3-venv|python3 -c "import ensurepip, venv"
python3-requests|python3 -c "import requests"
openjdk-17-jre-headless|java -version 2>&1 | grep -Eq "version \"(1[7-9]|[2-9][0-9])"
maven|command -v mvn
kcat|command -v kcat
chromium|test -x "${CHROMIUM:-/usr/bin/chromium}"
clang|command -v clang
libclang-rt-14-dev|printf "int LLVMFuzzerTestOneInput(const char *p, unsigned long n) { (void)p; return (int)n * 0; }\n" | clang -x c -fsanitize=fuzzer -o /dev/null -
wrk|command -v wrk
docker-compose|command -v docker-compose'

have() { sh -c "$1" >/dev/null 2>&1; }
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
node_major() { node -e 'process.stdout.write(process.versions.node.split(".")[0])' 2>/dev/null || echo 0; }

missing=""
while IFS='|' read -r pkg check; do
  installed "$pkg" && continue
  [ "$check" != "-" ] && have "$check" && continue
  missing="$missing $pkg"
done <<EOF
$LIST
EOF
node_ok=1
{ [ "$(node_major)" -ge 20 ] && command -v npm >/dev/null 2>&1; } || node_ok=0

prom_ok=1
command -v promtool >/dev/null 2>&1 || prom_ok=0

if [ -z "$missing" ] && [ "$node_ok" -eq 1 ] && [ "$prom_ok" -eq 1 ]; then
  echo "deps: all present"
  exit 0
fi
if [ "${AIRC_DEPS_DRY_RUN:-}" = 1 ]; then
  echo "deps: would install$missing$([ "$node_ok" -eq 1 ] || echo " nodejs(>=20)")$([ "$prom_ok" -eq 1 ] || echo " promtool")"
  exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
apt_install() {
  echo "deps: installing $*"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "$@"
}
$SUDO apt-get update -qq
# shellcheck disable=SC2086 # word splitting of the package list is wanted
[ -z "$missing" ] || apt_install $missing

if [ "$node_ok" -eq 0 ]; then
  cand=$(apt-cache policy nodejs 2>/dev/null | sed -n 's/^ *Candidate: *\([0-9:]*\)\([0-9][0-9]*\)\..*/\2/p')
  if [ "$(node_major)" -lt 20 ] && [ "${cand:-0}" -lt 20 ]; then
    if [ "${AIRC_DEPS_NO_NODESOURCE:-}" = 1 ]; then
      echo "deps: node >= 20 is needed (browser tests) and apt offers ${cand:-none}; install it and rerun" >&2
      exit 1
    fi
    echo "deps: Debian offers nodejs ${cand:-none}, the browser tests need >= 20: adding the NodeSource repository (node_20.x)"
    apt_install ca-certificates curl gnupg
    $SUDO mkdir -p /etc/apt/keyrings
    curl -fsSL https://deb.nodesource.com/gpgkey/nodesource-repo.gpg.key \
      | $SUDO gpg --batch --yes --dearmor -o /etc/apt/keyrings/nodesource.gpg
    echo "deb [signed-by=/etc/apt/keyrings/nodesource.gpg] https://deb.nodesource.com/node_20.x nodistro main" \
      | $SUDO tee /etc/apt/sources.list.d/nodesource.list >/dev/null
    $SUDO apt-get update -qq
  fi
  [ "$(node_major)" -ge 20 ] || apt_install nodejs
  # NodeSource's nodejs carries npm; Debian's does not
  command -v npm >/dev/null 2>&1 || apt_install npm
  [ "$(node_major)" -ge 20 ] || { echo "deps: node is $(node_major), the browser tests need >= 20" >&2; exit 1; }
fi
# promtool (tests/web check /metrics with `promtool check metrics`): only
# that binary is taken from Debian's prometheus package, unpacked with
# dpkg-deb, so that installing deps never starts a Prometheus server
if ! command -v promtool >/dev/null 2>&1; then
  echo "deps: promtool from Debian's prometheus package"
  tmp=$(mktemp -d)
  (cd "$tmp" && $SUDO apt-get download -qq prometheus 2>/dev/null && dpkg-deb -x prometheus_*.deb x)
  $SUDO install -m 0755 "$tmp/x/usr/bin/promtool" /usr/local/bin/promtool
  rm -rf "$tmp"
fi
echo "deps: done"
