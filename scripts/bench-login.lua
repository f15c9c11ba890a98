-- wrk script of scripts/bench: `GET /sns/jscode2session`, every request with a js_code of its
-- own, read from BENCH_CODES.<thread number> (one per line). A thread that runs out of codes
-- stops (wrk still divides by the whole duration, so the rate is then a lower bound). Every
-- answer is checked: a success has an openid and no errcode; the counts are printed at the end.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end

function init(args)
  codes = {}
  for line in io.lines(os.getenv("BENCH_CODES") .. "." .. id) do
    codes[#codes + 1] = line
  end
  -- The request is written out around the code once, so that the Lua work per request is one
  -- concatenation rather than wrk.format's (the baseline's requests cost wrk no Lua at all).
  before = "GET /sns/jscode2session?appid=" .. os.getenv("BENCH_APPID") .. "&secret=" .. os.getenv("BENCH_SECRET")
    .. "&grant_type=authorization_code&js_code="
  after = " HTTP/1.1\r\nHost: " .. wrk.headers["Host"] .. "\r\n\r\n"
  next_code = 1
  ok, failed, exhausted = 0, 0, 0
end

function request()
  local code = codes[next_code]
  if code == nil then
    -- Out of codes: stop; the request sent meanwhile goes to a path that answers 404.
    exhausted = 1
    wrk.thread:stop()
    return wrk.format("GET", "/bench-out-of-codes")
  end
  next_code = next_code + 1
  return before .. code .. after
end

function response(status, headers, body)
  if status == 404 and exhausted == 1 then
    return
  end
  if status == 200 and body:find('"openid":"o', 1, true) and not body:find('"errcode"', 1, true) then
    ok = ok + 1
  else
    failed = failed + 1
    if failed <= 3 then io.stderr:write("login failed: ", status, " ", body, "\n") end
  end
end

function done(summary, latency, requests)
  for _, thread in ipairs(threads) do
    io.write(string.format("login-check ok=%d failed=%d exhausted=%d\n",
      thread:get("ok"), thread:get("failed"), thread:get("exhausted")))
  end
end
