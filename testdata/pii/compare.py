#!/usr/bin/env python3
"""Per-entity overlap F1 of custos against Presidio's best configuration for that entity.

For every entity type, Presidio gets its best F1 over the prediction files given with
--presidio (modes) and the thresholds 0, 0.35 and 0.5, so custos is compared with the
strongest Presidio setup for each type, not one fixed setup. Prints a Markdown table.

    compare.py --gold corpus.jsonl --custos custos_pred.jsonl --presidio full.jsonl slim.jsonl ... [--split test]
"""
import argparse, json, subprocess, sys, tempfile, pathlib

ap = argparse.ArgumentParser()
ap.add_argument("--gold", required=True)
ap.add_argument("--custos", required=True)
ap.add_argument("--presidio", nargs="+", required=True)
ap.add_argument("--split", default="test")
a = ap.parse_args()
score = pathlib.Path(__file__).with_name("score.py")

def run(pred, threshold):
    with tempfile.NamedTemporaryFile(suffix=".json") as f:
        subprocess.run([sys.executable, str(score), "--gold", a.gold, "--pred", pred, "--split", a.split,
                        "--threshold", str(threshold), "--json", f.name, "--quiet"], check=True, stdout=subprocess.DEVNULL)
        return json.load(open(f.name))

def per_type(report):
    out = {}
    for t, v in report["per_type"].items():
        out[t] = v["overlap"]["f1"], v["gold"]
    return out, report["micro"]["all"]["overlap"]["f1"]

custos, custos_micro = per_type(run(a.custos, 0.0))
best, best_micro = {}, 0.0
for p in a.presidio:
    for th in (0, 0.35, 0.5):
        types, micro = per_type(run(p, th))
        best_micro = max(best_micro, micro)
        for t, (f1, _) in types.items():
            if f1 > best.get(t, (0.0, ""))[0]:
                best[t] = (f1, f"{pathlib.Path(p).stem.replace('presidio_', '').replace('_test', '')} @{th}")
print("| entity type | gold spans | custos F1 | Presidio best F1 (mode @ threshold) | custos >= Presidio |")
print("|---|---:|---:|---:|:---:|")
worse = 0
for t in sorted(custos):
    f1, n = custos[t]
    pf1, where = best.get(t, (0.0, "not supported"))
    ok = f1 + 1e-9 >= pf1
    worse += not ok
    print(f"| {t} | {n} | {f1:.3f} | {pf1:.3f} ({where}) | {'yes' if ok else '**no**'} |")
print(f"| **micro, all types** | | **{custos_micro:.3f}** | {best_micro:.3f} (best single configuration) | |")
print(f"\n{worse} entity type(s) where custos is below Presidio's best.")
