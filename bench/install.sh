#!/usr/bin/env bash
# Installs what bench/run.sh needs and a fresh machine may lack: wrk, curl and GNU time
# (Debian packages; time reports the peak RSS of the import and the export), a PostgreSQL
# server on 127.0.0.1:5432 when none answers there, and the peers
# it is compared with (bench/peers: Flask + gunicorn and express, each with Discord's
# discord-interactions library) from PyPI and npm into bench/.peers (not committed).
set -euo pipefail

missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v curl >/dev/null || missing+=(curl)
[ -x /usr/bin/time ] || missing+=(time)
command -v python3 >/dev/null || missing+=(python3 python3-venv)
command -v npm >/dev/null || missing+=(nodejs npm)
if ! pg_isready -h 127.0.0.1 -p 5432 -t 2 >/dev/null 2>&1 && ! command -v pg_ctlcluster >/dev/null; then
  missing+=(postgresql)
fi
if [ "${#missing[@]}" -gt 0 ]; then
  echo "installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if ! pg_isready -h 127.0.0.1 -p 5432 -t 2 >/dev/null 2>&1; then
  version=$(find /etc/postgresql -mindepth 1 -maxdepth 1 -printf '%f\n' | sort -V | tail -n 1)
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -t 1 >/dev/null 2>&1 && break; sleep 1; done
fi
pg_isready -h 127.0.0.1 -p 5432 >/dev/null
wrk --version 2>&1 | head -n 1 || true

# The peers, at the versions bench/peers names; reinstalled when those change.
cd "$(dirname "$0")"
peers=.peers
mkdir -p "$peers"
if ! cmp -s peers/requirements.txt "$peers/requirements.txt" || [ ! -x "$peers/venv/bin/gunicorn" ]; then
  echo "installing the Python peer (Flask, gunicorn, discord-interactions)"
  rm -rf "$peers/venv"
  python3 -m venv "$peers/venv"
  "$peers/venv/bin/pip" install -q --disable-pip-version-check -r peers/requirements.txt
  cp peers/requirements.txt "$peers/requirements.txt"
fi
if ! cmp -s peers/package.json "$peers/node/package.json" || [ ! -d "$peers/node/node_modules/discord-interactions" ]; then
  echo "installing the Node peer (express, discord-interactions)"
  rm -rf "$peers/node"
  mkdir -p "$peers/node"
  cp peers/package.json "$peers/node/package.json"
  (cd "$peers/node" && npm install --silent --no-audit --no-fund >/dev/null)
fi
cp peers/peer.mjs "$peers/node/peer.mjs"
