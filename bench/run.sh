#!/usr/bin/env bash
# The benchmark, from scratch: installs wrk, builds the release binary, generates registries
# of 1k, 10k and 100k vendors, imports each (timed) into SQLite and PostgreSQL, serves it on
# loopback and replays pre-signed interactions at fixed concurrency: PING (the floor),
# /support on exact slugs, autocomplete with 2 and 4 letters, and /case open (at one size),
# then (at that size) times `backline cases export` of a guild filled with cases.
# Prints one Markdown table; everything else (logs, raw wrk output) is in target/bench/.
#
# Knobs (environment): BENCH_DURATION (10s per scenario, after BENCH_WARMUP, 2s, not counted),
# BENCH_SIZES ("1000 10000 100000"),
# BENCH_BACKENDS ("sqlite postgres"), BENCH_CASE_SIZE (10000: the size /case open runs at),
# BENCH_CONNECTIONS (32), BENCH_THREADS (2, wrk's), BENCH_POSTGRES_URL (an admin URL; the
# run creates and drops the database BENCH_DATABASE, default backline_bench, there),
# BENCH_OUT (target/bench: registries, databases, logs), BENCH_BACKLINE (another backline
# binary to measure, e.g. an older build to compare with), BENCH_PEERS ("python node": the
# hello-world endpoints of bench/peers measured in the same run, PING and one application
# command each; empty to skip), BENCH_SCENARIOS ("ping support autocomplete-2 autocomplete-4
# case-open export": the subset to run), BENCH_EXPORT_CASES (10000: cases exported, with
# BENCH_EXPORT_NOTIFICATIONS, 5, notifications each), CARGO_TARGET_DIR (where the release
# build goes).
set -euo pipefail
cd "$(dirname "$0")/.."

duration=${BENCH_DURATION:-10s}
sizes=${BENCH_SIZES:-"1000 10000 100000"}
backends=${BENCH_BACKENDS:-"sqlite postgres"}
case_size=${BENCH_CASE_SIZE:-10000}
connections=${BENCH_CONNECTIONS:-32}
threads=${BENCH_THREADS:-2}
admin_url=${BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}
database=${BENCH_DATABASE:-backline_bench}
read_requests=2000 # distinct requests per read scenario, replayed in a loop
warmup=${BENCH_WARMUP:-2s}
warmup_requests=5000
case_requests=${BENCH_CASE_REQUESTS:-60000}
scenarios=${BENCH_SCENARIOS:-"ping support autocomplete-2 autocomplete-4 case-open export"}
export_cases=${BENCH_EXPORT_CASES:-10000}
export_notifications=${BENCH_EXPORT_NOTIFICATIONS:-5}
export_runs=3 # per format; the table shows the median
guild=400000000000000001
# The export's cases live in a guild of their own: the bench guild's /case open cases would
# otherwise be exported too, and the export's cases would change /case open's numbering.
export_guild=400000000000000002
peers=${BENCH_PEERS-"python node"}
target_dir=${CARGO_TARGET_DIR:-target}

out=${BENCH_OUT:-target/bench}
mkdir -p "$out"
results=$out/results.tsv
: >"$results"
step() { printf '\n== %s ==\n' "$*" >&2; }
wanted() { # scenario: whether BENCH_SCENARIOS names it (a peer's command stands for support)
  local scenario=$1
  [ "$scenario" = command ] && scenario=support
  case " $scenarios " in
    *" $scenario "*) return 0 ;;
    *) return 1 ;;
  esac
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)

step "load generator and PostgreSQL"
bench/install.sh >&2

step "release build"
# Two builds: the server exactly as `cargo build --release` ships it (an example's build
# would switch on its dev-dependencies' features), and the data tool.
cargo build --release --locked --bin backline >&2
cargo build --release --locked --example bench_data >&2
bin=${BENCH_BACKLINE:-$target_dir/release/backline}
tool=$target_dir/release/examples/bench_data
public_key=$("$tool" public-key)

step "registries"
for size in $sizes; do
  [ -s "$out/registry-$size.toml" ] || "$tool" registry "$size" >"$out/registry-$size.toml"
  echo "$size vendors: $(du -h "$out/registry-$size.toml" | cut -f1)" >&2
done

