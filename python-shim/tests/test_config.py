"""Where the shim finds its daemon, its oslo.config options (and the generator
entry point), transport URL query parameters through real oslo.messaging, and
the one translation of daemon errors into both exception families. No daemon:
the driver connects lazily, and an unreachable socket names the path it tried.
"""
import importlib.metadata
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import types
import unittest

import oslo_messaging
from oslo_config import cfg

from nova_zmq_bridge import errors, impl_zmq, legacy_errors, opts, oslo_errors, settings, translate

PACKAGE_DIR = pathlib.Path(settings.__file__).parent


def _tmpdir(case):
    d = tempfile.mkdtemp(prefix="nzb-shimcfg-")
    case.addCleanup(shutil.rmtree, d, True)
    return d


def _conf(case, text=""):
    """A private ConfigOpts loaded from a nova.conf holding ``text``."""
    path = os.path.join(_tmpdir(case), "nova.conf")
    with open(path, "w") as f:
        f.write(text)
    conf = cfg.ConfigOpts()
    conf([], default_config_files=[path])
    return conf


def _transport(case, conf, url, notification=False):
    get = oslo_messaging.get_notification_transport if notification \
        else oslo_messaging.get_rpc_transport
    transport = get(conf, url)
    case.addCleanup(transport.cleanup)
    return transport


class SocketPathTest(unittest.TestCase):
    def test_explicit_socket_wins_over_the_ipc_dir(self):
        self.assertEqual(settings.socket_path("/run/a.sock", "/tmp/x"), "/run/a.sock")
        self.assertEqual(settings.socket_path(None, "/tmp/x"), "/tmp/x/nova-zmq-bridge.sock")
        self.assertEqual(settings.socket_path("", ""), "/var/run/openstack/nova-zmq-bridge.sock")

    def test_plain_objects_and_unregistered_confs_as_the_legacy_api_passes_them(self):
        self.assertEqual(settings.read(object()), settings.Settings(
            "/var/run/openstack/nova-zmq-bridge.sock", settings.DEFAULT_CONNECT_TIMEOUT,
            settings.DEFAULT_CALL_GRACE, None))
        conf = types.SimpleNamespace(
            rpc_zmq_ipc_dir="/tmp/x",
            zmq_bridge=types.SimpleNamespace(shim_connect_timeout=2, shim_call_grace=None))
        self.assertEqual(settings.read(conf), ("/tmp/x/nova-zmq-bridge.sock", 2.0,
                                               settings.DEFAULT_CALL_GRACE, None))
        conf.zmq_bridge.local_socket = "/run/b.sock"
        self.assertEqual(settings.read(conf).socket_path, "/run/b.sock")
        unregistered = _conf(self)  # a ConfigOpts that never heard of these options
        self.assertEqual(settings.read(unregistered).socket_path,
                         "/var/run/openstack/nova-zmq-bridge.sock")

    def test_overrides_win_and_the_socket_still_derives_from_the_ipc_dir(self):
        conf = types.SimpleNamespace(rpc_zmq_ipc_dir="/tmp/x")
        got = settings.read(conf, {"rpc_zmq_ipc_dir": "/tmp/y", "shim_call_grace": 0.0})
        self.assertEqual(got, ("/tmp/y/nova-zmq-bridge.sock", settings.DEFAULT_CONNECT_TIMEOUT, 0.0, None))

    def test_driver_and_legacy_module_find_the_same_socket(self):
        d = _tmpdir(self)
        for text, want in (
                ("[DEFAULT]\nrpc_zmq_ipc_dir = %s\n" % d, os.path.join(d, "nova-zmq-bridge.sock")),
                ("[DEFAULT]\nrpc_zmq_ipc_dir = %s\n[zmq_bridge]\nlocal_socket = %s/api.sock\n"
                 % (d, d), os.path.join(d, "api.sock"))):
            conf = _conf(self, text)
            driver = _transport(self, conf, "zmq://")._driver
            self.assertEqual(driver.bridge_settings.socket_path, want)
            self.assertEqual(driver._connection.path, want)
            self.assertEqual(impl_zmq.socket_path(conf), want)

    def test_the_socket_file_name_lives_in_one_module(self):
        for path in PACKAGE_DIR.glob("*.py"):
            if path.name != "settings.py":
                self.assertNotIn("nova-zmq-bridge.sock", path.read_text(), path.name)


