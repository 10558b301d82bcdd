"""Nova itself (Debian python3-nova 26) on the bridge, for interop tests.

usage: nova_rpc.py server WORKDIR IPC_DIR TOPIC SERVER
       nova_rpc.py client WORKDIR SOCKET TOPIC SERVER
Each writes its own nova.conf in WORKDIR (transport_url = zmq://; the server
finds the daemon through `[DEFAULT] rpc_zmq_ipc_dir`, the client through
`[zmq_bridge] local_socket`), loads it with nova.config.parse_args (which runs
nova.rpc.init) and uses nova.rpc.get_server / get_client with Nova's
RequestContext and NovaObjectSerializer. The server prints JSON event lines
(ready, cast) until stdin closes; the client prints one JSON result line with
one key per feature (context, objects, exceptions, call_monitor, cast,
notifications): that feature's result, or {"error": ...} if it failed.
"""
import nova.monkey_patch  # noqa: F401 - as every Nova service: eventlet first

import os  # noqa: E402
import sys  # noqa: E402

import oslo_messaging as messaging  # noqa: E402

import nova.conf  # noqa: E402
from nova import config  # noqa: E402
from nova import context as nova_context  # noqa: E402
from nova import exception  # noqa: E402
from nova import objects  # noqa: E402
from nova.objects import base as objects_base  # noqa: E402
from nova import rpc  # noqa: E402

from scriptio import describe, emit, report_and_exit, serve_until_stdin_closes  # noqa: E402

CONF = nova.conf.CONF
ROLE, WORKDIR, WHERE, TOPIC, SERVER = sys.argv[1:6]


def write_conf():
    lines = ["[DEFAULT]", "transport_url = zmq://", "host = nova-%s" % ROLE,
             "rpc_response_timeout = 30"]
    if ROLE == "server":
        lines.append("rpc_zmq_ipc_dir = %s" % WHERE)
    else:
        lines += ["[zmq_bridge]", "local_socket = %s" % WHERE,
                  "[oslo_messaging_notifications]", "driver = messagingv2",
                  "[notifications]", "notification_format = both"]
    path = os.path.join(WORKDIR, "nova-%s.conf" % ROLE)
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path


def load():
    objects.register_all()
    config.parse_args(["nova-interop"], default_config_files=[write_conf()],
                      configure_db=False, init_rpc=True)


class Endpoint:
    target = messaging.Target(version="1.0")

    def whoami(self, context):
        return {"type": "%s.%s" % (type(context).__module__, type(context).__name__),
                "user_id": context.user_id, "project_id": context.project_id,
                "request_id": context.request_id, "roles": list(context.roles),
                "is_admin": context.is_admin, "server": SERVER}

    def tag_roundtrip(self, context, tag):
        # NovaObjectSerializer turned the primitive back into the object.
        if not isinstance(tag, objects.Tag):
            raise TypeError("got %r, not a Tag" % (type(tag),))
        return objects.Tag(context=context, resource_id=tag.resource_id,
                           tag=tag.tag + "-seen-by-" + SERVER)

    def not_found(self, context, name):
        raise exception.InstanceNotFound(instance_id=name)

    def slow(self, context, seconds):
        # time.sleep is green here (monkey-patched): heartbeats must still flow.
        import time
        time.sleep(seconds)
        return {"slept": seconds}

    def record(self, context, note):
        emit(event="cast", note=note, user_id=context.user_id,
             project_id=context.project_id, type=type(context).__name__)


def server():
    load()
    target = messaging.Target(topic=TOPIC, server=SERVER)
    srv = rpc.get_server(target, [Endpoint()],
                         serializer=objects_base.NovaObjectSerializer())
    serve_until_stdin_closes(srv, rpc.cleanup)


def heartbeats_seen():
    """Call-monitor heartbeats this host's daemon has received (its `stats` op)."""
    from nova_zmq_bridge.connection import LocalConnection
    conn = LocalConnection(WHERE, "nova-interop-stats")
    try:
        answer = conn.request({"op": "stats"}, 5)
    finally:
        conn.close()
    return int(answer["counters"].get("replies.heartbeats", 0))


def feature(out, name, fn):
    """Run one feature's steps; its result, or what failed, goes under out[name].

    Each feature is reported on its own so the test names the one that broke;
    the later features still run after an earlier one failed.
    """
    try:
        out[name] = fn()
    except Exception as exc:  # noqa: BLE001 - reported to the test
        out[name] = {"error": describe(exc)}


def client():
    load()
    ctxt = nova_context.RequestContext(user_id="u-nova", project_id="p-nova",
                                       roles=["member", "reader"])
    target = messaging.Target(topic=TOPIC, server=SERVER, version="1.0")
    cl = rpc.get_client(target, serializer=objects_base.NovaObjectSerializer())
    out = {"request_id": ctxt.request_id}

    def context():
        return {"whoami": cl.call(ctxt, "whoami")}

    def objects_():
        tag = cl.call(ctxt, "tag_roundtrip", tag=objects.Tag(resource_id="inst-1", tag="gold"))
        return {"tag": {"type": type(tag).__name__, "resource_id": tag.resource_id, "tag": tag.tag}}

    def exceptions():
        try:
            cl.call(ctxt, "not_found", name="inst-404")
            return {"not_found": None}
        except Exception as exc:  # noqa: BLE001 - this failure is the feature
            return {"not_found": {
                "type": type(exc).__name__, "str": str(exc),
                "is_instance_not_found": isinstance(exc, exception.InstanceNotFound),
                "kwargs": {k: v for k, v in getattr(exc, "kwargs", {}).items()
                           if isinstance(v, (str, int))}}}

    def call_monitor():
        # Nova's long-running calls: call_monitor_timeout (long_rpc_timeout style);
        # the eventlet server heartbeats while the method sleeps past the monitor.
        slow = cl.prepare(timeout=30, call_monitor_timeout=2)
        beats = heartbeats_seen()
        result = slow.call(ctxt, "slow", seconds=5)
        return {"slow": result, "heartbeats": heartbeats_seen() - beats}

    def cast():
        cl.cast(ctxt, "record", note="nova-cast-1")
        return {"sent": True}

    def notifications():
        # Nova's notifiers (nova.rpc.init built them on the same zmq:// transport)
        rpc.get_notifier("compute", host="nzb-host").info(
            ctxt, "aggregate.create.start", {"name": "agg-1", "f": 1.0})
        rpc.get_versioned_notifier("nova-compute:nzb-host").info(
            ctxt, "aggregate.create.start", {"nova_object.name": "AggregatePayload", "f": 1.0})
        return {"sent": True}

    for name, fn in (("context", context), ("objects", objects_), ("exceptions", exceptions),
                     ("call_monitor", call_monitor), ("cast", cast),
                     ("notifications", notifications)):
        feature(out, name, fn)
    rpc.cleanup()
    return out


if __name__ == "__main__":
    if ROLE == "server":
        server()
    else:
        report_and_exit(client)
