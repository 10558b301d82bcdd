/**
 * How a matchmaker sees a wire topic before matchmaking. The legacy
 * matchmakers tried their bindings in order: fanout (`fanout~` prefix) first,
 * then directed (contains a `.`), then bare - this classification mirrors
 * that order. All string surgery goes through wire/topic.ts.
 */
import { fanoutBase, splitDirected, unqualifyTopic, FANOUT_PREFIX } from '../wire/topic';

export type Binding =
  /** `fanout~T` (or `fanout~T.h`): `base` is `T`, possibly exchange-qualified. */
  | { kind: 'fanout'; base: string; key: string }
  /** `T.h`: goes straight to `h`. */
  | { kind: 'direct'; base: string; key: string; host: string }
  /** `T`: one worker chosen by the matchmaker. */
  | { kind: 'bare'; base: string; key: string };

/**
 * Classify `topic`. `base` keeps the exchange qualification (`E:compute`),
 * `key` is the unqualified base topic used for lookups (ring, redis).
 */
export function bindingOf(topic: string): Binding {
  if (topic.startsWith(FANOUT_PREFIX)) {
    const base = fanoutBase(topic)!;
    return { kind: 'fanout', base, key: unqualifyTopic(base).topic };
  }
  const { base, host } = splitDirected(topic);
  if (host !== null) return { kind: 'direct', base, key: unqualifyTopic(base).topic, host };
  return { kind: 'bare', base, key: unqualifyTopic(base).topic };
}