class OptionsTest(unittest.TestCase):
    def test_list_opts_groups(self):
        groups = {(g.name if isinstance(g, cfg.OptGroup) else g): [o.name for o in lst]
                  for g, lst in opts.list_opts()}
        self.assertEqual(groups, {None: ["rpc_zmq_ipc_dir"],
                                  "zmq_bridge": ["local_socket", "shim_connect_timeout",
                                                 "shim_call_grace", "daemon_user"]})
        self.assertEqual(set(opts.URL_PARAMETERS), set(settings.OVERRIDABLE))

    def test_driver_registers_its_options_on_its_conf_and_reads_the_file(self):
        conf = _conf(self, "[zmq_bridge]\nshim_connect_timeout = 1.5\nshim_call_grace = 4\n")
        first = _transport(self, conf, "zmq://")._driver
        second = _transport(self, conf, "zmq://")._driver  # registering twice is harmless
        self.assertEqual(conf.zmq_bridge.shim_connect_timeout, 1.5)
        for driver in (first, second):
            self.assertEqual((driver.bridge_settings.connect_timeout, driver._call_grace), (1.5, 4.0))

    def test_bad_value_in_the_file_is_an_error_naming_the_option(self):
        conf = _conf(self, "[zmq_bridge]\nshim_connect_timeout = soon\n")
        with self.assertRaises(cfg.ConfigFileValueError) as cm:
            oslo_messaging.get_rpc_transport(conf, "zmq://")
        self.assertIn("shim_connect_timeout", str(cm.exception))

    def test_entry_point_is_installed(self):
        eps = [ep for ep in importlib.metadata.entry_points(group="oslo.config.opts")
               if ep.name == "nova_zmq_bridge"]
        self.assertEqual([ep.value for ep in eps], ["nova_zmq_bridge.opts:list_opts"],
                         "reinstall the shim: bash scripts/setup-test-deps.sh")

    def _generate(self, *extra):
        # The interpreter running these tests (.venv: Debian's python3 with
        # python3-oslo.config and the installed shim), as oslo-config-generator.
        r = subprocess.run([sys.executable, "-m", "oslo_config.generator",
                            "--namespace", "nova_zmq_bridge", *extra],
                           capture_output=True, text=True, timeout=60, check=False)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout

    def test_oslo_config_generator_lists_the_options(self):
        sample = self._generate()
        self.assertIn("[zmq_bridge]", sample)
        for line in ("#rpc_zmq_ipc_dir = /var/run/openstack",
                     "#local_socket = <rpc_zmq_ipc_dir>/nova-zmq-bridge.sock",
                     "#shim_connect_timeout = 5.0", "#shim_call_grace = 10.0"):
            self.assertIn(line, sample)
        self.assertLess(sample.index("#rpc_zmq_ipc_dir"), sample.index("[zmq_bridge]"))
        self.assertLess(sample.index("[zmq_bridge]"), sample.index("#local_socket"))
        doc = json.loads(self._generate("--format", "json"))["options"]
        bridge = {o["name"]: o for o in doc["zmq_bridge"]["opts"]}
        self.assertEqual(sorted(bridge), ["daemon_user", "local_socket", "shim_call_grace",
                                          "shim_connect_timeout"])
        self.assertEqual((bridge["shim_connect_timeout"]["default"],
                          bridge["shim_connect_timeout"]["min"]), (5.0, 0.1))
        self.assertIn("zmq://?local_socket=", bridge["local_socket"]["help"])
        self.assertEqual([o["name"] for o in doc["DEFAULT"]["opts"]], ["rpc_zmq_ipc_dir"])


