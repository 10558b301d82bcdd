#!/bin/bash
# devstack plugin of nova-zmq-bridge: replaces RabbitMQ the way devstack
# lets an out-of-tree RPC backend do it (lib/rpc_backend): install through
# the plugin phases, and redefine the stable interface iniset_rpc_backend -
# plus get_transport_url, which devstack's service libs also call (nova's
# cell mapping, for one). Every service configured through them gets
# transport_url = zmq:// and the daemon's options; the daemon runs as the
# devstack@nova-zmq-bridge unit before the services start.
# See docs/deployment.md for local.conf.

# The URL every service gets: the shim ignores host, port and virtual host.
function get_transport_url {
    echo "zmq://"
}

# iniset_rpc_backend PACKAGE FILE [SECTION] [VHOST]: the RPC settings of one service's config file.
function iniset_rpc_backend {
    local file=$2
    local section=${3:-DEFAULT}
    iniset $file $section transport_url "$(get_transport_url)"
    # The daemon-side options the shim shares with the daemon (same file layout as nova.conf).
    iniset $file DEFAULT rpc_zmq_ipc_dir "$NZB_IPC_DIR"
    iniset $file DEFAULT rpc_zmq_host "$(hostname)"
}

function install_nova_zmq_bridge {
    (cd "$NZB_DIR" && npm ci --no-audit --no-fund && npm run build)
    # The shim, into the python devstack runs the services with.
    pip_install "$NZB_DIR/python-shim"
}

function configure_nova_zmq_bridge {
    sudo install -d -o "$STACK_USER" -m 0755 "$NZB_IPC_DIR"
    iniset $NOVA_CONF DEFAULT rpc_zmq_matchmaker "$NZB_MATCHMAKER"
    if [[ "$NZB_MATCHMAKER" == ring || "$NZB_MATCHMAKER" == fanout_ring ]]; then
        iniset $NOVA_CONF matchmaker_ring ringfile "$NZB_RINGFILE"
    fi
    "$NZB_BIN" check-config --config-file "$NOVA_CONF"
}

if is_service_enabled nova-zmq-bridge; then
    if [[ "$1" == "stack" && "$2" == "install" ]]; then
        echo_summary "Installing nova-zmq-bridge"
        install_nova_zmq_bridge
    elif [[ "$1" == "stack" && "$2" == "post-config" ]]; then
        echo_summary "Configuring and starting nova-zmq-bridge"
        configure_nova_zmq_bridge
        run_process nova-zmq-bridge "$NZB_BIN --config-file $NOVA_CONF"
    elif [[ "$1" == "stack" && "$2" == "extra" ]]; then
        "$NZB_BIN" status --config-file "$NOVA_CONF" || true
    fi
    if [[ "$1" == "unstack" ]]; then
        stop_process nova-zmq-bridge
    fi
    if [[ "$1" == "clean" ]]; then
        rm -rf "$NZB_IPC_DIR"/zmq_topic_* "$NZB_IPC_DIR"/nova-zmq-bridge.sock
    fi
fi
