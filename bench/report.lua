-- Prints one JSON line with throughput and latency percentiles when wrk finishes: latency as
-- the client saw it (queueing for a free worker included) and, from each response's
-- Server-Timing header, the time the request spent inside Django.
-- BENCH_POST_PATHS turns the run into POSTs of a fresh reply, spread over those paths.
local counter = 0
local threads = {}
server_ms = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  local post_path = os.getenv("BENCH_POST_PATHS")
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

function response(status, headers, body)
  local timing = headers["Server-Timing"] or headers["server-timing"]
  if timing then
    local ms = tonumber(string.match(timing, "dur=([%d%.]+)"))
    if ms then server_ms[#server_ms + 1] = ms end
  end
end

local function percentile(sorted, p)
  if #sorted == 0 then return -1 end
  local index = math.max(1, math.ceil(#sorted * p / 100))
  return sorted[index]
end

function done(summary, latency, requests)
  local all = {}
  for _, thread in ipairs(threads) do
    local samples = thread:get("server_ms")
    if samples then
      for _, ms in ipairs(samples) do all[#all + 1] = ms end
    end
  end
  table.sort(all)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout
  io.write(string.format(
    '{"requests": %d, "seconds": %.3f, "rps": %.1f, "p50_ms": %.2f, "p95_ms": %.2f, "p99_ms": %.2f, '
    .. '"server_p50_ms": %.2f, "server_p95_ms": %.2f, "server_p99_ms": %.2f, "errors": %d, "status_errors": %d}\n',
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    percentile(all, 50), percentile(all, 95), percentile(all, 99),
    errors, summary.errors.status))
end
