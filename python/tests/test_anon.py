"""custos.anon gives the CLI's report and pycanon's figures on the committed cases."""

from __future__ import annotations

import json

import pyarrow.csv as pacsv
import pytest

import custos


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
