"""Real Nova services (Debian python3-nova 26, Zed) on the bridge, for
interop/nova-services.test.ts.

usage: nova_services.py setup    WORKDIR
       nova_services.py SERVICE  WORKDIR PLACEMENT IPC_DIR HOST   (SERVICE: conductor, scheduler, compute)
       nova_services.py client   WORKDIR PLACEMENT IPC_DIR HOST COMPUTE...

`setup` creates the sqlite databases (main and API) from Nova's own models.
A service runs Nova's own `nova.service.Service` for its binary - the
ConductorManager, SchedulerManager or ComputeManager with the fake virt
driver - as nova/cmd/<binary>.py builds it (a compute has no database
access: objects go through the conductor), with `[DEFAULT] host = HOST`, a
logical name, not a host name; RPC goes through `transport_url = zmq://` to
the daemon whose ipc dir is IPC_DIR. Instead of oslo.service's launcher the
script starts the Service itself and stops it when stdin closes (JSON event
lines on stdout: ready, and what the test observes: the fake driver's host
power actions on a compute, aggregate updates on a scheduler).
The client acts as nova-api would: Nova's ComputeAPI (directed calls to each
COMPUTE by its host value), SchedulerAPI (a fanout), and the database for
what the conductor wrote on the computes' behalf.

PLACEMENT is the URL of a real Placement service (placement_server.py,
noauth2): Nova's report client reaches it with keystoneauth's `admin_token`
plugin.
"""
import nova.monkey_patch  # noqa: F401 - as every Nova service: eventlet first

import os  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

from scriptio import describe, emit, report_and_exit, wait_for_stdin_close  # noqa: E402

ROLE, WORKDIR = sys.argv[1], sys.argv[2]


def db_url(name):
    return "sqlite:///" + os.path.join(WORKDIR, name)


def write_conf(placement, ipc_dir, host):
    state = os.path.join(WORKDIR, host)
    os.makedirs(os.path.join(state, "locks"), exist_ok=True)
    lines = [
        "[DEFAULT]",
        "transport_url = zmq://",
        "rpc_zmq_ipc_dir = %s" % ipc_dir,
        "host = %s" % host,
        "state_path = %s" % state,
        "compute_driver = fake.FakeDriver",
        "rpc_response_timeout = 30",
        "[database]",
        "connection = %s" % db_url("nova.sqlite"),
        "[api_database]",
        "connection = %s" % db_url("nova_api.sqlite"),
        "[placement]",
        "auth_type = admin_token",
        "endpoint = %s" % placement,
        "token = admin",
        "[oslo_concurrency]",
        "lock_path = %s" % os.path.join(state, "locks"),
        "[oslo_messaging_notifications]",
        "driver = noop",
    ]
    path = os.path.join(WORKDIR, "%s-%s.conf" % (ROLE, host))
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path


def setup():
    from sqlalchemy import create_engine

    from nova.db.api import models as api_models
    from nova.db.main import models as main_models

    for url, base in ((db_url("nova.sqlite"), main_models.BASE), (db_url("nova_api.sqlite"), api_models.BASE)):
        engine = create_engine(url)
        base.metadata.create_all(engine)
        engine.dispose()
    return {"ok": True}


def load(placement, ipc_dir, host):
    from oslo_log import log as logging

    import nova.conf
    from nova import config
    from nova import objects

    config.parse_args(["nova-%s" % ROLE], default_config_files=[write_conf(placement, ipc_dir, host)])
    logging.setup(nova.conf.CONF, "nova")
    objects.register_all()
    return nova.conf.CONF


def wrap(obj, name, event, **fields):
    """Emit `event` whenever Nova calls obj.name, then run Nova's own method."""
    real = getattr(obj, name)

    def observed(*args, **kwargs):
        emit(event=event, args=[repr(a) for a in args], **fields)
        return real(*args, **kwargs)
    setattr(obj, name, observed)


def serve(placement, ipc_dir, host):
    load(placement, ipc_dir, host)
    from nova.compute import rpcapi as compute_rpcapi
    from nova.conductor import rpcapi as conductor_rpcapi
    import nova.db.main.api
    from nova import objects
    from nova.objects import base as objects_base
    from nova.scheduler import rpcapi as scheduler_rpcapi
    from nova import service

    if ROLE == "compute":
        # As nova/cmd/compute.py: no database, objects through the conductor.
        nova.db.main.api.DISABLE_DB_ACCESS = True
        objects_base.NovaObject.indirection_api = conductor_rpcapi.ConductorAPI()
        objects.Service.enable_min_version_cache()
        server = service.Service.create(binary="nova-compute", topic=compute_rpcapi.RPC_TOPIC)
        wrap(server.manager.driver, "host_power_action", "power_action", host=host)
    elif ROLE == "conductor":
        objects.Service.enable_min_version_cache()
        server = service.Service.create(binary="nova-conductor", topic=conductor_rpcapi.RPC_TOPIC)
    elif ROLE == "scheduler":
        objects.Service.enable_min_version_cache()
        server = service.Service.create(binary="nova-scheduler", topic=scheduler_rpcapi.RPC_TOPIC)
        wrap(server.manager.host_manager, "update_aggregates", "aggregates", host=host)
    else:
        raise SystemExit("unknown role " + ROLE)
    server.start()
    emit(event="ready", host=host, binary=server.binary, pid=os.getpid())
    wait_for_stdin_close()
    server.stop()
    emit(event="stopped", host=host)


def client(placement, ipc_dir, host, computes):
    started = time.monotonic()
    load(placement, ipc_dir, host)
    loaded = time.monotonic() - started
    from nova.compute import rpcapi as compute_rpcapi
    from nova import context as nova_context
    from nova import objects
    from nova.scheduler import rpcapi as scheduler_rpcapi

    ctxt = nova_context.get_admin_context()
    out = {}

    def feature(name, fn):
        start = time.monotonic()
        try:
            out[name] = fn()
        except Exception as exc:  # noqa: BLE001 - reported per feature
            out[name] = {"error": describe(exc)}
        out.setdefault("seconds", {})[name] = round(time.monotonic() - start, 3)

    # What the conductor wrote for the computes (object indirection): their services.
    feature("services", lambda: sorted(
        [s.host, s.binary] for s in objects.ServiceList.get_all(ctxt)))
    # Written by the computes' resource trackers, through the conductor too.
    feature("compute_nodes", lambda: sorted(
        [n.host, n.hypervisor_hostname] for n in objects.ComputeNodeList.get_all(ctxt)))
    compute_api = compute_rpcapi.ComputeAPI()
    feature("directed", lambda: {
        c: compute_api.host_power_action(ctxt, c, "reboot-%s" % c) for c in computes})
    feature("maintenance", lambda: {
        c: compute_api.host_maintenance_mode(ctxt, c, c, True) for c in computes})
    agg = objects.Aggregate(ctxt, id=1, uuid="11111111-2222-3333-4444-555555555555",
                            name="agg-names", hosts=list(computes), metadata={})

    def fanout():
        scheduler_rpcapi.SchedulerAPI().update_aggregates(ctxt, [agg])
        return {"sent": True}
    feature("fanout", fanout)
    out["seconds"]["load"] = round(loaded, 3)
    return out


def main():
    if ROLE == "setup":
        emit(**setup())
        return
    placement, ipc_dir, host = sys.argv[3:6]
    if ROLE == "client":
        report_and_exit(client, placement, ipc_dir, host, sys.argv[6:])
    serve(placement, ipc_dir, host)


if __name__ == "__main__":
    main()
