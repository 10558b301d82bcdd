"""The reader role (connection.py) against a stand-in daemon over a real unix
socket, under threading and under eventlet: a lone caller reads its own
answer (no reader thread), concurrent callers each get theirs, timeouts leave
the connection usable, cast answers are read with nobody waiting, a dropped
connection fails its caller and the next request reconnects, deliveries and
calls share the connection."""
import json
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from fake_daemon import FakeDaemon  # noqa: E402

EXPECTED = {
    "own": "v1",
    "own_reader_threads": 0,
    "concurrent_ok": True,
    "staggered_ok": True,
    "timeout": "RequestTimeout",
    "after_timeout": "v2",
    "casts_drained": True,
    "bye": "ConnectionLost",
    "after_bye": "v3",
    "connects": 2,
    "delivered": ["d1"],
    "with_listener": "v4",
    "mixed_ok": True,
}


class ReaderRoleTest(unittest.TestCase):
    def run_scenarios(self, *flags):
        d = tempfile.mkdtemp(prefix="nzb-")
        path = os.path.join(d, "api.sock")
        daemon = FakeDaemon(path)
        try:
            r = subprocess.run([sys.executable, os.path.join(HERE, "reader_role_scenarios.py"), path]
                               + list(flags), capture_output=True, text=True, timeout=60)
        finally:
            daemon.close()
        self.assertEqual(r.returncode, 0, r.stderr)
        return json.loads(r.stdout.strip().splitlines()[-1])

    def test_threading(self):
        self.assertEqual(self.run_scenarios(), EXPECTED)

    def test_eventlet(self):
        self.assertEqual(self.run_scenarios("--eventlet"), EXPECTED)


if __name__ == "__main__":
    unittest.main()
