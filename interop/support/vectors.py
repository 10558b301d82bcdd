"""Loader for the golden captures in ../shared/vectors (Python side).

Mirrors test/support/vectors.ts: some `call_raises` files are not strictly
valid JSON (a redaction broke the escaping of convenience fields), so when
strict parsing fails we extract `source` and `frames_b64` by pattern; the
base64 frames are the authoritative bytes.
"""
import base64
import json
import os
import re

_MSG_RE = re.compile(r'"source":\s*"([^"]*)",\s*"nframes":\s*(\d+),\s*"frames_b64":\s*\[([^\]]*)\]')


def vectors_dir():
    env = os.environ.get("NOVA_ZMQ_BRIDGE_VECTORS")
    if env:
        return os.path.abspath(env)
    here = os.path.dirname(os.path.abspath(__file__))
    for cand in (os.path.join(here, "..", "..", "..", "shared", "vectors"),
                 os.path.join(os.getcwd(), "..", "shared", "vectors")):
        if os.path.isdir(cand):
            return os.path.abspath(cand)
    raise RuntimeError("golden vectors not found; set NOVA_ZMQ_BRIDGE_VECTORS")


def _field(text, name):
    m = re.search(r'"%s":\s*"([^"]*)"' % re.escape(name), text)
    if not m:
        raise ValueError("vector field %s missing" % name)
    return m.group(1)


def parse_vector(text, rel):
    try:
        doc = json.loads(text)
    except ValueError:
        doc = None
    if doc is not None:
        msgs = [{"source": m["source"],
                 "frames": [base64.b64decode(b) for b in m["frames_b64"]]}
                for m in doc["messages"]]
        return {"file": rel, "case": doc["case"], "matchmaker": doc["matchmaker"],
                "rpc_zmq_host": doc["rpc_zmq_host"], "topic": doc["topic"], "messages": msgs}
    head = text[:text.index('"messages"')]
    msgs = []
    for m in _MSG_RE.finditer(text):
        frames = [base64.b64decode(b) for b in json.loads("[%s]" % m.group(3))]
        assert len(frames) == int(m.group(2)), rel
        msgs.append({"source": m.group(1), "frames": frames})
    return {"file": rel, "case": _field(head, "case"), "matchmaker": _field(head, "matchmaker"),
            "rpc_zmq_host": _field(head, "rpc_zmq_host"), "topic": _field(head, "topic"),
            "messages": msgs}


def load_vectors(directory=None):
    directory = directory or vectors_dir()
    out = []
    for root, _dirs, files in sorted(os.walk(directory)):
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
