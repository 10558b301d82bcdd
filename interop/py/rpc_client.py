"""oslo.messaging RPCClient scenarios through the shim, for interop tests.

usage: rpc_client.py CONF SCENARIO [ARG...]; prints one JSON result line.
"""
import sys

if "--eventlet" in sys.argv:
    sys.argv.remove("--eventlet")
    import eventlet
    eventlet.monkey_patch()

import os  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import oslo_messaging  # noqa: E402
from oslo_config import cfg  # noqa: E402

from scriptio import describe, report_and_exit  # noqa: E402,F401

CONF, SCENARIO = sys.argv[1], sys.argv[2]
ARGS = sys.argv[3:]
CTXT = {"user_id": "u-interop", "project_id": "p-interop",
        "request_id": "req-00000000-0000-0000-0000-000000000042", "roles": ["admin"],
        "is_admin": True, "read_deleted": "no"}
PAYLOAD = {"f": 1.0, "big": 2 ** 63 - 1, "neg": -(2 ** 63), "text": "Grüße ☃ 𝄞 \u0000",
           "nested": [[1, [2.5, {"a": None}]], {"t": True, "f": False}], "none": None,
           "empty": {}, "list": []}


def transport():
    conf = cfg.ConfigOpts()
    conf([], default_config_files=[CONF])
    return oslo_messaging.get_rpc_transport(conf, "zmq://",
                                            allowed_remote_exmods=["interop_errors"])


def client(t, topic, server=None, fanout=False, timeout=30, exchange=None):
    target = oslo_messaging.Target(topic=topic, server=server, fanout=fanout, exchange=exchange)
    return oslo_messaging.get_rpc_client(t, target, timeout=timeout)


def run():
    t = transport()
    topic = ARGS[0]
    server = ARGS[1] if len(ARGS) > 1 and ARGS[1] != "-" else None
    out = {}
    if SCENARIO == "basic":
        c = client(t, topic, server)
        out["echo"] = c.call(CTXT, "echo", value=PAYLOAD)
        out["echo_exact"] = out["echo"] == PAYLOAD and isinstance(out["echo"]["f"], float)
        out["context"] = c.call(CTXT, "context")
        out["whoami"] = c.call(CTXT, "whoami")
        c.cast(CTXT, "record", note="cast-1")
        out["recorded"] = c.call(CTXT, "recorded")
    elif SCENARIO == "errors":
        c = client(t, topic, server)
        for method in ("fail_allowed", "fail_hidden", "fail_builtin"):
            try:
                c.call(CTXT, method, message="boom-" + method)
                out[method] = None
            except Exception as exc:  # noqa: BLE001 - reported to the test
                out[method] = describe(exc)
                if method == "fail_allowed":
                    out[method]["code"] = getattr(exc, "code", None)
    elif SCENARIO == "timeout":
        c = client(t, topic, server, timeout=float(ARGS[2]))
        start = time.monotonic()
        try:
            out["result"] = c.call(CTXT, "sleep", seconds=float(ARGS[3]))
        except Exception as exc:  # noqa: BLE001
            out["error"] = describe(exc)
        out["elapsed"] = time.monotonic() - start
        # the connection still works afterwards
        out["after"] = client(t, topic, server).call(CTXT, "whoami")
    elif SCENARIO == "monitor":
        c = client(t, topic, server, timeout=float(ARGS[2]))
        c = c.prepare(call_monitor_timeout=float(ARGS[3]))
        try:
            out["result"] = c.call(CTXT, "sleep", seconds=float(ARGS[4]))
        except Exception as exc:  # noqa: BLE001
            out["error"] = describe(exc)
    elif SCENARIO == "sequential":
        c = client(t, topic, server)
        n = int(ARGS[2])
        bad = [i for i in range(n) if c.call(CTXT, "echo", value=i) != i]
        out["n"], out["bad"] = n, bad
    elif SCENARIO == "concurrent":
        c = client(t, topic, server)
        callers, per = int(ARGS[2]), int(ARGS[3])
        results, errors = [], []

        def worker(k):
            for i in range(per):
                v = "%d-%d" % (k, i)
                try:
                    results.append(c.call(CTXT, "echo", value=v) == v)
                except Exception as exc:  # noqa: BLE001
                    errors.append(describe(exc))
        threads = [threading.Thread(target=worker, args=(k,)) for k in range(callers)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        out["ok"], out["wrong"], out["errors"] = sum(results), results.count(False), errors[:3]
    elif SCENARIO == "fanout":
        client(t, topic, fanout=True).cast(CTXT, "record", note=ARGS[2])
        out["sent"] = True
    elif SCENARIO == "whoami":
        out["whoami"] = client(t, topic, server, timeout=10).call(CTXT, "whoami")
    elif SCENARIO == "exchange":
        # ARGS: topic server exchange
        try:
            out["whoami"] = client(t, topic, server, timeout=float(ARGS[3]),
                                   exchange=ARGS[2]).call(CTXT, "whoami")
        except Exception as exc:  # noqa: BLE001
            out["error"] = describe(exc)
    elif SCENARIO == "whoami_retry":
        deadline = time.monotonic() + float(ARGS[2])
        while True:
            try:
                out["whoami"] = client(t, topic, server, timeout=3).call(CTXT, "whoami")
                break
            except oslo_messaging.MessagingException as exc:
                out.setdefault("errors", []).append(type(exc).__name__)
                if time.monotonic() > deadline:
                    raise
    else:
        raise SystemExit("unknown scenario " + SCENARIO)
    t.cleanup()
    return out


if __name__ == "__main__":
    report_and_exit(run)
