#!/usr/bin/env bash
# The fault experiments, each printing its own Markdown table:
# 1. kill -9 rounds: `backline serve` SIGKILLed in the middle of concurrent /case open, then
#    restarted, on SQLite and PostgreSQL: acknowledged vs stored vs duplicated cases.
# 2. A thousand slow clients (half a header each, then nothing) while a signed PING is sent;
#    then SIGTERM with them connected: exit code and seconds to exit vs the grace period.
# 3. Gateway mode, Discord unreachable: SIGTERM, exit code and seconds to exit.
# 4. A 30 s PostgreSQL outage under steady load (20 /support and 5
# /case open per second) against the release build, through an in-process TCP proxy, in two
# kinds: `drop` (connections reset, new ones refused: the server went away) and `stall`
# (nothing forwarded, connections left hanging: a network partition). For each, prints one
# Markdown table: interactions answered within Discord's 3 s (inline or deferred), answered
# from memory, cases acknowledged vs stored, notifications marked sent vs delivered.
# 5. Disk full on SQLite: the database on a small tmpfs (mounted here; needs root, else the
#    experiment says it skipped), filled while serving: /case open refused, never acknowledged
#    without its row; filler removed: writes succeed again on the same process. The
#    deterministic test is store_faults::after_a_full_disk_writes_succeed_again_on_the_same_running_store.
# The servers' logs are in target/bench/faults-*.log.
#
# Knobs (environment): FAULTS_POSTGRES_URL (an admin URL; the run creates and drops the
# database backline_faults there), FAULTS_MODES ("drop stall"), FAULTS_OUTAGE (30),
# FAULTS_BEFORE / FAULTS_AFTER (10), FAULTS_SUPPORT_RATE (20), FAULTS_CASE_RATE (5),
# FAULTS_BACKLINE (another backline binary to measure), FAULTS_EXPERIMENTS ("kill slow gateway
# outage"); kill -9: FAULTS_KILL_ROUNDS (5), FAULTS_KILL_IN_FLIGHT (50), FAULTS_KILL_AFTER_MS
# (2000), FAULTS_KILL_BACKENDS ("sqlite postgres"); slow clients and SIGTERM:
# FAULTS_SLOW_CLIENTS (1000), FAULTS_GRACE (10, seconds, passed as --shutdown-grace); disk full:
# FAULTS_DISK_SIZE (4m, the tmpfs), FAULTS_DISK_REQUESTS (20 per phase).
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s ==\n' "$*" >&2; }

step "release build"
cargo build --release --locked --bin backline >&2
# The load generator, proxy and fake Discord: its speed is not what is measured.
cargo build --locked --example faults >&2
export FAULTS_BACKLINE=${FAULTS_BACKLINE:-target/release/backline}

echo "commit $(git rev-parse --short HEAD)$(git diff --quiet || echo '+changes'), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
# A thousand client sockets in this process: lift its soft open-file limit to the hard one.
ulimit -n "$(ulimit -Hn)"
for experiment in ${FAULTS_EXPERIMENTS:-kill slow gateway disk outage}; do
  if [ "$experiment" = outage ]; then
    for mode in ${FAULTS_MODES:-drop stall}; do
      step "outage: $mode"
      echo
      FAULTS_EXPERIMENT=outage FAULTS_MODE=$mode target/debug/examples/faults
    done
  elif [ "$experiment" = disk ]; then
    step "disk full"
    echo
    disk=$(mktemp -d)
    if mount -t tmpfs -o "size=${FAULTS_DISK_SIZE:-4m}" tmpfs "$disk" 2>/dev/null; then
      FAULTS_EXPERIMENT=disk FAULTS_DISK_DIR=$disk target/debug/examples/faults || status=$?
      umount "$disk"
      [ "${status:-0}" = 0 ] || exit "$status"
    else
      echo "disk full: skipped (mounting a tmpfs needs root)"
    fi
    rmdir "$disk"
  else
    step "$experiment"
    echo
    FAULTS_EXPERIMENT=$experiment target/debug/examples/faults
  fi
done
