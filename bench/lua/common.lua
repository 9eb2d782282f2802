-- Shared by every bench script: options, this thread's slice of the customer ids, recent-pick
-- exclusion, status counting, and the one JSON line the harness reads from done().
local C = {}

threads = {}
local created = 0

function setup(thread)
  created = created + 1
  thread:set("thread_id", created)
  table.insert(threads, thread)
end

-- Thread-state counters, read back by done() through thread:get().
bad = 0
server_errors = 0
sample = ""
wrapped = 0

function C.init(args)
  local o = {}
  for _, a in ipairs(args) do
    local k, v = a:match("^([%w_]+)=(.*)$")
    if k then o[k] = v end
  end
  C.opts = o
  math.randomseed(os.time() * 1000 + (thread_id or 0) * 7919)
  local n = tonumber(o.customers or "1")
  local t, nt = thread_id or 1, tonumber(o.threads or "1")
  C.lo = math.floor((t - 1) * n / nt) + 1
  C.hi = math.max(C.lo, math.floor(t * n / nt))
  local per_thread_conns = math.max(1, math.floor(tonumber(o.connections or "1") / nt))
  -- A customer picked within the last `window` requests may still be in flight.
  C.window = math.max(1, math.min(4 * per_thread_conns, math.floor((C.hi - C.lo + 1) / 4)))
  C.busy = {}
  C.ring = {}
  C.ring_pos = 0
  C.turn = 0
  C.api_headers = {
    ["api-key"] = o.key,
    ["api-username"] = o.username,
    ["Accept"] = "*/*",
    ["User-Agent"] = "curl/7.88.1",
  }
  C.form_headers = {
    ["api-key"] = o.key,
    ["api-username"] = o.username,
    ["Accept"] = "*/*",
    ["User-Agent"] = "curl/7.88.1",
    ["Content-Type"] = "application/x-www-form-urlencoded",
  }
  return o
end

function C.hold(c)
  C.busy[c] = (C.busy[c] or 0) + 1
end

function C.release(c)
  local n = (C.busy[c] or 1) - 1
  C.busy[c] = n > 0 and n or nil
end

-- Keep c busy for the next `window` requests, then release it.
function C.remember(c)
  C.hold(c)
  C.ring_pos = C.ring_pos % C.window + 1
  local old = C.ring[C.ring_pos]
  if old then C.release(old) end
  C.ring[C.ring_pos] = c
end

-- A random customer of this thread's slice that no recent request touched.
function C.pick()
  local c = math.random(C.lo, C.hi)
  for _ = 1, 64 do
    if not C.busy[c] then break end
    c = math.random(C.lo, C.hi)
  end
  return c
end

-- The lookup parameter, rotating through the kinds a client may use.
function C.lookup(c, kinds)
  C.turn = C.turn + 1
  local kind = kinds[C.turn % #kinds + 1]
  if kind == "subscription_id" then
    return "subscription_id=" .. C.opts.sub_prefix .. c
  elseif kind == "orderid" then
    return "orderid=" .. C.opts.order_prefix .. c
  end
  return "customer_id=" .. c
end

function response(status, headers, body)
  if status >= 400 then
    bad = bad + 1
    if status >= 500 then server_errors = server_errors + 1 end
    if sample == "" then sample = status .. " " .. string.sub(body or "", 1, 300) end
  end
end

local function esc(s)
  return (string.gsub(s, '[%c"\\]', function(ch) return string.format("\\u%04x", ch:byte()) end))
end

function done(summary, latency, requests)
  local nbad, n5, first, nwrapped = 0, 0, "", 0
  for _, t in ipairs(threads) do
    nbad = nbad + (t:get("bad") or 0)
    n5 = n5 + (t:get("server_errors") or 0)
    nwrapped = nwrapped + (t:get("wrapped") or 0)
    local s = t:get("sample") or ""
    if first == "" then first = s end
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"bytes":%d,"connect":%d,"read":%d,'
      .. '"write":%d,"status":%d,"timeout":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,'
      .. '"max_us":%d,"mean_us":%.1f,"http_4xx_5xx":%d,"http_5xx":%d,"wrapped":%d,'
      .. '"sample":"%s"}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write,
    e.status, e.timeout, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, latency.mean, nbad, n5, nwrapped, esc(first)))
end

return C
