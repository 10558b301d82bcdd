"""Legacy-style peers of the receiver, driven by interop/receiver-vectors.test.ts.

Runs on Debian's /usr/bin/python3 with python3-zmq, like the legacy driver:
a PUSH socket sends to the daemon's tcp PULL port, and local consumers
connect to the daemon's ipc sockets the legacy way:
  PULL on zmq_topic_<topic>            (direct topics)
  SUB ("") on zmq_topic_fanout~<base>  (fanout)
  SUB (msg_id) on zmq_topic_zmq_replies.<host>  (replies; a fresh SUB per call)

Usage: receiver_peer.py <mode> --port P --ipc-dir D
Modes: vectors, fanout, reply-isolation, late-reply, hostile.
Prints one JSON object per check on stdout: {"check", "case", "ok", "detail"}.
"""
import argparse
import json
import os
import sys
import time

import zmq

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from vectors import load_vectors  # noqa: E402

RECV_TIMEOUT_MS = 8000
SILENCE_MS = 500


def report(check, case, ok, detail=""):
    sys.stdout.write(json.dumps({"check": check, "case": case, "ok": bool(ok), "detail": detail}) + "\n")
    sys.stdout.flush()


def ipc_name(topic):
    """The legacy receiver's ipc naming: fanout cut at the first '.', others whole."""
    if topic.startswith("fanout~"):
        return "zmq_topic_" + topic.split(".", 1)[0]
    return "zmq_topic_" + topic


class Peers(object):
    def __init__(self, port, ipc_dir):
        self.ctx = zmq.Context()
        self.ipc_dir = ipc_dir
        self.push = self.ctx.socket(zmq.PUSH)
        self.push.setsockopt(zmq.LINGER, 2000)
        self.push.connect("tcp://127.0.0.1:%d" % port)
        self.pulls = {}
        self.fanout_subs = {}
        self.sockets = [self.push]

    def endpoint(self, topic):
        return "ipc://%s/%s" % (self.ipc_dir, ipc_name(topic))

    def _sock(self, kind):
        s = self.ctx.socket(kind)
        s.setsockopt(zmq.LINGER, 0)
        s.setsockopt(zmq.RCVTIMEO, RECV_TIMEOUT_MS)
        self.sockets.append(s)
        return s

    def pull(self, topic):
        """One long-lived PULL per ipc socket, as a legacy consumer service keeps it."""
        name = ipc_name(topic)
        if name not in self.pulls:
            s = self._sock(zmq.PULL)
            s.connect(self.endpoint(topic))
            self.pulls[name] = s
        return self.pulls[name]

    def sub(self, topic, prefix):
        s = self._sock(zmq.SUB)
        s.setsockopt(zmq.SUBSCRIBE, prefix)
        s.connect(self.endpoint(topic))
        return s

    def fanout(self, topic, count):
        """`count` long-lived subscribers of a fanout ipc socket, all known to be connected."""
        name = ipc_name(topic)
        if name not in self.fanout_subs:
            subs = [self.sub(topic, b"") for _ in range(count)]
            self._warm_up(topic, subs)
            self.fanout_subs[name] = subs
        return self.fanout_subs[name]

    def _warm_up(self, topic, subs):
        # Long-running legacy consumers are connected before traffic flows:
        # send marker fanouts until every subscriber has seen one.
        base = topic.split(".", 1)[0]
        seen = set()
        deadline = time.time() + 15
        n = 0
        while len(seen) < len(subs) and time.time() < deadline:
            n += 1
            self.push.send_multipart([b"0", (base + ".warmup").encode(), b"cast", b"warmup-%d" % n])
            for i, s in enumerate(subs):
                if i in seen:
                    continue
                if s.poll(200):
                    while s.poll(0):
                        s.recv_multipart()
                    seen.add(i)
        if len(seen) < len(subs):
            raise RuntimeError("fanout subscribers never all connected to %s" % topic)
        # Drain the markers still on their way.
        time.sleep(0.3)
        for s in subs:
            while s.poll(0):
                s.recv_multipart()

    def close(self):
        for s in self.sockets:
            s.close(0)
        self.ctx.term()


def recv(sock):
    try:
        return sock.recv_multipart()
    except zmq.Again:
        return None


def silent(sock, ms=SILENCE_MS):
    return not sock.poll(ms)


def describe(frames):
    if frames is None:
        return "nothing received"
    return "frames: %r" % [f[:80] for f in frames]


