"""Lua scripts of the Redis backends. Each touches keys of one hash slot only, so they run on a cluster.

Customer scripts get the customer's fixed keys in keys.CUSTOMER_FIELDS order:
1 events, 2 purchases, 3 pcounts, 4 cart, 5 consent, 6 features, 7 ids, 8 alias, 9 dedup, 10 logids, 11 aux.
Impression keys (listed in aux) are reached as <tag>:<suffix>, in the same slot as the declared keys.
A script called on a customer that has meanwhile been linked (alias set) returns -1: the caller resolves again.
"""

from __future__ import annotations

# KEYS: active, state, replaced. ARGV: version, now. Returns 'ok' or the state that prevents activation.
ACTIVATE = """
local st = redis.call('HGET', KEYS[2], ARGV[1])
if st ~= 'ready' then return st or 'absent' end
local prev = redis.call('GET', KEYS[1])
redis.call('SET', KEYS[1], ARGV[1])
if prev and prev ~= ARGV[1] then redis.call('HSET', KEYS[3], prev, ARGV[2]) end
redis.call('HDEL', KEYS[3], ARGV[1])
return 'ok'
"""

# KEYS: active, info, state, replaced. ARGV: op (stage|seal|drop), version, info payload.
VERSION_RECORD = """
local v = ARGV[2]
if ARGV[1] == 'seal' then
  local st = redis.call('HGET', KEYS[3], v)
  if st ~= 'staging' then return st or 'absent' end
  redis.call('HSET', KEYS[2], v, ARGV[3])
  redis.call('HSET', KEYS[3], v, 'ready')
  return 'ok'
end
if redis.call('GET', KEYS[1]) == v then return 'active' end
if ARGV[1] == 'stage' then
  redis.call('HSET', KEYS[2], v, ARGV[3])
  redis.call('HSET', KEYS[3], v, 'staging')
else
  redis.call('HDEL', KEYS[2], v)
  redis.call('HDEL', KEYS[3], v)
  redis.call('HDEL', KEYS[4], v)
end
return 'ok'
"""

# ARGV: cap, dedup max, retention seconds (0 = none), then per event: event_id, kind (p|c|-), item_id,
# timestamp, payload, log position. Returns one 1/0 per event (0 = event_id seen before).
# An anonymous id (no features, no linked ids, no imported consent) gets its keys expired `retention`
# after its last event.
APPEND_EVENTS = """
if redis.call('EXISTS', KEYS[8]) == 1 then return -1 end
local out = {}
for i = 4, #ARGV, 6 do
  local eid, kind, item, ts = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
  if redis.call('ZSCORE', KEYS[9], eid) then
    out[#out + 1] = 0
  else
    redis.call('ZADD', KEYS[9], ts, eid)
    redis.call('ZADD', KEYS[1], ts, ARGV[i + 4])
    redis.call('RPUSH', KEYS[10], ARGV[i + 5])
    if kind == 'p' then
      if tonumber(ts) > tonumber(redis.call('HGET', KEYS[2], item) or '0') then
        redis.call('HSET', KEYS[2], item, ts)
      end
      redis.call('HINCRBY', KEYS[3], item, 1)
      redis.call('HDEL', KEYS[4], item)
    elseif kind == 'c' then
      redis.call('HSET', KEYS[4], item, ts)
    end
    out[#out + 1] = 1
  end
end
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -(tonumber(ARGV[1]) + 1))
redis.call('ZREMRANGEBYRANK', KEYS[9], 0, -(tonumber(ARGV[2]) + 1))
local retention = tonumber(ARGV[3])
local known = redis.call('EXISTS', KEYS[6]) == 1 or redis.call('EXISTS', KEYS[7]) == 1
known = known or redis.call('TTL', KEYS[5]) == -1  -- consent imported (kept without expiry)
if retention > 0 and not known then
  for i, key in ipairs(KEYS) do
    if i ~= 8 then redis.call('EXPIRE', key, retention) end
  end
end
return out
"""

# KEYS: the customer's fixed keys (keys.CUSTOMER_FIELDS order). A customer from now on (features imported,
# an id linked into it): its state no longer expires.
PERSIST = """
for i, key in ipairs(KEYS) do
  if i ~= 8 then redis.call('PERSIST', key) end
end
return 1
"""

