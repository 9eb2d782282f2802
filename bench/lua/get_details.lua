-- GET /api/customer/get_customer_details?customer_id=... on random customers.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local C = dofile(dir .. "common.lua")
local kinds = { "customer_id", "subscription_id" }

function init(args)
  C.init(args)
end

function request()
  local c = C.pick()
  return wrk.format(
    "GET", "/api/customer/get_customer_details?" .. C.lookup(c, kinds), C.api_headers)
end
