"""custos.anon gives the CLI's report and pycanon's figures on the committed cases."""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.csv as pacsv
import pytest

import custos
from _compare import close


def cases(root):
    return json.loads((root / "testdata/anon/expected.json").read_text())["cases"]


def test_check_equals_the_cli_and_pycanon(root, cli):
    checked = 0
    for case in cases(root):
        path = root / "testdata/anon" / case["table"]
        quasi = case["quasi_identifiers"]
        sensitive = [case["sensitive"]] if case.get("sensitive") else []
        got = custos.anon.check(pacsv.read_csv(path), quasi=quasi, sensitive=sensitive)
        args = ["anon", "check", "--input", str(path), "--quasi", ",".join(quasi), "--format", "json"]
        if sensitive:
            args += ["--sensitive", ",".join(sensitive)]
        assert got == json.loads(cli(*args)), case["table"]
        # pycanon 1.3.6's k, l and t (testdata/anon/make_fixtures.py).
        assert got["k"] == case["k"]
        assert got["classes"] == case["classes"]
        assert got["risk"]["max"] == pytest.approx(case["max_risk"], abs=1e-12)
        if sensitive:
            s = got["sensitive"][0]
            assert s["l"] == case["l"]
        checked += 1
    assert checked >= 10


def test_bad_input_is_refused(root):
    t = pacsv.read_csv(root / "testdata/anon/people.csv")
    with pytest.raises(custos.CustosError, match="quasi"):
        custos.anon.check(t, quasi=[])
    with pytest.raises(custos.CustosError, match="risk_threshold"):
        custos.anon.check(t, quasi=["zip"], risk_threshold=0)
    with pytest.raises(custos.CustosError, match="no column"):
        custos.anon.check(t, quasi=["postcode"])


def test_merged_partials_equal_the_check(root):
    """The check's partial aggregate: parts counted apart and merged (through JSON, as they
    travel between processes) give the whole table's report: counts, k, class sizes, risk and
    l exactly, the figures summed over a class's values to 1e-12."""
    for case in cases(root):
        t = pacsv.read_csv(root / "testdata/anon" / case["table"])
        quasi = case["quasi_identifiers"]
        sensitive = [case["sensitive"]] if case.get("sensitive") else []
        whole = custos.anon.check(t, quasi=quasi, sensitive=sensitive)
        step = max(1, t.num_rows // 4 + 1)
        parts = [custos.anon.partial(t.slice(o, step), quasi, sensitive) for o in range(0, t.num_rows, step)]
        parts = [custos.anon.AnonPartial.from_json(p.to_json()) for p in parts]
        merged = parts[0].merge(*parts[1:])
        assert merged.rows == t.num_rows
        # Counts exactly; t and entropy l to 1e-12 (a class's values are met in another order).
        close(merged.report(), whole, case["table"])
    t = pacsv.read_csv(root / "testdata/anon/people.csv")
    p = custos.anon.partial(t, ["gender", "education"], ["diagnosis"])
    assert p.combinations < 100 and p.rows == 600, "the partial holds combinations, not rows"
    with pytest.raises(custos.CustosError, match="different columns"):
        p.merge(custos.anon.partial(t, ["gender"], ["diagnosis"]))
    with pytest.raises(custos.CustosError, match="not an anonymity partial"):
        custos.anon.AnonPartial.from_json('{"quasi": []}')


def test_enforce_equals_the_cli(root, cli, tmp_path):
    path = root / "testdata/anon/people.csv"
    hierarchies = {"age": {"intervals": [5, 10, 20, 40]}, "zip": {"prefix": 5}, "gender": {"tree": [{"female": "*", "male": "*"}]}}
    (tmp_path / "h.toml").write_text(
        '[age]\nintervals = [5, 10, 20, 40]\n[zip]\nprefix = 5\n[gender]\ntree = [{female = "*", male = "*"}]\n'
    )
    out = tmp_path / "released.csv"
    expected = json.loads(
        cli("anon", "enforce", "--input", str(path), "--quasi", "age,zip,gender", "--k", "5", "--sensitive", "diagnosis",
            "--l", "2", "--max-suppressed", "10", "--hierarchies", str(tmp_path / "h.toml"), "--output", str(out))
    )
    # Small batches: the two passes see the table batch by batch, as the CLI sees a file.
    t = pa.Table.from_batches(pacsv.read_csv(path).to_batches(max_chunksize=64))
    released, report = custos.anon.enforce(t, ["age", "zip", "gender"], hierarchies, k=5, sensitive=["diagnosis"], l=2, max_suppressed=10)
    expected.pop("output")
    assert report == expected
    theirs = pacsv.read_csv(out, convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in released.column_names},
                                                                     strings_can_be_null=False))
    assert released.column_names == theirs.column_names
    for name in released.column_names:
        assert [v or "" for v in released.column(name).to_pylist()] == theirs.column(name).to_pylist(), name
    again = custos.anon.check(released, quasi=["age", "zip", "gender"], sensitive=["diagnosis"])
    assert again["k"] >= 5 and again["sensitive"][0]["l"] >= 2 and again["rows"] == report["released"]
    with pytest.raises(custos.CustosError, match="hierarchies"):
        custos.anon.enforce(t, ["age"], {"age": {"prefix": 3, "dates": True}}, k=5)
    with pytest.raises(custos.CustosError, match="no hierarchy"):
        custos.anon.enforce(t, ["age", "zip"], {"age": {"prefix": 2}}, k=5)
    with pytest.raises(custos.CustosError, match="k"):
        custos.anon.enforce(t, ["age"], {"age": {"prefix": 2}}, k=0)
    with pytest.raises(ValueError, match="l"):
        custos.anon.enforce(t, ["age"], {"age": {"prefix": 2}}, k=2, l=2)