# On the anonymous id's slot: set its alias and take its data out atomically (later writes under the
# anonymous id are redirected to the customer). ARGV: customer id, '<tag>:'.
# Returns {0, existing alias} when already linked, else {1, msgpack of the data}.
MOVE_OUT = """
local alias = redis.call('GET', KEYS[8])
if alias then return {0, alias} end
redis.call('SET', KEYS[8], ARGV[1])
local aux = {}
for _, suffix in ipairs(redis.call('SMEMBERS', KEYS[11])) do
  aux[#aux + 1] = {suffix, redis.call('ZRANGE', ARGV[2] .. suffix, 0, -1, 'WITHSCORES')}
  redis.call('DEL', ARGV[2] .. suffix)
end
local data = {
  redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES'), redis.call('HGETALL', KEYS[2]),
  redis.call('HGETALL', KEYS[3]), redis.call('HGETALL', KEYS[4]), redis.call('HGETALL', KEYS[5]),
  redis.call('HGETALL', KEYS[6]), redis.call('SMEMBERS', KEYS[7]),
  redis.call('ZRANGE', KEYS[9], 0, -1, 'WITHSCORES'), redis.call('LRANGE', KEYS[10], 0, -1), aux}
for i, key in ipairs(KEYS) do
  if i ~= 8 then redis.call('DEL', key) end
end
return {1, cmsgpack.pack(data)}
"""

# On the customer's slot: merge what MOVE_OUT took. ARGV: data, anonymous id, '<tag>:', dedup max, retention.
MERGE_IN = """
local d = cmsgpack.unpack(ARGV[1])
local function each(flat, fn) for i = 1, #flat, 2 do fn(flat[i], flat[i + 1]) end end
local function keep_max(key) return function(item, ts)
  if tonumber(ts) > tonumber(redis.call('HGET', key, item) or '0') then redis.call('HSET', key, item, ts) end
end end
each(d[1], function(m, s) redis.call('ZADD', KEYS[1], s, m) end)
each(d[2], keep_max(KEYS[2]))
each(d[3], function(item, n) redis.call('HINCRBY', KEYS[3], item, n) end)
each(d[4], keep_max(KEYS[4]))
each(d[5], function(k, v) redis.call('HSETNX', KEYS[5], k, v) end)
each(d[6], function(k, v) redis.call('HSETNX', KEYS[6], k, v) end)
for _, id in ipairs(d[7]) do redis.call('SADD', KEYS[7], id) end
redis.call('SADD', KEYS[7], ARGV[2])
each(d[8], function(m, s) redis.call('ZADD', KEYS[9], s, m) end)
redis.call('ZREMRANGEBYRANK', KEYS[9], 0, -(tonumber(ARGV[4]) + 1))
for _, pos in ipairs(d[9]) do redis.call('RPUSH', KEYS[10], pos) end
for i, key in ipairs(KEYS) do
  if i ~= 8 then redis.call('PERSIST', key) end
end
for _, a in ipairs(d[10]) do
  local key = ARGV[3] .. a[1]
  redis.call('SADD', KEYS[11], a[1])
  each(a[2], function(m, s) redis.call('ZADD', key, s, m) end)
  redis.call('EXPIRE', key, ARGV[5])
end
return 1
"""

# Delete every key of one customer id. ARGV: '<tag>:'. Returns {keys removed, linked ids, log positions}.
ERASE = """
local aux = redis.call('SMEMBERS', KEYS[11])
local removed = 0
for _, suffix in ipairs(aux) do removed = removed + redis.call('DEL', ARGV[1] .. suffix) end
local ids = redis.call('SMEMBERS', KEYS[7])
local positions = redis.call('LRANGE', KEYS[10], 0, -1)
removed = removed + redis.call('DEL', unpack(KEYS))
return {removed, ids, positions}
"""

# KEYS: the customer's consent, features and ids. ARGV: max purposes (0 = no bound), retention seconds
# (0 = none), then purpose, '1'|'0' pairs. Returns {1, HGETALL after the update}, or
# {0, purposes held, purposes the update would add} when refused. An anonymous id's consent expires.
SET_CONSENT = """
local max, new = tonumber(ARGV[1]), 0
for i = 3, #ARGV, 2 do
  if redis.call('HEXISTS', KEYS[1], ARGV[i]) == 0 then new = new + 1 end
end
local held = redis.call('HLEN', KEYS[1])
if max > 0 and new > 0 and held + new > max then return {0, held, new} end
local kept = redis.call('TTL', KEYS[1]) == -1  -- consent held without expiry: an imported customer's
for i = 3, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
local retention = tonumber(ARGV[2])
if retention > 0 and not kept and redis.call('EXISTS', KEYS[2]) == 0 and redis.call('EXISTS', KEYS[3]) == 0 then
  redis.call('EXPIRE', KEYS[1], retention)
end
return {1, redis.call('HGETALL', KEYS[1])}
"""

