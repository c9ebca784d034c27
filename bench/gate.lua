-- wrk script: POST /v1/gate/check for random subjects read from $IDS_FILE, as $CUSTOS_KEY.
local ids = {}
local purposes = {
  "marketing.advertising.first_party.targeted",
  "personalize.content.profiled",
  "analytics.reporting.campaign_insights",
  "train_ai_system",
}

function init(args)
  for line in io.lines(os.getenv("IDS_FILE")) do
    ids[#ids + 1] = line
  end
  math.randomseed(os.time() + math.floor(os.clock() * 1e6))
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Bearer " .. os.getenv("CUSTOS_KEY")
end

function request()
  local id = ids[math.random(#ids)]
  local purpose = purposes[math.random(#purposes)]
  local body = '{"subject_id":"' .. id .. '","purpose":"' .. purpose ..
    '","data_categories":["user.contact.email","user.demographic.age_range","user.behavior.purchase_history"]}'
  return wrk.format(nil, "/v1/gate/check", nil, body)
end

done_statuses = {}
function response(status, headers, body)
  if status ~= 200 then
    done_statuses[status] = (done_statuses[status] or 0) + 1
  end
end