server_pid=
stop_server() {
  if [ -n "$server_pid" ]; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=
  fi
}
trap stop_server EXIT

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start_peer() { # python|node log
  local port
  port=$(free_port)
  case $1 in
    python)
      # One synchronous worker per core, as gunicorn's documentation starts from.
      DISCORD_PUBLIC_KEY="$public_key" bench/.peers/venv/bin/gunicorn --chdir bench/peers \
        --workers "$(nproc)" --bind "127.0.0.1:$port" --log-level warning peer:app 2>"$2" &
      ;;
    node)
      DISCORD_PUBLIC_KEY="$public_key" PORT=$port node bench/.peers/node/peer.mjs >"$2" 2>&1 &
      ;;
  esac
  server_pid=$!
  address="http://127.0.0.1:$port"
  for _ in $(seq 1 300); do
    # Unsigned: refused with 401 once it listens.
    [ "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$address/interactions")" = 401 ] && return
    kill -0 "$server_pid" 2>/dev/null || { cat "$2" >&2; echo "peer $1 exited" >&2; exit 1; }
    sleep 0.1
  done
  echo "peer $1 never answered" >&2
  exit 1
}

peer_rss_kb() { # the peer's processes (gunicorn's master and workers) together
  local total=0 pid
  for pid in $server_pid $(pgrep -P "$server_pid" || true); do
    total=$((total + $(awk '/^VmHWM/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)))
  done
  echo "$total"
}

fresh_database() { # backend size -> prints the database URL
  case $1 in
    sqlite)
      rm -f "$out/sqlite-$2.db"*
      echo "sqlite://$out/sqlite-$2.db"
      ;;
    postgres)
      psql -q "$admin_url" -c "DROP DATABASE IF EXISTS $database WITH (FORCE)" >/dev/null
      psql -q "$admin_url" -c "CREATE DATABASE $database" >/dev/null
      echo "${admin_url%/*}/$database"
      ;;
  esac
}

start_server() { # url log
  env -u DISCORD_TOKEN DATABASE_URL="$1" DISCORD_PUBLIC_KEY="$public_key" RUST_LOG=warn \
    "$bin" serve --http-addr 127.0.0.1:0 2>"$2" &
  server_pid=$!
  for _ in $(seq 1 600); do
    grep -q "Interactions endpoint:" "$2" && break
    kill -0 "$server_pid" 2>/dev/null || { cat "$2" >&2; echo "serve exited" >&2; exit 1; }
    sleep 0.1
  done
  address=$(grep -o 'http://[^/]*' "$2" | head -n 1)
}

send_one() { # scenario size -> seconds the answer took
  local signature timestamp body
  IFS=$'\t' read -r signature timestamp body < <("$tool" requests "$1" 1 "$2" "$guild" 1)
  curl -sS -o /dev/null -w '%{time_total}' "$address/interactions" -H 'Content-Type: application/json' \
    -H "X-Signature-Ed25519: $signature" -H "X-Signature-Timestamp: $timestamp" --data-binary "$body"
}

load() { # backend size scenario expect count first_id [request_size]
  wanted "$3" || return 0
  local requests=$out/requests.txt raw="$out/wrk-$1-$2-$3.txt" request_size=${7:-$2}
  # Warm-up, not counted: the server opens database connections on demand (PostgreSQL
  # forks a backend per connection), which put 80-200 ms answers in the first second.
  # Its requests have IDs of their own, after the measured ones.
  "$tool" requests "$3" "$warmup_requests" "$request_size" "$guild" "$(($6 + $5))" >"$requests"
  wrk -t"$threads" -c"$connections" -d"$warmup" --timeout 10s -s bench/interactions.lua \
    "$address/interactions" -- "$requests" "$4" "$threads" >"$raw.warmup"
  # Signed just now: the server accepts timestamps within 5 minutes of its clock.
  "$tool" requests "$3" "$5" "$request_size" "$guild" "$6" >"$requests"
  if [ "$3" = case-open ]; then cases_before=$("$tool" count-cases "$url" "$guild"); fi
  wrk -t"$threads" -c"$connections" -d"$duration" --timeout 10s -s bench/interactions.lua \
    "$address/interactions" -- "$requests" "$4" "$threads" >"$raw"
  local line
  line=$(grep '^BENCH' "$raw") || { cat "$raw" >&2; exit 1; }
  printf 'load\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "${line#BENCH$'\t'}" >>"$results"
  if grep -q '^FIRST_WRONG' "$raw"; then grep '^FIRST_WRONG' "$raw" >&2; fi
  echo "$1 $2 $3: $(echo "$line" | cut -f2) requests" >&2
}

export_cases() { # backend size: fills the export guild, then times `backline cases export`
  "$tool" fill-cases "$url" "$export_guild" "$export_cases" "$export_notifications"
  "$tool" settle "$url"
  local format run started finished
  for format in csv json; do
    for run in $(seq 1 "$export_runs"); do
      started=$(date +%s.%N)
      DATABASE_URL="$url" /usr/bin/time -f %M -o "$out/export.rss" \
        "$bin" cases export --guild "$export_guild" --format "$format" >/dev/null
      finished=$(date +%s.%N)
      printf 'export\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$export_cases" \
        "$((export_cases * export_notifications))" "$format" \
        "$(awk -v a="$started" -v b="$finished" 'BEGIN {printf "%.3f", b - a}')" "$(tail -n 1 "$out/export.rss")" >>"$results"
      echo "$1 $2 cases export $format, run $run: $(tail -n 1 "$results" | cut -f7) s" >&2
    done
  done
}

for backend in $backends; do
  for size in $sizes; do
    step "$backend, $size vendors"
    url=$(fresh_database "$backend" "$size")
    started=$(date +%s.%N)
    /usr/bin/time -f %M -o "$out/import-$backend-$size.rss" \
      "$bin" import --database-url "$url" --guild "$guild" "$out/registry-$size.toml" >"$out/import-$backend-$size.log"
    finished=$(date +%s.%N)
    printf 'import\t%s\t%s\t%s\t%s\n' "$backend" "$size" "$(awk -v a="$started" -v b="$finished" 'BEGIN {printf "%.2f", b - a}')" \
      "$(tail -n 1 "$out/import-$backend-$size.rss")" >>"$results"
    "$tool" settle "$url"
    start_server "$url" "$out/serve-$backend-$size.log"
    # The first request builds the guild's in-memory index; the load tests measure after it.
    printf 'first\t%s\t%s\t%s\n' "$backend" "$size" "$(send_one support "$size")" >>"$results"
    load "$backend" "$size" ping '"type":1}' "$read_requests" 1
    load "$backend" "$size" support '"title":"' "$read_requests" 1
    load "$backend" "$size" autocomplete-2 '"choices":[{' "$read_requests" 1
    load "$backend" "$size" autocomplete-4 '"choices":[{' "$read_requests" 1
    if [ "$size" = "$case_size" ] && wanted case-open; then
      load "$backend" "$size" case-open 'opened with' "$case_requests" 100000000000000000
      cases_after=$("$tool" count-cases "$url" "$guild")
      printf 'cases\t%s\t%s\t%s\n' "$backend" "$size" "$((cases_after - cases_before))" >>"$results"
    fi
    printf 'rss\t%s\t%s\t%s\n' "$backend" "$size" "$(awk '/^VmHWM/ {print $2}' "/proc/$server_pid/status")" >>"$results"
    stop_server
    if [ "$size" = "$case_size" ] && wanted export; then
      export_cases "$backend" "$size"
    fi
  done
done

for peer in $peers; do
  step "peer: $peer hello world"
  start_peer "$peer" "$out/peer-$peer.log"
  # Size 0 in the table: a peer has no registry. Its command is /support's request, which it
  # answers with "Hello, world" whatever the command.
  load "peer-$peer" 0 ping '"type":1' "$read_requests" 1 1000
  load "peer-$peer" 0 command 'Hello, world' "$read_requests" 1 1000
  printf 'rss\t%s\t%s\t%s\n' "peer-$peer" 0 "$(peer_rss_kb)" >>"$results"
  stop_server
done

step "results"
{
  echo "Machine: $(nproc) cores, $(free -h | awk '/^Mem:/ {print $2}') memory; commit $(git rev-parse --short HEAD)$(git diff --quiet HEAD || echo ' (with uncommitted changes)'); $(date -u +%Y-%m-%dT%H:%MZ)"
  echo "Load: wrk -t$threads -c$connections -d$duration after a $warmup warm-up, on the same machine as the server."
  echo "Load average (1, 5, 15 min) before the run: $load_before; after: $(cut -d' ' -f1-3 /proc/loadavg) (anything else running skews the numbers)."
  echo
  "$tool" table "$results"
} | tee "$out/results.md"
