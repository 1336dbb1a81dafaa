-- wrk for the Socket.IO peer of ../shared/peer-bench: every request a vote from a new voter (named in the body, as
-- the peer takes it), the option rotating.
local n = 0
local prefix = string.format("f%d-%d-", os.time(), math.random(1, 1000000000))
function request()
  n = n + 1
  return wrk.format("POST", nil, { ["Content-Type"] = "application/json" },
    string.format('{"optionId":"o%d","voter":"%s%d"}', n % 3 + 1, prefix, n))
end
