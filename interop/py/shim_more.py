"""Client-side scenarios for interop/shim-more.test.ts; prints one JSON result line.

usage: shim_more.py SCENARIO ARG...
  notify CONF TOPIC DRIVER TAG N         oslo Notifier (driver messaging / messagingv2)
  legacy IPC_DIR TOPIC SERVER NOTE_TOPIC the old impl_zmq module API
  fork CONF TOPIC N                      a transport made before os.fork(), used by both
  fork_server CONF TOPIC SERVER OTHER [use_hub|keep_hub]
                                         use the transport (a call to OTHER), fork; the
                                         child serves TOPIC as SERVER, the parent calls it
  big CONF TOPIC MIB                     a call echoing MIB MiB of text
  (--eventlet anywhere: eventlet.monkey_patch() first, as Nova does)
  restart CONF TOPIC SERVER SECONDS      a call in flight while the test restarts our daemon
"""
import sys

EVENTLET = "--eventlet" in sys.argv
if EVENTLET:
    sys.argv.remove("--eventlet")
    import eventlet
    eventlet.monkey_patch()

import json  # noqa: E402
import os  # noqa: E402
import time  # noqa: E402
import types  # noqa: E402

import oslo_messaging
from oslo_config import cfg

from scriptio import describe, report_and_exit

SCENARIO, ARGS = sys.argv[1], sys.argv[2:]
CTXT = {"user_id": "u-more", "project_id": "p-more",
        "request_id": "req-00000000-0000-0000-0000-000000000077"}


def load(path):
    conf = cfg.ConfigOpts()
    conf([], default_config_files=[path])
    return conf


def notify(conf_path, topic, driver, tag, n):
    conf = load(conf_path)
    t = oslo_messaging.get_notification_transport(conf, "zmq://")
    notifier = oslo_messaging.Notifier(t, publisher_id="nzb.publisher", driver=driver,
                                       topics=[topic])
    for i in range(int(n)):
        notifier.info(CTXT, "nzb.event", {"i": i, "tag": tag, "f": 1.0, "big": 2 ** 63 - 1})
    notifier.error(CTXT, "nzb.failed", {"i": -1, "tag": tag, "f": 2.0})
    t.cleanup()
    return {"sent": int(n) + 1}


def legacy(ipc_dir, topic, server, note_topic):
    from nova_zmq_bridge import impl_zmq
    conf = types.SimpleNamespace(rpc_zmq_ipc_dir=ipc_dir, rpc_response_timeout=20,
                                 allowed_rpc_exception_modules=["builtins"])
    ctx = impl_zmq.RpcContext(CTXT)
    out = {"call": impl_zmq.call(conf, ctx, topic, {"method": "echo", "args": {"value": 1.5}})}
    out["call_float"] = isinstance(out["call"]["value"], float)
    out["directed"] = impl_zmq.call(conf, ctx, "%s.%s" % (topic, server),
                                    {"method": "echo", "args": {"value": "d"}})
    out["multicall"] = list(impl_zmq.multicall(conf, ctx, topic,
                                               {"method": "echo", "args": {"value": [1, 2]}}))
    try:
        impl_zmq.call(conf, ctx, topic, {"method": "fail", "args": {"message": "legacy-mod-boom"}})
        out["fail"] = None
    except Exception as exc:  # noqa: BLE001
        out["fail"] = describe(exc)
    impl_zmq.cast(conf, ctx, topic, {"method": "record", "args": {"note": "l-cast"}})
    impl_zmq.fanout_cast(conf, ctx, topic, {"method": "record", "args": {"note": "l-fanout"}})
    impl_zmq.cast_to_server(conf, ctx, {"hostname": server}, "%s.%s" % (topic, server),
                            {"method": "record", "args": {"note": "l-to-server"}})
    impl_zmq.notify(conf, ctx, note_topic + ".info",
                    {"message_id": "9f6c2b0e-0000-4000-8000-000000000001",
                     "publisher_id": "legacy.host", "event_type": "legacy.event",
                     "priority": "INFO", "payload": {"tag": "legacy-notify", "f": 1.0},
                     "timestamp": "2026-11-25 09:49:58.250445"})
    impl_zmq.cleanup()
    return out


