"""The exceptions the oslo.messaging driver raises beyond oslo's own.

All are oslo MessagingExceptions (never TransportDriverError, which
oslo.messaging 14 mishandles in RPCClient). translate.py decides which one a
shim error becomes; driver.py re-exports them.
"""
import oslo_messaging


class BridgeUnavailable(oslo_messaging.MessagingException):
    """The local nova-zmq-bridge daemon cannot be reached (message names the socket and the fix)."""


class BridgeCallInterrupted(oslo_messaging.MessagingTimeout):
    """The daemon connection dropped while this call waited; its outcome is unknown."""


class BridgeDeliveryFailure(oslo_messaging.MessageDeliveryFailure):
    """The daemon refused to send the message (``code``: NO_ROUTE, QUEUE_FULL, ...)."""

    def __init__(self, code, msg):
        self.code = code
        super().__init__(msg)
