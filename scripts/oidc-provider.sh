#!/usr/bin/env bash
# The OpenID Connect provider that the web and browser tests sign in
# against: no.nav.security:mock-oauth2-server from Maven Central (a real
# provider: discovery, authorization code flow with PKCE, RS256-signed ID
# tokens, JWKS), run as a java program on 127.0.0.1.
#
#   scripts/oidc-provider.sh fetch        copy its jars into lib/oidc of the stack
#                                         home (Maven, ~/.m2 reused); no-op when done
#   scripts/oidc-provider.sh classpath    print the java classpath (after fetch)
#   scripts/oidc-provider.sh run PORT     fetch, then run it in the foreground on
#                                         127.0.0.1:PORT with an interactive login
#                                         form (a user types any name and claims);
#                                         JSON_CONFIG in the environment overrides
#
# The jars live under ${AIRC_STACK_HOME:-<repo>/.stack}/lib/oidc, complete
# only when lib/oidc/.complete matches the POM (scripts/oidc/mock-oauth2-pom.xml).
# `make deps` runs `fetch` when java and mvn are present. Not for production.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
STACK_HOME=${AIRC_STACK_HOME:-$REPO/.stack}
POM=$REPO/scripts/oidc/mock-oauth2-pom.xml
DEST=$STACK_HOME/lib/oidc
MAIN=no.nav.security.mock.oauth2.StandaloneMockOAuth2ServerKt

die() { printf 'oidc-provider: error: %s\n' "$*" >&2; exit 1; }

fetch() {
  local fp tmp
  fp=$(sha256sum "$POM" | cut -d' ' -f1)
  if [ -f "$DEST/.complete" ] && [ "$(cat "$DEST/.complete")" = "$fp" ]; then return 0; fi
  command -v mvn >/dev/null || die "mvn not found (apt-get install maven, or make deps)"
  mkdir -p "$STACK_HOME/lib" "$STACK_HOME/logs"
  tmp=$DEST.tmp.$$
  rm -rf "$tmp"; mkdir -p "$tmp"
  echo "oidc-provider: fetching mock-oauth2-server jars from Maven Central" >&2
  if ! timeout 600 mvn -q -B -f "$POM" \
      org.apache.maven.plugins:maven-dependency-plugin:3.6.1:copy-dependencies \
      -DincludeScope=runtime -DoutputDirectory="$tmp" >"$STACK_HOME/logs/fetch-oidc.log" 2>&1; then
    rm -rf "$tmp"
    tail -n 20 "$STACK_HOME/logs/fetch-oidc.log" >&2
    die "fetching the OpenID provider's jars failed (log: $STACK_HOME/logs/fetch-oidc.log)"
  fi
  printf '%s\n' "$fp" >"$tmp/.complete"
  rm -rf "$DEST"; mv "$tmp" "$DEST"
}

case ${1:-} in
  fetch) fetch ;;
  classpath)
    [ -f "$DEST/.complete" ] || die "not fetched yet: run scripts/oidc-provider.sh fetch"
    echo "$DEST/*" ;;
  run)
    port=${2:?usage: oidc-provider.sh run PORT}
    fetch
    command -v java >/dev/null || die "java not found (apt-get install openjdk-17-jre-headless)"
    export SERVER_HOSTNAME=127.0.0.1 SERVER_PORT=$port LOG_LEVEL=${LOG_LEVEL:-WARN}
    export JSON_CONFIG=${JSON_CONFIG:-'{"interactiveLogin": true}'}
    exec java -Xmx256m -XX:TieredStopAtLevel=1 -cp "$DEST/*" "$MAIN" ;;
  *) echo "usage: $0 fetch | classpath | run PORT" >&2; exit 2 ;;
esac
