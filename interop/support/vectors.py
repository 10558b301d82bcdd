"""Loader for the golden captures in test/vectors (Python side).

Mirrors test/support/vectors.ts: every capture is strict JSON (kept so by
test/vectors.test.ts) and a message's `frames_b64` are its exact bytes.
"""
import base64
import json
import os


def vectors_dir():
    """The captures ship with the repository: test/vectors."""
    here = os.path.dirname(os.path.abspath(__file__))
    return os.path.abspath(os.path.join(here, "..", "..", "test", "vectors"))


def parse_vector(text, rel):
    try:
        doc = json.loads(text)
    except ValueError as err:
        raise ValueError("%s: capture is not valid JSON (%s)" % (rel, err))
    msgs = []
    for i, m in enumerate(doc["messages"]):
        frames = [base64.b64decode(b) for b in m["frames_b64"]]
        if len(frames) != m["nframes"]:
            raise ValueError("%s: message %d has %d frames, nframes says %d"
                             % (rel, i, len(frames), m["nframes"]))
        msgs.append({"source": m["source"], "frames": frames})
    return {"file": rel, "case": doc["case"], "matchmaker": doc["matchmaker"],
            "rpc_zmq_host": doc["rpc_zmq_host"], "topic": doc["topic"], "messages": msgs}


def load_vectors(directory=None):
    directory = directory or vectors_dir()
    out = []
    for root, dirs, files in os.walk(directory):
        dirs.sort()
        for name in sorted(files):
            if not name.endswith(".json"):
                continue
            path = os.path.join(root, name)
            with open(path, encoding="utf-8") as f:
                text = f.read()
            if '"messages"' not in text:
                continue
            out.append(parse_vector(text, os.path.relpath(path, directory)))
    return out
