#!/usr/bin/env python3
"""Benchmark RPC client: oslo.messaging RPCClient, as Nova's API would use it.

    bench_client.py --config-file nova.conf --executor threading|eventlet \
        --topic nzb_bench --server <host> --rounds 3 --casts 1000 \
        --calls 500 --concurrency 16 --calls-per-caller 50 [--out result.json]

Waits until the server answers, warms up, then per round:
  1. casts: sends --casts casts as fast as it can, then asks the server how
     many arrived and when the last one did (casts/s counted at the server);
  2. sequential calls: --calls calls one after the other, each timed;
  3. concurrent calls: --concurrency callers (threads, green threads under
     eventlet) doing --calls-per-caller calls each, each timed.
A call that times out, fails or answers the wrong seq is a lost reply.
--no-casts skips step 1. For steps 2 and 3 it also reports, per call, the
CPU time, run-queue wait and context switches of itself and of every
process named with --watch (procwatch.py), and its own GC pauses.
Prints the raw figures (latencies in ms) as JSON, or writes them to --out.
"""
import sys

from benchcommon import early_executor, monkey_patch_if_eventlet

EXECUTOR = early_executor(sys.argv[1:])
monkey_patch_if_eventlet(EXECUTOR)

import gc  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402

import oslo_messaging as messaging  # noqa: E402

from benchcommon import base_parser, BENCH_CONTEXT, load_conf, load_payload, write_json  # noqa: E402
from procwatch import ProcWatch  # noqa: E402

#: Seconds to wait for the server to answer a first call.
DEFAULT_READY_TIMEOUT_SECONDS = 60
#: Call timeout while probing for the server (seconds).
PROBE_CALL_TIMEOUT_SECONDS = 2
#: Seconds without a new cast arriving at the server before the rest count as lost.
CAST_DRAIN_IDLE_SECONDS = 5
#: Pause between polls of the server's cast count (seconds).
CAST_POLL_INTERVAL_SECONDS = 0.02


def wait_for_server(client, payload, timeout, wait_file=None):
    deadline = time.monotonic() + timeout
    # Started alongside the server to save start-up time: wait for its ready
    # file first, so no probe is lost to a server that is not listening yet.
    while wait_file and not os.path.exists(wait_file) and time.monotonic() < deadline:
        time.sleep(0.05)
    probe = client.prepare(timeout=PROBE_CALL_TIMEOUT_SECONDS)
    last_error = None
    while time.monotonic() < deadline:
        try:
            probe.call(BENCH_CONTEXT, "bench_call", seq=-1, payload=payload)
            return
        except Exception as e:  # the server may still be starting
            last_error = e
            time.sleep(0.2)
    raise RuntimeError("server did not answer within %ss: %r" % (timeout, last_error))


def timed_call(client, seq, payload, errors):
    """One call; returns (latency_ms, ok)."""
    t0 = time.perf_counter()
    try:
        result = client.call(BENCH_CONTEXT, "bench_call", seq=seq, payload=payload)
        ok = isinstance(result, dict) and result.get("seq") == seq
        if not ok:
            errors.append("wrong answer for seq %d" % seq)
    except Exception as e:
        ok = False
        errors.append("%s: %s" % (type(e).__name__, str(e)[:200]))
    return (time.perf_counter() - t0) * 1000.0, ok


def run_casts(client, round_no, n, payload):
    t0 = time.time()
    for seq in range(n):
        client.cast(BENCH_CONTEXT, "bench_cast", round_no=round_no, seq=seq, payload=payload)
    sent_at = time.time()
    stats = {"count": 0}
    last_progress = time.monotonic()
    seen = -1
    while True:
        stats = client.call(BENCH_CONTEXT, "bench_stats", round_no=round_no)
        if stats["count"] >= n:
            break
        if stats["count"] != seen:
            seen = stats["count"]
            last_progress = time.monotonic()
        elif time.monotonic() - last_progress > CAST_DRAIN_IDLE_SECONDS:
            break
        time.sleep(CAST_POLL_INTERVAL_SECONDS)
    received = stats["count"]
    elapsed = (stats["last"] - t0) if stats.get("last") else None
    return {
        "sent": n,
        "received": received,
        "unique": stats.get("unique", 0),
        "lost": n - stats.get("unique", 0),
        "elapsed_s": elapsed,
        "per_s": (received / elapsed) if elapsed else 0.0,
        "send_per_s": n / max(sent_at - t0, 1e-9),
    }


class GcPauses:
    """This process's garbage-collector pauses while a phase runs (count, total and longest, ms)."""

    def __init__(self):
        self._t0 = None
        self.pauses = []
        self._active = False

    def _callback(self, phase, info):
        if not self._active:
            return
        if phase == "start":
            self._t0 = time.perf_counter()
        elif self._t0 is not None:
            self.pauses.append((time.perf_counter() - self._t0) * 1000.0)
            self._t0 = None

    def __enter__(self):
        self.pauses = []
        self._active = True
        if self._callback not in gc.callbacks:
            gc.callbacks.append(self._callback)
        return self

    def __exit__(self, *exc):
        self._active = False

    def summary(self):
        return {"count": len(self.pauses), "total_ms": round(sum(self.pauses), 3),
                "max_ms": round(max(self.pauses), 3) if self.pauses else 0.0}


