-- wrk: every request a vote from a voter the server has not seen (no cookie, no voter token), the option rotating;
-- the request LivePoll gets in ../shared/peer-bench. LIVEPOLL_KEY (an exempt newsroom key) goes in as a bearer token.
local key = os.getenv("LIVEPOLL_KEY") or "none"
local n = 0
function request()
  n = n + 1
  return wrk.format("POST", nil, { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. key },
    string.format('{"optionIds":["%d"]}', n % 3 + 1))
end
