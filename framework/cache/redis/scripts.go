package redis

import goredis "github.com/redis/go-redis/v9"

// The Lua scripts below are the store's only writes (besides counters), so
// that each write, its index updates and its stream message are one atomic
// step: a reader that sees the message finds the new state.
//
// Times are 19-digit zero-padded Unix nanoseconds, which Lua compares as
// strings (its numbers are doubles, too coarse for nanoseconds).
//
// Stamp hashes have fields r (the latest stale-mode invalidation), x (the
// latest expire-mode one) and f (a floor, see putScript). Every write of a
// stamp gives it a TTL of at least the stamp TTL (the entry TTL plus
// stampMargin), and every write of a row covered by it extends it so, so
// a stamp outlives the rows it covers and nothing of an unknown slug
// stays forever.
//
// The index of a tag ("tz:" tag) or path ("pz:" path) is a sorted set of
// the rows that carry it, scored by their last write in Redis's time in
// milliseconds: each write drops the members older than the entry TTL
// (their rows expired) and, past the cap, the oldest. Earlier versions
// kept plain sets under "ti:" and "pi:"; those are no longer read or
// written, and expire with their TTL.
//
// The stream
// messages have fields q (a sequence number from the INCR of the seq key,
// so that a reader detects messages it never got), o (the origin: the
// Store handle that wrote), k (the kind: e entry, t tag, p path, a all)
// and n (the names, packed).

// names are the Lua functions that read and write a list of strings in
// the store's packed form (see pack): exact bytes, whatever they hold.
const luaNames = `
local function unpacknames(s)
	local out, i = {}, 1
	while i <= #s do
		local c = string.find(s, ':', i, true)
		local n = tonumber(string.sub(s, i, c - 1))
		out[#out + 1] = string.sub(s, c + 1, c + n)
		i = c + n + 1
	end
	return out
end
local function packnames(t)
	local parts = {}
	for _, v in ipairs(t) do
		parts[#parts + 1] = #v .. ':' .. v
	end
	return table.concat(parts)
end
`

// appendChange is the Lua function every write script ends with (after
// luaNames).
const appendChange = `
local function append(base, origin, maxlen, kind, list)
	local q = redis.call('INCR', base .. 'q')
	redis.call('XADD', base .. 's', 'MAXLEN', '~', maxlen, '*', 'q', q, 'o', origin, 'k', kind, 'n', packnames(list))
end
`

// luaCover are the Lua functions (after luaNames) that keep a row's
// index memberships and stamps, as Put and SetMeta write the row.
const luaCover = `
local function clock()
	local t = redis.call('TIME')
	local us = tonumber(t[2])
	return tonumber(t[1]) * 1000 + math.floor(us / 1000), t[1] .. string.format('%06d', us) .. '000'
end
local function extend(k, ms)
	local left = redis.call('PTTL', k)
	if left ~= -2 and left < ms then
		redis.call('PEXPIRE', k, ms)
	end
end
local function cover(idx, stamp, row, ttl, sttl, cap, floor)
	local nowms, now = clock()
	if floor and redis.call('EXISTS', stamp) == 0 then
		if redis.call('EXISTS', idx) == 1 then
			floor = now
		end
		redis.call('HSET', stamp, 'f', floor)
	end
	redis.call('ZADD', idx, string.format('%d', nowms), row)
	if ttl > 0 then
		redis.call('ZREMRANGEBYSCORE', idx, '-inf', '(' .. string.format('%d', nowms - ttl))
		redis.call('PEXPIRE', idx, ttl)
	end
	local n = redis.call('ZCARD', idx)
	if n > cap then
		redis.call('ZREMRANGEBYRANK', idx, 0, n - cap - 1)
	end
	if sttl > 0 then
		extend(stamp, sttl)
	end
end
`

// entryFields are the fields getScript returns, in this order.
var entryFields = []string{"g", "f", "r", "b", "e", "n", "h", "t", "a", "z", "body", "gz", "br"}

