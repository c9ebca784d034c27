#!/usr/bin/env python3
"""Independent re-derivation of every number in *.expected.json and wilson.json
from the CSVs, using only the stdlib (csv, math) and the formulas in README.md.
No fairlearn / aif360 / sklearn / numpy involved. Exits non-zero on any mismatch.

Run:  python3 check_fixtures.py      (any Python 3.8+, no venv needed)
This is the executable form of the definitions a re-implementation must follow.
"""
import csv
import json
import math
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TOL = 1e-12
TABLES = ["german", "edge_empty_positive", "edge_no_negatives", "edge_ties", "edge_single"]


def load(name):
    with open(os.path.join(HERE, name + ".csv"), newline="") as f:
        rows = list(csv.DictReader(f))
    for r in rows:
        r["y_true"] = int(r["y_true"])
        r["y_pred"] = int(r["y_pred"])
        r["score"] = float(r["score"])
    return rows


def div0(a, b):
    return a / b if b > 0 else 0.0


def auc(rows):
    pos = [r["score"] for r in rows if r["y_true"] == 1]
    neg = [r["score"] for r in rows if r["y_true"] == 0]
    if not pos or not neg:
        return None
    s = 0.0
    for p in pos:
        for q in neg:
            s += 1.0 if p > q else (0.5 if p == q else 0.0)
    return s / (len(pos) * len(neg))


def ece(rows):
    n = len(rows)
    bins = {}
    for r in rows:
        b = min(math.floor(r["score"] * 10), 9)
        bins.setdefault(b, []).append(r)
    tot = 0.0
    for b in sorted(bins):
        g = bins[b]
        tot += len(g) / n * abs(sum(r["y_true"] for r in g) / len(g)
                                - sum(r["score"] for r in g) / len(g))
    return tot


def metrics(rows):
    tp = sum(1 for r in rows if r["y_true"] == 1 and r["y_pred"] == 1)
    fp = sum(1 for r in rows if r["y_true"] == 0 and r["y_pred"] == 1)
    fn = sum(1 for r in rows if r["y_true"] == 1 and r["y_pred"] == 0)
    tn = sum(1 for r in rows if r["y_true"] == 0 and r["y_pred"] == 0)
    n = len(rows)
    return {
        "count": n,
        "selection_rate": (tp + fp) / n,
        "true_positive_rate": div0(tp, tp + fn),   # Fairlearn: 0 when no positives
        "false_positive_rate": div0(fp, fp + tn),  # Fairlearn: 0 when no negatives
        "false_negative_rate": div0(fn, tp + fn),
        "true_negative_rate": div0(tn, fp + tn),
        "precision": div0(tp, tp + fp),            # zero_division=0
        "npv": div0(tn, tn + fn),                  # 0 when no predicted negatives
        "accuracy": (tp + tn) / n,
        "base_rate": (tp + fn) / n,
        "mean_score": sum(r["score"] for r in rows) / n,
        "roc_auc": auc(rows),                      # None when one class
        "ece": ece(rows),
    }


def groups(rows, cols):
    out = {}
    for r in rows:
        out.setdefault(tuple(r[c] for c in cols), []).append(r)
    return out


def fl_disparities(rows, cols):
    per = [metrics(g) for g in groups(rows, cols).values()]

    def diff(m):
        v = [p[m] for p in per]
        return max(v) - min(v)

    def ratio(m):
        v = [p[m] for p in per]
        return min(v) / max(v) if max(v) != 0 else None  # 0/0 -> NaN -> null

    return {
        "demographic_parity_difference": diff("selection_rate"),
        "demographic_parity_ratio": ratio("selection_rate"),
        "equalized_odds_difference": max(diff("true_positive_rate"), diff("false_positive_rate")),
        "equalized_odds_ratio": min(ratio("true_positive_rate"), ratio("false_positive_rate")),
        "equal_opportunity_difference": diff("true_positive_rate"),
        "equal_opportunity_ratio": ratio("true_positive_rate"),
        "predictive_parity_difference": diff("precision"),
    }


def nan_div(a, b):
    if b == 0:
        if a == 0:
            return None  # nan
        return None      # +/-inf (JSON null)
    return a / b


def gei(b, alpha):
    mu = sum(b) / len(b)
    if alpha == 1:
        return sum((x / mu) * math.log(x / mu) if x > 0 else 0.0 for x in b) / len(b)
    return sum((x / mu) ** alpha - 1 for x in b) / len(b) / (alpha * (alpha - 1))


