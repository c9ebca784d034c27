#!/usr/bin/env python3
"""Score PII predictions against the labeled corpus.

    score.py --gold corpus.jsonl --pred pred.jsonl [--split test] [--lang en]
             [--threshold 0.0] [--types T1,T2] [--json out.json]

Prediction file: one JSON object per line,
    {"id": "t-000123", "entities": [{"entity_type": "PERSON", "start": 10, "end": 20, "score": 0.85}]}
offsets in Unicode code points, end exclusive. Entities with score < threshold
are dropped (a missing score counts as 1.0). Identical (type, start, end)
predictions are collapsed. Gold records without a prediction line count as
"predicted nothing".

Matching, per sentence and per entity type:
  exact    a prediction is a true positive iff a gold span has the same type,
           start and end. Each gold span matches at most one prediction.
  overlap  one-to-one matching between gold and predicted spans of the same
           type that share at least one code point (p.start < g.end and
           g.start < p.end). Pairs are taken greedily by decreasing overlap
           length (ties: earlier gold start, then earlier prediction start);
           each gold and each predicted span is used at most once. So a gold
           span covered by two predictions counts one TP and one FP, and one
           prediction covering two gold spans counts one TP and one FN.
  P = TP / predicted, R = TP / gold, F1 = 2PR / (P + R), per type and
  micro-averaged over types.

Two micro totals are printed: over every type present in gold or prediction
(after --types filtering), and over "supported" types only: the types the
predictor emitted at least once anywhere in the prediction file (before any
filtering), or the list given with --supported. Types the predictor never
emits are listed separately.

Negatives: the corpus marks deliberately unlabeled look-alikes ("neg": order
numbers, tracking codes, invalid-checksum cards ...). The scorer reports, per
negative kind, how many of those spans are overlapped by any kept prediction
(of any type), and by which types.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict


def load_jsonl(path):
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            line = line.strip()
            if line:
                yield json.loads(line)


def prf(tp_p, n_pred, tp_r, n_gold):
    p = tp_p / n_pred if n_pred else 0.0
    r = tp_r / n_gold if n_gold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def match_exact(gold, pred):
    gs = Counter(gold)
    tp = 0
    for sp in pred:
        if gs[sp] > 0:
            gs[sp] -= 1
            tp += 1
    return tp


def match_overlap(gold, pred):
    pairs = []
    for gi, (gs, ge) in enumerate(gold):
        for pi, (ps, pe) in enumerate(pred):
            ov = min(ge, pe) - max(gs, ps)
            if ov > 0:
                pairs.append((-ov, gs, ps, gi, pi))
    pairs.sort()
    used_g, used_p, tp = set(), set(), 0
    for _, _, _, gi, pi in pairs:
        if gi in used_g or pi in used_p:
            continue
        used_g.add(gi)
        used_p.add(pi)
        tp += 1
    return tp


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--gold", required=True)
    ap.add_argument("--pred", required=True)
    ap.add_argument("--split", default="test", help="dev | test | all (default test)")
    ap.add_argument("--lang", default=None, help="only sentences of this language (en, de, fr, es, it)")
    ap.add_argument("--threshold", type=float, default=0.0)
    ap.add_argument("--types", default=None, help="comma-separated: score only these types")
    ap.add_argument("--supported", default=None,
                    help="comma-separated: the predictor's supported types (default: types it emitted)")
    ap.add_argument("--json", default=None, help="write the metrics as JSON here")
    ap.add_argument("--quiet", action="store_true", help="no table, only the micro lines")
    args = ap.parse_args(argv)

    only = set(args.types.split(",")) if args.types else None
    gold = {}
    for rec in load_jsonl(args.gold):
        if args.split != "all" and rec.get("split") != args.split:
            continue
        if args.lang and rec.get("lang") != args.lang:
            continue
        gold[rec["id"]] = rec

    emitted = set()
    preds = {}
    n_lines = 0
    for rec in load_jsonl(args.pred):
        n_lines += 1
        # Predictions name their type `entity_type` (Presidio's word, custos's since 0.2);
        # `type` is read too, for prediction files written before.
        ents = [dict(e, type=e.get("entity_type", e.get("type"))) for e in rec.get("entities", [])]
        for e in ents:
            emitted.add(e["type"])
        if rec["id"] not in gold:
            continue
        best = {}
        for e in ents:
            sc = e.get("score", 1.0)
            if sc is None:
                sc = 1.0
            if sc < args.threshold:
                continue
            key = (e["type"], int(e["start"]), int(e["end"]))
            best[key] = max(best.get(key, -1.0), sc)
        preds[rec["id"]] = list(best)
    supported = set(args.supported.split(",")) if args.supported else emitted

    n_gold, n_pred = Counter(), Counter()
    tp_exact, tp_ovl = Counter(), Counter()
    neg_total, neg_hit, neg_hit_by = Counter(), Counter(), defaultdict(Counter)
    missing_pred = 0
    for rid, rec in gold.items():
        if rid not in preds:
            missing_pred += 1
        g_by, p_by = defaultdict(list), defaultdict(list)
        for s in rec["spans"]:
            if only is None or s["type"] in only:
                g_by[s["type"]].append((s["start"], s["end"]))
        kept = [p for p in preds.get(rid, []) if only is None or p[0] in only]
        for t, s, e in kept:
            p_by[t].append((s, e))
        for t in set(g_by) | set(p_by):
            g, p = g_by.get(t, []), p_by.get(t, [])
            n_gold[t] += len(g)
            n_pred[t] += len(p)
            tp_exact[t] += match_exact(g, p)
            tp_ovl[t] += match_overlap(g, p)
        for ng in rec.get("neg", []):
            k = ng["kind"]
            neg_total[k] += 1
            hit_types = sorted({t for t, s, e in kept if s < ng["end"] and ng["start"] < e})
            if hit_types:
                neg_hit[k] += 1
                for t in hit_types:
                    neg_hit_by[k][t] += 1

    types = sorted(set(n_gold) | set(n_pred))
    result = {"gold": args.gold, "pred": args.pred, "split": args.split, "lang": args.lang,
              "threshold": args.threshold, "sentences": len(gold),
              "sentences_without_prediction_line": missing_pred,
              "supported_types": sorted(supported), "per_type": {}, "micro": {}, "negatives": {}}

    def row(t_list):
        g = sum(n_gold[t] for t in t_list)
        p = sum(n_pred[t] for t in t_list)
        te = sum(tp_exact[t] for t in t_list)
        to = sum(tp_ovl[t] for t in t_list)
        ep, er, ef = prf(te, p, te, g)
        op, orr, of = prf(to, p, to, g)
        return {"gold": g, "pred": p, "tp_exact": te, "tp_overlap": to,
                "exact": {"p": ep, "r": er, "f1": ef}, "overlap": {"p": op, "r": orr, "f1": of}}

    for t in types:
        result["per_type"][t] = row([t])
    sup_types = [t for t in types if t in supported]
    unsup_types = [t for t in types if t not in supported]
    result["micro"]["all"] = row(types)
    result["micro"]["supported"] = row(sup_types)
    result["unsupported_types"] = unsup_types
    for k in sorted(neg_total):
        result["negatives"][k] = {"spans": neg_total[k], "hit": neg_hit[k],
                                  "hit_by": dict(neg_hit_by[k].most_common())}

    out = sys.stdout
    hdr = "%-18s %6s %6s | %6s %6s %6s | %6s %6s %6s" % (
        "type", "gold", "pred", "ex.P", "ex.R", "ex.F1", "ov.P", "ov.R", "ov.F1")

    def line(name, m):
        return "%-18s %6d %6d | %6.3f %6.3f %6.3f | %6.3f %6.3f %6.3f" % (
            name, m["gold"], m["pred"], m["exact"]["p"], m["exact"]["r"], m["exact"]["f1"],
            m["overlap"]["p"], m["overlap"]["r"], m["overlap"]["f1"])

    print("split=%s lang=%s threshold=%g sentences=%d (no prediction line: %d)" % (
        args.split, args.lang or "all", args.threshold, len(gold), missing_pred), file=out)
    if not args.quiet:
        print(hdr, file=out)
        print("-" * len(hdr), file=out)
        for t in sup_types:
            print(line(t, result["per_type"][t]), file=out)
        if unsup_types:
            print("-- never predicted (not in the predictor's supported set):", file=out)
            for t in unsup_types:
                print(line(t, result["per_type"][t]), file=out)
        print("-" * len(hdr), file=out)
    print(line("micro supported", result["micro"]["supported"]), file=out)
    print(line("micro all", result["micro"]["all"]), file=out)
    if not args.quiet and neg_total:
        print("\nnegatives overlapped by a prediction (any type):", file=out)
        for k in sorted(neg_total):
            by = ", ".join("%s %d" % kv for kv in neg_hit_by[k].most_common(4))
            print("  %-15s %4d / %4d  %s" % (k, neg_hit[k], neg_total[k], by), file=out)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(result, fh, indent=1, sort_keys=True)
    return result


if __name__ == "__main__":
    main()