// luaRows are the Lua functions (after luaNames) that name a build's row
// of a key (see keys.row) and read one row with the stamps covering it.
const luaRows = `
local function rowid(build, key)
	return #build .. ':' .. build .. key
end
local function splitrow(r)
	local c = string.find(r, ':', 1, true)
	local n = tonumber(string.sub(r, 1, c - 1))
	return string.sub(r, c + 1, c + n), string.sub(r, c + n + 1)
end
local function readrow(base, ek, path, bodies)
	local fields = {'g', 'f', 'r', 'b', 'e', 'n', 'h', 't', 'a', 'z'}
	if bodies then
		fields[#fields + 1] = 'body'
		fields[#fields + 1] = 'gz'
		fields[#fields + 1] = 'br'
	end
	local out = redis.call('HMGET', ek, unpack(fields))
	if not out[1] then
		return false
	end
	local function stamp(k)
		local s = redis.call('HMGET', k, 'r', 'x', 'f')
		out[#out + 1] = s[1]
		out[#out + 1] = s[2]
		out[#out + 1] = s[3]
	end
	stamp(base .. 'p:' .. path)
	stamp(base .. 'g')
	for _, tag in ipairs(unpacknames(out[8])) do
		stamp(base .. 't:' .. tag)
	end
	return out
end
`

// getScript returns the row of key that a handle of build ARGV[4] reads
// (its own build's, else the most recently generated row of any build)
// and the stamps covering it: its path's (ARGV[2]), the global one, and
// each of its tags', each as the fields r, x and f (all false for a stamp
// hash that does not exist). KEYS[1] is the key's builds hash (build ->
// generated at). ARGV: 1 base, 2 path, 3 key, 4 build, 5 "meta" to leave
// the bodies out. Builds whose row is gone (expired, evicted) are dropped
// from the builds hash on the way.
var getScript = goredis.NewScript(luaNames + luaRows + `
local base, path, key, build, bodies = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5] ~= 'meta'
local builds = redis.call('HGETALL', KEYS[1])
if build ~= '' and redis.call('HEXISTS', KEYS[1], build) == 1 then
	local row = readrow(base, base .. 'e:' .. rowid(build, key), path, bodies)
	if row then
		return row
	end
	redis.call('HDEL', KEYS[1], build)
end
while true do
	local best, bestg = nil, nil
	for i = 1, #builds, 2 do
		if builds[i + 1] and (not bestg or builds[i + 1] > bestg) then
			best, bestg = i, builds[i + 1]
		end
	end
	if not best then
		return false
	end
	local row = readrow(base, base .. 'e:' .. rowid(builds[best], key), path, bodies)
	if row then
		return row
	end
	redis.call('HDEL', KEYS[1], builds[best])
	builds[best + 1] = false
end
`)

// rowScript returns one row (KEYS[1]) and its stamps, as getScript does,
// without bodies. ARGV: 1 base, 2 path.
var rowScript = goredis.NewScript(luaNames + luaRows + `
return readrow(ARGV[1], KEYS[1], ARGV[2], false)
`)

