"""One process's connection to the local nova-zmq-bridge daemon.

A reader thread demultiplexes the daemon's frames: answers by ``rid`` to the
waiting request, deliveries by ``lid`` to the listener's sink. The
connection belongs to one process: a forked child drops the parent's socket,
pending requests and listeners, and opens its own on first use. When the
daemon goes away, pending requests fail with ConnectionLost and, while
listeners exist, the reader reconnects with backoff and re-registers them.

Eventlet: Nova monkey-patches before it builds a transport, so every
blocking primitive here (socket, threading, time) is looked up through its
module at use time and is green when patching happened.
"""
import itertools
import logging
import os
import socket
import threading
import time
import weakref

from . import errors
from .framing import FrameReader, encode_frame
from .settings import DEFAULT_CONNECT_TIMEOUT

LOG = logging.getLogger(__name__)

#: First and largest pause between reconnection attempts, in seconds.
DEFAULT_RECONNECT_MIN_DELAY = 0.1
DEFAULT_RECONNECT_MAX_DELAY = 2.0
#: Seconds close() waits for the daemon to answer pipelined casts still in
#: flight. Closing a unix socket with unread answers in its receive queue
#: resets the connection, and the daemon may then lose requests it had not
#: read yet; waiting for the answers makes "cast() returned" mean "the daemon
#: has it", as with a broker's publish.
DEFAULT_CLOSE_DRAIN_TIMEOUT = 2.0
#: Size of each reader's receive buffer (filled by recv_into), in bytes. It
#: is allocated once per connection: a fresh buffer this large per recv()
#: was an mmap + munmap pair per answer under eventlet.
RECV_CHUNK_BYTES = 256 * 1024
#: Local-API protocol version this shim speaks.
PROTO_VERSION = 1

# Connections to reset in a forked child, before any other code of the child
# runs (a green reader inherited by the child must not read the parent's socket).
_LIVE_CONNECTIONS = weakref.WeakSet()

# Which process this is, as far as connections care: bumped in every forked
# child before any other code of the child runs. Requests and the reader
# compare it instead of calling getpid() (a system call) on every frame.
_fork_epoch = 0


def _after_fork_in_child():
    global _fork_epoch
    _fork_epoch += 1
    for conn in list(_LIVE_CONNECTIONS):
        conn._forget_parent()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)

    def _process_mark():
        return _fork_epoch
else:  # pragma: no cover - every POSIX CPython >= 3.7 has register_at_fork
    _process_mark = os.getpid


# Green readers inherited by forked children, parked for good (see below).
_PARKED = []


def _park_inherited_reader():
    """Never return: a green reader thread inherited through fork() wakes in the child.

    Under eventlet, fork() copies the parent's green threads. If this one
    returned, the thread teardown would fail (the child's threading module
    forgot it) and that error would surface inside the child's hub, in
    whatever the child was doing. So it waits forever on an event nobody sets,
    holding no socket; _PARKED keeps it from being collected (and torn down).
    """
    parked = threading.Event()
    _PARKED.append(parked)
    while True:
        parked.wait()


def _describe_spec(spec):
    """A listen spec for humans: ``rpc topic.server`` or ``notify topic-priority``."""
    if spec.get("kind") == "notify":
        return "notify %s-%s" % (spec.get("topic"), spec.get("priority"))
    target = spec.get("target") or {}
    server = target.get("server")
    return "rpc %s%s" % (target.get("topic"), "." + server if server else "")


class _Waiter:
    """One request's answer, handed from the reader to the waiting caller.

    A lock held from birth and released once by the reader is the cheapest
    one-shot wake-up (threading.Event costs a Condition and a second lock
    per call); it is looked up at use time, so it is green under eventlet.
    """
    __slots__ = ("_done", "answer", "error")

    def __init__(self):
        self._done = threading.Lock()
        self._done.acquire()
        self.answer = None
        self.error = None

    def set(self, answer):
        self.answer = answer
        self._release()

    def fail(self, exc):
        self.error = exc
        self._release()

    def _release(self):
        try:
            self._done.release()
        except RuntimeError:  # answered twice (e.g. failed by close() after the answer)
            pass

    def wait(self, timeout):
        """True once answered or failed, False when ``timeout`` seconds passed first."""
        if timeout is None:
            return self._done.acquire()
        if timeout <= 0:
            return self._done.acquire(False)
        return self._done.acquire(True, timeout)


