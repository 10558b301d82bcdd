"""A legacy impl_zmq node, for interop tests: pyzmq only, frames built with json.dumps.

usage: legacy_peer.py BIND_ADDR PORT [IPC_DIR TOPIC]
It binds its own "receiver" (PULL on tcp://BIND_ADDR:PORT), or, given
IPC_DIR and TOPIC, reads the ipc sockets of the receiver daemon of host
BIND_ADDR as a legacy consumer of TOPIC did (PULL on
zmq_topic_TOPIC.BIND_ADDR, SUB on zmq_topic_fanout~TOPIC). It reports every
message arriving there, and answers `-reply` wrapped calls the way a legacy
callee did: `echo` returns its `value`, `fail` fails with a legacy failure.
Commands on stdin, one JSON object a line:
  {"cmd": "call", "to": "tcp://H:P", "topic": T, "ctx": {...}, "msg": {...}, "msg_id": ID}
      sends a `-reply` wrapped call with reply topic zmq_replies.BIND_ADDR
  {"cmd": "cast", "to": ..., "topic": T, "ctx": {...}, "msg": {...}, "style": "cast"|"impl_zmq_v2"}
A call of `fail_py2` is answered with the reply of py2raise/call_raises.json
(the bare-raised failure of Python 2 nodes), msg_id and host swapped.
Events on stdout (JSON lines): ready, sent {frames_b64}, recv {frames_b64},
answered {msg_id, frames_b64}. EOF on stdin: close the sockets and exit.
"""
import base64
import json
import sys
import threading
import traceback

import zmq

sys.path.insert(0, __import__("os").path.join(__import__("os").path.dirname(
    __import__("os").path.abspath(__file__)), "..", "support"))
import vectors  # noqa: E402
from scriptio import emit  # noqa: E402

HOST, PORT = sys.argv[1], int(sys.argv[2])
IPC_DIR, TOPIC = (sys.argv[3], sys.argv[4]) if len(sys.argv) > 4 else (None, None)


def b64(frames):
    return [base64.b64encode(f).decode("ascii") for f in frames]


def cast_frames(msg_id, topic, ctx_text, message):
    # The legacy `cast` style: [<ctx as a JSON string>, <message object>].
    return [msg_id.encode(), topic.encode(), b"cast", json.dumps([ctx_text, message]).encode()]


def legacy_failure(exc_type, exc, tb):
    # The failure text a legacy callee put in `exc` (oslo serialize_remote_exception 2.5).
    return json.dumps({"class": exc_type.__name__, "module": exc_type.__module__,
                       "message": str(exc), "tb": traceback.format_exception(exc_type, exc, tb),
                       "args": list(exc.args), "kwargs": {}})


def reply_frames(msg_id, reply_topic, ctx_text, response):
    body = {"method": "-process_reply", "args": {"msg_id": msg_id, "response": response}}
    return cast_frames(msg_id, reply_topic, ctx_text, body)