def fork(conf_path, topic, n):
    n = int(n)
    t = oslo_messaging.get_rpc_transport(load(conf_path), "zmq://")
    c = oslo_messaging.get_rpc_client(t, oslo_messaging.Target(topic=topic), timeout=20)
    out = {"before": c.call(CTXT, "echo", value="parent-before")}
    rfd, wfd = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(rfd)
        try:
            res = {"ok": sum(1 for i in range(n) if c.call(CTXT, "echo", value="c%d" % i) == "c%d" % i),
                   "pid": os.getpid()}
            c.cast(CTXT, "record", note="from-child")
        except Exception as exc:  # noqa: BLE001
            res = {"error": describe(exc)}
        os.write(wfd, json.dumps(res).encode())
        os._exit(0)
    os.close(wfd)
    out["parent_ok"] = sum(1 for i in range(n) if c.call(CTXT, "echo", value="p%d" % i) == "p%d" % i)
    c.cast(CTXT, "record", note="from-parent")
    chunks = []
    while True:
        b = os.read(rfd, 65536)
        if not b:
            break
        chunks.append(b)
    os.waitpid(pid, 0)
    out["child"] = json.loads(b"".join(chunks) or b"{}")
    out["parent_pid"] = os.getpid()
    t.cleanup()
    return out


class ChildEndpoint:
    def whoami(self, ctxt):
        return {"pid": os.getpid(), "user_id": ctxt.get("user_id")}


def fork_server(conf_path, topic, server_name, other, hub="use_hub"):
    conf = load(conf_path)
    t = oslo_messaging.get_rpc_transport(conf, "zmq://")
    c = oslo_messaging.get_rpc_client(t, oslo_messaging.Target(topic=topic), timeout=20)
    # The parent uses the transport first (a call to another topic), as a
    # service does at start-up before forking its workers.
    out = {"before": oslo_messaging.get_rpc_client(t, oslo_messaging.Target(topic=other), timeout=20)
           .call(CTXT, "echo", value="parent-before")}
    rfd, wfd = os.pipe()
    pid = os.fork()
    if pid == 0:
        # A worker process: serves on the transport its parent built.
        if EVENTLET and hub == "use_hub":
            # What oslo.service's ProcessLauncher does first in a Nova worker:
            # a fresh hub, so the child shares no epoll fd with its parent.
            # ("keep_hub": a bare os.fork() under eventlet, the parent's hub
            # and green threads carry on in the child.)
            eventlet.hubs.use_hub()
        os.close(rfd)
        server = oslo_messaging.get_rpc_server(
            t, oslo_messaging.Target(topic=topic, server=server_name),
            [ChildEndpoint()], executor="eventlet" if EVENTLET else "threading")
        server.start()
        os.write(wfd, b"r")
        time.sleep(60)  # until the parent kills it
        os._exit(0)
    os.close(wfd)
    os.read(rfd, 1)
    out.update(child_pid=pid, parent_pid=os.getpid())
    try:
        out["reply"] = c.call(CTXT, "whoami")
    except Exception as exc:  # noqa: BLE001
        out["error"] = describe(exc)
    os.kill(pid, 9)
    os.waitpid(pid, 0)
    t.cleanup()
    return out


def big(conf_path, topic, mib):
    t = oslo_messaging.get_rpc_transport(load(conf_path), "zmq://")
    c = oslo_messaging.get_rpc_client(t, oslo_messaging.Target(topic=topic), timeout=60)
    value = ("☃x" * (int(float(mib) * 1024 * 1024) // 8))
    got = c.call(CTXT, "echo", value=value)
    t.cleanup()
    return {"same": got == value, "chars": len(value)}


def restart(conf_path, topic, server, seconds):
    t = oslo_messaging.get_rpc_transport(load(conf_path), "zmq://")
    c = oslo_messaging.get_rpc_client(t, oslo_messaging.Target(topic=topic, server=server),
                                      timeout=60)
    out = {}
    try:
        out["inflight"] = c.call(CTXT, "sleep", seconds=float(seconds))
    except Exception as exc:  # noqa: BLE001
        out["inflight_error"] = describe(exc)
    deadline = time.monotonic() + 30
    attempts = 0
    while True:
        attempts += 1
        try:
            out["after"] = c.call(CTXT, "echo", value="after-restart")
            break
        except oslo_messaging.MessagingException as exc:
            out.setdefault("retry_errors", []).append(type(exc).__name__)
            if time.monotonic() > deadline:
                out["after_error"] = describe(exc)
                break
            time.sleep(0.5)
    out["attempts"] = attempts
    t.cleanup()
    return out


if __name__ == "__main__":
    scenario = {"notify": notify, "legacy": legacy, "fork": fork, "fork_server": fork_server,
                "big": big, "restart": restart}[SCENARIO]
    report_and_exit(scenario, *ARGS)
