-- ArgoCD health check for mxcp.dev/MxcpProject, from the status the operator writes
-- (status.observedGeneration and the Ready, Progressing, Degraded, ConfigValid and Reloaded
-- conditions). Custom checks run without Lua's string library, so this script uses only base
-- functions and the `..` operator.
--   spec.suspend                              -> Suspended
--   no status yet, or generation not observed -> Progressing
--   ConfigValid=False or Degraded=True        -> Degraded
--   Reloaded=False, reason ReloadFailed       -> Degraded (a worker could not load rotated Secrets)
--   Ready=True, Reloaded=False (Reloading)    -> Progressing (rotated Secrets reaching the workers)
--   Ready=True                                -> Healthy
--   otherwise                                 -> Progressing, with the Ready condition's message
local hs = {}
local spec = obj.spec or {}
local status = obj.status or {}
local generation = (obj.metadata or {}).generation

if spec.suspend == true then
  hs.status = "Suspended"
  hs.message = "spec.suspend is true: the operator leaves the workers as they are"
  return hs
end

if status.observedGeneration == nil or status.conditions == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to report the project's status"
  return hs
end

if generation ~= nil and status.observedGeneration < generation then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to observe generation " .. generation ..
    " (the status describes generation " .. status.observedGeneration .. ")"
  return hs
end

local conditions = {}
for _, c in ipairs(status.conditions) do
  conditions[c.type] = c
end

local function describe(c)
  if c.message ~= nil and c.message ~= "" then
    return c.message
  end
  return c.type .. " is " .. c.status .. " (" .. (c.reason or "no reason") .. ")"
end

local configValid = conditions["ConfigValid"]
if configValid ~= nil and configValid.status == "False" then
  hs.status = "Degraded"
  hs.message = describe(configValid)
  return hs
end

local degraded = conditions["Degraded"]
if degraded ~= nil and degraded.status == "True" then
  hs.status = "Degraded"
  hs.message = describe(degraded)
  return hs
end

local reloaded = conditions["Reloaded"]
if reloaded ~= nil and reloaded.status == "False" and reloaded.reason == "ReloadFailed" then
  hs.status = "Degraded"
  hs.message = describe(reloaded)
  return hs
end

local ready = conditions["Ready"]
if ready ~= nil and ready.status == "True" then
  if reloaded ~= nil and reloaded.status == "False" then
    hs.status = "Progressing"
    hs.message = describe(reloaded)
    return hs
  end
  hs.status = "Healthy"
  hs.message = describe(ready)
  return hs
end

hs.status = "Progressing"
if ready ~= nil then
  hs.message = describe(ready)
else
  hs.message = "Waiting for the Ready condition"
end
return hs
