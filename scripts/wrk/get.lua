-- wrk script: single-key gets (a random key of the put.lua key space); set SERIALIZABLE=1 for local reads
-- base64.lua sits beside this script
dofile(debug.getinfo(1, 'S').source:sub(2):match('(.*/)') .. 'base64.lua')
local serializable = os.getenv('SERIALIZABLE') == '1'
request = function()
  local key = b64(string.format('key%013d', math.random(0, 99999)))
  local body = '{"key":"' .. key .. '"' .. (serializable and ',"serializable":true' or '') .. '}'
  return wrk.format('POST', '/v3/kv/range', nil, body)
end
