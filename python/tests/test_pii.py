"""custos.pii gives the CLI's answers, takes every Arrow table type, and refuses bad input."""

from __future__ import annotations

import json

import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

import custos

HELDOUT = "testdata/pii/heldout/heldout.jsonl"


def sample(root, n=300):
    with open(root / HELDOUT, encoding="utf-8") as f:
        return [json.loads(line) for _, line in zip(range(n), f)]


def test_analyze_equals_the_cli(root, cli, tmp_path):
    docs = sample(root)
    path = tmp_path / "in.jsonl"
    path.write_text("".join(json.dumps({"id": d["id"], "text": d["text"]}) + "\n" for d in docs), encoding="utf-8")
    expected = [json.loads(line)["entities"] for line in cli("pii", "analyze", "--input", str(path)).splitlines()]
    got = custos.pii.analyze([d["text"] for d in docs])
    assert [[f.to_dict() for f in found] for found in got] == expected
    assert sum(map(len, expected)) > 500, "the sample holds enough findings to compare"


def test_offsets_are_characters_not_bytes():
    text = "Zoë Müller: zoe@example.com"
    (found,) = custos.pii.analyze(text, entities=["EMAIL_ADDRESS"])
    assert text[found.start : found.end] == "zoe@example.com"


def test_analyze_options():
    text = "Kate Smith, kate@example.com"
    assert {f.entity_type for f in custos.pii.analyze(text, entities=["EMAIL_ADDRESS"])} == {"EMAIL_ADDRESS"}
    assert custos.pii.analyze(text, allow_list=["kate@example.com"], entities=["EMAIL_ADDRESS"]) == []
    assert all(f.score >= 0.9 for f in custos.pii.analyze(text, threshold=0.9))
    assert "PERSON" in custos.pii.supported_entities()


def test_anonymize_equals_the_cli(root, cli, tmp_path):
    docs = sample(root, 120)
    operators = {"PERSON": {"type": "mask", "masking_char": "#", "chars_to_mask": 3}, "DEFAULT": {"type": "redact"}}
    path = tmp_path / "in.jsonl"
    path.write_text("".join(json.dumps({"id": d["id"], "text": d["text"]}) + "\n" for d in docs), encoding="utf-8")
    out = cli("pii", "anonymize", "--input", str(path), "--operators", json.dumps(operators))
    expected = [json.loads(line) for line in out.splitlines()]
    got = custos.pii.anonymize([d["text"] for d in docs], operators=operators)
    assert [g.text for g in got] == [e["text"] for e in expected]
    assert [[(i.start, i.end, i.entity_type, i.operator) for i in g.items] for g in got] == [
        [(i["start"], i["end"], i["entity_type"], i["operator"]) for i in e["items"]] for e in expected
    ]
    assert any("###" in g.text for g in got)


def table(root, n=400):
    docs = sample(root, n)
    return pa.table(
        {
            "note": [d["text"] if i % 7 else None for i, d in enumerate(docs)],
            "locale": [d["locale"] for d in docs],
            "n": list(range(len(docs))),
        }
    )


def test_scan_table_equals_the_cli_for_every_table_type(root, cli, tmp_path):
    t = table(root)
    path = tmp_path / "t.csv"
    pacsv.write_csv(t, path)
    expected = json.loads(cli("pii", "scan-table", "--input", str(path)))
    # The CSV reader types columns from the text; compare the counts, not the type names.
    strip = lambda r: [{k: v for k, v in c.items() if k != "data_type"} for c in r["columns"]]
    for form in (t, pl.from_arrow(t), t.to_pandas(), t.to_reader()):
        got = custos.pii.scan_table(form)
        assert got["rows"] == expected["rows"] == 400
        assert strip(got) == strip(expected), type(form)
    assert expected["columns"][0]["classification"] is not None


def test_scan_partials_merge_to_the_whole(root):
    t = table(root)
    whole = custos.pii.scan_partial(t)
    parts = [custos.pii.scan_partial(t.slice(o, 97)) for o in range(0, t.num_rows, 97)]
    merged = parts[0].merge(*parts[1:])
    assert merged.report() == whole.report()
    assert custos.pii.TableScan.from_json(merged.to_json()).report() == whole.report()
    with pytest.raises(custos.CustosError, match="different tables"):
        whole.merge(custos.pii.scan_partial(pa.table({"other": ["x"]})))


def test_redact_table_equals_the_cli(root, cli, tmp_path):
    t = table(root, 150)
    src, dst = tmp_path / "t.parquet", tmp_path / "r.parquet"
    pq.write_table(t, src)
    cli("pii", "redact-table", "--input", str(src), "--output", str(dst), "--column", "locale=redact")
    expected = pq.read_table(dst)
    got = custos.pii.redact_table(t, columns={"locale": "redact"})
    assert got.column("note").to_pylist() == expected.column("note").to_pylist()
    assert got.column("n").to_pylist() == list(range(150)), "non-text columns pass through unchanged"
    assert got.schema.field("n").type == pa.int64()
    assert got.column("locale").to_pylist() == expected.column("locale").to_pylist()
    assert any("<PERSON>" in (v or "") for v in got.column("note").to_pylist())


def test_bad_input_is_refused_with_the_argument_named():
    with pytest.raises(custos.CustosError, match="threshold"):
        custos.pii.analyze("x", threshold=1.5)
    with pytest.raises(custos.CustosError, match="entities"):
        custos.pii.analyze("x", entities=["NOT_A_TYPE"])
    with pytest.raises(custos.CustosError, match="operators"):
        custos.pii.anonymize("Kate Smith", operators={"PERSON": {"type": "mask", "masking_char": "##", "chars_to_mask": 1}})
    with pytest.raises(custos.CustosError, match="operators"):
        custos.pii.anonymize("Kate Smith", operators={"PERSON": "explode"})
    with pytest.raises(TypeError, match=r"texts\[1\]"):
        custos.pii.analyze(["ok", 3])
    with pytest.raises(TypeError, match="Arrow table"):
        custos.pii.scan_table([1, 2, 3])
    with pytest.raises(custos.CustosError, match="columns"):
        custos.pii.redact_table(pa.table({"a": ["x"]}), columns={"b": "redact"})
