"""An exception module the interop clients allow (allowed_remote_exmods)."""


class BridgeTestError(Exception):
    def __init__(self, message, code=None):
        super().__init__(message, code)
        self.code = code


class HiddenError(Exception):
    """Raised from a module the clients do NOT allow: becomes RemoteError."""
