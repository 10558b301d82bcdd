import type { Context } from 'zeromq';
import type { BridgeConfig } from '../config/types';
import type { Logger } from '../log';
import type { Counters } from '../metrics/counters';
import type { Matchmaker } from './types';
import { LocalMatchmaker } from './local';
import { StubMatchmaker } from './stub';
import { RingMatchmaker } from './ring';
import { FanoutRingMatchmaker } from './fanout-ring';
import { RedisMatchmaker } from './redis';
import { MatchmakerConfigError, MatchmakerNotBuiltError } from './errors';
import { BrokerMatchmaker } from './broker';
import { TopicSchedulerMatchmaker } from './topic-scheduler';
import type { ServiceMatchmakerOptions } from './service-matchmaker';
import type { Clock } from '../time/clock';
import type { SocketSecurity } from '../security/types';

/** What every matchmaker may need besides the configuration. */
export interface MatchmakerDeps {
  /**
   * The matchmaker's component logger: the caller binds `component` once
   * (the daemon: `matchmaker`); matchmakers add only their own fields.
   */
  log: Logger;
  /** The daemon's counters (`matchmaker.*`). */
  counters: Counters;
  /** The daemon's ZeroMQ context, for the broker and topic scheduler clients' sockets; zeromq.js's global one when absent. */
  context?: Context;
  /** Time of heartbeats, probes, request deadlines and the ring's reload debounce; the system clock when absent. */
  clock?: Clock;
  /** CURVE keys of the broker / topic scheduler clients (`[zmq_bridge] security`); none when absent. */
  security?: SocketSecurity;
}

/**
 * Build the matchmaker chosen by `rpc_zmq_matchmaker` (already normalized to
 * its kind by the config loader). The caller then awaits `start()`.
 * Throws {@link MatchmakerNotBuiltError} for a kind this build lacks.
 */
export function createMatchmaker(config: BridgeConfig, deps: MatchmakerDeps): Matchmaker {
  switch (config.matchmaker) {
    case 'local':
      return new LocalMatchmaker(config.host);
    case 'stub':
      return new StubMatchmaker(config.host);
    case 'ring':
      return new RingMatchmaker({ ringfile: config.ringfile, log: deps.log, counters: deps.counters, clock: deps.clock });
    case 'fanout_ring':
      return new FanoutRingMatchmaker({ ringfile: config.ringfile, log: deps.log, counters: deps.counters, clock: deps.clock });
    case 'redis':
      return new RedisMatchmaker({
        redis: config.redis,
        heartbeatFreq: config.heartbeatFreq,
        heartbeatTtl: config.heartbeatTtl,
        log: deps.log,
        counters: deps.counters,
        clock: deps.clock,
      });
    case 'broker':
      return new BrokerMatchmaker({ ...serviceClientOptions(config, deps), brokerPort: config.bridge.brokerPort });
    case 'topic_scheduler':
      return new TopicSchedulerMatchmaker({ ...serviceClientOptions(config, deps), schedulerPort: config.bridge.schedulerPort });
    default:
      throw new MatchmakerNotBuiltError(config.matchmaker, config.matchmakerRaw);
  }
}

/** What the broker and topic scheduler clients both take: the broker-role host, heartbeats and the daemon's parts; each adds its port. */
function serviceClientOptions(config: BridgeConfig, deps: MatchmakerDeps): ServiceMatchmakerOptions {
  return {
    brokerIp: needBrokerIp(config),
    heartbeatFreq: config.heartbeatFreq,
    heartbeatTtl: config.heartbeatTtl,
    log: deps.log,
    counters: deps.counters,
    context: deps.context,
    clock: deps.clock,
    security: deps.security,
  };
}

function needBrokerIp(config: BridgeConfig): string {
  if (!config.brokerIp) {
    throw new MatchmakerConfigError(
      `rpc_zmq_matchmaker = ${config.matchmakerRaw} needs rpc_zmq_broker_ip (the host of a daemon with ` +
        `[zmq_bridge] broker_role = true); set it in [DEFAULT] of nova.conf`,
    );
  }
  return config.brokerIp;
}
