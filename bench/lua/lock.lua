-- PATCH /api/customer/lock and /unlock, alternating, on random customers, form-encoded like the
-- vendor's curl/PHP examples; each customer is locked and later unlocked by the same thread.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local C = dofile(dir .. "common.lua")
local kinds = { "customer_id", "subscription_id", "orderid" }
local queue, head, tail, n = {}, 1, 0, 0

function init(args)
  C.init(args)
end

function request()
  n = n + 1
  local c, op
  if n % 2 == 0 and tail - head + 1 > C.window then
    c = queue[head]
    queue[head] = nil
    head = head + 1
    C.release(c)
    C.remember(c)
    op = "unlock"
  else
    c = C.pick()
    C.hold(c)
    tail = tail + 1
    queue[tail] = c
    op = "lock"
  end
  return wrk.format("PATCH", "/api/customer/" .. op, C.form_headers, C.lookup(c, kinds))
end
