"""Local processes for the security tests (test/security-local.test.ts).

usage: security_local.py MODE ARGS...; prints JSON lines on stdout.
  hello SOCKET              the shim's connection: connect and say hello
  forge SOCKET MSGID TOPIC  a raw client replying (with a rid) to a call it never received
  attacker SOCKET           a listener on SOCKET; prints {"event": "ready"}, then
                            {"event": "conn", "bytes": N} for each client once it hung up,
                            and a summary when stdin closes
  oslo_call CONF            an oslo.messaging call whose context carries an auth token and
                            whose arguments carry a password, through the shim
Run as another user (setpriv) where the test needs one.
"""
import json
import os
import socket
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from scriptio import describe  # noqa: E402


def say(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def hello(path):
    from nova_zmq_bridge.connection import LocalConnection
    conn = LocalConnection(path, "security-test/0", connect_timeout=5)
    try:
        conn.ensure_connected()
        say({"ok": True, "host": conn.host, "uid": os.geteuid()})
    except Exception as exc:  # noqa: BLE001
        say({"ok": False, "error": describe(exc), "code": getattr(exc, "code", None)})
    finally:
        conn.close(drain_timeout=0)


def forge(path, msg_id, topic):
    from nova_zmq_bridge.framing import FrameReader, encode_frame
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect(path)
    reader = FrameReader()
    s.sendall(encode_frame({"op": "hello", "rid": 1, "pid": os.getpid(), "client": "forger", "proto": 1}))
    s.sendall(encode_frame({"op": "reply", "rid": 2, "reply_to": [msg_id, topic],
                            "ctx": "{}", "result": "\"forged\""}))
    answers = {}
    while 2 not in answers:
        data = s.recv(65536)
        if not data:
            break
        for f in reader.feed(data):
            answers[f.get("rid")] = f
    s.close()
    say({"hello": answers.get(1, {}).get("op"), "reply": answers.get(2)})


def attacker(path):
    if os.path.exists(path):
        os.unlink(path)
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    os.chmod(path, 0o777)
    srv.listen(8)
    stats = {"connections": 0, "bytes": 0}

    def serve():
        while True:
            try:
                c, _ = srv.accept()
            except OSError:
                return
            stats["connections"] += 1
            c.settimeout(10)
            got = 0
            try:
                while True:
                    data = c.recv(65536)
                    if not data:
                        break
                    got += len(data)
            except OSError:
                pass
            c.close()
            stats["bytes"] += got
            say({"event": "conn", "bytes": got})

    threading.Thread(target=serve, daemon=True).start()
    say({"event": "ready", "uid": os.geteuid()})
    sys.stdin.read()
    srv.close()
    say(dict(stats, event="done"))


def oslo_call(conf_path):
    import oslo_messaging
    from oslo_config import cfg
    conf = cfg.ConfigOpts()
    conf([], default_config_files=[conf_path])
    t = oslo_messaging.get_rpc_transport(conf, "zmq://")
    client = oslo_messaging.get_rpc_client(t, oslo_messaging.Target(topic="compute"), timeout=5)
    try:
        client.call({"auth_token": "gAAAAA-secret-token", "user_id": "admin"}, "set_admin_password",
                    new_pass="admin-password-123")
        say({"ok": True})
    except Exception as exc:  # noqa: BLE001
        say({"ok": False, "error": describe(exc)})
    finally:
        t.cleanup()
    os._exit(0)


if __name__ == "__main__":
    mode, args = sys.argv[1], sys.argv[2:]
    {"hello": hello, "forge": forge, "attacker": attacker, "oslo_call": oslo_call}[mode](*args)