# Rebuild the event log without the entries erasure XDELeted: XDEL only flags an entry inside its stream
# node (still in memory and in DUMP) until every entry of the node is gone. One step copies up to ARGV[2]
# live entries after ARGV[1] ('' = start anew) into the rewrite key, with their ids, so each call blocks
# the server briefly. The step that reaches the log's end (within the same atomic call, so no append can
# slip in between) keeps the last generated id (new ids stay above every export position) and renames the
# copy over the log. KEYS: log, rewrite (one hash slot). The caller holds the erasure lock, so no other
# XDEL happens meanwhile. Returns {0, last copied id} to continue, or {1, entries in the rebuilt log}.
REBUILD_LOG_STEP = """
if ARGV[1] == '' then redis.call('DEL', KEYS[2]) end
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('DEL', KEYS[2])
  return {1, 0}
end
local start = '-'
if ARGV[1] ~= '' then start = '(' .. ARGV[1] end
local count = tonumber(ARGV[2])
local batch = redis.call('XRANGE', KEYS[1], start, '+', 'COUNT', count)
for _, e in ipairs(batch) do redis.call('XADD', KEYS[2], e[1], unpack(e[2])) end
if #batch == count then return {0, batch[#batch][1]} end
local info = redis.call('XINFO', 'STREAM', KEYS[1])
local last
for i = 1, #info, 2 do if info[i] == 'last-generated-id' then last = info[i + 1] end end
if redis.call('EXISTS', KEYS[2]) == 0 then
  redis.call('XADD', KEYS[2], '0-1', 'e', '')
  redis.call('XDEL', KEYS[2], '0-1')
end
redis.call('XSETID', KEYS[2], last)
redis.call('RENAME', KEYS[2], KEYS[1])
return {1, redis.call('XLEN', KEYS[1])}
"""

# KEYS: a lock. ARGV: the holder's token. Deletes the lock only when this holder still has it.
RELEASE_LOCK = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""

# KEYS: the offer's 'used' counter. ARGV: budget. Takes one unit unless the budget is spent.
TAKE_BUDGET = """
if tonumber(redis.call('GET', KEYS[1]) or '0') >= tonumber(ARGV[1]) then return 0 end
redis.call('INCR', KEYS[1])
return 1
"""

# KEYS: offer impressions, channel impressions, aux, alias (one customer's slot).
# ARGV: now, cap count, cap seconds, fatigue count, fatigue seconds, member, retention, offer suffix,
# channel suffix. Sliding windows: an impression at t counts while t > now - seconds.
TAKE_CAPS = """
if redis.call('EXISTS', KEYS[4]) == 1 then return -1 end
local now = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[7]))
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - tonumber(ARGV[7]))
local cap, fatigue = tonumber(ARGV[2]), tonumber(ARGV[4])
if cap > 0 and redis.call('ZCOUNT', KEYS[1], '(' .. (now - tonumber(ARGV[3])), '+inf') >= cap then
  return 0
end
if fatigue > 0 and redis.call('ZCOUNT', KEYS[2], '(' .. (now - tonumber(ARGV[5])), '+inf') >= fatigue then
  return 0
end
redis.call('ZADD', KEYS[1], now, ARGV[6])
redis.call('ZADD', KEYS[2], now, ARGV[6])
redis.call('EXPIRE', KEYS[1], ARGV[7])
redis.call('EXPIRE', KEYS[2], ARGV[7])
redis.call('SADD', KEYS[3], ARGV[8], ARGV[9])
return 1
"""

# Standalone Redis only (its keys span slots; the cluster backend pipelines the same reads instead).
# KEYS: active, alias, then the customer's events, purchases, pcounts, cart, consent, features, ids, then
# the rows asked for, then the store's stock set when asked (ARGV[1] = '1'). Returns the replies in that
# order, hashes as flat arrays; only active and alias when the id is an alias (the caller reads again).
SNAPSHOT = """
local out = {redis.call('GET', KEYS[1]), redis.call('GET', KEYS[2])}
if out[2] then return out end
out[3] = redis.call('ZREVRANGE', KEYS[3], 0, -1)
for i = 4, 8 do out[i] = redis.call('HGETALL', KEYS[i]) end
out[9] = redis.call('SMEMBERS', KEYS[9])
local rows = #KEYS
if ARGV[1] == '1' then rows = rows - 1 end
for i = 10, rows do out[i] = redis.call('GET', KEYS[i]) end
if ARGV[1] == '1' then out[#KEYS] = redis.call('SMEMBERS', KEYS[#KEYS]) end
return out
"""

# KEYS: one client's request counter. ARGV: window ms. Returns {count, ms until the window ends}.
# A fixed window that starts at the client's first request; INCR and its expiry in one atomic step, so
# every worker and replica counts against the same budget and a counter never outlives its window.
COUNT_REQUESTS = """
local n = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {n, ttl}
"""

# KEYS: the offer catalogue, its digest (one slot). ARGV: payload, digest. Both change together, so a reader
# that sees the new digest reads the new catalogue.
PUT_CATALOG = """
redis.call('SET', KEYS[1], ARGV[1])
redis.call('SET', KEYS[2], ARGV[2])
return 1
"""