class TransportUrlTest(unittest.TestCase):
    def test_query_parameters_override_the_file(self):
        d = _tmpdir(self)
        conf = _conf(self, "[zmq_bridge]\nlocal_socket = /nowhere/file.sock\nshim_call_grace = 9\n")
        url = "zmq://?local_socket=%s/url%%20here.sock&shim_connect_timeout=0.5&shim_call_grace=2" % d
        self.assertEqual(oslo_messaging.TransportURL.parse(conf, url).query["local_socket"],
                         d + "/url here.sock")
        for notification in (False, True):
            driver = _transport(self, conf, url, notification)._driver
            self.assertEqual(driver.bridge_settings,
                             (d + "/url here.sock", 0.5, 2.0, None))
            self.assertEqual(driver._connection.connect_timeout, 0.5)
        # The file itself is untouched: a plain zmq:// transport still reads it.
        self.assertEqual(_transport(self, conf, "zmq://")._driver.bridge_settings.socket_path,
                         "/nowhere/file.sock")

    def test_ipc_dir_parameter_moves_the_derived_socket(self):
        d = _tmpdir(self)
        conf = _conf(self, "[DEFAULT]\nrpc_zmq_ipc_dir = /nowhere\n")
        driver = _transport(self, conf, "zmq://?rpc_zmq_ipc_dir=" + d)._driver
        self.assertEqual(driver.bridge_settings.socket_path, os.path.join(d, "nova-zmq-bridge.sock"))

    def test_the_url_socket_is_the_one_used(self):
        d = _tmpdir(self)
        conf = _conf(self)
        t = _transport(self, conf, "zmq://?local_socket=%s/from-url.sock" % d)
        client = oslo_messaging.get_rpc_client(t, oslo_messaging.Target(topic="t"), timeout=1)
        with self.assertRaises(oslo_errors.BridgeUnavailable) as cm:
            client.call({}, "m")
        self.assertIn(os.path.join(d, "from-url.sock"), str(cm.exception))

    def test_unknown_parameter_is_a_warning_not_a_crash(self):
        d = _tmpdir(self)
        conf = _conf(self, "[DEFAULT]\nrpc_response_timeout = 7\n")
        conf.register_opts([cfg.IntOpt("rpc_response_timeout", default=60)])
        with self.assertLogs("nova_zmq_bridge.opts", level="WARNING") as logs:
            driver = _transport(self, conf, "zmq://?local_sockte=/x&rpc_response_timeout=3"
                                "&local_socket=%s/s.sock" % d)._driver
        self.assertEqual(driver.bridge_settings.socket_path, os.path.join(d, "s.sock"))
        text = "\n".join(logs.output)
        self.assertIn("'local_sockte' is ignored", text)
        self.assertIn("local_socket, rpc_zmq_ipc_dir, shim_call_grace, shim_connect_timeout", text)
        self.assertIn("'rpc_response_timeout' is ignored", text)
        self.assertIn("rpc_response_timeout is a [DEFAULT] option", text)
        self.assertEqual(len(logs.output), 2)

    def test_bad_values_are_clear_errors(self):
        conf = _conf(self)
        cases = {"zmq://?shim_connect_timeout=soon": ("shim_connect_timeout", "'soon'",
                                                      "floating point value >= 0.1"),
                 "zmq://?shim_connect_timeout=0": ("shim_connect_timeout", "greater than or equal",
                                                   "[zmq_bridge] shim_connect_timeout"),
                 "zmq://?shim_call_grace=-1": ("shim_call_grace", "'-1'", ">= 0"),
                 "zmq://?shim_call_grace=1&shim_call_grace=2": ("shim_call_grace", "'1,2'", "")}
        for url, wanted in cases.items():
            with self.subTest(url=url):
                with self.assertRaises(oslo_messaging.InvalidTransportURL) as cm:
                    oslo_messaging.get_rpc_transport(conf, url)
                for part in wanted:
                    self.assertIn(part, str(cm.exception))
                self.assertIn("transport_url query parameter", str(cm.exception))
        empty = oslo_messaging.TransportURL(conf, "zmq", query={"local_socket": ""})
        with self.assertRaises(oslo_messaging.InvalidTransportURL) as cm:
            oslo_messaging.get_notification_transport(conf, empty)
        self.assertIn("local_socket", str(cm.exception))
        self.assertIn("non-empty string value", str(cm.exception))
        self.assertIs(cm.exception.url, empty)


