-- Sliding window: records one event for KEYS[1], a sorted set of event
-- times (ms, Redis's clock), and keeps only the last ARGV[2] events of the
-- last ARGV[1] ms: what is older cannot matter any more.
-- KEYS[1]  the key's sorted set
-- ARGV[1]  window, ms
-- ARGV[2]  limit: most events kept
-- ARGV[3]  a value unique to this event (two events in one ms both count)
-- Returns the number of events in the window.
local window = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
redis.call('ZADD', KEYS[1], now, now .. ':' .. ARGV[3])
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -limit - 1)
redis.call('PEXPIRE', KEYS[1], window)
return redis.call('ZCARD', KEYS[1])
