"""The shim's nova.conf options (oslo.config), as oslo.messaging's drivers keep theirs.

The driver registers them on its conf (:func:`register`);
``oslo-config-generator --namespace nova_zmq_bridge`` lists them through the
``oslo.config.opts`` entry point (:func:`list_opts`). The daemon reads the same
file: ``[zmq_bridge]`` is the bridge's group (the daemon documents its own keys
there too), ``rpc_zmq_ipc_dir`` is the legacy driver's ``[DEFAULT]`` option.

A transport URL may override them with query parameters
(``zmq://?local_socket=/run/nzb.sock&shim_call_grace=5``), converted and
checked by the options' own types (:func:`url_overrides`).
"""
import copy
import logging

from oslo_config import cfg

from . import errors, settings

LOG = logging.getLogger(__name__)

GROUP = settings.GROUP

bridge_group = cfg.OptGroup(
    GROUP, title="nova-zmq-bridge",
    help="The nova-zmq-bridge daemon and its Python shim (transport_url = zmq://). "
         "The daemon reads this group too; the options below are the ones the shim reads.")

#: Appended to the help of every option a transport URL query parameter may set.
_URL_HELP = " The transport_url query parameter %s overrides it (zmq://?%s=...)."

#: `[DEFAULT]` options: the legacy impl_zmq option the socket path derives from.
default_opts = [
    cfg.StrOpt("rpc_zmq_ipc_dir", default=settings.DEFAULT_IPC_DIR,
               help="Directory of the ZeroMQ ipc sockets; the daemon's local API "
                    "socket defaults to <rpc_zmq_ipc_dir>/%s." % settings.DEFAULT_SOCKET_NAME
                    + _URL_HELP % (("rpc_zmq_ipc_dir",) * 2)),
]

#: `[zmq_bridge]` options the shim reads.
bridge_opts = [
    cfg.StrOpt("local_socket", default=None, sample_default="<rpc_zmq_ipc_dir>/%s"
               % settings.DEFAULT_SOCKET_NAME,
               help="Unix socket of the nova-zmq-bridge daemon's local API "
                    "(default <rpc_zmq_ipc_dir>/%s)." % settings.DEFAULT_SOCKET_NAME
                    + _URL_HELP % (("local_socket",) * 2)),
    cfg.FloatOpt("shim_connect_timeout", default=settings.DEFAULT_CONNECT_TIMEOUT, min=0.1,
                 help="Seconds the Python shim waits to connect to the daemon and "
                      "for it to acknowledge a listener or a notification."
                      + _URL_HELP % (("shim_connect_timeout",) * 2)),
    cfg.FloatOpt("shim_call_grace", default=settings.DEFAULT_CALL_GRACE, min=0,
                 help="Seconds a call waits beyond its timeout for the daemon's answer."
                      + _URL_HELP % (("shim_call_grace",) * 2)),
    cfg.StrOpt("daemon_user", default=None,
               help="User (name or uid) the nova-zmq-bridge daemon runs as, when it is "
                    "neither root nor the service's own user. The shim talks only to a "
                    "local socket owned by, and served by a process of, root, its own "
                    "user or this user; anything else is refused before a byte is sent "
                    "(docs/security.md). Not settable from the transport URL."),
]

#: Options a transport URL query parameter may override, by parameter name,
#: with the nova.conf key each mirrors (for messages).
_URL_OPTIONS = {opt.name: (opt, "[DEFAULT] " + opt.name) for opt in default_opts}
_URL_OPTIONS.update({opt.name: (opt, "[%s] %s" % (GROUP, opt.name)) for opt in bridge_opts
                     if opt.name in settings.OVERRIDABLE})
URL_PARAMETERS = tuple(sorted(_URL_OPTIONS))


def list_opts():
    """(group, options) pairs for oslo-config-generator (entry point ``nova_zmq_bridge``)."""
    return [(None, copy.deepcopy(default_opts)),
            (bridge_group, copy.deepcopy(bridge_opts))]


def register(conf):
    conf.register_opts(default_opts)
    conf.register_group(bridge_group)
    conf.register_opts(bridge_opts, group=bridge_group)
    # oslo.messaging 14's RPCClient reads [oslo_messaging_metrics] but registers
    # it only on the global cfg.CONF: a private ConfigOpts would fail every call.
    try:
        from oslo_messaging._metrics.client import oslo_messaging_metrics
    except ImportError:  # pragma: no cover - other oslo.messaging releases
        return
    conf.register_opts(oslo_messaging_metrics, group="oslo_messaging_metrics")


def url_overrides(url, conf=None):
    """The transport URL's query parameters as option values (name -> value).

    Values are converted by the option's own oslo.config type (bounds
    included); a value it refuses raises InvalidTransportOption. An unknown
    parameter is logged as a warning and ignored, as a typo must not take
    the service down; ``conf`` only lets the warning say when the name is a
    nova.conf option that URLs cannot set.
    """
    query = getattr(url, "query", None) or {}
    values = {}
    for name in sorted(query):
        raw = query[name]
        known = _URL_OPTIONS.get(name)
        if known is None:
            LOG.warning("nova-zmq-bridge: transport_url query parameter %r is ignored: "
                        "the zmq driver takes only %s%s", name, ", ".join(URL_PARAMETERS),
                        _elsewhere_hint(conf, name))
            continue
        opt, option = known
        try:
            if raw is None or raw == "":
                raise ValueError("empty value")
            values[name] = opt.type(raw)
        except (TypeError, ValueError) as exc:
            raise errors.InvalidTransportOption(url, name, raw, exc, option,
                                                _accepted(opt)) from None
    if values:
        LOG.debug("nova-zmq-bridge: transport_url overrides %s", values)
    return values


def _accepted(opt):
    """What an option takes, e.g. ``a floating point value >= 0.1``."""
    text = "a non-empty " + opt.type.type_name if opt.type.type_name == "string value" \
        else "a " + opt.type.type_name
    minimum = getattr(opt.type, "min", None)
    return text if minimum is None else "%s >= %s" % (text, minimum)


def _elsewhere_hint(conf, name):
    """A hint when ``name`` is a [DEFAULT] option of ``conf`` (rpc_response_timeout...)."""
    try:
        registered = (conf is not None and name in conf
                      and not isinstance(conf[name], conf.GroupAttr))
    except Exception:  # noqa: BLE001 - only a hint: a conf that cannot tell gets none
        registered = False
    return " (%s is a [DEFAULT] option: set it in the configuration file)" % name \
        if registered else ""
