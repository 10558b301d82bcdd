"""Scenarios of the shim's reader role against tests/fake_daemon.py, in one process.

    reader_role_scenarios.py SOCKET_PATH [--eventlet]

Prints one JSON object: what each scenario observed. Run by test_reader_role
under threading and under eventlet (monkey-patched first, as Nova does).
"""
import sys

if "--eventlet" in sys.argv:
    sys.argv.remove("--eventlet")
    import eventlet
    eventlet.monkey_patch()

import json  # noqa: E402
import os  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from nova_zmq_bridge import errors  # noqa: E402
from nova_zmq_bridge.connection import LocalConnection  # noqa: E402


def readers():
    return sum(1 for t in threading.enumerate() if t.name == "nova-zmq-bridge-reader")


def wait_until(cond, timeout=5.0):
    deadline = time.monotonic() + timeout
    while not cond() and time.monotonic() < deadline:
        time.sleep(0.01)
    return cond()


def main(path):
    out = {}
    conn = LocalConnection(path, "test/0", connect_timeout=2)
    # A caller alone reads its own answer: no reader thread is started.
    out["own"] = conn.request({"op": "echo", "value": "v1"}, 5).get("value")
    out["own_reader_threads"] = readers()

    # Eight callers at once, answered together in reverse order.
    got = {}

    def caller(i):
        got[i] = conn.request({"op": "echo", "value": "c%d" % i, "hold": 8}, 10).get("value")
    ts = [threading.Thread(target=caller, args=(i,)) for i in range(8)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    out["concurrent_ok"] = all(got.get(i) == "c%d" % i for i in range(8))

    # Sixteen callers answered one by one at staggered times, in rounds: whoever
    # reads hands over to a caller still waiting, never to one already answered.
    got = {}

    def staggered(i, r):
        delay = ((i * 7 + r * 3) % 16) * 0.003
        got[(i, r)] = conn.request({"op": "echo", "value": "s%d.%d" % (i, r), "delay": delay},
                                   5).get("value")
    for r in range(5):
        ts = [threading.Thread(target=staggered, args=(i, r)) for i in range(16)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
    out["staggered_ok"] = all(got.get((i, r)) == "s%d.%d" % (i, r) for i in range(16) for r in range(5))

    # A request nobody answers times out; the connection stays usable.
    try:
        conn.request({"op": "silent"}, 0.3)
        out["timeout"] = "no timeout"
    except errors.RequestTimeout:
        out["timeout"] = "RequestTimeout"
    out["after_timeout"] = conn.request({"op": "echo", "value": "v2"}, 5).get("value")

    # Pipelined casts: their answers are read although nobody waits for them.
    for _ in range(3):
        conn.request_nowait({"op": "cast"}, "cast of m to t")
    out["casts_drained"] = wait_until(lambda: not conn._pending)

    # The daemon drops the connection under a waiting caller: it fails; the next request reconnects.
    try:
        conn.request({"op": "bye"}, 5)
        out["bye"] = "answered"
    except errors.ConnectionLost:
        out["bye"] = "ConnectionLost"
    out["after_bye"] = conn.request({"op": "echo", "value": "v3"}, 5).get("value")
    out["connects"] = conn.connects

    # With a listener, deliveries arrive while callers wait; both get theirs.
    delivered = []
    lid = conn.listen({"kind": "rpc", "target": {"topic": "t"}}, delivered.append)
    conn.request({"op": "push", "lid": lid, "value": "d1"}, 5)
    out["delivered"] = [d.get("msg") for d in delivered]
    out["with_listener"] = conn.request({"op": "echo", "value": "v4", "delay": 0.05}, 5).get("value")

    # Everything at once: callers (some answered late), a caster, deliveries.
    results = []
    casts_sent = [0]

    def busy_caller(i):
        for k in range(25):
            delay = 0.004 if (i + k) % 5 == 0 else 0
            frame = {"op": "echo", "value": "m%d.%d" % (i, k), "delay": delay}
            if k % 10 == 3:
                frame = {"op": "push", "lid": lid, "value": "p%d.%d" % (i, k)}
            answer = conn.request(frame, 10)
            results.append(answer.get("value") == frame["value"] if frame["op"] == "echo" else True)

    def caster():
        for _ in range(100):
            conn.request_nowait({"op": "cast"}, "cast")
            casts_sent[0] += 1
    before = len(delivered)
    ts = [threading.Thread(target=busy_caller, args=(i,)) for i in range(8)]
    ts.append(threading.Thread(target=caster))
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    out["mixed_ok"] = (len(results) == 200 and all(results) and casts_sent[0] == 100
                       and wait_until(lambda: not conn._pending)
                       and wait_until(lambda: len(delivered) - before == 24))
    conn.close()
    return out


if __name__ == "__main__":
    sys.stdout.write(json.dumps(main(sys.argv[1])) + "\n")
    sys.stdout.flush()
    os._exit(0)
