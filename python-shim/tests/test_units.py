"""Shim parts that need no daemon: framing, value fidelity, failures,
legacy topic mapping, and the daemon-not-running error. Settings, options,
transport URL parameters and error translation: test_config.py."""
import json
import os
import socket
import struct
import tempfile
import threading
import unittest

import msgpack

from nova_zmq_bridge import codec, errors, failures, framing, impl_zmq
from nova_zmq_bridge.connection import LocalConnection


class AppError(Exception):
    pass


class FramingTest(unittest.TestCase):
    def test_roundtrip_split_across_reads(self):
        data = framing.encode_frame({"op": "hello", "rid": 1, "client": "x/é"})
        data += framing.encode_frame({"op": "ok", "rid": 2})
        self.assertEqual(struct.unpack(">I", data[:4])[0], len(msgpack.packb(
            {"op": "hello", "rid": 1, "client": "x/é"}, use_bin_type=True)))
        reader = framing.FrameReader()
        got = []
        for i in range(len(data)):
            got.extend(reader.feed(data[i:i + 1]))
        self.assertEqual(got, [{"op": "hello", "rid": 1, "client": "x/é"}, {"op": "ok", "rid": 2}])

    def test_oversized_length_is_a_protocol_error(self):
        reader = framing.FrameReader()
        with self.assertRaises(errors.ProtocolError):
            reader.feed(struct.pack(">I", framing.MAX_FRAME_BYTES + 1))

    def test_non_map_frame_is_a_protocol_error(self):
        body = msgpack.packb([1, 2], use_bin_type=True)
        with self.assertRaises(errors.ProtocolError):
            framing.FrameReader().feed(struct.pack(">I", len(body)) + body)


class CodecTest(unittest.TestCase):
    VALUE = {"f": 1.0, "big": 2 ** 63 - 1, "neg": -(2 ** 63), "text": "Grüße ☃ 𝄞",
             "nested": [[1, [2.5, {"a": None}]], {"t": True, "f": False}], "none": None}

    def test_types_survive(self):
        back = codec.loads(codec.dumps(self.VALUE))
        self.assertEqual(back, self.VALUE)
        self.assertIsInstance(back["f"], float)
        self.assertEqual(back["big"], 9223372036854775807)

    def test_text_is_what_a_legacy_node_writes(self):
        ctx = {"user_id": "u-anchor", "project_id": "p-anchor",
               "request_id": "req-00000000-0000-0000-0000-000000000001"}
        self.assertEqual(codec.dumps(ctx), json.dumps(ctx))
        self.assertTrue(codec.dumps(self.VALUE).isascii())


class FailuresTest(unittest.TestCase):
    def _serialized(self, exc):
        try:
            raise exc
        except Exception:
            import sys
            return failures.serialize(sys.exc_info())

    def test_legacy_fields(self):
        doc = json.loads(self._serialized(KeyError("k")))
        self.assertEqual(set(doc), {"class", "module", "message", "tb", "args", "kwargs"})
        self.assertEqual((doc["class"], doc["module"], doc["args"]), ("KeyError", "builtins", ["k"]))

    def test_builtin_rebuilt_other_modules_only_when_allowed(self):
        self.assertIsInstance(failures.deserialize(self._serialized(ValueError("v")), []), ValueError)
        text = self._serialized(AppError("boom", 7))
        self.assertIsInstance(failures.deserialize(text, []), failures.RemoteError)
        rebuilt = failures.deserialize(text, [AppError.__module__])
        self.assertIsInstance(rebuilt, AppError)
        self.assertEqual(rebuilt.args, ("boom", 7))


class LegacyTopicTest(unittest.TestCase):
    def test_topics(self):
        self.assertEqual(impl_zmq._target("compute"),
                         {"exchange": None, "topic": "compute", "server": None, "fanout": False})
        self.assertEqual(impl_zmq._target("compute.127.0.0.3")["server"], "127.0.0.3")
        t = impl_zmq._target("fanout~compute.h1")
        self.assertEqual((t["topic"], t["fanout"], t["server"]), ("compute", True, None))

    def test_socket_path_from_conf(self):
        class Conf:
            rpc_zmq_ipc_dir = "/tmp/x"
        self.assertEqual(impl_zmq.socket_path(Conf()), "/tmp/x/nova-zmq-bridge.sock")

    def test_context_objects(self):
        ctx = impl_zmq.RpcContext.from_dict({"user_id": "u"})
        self.assertEqual(ctx.user_id, "u")
        self.assertEqual(impl_zmq._context_dict(ctx), {"user_id": "u"})


