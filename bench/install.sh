#!/usr/bin/env bash
# Installs what bench/run.sh needs and a fresh machine may lack: wrk and curl (Debian
# packages), and a PostgreSQL server on 127.0.0.1:5432 when none answers there.
set -euo pipefail

missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v curl >/dev/null || missing+=(curl)
if ! pg_isready -h 127.0.0.1 -p 5432 -t 2 >/dev/null 2>&1 && ! command -v pg_ctlcluster >/dev/null; then
  missing+=(postgresql)
fi
if [ "${#missing[@]}" -gt 0 ]; then
  echo "installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if ! pg_isready -h 127.0.0.1 -p 5432 -t 2 >/dev/null 2>&1; then
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -t 1 >/dev/null 2>&1 && break; sleep 1; done
fi
pg_isready -h 127.0.0.1 -p 5432 >/dev/null
wrk --version 2>&1 | head -n 1 || true
