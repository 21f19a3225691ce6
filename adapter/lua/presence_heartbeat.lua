-- Moves an instance's deadline to now + ttl, in Redis time so that the
-- clocks of the instances do not matter.
-- KEYS[1]  the sorted set of instances, scored by deadline (ms)
-- ARGV[1]  instance id
-- ARGV[2]  ttl in ms
-- Returns 1 when the instance was registered already, 0 when it was not
-- (first beat, Redis lost its data, or the instance was swept as expired):
-- then the caller registers its sockets again.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local known = redis.call('ZSCORE', KEYS[1], ARGV[1])
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
if known then
  return 1
end
return 0
