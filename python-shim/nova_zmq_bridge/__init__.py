"""nova_zmq_bridge: Python side of nova-zmq-bridge.

The shim never speaks ZeroMQ: it talks to the nova-zmq-bridge daemon of its
host over a unix socket (docs/local-api.md) and owns only Python values.

- ``nova_zmq_bridge.driver``: the oslo.messaging driver (``transport_url = zmq://``).
- ``nova_zmq_bridge.impl_zmq``: the pre-oslo.messaging ``rpc_backend`` module API.
"""

__version__ = "0.1.0"
CLIENT_NAME = "nova_zmq_bridge/" + __version__
