-- Forgets one socket of a user.
-- KEYS[1]  the user's hash: socket id -> instance id
-- KEYS[2]  the instance's hash: socket id -> user id
-- ARGV[1]  socket id
-- Returns 1 when the user has no socket left anywhere, else 0.
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
if redis.call('EXISTS', KEYS[1]) == 0 then
  return 1
end
return 0
