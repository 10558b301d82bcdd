"""A legacy local consumer for scripts/faults.ts: a pyzmq PULL on one of the
daemon's ipc sockets (Debian's /usr/bin/python3 with python3-zmq), printing
the sequence number of each legitimate message it takes, one per line.

Usage: fault_consumer.py <ipc endpoint>
"""
import re
import sys

import zmq

LEGIT = re.compile(rb"legit:[a-z_]+:(\d+)")


def main():
    ctx = zmq.Context()
    sock = ctx.socket(zmq.PULL)
    sock.connect(sys.argv[1])
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    while True:
        frames = sock.recv_multipart()
        m = LEGIT.search(frames[-1]) if frames else None
        if m:
            sys.stdout.write(m.group(1).decode() + "\n")
            sys.stdout.flush()


if __name__ == "__main__":
    main()