class Node:
    def __init__(self):
        self.ctx = zmq.Context()
        self.inputs = []
        pull = self.ctx.socket(zmq.PULL)
        pull.linger = 0
        if IPC_DIR is None:
            pull.bind("tcp://%s:%d" % (HOST, PORT))
        else:
            pull.connect("ipc://%s/zmq_topic_%s.%s" % (IPC_DIR, TOPIC, HOST))
            sub = self.ctx.socket(zmq.SUB)
            sub.linger = 0
            sub.setsockopt(zmq.SUBSCRIBE, b"")
            sub.connect("ipc://%s/zmq_topic_fanout~%s" % (IPC_DIR, TOPIC))
            self.inputs.append(sub)
        self.inputs.append(pull)
        self.pushes = {}
        self.lock = threading.Lock()

    def push(self, addr, frames):
        with self.lock:
            sock = self.pushes.get(addr)
            if sock is None:
                sock = self.ctx.socket(zmq.PUSH)
                sock.linger = 2000
                sock.connect(addr)
                self.pushes[addr] = sock
            sock.send_multipart(frames)

    def serve(self):
        poller = zmq.Poller()
        for sock in self.inputs:
            poller.register(sock, zmq.POLLIN)
        while True:
            try:
                ready = poller.poll()
                batch = [(sock, sock.recv_multipart()) for sock, _ in ready]
            except zmq.ZMQError:
                # ETERM: close() terminated the context; the sockets are ours to close.
                for sock in self.inputs:
                    sock.close()
                return
            for sock, frames in batch:
                via = "pull" if sock is self.inputs[-1] else "sub"
                emit(event="recv", via=via, frames_b64=b64(frames))
                try:
                    self.answer(frames)
                except Exception as exc:  # noqa: BLE001 - reported to the test
                    emit(event="peer-error", error=repr(exc))

    def answer(self, frames):
        if len(frames) != 4 or frames[2] != b"cast":
            return
        ctx_text, message = json.loads(frames[3].decode())
        if message.get("method") == "-process_reply":
            # A legacy node's json.dumps of the same values gives these exact bytes.
            emit(event="reply", msg_id=frames[0].decode(),
                 redumped_b64=b64([json.dumps([ctx_text, message]).encode()]))
        if message.get("method") != "-reply":
            return
        args = message["args"]
        msg_id, reply_topic = args["msg_id"], args["topic"]
        inner_ctx, request = args["msg"]
        # The reply goes to the caller host's receiver, named after the first '.'.
        host = reply_topic.split(".", 1)[1]
        if request["method"] == "fail_py2":
            captured = [v for v in vectors.load_vectors()
                        if v["file"] == "py2raise/call_raises.json"][0]["messages"][1]["frames"]
            old_id = captured[0]
            out = [f.replace(old_id, msg_id.encode()).replace(
                b"zmq_replies.localhost", reply_topic.encode()) for f in captured]
            self.push("tcp://%s:%d" % (host, PORT), out)
            emit(event="answered", msg_id=msg_id, frames_b64=b64(out))
            return
        try:
            if request["method"] == "echo":
                response = [[request["args"]["value"]]]
            elif request["method"] == "fail":
                raise ValueError(request["args"].get("message", "legacy failure"))
            else:
                raise AttributeError("no method %s" % request["method"])
        except Exception:  # noqa: BLE001 - becomes the legacy failure reply
            response = [{"exc": legacy_failure(*sys.exc_info())}]
        out = reply_frames(msg_id, reply_topic, inner_ctx, response)
        self.push("tcp://%s:%d" % (host, PORT), out)
        emit(event="answered", msg_id=msg_id, frames_b64=b64(out))

    def command(self, cmd):
        ctx_text = json.dumps(cmd["ctx"])
        if cmd["cmd"] == "call":
            wrapper = {"method": "-reply", "args": {
                "msg_id": cmd["msg_id"], "topic": "zmq_replies.%s" % HOST,
                "msg": [ctx_text, cmd["msg"]]}}
            frames = cast_frames("0", cmd["topic"], ctx_text, wrapper)
            # What a legacy callee must send back for this call, built here the legacy way.
            if "expect_result" in cmd:
                emit(event="expected", msg_id=cmd["msg_id"], frames_b64=b64(reply_frames(
                    cmd["msg_id"], "zmq_replies.%s" % HOST, ctx_text, [[cmd["expect_result"]]])))
        elif cmd.get("style") == "impl_zmq_v2":
            # The envelope style: context JSON, then the flattened envelope pairs.
            frames = [b"0", cmd["topic"].encode(), b"impl_zmq_v2", ctx_text.encode(),
                      b"oslo.version", b"2.0", b"oslo.message", json.dumps(cmd["msg"]).encode()]
        else:
            frames = cast_frames("0", cmd["topic"], ctx_text, cmd["msg"])
        self.push(cmd["to"], frames)
        emit(event="sent", frames_b64=b64(frames))

    def close(self):
        with self.lock:
            for sock in self.pushes.values():
                sock.close()
        self.ctx.term()


def main():
    node = Node()
    server = threading.Thread(target=node.serve, daemon=True)
    server.start()
    emit(event="ready", host=HOST, port=PORT)
    for line in sys.stdin:
        if line.strip():
            try:
                node.command(json.loads(line))
            except Exception as exc:  # noqa: BLE001
                emit(event="peer-error", error=repr(exc))
    node.close()
    server.join(5)
    emit(event="stopped")


if __name__ == "__main__":
    main()