def mode_vectors(peers, args):
    """Every tcp message of every capture, replayed as-is; consumers must get the exact bytes."""
    for v in load_vectors():
        tcp = [m for m in v["messages"] if m["source"].startswith("tcp:")]
        ipc_seen = [m for m in v["messages"] if m["source"].startswith("ipc-sub:")]
        for i, m in enumerate(tcp):
            frames = m["frames"]
            topic = frames[1].decode("utf-8")
            case = "%s#%d %s" % (v["file"], i, topic)
            if topic.startswith("fanout~"):
                subs = peers.fanout(topic, args.subscribers)
                peers.push.send_multipart(frames)
                got = [recv(s) for s in subs]
                ok = all(g == frames for g in got)
                # What the legacy receiver put on its PUB socket, per the capture.
                for c in ipc_seen:
                    if c["source"].endswith("/" + ipc_name(topic)):
                        ok = ok and all(g == c["frames"] for g in got)
                report("vector-fanout", case, ok, "" if ok else "; ".join(describe(g) for g in got))
            elif topic.startswith("zmq_replies"):
                msg_id = frames[0]
                # A fresh SUB per call, exactly like the legacy caller; subscribed only now.
                caller = peers.sub(topic, msg_id)
                bystander = peers.sub(topic, b"f" * 32 if msg_id[:1] != b"f" else b"e" * 32)
                peers.push.send_multipart(frames)
                got = recv(caller)
                ok = got == frames
                for c in ipc_seen:
                    if c["source"].endswith("/" + ipc_name(topic)) and c["frames"][0] == msg_id:
                        ok = ok and got == c["frames"]
                quiet = silent(bystander)
                report("vector-reply", case, ok and quiet,
                       "" if ok and quiet else "%s; bystander quiet=%s" % (describe(got), quiet))
            else:
                consumer = peers.pull(topic)
                peers.push.send_multipart(frames)
                got = recv(consumer)
                report("vector-direct", case, got == frames, "" if got == frames else describe(got))


def mode_fanout(peers, args):
    """One fanout reaches every one of several subscribers, for every host suffix."""
    subs = peers.fanout("fanout~scheduler.x", args.subscribers)
    for host in ("h1", "h2", "localhost"):
        frames = [b"0", ("fanout~scheduler." + host).encode(), b"cast",
                  b'["{}", {"method": "update", "args": {"host": "%s"}}]' % host.encode()]
        peers.push.send_multipart(frames)
        got = [recv(s) for s in subs]
        report("fanout-all", host, all(g == frames for g in got), "; ".join(describe(g) for g in got))


def mode_reply_isolation(peers, args):
    """Concurrent callers on one reply socket each get only their own reply."""
    topic = "zmq_replies.localhost"
    ids = [("%032x" % (0xabc000 + i)).encode() for i in range(args.callers)]
    subs = dict((i, peers.sub(topic, i)) for i in ids)
    replies = {}
    for i in ids:
        replies[i] = [i, topic.encode(), b"cast",
                      b'["{}", {"method": "-process_reply", "args": {"msg_id": "%s", "response": [["r-%s"]]}}]' % (i, i)]
        peers.push.send_multipart(replies[i])
    for i in ids:
        got = recv(subs[i])
        extra = silent(subs[i], 200)
        report("reply-own", i.decode(), got == replies[i] and extra, describe(got))


def mode_late_reply(peers, args):
    """The reply arrives before its caller subscribes; the held reply still reaches it."""
    topic = "zmq_replies.localhost"
    msg_id = b"%032x" % 0x1a7e
    frames = [msg_id, topic.encode(), b"cast",
              b'["{}", {"method": "-process_reply", "args": {"msg_id": "%s", "response": [["late"]]}}]' % msg_id]
    peers.push.send_multipart(frames)
    time.sleep(args.delay)
    caller = peers.sub(topic, msg_id)
    got = recv(caller)
    report("late-reply", "%.1fs" % args.delay, got == frames, describe(got))


HOSTILE = [
    ("too_few_frames", [b"0"]),
    ("too_few_frames", [b"0", b"compute.localhost"]),
    ("path_separator", [b"0", b"../../etc/passwd", b"cast", b"[]"]),
    ("path_separator", [b"0", b"compute/x", b"cast", b"[]"]),
    ("path_separator", [b"0", b"compute\\x", b"cast", b"[]"]),
    ("nul", [b"0", b"comp\x00ute", b"cast", b"[]"]),
    ("dot_dot", [b"0", b"compute..x", b"cast", b"[]"]),
    ("invalid_utf8", [b"0", b"comp\xff\xfeute", b"cast", b"[]"]),
    ("empty", [b"0", b"", b"cast", b"[]"]),
    ("too_long", [b"0", b"t" * 300, b"cast", b"[]"]),
    ("unknown_style", [b"0", b"compute.localhost", b"pickle", b"[]"]),
]


def mode_hostile(peers, args):
    """Each hostile input, then a good message that must still be forwarded."""
    consumer = peers.pull("compute.localhost")
    for n, (problem, frames) in enumerate(HOSTILE):
        peers.push.send_multipart(frames)
        good = [b"0", b"compute.localhost", b"cast", b'["{}", {"method": "after", "args": {"n": %d}}]' % n]
        peers.push.send_multipart(good)
        got = recv(consumer)
        report("hostile", problem, got == good, describe(got))


MODES = {
    "vectors": mode_vectors,
    "fanout": mode_fanout,
    "reply-isolation": mode_reply_isolation,
    "late-reply": mode_late_reply,
    "hostile": mode_hostile,
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=sorted(MODES))
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--ipc-dir", required=True)
    ap.add_argument("--subscribers", type=int, default=3)
    ap.add_argument("--callers", type=int, default=8)
    ap.add_argument("--delay", type=float, default=1.0)
    args = ap.parse_args()
    peers = Peers(args.port, args.ipc_dir)
    try:
        MODES[args.mode](peers, args)
    finally:
        peers.close()


if __name__ == "__main__":
    main()
