"""oslo.messaging RPCClient scenarios against servers with names that are not
host names (named_server.py), for interop/server-names.test.ts.

usage: named_client.py CONF SCENARIO [ARG...]; prints one JSON result line.
"""
import os
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import oslo_messaging  # noqa: E402
from oslo_config import cfg  # noqa: E402

from scriptio import describe, report_and_exit  # noqa: E402

CONF, SCENARIO = sys.argv[1], sys.argv[2]
ARGS = sys.argv[3:]
CTXT = {"user_id": "u-names", "project_id": "p-names", "request_id": "req-names"}


def load_conf(path=CONF):
    conf = cfg.ConfigOpts()
    conf([], default_config_files=[path])
    return conf


def transport(url="zmq://", path=CONF):
    return oslo_messaging.get_rpc_transport(load_conf(path), url, allowed_remote_exmods=["interop_errors"])


def client(t, topic, server=None, fanout=False, timeout=10, exchange=None, version=None, namespace=None):
    target = oslo_messaging.Target(topic=topic, server=server, fanout=fanout, exchange=exchange,
                                   version=version, namespace=namespace)
    return oslo_messaging.get_rpc_client(t, target, timeout=timeout)


def attempt(fn):
    """{"result": ...} or {"error": described exception}."""
    try:
        return {"result": fn()}
    except Exception as exc:  # noqa: BLE001 - reported to the test
        return {"error": describe(exc)}


def run():
    t = transport()
    out = {}
    topic = ARGS[0]
    if SCENARIO == "whoami":
        # ARGS: topic times name...: every answer per server name
        times = int(ARGS[1])
        for name in ARGS[2:]:
            out[name] = [client(t, topic, name).call(CTXT, "whoami") for _ in range(times)]
    elif SCENARIO == "cast":
        # ARGS: topic server note; then asks that server what it recorded
        c = client(t, topic, ARGS[1])
        c.cast(CTXT, "record", note=ARGS[2])
        out["recorded"] = c.call(CTXT, "recorded")
    elif SCENARIO == "fanout":
        client(t, topic, fanout=True).cast(CTXT, "record", note=ARGS[1])
        out["sent"] = True
    elif SCENARIO == "call":
        # ARGS: topic server exchange|- timeout
        exchange = ARGS[2] if ARGS[2] != "-" else None
        start = time.monotonic()
        out.update(attempt(lambda: client(t, topic, ARGS[1], exchange=exchange,
                                          timeout=float(ARGS[3])).call(CTXT, "whoami")))
        out["elapsed"] = time.monotonic() - start
    elif SCENARIO == "versions":
        server = ARGS[1]
        out["v1_3"] = attempt(lambda: client(t, topic, server, version="1.3").call(CTXT, "whoami"))
        out["v1_6"] = attempt(lambda: client(t, topic, server, version="1.6").call(CTXT, "whoami"))
        out["v2_0"] = attempt(lambda: client(t, topic, server, version="2.0").call(CTXT, "whoami"))
        out["admin_2_0"] = attempt(lambda: client(t, topic, server, version="2.0",
                                                  namespace="admin").call(CTXT, "secret"))
        out["admin_2_2"] = attempt(lambda: client(t, topic, server, version="2.2",
                                                  namespace="admin").call(CTXT, "secret"))
        out["admin_whoami"] = attempt(lambda: client(t, topic, server, version="2.0",
                                                     namespace="admin").call(CTXT, "whoami"))
        out["nope_ns"] = attempt(lambda: client(t, topic, server, namespace="nope").call(CTXT, "whoami"))
        out["no_method"] = attempt(lambda: client(t, topic, server).call(CTXT, "no_such_method"))
    elif SCENARIO == "errors":
        c = client(t, topic, ARGS[1])
        for method in ("fail_expected", "fail_allowed", "fail_hidden"):
            try:
                out[method] = {"result": c.call(CTXT, method, message="boom-" + method)}
            except Exception as exc:  # noqa: BLE001 - reported to the test
                out[method] = {"error": describe(exc), "code": getattr(exc, "code", None)}
    elif SCENARIO == "queued":
        # A call that times out while casts for the same server queue behind it.
        server, tag = ARGS[1], ARGS[2]
        slow = {}

        def slow_call():
            slow.update(attempt(lambda: client(t, topic, server, timeout=1).call(CTXT, "sleep", seconds=3)))
        th = threading.Thread(target=slow_call)
        th.start()
        time.sleep(0.3)
        c = client(t, topic, server, timeout=30)
        notes = ["%s-%d" % (tag, i) for i in range(3)]
        for n in notes:
            c.cast(CTXT, "record", note=n)
        th.join()
        out["slow"] = slow
        out["sent"] = notes
        out["recorded"] = c.call(CTXT, "recorded")
    elif SCENARIO == "url":
        # ARGS: topic server url: a conf that names no daemon; the URL's query does.
        empty = tempfile.NamedTemporaryFile("w", suffix=".conf", delete=False)
        empty.write("[DEFAULT]\nrpc_zmq_ipc_dir = %s\n" % tempfile.mkdtemp(prefix="nzb-empty-"))
        empty.close()
        url = ARGS[2]
        parsed = oslo_messaging.TransportURL.parse(load_conf(empty.name), url)
        out["hosts"] = [[h.hostname, h.port] for h in parsed.hosts]
        out["query"] = parsed.query
        t2 = transport(url, empty.name)
        out.update(attempt(lambda: client(t2, topic, ARGS[1]).call(CTXT, "whoami")))
        t2.cleanup()
    elif SCENARIO == "notify":
        # ARGS: topic count tag
        nt = oslo_messaging.get_notification_transport(load_conf(), "zmq://")
        notifier = oslo_messaging.Notifier(nt, publisher_id="nzb.names", driver="messagingv2",
                                           topics=[topic])
        for i in range(int(ARGS[1])):
            notifier.info(CTXT, "nzb.names", {"tag": ARGS[2], "i": i})
        out["sent"] = int(ARGS[1])
        nt.cleanup()
    else:
        raise SystemExit("unknown scenario " + SCENARIO)
    t.cleanup()
    return out


if __name__ == "__main__":
    report_and_exit(run)
