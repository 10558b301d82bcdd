"""Remote failures in the legacy format, for callers without oslo.messaging.

``{"class", "module", "message", "tb", "args", "kwargs"}``, exactly the
fields oslo's serialize_remote_exception writes (the oslo driver uses oslo's
own helpers; the legacy module API uses these).
"""
import sys
import traceback

from . import codec

_REMOTE_POSTFIX = "_Remote"
#: Modules whose exceptions anyone may rebuild (Python 2 called builtins "exceptions").
BUILTIN_MODULES = ("exceptions", "builtins", "__builtin__")


class RemoteError(Exception):
    """A remote failure whose class may not be rebuilt here (module not allowed)."""

    def __init__(self, exc_type=None, value=None, traceback=None):
        self.exc_type = exc_type
        self.value = value
        self.traceback = traceback
        super().__init__("Remote error: %s %s\n%s" % (exc_type, value, traceback))


def serialize(exc_info):
    exc = exc_info[1]
    cls_name = exc.__class__.__name__
    mod_name = exc.__class__.__module__
    if cls_name.endswith(_REMOTE_POSTFIX) and mod_name.endswith(_REMOTE_POSTFIX):
        cls_name = cls_name[:-len(_REMOTE_POSTFIX)]
        mod_name = mod_name[:-len(_REMOTE_POSTFIX)]
    return codec.dumps({"class": cls_name, "module": mod_name, "message": str(exc),
                        "tb": traceback.format_exception(*exc_info),
                        "args": list(exc.args), "kwargs": getattr(exc, "kwargs", {}) or {}})


def deserialize(text, allowed_modules):
    failure = codec.loads(text)
    trace = failure.get("tb") or []
    message = failure.get("message", "")
    name, module = failure.get("class"), failure.get("module")
    if module in BUILTIN_MODULES:
        module = "builtins"
    if module != "builtins" and module not in (allowed_modules or ()):
        return RemoteError(name, message, "\n".join(trace))
    try:
        __import__(module)
        klass = getattr(sys.modules[module], name)
        if not (isinstance(klass, type) and issubclass(klass, Exception)):
            raise TypeError("not an exception class")
        return klass(*failure.get("args", []), **failure.get("kwargs", {}))
    except (AttributeError, TypeError, ImportError, ValueError):
        return RemoteError(name, message, "\n".join(trace))
