-- Paces each wrk connection: a pause of PACE_MS after every response, so 15 connections make about
-- 1,000 requests per second instead of as many as the machine can take (latency excludes the pause).
local pace = tonumber(os.getenv("PACE_MS") or "9")
function delay()
  return pace
end
