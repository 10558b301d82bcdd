"""Exceptions from a module no client allows (they arrive as RemoteError)."""


class HiddenError(Exception):
    pass
