"""nova.conf options the shim reads (the daemon reads the same file).

Only ``rpc_zmq_ipc_dir`` and the ``[zmq_bridge]`` socket settings matter to
the shim; everything about routing belongs to the daemon.
"""
import os

from oslo_config import cfg

#: Default of `[DEFAULT] rpc_zmq_ipc_dir`, as the legacy driver and the daemon have it.
DEFAULT_IPC_DIR = "/var/run/openstack"
#: File name of the daemon's local API socket inside rpc_zmq_ipc_dir.
DEFAULT_SOCKET_NAME = "nova-zmq-bridge.sock"
#: Seconds to connect and register; also the wait for cast/listen acknowledgements.
DEFAULT_CONNECT_TIMEOUT = 5.0
#: Seconds a call waits beyond its own timeout for the daemon's TIMEOUT answer.
DEFAULT_CALL_GRACE = 10.0
#: Seconds a notification waits for the daemon to accept it (oslo casts are pipelined: refusals are logged).
DEFAULT_CAST_ACCEPT_TIMEOUT = 30.0

GROUP = "zmq_bridge"

ipc_opts = [
    cfg.StrOpt("rpc_zmq_ipc_dir", default=DEFAULT_IPC_DIR,
               help="Directory of the ZeroMQ ipc sockets; the daemon's local API "
                    "socket defaults to <rpc_zmq_ipc_dir>/nova-zmq-bridge.sock."),
]

bridge_opts = [
    cfg.StrOpt("local_socket", default=None,
               help="Unix socket of the nova-zmq-bridge daemon's local API "
                    "(default <rpc_zmq_ipc_dir>/nova-zmq-bridge.sock)."),
    cfg.FloatOpt("shim_connect_timeout", default=DEFAULT_CONNECT_TIMEOUT, min=0.1,
                 help="Seconds the Python shim waits to connect to the daemon and "
                      "for it to acknowledge a listener or a notification."),
    cfg.FloatOpt("shim_call_grace", default=DEFAULT_CALL_GRACE, min=0,
                 help="Seconds a call waits beyond its timeout for the daemon's answer."),
]


def register(conf):
    conf.register_opts(ipc_opts)
    conf.register_opts(bridge_opts, group=GROUP)
    # oslo.messaging 14's RPCClient reads [oslo_messaging_metrics] but registers
    # it only on the global cfg.CONF: a private ConfigOpts would fail every call.
    try:
        from oslo_messaging._metrics.client import oslo_messaging_metrics
    except ImportError:  # pragma: no cover - other oslo.messaging releases
        return
    conf.register_opts(oslo_messaging_metrics, group="oslo_messaging_metrics")


def socket_path(conf):
    """`[zmq_bridge] local_socket`, else `<rpc_zmq_ipc_dir>/nova-zmq-bridge.sock`."""
    explicit = conf[GROUP].local_socket
    if explicit:
        return explicit
    return os.path.join(conf.rpc_zmq_ipc_dir or DEFAULT_IPC_DIR, DEFAULT_SOCKET_NAME)
