-- wrk script for bench/run.sh: replays pre-signed interaction requests and checks every answer.
-- Arguments (after wrk's `--`): the request file (signature<TAB>timestamp<TAB>body per line,
-- from `bench_data requests`), a string every correct answer contains, and wrk's -t.
-- Each wrk thread sends its own share of the lines, in order, so no request (no interaction
-- ID) is sent twice unless a thread runs out of lines; then it starts over and says so.

local threads = {}
local next_thread_id = 0

function setup(thread)
  thread:set("thread_id", next_thread_id)
  next_thread_id = next_thread_id + 1
  table.insert(threads, thread)
end

function init(args)
  local path, thread_count = args[1], tonumber(args[3])
  expect = args[2]
  requests, position, wrapped, ok, wrong, first_wrong = {}, 0, 0, 0, 0, ""
  local line_number = 0
  for line in io.lines(path) do
    if line_number % thread_count == thread_id then
      local signature, timestamp, body = line:match("^(%x+)\t(%d+)\t(.*)$")
      requests[#requests + 1] = wrk.format("POST", "/interactions", {
        ["Content-Type"] = "application/json",
        ["X-Signature-Ed25519"] = signature,
        ["X-Signature-Timestamp"] = timestamp,
      }, body)
    end
    line_number = line_number + 1
  end
  if #requests == 0 then
    error("no requests for thread " .. thread_id .. " in " .. path)
  end
end

function request()
  position = position + 1
  if position > #requests then
    position, wrapped = 1, 1
  end
  return requests[position]
end

function response(status, headers, body)
  if status == 200 and body and body:find(expect, 1, true) then
    ok = ok + 1
  else
    wrong = wrong + 1
    if first_wrong == "" then
      first_wrong = status .. " " .. tostring(body):sub(1, 300)
    end
  end
end

function done(summary, latency, requests)
  local ok, wrong, wrapped, first_wrong = 0, 0, 0, ""
  for _, thread in ipairs(threads) do
    ok = ok + thread:get("ok")
    wrong = wrong + thread:get("wrong")
    wrapped = math.max(wrapped, thread:get("wrapped"))
    if first_wrong == "" then first_wrong = thread:get("first_wrong") end
  end
  local e = summary.errors
  io.write(string.format("BENCH\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.max,
    ok, wrong, e.connect + e.read + e.write + e.timeout, wrapped))
  if first_wrong ~= "" then
    io.write("FIRST_WRONG\t" .. first_wrong:gsub("[\r\n\t]", " ") .. "\n")
  end
end
