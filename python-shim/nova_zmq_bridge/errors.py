"""Errors of the local-API connection, independent of oslo.messaging.

translate.py turns them into the exception families the callers of the oslo
driver and of the legacy module expect; daemon ``error`` codes become these
errors in :func:`from_answer` only.
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


class UntrustedDaemon(DaemonUnavailable):
    """The local socket is not the daemon's: another user owns it or listens on it.

    Nothing was sent. Raised like DaemonUnavailable (the caller sees an
    unreachable daemon), with its own code and a message that says why.
    """
    code = "UNTRUSTED_DAEMON"

    def __init__(self, path, reason):  # pylint: disable=super-init-not-called
        self.path = path
        self.reason = reason
        BridgeError.__init__(
            self,
            "refusing to use the local socket %s: %s, which is neither root, this process's "
            "user, nor [zmq_bridge] daemon_user. Nothing was sent. Another user may have "
            "put a socket of their own there: check who owns the directory (the daemon "
            "refuses unsafe directories at start-up), or set daemon_user to the user the "
            "daemon runs as." % (path, reason))


class InvalidDaemonUser(BridgeError):
    """``[zmq_bridge] daemon_user`` names no user of this machine."""
    code = "INVALID_OPTION"

    def __init__(self, user):
        self.user = user
        super().__init__("[zmq_bridge] daemon_user = %s: no such user on this machine; "
                         "give the user name or uid the nova-zmq-bridge daemon runs as" % user)


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
    """The daemon answered a request with ``{op: "error"}`` (built by :func:`from_answer`)."""

    def __init__(self, code, message, what=None, text=None):
        self.code = code or "UNKNOWN"
        self.daemon_message = message or ""
        self.what = what
        super().__init__(text or "nova-zmq-bridge daemon refused %s: %s: %s"
                         % (what or "the request", self.code, self.daemon_message))


class CallTimedOut(RequestFailed):
    """The daemon's ``TIMEOUT``: the call got no reply (or heartbeat) in time."""

    def __init__(self, code, message, what=None):
        super().__init__(code, message, what, "Timed out waiting for a reply to %s (%s)"
                         % (what or "the call", message or "no reply"))


#: Every ``error`` code of docs/local-api.md and the error it becomes. All but
#: TIMEOUT mean the daemon did not hand the message on (NO_ROUTE, SEND_FAILED,
#: QUEUE_FULL, MATCHMAKER_SERVICE_UNAVAILABLE) or refused it (PROTOCOL,
#: INVALID, SHUTDOWN); codes added later are refusals too.
DAEMON_CODES = {
    "PROTOCOL": RequestFailed,
    "INVALID": RequestFailed,
    "NO_ROUTE": RequestFailed,
    "SEND_FAILED": RequestFailed,
    "QUEUE_FULL": RequestFailed,
    "TIMEOUT": CallTimedOut,
    "SHUTDOWN": RequestFailed,
    "MATCHMAKER_SERVICE_UNAVAILABLE": RequestFailed,
}


def from_answer(answer, what=None):
    """The error for a daemon ``error`` answer; ``what`` names the request for humans."""
    code = answer.get("code")
    return DAEMON_CODES.get(code, RequestFailed)(code, answer.get("message"), what)


def check_answer(answer, what=None):
    """``answer`` itself, or raise :func:`from_answer`'s error when it is an ``error``."""
    if answer.get("op") == "error":
        raise from_answer(answer, what)
    return answer


class InvalidTransportOption(BridgeError):
    """A transport URL query parameter has a value its option does not accept."""
    code = "INVALID_OPTION"

    def __init__(self, url, name, value, reason, option, accepted):
        #: The TransportURL (kept whole, never printed: it may hold credentials).
        self.url = url
        self.name = name
        self.value = value
        super().__init__(
            "transport_url query parameter %s=%r is not valid (%s): it overrides %s, "
            "which takes %s" % (name, value, reason, option, accepted))


class RequestTimeout(BridgeError):
    """No answer (reply or error) came back in time."""
    code = "TIMEOUT"

    def __init__(self, what, seconds, message=None):
        self.seconds = seconds
        super().__init__(message or "%s: no reply within %.1f s" % (what, seconds))
