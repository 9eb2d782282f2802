-- A fixed authenticated GET (ping, and the ceiling with the very same request).
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local C = dofile(dir .. "common.lua")
local req

function init(args)
  local o = C.init(args)
  req = wrk.format("GET", o.path, C.api_headers)
end

function request()
  return req
end
