-- The advertiser's server-to-server conversion postback: GET /signup/process_pixel.php with the
-- click_hash of a seeded, never-converted click, a new subscription_id, a unique orderid and an
-- amount. Each thread walks its own range of clicks, so no click converts twice.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local C = dofile(dir .. "common.lua")
local first, count, i = 0, 1, 0
local amounts = { "9.95", "19.95", "29.00", "4.99" }
local headers = { ["User-Agent"] = "curl/7.88.1", ["Accept"] = "*/*" }

function init(args)
  local o = C.init(args)
  count = tonumber(o.per_thread)
  first = tonumber(o.first_click) + (thread_id - 1) * count
end

function request()
  if i >= count then
    i = 0
    wrapped = wrapped + 1
  end
  local click = first + i
  i = i + 1
  local tag = C.opts.run .. "-" .. thread_id .. "-" .. i
  local path = "/signup/process_pixel.php?click_hash=" .. string.format(C.opts.hash_fmt, click)
    .. "&subscription_id=ps" .. tag
    .. "&orderid=po" .. tag
    .. "&amount=" .. amounts[i % #amounts + 1]
  return wrk.format("GET", path, headers)
end
