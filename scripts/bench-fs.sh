#!/bin/bash
# bench-fs.sh: runs a command with TMPDIR on a fresh, journaled ext4 file
# system, the kind a stock Debian install has, so that the benchmarks' homes
# (the SQLite store, the task logs, a throwaway PostgreSQL) do not carry the
# costs of whatever file system the machine happens to have.
#
#   scripts/bench-fs.sh COMMAND [ARGS...]
#
# Why: this project's VMs have a root ext4 *without* a journal. There, every
# file creation scans the inode bitmap past inodes deleted in the last few
# seconds (fs/ext4/ialloc.c: find_inode_bit() -> recently_deleted(), checked
# only when the file system has no journal), and a benchmark that creates a
# log file per task right after another one deleted thousands paid 0.4 to
# 0.65 ms per task for it (2026-11-29, docs/benchmarks.md). The floor the
# chain is compared with creates no file, so the ratio moved with the
# machine's recent history, not with airc.
#
# As root with mkfs.ext4 and a loop device: a sparse image (AIRC_BENCH_FS_SIZE,
# default 8G) in /var/tmp, formatted with mkfs.ext4's defaults (journal on),
# mounted on a temporary folder that becomes TMPDIR; unmounted and deleted
# when COMMAND ends. Otherwise (or with AIRC_BENCH_FS=keep): COMMAND runs
# with TMPDIR as it is, and a line says so. Exit status: COMMAND's.
set -euo pipefail

[ $# -gt 0 ] || { echo "usage: scripts/bench-fs.sh COMMAND [ARGS...]" >&2; exit 2; }

say_keep() { echo "bench-fs: $1: the benchmarks' homes stay in ${TMPDIR:-/tmp}" >&2; }
if [ "${AIRC_BENCH_FS:-}" = keep ]; then
  say_keep "AIRC_BENCH_FS=keep"
  exec "$@"
fi
if [ "$(id -u)" -ne 0 ] || ! command -v mkfs.ext4 >/dev/null 2>&1 || ! command -v losetup >/dev/null 2>&1; then
  say_keep "needs root, mkfs.ext4 and losetup"
  exec "$@"
fi

IMG=$(mktemp /var/tmp/airc-bench-fs.XXXXXX.img)
MNT=$(mktemp -d /var/tmp/airc-bench-fs.XXXXXX)
MOUNTED=0
cleanup() {
  local rc=$?
  set +e
  if [ "$MOUNTED" = 1 ]; then
    # a process of COMMAND still holding a file keeps the mount busy: lazily
    umount "$MNT" 2>/dev/null || umount -l "$MNT"
  fi
  rm -f "$IMG"
  rmdir "$MNT" 2>/dev/null
  exit $rc
}
trap cleanup EXIT
truncate -s "${AIRC_BENCH_FS_SIZE:-8G}" "$IMG"
if ! mkfs.ext4 -q -F "$IMG" >/dev/null 2>&1 || ! mount -o loop "$IMG" "$MNT" 2>/dev/null; then
  say_keep "cannot make or mount an ext4 image (no loop device?)"
  "$@"
  exit $?
fi
MOUNTED=1
chmod 1777 "$MNT"
export TMPDIR="$MNT"
echo "bench-fs: TMPDIR=$MNT, a fresh ext4 with a journal ($(du -h --apparent-size "$IMG" | cut -f1) image, loop-mounted)" >&2
"$@"
