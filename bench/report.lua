-- Prints one JSON line with throughput and latency percentiles when wrk finishes.
-- Optional: a POST body template with {token} replaced by a fresh value per request.
local counter = 0
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  post_path = os.getenv("BENCH_POST_PATHS")
  if post_path then
    paths = {}
    for p in string.gmatch(post_path, "[^,]+") do table.insert(paths, p) end
  end
end

function request()
  if paths then
    counter = counter + 1
    local path = paths[(counter % #paths) + 1]
    local token = string.format("bench-%d-%d-%d", os.time(), math.random(1, 1000000000), counter)
    local body = "body=Benchmark+reply+with+some+words+about+dashboards+and+exports&client_token=" .. token
    return wrk.format("POST", path, nil, body)
  end
  return wrk.format(nil, nil)
end

function done(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout
  io.write(string.format(
    '{"requests": %d, "seconds": %.3f, "rps": %.1f, "p50_ms": %.2f, "p95_ms": %.2f, "p99_ms": %.2f, "errors": %d, "status_errors": %d}\n',
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    errors, summary.errors.status))
end
