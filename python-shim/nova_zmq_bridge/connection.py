"""One process's connection to the local nova-zmq-bridge daemon.

Whoever holds the *reader role* reads the socket and demultiplexes the
daemon's frames: answers by ``rid`` to the waiting request, deliveries by
``lid`` to the listener's sink. A caller waiting for its answer takes the
role itself when it is free and reads until its answer arrives: no hand-off
from a reader thread to the caller (under threading an OS wake-up and a GIL
hand-over per call, under eventlet a green switch and a hub round). A
background reader takes the role only while something nobody waits for may
arrive: deliveries (listeners exist) or the answers of pipelined casts; a
caller that finds the role taken sleeps until its answer is handed to it, or
until the role is passed to it. The connection belongs to one process: a
forked child drops the parent's socket, pending requests and listeners, and
opens its own on first use. When the daemon goes away, pending requests fail
with ConnectionLost and, while listeners exist, the background reader
reconnects with backoff and re-registers them; a request that finds its
connection dead before anything was sent reconnects once.

Eventlet: Nova monkey-patches before it builds a transport, so every
blocking primitive here (socket, threading, time) is looked up through its
module at use time and is green when patching happened.
"""
import collections
import errno
import itertools
import logging
import os
import select
import socket
import threading
import time
import weakref

from . import errors, peercheck
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


class _Signal:
    """A wake-up that is never lost: a set() before wait() makes wait() return at once.

    A lock held from birth is the cheapest one (threading.Event costs a
    Condition and a second lock); it is looked up at use time, so it is
    green under eventlet.
    """
    __slots__ = ("_lock",)

    def __init__(self):
        self._lock = threading.Lock()
        self._lock.acquire()

    def set(self):
        try:
            self._lock.release()
        except RuntimeError:  # already set, not yet consumed
            pass

    def wait(self, timeout=None):
        """True when set (the signal is consumed), False when ``timeout`` seconds passed first."""
        if timeout is None:
            return self._lock.acquire()
        if timeout <= 0:
            return self._lock.acquire(False)
        return self._lock.acquire(True, timeout)


class _Waiter:
    """One request's answer, and the caller's wake-up: answered, failed, or handed the reader role."""
    __slots__ = ("_signal", "answer", "error", "done")

    def __init__(self):
        self._signal = _Signal()
        self.answer = None
        self.error = None
        self.done = False

    def set(self, answer):
        if not self.done:
            self.answer = answer
            self.done = True
        self._signal.set()

    def fail(self, exc):
        if not self.done:  # e.g. failed by close() after the answer: the answer stands
            self.error = exc
            self.done = True
        self._signal.set()

    def nudge(self):
        """The reader role is free: wake up and try to take it."""
        self._signal.set()

    def sleep(self, timeout):
        """Until set, failed or nudged; False when ``timeout`` seconds passed first."""
        return self._signal.wait(timeout)


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


def _is_green(sock):
    """True for eventlet's green socket (Nova monkey-patched before connecting)."""
    return type(sock).__module__.startswith("eventlet.")


class _Link:
    """One live connection: its socket, and what its reader role holder reads with.

    Native sockets are read blocking; a caller bounds its read with poll().
    Under eventlet the reads go through a second green socket on a dup of the
    descriptor, whose own timeout a caller sets: the timeout of the socket
    that sends (a green socket's timeout also bounds its sends) stays None.
    """
    __slots__ = ("sock", "rsock", "generation", "mark", "reader", "buf", "view", "poller")

    def __init__(self, sock, reader, generation, mark):
        self.sock = sock
        self.generation = generation
        self.mark = mark
        self.reader = reader
        self.buf = bytearray(RECV_CHUNK_BYTES)
        self.view = memoryview(self.buf)
        if _is_green(sock):
            self.rsock = socket.socket(fileno=os.dup(sock.fileno()))
            self.poller = None
        else:
            self.rsock = sock
            self.poller = select.poll()
            self.poller.register(sock.fileno(), select.POLLIN)

    def recv(self, timeout):
        """Bytes read into ``buf`` (0: the daemon closed), or None when ``timeout`` passed first."""
        if self.poller is None:
            self.rsock.settimeout(timeout)
            try:
                return self.rsock.recv_into(self.buf)
            except socket.timeout:
                return None
        if timeout is not None and not self.poller.poll(max(0, int(timeout * 1000) + 1)):
            return None
        return self.rsock.recv_into(self.buf)

    def close(self, shutdown=False):
        for s in (self.sock, self.rsock) if self.rsock is not self.sock else (self.sock,):
            if shutdown:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            try:
                s.close()
            except OSError:
                pass


