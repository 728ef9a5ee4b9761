-- wrk script: single-key gets (a random key of the put.lua key space); set SERIALIZABLE=1 for local reads
local b64chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
local function b64(data)
  return ((data:gsub('.', function(x)
    local r, b = '', x:byte()
    for i = 8, 1, -1 do r = r .. (b % 2 ^ i - b % 2 ^ (i - 1) > 0 and '1' or '0') end
    return r
  end) .. '0000'):gsub('%d%d%d?%d?%d?%d?', function(x)
    if (#x < 6) then return '' end
    local c = 0
    for i = 1, 6 do c = c + (x:sub(i, i) == '1' and 2 ^ (6 - i) or 0) end
    return b64chars:sub(c + 1, c + 1)
  end) .. ({ '', '==', '=' })[#data % 3 + 1])
end
local serializable = os.getenv('SERIALIZABLE') == '1'
request = function()
  local key = b64(string.format('key%013d', math.random(0, 99999)))
  local body = '{"key":"' .. key .. '"' .. (serializable and ',"serializable":true' or '') .. '}'
  return wrk.format('POST', '/v3/kv/range', nil, body)
end
