"""An oslo.messaging RPCServer on transport_url zmq:// (the shim), for interop tests.

usage: rpc_server.py CONF TOPIC SERVER NAME EXECUTOR [EXCHANGE]
Prints one JSON line per event on stdout: {"event": "ready"}, {"event": "cast", ...}.
"""
import sys

EXECUTOR = sys.argv[5]
if EXECUTOR == "eventlet":
    import eventlet
    eventlet.monkey_patch()

import os  # noqa: E402
import time  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import oslo_messaging  # noqa: E402
from oslo_config import cfg  # noqa: E402

import hidden_errors  # noqa: E402
import interop_errors  # noqa: E402
from scriptio import emit, serve_until_stdin_closes  # noqa: E402

CONF, TOPIC, SERVER, NAME = sys.argv[1:5]
EXCHANGE = sys.argv[6] if len(sys.argv) > 6 else None


class Endpoint:
    def __init__(self):
        self.casts = []

    def echo(self, ctxt, value):
        return value

    def context(self, ctxt):
        return ctxt

    def whoami(self, ctxt):
        return NAME

    def record(self, ctxt, note):
        self.casts.append(note)
        emit(event="cast", name=NAME, note=note, ctxt=ctxt)

    def recorded(self, ctxt):
        return self.casts

    def fail_allowed(self, ctxt, message):
        raise interop_errors.BridgeTestError(message, code=42)

    def fail_hidden(self, ctxt, message):
        raise hidden_errors.HiddenError(message)

    def fail_builtin(self, ctxt, message):
        raise ValueError(message)

    def sleep(self, ctxt, seconds):
        time.sleep(seconds)
        return {"slept": seconds, "name": NAME}


def main():
    conf = cfg.ConfigOpts()
    conf([], default_config_files=[CONF])
    transport = oslo_messaging.get_rpc_transport(conf, "zmq://")
    target = oslo_messaging.Target(topic=TOPIC, server=SERVER, exchange=EXCHANGE)
    server = oslo_messaging.get_rpc_server(transport, target, [Endpoint()], executor=EXECUTOR)
    serve_until_stdin_closes(server, transport.cleanup, name=NAME)


if __name__ == "__main__":
    main()
