#!/usr/bin/env bash
# Everything the test suite needs, installed idempotently (fast when present):
#  - npm dependencies (npm ci);
#  - Debian packages: python3-zmq, python3-oslo.messaging, python3-msgpack,
#    python3-eventlet, python3-nova, python3-placement (the Nova services
#    test's Placement), redis-server, python3-venv, python3-pip;
#    g++ and make (npm builds unix-dgram, the sd_notify socket), systemd
#    (systemd-analyze verifies the sample unit);
#  - a virtualenv `.venv` on Debian's /usr/bin/python3 (with the system
#    site-packages, so Debian's oslo.messaging and nova are visible) holding
#    the shim installed from python-shim/ (offline: no PyPI needed).
# Used by `npm test` (pretest), `npm run bench` and .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."

DEB_PKGS=(python3-zmq python3-oslo.messaging python3-msgpack python3-eventlet python3-nova python3-placement
          redis-server python3-venv python3-pip python3-setuptools python3-wheel
          g++ make systemd)
[ "${NZB_WITH_RABBITMQ:-0}" = 1 ] && DEB_PKGS+=(rabbitmq-server)

missing=()
for p in "${DEB_PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "setup: installing Debian packages: ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
  else
    echo "setup: missing Debian packages: ${missing[*]} (run: sudo apt-get install ${missing[*]})" >&2
    exit 1
  fi
fi
# Debian starts packaged servers where it can; the tests start their own on
# loopback with private ports, so stop any packaged instance quietly.
for svc in redis-server rabbitmq-server; do
  (service "$svc" stop >/dev/null 2>&1 || true)
done

if [ ! -d node_modules/zeromq ] || [ ! -x node_modules/.bin/tsx ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm ci" >&2
  npm ci --no-audit --no-fund >&2
fi

if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv on /usr/bin/python3 (system site-packages)" >&2
  /usr/bin/python3 -m venv --system-site-packages .venv >&2
fi
if [ -f python-shim/pyproject.toml ] || [ -f python-shim/setup.py ]; then
  stamp=.venv/.shim-stamp
  if [ ! -f "$stamp" ] || [ -n "$(find python-shim -newer "$stamp" -type f ! -path '*/__pycache__/*' -print -quit)" ]; then
    echo "setup: installing the shim into .venv" >&2
    .venv/bin/python -m pip install -q --no-deps --no-build-isolation --no-index ./python-shim >&2
    touch "$stamp"
  fi
fi
