#!/usr/bin/python3
"""One-off repair of the legacy captures in test/vectors (kept for provenance).

The `call_raises.json` captures arrived with broken `frames_utf8` / `decoded`
convenience fields: a path redaction inside the traceback text swallowed the
JSON escaping, so the files did not parse. Their `frames_b64` (the exact
bytes on the wire) were intact. This script rebuilds both convenience fields
from `frames_b64` using the same layout as the intact captures.

Usage:
  scripts/repair-vectors.py --check DIR   rebuild every capture in memory and
                                          report which ones differ from disk
  scripts/repair-vectors.py --write FILE  rewrite FILE with rebuilt fields

`--check` on the intact captures must report them unchanged: that is what
shows the rebuild matches how the capture tool wrote the fields.
"""
import base64
import json
import os
import sys

CAST_FRAME3 = "[<context as JSON *string*>, <message dict>]"


def decode_message(frames):
    """The `decoded` convenience parse of one message's frames (bytes)."""
    text = [f.decode("utf-8") for f in frames]
    out = {"msg_id": text[0], "topic": text[1], "envelope_style": text[2]}
    if text[2] == "cast":
        ctx_json, message = json.loads(text[3])
        out["frame3_json"] = CAST_FRAME3
        out["context"] = json.loads(ctx_json)
        out["message"] = message
        args = message.get("args") or {}
        if message.get("method") == "-reply":
            out["reply_wrapper_inner_context"] = json.loads(args["msg"][0])
            out["reply_wrapper_inner_message"] = args["msg"][1]
        elif message.get("method") == "-process_reply":
            first = (args.get("response") or [None])[0]
            if isinstance(first, dict) and "exc" in first:
                out["exc_decoded"] = json.loads(first["exc"])
    elif text[2] == "impl_zmq_v2":
        out["context"] = json.loads(text[3])
        pairs = text[4:]
        keys = pairs[0::2]
        out["envelope_keys_in_wire_order"] = keys
        out["envelope"] = dict(zip(keys, pairs[1::2]))
        if "oslo.message" in out["envelope"]:
            out["oslo.message_decoded"] = json.loads(out["envelope"]["oslo.message"])
    else:
        raise ValueError("unknown envelope style %r" % text[2])
    return out


def rebuild(doc):
    messages = []
    for m in doc["messages"]:
        frames = [base64.b64decode(b, validate=True) for b in m["frames_b64"]]
        if len(frames) != m["nframes"]:
            raise ValueError("nframes %d but %d frames" % (m["nframes"], len(frames)))
        messages.append({
            "source": m["source"],
            "nframes": m["nframes"],
            "frames_b64": m["frames_b64"],
            "frames_utf8": [f.decode("utf-8") for f in frames],
            "t_rel": m["t_rel"],
            "decoded": decode_message(frames),
        })
    doc["messages"] = messages
    return json.dumps(doc, indent=1) + "\n"


def strip_convenience(text):
    """Drop the (possibly broken) `frames_utf8` and `decoded` blocks.

    The captures are written with a 1-space indent, so inside a message both
    keys sit at exactly 3 spaces and their blocks close at 3 spaces too.
    """
    out, skipping = [], None
    for line in text.split("\n"):
        if skipping is not None:
            if line.rstrip(",") == skipping:
                skipping = None
            continue
        if line == '   "frames_utf8": [':
            skipping = "   ]"
            continue
        if line == '   "decoded": {':
            skipping = "   }"
            # `decoded` is the last key: drop the comma the previous line had
            out[-1] = out[-1].rstrip(",")
            continue
        out.append(line)
    return "\n".join(out)


def load_lenient(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    try:
        return json.loads(text), text
    except ValueError:
        return json.loads(strip_convenience(text)), text


def main(argv):
    mode, target = argv[1], argv[2]
    if mode == "--check":
        bad = 0
        for root, _dirs, files in sorted(os.walk(target)):
            for name in sorted(files):
                path = os.path.join(root, name)
                if not name.endswith(".json"):
                    continue
                doc, text = load_lenient(path)
                if "messages" not in doc:
                    continue
                same = rebuild(doc) == text
                bad += not same
                print("%-10s %s" % ("same" if same else "DIFFERS", path))
        return 1 if bad else 0
    if mode == "--write":
        doc, _text = load_lenient(target)
        with open(target, "w", encoding="utf-8") as f:
            f.write(rebuild(doc))
        return 0
    raise SystemExit(__doc__)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
