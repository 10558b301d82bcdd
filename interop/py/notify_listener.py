"""An oslo.messaging notification listener on transport_url zmq:// (the shim).

usage: notify_listener.py CONF TOPIC POOL NAME   (POOL "-" = no pool)
Prints JSON lines: {"event": "ready"}, then one {"event": "notification", ...}
per notification (priority info/error) until stdin closes.
"""
import json
import os
import select
import sys
import threading

import oslo_messaging
from oslo_config import cfg

CONF, TOPIC, POOL, NAME = sys.argv[1:5]
_out = threading.Lock()


def emit(**event):
    with _out:
        sys.stdout.write(json.dumps(event) + "\n")
        sys.stdout.flush()


class Endpoint:
    def _got(self, priority, ctxt, publisher_id, event_type, payload, metadata):
        emit(event="notification", name=NAME, priority=priority, ctxt=ctxt,
             publisher_id=publisher_id, event_type=event_type, payload=payload,
             message_id=metadata.get("message_id"),
             float_ok=isinstance(payload, dict) and isinstance(payload.get("f"), float),
             big_ok=isinstance(payload, dict) and payload.get("big", 2 ** 63 - 1) == 2 ** 63 - 1)

    def info(self, ctxt, publisher_id, event_type, payload, metadata):
        self._got("info", ctxt, publisher_id, event_type, payload, metadata)

    def error(self, ctxt, publisher_id, event_type, payload, metadata):
        self._got("error", ctxt, publisher_id, event_type, payload, metadata)


def main():
    conf = cfg.ConfigOpts()
    conf([], default_config_files=[CONF])
    transport = oslo_messaging.get_notification_transport(conf, "zmq://")
    listener = oslo_messaging.get_notification_listener(
        transport, [oslo_messaging.Target(topic=TOPIC)], [Endpoint()],
        executor="threading", pool=None if POOL == "-" else POOL)
    listener.start()
    emit(event="ready", name=NAME, pid=os.getpid())
    while True:
        select.select([0], [], [])
        if not os.read(0, 4096):
            break
    listener.stop()
    listener.wait()
    transport.cleanup()
    emit(event="stopped", name=NAME)


if __name__ == "__main__":
    main()
