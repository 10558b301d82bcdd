"""A shim RPCClient (oslo.messaging, transport_url zmq://) calling a legacy node.

usage: legacy_calls.py CONF TOPIC SERVER [notify]; prints one JSON result line.
The context and requests are those of the golden captures (local/call.json,
cast.json, cast_direct.json, cast_fanout.json, notify_v1/v2.json) so the test
can compare the frames the legacy node received with them. With `notify` it
also sends the captures' notifications (both notifier drivers) to
`notifications.info`.
"""
import sys

import oslo_messaging
from oslo_config import cfg

from scriptio import describe, report_and_exit  # noqa: F401

CONF, TOPIC, SERVER = sys.argv[1:4]
NOTIFY = sys.argv[4:5] == ["notify"]
# Exactly the captures' context (key order included).
CTXT = {"user_id": "u-anchor", "project_id": "p-anchor",
        "request_id": "req-00000000-0000-0000-0000-000000000001"}


def run():
    conf = cfg.ConfigOpts()
    conf([], default_config_files=[CONF])
    t = oslo_messaging.get_rpc_transport(conf, "zmq://", allowed_remote_exmods=["builtins"])
    c = oslo_messaging.get_rpc_client(t, oslo_messaging.Target(topic=TOPIC, version="1.0"),
                                      timeout=20)
    out = {"echo": c.call(CTXT, "echo", value="hello")}
    out["echo_exact"] = c.call(CTXT, "echo", value={"f": 1.0, "big": 2 ** 63 - 1, "s": "\u2603"})
    out["echo_exact_ok"] = (out["echo_exact"] == {"f": 1.0, "big": 2 ** 63 - 1, "s": "\u2603"}
                            and isinstance(out["echo_exact"]["f"], float))
    try:
        c.call(CTXT, "fail", message="legacy-boom")
        out["fail"] = None
    except Exception as exc:  # noqa: BLE001 - reported to the test
        out["fail"] = describe(exc)
    try:
        c.call(CTXT, "fail_py2", reason="kaboom")
        out["fail_py2"] = None
    except Exception as exc:  # noqa: BLE001 - reported to the test
        out["fail_py2"] = describe(exc)
        out["fail_py2"]["args"] = [repr(a) for a in exc.args]
    c.cast(CTXT, "record", mode="topic", note="c1")
    c.prepare(server=SERVER).cast(CTXT, "record", mode="direct", note="d1")
    c.prepare(fanout=True).cast(CTXT, "record", mode="fanout", note="f1")
    if NOTIFY:
        nt = oslo_messaging.get_notification_transport(conf, "zmq://")
        for driver in ("messaging", "messagingv2"):
            oslo_messaging.Notifier(nt, publisher_id="anchor.host1", driver=driver,
                                    topics=["notifications"]).info(
                CTXT, "anchor.event", {"k": "v", "driver": driver})
        nt.cleanup()
    t.cleanup()
    return out


if __name__ == "__main__":
    report_and_exit(run)
