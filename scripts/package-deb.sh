#!/usr/bin/env bash
# Build the Debian package (`npm run package:deb [-- --out DIR]`) with
# Debian's own tools (dpkg-deb), no debhelper needed:
#   /opt/nova-zmq-bridge/          the daemon: compiled dist/src and its
#                                  production node_modules (npm ci --omit=dev),
#                                  prebuilt zeromq addon for this architecture only
#   /usr/bin/nova-zmq-bridge       -> /opt/nova-zmq-bridge/dist/src/cli.js
#   /usr/lib/python3/dist-packages/nova_zmq_bridge{,-VERSION.dist-info}
#                                  the shim for Debian's python3, with its entry
#                                  points (oslo.messaging finds the `zmq` driver)
#   /lib/systemd/system/nova-zmq-bridge.service   conf/nova-zmq-bridge.service as is
#   /etc/nova-zmq-bridge/*.sample  sample nova.conf settings and ring file (conffiles)
#   /usr/share/doc/nova-zmq-bridge/ README, docs, copyright
# Nothing Debian's nova packages own is shipped or created (no /etc/nova,
# no nova user, no nova-* commands): the unit runs as the `nova` user that
# nova-common creates. Needs: npm (with the npm registry or its cache),
# python3-pip, python3-setuptools, python3-wheel, dpkg-deb.
# Prints the path of the .deb on stdout.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
OUT="$ROOT/dist/deb"
while [ $# -gt 0 ]; do
  case "$1" in
    --out) OUT=$2; shift 2 ;;
    --out=*) OUT=${1#*=}; shift ;;
    *) echo "usage: scripts/package-deb.sh [--out DIR]" >&2; exit 2 ;;
  esac
done

NAME=nova-zmq-bridge
VERSION=$(node -p "require('./package.json').version")
DEB_VERSION="${VERSION}-1"
ARCH=$(dpkg --print-architecture)
case "$ARCH" in
  amd64) NODE_ARCH=x64 ;;
  arm64) NODE_ARCH=arm64 ;;
  *) echo "package-deb: no prebuilt zeromq addon for $ARCH" >&2; exit 1 ;;
esac
APP=/opt/$NAME
PYDIR=/usr/lib/python3/dist-packages
UNIT_DIR=/lib/systemd/system
ETC=/etc/$NAME
DOC=/usr/share/doc/$NAME

WORK=$(mktemp -d "${TMPDIR:-/tmp}/nzb-deb-XXXXXX")
trap 'rm -rf "$WORK"' EXIT
STAGE=$WORK/$NAME
log() { echo "package-deb: $*" >&2; }

log "compiling TypeScript"
node_modules/.bin/tsc -p tsconfig.json >&2

log "staging the daemon in $APP"
mkdir -p "$STAGE$APP/dist"
cp package.json package-lock.json "$STAGE$APP/"
cp -r dist/src "$STAGE$APP/dist/src"
find "$STAGE$APP/dist" -name '*.map' -delete
# Production dependencies only, from the lockfile; no install scripts: the
# zeromq addon is prebuilt inside its npm package.
(cd "$STAGE$APP" && npm ci --omit=dev --ignore-scripts --prefer-offline --no-audit --no-fund --loglevel=error >&2)
rm -f "$STAGE$APP/package-lock.json"
for d in "$STAGE$APP"/node_modules/zeromq/build/*/*; do
  [ "$d" = "$STAGE$APP/node_modules/zeromq/build/linux/$NODE_ARCH" ] || rm -rf "$d"
done
find "$STAGE$APP/node_modules/zeromq/build" -mindepth 1 -type d -empty -delete
chmod 0755 "$STAGE$APP/dist/src/cli.js"
mkdir -p "$STAGE/usr/bin"
ln -s "$APP/dist/src/cli.js" "$STAGE/usr/bin/$NAME"

log "staging the shim in $PYDIR"
/usr/bin/python3 -m pip install --quiet --root-user-action=ignore --no-deps --no-build-isolation --no-index --no-compile --target "$STAGE$PYDIR" ./python-shim >&2
# dpkg owns these files: no pip bookkeeping (pip then refuses to uninstall
# them, as for Debian's own python3-* packages), no build path.
for f in RECORD INSTALLER REQUESTED direct_url.json; do rm -f "$STAGE$PYDIR"/nova_zmq_bridge-*.dist-info/$f; done
find "$STAGE$PYDIR" -name __pycache__ -prune -exec rm -rf {} +
rm -rf python-shim/build
[ -f "$STAGE$PYDIR/nova_zmq_bridge-$VERSION.dist-info/entry_points.txt" ] || { log "the shim's entry points are missing"; exit 1; }

log "staging the unit, samples and docs"
install -D -m 0644 conf/nova-zmq-bridge.service "$STAGE$UNIT_DIR/$NAME.service"
# The unit is shipped as it is: what it starts must be in the package.
exec_path=$(sed -n 's/^ExecStart=//p' conf/nova-zmq-bridge.service | head -1 | awk '{ if ($1 ~ /\/node$/) print $2; else print $1 }')
[ -e "$STAGE$exec_path" ] || [ -L "$STAGE$exec_path" ] || { log "the unit's ExecStart names $exec_path, which the package does not ship"; exit 1; }
install -D -m 0644 conf/nova.conf "$STAGE$ETC/nova.conf.sample"
install -D -m 0644 conf/matchmaker_ring.json "$STAGE$ETC/matchmaker_ring.json.sample"
install -d "$STAGE$DOC"
install -m 0644 README.md docs/*.md "$STAGE$DOC/"
install -m 0644 packaging/deb/copyright "$STAGE$DOC/copyright"

log "writing DEBIAN/"
mkdir -p "$STAGE/DEBIAN"
install -m 0755 packaging/deb/postinst packaging/deb/prerm packaging/deb/postrm "$STAGE/DEBIAN/"
(cd "$STAGE" && find etc -type f | sed 's|^|/|' | sort) > "$STAGE/DEBIAN/conffiles"
installed_kb=$(du -sk --exclude=DEBIAN "$STAGE" | cut -f1)
cat > "$STAGE/DEBIAN/control" <<CONTROL
Package: $NAME
Version: $DEB_VERSION
Architecture: $ARCH
Maintainer: nova-zmq-bridge developers <nova-zmq-bridge@localhost>
Installed-Size: $installed_kb
Depends: nodejs (>= 20), python3 (>= 3.9), python3-msgpack
Recommends: python3-oslo.messaging
Section: net
Priority: optional
Description: broker-less OpenStack Nova RPC (legacy impl_zmq protocol)
 A daemon on every host speaking the legacy ZeroMQ RPC protocol of Nova
 (impl_zmq) and reading nova.conf, plus an oslo.messaging driver
 (transport_url = zmq://) that lets unmodified Nova use it. Drop-in for the
 legacy nova-rpc-zmq-receiver. Ships a systemd unit (not enabled).
CONTROL

find "$STAGE" -path "$STAGE/DEBIAN" -prune -o -type d -exec chmod 0755 {} +
mkdir -p "$OUT"
deb="$OUT/${NAME}_${DEB_VERSION}_${ARCH}.deb"
dpkg-deb --root-owner-group -Zxz --build "$STAGE" "$deb" >&2
echo "$deb"
