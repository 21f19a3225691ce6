-- Token bucket: takes one token from the bucket at KEYS[1], refilled at
-- ARGV[1] tokens per second up to ARGV[2]. The clock is Redis's, so every
-- instance sees the same bucket the same way.
-- KEYS[1]  the bucket's hash: tokens, at (ms)
-- ARGV[1]  rate, tokens per second (> 0)
-- ARGV[2]  burst, most tokens held
-- Returns {1, 0} when a token was taken, else {0, ms until one is there}.
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1])
local at = tonumber(state[2])
if tokens == nil or at == nil then
  tokens, at = burst, now
end
tokens = math.min(burst, tokens + math.max(0, now - at) * rate / 1000)
local ok, wait = 0, 0
if tokens >= 1 then
  tokens = tokens - 1
  ok = 1
else
  wait = math.ceil((1 - tokens) * 1000 / rate)
end
redis.call('HSET', KEYS[1], 'tokens', string.format('%.6f', tokens), 'at', string.format('%.3f', now))
-- A bucket left alone refills completely, which is the same as no bucket.
redis.call('PEXPIRE', KEYS[1], math.ceil(burst * 1000 / rate) + 1000)
return {ok, wait}
