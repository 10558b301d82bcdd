"""Local-API framing: 4-byte big-endian length, then one msgpack map."""
import struct

import msgpack

from .errors import ProtocolError

#: Largest frame the daemon accepts or sends (docs/local-api.md), in bytes.
MAX_FRAME_BYTES = 64 * 1024 * 1024
_LEN = struct.Struct(">I")


def encode_frame(obj):
    body = msgpack.packb(obj, use_bin_type=True)
    if len(body) > MAX_FRAME_BYTES:
        raise ProtocolError("local-API frame of %d bytes exceeds the %d byte limit"
                            % (len(body), MAX_FRAME_BYTES))
    return _LEN.pack(len(body)) + body


class FrameReader:
    """Accumulates bytes from the socket and yields whole frames.

    ``feed`` takes any bytes-like object (the reader passes a view of its
    receive buffer). Whole frames are decoded straight from it; only an
    incomplete tail is copied, to wait for the rest.
    """

    def __init__(self):
        self._buf = bytearray()

    def feed(self, data):
        if self._buf:
            self._buf += data
            data = self._buf
        out = []
        with memoryview(data) as view:
            pos, end = 0, len(view)
            while end - pos >= 4:
                (n,) = _LEN.unpack_from(view, pos)
                if n > MAX_FRAME_BYTES:
                    raise ProtocolError("daemon sent a frame of %d bytes (limit %d)"
                                        % (n, MAX_FRAME_BYTES))
                if end - pos - 4 < n:
                    break
                obj = msgpack.unpackb(view[pos + 4:pos + 4 + n], raw=False)
                pos += 4 + n
                if not isinstance(obj, dict) or not isinstance(obj.get("op"), str):
                    raise ProtocolError("daemon sent a frame that is not a map with a string op")
                out.append(obj)
            rest = bytearray(view[pos:]) if pos < end else bytearray()
        self._buf = rest
        return out