class TranslationTest(unittest.TestCase):
    CODES = ("PROTOCOL", "INVALID", "NO_ROUTE", "SEND_FAILED", "QUEUE_FULL", "SHUTDOWN",
             "MATCHMAKER_SERVICE_UNAVAILABLE", "SOMETHING_NEW")

    def _answer(self, code):
        return {"op": "error", "rid": 3, "code": code, "message": "why-%s" % code}

    def test_refusals_become_delivery_failures_with_their_code(self):
        for code in self.CODES:
            with self.subTest(code=code):
                exc = errors.from_answer(self._answer(code), "cast of m to t")
                self.assertEqual(translate.outcome(exc), translate.REFUSED)
                oslo = translate.to_oslo(exc)
                self.assertIsInstance(oslo, oslo_errors.BridgeDeliveryFailure)
                self.assertIsInstance(oslo, oslo_messaging.MessageDeliveryFailure)
                legacy = translate.to_legacy(exc)
                self.assertIsInstance(legacy, legacy_errors.DeliveryFailure)
                for e in (oslo, legacy):
                    self.assertEqual(e.code, code)
                    self.assertIn("cast of m to t", str(e))
                    self.assertIn("why-%s" % code, str(e))

    def test_daemon_timeout_is_a_timeout_in_both_families(self):
        exc = errors.from_answer(self._answer("TIMEOUT"), "message ping on topic t")
        self.assertEqual(str(exc), "Timed out waiting for a reply to message ping on topic t "
                                   "(why-TIMEOUT)")
        self.assertIs(type(translate.to_oslo(exc)), oslo_messaging.MessagingTimeout)
        self.assertIs(type(translate.to_legacy(exc)), legacy_errors.Timeout)
        self.assertIn("(no reply)", str(errors.from_answer({"op": "error", "code": "TIMEOUT"})))

    def test_connection_errors(self):
        cases = ((errors.DaemonUnavailable("/s", "refused"), oslo_errors.BridgeUnavailable,
                  legacy_errors.DaemonUnavailable),
                 (errors.ConnectionLost("/s", "reset"), oslo_errors.BridgeCallInterrupted,
                  legacy_errors.Timeout),
                 (errors.RequestTimeout("call", 2.0), oslo_messaging.MessagingTimeout,
                  legacy_errors.Timeout),
                 (errors.ProtocolError("bad frame"), oslo_messaging.MessagingException,
                  legacy_errors.RPCException))
        for exc, oslo_cls, legacy_cls in cases:
            with self.subTest(exc=type(exc).__name__):
                self.assertIs(type(translate.to_oslo(exc)), oslo_cls)
                self.assertIs(type(translate.to_legacy(exc)), legacy_cls)
                self.assertEqual(str(translate.to_oslo(exc)), str(exc))
        self.assertTrue(issubclass(oslo_errors.BridgeCallInterrupted, oslo_messaging.MessagingTimeout))

    def test_front_ends_expose_the_same_classes(self):
        from nova_zmq_bridge import driver
        self.assertIs(driver.BridgeUnavailable, oslo_errors.BridgeUnavailable)
        self.assertIs(impl_zmq.Timeout, legacy_errors.Timeout)
        self.assertIs(impl_zmq.DeliveryFailure, legacy_errors.DeliveryFailure)

    def test_check_answer(self):
        ok = {"op": "ok", "rid": 1}
        self.assertIs(errors.check_answer(ok), ok)
        with self.assertRaises(errors.RequestFailed) as cm:
            errors.check_answer(self._answer("NO_ROUTE"))
        self.assertIn("refused the request: NO_ROUTE: why-NO_ROUTE", str(cm.exception))

    def test_daemon_codes_are_mapped_in_one_module(self):
        # errors.py maps daemon codes, translate.py maps outcomes: no front end
        # decides on a code by itself again.
        for path in PACKAGE_DIR.glob("*.py"):
            if path.name not in ("errors.py", "translate.py"):
                text = path.read_text()
                self.assertNotIn('"TIMEOUT"', text, path.name)
                self.assertNotIn(".code ==", text, path.name)


class DependenciesTest(unittest.TestCase):
    """Standard library, msgpack and oslo only: never pyzmq, nothing compiled."""

    def _run(self, blocked, code):
        prelude = "import sys\nfor m in %r: sys.modules[m] = None\n" % (blocked,)
        r = subprocess.run([sys.executable, "-c", prelude + code], cwd=PACKAGE_DIR.parent,
                           capture_output=True, text=True, timeout=60, check=False)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout

    def test_driver_without_pyzmq(self):
        out = self._run(("zmq",), "from nova_zmq_bridge import driver, opts\n"
                                  "print(sorted(m for m, mod in sys.modules.items()\n"
                                  "             if m.split('.')[0] == 'zmq' and mod is not None))")
        self.assertEqual(out.strip(), "[]")

    def test_legacy_module_without_oslo_or_pyzmq(self):
        out = self._run(("zmq", "oslo_config", "oslo_messaging", "oslo_serialization"), (
            "import types\nfrom nova_zmq_bridge import impl_zmq\n"
            "conf = types.SimpleNamespace(rpc_zmq_ipc_dir='/nonexistent-nzb')\n"
            "print(impl_zmq.socket_path(conf))\n"
            "try:\n    impl_zmq.cast(conf, {}, 't', {'method': 'm'})\n"
            "except impl_zmq.DaemonUnavailable as exc:\n    print('unavailable', exc)\n"))
        self.assertIn("/nonexistent-nzb/nova-zmq-bridge.sock\nunavailable", out)

    def test_pure_python_package(self):
        files = {p.suffix for p in PACKAGE_DIR.iterdir() if p.is_file()}
        self.assertEqual(files, {".py"})


if __name__ == "__main__":
    unittest.main()
