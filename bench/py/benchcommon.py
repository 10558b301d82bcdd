"""Shared bits of the benchmark's oslo.messaging client and server.

Both scripts are transport-agnostic: everything transport-specific comes from
the nova.conf they are given (`transport_url = zmq://` or `rabbit://...`, and
for the bridge `rpc_zmq_ipc_dir` / `[zmq_bridge] local_socket`), exactly as a
Nova service would get it. The executor (`threading` or `eventlet`) must be
known before anything else is imported, because eventlet has to monkey-patch
the standard library first - hence `early_executor()` reads it from argv.
"""
import argparse
import json
import os
import sys

EXECUTORS = ("threading", "eventlet")

#: The request context every benchmark message carries (like a Nova context).
BENCH_CONTEXT = {
    "user_id": "u-bench",
    "project_id": "p-bench",
    "request_id": "req-00000000-0000-0000-0000-000000000005",
}


def base_parser():
    """The arguments both scripts take: config files, executor, topic and server."""
    p = argparse.ArgumentParser()
    p.add_argument("--config-file", action="append", required=True)
    p.add_argument("--executor", default="threading", choices=EXECUTORS)
    p.add_argument("--topic", default="nzb_bench")
    p.add_argument("--server", required=True)
    return p


def early_executor(argv):
    """The value of `--executor` in argv (default threading), validated."""
    value = "threading"
    for i, arg in enumerate(argv):
        if arg == "--executor" and i + 1 < len(argv):
            value = argv[i + 1]
        elif arg.startswith("--executor="):
            value = arg.split("=", 1)[1]
    if value not in EXECUTORS:
        sys.stderr.write("unknown --executor %r (use one of %s)\n" % (value, ", ".join(EXECUTORS)))
        sys.exit(2)
    return value


def monkey_patch_if_eventlet(executor):
    # Nova's eventlet services patch everything before importing oslo; do the
    # same so the driver under test sees the environment it would in Nova.
    if executor == "eventlet":
        import eventlet

        eventlet.monkey_patch()


def load_payload():
    """The ~1 KB Nova-like payload (an instance, its network info, ...)."""
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "nova_payload.json")) as f:
        return json.load(f)


def load_conf(config_files):
    """The global oslo.config CONF (as Nova uses it: oslo.messaging registers
    some of its options there only) read from exactly these files, never /etc."""
    from oslo_config import cfg

    conf = cfg.CONF
    args = []
    for path in config_files:
        args += ["--config-file", path]
    conf(args, project="nova", default_config_files=[])
    return conf


def write_json(path, doc):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(doc, f)
    os.replace(tmp, path)
