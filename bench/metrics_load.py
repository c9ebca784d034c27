"""Load for the Prometheus scrape benchmark (docs/BENCHMARKS.md): 600 subjects with two
audit-only categories, 50 models x 200 decisions, one fairness audit per model (12 groups
each), against a running `custos serve --allow-unregistered-models --metrics-listen 127.0.0.1:19090
--audit-only-categories user.demographic.gender,user.demographic.age_range`:

  python3 bench/metrics_load.py ADMIN_KEY
then time `GET http://127.0.0.1:19090/metrics` (the script does 200 scrapes at the end).
"""
import json, sys, time, urllib.request, random
KEY = sys.argv[1]; BASE = "http://127.0.0.1:18080"
def post(path, body):
    req = urllib.request.Request(BASE + path, data=json.dumps(body).encode(), headers={"authorization": f"Bearer {KEY}", "content-type": "application/json"})
    try:
        with urllib.request.urlopen(req) as r: return json.loads(r.read() or b"{}")
    except urllib.error.HTTPError as e:
        print(path, e.code, e.read()[:300]); raise
def get(path):
    req = urllib.request.Request(BASE + path, headers={"authorization": f"Bearer {KEY}"})
    with urllib.request.urlopen(req) as r: return json.loads(r.read())
P = "marketing.advertising.first_party.targeted"
post("/v1/purposes", {"purpose": P, "name": "Offers", "legal_basis": "legitimate_interest", "data_categories": ["user.behavior"], "profiling": True, "retention_days": 365})
rng = random.Random(1)
subjects = []
for i in range(600):
    data = {"user.demographic.gender": rng.choice(["female", "male", "diverse"]), "user.demographic.age_range": rng.choice(["18-29", "30-44", "45-64", "65+"])}
    subjects.append(post("/v1/subjects", {"external_id": f"s{i}", "jurisdiction": "DE", "data": data})["subject_id"])
models = [f"model-{m:03d}" for m in range(50)]
for m in models:
    for sid in rng.sample(subjects, 200):
        post("/v1/decisions", {"subject_id": sid, "purpose": P, "model": m, "model_version": "1", "outcome": rng.choice(["offer", "no_offer"])})
for m in models:
    post("/v1/fairness/audits", {"purpose": P, "model": m, "sensitive": ["user.demographic.gender", "user.demographic.age_range"], "favorable": "offer", "min_group_size": 5, "bootstrap": 0})
while True:
    a = get("/v1/fairness/audits")
    done = sum(1 for x in a if x["status"] in ("succeeded", "failed"))
    if done >= 50: break
    time.sleep(1)
print("audits", done, [x.get("error") for x in a if x["status"] == "failed"][:3])
ts = []
for i in range(200):
    t = time.perf_counter()
    urllib.request.urlopen("http://127.0.0.1:19090/metrics").read()
    ts.append(time.perf_counter() - t)
ts.sort()
print("scrape: median %.1f ms, p99 %.1f ms, max %.1f ms" % (ts[100] * 1000, ts[198] * 1000, ts[-1] * 1000))
