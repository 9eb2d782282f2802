-- PATCH /api/customer/set_customer_details on random customers: a few fields, form-encoded.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local C = dofile(dir .. "common.lua")
local kinds = { "customer_id", "subscription_id" }
local cities = { "Berlin", "Lisbon", "Austin", "Osaka", "Lagos", "Lima" }

function init(args)
  C.init(args)
end

function request()
  local c = C.pick()
  C.remember(c)
  local r = math.random(1, 1000000)
  local body = C.lookup(c, kinds)
    .. "&firstname=Bench" .. r
    .. "&lastname=User" .. c
    .. "&email=b" .. r .. "%40example.com"
    .. "&city=" .. cities[r % #cities + 1]
    .. "&custom1=r" .. r
  return wrk.format("PATCH", "/api/customer/set_customer_details", C.form_headers, body)
end
