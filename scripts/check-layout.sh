#!/bin/sh
# check-layout.sh: fails if a source file includes a header from a folder
# above its own. The folders depend one way (README "Architecture"):
#
#   common/ <- dag/ <- store/ <- executor/ <- scheduler/, providers/ <- webui/ <- cli/
#   (webui/ uses scheduler/ and providers/: the Control Center reads Kafka,
#   Cassandra, the schema registry and Spark through them; tools/ may use anything)
#
# allowed() is the rule: for each folder, the folders it may include from
# ("#include \"FOLDER/...\""). System headers (<...>) are not checked, except
# the database clients' (sqlite3.h, libpq-fe.h): they belong to store/.
# Usage: scripts/check-layout.sh   (from the repository root; exit 1 on an upward include)
set -eu
cd "$(dirname "$0")/.."

allowed() {
  case "$1" in
    common)    echo "common" ;;
    dag)       echo "common dag" ;;
    store)     echo "common dag store" ;;
    executor)  echo "common dag store executor" ;;
    scheduler) echo "common dag store executor scheduler" ;;
    providers) echo "common dag store executor providers" ;;
    webui)     echo "common dag store executor scheduler providers webui" ;;
    cli)       echo "common dag store executor scheduler providers webui cli" ;;
    *)         echo "" ;;
  esac
}

bad=0
for dir in common dag store executor scheduler providers webui cli; do
  ok=$(allowed "$dir")
  for f in $(find "$dir" -name '*.[ch]' | sort); do
    # the first path component of every quoted include
    for inc in $(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f"); do
      top=${inc%%/*}
      [ "$top" = "$inc" ] && continue    # "x.h" next to the file
      case " $ok " in
        *" $top "*) ;;
        *) echo "check-layout: $f includes \"$inc\": $dir/ must not include from $top/" >&2; bad=1 ;;
      esac
    done
  done
done

# the database belongs to store/: no other folder includes a database
# client header or calls its API (docs/store.md)
dirs="common dag scheduler executor providers webui cli tools"
# Exception: providers/postgres/ may use libpq (never sqlite3): its task
# types (validate-postgres, sql) talk to the USER's PostgreSQL (the Spark
# job's batch sink, a report database), not to airc's metadata store, and
# never include store/postgres/.
for f in $(grep -rlE '^[[:space:]]*#[[:space:]]*include[[:space:]]*<(sqlite3|libpq-fe)\.h>|\bsqlite3_[a-z_0-9]+\(|\bPQ[a-z]+\(' \
             --include='*.[ch]' $dirs 2>/dev/null); do
  case $f in
    providers/postgres/*)
      if ! grep -qE 'sqlite3|"store/postgres/' "$f"; then continue; fi ;;
  esac
  echo "check-layout: $f uses a database client directly: only store/ may" >&2
  bad=1
done

if [ "$bad" -ne 0 ]; then
  echo "check-layout: FAILED: upward includes (see above)" >&2
  exit 1
fi
echo "check-layout: OK"
