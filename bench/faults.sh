#!/usr/bin/env bash
# The fault experiment: a 30 s PostgreSQL outage under steady load (20 /support and 5
# /case open per second) against the release build, through an in-process TCP proxy, in two
# kinds: `drop` (connections reset, new ones refused: the server went away) and `stall`
# (nothing forwarded, connections left hanging: a network partition). For each, prints one
# Markdown table: interactions answered within Discord's 3 s (inline or deferred), answered
# from memory, cases acknowledged vs stored, notifications marked sent vs delivered.
# The server's log is in target/bench/faults-serve.log.
#
# Knobs (environment): FAULTS_POSTGRES_URL (an admin URL; the run creates and drops the
# database backline_faults there), FAULTS_MODES ("drop stall"), FAULTS_OUTAGE (30),
# FAULTS_BEFORE / FAULTS_AFTER (10), FAULTS_SUPPORT_RATE (20), FAULTS_CASE_RATE (5),
# FAULTS_BACKLINE (another backline binary to measure).
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s ==\n' "$*" >&2; }

step "release build"
cargo build --release --locked --bin backline >&2
# The load generator, proxy and fake Discord: its speed is not what is measured.
cargo build --locked --example faults >&2
export FAULTS_BACKLINE=${FAULTS_BACKLINE:-target/release/backline}

echo "commit $(git rev-parse --short HEAD)$(git diff --quiet || echo '+changes'), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
for mode in ${FAULTS_MODES:-drop stall}; do
  step "outage: $mode"
  echo
  FAULTS_MODE=$mode target/debug/examples/faults
done
