-- Sliding window: whether KEYS[1] holds ARGV[2] events of the last ARGV[1]
-- ms (see window_record.lua), and if so how long until the oldest of them
-- leaves the window.
-- KEYS[1]  the key's sorted set
-- ARGV[1]  window, ms
-- ARGV[2]  limit
-- Returns {1, ms until there is room} when full, else {0, 0}.
local window = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) < limit then
  return {0, 0}
end
local oldest = redis.call('ZRANGE', KEYS[1], -limit, -limit, 'WITHSCORES')
return {1, math.max(1, tonumber(oldest[2]) + window - now)}
