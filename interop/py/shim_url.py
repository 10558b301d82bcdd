"""transport_url query parameters of the shim against a live daemon.

usage: shim_url.py WORKDIR SOCKET IPC_DIR TOPIC NOTE_TOPIC
SOCKET / IPC_DIR: the daemon's local API socket and ipc directory. The
script's own nova.conf points rpc_zmq_ipc_dir at an empty directory, so only
the URL can lead the shim to the daemon:
- plain ``zmq://`` fails with BridgeUnavailable naming the empty directory;
- ``zmq://?local_socket=SOCKET&...`` serves and calls RPC (with an unknown
  parameter that must only be warned about);
- ``zmq://?rpc_zmq_ipc_dir=IPC_DIR`` carries a notification to a listener;
- a bad value is refused with InvalidTransportURL.
Prints one JSON result line.
"""
import logging
import os
import queue
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import oslo_messaging  # noqa: E402
from oslo_config import cfg  # noqa: E402

from scriptio import describe, report_and_exit  # noqa: E402

WORKDIR, SOCKET, IPC_DIR, TOPIC, NOTE_TOPIC = sys.argv[1:6]
CTXT = {"user_id": "u-url", "request_id": "req-00000000-0000-0000-0000-000000000077"}


class Warnings(logging.Handler):
    """Collects the shim's warnings (the unknown-parameter one)."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.lines = []

    def emit(self, record):
        self.lines.append(record.getMessage())


class Echo:
    def echo(self, ctxt, value):
        return {"value": value, "user_id": ctxt.get("user_id")}


class Notes:
    def __init__(self):
        self.got = queue.Queue()

    def info(self, ctxt, publisher_id, event_type, payload, metadata):
        self.got.put({"event_type": event_type, "payload": payload})


def load_conf():
    empty = os.path.join(WORKDIR, "empty-ipc")
    os.makedirs(empty, exist_ok=True)
    path = os.path.join(WORKDIR, "url-client.conf")
    with open(path, "w") as f:
        f.write("[DEFAULT]\nrpc_zmq_ipc_dir = %s\nrpc_response_timeout = 30\n" % empty)
    conf = cfg.ConfigOpts()
    conf([], default_config_files=[path])
    return conf, empty


def plain_url_misses(conf):
    t = oslo_messaging.get_rpc_transport(conf, "zmq://")
    try:
        oslo_messaging.get_rpc_client(t, oslo_messaging.Target(topic=TOPIC), timeout=5).call(
            CTXT, "echo", value=0)
        return None
    except Exception as exc:  # noqa: BLE001 - reported to the test
        return describe(exc)
    finally:
        t.cleanup()


def rpc_through_url(conf, warnings):
    url = "zmq://?local_socket=%s&shim_call_grace=5&nzb_unknown_param=1" % SOCKET
    server_t = oslo_messaging.get_rpc_transport(conf, url)
    client_t = oslo_messaging.get_rpc_transport(conf, url)
    server = oslo_messaging.get_rpc_server(server_t, oslo_messaging.Target(
        topic=TOPIC, server="url-srv"), [Echo()], executor="threading")
    server.start()
    try:
        client = oslo_messaging.get_rpc_client(client_t, oslo_messaging.Target(topic=TOPIC),
                                               timeout=20)
        return {"echo": client.call(CTXT, "echo", value=1.5),
                "grace": client_t._driver.bridge_settings.call_grace,
                "warned": [w for w in warnings.lines if "nzb_unknown_param" in w]}
    finally:
        server.stop()
        server.wait()
        client_t.cleanup()
        server_t.cleanup()


def notification_through_url(conf):
    url = "zmq://?rpc_zmq_ipc_dir=%s" % IPC_DIR
    listen_t = oslo_messaging.get_notification_transport(conf, url)
    send_t = oslo_messaging.get_notification_transport(conf, url)
    notes = Notes()
    listener = oslo_messaging.get_notification_listener(
        listen_t, [oslo_messaging.Target(topic=NOTE_TOPIC)], [notes], executor="threading")
    listener.start()
    try:
        oslo_messaging.Notifier(send_t, publisher_id="nzb.url", driver="messagingv2",
                                topics=[NOTE_TOPIC]).info(CTXT, "nzb.url", {"f": 2.5})
        return notes.got.get(timeout=20)
    finally:
        listener.stop()
        listener.wait()
        send_t.cleanup()
        listen_t.cleanup()


def bad_value(conf):
    try:
        oslo_messaging.get_rpc_transport(conf, "zmq://?shim_connect_timeout=later")
        return None
    except Exception as exc:  # noqa: BLE001 - reported to the test
        return describe(exc)


def run():
    warnings = Warnings()
    logging.getLogger("nova_zmq_bridge").addHandler(warnings)
    conf, empty = load_conf()
    return {"empty_dir": empty, "plain": plain_url_misses(conf),
            "rpc": rpc_through_url(conf, warnings),
            "notification": notification_through_url(conf), "bad": bad_value(conf)}


if __name__ == "__main__":
    report_and_exit(run)
