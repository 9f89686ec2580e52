/**
 * `person(a)` in Lua, for the scripts that count approvals: one person, one
 * approval. A CLI user is their user name on any host, in any case; anyone
 * else their kind and id. The same rule as personOf in policy/principal.ts.
 */
export const PERSON_LUA = `
local function person(a)
  if a.kind ~= 'cli' then return tostring(a.kind) .. ':' .. tostring(a.id) end
  local id = tostring(a.id)
  local at = string.find(id, '@', 1, true)
  local user = at and string.sub(id, 1, at - 1) or id
  user = string.gsub(string.gsub(user, '^%s+', ''), '%s+$', '')
  return 'cli:' .. string.lower(user)
end`;
