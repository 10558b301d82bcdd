"""Python values <-> the JSON texts carried by the local API.

Same encoder as the legacy driver (json.dumps with default separators and
ASCII escapes, objects reduced with oslo's to_primitive when available), so
frames are byte-identical to a legacy node's and values keep their types
(1.0 stays a float, 2**63-1 stays exact).
"""
import json

try:  # present wherever oslo.messaging is; the legacy module may run without it
    from oslo_serialization.jsonutils import to_primitive as _to_primitive
except ImportError:  # pragma: no cover - depends on the host
    _to_primitive = None


def _default(value):
    if _to_primitive is None:
        raise TypeError("%r is not JSON serializable" % (value,))
    return _to_primitive(value, convert_instances=True)


# json.dumps(value, default=...) builds a new JSONEncoder on every call; one
# shared encoder (stateless between calls, so thread- and green-safe) gives
# the same text.
_ENCODER = json.JSONEncoder(default=_default)


def dumps(value):
    return _ENCODER.encode(value)


def loads(text):
    return json.loads(text)
