"""The exceptions of the legacy ``impl_zmq`` module API (no oslo.messaging needed).

Named as the old ``rpc.common`` had them; translate.py decides which one a
shim error becomes; impl_zmq.py re-exports them.
"""


class RPCException(Exception):
    """Base of the errors the legacy module raises (legacy rpc.common.RPCException)."""


class Timeout(RPCException):
    """A call got no reply in time, or its outcome is unknown (connection lost)."""


class DaemonUnavailable(RPCException):
    """The local daemon is not running; the message names the socket and the fix."""


class DeliveryFailure(RPCException):
    """The daemon refused to send the message (``code``: NO_ROUTE, QUEUE_FULL, ...)."""

    def __init__(self, code, msg):
        self.code = code
        super().__init__(msg)
