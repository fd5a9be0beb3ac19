-- Lua workload of scripts/test-programs.mjs: an allocation-heavy, deterministic mix run by Debian's
-- lua5.4 interpreter (fetched and built by the script) with each malloc it compares. Lua takes all
-- its memory through one realloc-based allocator (lauxlib's l_alloc: realloc to grow and shrink,
-- free to release), so this is a realloc stress as much as a malloc one.
--
--   lua lua-workload.lua [scale]      scale 1 (default) .. any; the work grows linearly with it
--
-- Prints one checksum line per phase; the lines depend only on the scale. The script raises no
-- error and yields no coroutine (the WASI build of Lua cannot unwind: see
-- tests/programs/wasi-include/setjmp.h), never prints a float, and never lets the order of pairs()
-- (which depends on addresses through the string hash seed) reach the output.
local scale = math.tointeger(tonumber(arg and arg[1] or "1")) or 1
local M = 1099511628211 -- FNV prime; integer arithmetic wraps around in Lua 5.4

local function mix(h, v)
  return (h ~ v) * M
end

local function hash_string(h, s)
  -- the length and a few bytes, cheap enough for long strings
  h = mix(h, #s)
  local n = #s
  if n > 0 then
    h = mix(h, s:byte(1))
    h = mix(h, s:byte(n))
    h = mix(h, s:byte((n + 1) // 2))
  end
  return h
end

local function report(name, h, extra)
  print(string.format("%-22s %016x%s", name, h, extra or ""))
end

print(string.format("lua workload, scale %d (%s)", scale, _VERSION))

-- 1. binary trees: many short-lived trees beside one long-lived tree
do
  local function make(depth)
    if depth == 0 then return {} end
    depth = depth - 1
    return { make(depth), make(depth) }
  end
  local function check(tree)
    if tree[1] then return 1 + check(tree[1]) + check(tree[2]) end
    return 1
  end
  local max_depth = 12 + (scale >= 4 and 2 or 0)
  local long_lived = make(max_depth)
  local h, nodes = 0, 0
  for depth = 4, max_depth, 2 do
    local iterations = (1 << (max_depth - depth + 4)) * scale // 4
    if iterations < 1 then iterations = 1 end
    local sum = 0
    for _ = 1, iterations do sum = sum + check(make(depth)) end
    h = mix(h, sum)
    nodes = nodes + sum
  end
  h = mix(h, check(long_lived))
  report("binary trees", h, string.format("  (%d nodes)", nodes))
end
collectgarbage("collect")

-- 2. strings: formatting, repetition, patterns, concatenation of many pieces
do
  local n = 20000 * scale
  local pieces = {}
  local h = 0
  for i = 1, n do
    local s = string.format("%d:%s:%x", i, string.rep(string.char(97 + i % 26), i % 61), i * 7919)
    pieces[#pieces + 1] = s
    if i % 3 == 0 then s = s:upper():reverse() end
    h = hash_string(h, s)
  end
  local joined = table.concat(pieces, ",")
  h = hash_string(h, joined)
  local replaced, count = joined:gsub("(%d+):(%a*)", "%2=%1")
  h = mix(hash_string(h, replaced), count)
  local words = 0
  for w in replaced:gmatch("%a+=") do
    words = words + 1
    if words % 97 == 0 then h = hash_string(h, w) end
  end
  h = mix(h, words)
  -- a string grown by repeated concatenation (each step a new, longer string)
  local grown = ""
  for i = 1, 1500 do grown = grown .. string.format("%04d", i % 10000) end
  h = hash_string(h, grown)
  report("strings", h, string.format("  (%d bytes joined)", #joined))
end
collectgarbage("collect")

-- 3. hash tables with string and integer keys: insert, delete, re-insert, count
do
  local n = 30000 * scale
  local t = {}
  for i = 1, n do t["key" .. i] = i end
  for i = 1, n, 3 do t["key" .. i] = nil end
  for i = 1, n, 6 do t["again" .. i] = i * 2 end
  local count, sum = 0, 0
  for k, v in pairs(t) do
    count = count + 1
    sum = sum + v + #k
  end
  local sparse = {}
  for i = 1, n do sparse[i * 37 % 1000003] = i end
  local scount, ssum = 0, 0
  for k, v in pairs(sparse) do
    scount = scount + 1
    ssum = ssum + k * v
  end
  report("hash tables", mix(mix(mix(mix(0, count), sum), scount), ssum),
         string.format("  (%d + %d entries)", count, scount))
end
collectgarbage("collect")

-- 4. arrays: growth, insertion and removal in the middle, sorting with a comparator
do
  math.randomseed(42)
  local n = 20000 * scale
  local a = {}
  for i = 1, n do a[i] = math.random(1, 1000000000) end
  table.sort(a, function(x, y) return x > y end)
  local h = 0
  for i = 1, n, 7 do h = mix(h, a[i]) end
  local b = {}
  for i = 1, 3000 do table.insert(b, (i * 13) % (#b + 1) + 1, i) end
  for _ = 1, 1000 do table.remove(b, (#b // 2) + 1) end
  for i = 1, #b do h = mix(h, b[i]) end
  local moved = table.move(a, 1, n // 2, n + 1, {})
  h = mix(h, #moved)
  report("arrays and sort", h, string.format("  (%d sorted)", n))
end
collectgarbage("collect")

-- 5. closures and upvalues, objects with metatables
do
  local n = 20000 * scale
  local makers = {}
  for i = 1, n do
    local captured = i
    makers[i] = function(x) captured = captured + x; return captured end
  end
  local h = 0
  for round = 1, 3 do
    for i = 1, n, 5 do h = mix(h, makers[i](round)) end
  end
  local Point = {}
  Point.__index = Point
  Point.__add = function(p, q) return setmetatable({ x = p.x + q.x, y = p.y + q.y }, Point) end
  local acc = setmetatable({ x = 0, y = 0 }, Point)
  for i = 1, n do acc = acc + setmetatable({ x = i, y = -i * 3 }, Point) end
  h = mix(mix(h, acc.x), acc.y)
  report("closures and objects", h)
end
collectgarbage("collect")

-- 6. generational collector: a cache with churn, kept entries surviving many cycles
do
  collectgarbage("generational")
  local n = 40000 * scale
  local cache, order = {}, {}
  local h = 0
  for i = 1, n do
    local key = "c" .. (i * 7 % 5003)
    local entry = cache[key]
    if entry then
      entry.hits = entry.hits + 1
      entry.data[#entry.data + 1] = i
    else
      cache[key] = { hits = 0, data = { i }, name = key .. string.rep("#", i % 17) }
      order[#order + 1] = key
    end
    if i % 1000 == 0 then -- drop the oldest fifth of the keys
      for j = 1, #order // 5 do cache[order[j]] = nil end
      table.move(order, #order // 5 + 1, #order, 1)
      for _ = 1, #order // 5 do order[#order] = nil end
    end
  end
  for _, key in ipairs(order) do
    local entry = cache[key]
    if entry then h = mix(mix(hash_string(h, entry.name), entry.hits), #entry.data) end
  end
  collectgarbage("incremental")
  report("generational cache", h, string.format("  (%d keys kept)", #order))
end
collectgarbage("collect")
print("done")