class _AsyncAnswer:
    """Answer of a request nobody waits for (a pipelined cast): refusals are logged.

    The daemon still accepts or refuses each such request at once; the
    refusal (NO_ROUTE, QUEUE_FULL, ...) reaches the shim's log as an error
    naming what was refused, instead of an exception in the caller.
    """
    __slots__ = ("what", "log")

    def __init__(self, what, log):
        self.what = what
        self.log = log

    def set(self, answer):
        if answer.get("op") == "error":
            self.log.error("%s", errors.from_answer(answer, self.what))

    def fail(self, exc):
        self.log.warning("nova-zmq-bridge: %s may not have been accepted: %s", self.what, exc)


class LocalConnection:
    """Requests, one-way frames and listener registrations over the local socket."""

    def __init__(self, path, client_name, connect_timeout=DEFAULT_CONNECT_TIMEOUT,
                 reconnect_min_delay=DEFAULT_RECONNECT_MIN_DELAY,
                 reconnect_max_delay=DEFAULT_RECONNECT_MAX_DELAY, logger=None):
        self.path = path
        self.client_name = client_name
        self.connect_timeout = connect_timeout
        self.reconnect_min_delay = reconnect_min_delay
        self.reconnect_max_delay = reconnect_max_delay
        self.log = logger or LOG
        self._init_process_state()
        _LIVE_CONNECTIONS.add(self)

    # -- process ownership -------------------------------------------------

    def _init_process_state(self):
        self._pid = os.getpid()
        self._mark = _process_mark()
        self._lock = threading.RLock()
        self._send_lock = threading.Lock()
        self._sock = None
        self._generation = 0
        self._pending = {}
        self._listeners = {}
        self._rids = itertools.count(1)
        self._lids = itertools.count(1)
        self._closed = False
        #: Daemon facts from the hello answer (None until connected).
        self.host = None
        self.response_timeout = None
        self.daemon_version = None
        #: How many times this process (re)connected; tests and logs use it.
        self.connects = 0

    def _forget_parent(self):
        old = self._sock
        pending = self._pending
        self._init_process_state()
        if old is not None:
            try:
                # Closing our copy of the fd leaves the parent's connection intact.
                old.close()
            except OSError:
                pass
        for w in pending.values():
            if not isinstance(w, _AsyncAnswer):  # the parent's own casts: its business
                w.fail(errors.ConnectionLost(self.path, "process forked"))

    def _check_process(self):
        if _process_mark() != self._mark:
            self._forget_parent()

    # -- connecting -------------------------------------------------------

    @property
    def connected(self):
        return self._sock is not None and _process_mark() == self._mark

    def ensure_connected(self):
        self._check_process()
        with self._lock:
            self._ensure_connected_locked()

    def _ensure_connected_locked(self):
        if self._closed:
            raise errors.DaemonUnavailable(self.path, "connection closed by cleanup()")
        if self._sock is None:
            self._connect_locked()

    def _connect_locked(self):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.connect_timeout)
        try:
            sock.connect(self.path)
        except OSError as exc:
            sock.close()
            raise errors.DaemonUnavailable(self.path, exc.strerror or str(exc)) from None
        reader = FrameReader()
        backlog = []
        try:
            hello = self._handshake_request(sock, reader, backlog, {
                "op": "hello", "pid": os.getpid(), "client": self.client_name,
                "proto": PROTO_VERSION})
            for lid, (spec, _sink) in list(self._listeners.items()):
                answer = self._handshake_request(sock, reader, backlog,
                                                 dict(spec, op="listen", lid=lid))
                if answer.get("op") != "ok":
                    self.log.error("nova-zmq-bridge: re-registering listener %s (%s) failed: %s %s",
                                   lid, spec, answer.get("code"), answer.get("message"))
        except (OSError, errors.ProtocolError) as exc:
            sock.close()
            raise errors.DaemonUnavailable(self.path, "handshake failed: %s" % exc) from None
        if hello.get("op") != "ok":
            sock.close()
            raise errors.DaemonUnavailable(self.path, "hello refused: %s %s" % (
                hello.get("code"), hello.get("message")))
        sock.settimeout(None)
        self.host = hello.get("host")
        self.response_timeout = hello.get("response_timeout")
        self.daemon_version = hello.get("version")
        self._generation += 1
        self._sock = sock
        self.connects += 1
        for frame in backlog:
            self._dispatch(frame)
        reader_thread = threading.Thread(target=self._read_loop,
                                         args=(sock, reader, self._generation, self._mark),
                                         name="nova-zmq-bridge-reader")
        reader_thread.daemon = True
        reader_thread.start()

    def _handshake_request(self, sock, reader, backlog, frame):
        """Send one request and read until its answer, before the reader runs."""
        rid = next(self._rids)
        frame["rid"] = rid
        sock.sendall(encode_frame(frame))
        while True:
            for i, f in enumerate(backlog):
                if f.get("rid") == rid and f.get("op") != "deliver":
                    del backlog[i]
                    return f
            data = sock.recv(RECV_CHUNK_BYTES)
            if not data:
                raise errors.ProtocolError("daemon closed the connection during the handshake")
            backlog.extend(reader.feed(data))

    # -- reading ----------------------------------------------------------

    def _read_loop(self, sock, reader, generation, mark):
        reason = "closed by the daemon"
        buf = bytearray(RECV_CHUNK_BYTES)
        view = memoryview(buf)
        try:
            while True:
                n = sock.recv_into(buf)
                if _process_mark() != mark:
                    _park_inherited_reader()
                if not n:
                    break
                for frame in reader.feed(view[:n]):
                    self._dispatch(frame)
        except errors.ProtocolError as exc:
            reason = str(exc)
            self.log.error("nova-zmq-bridge: %s; dropping the connection", exc)
        except (OSError, EOFError) as exc:
            # Eventlet raises EOFError when our own close() (or a forked
            # child's _forget_parent) closes the socket under this reader.
            reason = getattr(exc, "strerror", None) or str(exc) or "socket closed"
        if _process_mark() != mark:
            _park_inherited_reader()
        self._connection_lost(sock, generation, reason)

    def _dispatch(self, frame):
        op = frame.get("op")
        if op == "deliver":
            entry = self._listeners.get(frame.get("lid"))
            if entry is None:
                self.log.debug("nova-zmq-bridge: delivery for unknown listener %s dropped",
                               frame.get("lid"))
                return
            try:
                entry[1](frame)
            except Exception:
                self.log.exception("nova-zmq-bridge: listener %s failed to take a delivery",
                                   frame.get("lid"))
            return
        if op in ("ok", "error", "reply"):
            with self._lock:
                waiter = self._pending.pop(frame.get("rid"), None)
            if waiter is not None:
                waiter.set(frame)
            elif op == "error":
                self.log.error("nova-zmq-bridge: daemon reported %s: %s",
                               frame.get("code"), frame.get("message"))
            return
        self.log.warning("nova-zmq-bridge: ignoring unknown frame op %r from the daemon", op)

    def _connection_lost(self, sock, generation, reason):
        with self._lock:
            if generation != self._generation:
                return
            self._sock = None
            pending, self._pending = self._pending, {}
        try:
            sock.close()
        except OSError:
            pass
        if not self._closed:
            self.log.warning("nova-zmq-bridge: lost the daemon connection on %s (%s)",
                             self.path, reason)
        for waiter in pending.values():
            waiter.fail(errors.ConnectionLost(self.path, reason))
        self._reconnect_loop()

    def _reconnect_loop(self):
        delay = self.reconnect_min_delay
        while not self._closed and _process_mark() == self._mark:
            with self._lock:
                if self._sock is not None or not self._listeners or self._closed:
                    return
                try:
                    self._connect_locked()
                    self.log.info("nova-zmq-bridge: reconnected to %s, %d listener(s) re-registered",
                                  self.path, len(self._listeners))
                    return
                except errors.DaemonUnavailable as exc:
                    self.log.debug("nova-zmq-bridge: reconnect failed: %s", exc)
            time.sleep(delay)
            delay = min(delay * 2, self.reconnect_max_delay)

    # -- sending ----------------------------------------------------------

    def _send_frame(self, sock, frame):
        data = encode_frame(frame)
        with self._send_lock:
            sock.sendall(data)

    def _send_request(self, frame, answer):
        """Give `frame` a fresh rid whose answer goes to `answer`, and send it."""
        self._check_process()
        with self._lock:
            self._ensure_connected_locked()
            rid = next(self._rids)
            frame["rid"] = rid
            self._pending[rid] = answer
            sock = self._sock
        try:
            self._send_frame(sock, frame)
        except OSError as exc:
            with self._lock:
                self._pending.pop(rid, None)
            raise errors.ConnectionLost(self.path, exc.strerror or str(exc)) from None
        return rid

    def request(self, frame, timeout):
        """Send a request and return the daemon's answer frame (ok/reply/error)."""
        waiter = _Waiter()
        rid = self._send_request(frame, waiter)
        if not waiter.wait(timeout):
            with self._lock:
                self._pending.pop(rid, None)
            raise errors.RequestTimeout(frame.get("op", "request"), timeout)
        if waiter.error is not None:
            raise waiter.error
        return waiter.answer

    def request_nowait(self, frame, what):
        """Send a request without waiting for its answer.

        The frame carries a ``rid``, so the daemon still answers it; an
        ``error`` answer is logged naming ``what`` (e.g. "cast to topic X").
        Send errors (daemon unreachable, connection lost) still raise here.
        """
        self._send_request(frame, _AsyncAnswer(what, self.log))

    def send_oneway(self, frame):
        """Send a frame that gets no answer (reply, heartbeat)."""
        self._check_process()
        with self._lock:
            self._ensure_connected_locked()
            sock = self._sock
        try:
            self._send_frame(sock, frame)
        except OSError as exc:
            raise errors.ConnectionLost(self.path, exc.strerror or str(exc)) from None

    # -- listeners --------------------------------------------------------

    def listen(self, spec, sink):
        """Register a listener (``spec``: kind/target or kind/exchange/topic/...)."""
        self._check_process()
        with self._lock:
            self._ensure_connected_locked()
            lid = next(self._lids)
            self._listeners[lid] = (dict(spec), sink)
        try:
            errors.check_answer(self.request(dict(spec, op="listen", lid=lid), self.connect_timeout),
                                "listener %s" % _describe_spec(spec))
        except Exception:
            with self._lock:
                self._listeners.pop(lid, None)
            raise
        return lid

    def unlisten(self, lid):
        self._check_process()
        with self._lock:
            if self._listeners.pop(lid, None) is None:
                return
            if self._sock is None:
                return  # the daemon forgot it with the old connection
        errors.check_answer(self.request({"op": "unlisten", "lid": lid}, self.connect_timeout),
                            "unlisten of listener %s" % lid)

    @property
    def listener_count(self):
        return len(self._listeners)

    # -- shutdown ---------------------------------------------------------

    def _drain_pipelined(self, timeout):
        """Wait (bounded) until the daemon answered every pipelined request."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if self._sock is None or not any(
                        isinstance(w, _AsyncAnswer) for w in self._pending.values()):
                    return
            time.sleep(0.002)

    def close(self, drain_timeout=DEFAULT_CLOSE_DRAIN_TIMEOUT):
        """Close the connection; the daemon drops this process's listeners."""
        if _process_mark() != self._mark:
            self._forget_parent()
        else:
            self._drain_pipelined(drain_timeout)
        with self._lock:
            self._closed = True
            sock, self._sock = self._sock, None
            pending, self._pending = self._pending, {}
            self._listeners.clear()
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()
        for waiter in pending.values():
            if not isinstance(waiter, _AsyncAnswer):  # already sent; nothing to tell
                waiter.fail(errors.ConnectionLost(self.path, "closed by cleanup()"))
