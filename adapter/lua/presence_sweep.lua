-- Removes instances whose deadline has passed, and every socket they held,
-- in one step: of several instances sweeping at once, exactly one removes a
-- given dead instance and reports its users.
-- KEYS[1]  the sorted set of instances, scored by deadline (ms)
-- ARGV[1]  key prefix of the instances' hashes
-- ARGV[2]  key prefix of the users' hashes
-- ARGV[3]  most instances to remove in this call
-- ARGV[4]  optional: this instance id, removed whatever its deadline (shutdown)
-- Returns {removed instance ids, users left with no socket anywhere}.
local dead
if ARGV[4] then
  dead = {ARGV[4]}
else
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  dead = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[3]))
end
local offline = {}
for _, id in ipairs(dead) do
  redis.call('ZREM', KEYS[1], id)
  local ikey = ARGV[1] .. id
  local entries = redis.call('HGETALL', ikey)
  for i = 1, #entries, 2 do
    local ukey = ARGV[2] .. entries[i + 1]
    if redis.call('HDEL', ukey, entries[i]) == 1 and redis.call('EXISTS', ukey) == 0 then
      offline[#offline + 1] = entries[i + 1]
    end
  end
  redis.call('DEL', ikey)
end
return {dead, offline}