class LocalConnection:
    """Requests, one-way frames and listener registrations over the local socket."""

    def __init__(self, path, client_name, connect_timeout=DEFAULT_CONNECT_TIMEOUT,
                 reconnect_min_delay=DEFAULT_RECONNECT_MIN_DELAY,
                 reconnect_max_delay=DEFAULT_RECONNECT_MAX_DELAY, logger=None,
                 daemon_user=None):
        self.path = path
        #: uids the daemon may run as (root, ours, [zmq_bridge] daemon_user): see peercheck.
        self.trusted_uids = peercheck.trusted_uids(daemon_user)
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
        #: The live connection (None when not connected); its sock is self._sock.
        self._link = None
        self._generation = 0
        self._pending = {}
        self._listeners = {}
        #: Whoever holds it reads the socket (a waiting caller, or the background reader).
        self._role = threading.Lock()
        #: Callers asleep while someone else holds the role, oldest first: the role goes to them.
        self._sleepers = collections.deque()
        #: Pipelined casts whose answers nobody waits for.
        self._async_pending = 0
        #: Wakes the background reader (work for it, or closing); it is started when first needed.
        self._bg_signal = _Signal()
        self._bg_started = False
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
        old = self._link
        pending = self._pending
        old_signal = self._bg_signal
        self._init_process_state()
        if old is not None:
            # Closing our copies of the fd leaves the parent's connection intact.
            old.close()
        # A green background reader inherited by the child wakes up and parks.
        old_signal.set()
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
        try:
            # Before the first byte: hello already names this process.
            peercheck.check_daemon(sock, self.path, self.trusted_uids)
        except errors.UntrustedDaemon as exc:
            sock.close()
            self.log.error("nova-zmq-bridge: %s", exc)
            raise
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
        self._link = _Link(sock, reader, self._generation, self._mark)
        self._sock = sock
        self.connects += 1
        for frame in backlog:
            self._dispatch(frame)
        if self._listeners:
            self._wake_background_locked()

    def _handshake_request(self, sock, reader, backlog, frame):
        """Send one request and read until its answer, before the reader runs."""
        rid = next(self._rids)
        frame["rid"] = rid
        sock.sendall(encode_frame(frame))
        while True:
            for i, f in enumerate(backlog):
                # An error without rid during the handshake is the daemon refusing
                # this process (LOCAL_PEER_REFUSED) or stopping (SHUTDOWN).
                if f.get("op") != "deliver" and (f.get("rid") == rid
                                                 or (f.get("op") == "error" and f.get("rid") is None)):
                    del backlog[i]
                    return f
            data = sock.recv(RECV_CHUNK_BYTES)
            if not data:
                raise errors.ProtocolError("daemon closed the connection during the handshake")
            backlog.extend(reader.feed(data))

    # -- reading ----------------------------------------------------------

    def _read_once(self, link, timeout):
        """One read by the role holder; its frames dispatched. "ok", "timeout" or "lost"."""
        try:
            n = link.recv(timeout)
        except (OSError, EOFError) as exc:
            # Eventlet raises EOFError when our own close() (or a forked
            # child's _forget_parent) closes the socket under this reader.
            if _process_mark() != link.mark:
                _park_inherited_reader()
            self._link_lost(link, getattr(exc, "strerror", None) or str(exc) or "socket closed")
            return "lost"
        if _process_mark() != link.mark:
            _park_inherited_reader()
        if n is None:
            return "timeout"
        if not n:
            self._link_lost(link, "closed by the daemon")
            return "lost"
        try:
            frames = link.reader.feed(link.view[:n])
        except errors.ProtocolError as exc:
            self.log.error("nova-zmq-bridge: %s; dropping the connection", exc)
            self._link_lost(link, str(exc))
            return "lost"
        for frame in frames:
            self._dispatch(frame)
        return "ok"

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
                if isinstance(waiter, _AsyncAnswer):
                    self._async_pending -= 1
            if waiter is not None:
                waiter.set(frame)
            elif op == "error":
                self.log.error("nova-zmq-bridge: daemon reported %s: %s",
                               frame.get("code"), frame.get("message"))
            return
        self.log.warning("nova-zmq-bridge: ignoring unknown frame op %r from the daemon", op)

    def _link_lost(self, link, reason):
        """The connection is gone: fail what waits on it; the background reader reconnects listeners."""
        with self._lock:
            if link is not self._link:
                return
            self._link = None
            self._sock = None
            pending, self._pending = self._pending, {}
            self._async_pending = 0
            if self._listeners and not self._closed:
                self._wake_background_locked()
        link.close()
        if not self._closed:
            self.log.warning("nova-zmq-bridge: lost the daemon connection on %s (%s)",
                             self.path, reason)
        for waiter in pending.values():
            waiter.fail(errors.ConnectionLost(self.path, reason))

    # -- the reader role ----------------------------------------------------

    def _background_wanted_locked(self):
        return bool(self._listeners) or self._async_pending > 0

    def _wake_background_locked(self):
        """Wake the background reader (starting it the first time): it has work, or must leave."""
        if not self._bg_started:
            self._bg_started = True
            thread = threading.Thread(target=self._background_loop,
                                      args=(self._mark, self._bg_signal),
                                      name="nova-zmq-bridge-reader")
            thread.daemon = True
            thread.start()
        else:
            self._bg_signal.set()

    def _next_sleeper_locked(self):
        """The oldest sleeping caller still waiting for its answer (taken off the list), or None."""
        while self._sleepers:
            sleeper = self._sleepers.popleft()
            if not sleeper.done:  # one answered meanwhile will not read: skip it
                return sleeper
        return None

    def _pass_role(self, to_background=True):
        """After releasing the role: hand it to a sleeping caller, else to the background reader.

        A caller handed the role that no longer needs it (answered or timed
        out before it woke) passes it on the same way, so it is never left
        with nobody to take it while others sleep.
        """
        with self._lock:
            sleeper = self._next_sleeper_locked()
            if sleeper is None and to_background and self._background_wanted_locked():
                self._wake_background_locked()
        if sleeper is not None:
            sleeper.nudge()

    def _await_answer(self, waiter, deadline):
        """Read for ``waiter`` or sleep until it is answered; False when ``deadline`` passed first."""
        while not waiter.done:
            remaining = None if deadline is None else deadline - time.monotonic()
            if remaining is not None and remaining <= 0:
                return False
            if self._role.acquire(False):
                try:
                    link = self._link
                    while not waiter.done and link is not None:
                        remaining = None if deadline is None else deadline - time.monotonic()
                        if remaining is not None and remaining <= 0:
                            break
                        if self._read_once(link, remaining) == "lost":
                            break
                finally:
                    self._role.release()
                    self._pass_role()
                continue
            with self._lock:
                self._sleepers.append(waiter)
            handed = False
            try:
                # The holder may have let go between our try and our sleep: try once more.
                if self._role.acquire(False):
                    self._role.release()
                    continue
                waiter.sleep(remaining)
            finally:
                with self._lock:
                    try:
                        self._sleepers.remove(waiter)
                    except ValueError:  # taken off the list by a holder that handed us the role
                        handed = True
                if handed and (waiter.done or (deadline is not None and time.monotonic() >= deadline)):
                    self._pass_role()
        return True

    def _background_loop(self, mark, signal):
        """Reads while deliveries or cast answers may come that no caller waits for; reconnects listeners."""
        delay = self.reconnect_min_delay
        while True:
            if _process_mark() != mark:
                _park_inherited_reader()
            with self._lock:
                if self._closed or signal is not self._bg_signal:
                    return
                wanted = self._background_wanted_locked()
                link = self._link
                reconnect = link is None and bool(self._listeners)
            if reconnect:
                if self._reconnect_once():
                    delay = self.reconnect_min_delay
                else:
                    signal.wait(delay)
                    delay = min(delay * 2, self.reconnect_max_delay)
                continue
            if not wanted or link is None or not self._role.acquire(False):
                # Nothing for us, or a caller reads (it passes us the role when it is done).
                signal.wait()
                continue
            try:
                while self._read_once(link, None) == "ok":
                    with self._lock:
                        if not self._background_wanted_locked():
                            break
            finally:
                self._role.release()
                self._pass_role(to_background=False)

    def _reconnect_once(self):
        with self._lock:
            if self._link is not None or not self._listeners or self._closed:
                return True
            try:
                self._connect_locked()
            except errors.DaemonUnavailable as exc:
                self.log.debug("nova-zmq-bridge: reconnect failed: %s", exc)
                return False
            self.log.info("nova-zmq-bridge: reconnected to %s, %d listener(s) re-registered",
                          self.path, len(self._listeners))
            return True

    # -- sending ----------------------------------------------------------

    def _send_frame(self, sock, data):
        with self._send_lock:
            sock.sendall(data)

    @staticmethod
    def _dead_before_sending(exc):
        """True when a send failed because the daemon had already closed this connection."""
        return exc.errno in (errno.EPIPE, errno.ECONNRESET, errno.ENOTCONN, errno.EBADF)

    def _send_on_live_link(self, data, register):
        """Send ``data`` (``register(rid)`` first, under the lock, when it wants an answer).

        Nothing reads a connection that nobody waits on, so a daemon that went
        away is noticed by the next send: if it fails that way, nothing of it
        was acted on (the daemon never saw a whole frame), so it is sent once
        more on a fresh connection. Returns the rid (or None).
        """
        for attempt in (1, 2):
            with self._lock:
                self._ensure_connected_locked()
                link = self._link
                rid = register() if register else None
            try:
                self._send_frame(link.sock, data(rid) if register else data)
                return rid
            except OSError as exc:
                with self._lock:
                    if rid is not None:
                        if isinstance(self._pending.pop(rid, None), _AsyncAnswer):
                            self._async_pending -= 1
                self._link_lost(link, exc.strerror or str(exc))
                if attempt == 2 or not self._dead_before_sending(exc):
                    raise errors.ConnectionLost(self.path, exc.strerror or str(exc)) from None

    def _send_request(self, frame, answer):
        """Give `frame` a fresh rid whose answer goes to `answer`, and send it."""
        self._check_process()

        def register():
            rid = next(self._rids)
            self._pending[rid] = answer
            if isinstance(answer, _AsyncAnswer):
                self._async_pending += 1
                if self._async_pending == 1:
                    self._wake_background_locked()
            return rid

        def data(rid):
            frame["rid"] = rid
            return encode_frame(frame)
        return self._send_on_live_link(data, register)

    def request(self, frame, timeout):
        """Send a request and return the daemon's answer frame (ok/reply/error)."""
        waiter = _Waiter()
        deadline = None if timeout is None else time.monotonic() + timeout
        rid = self._send_request(frame, waiter)
        if not self._await_answer(waiter, deadline):
            with self._lock:
                self._pending.pop(rid, None)
            if not waiter.done:
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
        self._send_on_live_link(encode_frame(frame), None)

    # -- listeners --------------------------------------------------------

    def listen(self, spec, sink):
        """Register a listener (``spec``: kind/target or kind/exchange/topic/...)."""
        self._check_process()
        with self._lock:
            self._ensure_connected_locked()
            lid = next(self._lids)
            self._listeners[lid] = (dict(spec), sink)
            # Deliveries may come any time from now on: someone must read.
            self._wake_background_locked()
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
            link, self._link, self._sock = self._link, None, None
            pending, self._pending = self._pending, {}
            self._async_pending = 0
            self._listeners.clear()
            sleepers = list(self._sleepers)
            self._bg_signal.set()  # the background reader leaves
        if link is not None:
            link.close(shutdown=True)
        for waiter in pending.values():
            if not isinstance(waiter, _AsyncAnswer):  # already sent; nothing to tell
                waiter.fail(errors.ConnectionLost(self.path, "closed by cleanup()"))
        for waiter in sleepers:
            waiter.nudge()
