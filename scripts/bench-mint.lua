-- wrk script of scripts/bench: mints login codes through the Host API (`POST /host/v1/login`,
-- what `wx.login` does in a host) for BENCH_USERS host users `bench-0`…, in turn, and appends
-- each code to the file BENCH_CODES.<thread number>. Failures are counted and reported.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end

function init(args)
  out = assert(io.open(os.getenv("BENCH_CODES") .. "." .. id, "a"))
  appid = os.getenv("BENCH_APPID")
  users = tonumber(os.getenv("BENCH_USERS"))
  headers = { ["Content-Type"] = "application/json", ["Authorization"] = os.getenv("BENCH_AUTH") }
  n = id * 7919
  minted, failed = 0, 0
end

function request()
  n = n + 1
  local body = string.format('{"appid":"%s","user":"bench-%d","env_version":"trial"}', appid, n % users)
  return wrk.format("POST", "/host/v1/login", headers, body)
end

function response(status, headers, body)
  local code = status == 200 and body:match('"code":"([%w_-]+)"')
  if code then
    out:write(code, "\n")
    minted = minted + 1
  else
    failed = failed + 1
    if failed <= 3 then io.stderr:write("mint failed: ", status, " ", body, "\n") end
  end
end

function done(summary, latency, requests)
  for _, thread in ipairs(threads) do
    io.write(string.format("mint-check minted=%d failed=%d\n", thread:get("minted"), thread:get("failed")))
  end
end
