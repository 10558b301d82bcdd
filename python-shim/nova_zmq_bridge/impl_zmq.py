"""The pre-oslo.messaging ``rpc_backend`` module API (Folsom-Havana era).

``rpc_backend = nova_zmq_bridge.impl_zmq`` in nova.conf makes the old
``nova.openstack.common.rpc`` layer use the bridge. Signatures mirror the old
``nova.openstack.common.rpc.impl_zmq``; topics are the legacy strings
(``compute``, ``compute.host1``, ``fanout~compute``). Context objects are
anything with ``to_dict()`` (or a dict).

The legacy API is a set of module functions taking ``conf``, so the module
keeps one backend (a local-API connection) per configured socket path;
cleanup() drops it.
"""
import inspect
import logging
import threading

from . import CLIENT_NAME, codec, errors, failures, settings
from .connection import LocalConnection
from .legacy_errors import (  # noqa: F401 - public names of the legacy API
    DaemonUnavailable, DeliveryFailure, RPCException, Timeout)
from .translate import to_legacy

LOG = logging.getLogger(__name__)

#: `[DEFAULT] allowed_rpc_exception_modules` of the legacy releases.
DEFAULT_ALLOWED_MODULES = ("nova.exception", "cinder.exception", "exceptions", "builtins")
FANOUT_PREFIX = "fanout~"

RemoteError = failures.RemoteError


class RpcContext(dict):
    """The context handed to legacy proxies: a dict with attributes and to_dict()."""

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    def to_dict(self):
        return dict(self)

    @classmethod
    def from_dict(cls, values):
        return cls(values or {})

    def elevated(self, read_deleted=None):
        ctx = RpcContext(self)
        ctx["is_admin"] = True
        if read_deleted is not None:
            ctx["read_deleted"] = read_deleted
        return ctx


def _opt(conf, name, default):
    """A legacy `[DEFAULT]` option (rpc_response_timeout, ...), default when unknown to conf."""
    return settings.conf_value(conf, name, default)


def socket_path(conf):
    """The daemon's local API socket for ``conf`` (see settings.socket_path)."""
    return settings.read(conf).socket_path


_backends = {}
_backends_lock = threading.Lock()


def _connection(conf):
    found = settings.read(conf)
    with _backends_lock:
        conn = _backends.get(found.socket_path)
        if conn is None:
            conn = LocalConnection(found.socket_path, CLIENT_NAME,
                                   connect_timeout=found.connect_timeout,
                                   daemon_user=found.daemon_user)
            _backends[found.socket_path] = conn
        return conn


def _context_dict(context):
    if context is None:
        return {}
    if hasattr(context, "to_dict"):
        return context.to_dict()
    return dict(context)


def _target(topic):
    """Legacy topic string -> local-API target (exchange: the default one)."""
    topic = str(topic)
    if topic.startswith(FANOUT_PREFIX):
        return {"exchange": None, "topic": topic[len(FANOUT_PREFIX):].split(".", 1)[0],
                "server": None, "fanout": True}
    base, dot, server = topic.partition(".")
    return {"exchange": None, "topic": base, "server": server if dot else None, "fanout": False}


def _request(conn, frame, timeout, what):
    """The daemon's answer to ``frame``; ``error`` answers raise (``what`` names the request)."""
    try:
        return errors.check_answer(conn.request(frame, timeout), what)
    except errors.BridgeError as exc:
        raise to_legacy(exc) from None


def _method(msg):
    """The method a legacy message names, for error messages."""
    return msg.get("method") if isinstance(msg, dict) else None


def _cast_timeout(conf):
    return float(_opt(conf, "rpc_cast_timeout", settings.DEFAULT_CAST_ACCEPT_TIMEOUT))


def _cast(conf, context, topic, msg):
    _request(_connection(conf), {"op": "cast", "target": _target(topic),
                                 "ctx": codec.dumps(_context_dict(context)),
                                 "msg": codec.dumps(msg)},
             _cast_timeout(conf), "cast of %s to %s" % (_method(msg), topic))


# -- the legacy module API ------------------------------------------------------

def create_connection(conf, new=True):
    return Connection(conf)


def call(conf, context, topic, msg, timeout=None):
    """Send a message and return the remote method's result."""
    if timeout is None:
        timeout = _opt(conf, "rpc_response_timeout", settings.DEFAULT_RESPONSE_TIMEOUT)
    answer = _request(_connection(conf), {
        "op": "call", "target": _target(topic), "ctx": codec.dumps(_context_dict(context)),
        "msg": codec.dumps(msg), "timeout": float(timeout), "monitor_timeout": None},
        float(timeout) + settings.read(conf).call_grace,
        "message %s on topic %s" % (_method(msg), topic))
    if answer.get("failure") is not None:
        raise failures.deserialize(answer["failure"], _opt(
            conf, "allowed_rpc_exception_modules", DEFAULT_ALLOWED_MODULES))
    result = answer.get("result")
    return None if result is None else codec.loads(result)


def multicall(conf, context, topic, msg, timeout=None):
    """Like call(), as an iterator of results (the bridge carries the final one)."""
    return iter([call(conf, context, topic, msg, timeout)])


