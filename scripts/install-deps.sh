#!/bin/sh
# Installs the Debian packages airc needs to build and test, skipping those
# already present. Needs root (or sudo). Safe to run repeatedly.
set -eu
PKGS="build-essential pkg-config libsqlite3-dev sqlite3 libmicrohttpd-dev libcurl4-openssl-dev
      librdkafka-dev libjansson-dev libinih-dev libcmocka-dev libsodium-dev kcat wrk
      docker-compose chromium python3-venv curl"
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -z "$missing" ]; then
  echo "deps: all Debian packages present"
  exit 0
fi
echo "deps: installing$missing"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
