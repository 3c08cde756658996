-- The requests wrk sends for the harness (bench/src/wrk.rs writes their file and
-- reads the line `done` prints). Arguments after `--`: FILE COUNT KEYS THREADS DONE_DIR FIRST
--   FILE     one request per line: method, path, body, then headers ("Name: value"),
--            separated by tabs (JSON bodies never hold a raw tab)
--   COUNT    0: repeat the lines until wrk's duration ends; N: N requests in all, the
--            i-th with line i modulo the number of lines, so a file of N signed
--            webhook bodies posts each exactly once
--   KEYS     "{k}" in a line becomes the request's number modulo KEYS (7 digits),
--            "{n}" FIRST plus the request's number, so one line stands for many
--            recipients, some known ({k}) or each new ({n}) across all runs
--   THREADS  wrk's -t, so that the threads share out the numbers
--   DONE_DIR with COUNT, each thread writes DONE_DIR/<thread> once its share is sent
--            and answered; wrk waits out its whole duration anyway, so the harness
--            then stops it with SIGINT, and wrk reports at once
--   FIRST    where this run's "{n}" start, so that no two runs make the same number

local threads = {}

function setup(thread)
   thread:set("tid", #threads)
   table.insert(threads, thread)
end

local lines = {}
local count, keys, nthreads, done_dir, first
local sent, answered = 0, 0
local finished = false

local function split(s, sep)
   local fields, from = {}, 1
   while true do
      local at = s:find(sep, from, true)
      if not at then
         table.insert(fields, s:sub(from))
         return fields
      end
      table.insert(fields, s:sub(from, at - 1))
      from = at + 1
   end
end

-- Requests of this thread's share handed out so far (`delay` reserves one for the
-- connection that asks, `request` then builds it).
local reserved = 0

-- Whether this thread has handed out its share of a counted run.
local function exhausted()
   return (sent + reserved) * nthreads + tid >= count
end

local function finish()
   if finished then return end
   finished = true
   local f = assert(io.open(done_dir .. "/" .. tid, "w"))
   f:close()
   wrk.thread:stop()
end

function init(args)
   count, keys, nthreads, done_dir = tonumber(args[2]), tonumber(args[3]), tonumber(args[4]), args[5]
   first = tonumber(args[6])
   for line in io.lines(args[1]) do
      local f = split(line, "\t")
      local headers = {}
      for j = 4, #f do
         local name, value = f[j]:match("^([^:]+):%s*(.*)$")
         headers[name] = value
      end
      local l = { method = f[1], path = f[2], headers = headers }
      if f[3] ~= "" then l.body = f[3] end
      -- Built once when nothing in it changes per request: wrk.format is not free.
      if not (line:find("{n}", 1, true) or line:find("{k}", 1, true)) then
         l.request = wrk.format(l.method, l.path, l.headers, l.body)
      end
      table.insert(lines, l)
   end
   if #lines == 0 then error("no requests in " .. args[1]) end
   -- A timed run needs neither hook, and wrk is faster without them.
   if count == 0 then
      delay = nil
      response = nil
   end
end

-- In a counted run wrk asks this before every request. A connection whose thread
-- has handed out its share waits here (wrk would send something once it asks for a
-- request) until the thread's last answers are in and the thread stops: every
-- request of the share is answered before wrk lets go of it.
function delay()
   if exhausted() then
      if reserved == 0 and answered >= sent then finish() end
      return 60000
   end
   reserved = reserved + 1
   return 0
end

function response(status, headers, body)
   answered = answered + 1
   if exhausted() and reserved == 0 and answered >= sent then finish() end
end

local function fill(s, i)
   local n = (first + i) % 10000000
   local out = s:gsub("{n}", string.format("%07d", n)):gsub("{k}", string.format("%07d", i % keys))
   return out
end

function request()
   local i
   if count == 0 then
      i = sent * nthreads + tid
      sent = sent + 1
   elseif reserved > 0 then
      reserved = reserved - 1
      i = sent * nthreads + tid
      sent = sent + 1
   else
      -- Not one of the share: wrk checking the script's request before the run, or
      -- a connection that waited out its whole delay. The first line, uncounted.
      i = 0
   end
   local l = lines[(i % #lines) + 1]
   if l.request then return l.request end
   local headers = {}
   for name, value in pairs(l.headers) do headers[name] = fill(value, i) end
   return wrk.format(l.method, fill(l.path, i), headers, l.body and fill(l.body, i))
end

function done(summary, latency, requests)
   local e = summary.errors
   io.write(string.format(
      'BENCH {"requests":%d,"duration_us":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,' ..
      '"status_errors":%d,"socket_errors":%d,"timeouts":%d}\n',
      summary.requests, summary.duration,
      latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
      e.status, e.connect + e.read + e.write, e.timeout))
end