// putScript writes an entry's build's row unless that row was rendered
// later.
//
// KEYS[1] is the row hash, KEYS[2] the key's builds hash. ARGV: 1 base,
// 2 key, 3 path, 4 origin, 5 stream maxlen, 6 ttl ms (0: none), 7 floor
// (generated at minus 1 ns), 8 build, 9 stamp ttl ms (0: none), 10 index
// cap, then the entry's fields as name, value pairs, g first.
//
// It makes sure a stamp hash exists for the path and every tag: a stamp
// that Redis evicted is then told from one that never was (getScript's
// caller treats a missing one as an invalidation now). A stamp hash it
// creates gets the floor f: entries generated at or before it count as
// revalidated. For a name new to Redis (no index either) the floor is the
// entry's render minus 1 ns, so the page reads fresh. A stamp missing
// while its index is there was evicted, and may have held an invalidation
// later than this render's start: the floor is then Redis's time now, so
// that this page and the name's others read as revalidated, never fresh.
var putScript = goredis.NewScript(luaNames + luaRows + luaCover + appendChange + `
local base, key, path, origin, maxlen, ttl, floor, build = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], tonumber(ARGV[6]), ARGV[7], ARGV[8]
local sttl, cap = tonumber(ARGV[9]), tonumber(ARGV[10])
local gen = ARGV[12]
local row = rowid(build, key)
local cur = redis.call('HGET', KEYS[1], 'g')
if cur and cur > gen then
	return 0
end
local old = redis.call('HGET', KEYS[1], 't')
redis.call('DEL', KEYS[1])
local fields = {}
for i = 11, #ARGV do
	fields[#fields + 1] = ARGV[i]
end
redis.call('HSET', KEYS[1], unpack(fields))
redis.call('HSET', KEYS[2], build, gen)
if ttl > 0 then
	redis.call('PEXPIRE', KEYS[1], ttl)
	redis.call('PEXPIRE', KEYS[2], ttl)
end
local tags = unpacknames(redis.call('HGET', KEYS[1], 't'))
-- Only the tags the row no longer carries leave: emptying the index of
-- a tag it keeps would make that tag look new to cover.
if old then
	local keep = {}
	for _, tag in ipairs(tags) do
		keep[tag] = true
	end
	for _, tag in ipairs(unpacknames(old)) do
		if not keep[tag] then
			redis.call('ZREM', base .. 'tz:' .. tag, row)
		end
	end
end
for _, tag in ipairs(tags) do
	cover(base .. 'tz:' .. tag, base .. 't:' .. tag, row, ttl, sttl, cap, floor)
end
cover(base .. 'pz:' .. path, base .. 'p:' .. path, row, ttl, sttl, cap, floor)
append(base, origin, maxlen, 'e', {key})
return 1
`)

// setMetaScript updates the freshness and failure fields of a build's row
// unless it was rendered later. It returns -1 when there is no such row.
// As the row's TTL starts again, so do its index memberships and its
// stamps' TTLs (it creates no stamp: one missing was evicted, and reads
// as an invalidation now). KEYS[1] is the row hash, KEYS[2] the key's
// builds hash; ARGV: 1 base, 2 key, 3 origin, 4 maxlen, 5 ttl ms, 6 g,
// 7 f, 8 r, 9 build, 10 e, 11 n, 12 path, 13 stamp ttl ms, 14 index cap.
var setMetaScript = goredis.NewScript(luaNames + luaRows + luaCover + appendChange + `
local base, key, origin, maxlen, ttl = ARGV[1], ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5])
local path, sttl, cap = ARGV[12], tonumber(ARGV[13]), tonumber(ARGV[14])
local cur = redis.call('HGET', KEYS[1], 'g')
if not cur then
	return -1
end
if cur > ARGV[6] then
	return 0
end
redis.call('HSET', KEYS[1], 'g', ARGV[6], 'f', ARGV[7], 'r', ARGV[8], 'e', ARGV[10], 'n', ARGV[11])
redis.call('HSET', KEYS[2], ARGV[9], ARGV[6])
if ttl > 0 then
	redis.call('PEXPIRE', KEYS[1], ttl)
	redis.call('PEXPIRE', KEYS[2], ttl)
end
local row = rowid(ARGV[9], key)
for _, tag in ipairs(unpacknames(redis.call('HGET', KEYS[1], 't'))) do
	cover(base .. 'tz:' .. tag, base .. 't:' .. tag, row, ttl, sttl, cap, false)
end
cover(base .. 'pz:' .. path, base .. 'p:' .. path, row, ttl, sttl, cap, false)
append(base, origin, maxlen, 'e', {key})
return 1
`)

// deleteScript removes every build's row of keys and their index
// memberships. ARGV: 1 base, 2 origin, 3 maxlen, then key, path pairs.
var deleteScript = goredis.NewScript(luaNames + luaRows + appendChange + `
local base, origin, maxlen = ARGV[1], ARGV[2], ARGV[3]
local names = {}
for i = 4, #ARGV, 2 do
	local key, path = ARGV[i], ARGV[i + 1]
	local bk = base .. 'b:' .. key
	for _, build in ipairs(redis.call('HKEYS', bk)) do
		local row = rowid(build, key)
		local ek = base .. 'e:' .. row
		local tags = redis.call('HGET', ek, 't')
		if tags then
			for _, tag in ipairs(unpacknames(tags)) do
				redis.call('ZREM', base .. 'tz:' .. tag, row)
			end
		end
		redis.call('ZREM', base .. 'pz:' .. path, row)
		redis.call('DEL', ek)
	end
	redis.call('DEL', bk)
	names[#names + 1] = key
end
append(base, origin, maxlen, 'e', names)
return 1
`)

