#!/usr/bin/env bash
# Used by `npm start`: install npm dependencies when missing and compile the
# TypeScript when dist/ is older than the sources, so a fresh clone can run
# `npm start -- --config-file conf/nova.conf` directly.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d node_modules/zeromq ] || [ ! -x node_modules/.bin/tsc ]; then
  echo "nova-zmq-bridge: installing npm dependencies (npm ci)..." >&2
  npm ci --no-audit --no-fund >&2
fi
if [ ! -f dist/src/cli.js ] || [ -n "$(find src -newer dist/src/cli.js -name '*.ts' -print -quit)" ]; then
  echo "nova-zmq-bridge: compiling TypeScript..." >&2
  node_modules/.bin/tsc -p tsconfig.json >&2
fi
