"""oslo.messaging servers whose server names are not host names (docs/server-names.md).

usage: named_server.py CONF EXECUTOR SPEC...
  SPEC rpc:TOPIC:SERVER:NAME[:EXCHANGE[:POOL_SIZE]]  an RPCServer on Target(topic, server, exchange)
                                                     (EXCHANGE "-" = default; POOL_SIZE: its
                                                     executor_thread_pool_size, on a transport of its own)
  SPEC notify:TOPIC:POOL:NAME                        a notification listener (POOL "-" = no pool)
All servers of one process share the transport of CONF (transport_url = zmq://)
unless they set a pool size. Prints JSON lines on stdout: {"event": "ready"} once
all started, one {"event": "cast"|"notification", ...} per delivery, until stdin closes.
"""
import sys

EXECUTOR = sys.argv[2]
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
from scriptio import emit, wait_for_stdin_close  # noqa: E402

CONF = sys.argv[1]
SPECS = sys.argv[3:]


class Main:
    """The default namespace, version 1.5."""
    target = oslo_messaging.Target(version="1.5")

    def __init__(self, name):
        self.name = name
        self.casts = []

    def whoami(self, ctxt):
        return self.name

    def echo(self, ctxt, value):
        return value

    def record(self, ctxt, note):
        self.casts.append(note)
        emit(event="cast", name=self.name, note=note)

    def recorded(self, ctxt):
        return self.casts

    def sleep(self, ctxt, seconds):
        time.sleep(seconds)
        return {"slept": seconds, "name": self.name}

    @oslo_messaging.expected_exceptions(ValueError)
    def fail_expected(self, ctxt, message):
        raise ValueError(message)

    def fail_allowed(self, ctxt, message):
        raise interop_errors.BridgeTestError(message, code=42)

    def fail_hidden(self, ctxt, message):
        raise hidden_errors.HiddenError(message)


class Admin:
    """Namespace "admin", version 2.1."""
    target = oslo_messaging.Target(namespace="admin", version="2.1")

    def __init__(self, name):
        self.name = name

    def secret(self, ctxt):
        return "secret-of-" + self.name


class Notes:
    def __init__(self, name):
        self.name = name

    def info(self, ctxt, publisher_id, event_type, payload, metadata):
        emit(event="notification", name=self.name, event_type=event_type, payload=payload)


def load_conf():
    conf = cfg.ConfigOpts()
    conf([], default_config_files=[CONF])
    return conf


def main():
    shared_conf = load_conf()
    shared = oslo_messaging.get_rpc_transport(shared_conf, "zmq://")
    notify_transport = None
    transports = [shared]
    servers = []
    for spec in SPECS:
        parts = spec.split(":")
        if parts[0] == "rpc":
            topic, server, name = parts[1:4]
            exchange = parts[4] if len(parts) > 4 and parts[4] != "-" else None
            pool_size = int(parts[5]) if len(parts) > 5 else None
            transport = shared
            if pool_size is not None:
                transport = oslo_messaging.get_rpc_transport(load_conf(), "zmq://")
                transports.append(transport)
            target = oslo_messaging.Target(topic=topic, server=server, exchange=exchange)
            srv = oslo_messaging.get_rpc_server(transport, target, [Main(name), Admin(name)],
                                                executor=EXECUTOR)
            if pool_size is not None:
                # Registered by the server itself; read when it starts.
                transport.conf.set_override("executor_thread_pool_size", pool_size)
        elif parts[0] == "notify":
            topic, pool, name = parts[1:4]
            if notify_transport is None:
                notify_transport = oslo_messaging.get_notification_transport(load_conf(), "zmq://")
                transports.append(notify_transport)
            srv = oslo_messaging.get_notification_listener(
                notify_transport, [oslo_messaging.Target(topic=topic)], [Notes(name)],
                executor=EXECUTOR, pool=None if pool == "-" else pool)
        else:
            raise SystemExit("bad spec " + spec)
        srv.start()
        servers.append(srv)
    emit(event="ready", pid=os.getpid())
    wait_for_stdin_close()
    for srv in servers:
        srv.stop()
    for srv in servers:
        srv.wait()
    for t in transports:
        t.cleanup()
    emit(event="stopped")


if __name__ == "__main__":
    main()
