-- wrk script for bench/sosd.sh: PUTs the bytes of one file (wrk args: KEY_PREFIX FILE) to a
-- new key per request, PREFIX<thread>-<n>, so no PUT overwrites another. Prints the same
-- WRK_RESULT line as wrk-get.lua.
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end

function init(args)
  prefix = args[1]
  local f = assert(io.open(args[2], "rb"))
  body = f:read("*a")
  f:close()
  n = 0
end

function request()
  n = n + 1
  return wrk.format("PUT", prefix .. tid .. "-" .. n,
    {["Content-Type"] = "application/octet-stream"}, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("WRK_RESULT %d %d %d %d %d %d %d %d %d %d\n", summary.requests,
    summary.bytes, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
