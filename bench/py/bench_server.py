#!/usr/bin/env python3
"""Benchmark RPC server: an oslo.messaging RPCServer, as Nova runs one.

    bench_server.py --config-file nova.conf --executor threading|eventlet \
        --topic nzb_bench --server <host> --ready-file <path>

Endpoints:
  bench_cast(round_no, seq, payload) counts the cast (per round) with the time
                                   of its first and last arrival;
  bench_call(seq, payload)         answers a ~1 KB Nova-like result holding seq;
  bench_stats(round_no)            the counts of a round (for the client).
Writes --ready-file once the server is listening; stops on SIGTERM/SIGINT.
"""
import sys

from benchcommon import early_executor, monkey_patch_if_eventlet

EXECUTOR = early_executor(sys.argv[1:])
monkey_patch_if_eventlet(EXECUTOR)

import os  # noqa: E402
import signal  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402

import oslo_messaging as messaging  # noqa: E402

from benchcommon import base_parser, load_conf, load_payload, write_json  # noqa: E402

#: Seconds the server may take to stop before the process exits anyway.
STOP_GRACE_SECONDS = 10


class BenchEndpoint(object):
    def __init__(self, payload):
        self._lock = threading.Lock()
        self._rounds = {}
        # A Nova-like answer of about the request's size: the instance and
        # its network info, as a compute manager would hand back.
        self._result = {
            "instance": payload["instance"],
            "network_info": payload["network_info"],
            "filter_properties": payload["filter_properties"],
        }

    def bench_cast(self, ctxt, round_no, seq, payload):
        now = time.time()
        with self._lock:
            r = self._rounds.get(round_no)
            if r is None:
                r = self._rounds[round_no] = {"count": 0, "first": now, "last": now, "seqs": set()}
            r["count"] += 1
            r["seqs"].add(seq)
            r["last"] = now

    def bench_call(self, ctxt, seq, payload):
        result = dict(self._result)
        result["seq"] = seq
        return result

    def bench_stats(self, ctxt, round_no):
        with self._lock:
            r = self._rounds.get(round_no)
            if r is None:
                return {"count": 0, "unique": 0, "first": None, "last": None}
            return {"count": r["count"], "unique": len(r["seqs"]), "first": r["first"], "last": r["last"]}


def main():
    p = base_parser()
    p.add_argument("--ready-file", required=True)
    args = p.parse_args()

    conf = load_conf(args.config_file)
    transport = messaging.get_rpc_transport(conf)
    target = messaging.Target(topic=args.topic, server=args.server)
    server = messaging.get_rpc_server(transport, target, [BenchEndpoint(load_payload())], executor=EXECUTOR)

    stop = threading.Event()

    def on_signal(signum, frame):
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    server.start()
    write_json(args.ready_file, {"pid": os.getpid(), "executor": EXECUTOR})
    while not stop.is_set():
        stop.wait(0.2)
    # A driver that hangs on shutdown must not keep the bench waiting.
    signal.alarm(STOP_GRACE_SECONDS)
    server.stop()
    server.wait()
    transport.cleanup()


if __name__ == "__main__":
    main()
    sys.stdout.flush()
    sys.stderr.flush()
    # See bench_client.py: lingering non-daemon driver threads must not delay the exit.
    os._exit(0)
