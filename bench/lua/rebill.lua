-- The advertiser's billing system posting a rebill: GET /signup/process_pixel.php with
-- type=continuity, the subscription_id of a random seeded customer, a unique orderid and an
-- amount, as its server-to-server call sends it.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local C = dofile(dir .. "common.lua")
local amounts = { "9.95", "19.95", "29.00", "4.99" }
local headers = { ["User-Agent"] = "curl/7.88.1", ["Accept"] = "*/*" }
local i = 0

function init(args)
  C.init(args)
end

function request()
  i = i + 1
  local c = C.pick()
  C.remember(c)
  local path = "/signup/process_pixel.php?type=continuity"
    .. "&subscription_id=" .. C.opts.sub_prefix .. c
    .. "&orderid=rb" .. C.opts.run .. "-" .. thread_id .. "-" .. i
    .. "&amount=" .. amounts[i % #amounts + 1]
  return wrk.format("GET", path, headers)
end
