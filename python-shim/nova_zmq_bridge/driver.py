"""oslo.messaging driver for ``transport_url = zmq://`` (entry point ``zmq``).

Every RPC and notification goes through the local nova-zmq-bridge daemon
(docs/local-api.md). The driver turns Python values into JSON text, targets
into local-API targets, and the daemon's answers back into what oslo's
callers expect: results, remote exceptions rebuilt by oslo's own
deserialize_remote_exception, and the exceptions translate.to_oslo picks
(MessagingTimeout, BridgeUnavailable...). send() never raises a
TransportDriverError (oslo.messaging 14 mishandles those in RPCClient).

Options: opts.py (``[zmq_bridge]``, ``rpc_zmq_ipc_dir``), overridable by the
transport URL's query parameters; settings.read() resolves them.
"""
import logging
import queue
import sys
import threading

from oslo_messaging._drivers import base
from oslo_messaging._drivers import common as rpc_common

from . import CLIENT_NAME, codec, errors, opts, settings
from .connection import LocalConnection
from .oslo_errors import (  # noqa: F401 - public names of the driver
    BridgeCallInterrupted, BridgeDeliveryFailure, BridgeUnavailable)
from .translate import to_oslo as _translate

LOG = logging.getLogger(__name__)


class ZmqIncomingMessage(base.RpcIncomingMessage):
    """An RPC request delivered by the daemon; reply() is a no-op for casts."""

    def __init__(self, driver, ctxt_text, ctxt, message, reply_to, monitor):
        super().__init__(ctxt, message)
        self._driver = driver
        self._ctxt_text = ctxt_text
        self._reply_to = list(reply_to) if reply_to else None
        # oslo's dispatcher heartbeats every client_timeout/2 while the method runs.
        self.client_timeout = monitor

    def reply(self, reply=None, failure=None):
        reply_to, self._reply_to = self._reply_to, None
        if not reply_to:
            return
        frame = {"op": "reply", "reply_to": reply_to, "ctx": self._ctxt_text}
        if failure:
            frame["failure"] = rpc_common.serialize_remote_exception(failure)
        else:
            try:
                frame["result"] = codec.dumps(reply)
            except (TypeError, ValueError):
                LOG.exception("nova-zmq-bridge: result of %s is not JSON serializable",
                              self.message.get("method"))
                frame["failure"] = rpc_common.serialize_remote_exception(sys.exc_info())
        try:
            self._driver._connection.send_oneway(frame)
        except errors.BridgeError as exc:
            LOG.error("nova-zmq-bridge: reply to %s lost: %s", reply_to[0], exc)

    def heartbeat(self):
        if not self._reply_to:
            return
        try:
            self._driver._connection.send_oneway({"op": "heartbeat", "reply_to": self._reply_to})
        except errors.BridgeError as exc:
            raise _translate(exc) from None

    def acknowledge(self):
        pass

    def requeue(self):
        pass


class ZmqNotificationMessage(base.IncomingMessage):
    def acknowledge(self):
        pass

    def requeue(self):
        pass


def _rpc_incoming(driver, frame):
    ctxt_text = frame.get("ctx") or "{}"
    return ZmqIncomingMessage(driver, ctxt_text, codec.loads(ctxt_text), codec.loads(frame["msg"]),
                              frame.get("reply_to"), frame.get("monitor"))


_WAKE = object()


def _unlisten_all(listener):
    """Withdraw every registration of a listener (both listener kinds keep `_lids`)."""
    lids, listener._lids = listener._lids, []
    for lid in lids:
        try:
            listener._driver._connection.unlisten(lid)
        except errors.BridgeError as exc:
            LOG.debug("nova-zmq-bridge: unlisten %s: %s", lid, exc)


