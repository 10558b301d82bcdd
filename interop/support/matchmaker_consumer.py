"""A legacy-protocol consumer, as an impl_zmq service on a host reads its
receiver's ipc sockets: PULL on zmq_topic_<topic>.<host> and SUB (everything)
on zmq_topic_fanout~<topic>, for each topic given.

usage: matchmaker_consumer.py IPC_DIR HOST TOPIC [TOPIC...]
Prints "ready", then one JSON line per message: {"via": "pull"|"sub",
"frames": [...]} (frames decoded as UTF-8). Exits when stdin closes.
"""
import json
import sys
import threading

import zmq


def main():
    ipc_dir, host, topics = sys.argv[1], sys.argv[2], sys.argv[3:]
    ctx = zmq.Context()
    poller = zmq.Poller()
    socks = {}
    for topic in topics:
        pull = ctx.socket(zmq.PULL)
        pull.connect("ipc://%s/zmq_topic_%s.%s" % (ipc_dir, topic, host))
        sub = ctx.socket(zmq.SUB)
        sub.setsockopt(zmq.SUBSCRIBE, b"")
        sub.connect("ipc://%s/zmq_topic_fanout~%s" % (ipc_dir, topic))
        for s, via in ((pull, "pull"), (sub, "sub")):
            poller.register(s, zmq.POLLIN)
            socks[s] = via
    stop = threading.Event()

    def watch_stdin():
        sys.stdin.read()
        stop.set()

    threading.Thread(target=watch_stdin, daemon=True).start()
    print("ready", flush=True)
    while not stop.is_set():
        for s, _ in poller.poll(100):
            frames = s.recv_multipart()
            line = {"via": socks[s], "frames": [f.decode("utf-8") for f in frames]}
            print(json.dumps(line), flush=True)
    for s in socks:
        s.close(0)
    ctx.term()


if __name__ == "__main__":
    main()
