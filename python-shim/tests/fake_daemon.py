"""A stand-in for the daemon's local API, for tests of the shim's I/O loop.

Real unix sockets and the real framing; what it answers is up to the test:

- ``hello``: ok (host "h");
- ``echo``: ok carrying ``value`` back, after ``delay`` seconds if given; with
  ``hold`` set, answers are held until ``hold`` echo requests arrived, then
  all written at once in reverse order (one write, out of order);
- ``cast``, ``listen``, ``unlisten``: ok;
- ``push``: a delivery to listener ``lid`` (msg ``value``), then ok;
- ``silent``: no answer at all;
- ``bye``: the connection is closed without an answer.

Usable from another process: ``python fake_daemon.py PATH`` serves until
stdin closes.
"""
import os
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from nova_zmq_bridge import framing  # noqa: E402


class FakeDaemon:
    def __init__(self, path):
        self.path = path
        self.accepted = 0
        self._srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._srv.bind(path)
        self._srv.listen(16)
        self._conns = []
        self._stopping = False
        self._thread = threading.Thread(target=self._accept_loop, daemon=True)
        self._thread.start()

    def _accept_loop(self):
        while not self._stopping:
            try:
                c, _ = self._srv.accept()
            except OSError:
                return
            self.accepted += 1
            self._conns.append(c)
            threading.Thread(target=self._serve, args=(c,), daemon=True).start()

    def _serve(self, c):
        reader = framing.FrameReader()
        held = []
        lock = threading.Lock()

        def send(frames):
            with lock:
                c.sendall(b"".join(framing.encode_frame(f) for f in frames))

        while True:
            try:
                data = c.recv(65536)
            except OSError:
                return
            if not data:
                return
            for f in reader.feed(data):
                op, rid = f.get("op"), f.get("rid")
                if op == "hello":
                    send([{"op": "ok", "rid": rid, "host": "h", "proto": 1, "version": "fake",
                           "response_timeout": 60}])
                elif op == "echo":
                    answer = {"op": "ok", "rid": rid, "value": f.get("value")}
                    if f.get("hold"):
                        held.append(answer)
                        if len(held) >= f["hold"]:
                            send(list(reversed(held)))
                            held = []
                    elif f.get("delay"):
                        threading.Timer(f["delay"], send, args=([answer],)).start()
                    else:
                        send([answer])
                elif op in ("cast", "listen", "unlisten"):
                    send([{"op": "ok", "rid": rid}])
                elif op == "push":
                    send([{"op": "deliver", "lid": f["lid"], "ctx": "{}", "msg": f.get("value"),
                           "reply_to": None, "monitor": None},
                          {"op": "ok", "rid": rid}])
                elif op == "bye":
                    c.close()
                    return
                # "silent" and anything else: no answer

    def close(self):
        self._stopping = True
        try:
            self._srv.close()
        except OSError:
            pass
        for c in self._conns:
            try:
                c.shutdown(socket.SHUT_RDWR)
                c.close()
            except OSError:
                pass


if __name__ == "__main__":
    d = FakeDaemon(sys.argv[1])
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    sys.stdin.read()
    d.close()
    time.sleep(0.05)
