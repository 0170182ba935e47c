-- One editor saving in a loop: each PUT carries the ETag of the previous answer, as the editor does.
local file = io.open(os.getenv("DOC"), "r")
local document = file:read("*a")
file:close()
local etag = '"1"'
local n = 0

request = function()
  n = n + 1
  -- Change the name each time so every save is a real new version.
  local body = document:gsub('"name": "Benchmark workflow"', '"name": "Benchmark workflow ' .. n .. '"')
  return wrk.format("PUT", nil, {
    ["Authorization"] = "Bearer " .. os.getenv("TOKEN"),
    ["Content-Type"] = "application/json",
    ["If-Match"] = etag,
  }, body)
end

response = function(status, headers, body)
  if headers["ETag"] then etag = headers["ETag"] end
  if status ~= 200 then print("unexpected status " .. status) end
end