def test_dp_stats_report_like_the_cli(root, cli, tmp_path):
    rows = ["region,spend"] + [f"{'north' if i % 3 == 0 else 'south'},{i % 500}" for i in range(3000)] + ["atlantis,9999"]
    path = tmp_path / "spend.csv"
    path.write_text("\n".join(rows) + "\n")
    t = pacsv.read_csv(path)
    got = custos.anon.dp_stats(t, "region", keys=["north", "south", "east"], sum="spend", bounds=(0, 500), epsilon=1.0)
    theirs = json.loads(cli("dp", "stats", "--input", str(path), "--segment-by", "region", "--keys", "north,south,east",
                            "--sum", "spend", "--bounds", "0,500", "--epsilon", "1"))
    # The noise differs run to run; what it is drawn from, and what is shown, does not.
    for key in ("mechanism", "count_noise_scale", "sum_noise_scale", "spend"):
        assert got[key] == theirs[key], key
    assert [s["segment"] for s in got["segments"]] == ["north", "south", "east"]
    assert got["left_out"] == 1
    # Scale-2 noise stays within 40 of the truth except with probability about 2e-9.
    assert abs(got["segments"][0]["count"] - 1000) < 40
    selected = custos.anon.dp_stats(t, "region", select_keys=1e-9, epsilon=1.0)
    assert selected["threshold"] == 22 and [s["segment"] for s in selected["segments"]] == ["north", "south"]
    gauss = custos.anon.dp_stats(t, "region", keys=["north"], rho=0.5)
    assert gauss["mechanism"] == "discrete_gaussian" and abs(gauss["spend"]["epsilon_at_delta"] - 5.7565) < 1e-3
    with pytest.raises(custos.CustosError, match="bounds"):
        custos.anon.dp_stats(t, "region", keys=["north"], sum="spend", epsilon=1.0)
    with pytest.raises(custos.CustosError, match="epsilon"):
        custos.anon.dp_stats(t, "region", keys=["north"])
    with pytest.raises(custos.CustosError, match="keys"):
        custos.anon.dp_stats(t, "region", epsilon=1.0)
    with pytest.raises(custos.CustosError, match="positive"):
        custos.anon.dp_stats(t, "region", keys=["north"], epsilon=-1.0)