def watched(phase, watch, gcp, calls_of):
    """Run ``phase(at_end)``; add the per-call CPU/scheduling of the watched processes and GC pauses.

    The phase calls ``at_end()`` once its calls are done but before the
    threads that made them exit: a thread's CPU time and context switches are
    read from /proc/<pid>/task/<tid>, which is gone once the thread is.
    """
    before = watch.snapshot()
    after = {}

    def at_end():
        after.update(watch.snapshot())

    with gcp:
        result = phase(at_end)
    if not after:
        at_end()
    result["procs"] = ProcWatch.per_call(before, after, calls_of(result))
    result["gc"] = gcp.summary()
    return result


def run_sequential(client, n, payload, at_end):
    errors = []
    latencies = []
    lost = 0
    t0 = time.perf_counter()
    for seq in range(n):
        ms, ok = timed_call(client, seq, payload, errors)
        latencies.append(round(ms, 4))
        lost += 0 if ok else 1
    elapsed = time.perf_counter() - t0
    at_end()
    return {"calls": n, "lost": lost, "elapsed_s": elapsed, "per_s": n / elapsed,
            "latencies_ms": latencies, "errors": errors[:5]}


def run_concurrent(client, callers, per_caller, payload, at_end):
    errors = []
    latencies = []
    lost = [0]
    lock = threading.Lock()
    barrier = threading.Barrier(callers + 1)
    # The callers stay alive until at_end() has read their figures.
    finished = threading.Barrier(callers + 1)
    release = threading.Event()

    def caller(index):
        mine = []
        bad = 0
        barrier.wait()
        for i in range(per_caller):
            ms, ok = timed_call(client, index * per_caller + i, payload, errors)
            mine.append(round(ms, 4))
            bad += 0 if ok else 1
        with lock:
            latencies.extend(mine)
            lost[0] += bad
        finished.wait()
        release.wait()

    threads = [threading.Thread(target=caller, args=(i,)) for i in range(callers)]
    for t in threads:
        t.start()
    barrier.wait()
    t0 = time.perf_counter()
    finished.wait()
    elapsed = time.perf_counter() - t0
    at_end()
    release.set()
    for t in threads:
        t.join()
    total = callers * per_caller
    return {"calls": total, "callers": callers, "lost": lost[0], "elapsed_s": elapsed,
            "per_s": total / elapsed, "latencies_ms": latencies, "errors": errors[:5]}


def main():
    p = base_parser()
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--casts", type=int, default=1000)
    p.add_argument("--calls", type=int, default=500)
    p.add_argument("--concurrency", type=int, default=16)
    p.add_argument("--calls-per-caller", type=int, default=50)
    p.add_argument("--warmup-calls", type=int, default=50)
    p.add_argument("--call-timeout", type=float, default=10.0)
    p.add_argument("--ready-timeout", type=float, default=DEFAULT_READY_TIMEOUT_SECONDS)
    p.add_argument("--wait-file", default=None, help="wait for this file (the server's ready file) before probing")
    p.add_argument("--out", default=None, help="write the JSON results here (default: print them on stdout)")
    p.add_argument("--no-casts", action="store_true", help="skip the cast phase (calls only)")
    p.add_argument("--watch", action="append", default=[], metavar="NAME=PID|NAME=pgid:N",
                   help="a process on the call path whose CPU and scheduling to report per call (repeatable)")
    args = p.parse_args()
    watch = ProcWatch(["client=%d" % os.getpid()] + args.watch)
    gcp = GcPauses()

    conf = load_conf(args.config_file)
    payload = load_payload()
    transport = messaging.get_rpc_transport(conf)
    target = messaging.Target(topic=args.topic, server=args.server)
    client = messaging.get_rpc_client(transport, target, timeout=args.call_timeout)

    doc = {"executor": EXECUTOR, "transport_url": conf.transport_url, "rounds": []}
    try:
        t_ready = time.perf_counter()
        wait_for_server(client, payload, args.ready_timeout, args.wait_file)
        doc["ready_s"] = time.perf_counter() - t_ready
        warm_errors = []
        for i in range(args.warmup_calls):
            timed_call(client, i, payload, warm_errors)
        doc["warmup_errors"] = warm_errors[:5]
        doc["warmup_done_s"] = time.perf_counter() - t_ready
        for r in range(args.rounds):
            casts = None if args.no_casts else run_casts(client, r, args.casts, payload)
            doc["rounds"].append({
                "casts": casts,
                "sequential": watched(lambda at_end: run_sequential(client, args.calls, payload, at_end),
                                      watch, gcp, lambda res: res["calls"]),
                "concurrent": watched(lambda at_end: run_concurrent(client, args.concurrency,
                                                                    args.calls_per_caller, payload, at_end),
                                      watch, gcp, lambda res: res["calls"]),
            })
        doc["rounds_done_s"] = time.perf_counter() - t_ready
    except Exception as e:
        doc["error"] = "%s: %s" % (type(e).__name__, e)
    if args.out:
        write_json(args.out, doc)
    else:
        sys.stdout.write(json.dumps(doc) + "\n")
    transport.cleanup()
    return 0 if "error" not in doc else 1


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    # Driver threads that are not daemons (oslo's threading listeners) can
    # keep the interpreter alive for seconds after cleanup; the results are
    # written, so leave now.
    os._exit(code)
