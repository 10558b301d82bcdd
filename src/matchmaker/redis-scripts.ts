/**
 * The Lua script of the Redis matchmaker's look-ups.
 *
 * Reading a set's members, checking their liveness keys and removing the
 * dead ones used to be separate commands. Between the check and the
 * removal another host could register again (its key had just expired), and
 * the removal then took away a live member whose key kept being refreshed:
 * the host stayed unroutable for good (issue 12, item 6). Run as one script,
 * Redis executes the three steps atomically, so a member is removed only if
 * its key is missing at that very moment.
 *
 * It reads liveness keys that are not in KEYS: fine on a standalone Redis
 * (what `[matchmaker_redis]` names); the layout was never meant for Redis
 * Cluster, where a topic's set and its members' keys live in different slots.
 */

/**
 * KEYS[1]: a registration set; ARGV[1]: the prefix that makes a member its
 * liveness key (`''` for topic sets, `<set>@` for server sets, see
 * redis-keys.ts). Returns `[liveMembers, deadCount]`; the dead members are
 * removed from the set by the same call.
 */
export const LIVE_MEMBERS_SCRIPT = `
local live = {}
local dead = 0
for _, m in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if redis.call('EXISTS', ARGV[1] .. m) == 1 then
    live[#live + 1] = m
  else
    redis.call('SREM', KEYS[1], m)
    dead = dead + 1
  end
end
return {live, dead}
`;

/** The script's answer, as node-redis hands it over. */
export function parseLiveMembers(reply: unknown): { live: string[]; dead: number } {
  if (!Array.isArray(reply) || reply.length !== 2 || !Array.isArray(reply[0])) {
    throw new Error(`unexpected answer of the live-members script: ${JSON.stringify(reply)}`);
  }
  return { live: (reply[0] as unknown[]).map(String), dead: Number(reply[1]) };
}