def aif(rows, reference):
    cols = list(reference)
    priv = [r for r in rows if all(r[c] == reference[c] for c in cols)]
    unpriv = [r for r in rows if not all(r[c] == reference[c] for c in cols)]

    def rates(g):
        tp = sum(1 for r in g if r["y_true"] == 1 and r["y_pred"] == 1)
        fp = sum(1 for r in g if r["y_true"] == 0 and r["y_pred"] == 1)
        p = sum(1 for r in g if r["y_true"] == 1)
        n = len(g) - p
        return {"sel": (tp + fp) / len(g), "base": p / len(g),
                "tpr": nan_div(tp, p), "fpr": nan_div(fp, n)}  # AIF360: NaN when P or N is 0

    a, b_ = rates(unpriv), rates(priv)

    def sub(x, y):
        return None if x is None or y is None else x - y

    di = nan_div(a["sel"], b_["sel"])
    aod = None if None in (a["fpr"], b_["fpr"], a["tpr"], b_["tpr"]) else \
        0.5 * ((a["fpr"] - b_["fpr"]) + (a["tpr"] - b_["tpr"]))
    ben = [r["y_pred"] - r["y_true"] + 1 for r in rows]
    mp = sum(r["y_pred"] - r["y_true"] + 1 for r in priv) / len(priv)
    mu = sum(r["y_pred"] - r["y_true"] + 1 for r in unpriv) / len(unpriv)
    bg = [mp if all(r[c] == reference[c] for c in cols) else mu for r in rows]
    return {
        "disparate_impact": di,
        "statistical_parity_difference": a["sel"] - b_["sel"],
        "average_odds_difference": aod,
        "equal_opportunity_difference": sub(a["tpr"], b_["tpr"]),
        "theil_index": gei(ben, 1),
        "generalized_entropy_index_alpha2": gei(ben, 2),
        "between_group_theil_index": gei(bg, 1),
        "between_group_generalized_entropy_index_alpha2": gei(bg, 2),
        "label_disparate_impact": nan_div(a["base"], b_["base"]),
        "label_statistical_parity_difference": a["base"] - b_["base"],
        "privileged_count": len(priv),
        "unprivileged_count": len(unpriv),
        "privileged_selection_rate": b_["sel"],
        "unprivileged_selection_rate": a["sel"],
        "privileged_true_positive_rate": b_["tpr"],
        "unprivileged_true_positive_rate": a["tpr"],
        "privileged_false_positive_rate": b_["fpr"],
        "unprivileged_false_positive_rate": a["fpr"],
        "four_fifths_violation": None if di is None else di < 0.8,
    }


FAILS = []


def cmp(path, got, exp):
    if exp is None or got is None:
        ok = exp is None and got is None
    elif isinstance(exp, bool):
        ok = got is exp
    else:
        ok = abs(got - exp) <= TOL
    if not ok:
        FAILS.append(f"{path}: recomputed {got!r} expected {exp!r}")


def check_group_list(path, rows, cols, lst):
    g = groups(rows, cols)
    assert len(g) == len(lst), (path, len(g), len(lst))
    for ent in lst:
        key = tuple(ent["group"][c] for c in cols)
        m = metrics(g[key])
        for k, v in ent["metrics"].items():
            cmp(f"{path}[{key}].{k}", m[k], v)


def main():
    for t in TABLES:
        rows = load(t)
        e = json.load(open(os.path.join(HERE, t + ".expected.json")))
        cols = e["meta"]["sensitive_columns"]
        for k, v in e["overall"].items():
            cmp(f"{t}.overall.{k}", metrics(rows)[k], v)
        check_group_list(f"{t}.by_group", rows, cols, e["by_group"])
        for c in cols:
            check_group_list(f"{t}.by_attribute.{c}", rows, [c], e["by_attribute"][c])
        for k, v in fl_disparities(rows, cols).items():
            cmp(f"{t}.disparities.{k}", v, e["disparities"][k])
        for c in cols:
            for k, v in fl_disparities(rows, [c]).items():
                cmp(f"{t}.disparities_by_attribute.{c}.{k}", v, e["disparities_by_attribute"][c][k])
        for i, ref in enumerate(e["relative_to_reference"]):
            got = aif(rows, ref["reference"])
            for k, v in got.items():
                cmp(f"{t}.relative_to_reference[{i}].{k}", v, ref[k])
    w = json.load(open(os.path.join(HERE, "wilson.json")))
    z = w["meta"]["z"]
    for it in w["intervals"]:
        k, n = it["successes"], it["n"]
        p = k / n
        den = 1 + z * z / n
        c = (p + z * z / (2 * n)) / den
        h = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
        cmp(f"wilson({k},{n}).lower", c - h, it["lower"])
        cmp(f"wilson({k},{n}).upper", c + h, it["upper"])
    for blk in w["chi_square"]:
        tab = [[r["selected"], r["not_selected"]] for r in blk["table"]]
        tot = sum(map(sum, tab))
        cs = [sum(r[j] for r in tab) for j in range(2)]
        stat = sum((tab[i][j] - sum(tab[i]) * cs[j] / tot) ** 2 / (sum(tab[i]) * cs[j] / tot)
                   for i in range(len(tab)) for j in range(2))
        cmp(f"chi2{blk['groups_by']}.statistic", stat, blk["statistic"])
        # p-value: survival function of chi-square with dof = rows-1 (even dof has a closed form)
        dof = blk["dof"]
        assert dof == len(tab) - 1
        if dof % 2 == 0:
            x = stat / 2
            pv = math.exp(-x) * sum(x ** i / math.factorial(i) for i in range(dof // 2))
        else:  # odd dof: erfc(sqrt(x)) + sum_{i=1}^{(dof-1)/2} e^-x x^(i-1/2) / Gamma(i+1/2)
            x = stat / 2
            pv = math.erfc(math.sqrt(x)) + sum(
                math.exp(-x) * x ** (i - 0.5) / math.gamma(i + 0.5)
                for i in range(1, (dof + 1) // 2))
        cmp(f"chi2{blk['groups_by']}.pvalue", pv, blk["pvalue"])
    if FAILS:
        print("\n".join(FAILS))
        print(f"0 passed, {len(FAILS)} failed")
        sys.exit(1)
    print("all fixture values re-derived within", TOL)


if __name__ == "__main__":
    main()
