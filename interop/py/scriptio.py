"""What the interop scripts share: their JSON lines on stdout.

A server script (a peer: interop/support/shim-hosts.ts `startPeer`) prints
one JSON event per line - {"event": "ready"} once serving, then what the
test observes - and runs until the test closes its stdin.

A client script prints one JSON result line at the end: the TypeScript side
reads the last stdout line as JSON (shim-hosts.ts `run`). A failure becomes
`{"fatal": <exception described>}` so the test prints what went wrong
instead of a parse error.

Standard library only: helpers run with Debian's python3 without the venv
(legacy_peer.py) or copied alone with this module (test/security-local).
Imported after eventlet.monkey_patch() where a script uses eventlet.
"""
import json
import os
import select
import sys
import threading

_out_lock = threading.Lock()


def describe(exc):
    """An exception as JSON: class, its MRO names, module, text and simple args."""
    return {"type": type(exc).__name__, "mro": [c.__name__ for c in type(exc).__mro__],
            "module": type(exc).__module__, "str": str(exc)[:2000],
            "args": [a if isinstance(a, (str, int, float, type(None))) else repr(a)
                     for a in getattr(exc, "args", ())]}


def report_and_exit(fn, *args):
    """Run fn(*args), print its result (or the failure) as one JSON line, exit at once.

    os._exit: oslo.messaging 14's metrics client leaves a non-daemon thread
    that delays interpreter exit by ~10 s; nothing is pending at this point.
    """
    try:
        result = fn(*args)
    except Exception as exc:  # noqa: BLE001
        result = {"fatal": describe(exc)}
    sys.stdout.write(json.dumps(result) + "\n")
    sys.stdout.flush()
    os._exit(0)


def emit(**event):
    """Print one JSON event line (whole lines even when threads emit at once)."""
    with _out_lock:
        sys.stdout.write(json.dumps(event) + "\n")
        sys.stdout.flush()


def wait_for_stdin_close():
    """Return once the test closes our stdin.

    select() is green under eventlet, so waiting here never blocks the hub
    (a plain stdin.read() would).
    """
    while True:
        select.select([0], [], [])
        if not os.read(0, 4096):
            return


def serve_until_stdin_closes(server, cleanup, **names):
    """Start an oslo.messaging server (RPC server or notification listener),
    emit ready (with the pid and `names`), serve until stdin closes, then
    stop and wait for it, call cleanup() (the transport's) and emit stopped.
    """
    server.start()
    emit(event="ready", pid=os.getpid(), **names)
    wait_for_stdin_close()
    server.stop()
    server.wait()
    cleanup()
    emit(event="stopped", **names)