// invalidateScript raises the stamps of names and returns the keys they
// cover, the most recently written first (once per build's row: the
// caller removes duplicates). A stamp it writes keeps a TTL of at least
// the stamp TTL. ARGV: 1 base, 2 origin, 3 maxlen, 4 kind ('t' or 'p'),
// 5 field ('r' or 'x'), 6 at, 7 max covered rows per name, 8 stamp ttl ms
// (0: none), then the names. Index members whose row is gone (expired,
// evicted) are pruned on the way.
var invalidateScript = goredis.NewScript(luaNames + luaRows + luaCover + appendChange + `
local base, origin, maxlen, kind, field, at, limit = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], tonumber(ARGV[7])
local sttl = tonumber(ARGV[8])
local names, keys = {}, {}
for i = 9, #ARGV do
	local name = ARGV[i]
	names[#names + 1] = name
	local sk = base .. kind .. ':' .. name
	local cur = redis.call('HGET', sk, field)
	if not cur or cur < at then
		redis.call('HSET', sk, field, at)
	end
	if sttl > 0 then
		extend(sk, sttl)
	end
	local ik = base .. kind .. 'z:' .. name
	for _, row in ipairs(redis.call('ZREVRANGE', ik, 0, limit - 1)) do
		if redis.call('EXISTS', base .. 'e:' .. row) == 1 then
			local _, key = splitrow(row)
			keys[#keys + 1] = key
		else
			redis.call('ZREM', ik, row)
		end
	end
end
append(base, origin, maxlen, kind, names)
return keys
`)

// globalScript raises the stamp that covers every entry (the outbox's
// overflow). ARGV: 1 base, 2 origin, 3 maxlen, 4 field, 5 at.
var globalScript = goredis.NewScript(luaNames + appendChange + `
local base, origin, maxlen, field, at = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local cur = redis.call('HGET', base .. 'g', field)
if not cur or cur < at then
	redis.call('HSET', base .. 'g', field, at)
end
append(base, origin, maxlen, 'a', {})
return 1
`)

// clearedScript appends the message of a Clear. ARGV: 1 base, 2 origin,
// 3 maxlen.
var clearedScript = goredis.NewScript(luaNames + appendChange + `
append(ARGV[1], ARGV[2], ARGV[3], 'a', {})
return 1
`)

// leaseScript takes the lease KEYS[1] for ARGV[1] for ARGV[2] ms with
// SET NX PX, or renews it when ARGV[1] holds it already.
var leaseScript = goredis.NewScript(`
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
	return 1
end
if redis.call('GET', KEYS[1]) == ARGV[1] then
	redis.call('PEXPIRE', KEYS[1], ARGV[2])
	return 1
end
return 0
`)

// releaseScript deletes the lease KEYS[1] if ARGV[1] holds it.
var releaseScript = goredis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
	redis.call('DEL', KEYS[1])
end
return 1
`)

// touchScript moves the read time (field a) of every build's row of the
// keys up, never back. KEYS[i] is key i's builds hash; ARGV: 1 base, then
// key, time pairs.
var touchScript = goredis.NewScript(luaNames + luaRows + `
local base = ARGV[1]
for i, bk in ipairs(KEYS) do
	local key, t = ARGV[2 * i], ARGV[2 * i + 1]
	for _, build in ipairs(redis.call('HKEYS', bk)) do
		local ek = base .. 'e:' .. rowid(build, key)
		local a = redis.call('HGET', ek, 'a')
		if a and a < t then
			redis.call('HSET', ek, 'a', t)
		end
	end
end
return 1
`)
