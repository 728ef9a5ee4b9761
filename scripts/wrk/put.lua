-- wrk script: puts of 16-byte keys (key + 13 digits, random in a key space of 100k) with 256-byte values
-- base64.lua sits beside this script
dofile(debug.getinfo(1, 'S').source:sub(2):match('(.*/)') .. 'base64.lua')
local value = b64(string.rep('v', 256))
request = function()
  local key = b64(string.format('key%013d', math.random(0, 99999)))
  return wrk.format('POST', '/v3/kv/put', nil, '{"key":"' .. key .. '","value":"' .. value .. '"}')
end
