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
    """Accumulates bytes from the socket and yields whole frames."""

    def __init__(self):
        self._buf = bytearray()

    def feed(self, data):
        self._buf += data
        out = []
        while len(self._buf) >= 4:
            (n,) = _LEN.unpack_from(self._buf, 0)
            if n > MAX_FRAME_BYTES:
                raise ProtocolError("daemon sent a frame of %d bytes (limit %d)"
                                    % (n, MAX_FRAME_BYTES))
            if len(self._buf) < 4 + n:
                break
            body = bytes(self._buf[4:4 + n])
            del self._buf[:4 + n]
            obj = msgpack.unpackb(body, raw=False)
            if not isinstance(obj, dict) or not isinstance(obj.get("op"), str):
                raise ProtocolError("daemon sent a frame that is not a map with a string op")
            out.append(obj)
        return out
