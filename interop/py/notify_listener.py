"""An oslo.messaging notification listener on transport_url zmq:// (the shim).

usage: notify_listener.py CONF TOPIC POOL NAME   (POOL "-" = no pool)
Prints JSON lines: {"event": "ready"}, then one {"event": "notification", ...}
per notification (priority info/error) until stdin closes.
"""
import sys

import oslo_messaging
from oslo_config import cfg

from scriptio import emit, serve_until_stdin_closes

CONF, TOPIC, POOL, NAME = sys.argv[1:5]


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
    serve_until_stdin_closes(listener, transport.cleanup, name=NAME)


if __name__ == "__main__":
    main()