class ZmqListener(base.PollStyleListener):
    """Deliveries of one or more local-API listeners, polled by oslo's server."""

    def __init__(self, driver, specs, notification):
        super().__init__()
        self._driver = driver
        self._notification = notification
        self._queue = queue.Queue()
        self._stopped = False
        self._lids = []
        try:
            for spec in specs:
                self._lids.append(driver._connection.listen(spec, self._queue.put))
        except errors.BridgeError as exc:
            self._unlisten_all()
            raise _translate(exc) from None

    def _incoming(self, frame):
        if self._notification:
            return ZmqNotificationMessage(codec.loads(frame.get("ctx") or "{}"),
                                          codec.loads(frame["msg"]))
        return _rpc_incoming(self._driver, frame)

    @base.batch_poll_helper
    def poll(self, timeout=None):
        while True:
            try:
                if self._stopped:
                    frame = self._queue.get_nowait()
                else:
                    frame = self._queue.get(timeout=timeout)
            except queue.Empty:
                return None
            if frame is _WAKE:
                continue
            try:
                return self._incoming(frame)
            except (ValueError, KeyError, TypeError) as exc:
                LOG.error("nova-zmq-bridge: undecodable delivery dropped: %s", exc)

    def _unlisten_all(self):
        _unlisten_all(self)

    def stop(self):
        # Stop the daemon delivering first; what is already queued is drained by oslo.
        self._unlisten_all()
        self._stopped = True
        self._queue.put(_WAKE)

    def cleanup(self):
        self._unlisten_all()


class ZmqPushListener(base.Listener):
    """RPC deliveries handed by the connection's reader straight to oslo's executor.

    oslo's PollStyleListenerAdapter would put a queue and a polling thread
    between the reader and the executor: one more thread wake-up (and GIL
    hand-off) per request. Here the reader decodes the delivery and calls
    on_incoming_callback([message]) itself, which only submits it to the
    executor. Used for batch_size 1 (what RPCServer asks for).
    """

    def __init__(self, driver, spec, batch_size, batch_timeout):
        super().__init__(batch_size, batch_timeout)
        self._driver = driver
        self._lock = threading.Lock()
        # Deliveries that arrive between listen and start(): handed over by start().
        self._early = []
        self._stopped = False
        self._lids = []
        try:
            self._lids.append(driver._connection.listen(spec, self._take))
        except errors.BridgeError as exc:
            self._unlisten_all()
            raise _translate(exc) from None

    def _take(self, frame):
        callback = self.on_incoming_callback
        if callback is None:
            with self._lock:
                callback = self.on_incoming_callback
                if callback is None:
                    if self._stopped:
                        LOG.warning("nova-zmq-bridge: delivery after the listener stopped dropped")
                    else:
                        self._early.append(frame)
                    return
        try:
            message = _rpc_incoming(self._driver, frame)
        except (ValueError, KeyError, TypeError) as exc:
            LOG.error("nova-zmq-bridge: undecodable delivery dropped: %s", exc)
            return
        callback([message])

    def start(self, on_incoming_callback):
        with self._lock:
            super().start(on_incoming_callback)
            early, self._early = self._early, []
        for frame in early:
            self._take(frame)

    def _unlisten_all(self):
        _unlisten_all(self)

    def stop(self):
        # The daemon answers unlisten after every delivery it sent before:
        # the reader has handed those to the executor by the time it returns.
        self._unlisten_all()
        with self._lock:
            self._stopped = True
            super().stop()

    def cleanup(self):
        self._unlisten_all()


