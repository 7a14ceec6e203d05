-- wrk script of the login bench (server/benches/login). wrk runs a copy in
-- every thread; the arguments after `--` say what to send:
--   <threads> get <path>
--   <threads> posts <path> <file>   (one form body per line, taken in turn)
--   <threads> codes <path> <file>
--   <threads> verify <path> <session token> <original URL>   (a proxy's check)
-- In `codes` mode each line of the file is "<session token> <form body>"
-- (the right code, or a passkey's answer), one pending login each, dealt
-- out over the threads so that every request is a first use of a right
-- answer. When a thread runs out it repeats its last
-- line; those answers fail and show up as errors in the result.

local next_thread_id = 0

function setup(thread)
  thread:set("thread_id", next_thread_id)
  next_thread_id = next_thread_id + 1
end

local mode, path
local verify_token, verify_url
local lines, position = {}, 1

function init(args)
  local threads = tonumber(args[1])
  mode, path = args[2], args[3]
  if mode == "posts" then
    local index = 0
    for line in io.lines(args[4]) do
      if index % threads == thread_id then
        lines[#lines + 1] = line
      end
      index = index + 1
    end
  elseif mode == "verify" then
    verify_token, verify_url = args[4], args[5]
  elseif mode == "codes" then
    local index = 0
    for line in io.lines(args[4]) do
      if index % threads == thread_id then
        local token, body = line:match("^(%S+) (%S+)$")
        lines[#lines + 1] = { token, body }
      end
      index = index + 1
    end
  end
end

local form = "application/x-www-form-urlencoded"

function request()
  if mode == "get" then
    return wrk.format("GET", path)
  elseif mode == "verify" then
    return wrk.format("GET", path, {
      ["Cookie"] = "tweestap_sessie=" .. verify_token,
      ["X-Original-URL"] = verify_url,
    })
  elseif mode == "posts" then
    local line = lines[(position - 1) % #lines + 1]
    position = position + 1
    return wrk.format("POST", path, { ["Content-Type"] = form, ["Accept"] = "application/json" }, line)
  end
  local entry = lines[math.min(position, #lines)]
  position = position + 1
  return wrk.format("POST", path, {
    ["Content-Type"] = form,
    ["Accept"] = "application/json",
    ["Cookie"] = "tweestap_sessie=" .. entry[1],
  }, entry[2])
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests":%d,"duration_us":%d,"status_errors":%d,"socket_errors":%d,"p50_us":%d,"p99_us":%d}\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    math.floor(latency:percentile(50)), math.floor(latency:percentile(99))))
end
