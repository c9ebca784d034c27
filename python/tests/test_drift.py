"""custos.drift gives the CLI's report from tables and from profiles, scipy's KS, and merged profiles."""

from __future__ import annotations

import json

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import custos
from _compare import close


def tables(seed=5, n=4000):
    rng = np.random.default_rng(seed)
    ref = pa.table({
        "amount": rng.lognormal(3, 0.5, n),
        "age": rng.integers(18, 90, n).astype(float),
        "plan": rng.choice(["basic", "plus", "premium"], n, p=[0.6, 0.3, 0.1]),
    })
    m = n // 2
    cur = pa.table({
        "amount": rng.lognormal(3.1, 0.5, m),
        "age": rng.integers(18, 90, m).astype(float),
        "plan": rng.choice(["basic", "plus", "premium", "trial"], m, p=[0.5, 0.3, 0.15, 0.05]),
    })
    return ref, cur


def test_compare_equals_the_cli(cli, tmp_path):
    ref, cur = tables()
    pq.write_table(ref, tmp_path / "r.parquet")
    pq.write_table(cur, tmp_path / "c.parquet")
    expected = json.loads(cli("drift", "--reference", str(tmp_path / "r.parquet"), "--current", str(tmp_path / "c.parquet"),
                              "--min-effect", "age=0.2"))
    got = custos.drift.compare(ref, cur, min_effect={"age": 0.2})
    close(got, expected)
    verdicts = {c["column"]: c["verdict"] for c in got["columns"]}
    assert verdicts["plan"] == "drift" and verdicts["amount"] == "drift"
    assert next(c for c in got["columns"] if c["column"] == "plan")["new_categories"] == ["trial"]
    # Other table kinds, same report.
    close(custos.drift.compare(pl.from_arrow(ref), cur.to_pandas(), min_effect={"age": 0.2}), expected)


def test_ks_equals_scipy():
    scipy_stats = pytest.importorskip("scipy.stats")
    ref, cur = tables(9, 600)
    got = custos.drift.compare(ref, cur, columns=["amount"])
    ks = next(t for t in got["columns"][0]["tests"] if t["method"] == "ks")
    want = scipy_stats.ks_2samp(ref["amount"].to_numpy(), cur["amount"].to_numpy(), method="exact")
    assert ks["statistic"] == pytest.approx(want.statistic, abs=1e-12)
    assert ks["p_value"] == pytest.approx(want.pvalue, rel=1e-6)


def test_profiles_merge_and_equal_the_cli(cli, tmp_path):
    ref, cur = tables()
    shards = [ref.slice(o, 1000) for o in range(0, ref.num_rows, 1000)]
    merged = custos.drift.profile(shards[0]).merge(*[custos.drift.profile(s) for s in shards[1:]])
    assert merged.rows == ref.num_rows
    whole = custos.drift.profile(ref)
    for i, s in enumerate(shards):
        pq.write_table(s, tmp_path / f"s{i}.parquet")
        cli("drift", "profile", "--input", str(tmp_path / f"s{i}.parquet"), "--output", str(tmp_path / f"s{i}.profile"))
    cli("drift", "merge", *sum([["--input", str(tmp_path / f"s{i}.profile")] for i in range(len(shards))], []),
        "--output", str(tmp_path / "ref.profile"))
    assert json.loads((tmp_path / "ref.profile").read_text()) == json.loads(merged.to_json())
    pq.write_table(cur, tmp_path / "c.parquet")
    expected = json.loads(cli("drift", "--reference-profile", str(tmp_path / "ref.profile"), "--current", str(tmp_path / "c.parquet")))
    close(custos.drift.compare(merged, cur), expected)
    # The whole table's profile agrees with the merged shards' within the sketches' error.
    a, b = custos.drift.compare(whole, cur), custos.drift.compare(merged, cur)
    for x, y in zip(a["columns"], b["columns"]):
        assert x["verdict"] == y["verdict"]
        assert x["effect_size"]["value"] == pytest.approx(y["effect_size"]["value"], abs=0.02)
    assert custos.drift.Profile.from_json(merged.to_json()).rows == merged.rows


def test_bad_input_is_refused():
    ref, cur = tables(1, 200)
    with pytest.raises(custos.CustosError, match="correction"):
        custos.drift.compare(ref, cur, correction="bonferroni")
    with pytest.raises(custos.CustosError, match="alpha"):
        custos.drift.compare(ref, cur, alpha=1.5)
    with pytest.raises(custos.CustosError, match="columns"):
        custos.drift.compare(ref, cur, columns=["nope"])
    with pytest.raises(custos.CustosError, match="share no column"):
        custos.drift.compare(ref, pa.table({"other": [1.0]}))
    with pytest.raises(custos.CustosError, match="profile"):
        custos.drift.Profile.from_json('{"not": "a profile"}')
    with pytest.raises(custos.CustosError, match="identifier is not a category"):
        ids = pa.table({"id": [f"u{i}" for i in range(12000)]})
        custos.drift.compare(ids, ids)
