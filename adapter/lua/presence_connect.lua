-- Records one socket of a user, held by one instance.
-- KEYS[1]  the user's hash: socket id -> instance id
-- KEYS[2]  the instance's hash: socket id -> user id
-- ARGV[1]  socket id
-- ARGV[2]  instance id
-- ARGV[3]  user id
-- Returns 1 when the socket is the user's only one anywhere, else 0.
local added = redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
if added == 1 and redis.call('HLEN', KEYS[1]) == 1 then
  return 1
end
return 0