class ZmqBridgeDriver(base.BaseDriver):
    """``zmq://``: RPC and notifications through the local nova-zmq-bridge daemon."""

    def __init__(self, conf, url, default_exchange=None, allowed_remote_exmods=None):
        super().__init__(conf, url, default_exchange, allowed_remote_exmods)
        opts.register(conf)
        try:
            found = settings.read(conf, opts.url_overrides(url, conf))
        except errors.BridgeError as exc:
            raise _translate(exc) from None
        #: Where the daemon is and how long to wait for it (nova.conf + transport URL).
        self.bridge_settings = found
        self._call_grace = found.call_grace
        self._accept_timeout = max(found.connect_timeout, settings.DEFAULT_CAST_ACCEPT_TIMEOUT)
        try:
            self._connection = LocalConnection(found.socket_path, CLIENT_NAME,
                                               connect_timeout=found.connect_timeout,
                                               daemon_user=found.daemon_user)
        except errors.BridgeError as exc:  # an unknown daemon_user
            raise _translate(exc) from None

    # -- helpers ------------------------------------------------------------

    def _exchange(self, exchange):
        # Null keeps the default exchange wire-identical to legacy nodes.
        if not exchange or exchange == self._default_exchange:
            return None
        return exchange

    def _target(self, target):
        fanout = bool(target.fanout)
        return {"exchange": self._exchange(target.exchange), "topic": target.topic,
                "server": None if fanout else (target.server or None), "fanout": fanout}

    @staticmethod
    def _describe(target):
        if target.fanout:
            return "fanout~%s" % target.topic
        return "%s.%s" % (target.topic, target.server) if target.server else target.topic

    def _request(self, frame, timeout, what):
        """The daemon's answer to ``frame``; ``error`` answers raise (``what`` names the request)."""
        try:
            return errors.check_answer(self._connection.request(frame, timeout), what)
        except errors.BridgeError as exc:
            raise _translate(exc) from None

    # -- BaseDriver ---------------------------------------------------------

    def require_features(self, requeue=False):
        if requeue:
            raise NotImplementedError("nova-zmq-bridge cannot requeue messages")

    def send(self, target, ctxt, message, wait_for_reply=None, timeout=None,
             call_monitor_timeout=None, retry=None, transport_options=None):
        frame = {"target": self._target(target), "ctx": codec.dumps(ctxt),
                 "msg": codec.dumps(message)}
        if not wait_for_reply:
            # Pipelined: the daemon accepts or refuses the cast at once, but
            # waiting for that answer cost a round trip through the reader
            # thread per cast. A refusal (NO_ROUTE, QUEUE_FULL...) is logged
            # as an error naming the target; an unreachable daemon still raises.
            frame["op"] = "cast"
            try:
                self._connection.request_nowait(frame, "cast of %s to %s" % (
                    message.get("method"), self._describe(target)))
            except errors.BridgeError as exc:
                raise _translate(exc) from None
            return None
        if timeout is None:
            try:
                self._connection.ensure_connected()  # learns the daemon's rpc_response_timeout
            except errors.BridgeError as exc:
                raise _translate(exc) from None
            timeout = self._connection.response_timeout or settings.DEFAULT_RESPONSE_TIMEOUT
        frame.update(op="call", timeout=float(timeout),
                     monitor_timeout=float(call_monitor_timeout) if call_monitor_timeout else None)
        answer = self._request(frame, float(timeout) + self._call_grace,
                               "message %s on topic %s" % (message.get("method"), target.topic))
        if answer.get("op") != "reply":
            raise _translate(errors.ProtocolError(
                "nova-zmq-bridge daemon answered a call with unexpected op %r"
                % (answer.get("op"),)))
        if answer.get("failure") is not None:
            raise rpc_common.deserialize_remote_exception(answer["failure"],
                                                          self._allowed_remote_exmods)
        result = answer.get("result")
        return None if result is None else codec.loads(result)

    def send_notification(self, target, ctxt, message, version, retry=None):
        topic, dot, priority = target.topic.rpartition(".")
        if not dot:
            topic, priority = target.topic, ""
        frame = {"op": "notify", "exchange": self._exchange(target.exchange), "topic": topic,
                 "priority": priority, "ctx": codec.dumps(ctxt), "msg": codec.dumps(message),
                 "version": "2.0" if float(version) >= 2.0 else "1.0"}
        self._request(frame, self._accept_timeout, "notification %s" % target.topic)

    def listen(self, target, batch_size, batch_timeout):
        spec = {"kind": "rpc", "target": {
            "exchange": self._exchange(target.exchange), "topic": target.topic,
            "server": target.server or None, "fanout": False}}
        if batch_size == 1:
            return ZmqPushListener(self, spec, batch_size, batch_timeout)
        listener = ZmqListener(self, [spec], notification=False)
        return base.PollStyleListenerAdapter(listener, batch_size, batch_timeout)

    def listen_for_notifications(self, targets_and_priorities, pool, batch_size,
                                 batch_timeout):
        specs = [{"kind": "notify", "exchange": self._exchange(t.exchange), "topic": t.topic,
                  "priority": priority, "pool": pool or None}
                 for t, priority in targets_and_priorities]
        listener = ZmqListener(self, specs, notification=True)
        return base.PollStyleListenerAdapter(listener, batch_size, batch_timeout)

    def cleanup(self):
        self._connection.close()
