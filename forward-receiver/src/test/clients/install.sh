#!/usr/bin/env bash
# Installs the third-party forward clients the receiver's tests drive; Maven runs this before the tests.
# Idempotent and quiet when everything is already there.
set -euo pipefail
cd "$(dirname "$0")"

if ! /usr/bin/python3 -c 'import fluent.sender' 2>/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "[test clients] installing Debian python3-fluent-logger"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-fluent-logger >/dev/null
  else
    echo "[test clients] python3-fluent-logger is missing: run 'sudo apt-get install python3-fluent-logger'" >&2
    exit 1
  fi
fi

if [ ! -d node_modules/@fluent-org/logger ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  if ! command -v npm >/dev/null; then
    echo "[test clients] npm is missing: install Node.js 18+ and npm, then run mvn verify again" >&2
    exit 1
  fi
  echo "[test clients] installing npm @fluent-org/logger"
  npm ci --no-audit --no-fund --loglevel=error
fi
