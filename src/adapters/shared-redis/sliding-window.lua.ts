/**
 * Exact sliding-window rate limit over one Redis list of request times (ms, oldest first), run
 * atomically as one script. Time comes from the Redis server, so replicas with skewed clocks agree.
 * KEYS[1]: the list; ARGV[1]: limit; ARGV[2]: window in ms.
 * Returns {allowed (0|1), remaining, retry-after in ms}. Refused requests are not recorded.
 * Each entry is pushed once and popped once (amortised O(1)). An entry is pushed only while fewer
 * than `limit` are in the window, so the list never holds more than the largest limit used with
 * it; it expires with its window, so idle keys cost nothing. A lowered limit keeps the history,
 * so the answer stays exact if the limit is raised again. The entry that frees the next slot is
 * the one `limit` places from the newest.
 */
export const SLIDING_WINDOW_SCRIPT = `
if redis.replicate_commands then redis.replicate_commands() end
local key = KEYS[1]
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local edge = now - window
while true do
  local head = redis.call('LINDEX', key, 0)
  if not head or tonumber(head) > edge then break end
  redis.call('LPOP', key)
end
local count = redis.call('LLEN', key)
if count >= limit then
  local freeing = tonumber(redis.call('LINDEX', key, count - limit))
  return {0, 0, freeing + window - now}
end
redis.call('RPUSH', key, string.format('%d', now))
redis.call('PEXPIRE', key, window)
return {1, limit - count - 1, 0}
`;
