-- wrk script: POST /v1/decisions for random subjects read from $IDS_FILE, as $CUSTOS_KEY, with a
-- random score (a few fall in the review rules' band when rules are active), under the demo's
-- model version, approved through sign-off when the database was seeded (the lifecycle check is
-- on the measured path).
local ids = {}
local purposes = {
  "marketing.advertising.first_party.targeted",
  "personalize.content.profiled",
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
    '","model":"next-best-offer","model_version":"2026.11","outcome":"approved","score":' .. string.format("%.4f", math.random()) .. '}'
  return wrk.format(nil, "/v1/decisions", nil, body)
end

function done(summary, latency, requests)
  io.write(string.format("errors: %d non-2xx or socket\n", summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
