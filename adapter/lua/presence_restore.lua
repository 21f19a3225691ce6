-- Registers sockets an instance holds but Redis does not know about, and
-- the instance itself.
-- KEYS[1]  the sorted set of instances
-- KEYS[2]  the instance's hash: socket id -> user id
-- ARGV[1]  key prefix of the users' hashes
-- ARGV[2]  instance id
-- ARGV[3]  ttl in ms
-- ARGV[4..] pairs of user id, socket id
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[2])
for i = 4, #ARGV, 2 do
  redis.call('HSET', ARGV[1] .. ARGV[i], ARGV[i + 1], ARGV[2])
  redis.call('HSET', KEYS[2], ARGV[i + 1], ARGV[i])
end
return 0
