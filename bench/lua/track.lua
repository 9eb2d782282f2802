-- A browser following an affiliate link: GET /track/<linkcode>?subaff1=..., random linkcodes
-- from the file the harness wrote (one per line), browser-like headers, no redirect following.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local C = dofile(dir .. "common.lua")
local codes = {}
local headers = {
  ["User-Agent"] = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
  ["Accept"] = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
  ["Accept-Language"] = "en-US,en;q=0.5",
  ["Referer"] = "https://publisher.example/review",
}

function init(args)
  local o = C.init(args)
  for line in io.lines(o.codes) do
    if line ~= "" then codes[#codes + 1] = line end
  end
end

function request()
  local code = codes[math.random(1, #codes)]
  return wrk.format(
    "GET", "/track/" .. code .. "?subaff1=s" .. math.random(1, 500), headers)
end
