"""The shim's settings, read once from nova.conf (and the transport URL).

Both front ends read their configuration here: the oslo.messaging driver
(an oslo.config ConfigOpts with opts.py registered, plus the transport URL's
query parameters) and the legacy ``impl_zmq`` module (whatever ``conf`` the
old rpc layer passes: a ConfigOpts that may not know these options, or any
object with attributes). This module needs only the standard library, so the
legacy module works without oslo.

:func:`socket_path` is the only place that works out where the daemon's local
API socket is.
"""
import collections
import os

#: Default of `[DEFAULT] rpc_zmq_ipc_dir`, as the legacy driver and the daemon have it.
DEFAULT_IPC_DIR = "/var/run/openstack"
#: File name of the daemon's local API socket inside rpc_zmq_ipc_dir (the daemon's default too).
DEFAULT_SOCKET_NAME = "nova-zmq-bridge.sock"
#: Seconds to connect and register; also the wait for listen/unlisten acknowledgements.
DEFAULT_CONNECT_TIMEOUT = 5.0
#: Seconds a call waits beyond its own timeout for the daemon's TIMEOUT answer.
DEFAULT_CALL_GRACE = 10.0
#: Seconds a notification (or a legacy cast) waits for the daemon to accept it
#: (`[DEFAULT] rpc_cast_timeout` of the legacy releases).
DEFAULT_CAST_ACCEPT_TIMEOUT = 30.0
#: Call timeout when the caller gives none and the daemon did not say
#: (`[DEFAULT] rpc_response_timeout` default), seconds.
DEFAULT_RESPONSE_TIMEOUT = 60.0

#: nova.conf group of the bridge (shared with the daemon, which reads the same file).
GROUP = "zmq_bridge"

#: The option names :func:`read` takes from ``overrides`` (the transport URL's
#: query parameters, already converted to their option types).
OVERRIDABLE = ("local_socket", "rpc_zmq_ipc_dir", "shim_connect_timeout", "shim_call_grace")


class Settings(collections.namedtuple("Settings", (
        "socket_path", "connect_timeout", "call_grace", "daemon_user"))):
    """What the shim needs to reach its daemon.

    ``socket_path``: the local API socket; ``connect_timeout``: seconds to
    connect and have a listener acknowledged; ``call_grace``: seconds a call
    waits beyond its timeout for the daemon's TIMEOUT answer;
    ``daemon_user``: the user the daemon runs as, trusted besides root and
    the shim's own user (None: only those two).
    """
    __slots__ = ()


def socket_path(local_socket=None, ipc_dir=None):
    """`[zmq_bridge] local_socket` when set, else `<rpc_zmq_ipc_dir>/nova-zmq-bridge.sock`.

    The daemon derives its socket the same way from the same nova.conf, so a
    shim and a daemon sharing the file always meet.
    """
    if local_socket:
        return local_socket
    return os.path.join(ipc_dir or DEFAULT_IPC_DIR, DEFAULT_SOCKET_NAME)


def conf_value(conf, name, default=None, group=None):
    """``conf.<group>.<name>``, or ``default`` when unset or unknown to ``conf``.

    Unknown means an attribute error: a ConfigOpts on which the option is not
    registered raises NoSuchOptError, an AttributeError. A registered option
    whose value is invalid still raises (oslo.config names the file and key).
    """
    holder = conf
    try:
        if group is not None:
            holder = getattr(conf, group)
        value = getattr(holder, name)
    except AttributeError:
        return default
    return default if value is None else value


def read(conf, overrides=None):
    """The :class:`Settings` of ``conf``; ``overrides`` (option name -> value) win."""
    overrides = overrides or {}

    def value(name, default, group):
        if overrides.get(name) is not None:
            return overrides[name]
        return conf_value(conf, name, default, group)

    return Settings(
        socket_path=socket_path(value("local_socket", None, GROUP),
                                value("rpc_zmq_ipc_dir", DEFAULT_IPC_DIR, None)),
        connect_timeout=float(value("shim_connect_timeout", DEFAULT_CONNECT_TIMEOUT, GROUP)),
        call_grace=float(value("shim_call_grace", DEFAULT_CALL_GRACE, GROUP)),
        daemon_user=value("daemon_user", None, GROUP) or None)
