"""OpenStack Placement (Debian python3-placement 8, Zed) for the Nova services test.

usage: placement_server.py WORKDIR
Placement's own WSGI application (placement.wsgi.init_application) on a
sqlite database in WORKDIR (schema made at start-up), with its `noauth2`
strategy (a token `admin` is an admin), served by the standard library's
WSGI server on 127.0.0.1 and a port the OS picks. Prints
{"event": "ready", "port": N} and serves until stdin closes.
"""
import os
import sys
import threading
from wsgiref import simple_server

from scriptio import emit, wait_for_stdin_close

WORKDIR = sys.argv[1]


class QuietHandler(simple_server.WSGIRequestHandler):
    def log_message(self, *args):  # placement logs its requests itself
        pass


def main():
    conf_dir = os.path.join(WORKDIR, "placement")
    os.makedirs(conf_dir, exist_ok=True)
    with open(os.path.join(conf_dir, "placement.conf"), "w") as f:
        f.write("\n".join([
            "[api]",
            "auth_strategy = noauth2",
            "[placement_database]",
            "connection = sqlite:///%s" % os.path.join(conf_dir, "placement.sqlite"),
            "sync_on_startup = true",
        ]) + "\n")
    os.environ["OS_PLACEMENT_CONFIG_DIR"] = conf_dir
    from placement import wsgi

    app = wsgi.init_application()
    server = simple_server.make_server("127.0.0.1", 0, app, handler_class=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    emit(event="ready", port=server.server_port)
    wait_for_stdin_close()
    server.shutdown()
    emit(event="stopped")


if __name__ == "__main__":
    main()
