"""A legacy-API consumer: ``rpc_backend = nova_zmq_bridge.impl_zmq`` style.

usage: legacy_module.py IPC_DIR TOPIC NAME
Consumes TOPIC with impl_zmq.create_connection().create_consumer() (the old
Folsom-Havana module API) on the daemon found in IPC_DIR. Prints JSON lines:
ready, cast {method, note, ctxt}, sleeping {seconds}; stops when stdin closes.
"""
import os
import sys
import time
import types

from nova_zmq_bridge import impl_zmq

from scriptio import emit, wait_for_stdin_close

IPC_DIR, TOPIC, NAME = sys.argv[1:4]


class Proxy:
    """What the old rpc layer handed create_consumer(): methods taking (context, **args)."""

    def echo(self, context, value):
        return {"value": value, "name": NAME, "user_id": context.user_id}

    def fail(self, context, message):
        raise ValueError(message)

    def record(self, context, note):
        emit(event="cast", name=NAME, note=note, ctxt=context.to_dict())

    def sleep(self, context, seconds):
        emit(event="sleeping", name=NAME, seconds=seconds)
        time.sleep(seconds)
        return {"slept": seconds, "name": NAME}


def main():
    conf = types.SimpleNamespace(rpc_zmq_ipc_dir=IPC_DIR, rpc_response_timeout=30)
    conn = impl_zmq.create_connection(conf)
    conn.create_consumer(TOPIC, Proxy(), fanout=False)
    conn.create_consumer(TOPIC, Proxy(), fanout=True)
    conn.consume_in_thread()
    emit(event="ready", name=NAME, pid=os.getpid())
    wait_for_stdin_close()
    conn.close()
    impl_zmq.cleanup()
    emit(event="stopped", name=NAME)


if __name__ == "__main__":
    main()
