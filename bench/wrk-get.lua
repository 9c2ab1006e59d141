-- wrk script for bench/sosd.sh: plain GETs of one URL; prints one machine-readable
-- line at the end: requests, response bytes, duration (us), every error count, and the
-- p50 and p99 latency (us).
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("WRK_RESULT %d %d %d %d %d %d %d %d %d %d\n", summary.requests,
    summary.bytes, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
