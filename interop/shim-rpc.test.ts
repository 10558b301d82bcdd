// The shim between two hosts on one machine: oslo.messaging RPCServers and
// RPCClients (transport_url = zmq://) on daemons bound to two loopback
// addresses (A, B) of a cluster, with the daemons' defaults (plaintext).
// The scenarios live in interop/support/shim-rpc-scenarios.ts; the same run
// with CURVE in interop/shim-rpc-curve.test.ts.
import { shimRpcScenarios } from './support/shim-rpc-scenarios';

shimRpcScenarios();
