"""The one place shim errors become the exceptions callers expect.

Daemon ``error`` codes were already turned into shim errors by
errors.from_answer (which keeps the table of codes); here every shim error
gets its outcome, and each outcome its exception in the two families: the
oslo.messaging driver's (oslo MessagingException subclasses) and the legacy
module API's (``RPCException`` subclasses).

| shim error | outcome | oslo driver | legacy module |
| --- | --- | --- | --- |
| DaemonUnavailable | unavailable | BridgeUnavailable | DaemonUnavailable |
| ConnectionLost | interrupted | BridgeCallInterrupted (a MessagingTimeout) | Timeout |
| RequestTimeout (no answer in time) | timeout | MessagingTimeout | Timeout |
| CallTimedOut (daemon TIMEOUT) | timeout | MessagingTimeout | Timeout |
| RequestFailed (other codes) | refused | BridgeDeliveryFailure (``code``) | DeliveryFailure (``code``) |
| InvalidTransportOption | invalid_url | InvalidTransportURL | RPCException |
| anything else | other | MessagingException | RPCException |
"""
from . import errors, legacy_errors

UNAVAILABLE = "unavailable"
INTERRUPTED = "interrupted"
TIMEOUT = "timeout"
REFUSED = "refused"
INVALID_URL = "invalid_url"
OTHER = "other"

# Most specific first: CallTimedOut is a RequestFailed.
_OUTCOMES = (
    (errors.DaemonUnavailable, UNAVAILABLE),
    (errors.ConnectionLost, INTERRUPTED),
    (errors.RequestTimeout, TIMEOUT),
    (errors.CallTimedOut, TIMEOUT),
    (errors.RequestFailed, REFUSED),
    (errors.InvalidTransportOption, INVALID_URL),
)


def outcome(exc):
    for cls, kind in _OUTCOMES:
        if isinstance(exc, cls):
            return kind
    return OTHER


def to_oslo(exc):
    """The oslo.messaging exception for a shim error (raise it ``from None``)."""
    # Imported here, not at the top: the legacy module uses this module on
    # hosts without oslo.messaging.
    import oslo_messaging

    from . import oslo_errors

    kind, text = outcome(exc), str(exc)
    if kind == UNAVAILABLE:
        return oslo_errors.BridgeUnavailable(text)
    if kind == INTERRUPTED:
        return oslo_errors.BridgeCallInterrupted(text)
    if kind == TIMEOUT:
        return oslo_messaging.MessagingTimeout(text)
    if kind == REFUSED:
        return oslo_errors.BridgeDeliveryFailure(exc.code, text)
    if kind == INVALID_URL:
        return oslo_messaging.InvalidTransportURL(exc.url, text)
    return oslo_messaging.MessagingException(text)


def to_legacy(exc):
    """The legacy module API's exception for a shim error (raise it ``from None``)."""
    kind, text = outcome(exc), str(exc)
    if kind == UNAVAILABLE:
        return legacy_errors.DaemonUnavailable(text)
    if kind in (INTERRUPTED, TIMEOUT):
        return legacy_errors.Timeout(text)
    if kind == REFUSED:
        return legacy_errors.DeliveryFailure(exc.code, text)
    return legacy_errors.RPCException(text)
