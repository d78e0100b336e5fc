-- wrk script: each connection loads a page as a first-time visitor does, the HTML and then every
-- asset it names, one after the other (a browser fetches the assets in parallel, so this is the
-- slower case), and times each whole page view. Paths come from the environment:
--   SITE_PAGE_PATHS="/en/index.html /assets/site.X.css /assets/site.Y.js"
-- done() prints one JSON line: page views, their p50/p95/max in ms, requests and errors.
local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } timespec;
  int clock_gettime(int clock_id, timespec *tp);
]]
local clock = ffi.new("timespec")
local function now_ms()
  ffi.C.clock_gettime(1, clock) -- CLOCK_MONOTONIC
  return tonumber(clock.tv_sec) * 1000 + tonumber(clock.tv_nsec) / 1e6
end

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  paths = {}
  for path in string.gmatch(os.getenv("SITE_PAGE_PATHS") or "/", "%S+") do
    table.insert(paths, path)
  end
  position = 0
  started = 0
  views = 0
  bad = 0
  durations = {}
end

function request()
  position = position % #paths + 1
  if position == 1 then
    started = now_ms()
  end
  return wrk.format("GET", paths[position], { ["Accept-Encoding"] = "gzip" })
end

function response(status, headers, body)
  if status ~= 200 then
    bad = bad + 1
  end
  if position == #paths then
    views = views + 1
    if #durations < 500000 then
      durations[#durations + 1] = now_ms() - started
    end
  end
end

function done(summary, latency, requests)
  local all, total_views, total_bad = {}, 0, 0
  for _, thread in ipairs(threads) do
    total_views = total_views + thread:get("views")
    total_bad = total_bad + thread:get("bad")
    for _, duration in ipairs(thread:get("durations")) do
      all[#all + 1] = duration
    end
  end
  table.sort(all)
  local function percentile(p)
    if #all == 0 then return -1 end
    return all[math.max(1, math.ceil(p * #all))]
  end
  io.write(string.format(
    '{"page_views": %d, "timed_views": %d, "p50_ms": %.3f, "p95_ms": %.3f, "max_ms": %.3f,'
      .. ' "requests": %d, "bytes": %d, "duration_s": %.3f, "bad_status": %d,'
      .. ' "socket_errors": %d}\n',
    total_views, #all, percentile(0.5), percentile(0.95), percentile(1.0), summary.requests, summary.bytes,
    summary.duration / 1e6, total_bad,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