def cast(conf, context, topic, msg):
    _cast(conf, context, topic, msg)


def fanout_cast(conf, context, topic, msg):
    _cast(conf, context, FANOUT_PREFIX + str(topic).split(".", 1)[0], msg)


def cast_to_server(conf, context, server_params, topic, msg):
    """Broker-less: server_params (another broker's address) has nothing to select."""
    _cast(conf, context, topic, msg)


def fanout_cast_to_server(conf, context, server_params, topic, msg):
    fanout_cast(conf, context, topic, msg)


def notify(conf, context, topic, msg, envelope=False):
    """Send a notification to `<topic>-<priority>` as the legacy driver did."""
    base, dot, priority = str(topic).rpartition(".")
    if not dot:
        base, priority = str(topic), ""
    _request(_connection(conf), {"op": "notify", "exchange": None, "topic": base,
                                 "priority": priority,
                                 "ctx": codec.dumps(_context_dict(context)),
                                 "msg": codec.dumps(msg),
                                 "version": "2.0" if envelope else "1.0"},
             _cast_timeout(conf), "notification %s" % topic)


def cleanup():
    with _backends_lock:
        conns = list(_backends.values())
        _backends.clear()
    for conn in conns:
        conn.close()


class Connection:
    """Legacy consumer connection: create_consumer(), consume_in_thread(), close()."""

    def __init__(self, conf):
        self.conf = conf
        self._conn = _connection(conf)
        self._consumers = {}
        self._lids = []
        self._queue = None
        self._thread = None
        self._closed = False

    def _ensure_queue(self):
        if self._queue is None:
            import queue
            self._queue = queue.Queue()
        return self._queue

    def _listen(self, base, handler):
        q = self._ensure_queue()
        try:
            lid = self._conn.listen(
                {"kind": "rpc", "target": {"exchange": None, "topic": base,
                                           "server": None, "fanout": False}},
                lambda frame: q.put((handler, frame)))
        except errors.BridgeError as exc:
            raise to_legacy(exc) from None
        self._lids.append(lid)

    def create_consumer(self, topic, proxy, fanout=False):
        # One listener per base topic: the daemon gives it `T`, `T.<host>` and
        # `fanout~T`, as the legacy consumers of T on this host did together.
        base = str(topic)
        if base.startswith(FANOUT_PREFIX):
            base = base[len(FANOUT_PREFIX):]
        base = base.split(".", 1)[0]
        if base in self._consumers:
            return
        self._consumers[base] = proxy
        self._listen(base, lambda frame: self._dispatch(proxy, frame))

    def create_worker(self, topic, proxy, pool_name):
        self.create_consumer(topic, proxy)

    def join_consumer_pool(self, callback, pool_name, topic, exchange_name=None):
        base = str(topic).split(".", 1)[0]
        self._listen(base, lambda frame: callback(codec.loads(frame["msg"])))

    def consume_in_thread(self):
        if self._thread is None:
            self._thread = threading.Thread(target=self.consume, name="nova-zmq-bridge-consumer")
            self._thread.daemon = True
            self._thread.start()
        return self._thread

    def consume(self, limit=None):
        q = self._ensure_queue()
        handled = 0
        while not self._closed and (limit is None or handled < limit):
            item = q.get()
            if item is None:
                break
            handler, frame = item
            worker = threading.Thread(target=self._run, args=(handler, frame))
            worker.daemon = True
            worker.start()
            handled += 1

    @staticmethod
    def _run(handler, frame):
        try:
            handler(frame)
        except Exception:
            LOG.exception("nova-zmq-bridge: legacy consumer failed")

    def _dispatch(self, proxy, frame):
        ctx = RpcContext.from_dict(codec.loads(frame.get("ctx") or "{}"))
        msg = codec.loads(frame["msg"])
        method, args = msg.get("method"), msg.get("args") or {}
        reply = {"op": "reply", "reply_to": frame.get("reply_to"), "ctx": frame.get("ctx")}
        try:
            if hasattr(proxy, "dispatch"):
                result = proxy.dispatch(ctx, msg.get("version"), method,
                                        msg.get("namespace"), **args)
            else:
                result = getattr(proxy, method)(ctx, **args)
            if inspect.isgenerator(result):
                values = list(result)
                result = values[-1] if values else None
            reply["result"] = codec.dumps(result)
        except Exception:
            if not frame.get("reply_to"):
                LOG.exception("nova-zmq-bridge: cast %s failed", method)
                return
            import sys
            reply["failure"] = failures.serialize(sys.exc_info())
        if frame.get("reply_to"):
            try:
                self._conn.send_oneway(reply)
            except errors.BridgeError as exc:
                LOG.error("nova-zmq-bridge: reply lost: %s", exc)

    def close(self):
        self._closed = True
        lids, self._lids = self._lids, []
        for lid in lids:
            try:
                self._conn.unlisten(lid)
            except errors.BridgeError as exc:
                LOG.debug("nova-zmq-bridge: unlisten %s: %s", lid, exc)
        if self._queue is not None:
            self._queue.put(None)