def serve_one_connection(test, serve):
    """A unix socket at a fresh path whose first connection is handed to
    serve(conn) in a thread, then closed. Returns the path; when the test
    ends the thread is joined and the socket closed."""
    path = os.path.join(tempfile.mkdtemp(prefix="nzb-"), "s.sock")
    srv = socket.socket(socket.AF_UNIX)
    srv.bind(path)
    srv.listen(1)

    def accept():
        c, _ = srv.accept()
        try:
            serve(c)
        finally:
            c.close()
    t = threading.Thread(target=accept, daemon=True)
    t.start()
    test.addCleanup(srv.close)
    test.addCleanup(t.join, 10)
    return path


class DaemonUnavailableTest(unittest.TestCase):
    def test_message_names_socket_and_fix(self):
        path = os.path.join(tempfile.mkdtemp(prefix="nzb-"), "nova-zmq-bridge.sock")
        conn = LocalConnection(path, "test/0", connect_timeout=1)
        with self.assertRaises(errors.DaemonUnavailable) as cm:
            conn.request({"op": "stats"}, 1)
        self.assertIn(path, str(cm.exception))
        self.assertIn("--config-file", str(cm.exception))

    def test_oslo_driver_raises_messaging_exception_not_transport_error(self):
        import oslo_messaging
        from oslo_config import cfg
        from oslo_messaging._drivers.base import TransportDriverError
        d = tempfile.mkdtemp(prefix="nzb-")
        conf = cfg.ConfigOpts()
        conf([], default_config_files=[])
        from nova_zmq_bridge import opts
        opts.register(conf)
        conf.set_override("rpc_zmq_ipc_dir", d)
        transport = oslo_messaging.get_rpc_transport(conf, "zmq://")
        client = oslo_messaging.get_rpc_client(transport, oslo_messaging.Target(topic="t"), timeout=1)
        for fn in (client.call, client.cast):
            with self.assertRaises(oslo_messaging.MessagingException) as cm:
                fn({}, "m")
            self.assertNotIsInstance(cm.exception, TransportDriverError)
            self.assertIn(os.path.join(d, "nova-zmq-bridge.sock"), str(cm.exception))
        transport.cleanup()

    def test_connection_lost_fails_pending_request(self):
        # A unix socket that accepts, answers hello, then closes mid-request.
        def serve(c):
            reader = framing.FrameReader()
            frames = []
            while not frames:
                frames = reader.feed(c.recv(4096))
            c.sendall(framing.encode_frame({"op": "ok", "rid": frames[0]["rid"], "host": "h",
                                            "proto": 1, "response_timeout": 60}))
            c.recv(4096)  # the call
        path = serve_one_connection(self, serve)
        conn = LocalConnection(path, "test/0", connect_timeout=2)
        with self.assertRaises(errors.ConnectionLost):
            conn.request({"op": "call"}, 5)
        conn.close()

    def test_pipelined_request_refusal_is_logged_not_raised(self):
        # A cast sent with request_nowait: the daemon refuses it (NO_ROUTE);
        # the caller already returned, so the refusal must reach the log.
        def serve(c):
            reader = framing.FrameReader()
            answered = 0
            while answered < 3:
                for f in reader.feed(c.recv(4096)):
                    if f["op"] == "hello":
                        answer = {"op": "ok", "rid": f["rid"], "host": "h", "proto": 1,
                                  "response_timeout": 60}
                    elif f["op"] == "cast":
                        answer = {"op": "error", "rid": f["rid"], "code": "NO_ROUTE",
                                  "message": "no host for topic t"}
                    else:
                        answer = {"op": "ok", "rid": f["rid"], "counters": {}}
                    c.sendall(framing.encode_frame(answer))
                    answered += 1
            c.recv(4096)
        path = serve_one_connection(self, serve)
        conn = LocalConnection(path, "test/0", connect_timeout=2)
        with self.assertLogs("nova_zmq_bridge.connection", level="ERROR") as logs:
            self.assertIsNone(conn.request_nowait({"op": "cast", "target": {}, "ctx": "{}",
                                                   "msg": "{}"}, "cast of m to t"))
            # Answers come in order: once stats is answered, the refusal was handled.
            conn.request({"op": "stats"}, 5)
        self.assertTrue(any("cast of m to t" in line and "NO_ROUTE" in line
                            for line in logs.output), logs.output)
        self.assertEqual(conn._pending, {})
        conn.close()

    def test_reader_treats_eventlet_eof_as_a_closed_socket(self):
        # Eventlet raises EOFError (not OSError) when our own close() closes
        # the socket under a waiting green reader: the read ends quietly.
        conn = LocalConnection("/nonexistent/nzb.sock", "test/0")

        class ClosedUnderUs:
            mark = conn._mark

            def recv(self, timeout):
                raise EOFError()

            def close(self, shutdown=False):
                pass

        link = ClosedUnderUs()
        conn._link, conn._sock, conn._closed = link, object(), True
        self.assertEqual(conn._read_once(link, None), "lost")
        self.assertIsNone(conn._sock)
        self.assertIsNone(conn._link)


if __name__ == "__main__":
    unittest.main()
