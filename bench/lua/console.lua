-- The admin console as its staff use it, signed in (the session cookie the harness got from the
-- sign-in form): mode=list pages through the customer list (sorts, advanced filters, later
-- pages), mode=search runs the basic search by each key in turn, mode=details opens random
-- customers. Anything but a 200 is a failure here: a 303 would be the sign-in page.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local C = dofile(dir .. "common.lua")
local headers
local mode
local o
local turn = 0

function init(args)
  o = C.init(args)
  mode = o.mode
  headers = {
    ["Cookie"] = o.cookie,
    ["User-Agent"] = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
    ["Accept"] = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
  }
end

local function day(days_ago)
  return os.date("!%Y-%m-%d", os.time() - days_ago * 86400)
end

local function list_path(c)
  turn = turn + 1
  local k = turn % 11
  if k == 0 then return "/admin/customers" end
  if k == 1 then return "/admin/customers?sort=oldest" end
  if k == 2 then return "/admin/customers?sort=joined_desc" end
  if k == 3 then return "/admin/customers?offerid=" .. math.random(1, tonumber(o.offers)) end
  if k == 4 then
    return "/admin/customers?affiliate=" .. (o.first_affiliate + math.random(0, o.affiliates - 1))
  end
  if k == 5 then
    return "/admin/customers?advertiser=" .. (o.first_advertiser + math.random(0, o.advertisers - 1))
  end
  if k == 6 then return "/admin/customers?status=active&sort=oldest" end
  if k == 7 then return "/admin/customers?after=" .. c end
  if k == 8 then return "/admin/customers?locked=yes" end
  if k == 9 then
    return "/admin/customers?sort=joined_desc&offerid=" .. math.random(1, tonumber(o.offers))
  end
  local from = math.random(2, 80)
  return "/admin/customers?sort=joined_desc&joined_from=" .. day(from) .. "&joined_to=" .. day(from - 1)
end

local function search_path(c)
  turn = turn + 1
  local k = turn % 5
  if k == 0 then return "/admin/customers?customer_id=" .. c end
  if k == 1 then return "/admin/customers?email=c" .. c .. "%40example.com" end
  if k == 2 then return "/admin/customers?subscription_id=" .. o.sub_prefix .. c end
  if k == 3 then return "/admin/customers?orderid=" .. o.order_prefix .. c end
  return "/admin/customers?username=" .. o.user_prefix .. c
end

function request()
  local c = C.pick()
  local path
  if mode == "list" then
    path = list_path(c)
  elseif mode == "search" then
    path = search_path(c)
  else
    path = "/admin/customers/" .. c
  end
  return wrk.format("GET", path, headers)
end

function response(status, hdrs, body)
  if status ~= 200 then
    bad = bad + 1
    if status >= 500 then server_errors = server_errors + 1 end
    if sample == "" then sample = status .. " " .. string.sub(body or "", 1, 300) end
  end
end
