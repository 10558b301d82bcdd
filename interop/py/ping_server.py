"""An oslo.messaging RPCServer on the shim configured the way Nova is: the
global cfg.CONF loaded from the host's nova.conf, so `[DEFAULT]
rpc_ping_enabled` there decides whether it answers oslo_rpc_server_ping.

usage: ping_server.py CONF TOPIC SERVER [noping]
`noping` forces rpc_ping_enabled off whatever the file says.
Prints {"event": "ready"} once serving; stops when stdin closes ({"event": "stopped"}).
"""
import sys

import oslo_messaging
from oslo_config import cfg
from oslo_messaging.rpc import dispatcher

from scriptio import serve_until_stdin_closes

CONF_FILE, TOPIC, SERVER = sys.argv[1:4]
NOPING = len(sys.argv) > 4 and sys.argv[4] == "noping"


class Endpoint:
    def whoami(self, ctxt):
        return SERVER


def main():
    cfg.CONF([], project="nova", default_config_files=[CONF_FILE])
    if NOPING:
        cfg.CONF.register_opts(dispatcher._dispatcher_opts)
        cfg.CONF.set_override("rpc_ping_enabled", False)
    transport = oslo_messaging.get_rpc_transport(cfg.CONF, "zmq://")
    target = oslo_messaging.Target(topic=TOPIC, server=SERVER)
    server = oslo_messaging.get_rpc_server(transport, target, [Endpoint()], executor="threading")
    serve_until_stdin_closes(server, transport.cleanup)


if __name__ == "__main__":
    main()
