-- eprharness reset for Orthanc: deletes every patient, and with them every
-- study, series and instance, in one request:
--   curl -X POST --data-binary @reset.lua http://localhost:8042/tools/execute-script
-- Orthanc 1.10 (Debian bookworm) runs Lua posted to /tools/execute-script
-- unless authentication forbids it; 1.11 and later need "ExecuteLuaEnabled":
-- true (images/orthanc/orthanc.json sets it). Answers "deleted N patients".
local n = 0
for _, id in ipairs(ParseJson(RestApiGet('/patients'))) do
  RestApiDelete('/patients/' .. id)
  n = n + 1
end
print('deleted ' .. n .. ' patients')
