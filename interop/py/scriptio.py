"""What every interop client script does at the end: one JSON result line.

The TypeScript side reads the last stdout line as JSON (interop/support/
shim-hosts.ts `run`). A failure becomes `{"fatal": <exception described>}`
so the test prints what went wrong instead of a parse error.
"""
import json
import os
import sys


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
