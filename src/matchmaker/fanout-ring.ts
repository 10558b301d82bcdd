import { RingMatchmaker } from './ring';

/**
 * `rpc_zmq_matchmaker = fanout_ring` (the seed's `MatchMakerFanoutRing`):
 * the same ring file as {@link RingMatchmaker}; bare topics round-robin,
 * fanout returns every host of the topic. The seed distinguished it from
 * the ring because early rings had no broker-less fanout; here both do, so
 * it differs only in name - kept so configurations naming it keep working.
 */
export class FanoutRingMatchmaker extends RingMatchmaker {
  override readonly kind: string = 'fanout_ring';
}
