"""Errors of the local-API connection, independent of oslo.messaging.

The oslo driver (driver.py) and the legacy module (impl_zmq.py) translate
them into the exception families their callers expect.
"""

START_HINT = ("start it with `nova-zmq-bridge --config-file /etc/nova/nova.conf` "
              "(from a source checkout: `npm start -- --config-file /etc/nova/nova.conf`), "
              "or point [zmq_bridge] local_socket at the socket the daemon listens on")


class BridgeError(Exception):
    """Base of every error of the shim. ``code`` is stable, the text is for humans."""
    code = "BRIDGE"


class DaemonUnavailable(BridgeError):
    """The daemon's unix socket cannot be reached."""
    code = "DAEMON_UNAVAILABLE"

    def __init__(self, path, reason):
        self.path = path
        self.reason = reason
        super().__init__(
            "nova-zmq-bridge daemon is not reachable on its local socket %s (%s): "
            "%s" % (path, reason, START_HINT))


class ConnectionLost(BridgeError):
    """The connection to the daemon closed while a request was in flight."""
    code = "CONNECTION_LOST"

    def __init__(self, path, reason):
        self.path = path
        super().__init__(
            "connection to the nova-zmq-bridge daemon on %s was lost while the request "
            "was in flight (%s); it may or may not have been delivered. The shim "
            "reconnects by itself; retry the request." % (path, reason))


class ProtocolError(BridgeError):
    """The daemon sent something the local API does not allow."""
    code = "PROTOCOL"


class RequestFailed(BridgeError):
    """The daemon answered a request with ``{op: "error"}``."""

    def __init__(self, code, message):
        self.code = code or "UNKNOWN"
        self.daemon_message = message or ""
        super().__init__("nova-zmq-bridge daemon refused the request: %s: %s"
                         % (self.code, self.daemon_message))


class RequestTimeout(BridgeError):
    """No answer (reply or error) came back in time."""
    code = "TIMEOUT"

    def __init__(self, what, seconds, message=None):
        self.seconds = seconds
        super().__init__(message or "%s: no reply within %.1f s" % (what, seconds))
